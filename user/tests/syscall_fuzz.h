/* syscall_fuzz: what the fuzzer's parts share. syscall_fuzz.c holds the program (the seeds,
 * the workers, the watchdog, fz_call, the descriptor and pipe bookkeeping);
 * syscall_fuzz_models.c the models of a file and an anonymous mapping, and the minions;
 * syscall_fuzz_args.c the hostile argument classes and the errno table;
 * syscall_fuzz_calls.c one generator per system call, which draws arguments from those
 * classes and issues the call through fz_call().
 *
 * Invariants a generator keeps, so that nothing but the kernel can make a worker fail:
 *  - it never passes a descriptor of Fuzz.protected_fds to a call that could close or
 *    replace it (close, dup2's target), and never reads one that could block (the console,
 *    a pipe the model cannot prove holds bytes);
 *  - it never unmaps, remaps or protects memory outside the playground and the mappings it
 *    made itself (Fuzz.maps), except at addresses no program can own (kernel, non-canonical,
 *    NULL with a short length), and leaves the unmapped pages beside them unmapped (a
 *    mapping the kernel places on one is unmapped at once), since the pointer classes count
 *    on them;
 *  - it knows every descriptor it holds (Fuzz.fds) and how it was opened (Fuzz.fd_access),
 *    so the fd classes below are exact.
 *
 * The PRNG is splitmix64, seeded from the command line: the same seed draws the same calls,
 * so a failure line names everything needed to replay it (seed, worker, call number). */
#ifndef ATLAS_USER_TESTS_SYSCALL_FUZZ_H
#define ATLAS_USER_TESTS_SYSCALL_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#define FZ_PAGE 4096ul
#define FZ_MAX_FD 64
#define FZ_MAX_PIPES 16
#define FZ_MAX_MAPS 16
#define FZ_MAX_KIDS 3
#define FZ_PLAY_PAGES 32
#define FZ_SCRATCH_PAGES 4
#define FZ_MODEL_FILE_MAX 16384
#define FZ_ANON_PAGES 4
#define FZ_MAX_WORKERS 8

/* Classes of known bugs another branch is fixing, which the driver's --avoid can leave out
 * while exploring (never in make check). */
enum {
    AVOID_LINK_DIR = 1 << 0,       /* link() of ".", "..", "/" or a directory */
    AVOID_LINK = 1 << 1,           /* link() altogether (the link/unlink deadlock) */
    AVOID_TRAILING_SLASH = 1 << 2, /* paths ending in '/' */
    AVOID_FILE_DOTS = 1 << 3,      /* FILE/. and FILE/.. */
    AVOID_CREAT_DIR = 1 << 4,      /* open(O_CREAT | O_DIRECTORY) */
    AVOID_READ_FAULT = 1 << 5,     /* reads into bad buffers that consume data */
    AVOID_FSYNC_PIPE = 1 << 6,     /* fsync of a pipe or the console must be EINVAL */
    AVOID_GETDENTS = 1 << 7,       /* the shape of getdents records */
    AVOID_REMOVED_CWD = 1 << 8,    /* chdir("..") from a removed directory */
    AVOID_FTRUNCATE_DIR = 1 << 9,  /* ftruncate of a directory must be EINVAL */
};

/* What a descriptor of the worker refers to. */
enum FdKind { FD_CLOSED, FD_FILE, FD_DIR, FD_PIPE_READ, FD_PIPE_WRITE, FD_CONSOLE };

/* How a descriptor was opened (a set): for reading, for writing, or not known (the
   descriptors the program was started with, which someone else opened). A read or write
   on a descriptor known not to allow it must be EBADF, whatever the buffer and length:
   the open mode is checked first, as on Linux. */
enum { FA_READ = 1, FA_WRITE = 2, FA_UNKNOWN = 4 };

/* The model of one pipe the worker made: how many bytes it may hold (lo..hi; equal while
 * the model is certain), which bytes while certain, and how many of the worker's
 * descriptors hold each end. */
struct FzPipe {
    int in_use;
    int readers, writers;
    long lo, hi;
    int certain;
    unsigned char data[4096];
    long head; /* Index of the oldest byte in data (a ring). */
};

/* A mapping the worker made with mmap (not MAP_FIXED): a candidate for munmap and friends. */
struct FzMap {
    uintptr_t start;
    size_t length;
};

/* A child process ("minion") of the worker and what its wait status must be. */
struct FzKid {
    int pid;
    int expect_code;   /* Its exit code, or -1 if any code will do. */
    int killed_with;   /* The first signal a successful kill sent it, or 0. */
};

/* Shared (MAP_SHARED) between the program, its workers and their minions. */
struct FzShared {
    volatile long call[FZ_MAX_WORKERS];    /* The call each worker is in. */
    volatile long syscall[FZ_MAX_WORKERS]; /* ... and its number. */
    volatile long failures;                /* Failures seen by any process. */
};

typedef struct Fuzz {
    uint64_t rng;
    long seed;
    int worker;
    int depth;        /* 0 for a worker, 1+ for its minions. */
    long call;        /* Calls issued so far by this process. */
    unsigned avoid;
    struct FzShared* shared;
    char sandbox[64]; /* Absolute path of the worker's directory. */

    /* Memory: each region is its own mapping with unmapped pages on both sides. */
    unsigned char* scratch;   /* FZ_SCRATCH_PAGES read-write pages: valid buffers. */
    unsigned char* rw_end;    /* One read-write page followed by an unmapped page. */
    unsigned char* none;      /* A PROT_NONE page. */
    unsigned char* ro;        /* A read-only page. */
    unsigned char* eof_map;   /* Two pages of a 100-byte file: the second is past its end. */
    uintptr_t hole;           /* A page that stays unmapped. */
    unsigned char* play;      /* FZ_PLAY_PAGES pages that MAP_FIXED, munmap, ... may hit. */
    unsigned char* anon;      /* The modelled anonymous mapping. */
    unsigned char anon_model[FZ_ANON_PAGES * FZ_PAGE];
    long brk_grown;           /* Bytes sbrk added that are still there. */
    struct FzMap maps[FZ_MAX_MAPS];

    /* Descriptors. */
    unsigned char fds[FZ_MAX_FD];      /* enum FdKind */
    unsigned char fd_access[FZ_MAX_FD]; /* FA_* */
    signed char fd_pipe[FZ_MAX_FD];    /* Index into pipes, for pipe ends. */
    unsigned char protected_fds[FZ_MAX_FD];
    struct FzPipe pipes[FZ_MAX_PIPES];

    /* The modelled private file, open O_RDWR at model_fd. */
    int model_fd;
    long model_size;
    unsigned char model[FZ_MODEL_FILE_MAX];

    struct FzKid kids[FZ_MAX_KIDS];

    /* The call being made, for the failure line. */
    char note[160];
    uint64_t strict; /* Errnos the arguments force (see fz_call). */
} Fuzz;

/* A bit of an errno set, at compile time (EOVERFLOW, 75, gets bit 63). */
#define EB(code) ((code) == EOVERFLOW ? (1ull << 63) : (1ull << (code)))

/* A system call's name, argument count and the errnos it may give. */
struct FzSyscallInfo {
    const char* name;
    int arguments;
    uint64_t allowed;
};
const struct FzSyscallInfo* fz_syscall_info(int number);

/* What a minion's exit() passes, and the pid getppid() must give. */
extern int fz_exit_code;
extern int fz_parent_pid;

/* ---- Argument classes (syscall_fuzz_args.c) ---- */

enum { P_VALID, P_NULL, P_KERNEL, P_NONCANON, P_UNMAPPED, P_NONE, P_RO, P_STRADDLE, P_EOF, P_COUNT };
extern const uintptr_t kKernelAddresses[4];
#define KIND(k) (1u << (k))
#define ANY_KIND (KIND(FD_FILE) | KIND(FD_DIR) | KIND(FD_PIPE_READ) | KIND(FD_PIPE_WRITE) | KIND(FD_CONSOLE))

/* A pointer of class `kind` to `want` bytes (an input, or an output the kernel writes);
   *usable is how many bytes from it may be accessed. */
uintptr_t pointer_of(Fuzz* f, int kind, size_t want, int output, size_t* usable);
/* A pointer of a random class for `role`, noted; *bad says no access to `want` bytes can
   complete. */
uintptr_t pick_pointer(Fuzz* f, const char* role, size_t want, int output, int* bad, size_t* usable);
/* A size of a random class (0, 1, small, a page, larger, negative, huge), noted. */
long pick_size(Fuzz* f, const char* role);
/* An open descriptor of one of `kinds` (never the model's), or -1. */
int open_fd_of(Fuzz* f, unsigned kinds, int allow_protected);
/* An open descriptor of `kinds` or a bad one (*bad set: -1, closed, 64 and beyond). */
int pick_fd(Fuzz* f, unsigned kinds, int allow_protected, int* bad);
/* A path of a random class in slot 0 or 1; adds the errno it forces to *strict. */
uintptr_t pick_path(Fuzz* f, int slot, const char* role, uint64_t* strict, int for_link_source);
/* Whether [start, start + length) overlaps a region of the worker's own. */
int overlaps_own(Fuzz* f, uintptr_t start, size_t length);
/* Whether it covers one of the unmapped pages beside those regions and the playground,
   which must stay unmapped (f->hole is one). */
int touches_guard_page(Fuzz* f, uintptr_t start, size_t length);
/* A range for munmap, mprotect, msync, madvise or MAP_FIXED (see the invariants above). */
void pick_range(Fuzz* f, long* address, long* length);
/* Drops the remembered mappings inside [start, start + length). */
void forget_mapping(Fuzz* f, uintptr_t start, size_t length);

/* The PRNG. */
uint64_t fz_next(Fuzz* f);
uint64_t fz_below(Fuzz* f, uint64_t n);
int fz_chance(Fuzz* f, int percent);

/* A bit of an errno set (EOVERFLOW gets bit 63). */
uint64_t fz_errno_bit(int code);

/* Issues system call `number` with `args`, after the generator has drawn them (and said in
 * f->note what classes they are, in f->strict which errnos they force). Checks that a
 * failure's errno is one the call may give (the call's table entry, or f->strict if it is
 * not empty) and that a call whose arguments force an error did not succeed; prints a
 * FAIL line otherwise. Returns the raw result: a value, or -errno. */
long fz_call(Fuzz* f, int number, long a0, long a1, long a2, long a3, long a4, long a5);

/* Whether a raw result is an error, and which. */
static inline int fz_failed(long result) { return result < 0 && result >= -4095; }

/* Random bytes. */
void fz_fill_random(Fuzz* f, unsigned char* buffer, size_t length);

/* Ends the process at once (no stdio flush). */
__attribute__((noreturn)) void fz_exit(int code);

/* Prints "FAIL fuzz seed=S worker=W call=N <what>" (the first few of a process; a minion
   starts its own count with fz_reset_failure_lines) and counts the failure. */
void fz_reset_failure_lines(void);
void fz_fail(Fuzz* f, const char* format, ...) __attribute__((format(printf, 2, 3)));

/* Appends to f->note. */
void fz_note(Fuzz* f, const char* format, ...) __attribute__((format(printf, 2, 3)));

/* Draws and issues one random system call (syscall_fuzz_calls.c). */
void fz_random_call(Fuzz* f);

/* The descriptor bookkeeping: a new descriptor of `kind` opened with `access` (FA_*), or
 * one closed; whether an open descriptor is known not to allow `access`. */
void fz_fd_opened(Fuzz* f, int fd, enum FdKind kind, int pipe, unsigned access);
void fz_fd_closed(Fuzz* f, int fd);
int fz_fd_refuses(const Fuzz* f, int fd, unsigned access);

/* Models (syscall_fuzz.c): a random operation on the private file or the anonymous mapping
 * with the checks that follow, and the check of both. */
void fz_model_op(Fuzz* f);
void fz_check_models(Fuzz* f, const char* after);

/* Minions (syscall_fuzz.c): fork a child that runs random calls, execs, sleeps or exits;
 * kill one; reap one. */
void fz_spawn(Fuzz* f);
void fz_kill_kid(Fuzz* f);
void fz_reap(Fuzz* f, int index, int block);
/* A wait()/waitpid() made by a generator returned `pid` with `status`: match it to a kid. */
void fz_reaped(Fuzz* f, int pid, int status, int status_known);

/* Pipes (syscall_fuzz.c): bytes written to or read from a modelled pipe. */
void fz_pipe_wrote(Fuzz* f, int pipe, const unsigned char* data, long result, long length);
void fz_pipe_read(Fuzz* f, int pipe, const unsigned char* data, long result, long length, int buffer_ok);

/* The generators of the mapping calls (syscall_fuzz_memory.c). */
void gen_mmap(Fuzz* f);
void gen_munmap(Fuzz* f);
void gen_mprotect(Fuzz* f);
void gen_msync(Fuzz* f);
void gen_madvise(Fuzz* f);

/* The generators of the signal calls (syscall_fuzz_signals.c). */
void gen_rt_sigaction(Fuzz* f);
void gen_rt_sigprocmask(Fuzz* f);
void gen_rt_sigpending(Fuzz* f);
void gen_setpgid(Fuzz* f);
void gen_getpgid(Fuzz* f);
void gen_getsid(Fuzz* f);
void gen_setsid(Fuzz* f);
void gen_ioctl(Fuzz* f);
void gen_rt_sigsuspend(Fuzz* f);
void gen_sigaltstack(Fuzz* f);
void gen_linux_kill(Fuzz* f);
void gen_tgkill(Fuzz* f);
void gen_getitimer(Fuzz* f);
void gen_setitimer(Fuzz* f);

#endif
