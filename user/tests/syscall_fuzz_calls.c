/* syscall_fuzz_calls: one generator per system call of kernel/syscall/numbers.h, and the
 * table of the errnos each call may give (Linux's and POSIX's lists for the call; a failure
 * with any other errno is a bug). A generator draws each argument from its classes:
 *
 *   pointers     valid, NULL, kernel, non-canonical, unmapped, PROT_NONE, read-only (bad
 *                only as an output), straddling a mapped/unmapped boundary, past the end
 *                of a file mapping, and for strings one with no terminator before an
 *                unmapped page;
 *   descriptors  open ones of each kind (file, directory, pipe end, console), -1, closed,
 *                64 and beyond;
 *   paths        names in the sandbox, empty, 4096 bytes or more, a 255-byte and a 256-byte
 *                component, ".", "..", "/", a trailing slash, through a file, FILE/. and
 *                FILE/.., a 4094-byte path that resolves;
 *   sizes        0, 1, small, a page, larger, negative, huge, ones that overflow an address.
 *
 * Where the arguments decide the answer, the generator says so in f->strict (a bad path
 * pointer is EFAULT, an empty path ENOENT, a bad descriptor EBADF...), and fz_call holds
 * the call to it. See syscall_fuzz.h for the invariants that keep the worker itself alive. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../../kernel/syscall/abi.h"
#include "syscall_fuzz.h"

#define EB(code) ((code) == EOVERFLOW ? (1ull << 63) : (1ull << (code)))
#define PATHS (EB(EACCES) | EB(EFAULT) | EB(EIO) | EB(ELOOP) | EB(ENAMETOOLONG) | EB(ENOENT) | EB(ENOMEM) | EB(ENOTDIR))
#define CREATES (EB(EEXIST) | EB(ENOSPC) | EB(EPERM) | EB(EROFS) | EB(EMLINK))

struct FzSyscallInfo {
    const char* name;
    int arguments;
    uint64_t allowed;
};

static const struct FzSyscallInfo kInfo[SYS_count] = {
    [SYS_fork] = {"fork", 0, EB(EAGAIN) | EB(ENOMEM)},
    [SYS_exit] = {"exit", 1, 0},
    [SYS_wait] = {"wait", 1, EB(ECHILD) | EB(EFAULT) | EB(EINTR)},
    [SYS_pipe] = {"pipe", 1, EB(EFAULT) | EB(EMFILE) | EB(ENFILE) | EB(ENOMEM)},
    [SYS_read] = {"read", 3, EB(EAGAIN) | EB(EBADF) | EB(EFAULT) | EB(EINTR) | EB(EINVAL) | EB(EIO) | EB(EISDIR)},
    [SYS_kill] = {"kill", 2, EB(EINVAL) | EB(EPERM) | EB(ESRCH)},
    [SYS_exec] = {"exec", 3, PATHS | EB(E2BIG) | EB(EINVAL) | EB(ENOEXEC) | EB(ETXTBSY)},
    [SYS_fstat] = {"fstat", 2, EB(EBADF) | EB(EFAULT) | EB(ENOMEM) | EB(EOVERFLOW)},
    [SYS_chdir] = {"chdir", 1, PATHS},
    [SYS_dup] = {"dup", 1, EB(EBADF) | EB(EMFILE)},
    [SYS_getpid] = {"getpid", 0, 0},
    [SYS_sbrk] = {"sbrk", 1, EB(ENOMEM)},
    [SYS_sleep] = {"sleep", 1, EB(EINTR) | EB(EINVAL)},
    [SYS_uptime] = {"uptime", 0, 0},
    [SYS_open] = {"open", 3,
                  PATHS | CREATES | EB(EINVAL) | EB(EISDIR) | EB(EMFILE) | EB(ENFILE) | EB(ENXIO) | EB(ENODEV) |
                      EB(EOVERFLOW) | EB(ETXTBSY) | EB(EFBIG)},
    [SYS_write] = {"write", 3,
                   EB(EAGAIN) | EB(EBADF) | EB(EFAULT) | EB(EFBIG) | EB(EINTR) | EB(EINVAL) | EB(EIO) | EB(ENOSPC) |
                       EB(EPIPE)},
    [SYS_mknod] = {"mknod", 3, PATHS | CREATES | EB(EINVAL)},
    [SYS_unlink] = {"unlink", 1, PATHS | EB(EBUSY) | EB(EISDIR) | EB(EPERM) | EB(EROFS)},
    [SYS_link] = {"link", 2, PATHS | CREATES | EB(EXDEV)},
    [SYS_mkdir] = {"mkdir", 2, PATHS | CREATES},
    [SYS_close] = {"close", 1, EB(EBADF) | EB(EINTR) | EB(EIO)},
    [SYS_waitpid] = {"waitpid", 3, EB(ECHILD) | EB(EFAULT) | EB(EINTR) | EB(EINVAL)},
    [SYS_getppid] = {"getppid", 0, 0},
    [SYS_lseek] = {"lseek", 3, EB(EBADF) | EB(EINVAL) | EB(ENXIO) | EB(EOVERFLOW) | EB(ESPIPE)},
    [SYS_dup2] = {"dup2", 2, EB(EBADF) | EB(EBUSY) | EB(EINTR) | EB(EMFILE)},
    [SYS_rmdir] = {"rmdir", 1, PATHS | EB(EBUSY) | EB(EEXIST) | EB(EINVAL) | EB(ENOTEMPTY) | EB(EPERM) | EB(EROFS)},
    [SYS_ftruncate] = {"ftruncate", 2,
                       EB(EBADF) | EB(EFBIG) | EB(EINTR) | EB(EINVAL) | EB(EIO) | EB(EPERM) | EB(EROFS) | EB(ETXTBSY) |
                           EB(ENOSPC)},
    [SYS_fsync] = {"fsync", 1, EB(EBADF) | EB(EINTR) | EB(EIO) | EB(EINVAL) | EB(EROFS) | EB(ENOSPC)},
    [SYS_stat] = {"stat", 2, PATHS | EB(EOVERFLOW)},
    [SYS_mmap] = {"mmap", 6,
                  EB(EACCES) | EB(EAGAIN) | EB(EBADF) | EB(EEXIST) | EB(EINVAL) | EB(ENFILE) | EB(ENODEV) | EB(ENOMEM) |
                      EB(EOVERFLOW) | EB(EPERM) | EB(ETXTBSY)},
    [SYS_munmap] = {"munmap", 2, EB(EINVAL) | EB(ENOMEM)},
    [SYS_mprotect] = {"mprotect", 3, EB(EACCES) | EB(EINVAL) | EB(ENOMEM)},
    [SYS_msync] = {"msync", 3, EB(EBUSY) | EB(EINVAL) | EB(ENOMEM) | EB(EIO)},
    [SYS_madvise] = {"madvise", 3, EB(EACCES) | EB(EAGAIN) | EB(EBADF) | EB(EINVAL) | EB(EIO) | EB(ENOMEM) | EB(EPERM)},
    [SYS_getdents] = {"getdents", 3, EB(EBADF) | EB(EFAULT) | EB(EINVAL) | EB(ENOENT) | EB(ENOTDIR)},
    [SYS_vmstat] = {"vmstat", 1, EB(EFAULT)},
    [SYS_procmaps] = {"procmaps", 3, EB(EFAULT) | EB(EINVAL) | EB(ESRCH)},
    [SYS_fadvise] = {"fadvise", 4, EB(EBADF) | EB(EINVAL) | EB(ESPIPE)},
};

const struct FzSyscallInfo* fz_syscall_info(int number)
{
    static const struct FzSyscallInfo unknown = {"syscall", 6, 0};
    return number > 0 && number < SYS_count && kInfo[number].name ? &kInfo[number] : &unknown;
}

/* ---- Pointers ---- */

enum { P_VALID, P_NULL, P_KERNEL, P_NONCANON, P_UNMAPPED, P_NONE, P_RO, P_STRADDLE, P_EOF, P_COUNT };
static const char* const kPtrNames[] = {"valid",     "null",      "kernel",   "noncanonical", "unmapped",
                                        "prot-none", "read-only", "straddle", "beyond-eof"};

static const uintptr_t kKernelAddresses[] = {0xffffffc000000000ul, 0xffffffff80000000ul, 0xffffffc000200000ul,
                                             0xfffffffffffff000ul};
static const uintptr_t kNonCanonical[] = {0x0000004000000000ul, 0x0000800000000000ul, 0x8000000000000000ul,
                                          0x1234567800000000ul};

/* A pointer to `want` bytes of class `kind`; *usable is how many bytes may be accessed
   (read-only counts for inputs only). */
static uintptr_t pointer_of(Fuzz* f, int kind, size_t want, int output, size_t* usable)
{
    size_t scratch = FZ_SCRATCH_PAGES * FZ_PAGE;
    *usable = 0;
    switch (kind) {
    case P_VALID: {
        size_t fit = want < scratch ? want : scratch;
        *usable = scratch;
        size_t offset = fz_below(f, scratch - fit + 1) & ~7ul;
        *usable = scratch - offset;
        return (uintptr_t)f->scratch + offset;
    }
    case P_NULL: return fz_chance(f, 80) ? 0 : 8;
    case P_KERNEL: return kKernelAddresses[fz_below(f, 4)];
    case P_NONCANON: return kNonCanonical[fz_below(f, 4)];
    case P_UNMAPPED: return f->hole + (fz_below(f, 256) & ~7ul);
    case P_NONE: return (uintptr_t)f->none + (fz_below(f, 256) & ~7ul);
    case P_RO:
        *usable = output ? 0 : FZ_PAGE;
        return (uintptr_t)f->ro;
    case P_STRADDLE: {
        size_t limit = want > 1 && want <= FZ_PAGE ? want - 1 : 64;
        size_t k = 1 + fz_below(f, limit);
        *usable = k;
        return (uintptr_t)f->rw_end + FZ_PAGE - k;
    }
    default: return (uintptr_t)f->eof_map + FZ_PAGE + (fz_below(f, 256) & ~7ul);
    }
}

static int pick_pointer_class(Fuzz* f) { return fz_chance(f, 45) ? P_VALID : 1 + (int)fz_below(f, P_COUNT - 1); }

/* A pointer for `role`, noted; *bad says that every access to `want` bytes must fault. */
static uintptr_t pick_pointer(Fuzz* f, const char* role, size_t want, int output, int* bad, size_t* usable)
{
    int kind = pick_pointer_class(f);
    size_t room;
    uintptr_t pointer = pointer_of(f, kind, want, output, &room);
    fz_note(f, "%s%s=%s", f->note[0] ? " " : "", role, kPtrNames[kind]);
    *bad = room < want && want > 0;
    if (usable)
        *usable = room;
    return pointer;
}

/* ---- Sizes ---- */

static long pick_size(Fuzz* f, const char* role)
{
    static const long huge[] = {-1, 1l << 62, 1l << 38, LONG_MIN, (long)INT_MAX + 1, -4096, LONG_MAX};
    long size;
    switch (fz_below(f, 8)) {
    case 0: size = 0; break;
    case 1: size = 1; break;
    case 2: size = 2 + (long)fz_below(f, 255); break;
    case 3: size = 4096; break;
    case 4:
    case 5: size = 1 + (long)fz_below(f, 20000); break;
    default: size = huge[fz_below(f, 7)]; break;
    }
    fz_note(f, "%s%s=%ld", f->note[0] ? " " : "", role, size);
    return size;
}

/* ---- Descriptors ---- */

#define KIND(k) (1u << (k))
#define ANY_KIND (KIND(FD_FILE) | KIND(FD_DIR) | KIND(FD_PIPE_READ) | KIND(FD_PIPE_WRITE) | KIND(FD_CONSOLE))

static const char* const kFdNames[] = {"closed", "file", "directory", "pipe-read", "pipe-write", "console"};

/* An open descriptor whose kind is in `kinds` (never the model's), or -1 if none. */
static int open_fd_of(Fuzz* f, unsigned kinds, int allow_protected)
{
    int start = (int)fz_below(f, FZ_MAX_FD);
    for (int i = 0; i < FZ_MAX_FD; i++) {
        int fd = (start + i) % FZ_MAX_FD;
        if (f->fds[fd] == FD_CLOSED || !(kinds & KIND(f->fds[fd])) || fd == f->model_fd)
            continue;
        if (f->protected_fds[fd] && !allow_protected)
            continue;
        return fd;
    }
    return -1;
}

/* A descriptor: an open one of `kinds`, or a bad one (*bad set). */
static int pick_fd(Fuzz* f, unsigned kinds, int allow_protected, int* bad)
{
    *bad = 0;
    if (fz_chance(f, 75)) {
        int fd = open_fd_of(f, kinds, allow_protected);
        if (fd >= 0) {
            fz_note(f, "%sfd=%s", f->note[0] ? " " : "", kFdNames[f->fds[fd]]);
            return fd;
        }
    }
    static const int bad_fds[] = {-1, 64, 1000, INT_MAX, -100, INT_MIN};
    int fd;
    if (fz_chance(f, 40)) {
        fd = 3 + (int)fz_below(f, FZ_MAX_FD - 3);
        while (f->fds[fd] != FD_CLOSED || fd == f->model_fd)
            fd = 3 + (fd - 3 + 1) % (FZ_MAX_FD - 3);
        fz_note(f, "%sfd=closed", f->note[0] ? " " : "");
    } else {
        fd = bad_fds[fz_below(f, 6)];
        fz_note(f, "%sfd=bad", f->note[0] ? " " : "");
    }
    *bad = 1;
    return fd;
}

/* ---- Paths ---- */

static char s_paths[2][4400];

static int is_directory_name(const char* name)
{
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, "/") == 0 || name[0] == 'd' ||
           strstr(name, "/.") != NULL;
}

/* A path in slot `slot`; adds to *strict the errno it forces (bad pointer, empty, too long). */
static uintptr_t pick_path(Fuzz* f, int slot, const char* role, uint64_t* strict, int for_link_source)
{
    static const char* const names[] = {"f0", "f1", "f2", "d0", "d1", "n0", "n1", "x0", "d0/f0",
                                        "d0/f1", "d1/f0", "d0/d1", "l0", "l1", "d1/d0"};
    char* path = s_paths[slot];
    const char* kind = "name";
    for (int attempt = 0; attempt < 8; attempt++) {
        int roll = (int)fz_below(f, 100);
        kind = "name";
        if (roll < 50) {
            strcpy(path, names[fz_below(f, sizeof(names) / sizeof(names[0]))]);
            if (fz_chance(f, 10)) {
                char relative[16];
                strcpy(relative, path);
                snprintf(path, 4400, "%s/%s", f->sandbox, relative);
            }
        } else if (roll < 54) {
            kind = "empty";
            path[0] = 0;
            *strict |= EB(ENOENT);
        } else if (roll < 58) {
            strcpy(path, ".");
        } else if (roll < 61) {
            strcpy(path, "..");
        } else if (roll < 63) {
            strcpy(path, "/");
        } else if (roll < 68) {
            kind = "trailing-slash";
            if (f->avoid & AVOID_TRAILING_SLASH)
                continue;
            snprintf(path, 4400, "%s%s", names[fz_below(f, 8)], fz_chance(f, 50) ? "/" : "//");
        } else if (roll < 72) {
            kind = "through-file";
            static const char* const through[] = {"f0/x", "x0/d0", "n0/x", "f1/f0/f0"};
            strcpy(path, through[fz_below(f, 4)]);
        } else if (roll < 75) {
            kind = "file-dots";
            if (f->avoid & AVOID_FILE_DOTS)
                continue;
            strcpy(path, fz_chance(f, 50) ? "f0/." : "f0/..");
        } else if (roll < 78) {
            kind = "too-long";
            size_t length = 4096 + fz_below(f, 200);
            for (size_t i = 0; i < length; i++)
                path[i] = (i % 8 == 7) ? '/' : 'a';
            path[length] = 0;
            *strict |= EB(ENAMETOOLONG);
        } else if (roll < 80) {
            kind = "4094-bytes";
            size_t i = 0;
            while (i < 4092) {
                path[i++] = '.';
                path[i++] = '/';
            }
            strcpy(path + i, "f0");
        } else if (roll < 84) {
            kind = fz_chance(f, 50) ? "component-256" : "component-255";
            size_t length = kind[10] == '6' ? 256 : 255;
            size_t prefix = fz_chance(f, 50) ? 3 : 0;
            memcpy(path, "d0/", prefix);
            memset(path + prefix, 'c', length);
            path[prefix + length] = 0;
        } else {
            static const char* const bad[] = {"null", "kernel", "noncanonical", "unmapped", "prot-none",
                                              "unterminated", "beyond-eof"};
            int which = (int)fz_below(f, 7);
            fz_note(f, "%s%s=%s", f->note[0] ? " " : "", role, bad[which]);
            *strict |= EB(EFAULT);
            size_t ignored;
            switch (which) {
            case 0: return 0;
            case 1: return pointer_of(f, P_KERNEL, 1, 0, &ignored);
            case 2: return pointer_of(f, P_NONCANON, 1, 0, &ignored);
            case 3: return f->hole;
            case 4: return (uintptr_t)f->none;
            case 5: {
                size_t length = 1 + fz_below(f, 200);
                memset(f->rw_end + FZ_PAGE - length, 'a', length);
                return (uintptr_t)f->rw_end + FZ_PAGE - length;
            }
            default: return (uintptr_t)f->eof_map + FZ_PAGE;
            }
        }
        if (for_link_source && (f->avoid & AVOID_LINK_DIR) && is_directory_name(path))
            continue;
        break;
    }
    if (for_link_source && (f->avoid & AVOID_LINK_DIR) && is_directory_name(path))
        strcpy(path, "f1");
    fz_note(f, "%s%s=%s", f->note[0] ? " " : "", role, kind);
    return (uintptr_t)path;
}

/* ---- Memory regions ---- */

/* Whether [start, start + length) overlaps one of the worker's own regions. */
static int overlaps_own(Fuzz* f, uintptr_t start, size_t length)
{
    const struct {
        unsigned char* base;
        size_t pages;
    } regions[] = {
        {f->scratch, FZ_SCRATCH_PAGES}, {f->rw_end, 1}, {f->none, 1},          {f->ro, 1},
        {f->anon, FZ_ANON_PAGES},       {f->eof_map, 2},
    };
    for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
        uintptr_t base = (uintptr_t)regions[i].base;
        if (start < base + regions[i].pages * FZ_PAGE && base < start + length)
            return 1;
    }
    return 0;
}

/* An address for munmap/mprotect/msync/madvise and a length that keeps the call inside the
   playground or a mapping of our own, or at an address nothing can own. */
static void pick_range(Fuzz* f, long* address, long* length)
{
    static const long huge[] = {-1, 1l << 38, 1l << 62, LONG_MIN, -4096};
    uintptr_t base = 0;
    size_t room = 0;
    int roll = (int)fz_below(f, 10);
    if (roll < 5) {
        size_t page = fz_below(f, FZ_PLAY_PAGES);
        base = (uintptr_t)f->play + page * FZ_PAGE;
        room = (FZ_PLAY_PAGES - page) * FZ_PAGE;
        fz_note(f, "addr=play");
    } else if (roll < 7) {
        int i = (int)fz_below(f, FZ_MAX_MAPS);
        if (f->maps[i].length) {
            base = f->maps[i].start;
            room = f->maps[i].length;
            fz_note(f, "addr=mapping");
        } else {
            base = (uintptr_t)f->play;
            room = FZ_PLAY_PAGES * FZ_PAGE;
            fz_note(f, "addr=play");
        }
    } else if (roll == 7) {
        /* NULL or an unmapped page, for at most a page: NULL with 2^38 bytes is all of
           user space, and valid. */
        base = fz_chance(f, 50) ? 0 : f->hole;
        room = FZ_PAGE;
        fz_note(f, base ? "addr=unmapped" : "addr=null");
        if (base == 0 && fz_chance(f, 30)) {
            static const long failing[] = {-1, 1l << 62, LONG_MIN, -4096};
            *address = 0;
            *length = failing[fz_below(f, 4)];
            fz_note(f, " len=%ld", *length);
            return;
        }
    } else {
        size_t ignored;
        base = pointer_of(f, fz_chance(f, 50) ? P_KERNEL : P_NONCANON, 1, 0, &ignored) & ~(FZ_PAGE - 1);
        room = 0;
        fz_note(f, "addr=kernel-or-noncanonical");
    }
    if (fz_chance(f, 10)) {
        base += 1 + fz_below(f, FZ_PAGE - 1);
        fz_note(f, " unaligned");
    }
    *address = (long)base;
    int pick = (int)fz_below(f, 10);
    if (pick == 0 || (room == 0 && pick < 6))
        *length = pick == 0 ? 0 : (long)fz_below(f, 8 * FZ_PAGE);
    else if (pick < 7 && room > 0)
        *length = (long)(1 + fz_below(f, room));
    else if (pick < 9 && base != 0)
        *length = huge[fz_below(f, 5)];
    else if (pick < 9)
        *length = (long)FZ_PAGE;
    else
        *length = (long)(0 - base + FZ_PAGE);  /* address + length wraps around. */
    if (room == 0 && base != 0)
        return;
    if (room > 0 && *length > 0 && (size_t)*length > room && (size_t)*length < (1ul << 38))
        *length = (long)room;
    fz_note(f, " len=%ld", *length);
}

static void forget_mapping(Fuzz* f, uintptr_t start, size_t length)
{
    for (int i = 0; i < FZ_MAX_MAPS; i++)
        if (f->maps[i].length && f->maps[i].start >= start && f->maps[i].start + f->maps[i].length <= start + length)
            f->maps[i].length = 0;
}

/* ---- The generators ---- */

static void got_new_fd(Fuzz* f, long fd, int source);

static void gen_fork(Fuzz* f) { fz_spawn(f); }

static void gen_exit(Fuzz* f)
{
    if (f->depth == 0)
        return;  /* A worker ends only when its calls are done. */
    extern int fz_exit_code;
    fz_call(f, SYS_exit, fz_exit_code, 0, 0, 0, 0, 0);
}

/* After a wait that may or may not have reaped a child (EFAULT), find out which. */
static void resync_kids(Fuzz* f)
{
    for (int i = 0; i < FZ_MAX_KIDS; i++) {
        if (!f->kids[i].pid)
            continue;
        int* status = (int*)f->scratch;
        long result = fz_call(f, SYS_waitpid, f->kids[i].pid, (long)status, WNOHANG, 0, 0, 0);
        if (result == f->kids[i].pid)
            fz_reaped(f, f->kids[i].pid, *status, 1);
        else if (result == -ECHILD)
            fz_reaped(f, f->kids[i].pid, 0, 0);
    }
}

static int has_kids(Fuzz* f)
{
    for (int i = 0; i < FZ_MAX_KIDS; i++)
        if (f->kids[i].pid)
            return 1;
    return 0;
}

static void after_wait(Fuzz* f, long result, int* status, int bad)
{
    if (result > 0)
        fz_reaped(f, (int)result, bad || !status ? 0 : *status, !bad && status);
    else if (result == -EFAULT)
        resync_kids(f);
}

static void gen_wait(Fuzz* f)
{
    int bad;
    int* status = (int*)pick_pointer(f, "status", sizeof(int), 1, &bad, NULL);
    if (fz_chance(f, 20)) {
        status = NULL;
        bad = 0;
    }
    if (!has_kids(f))
        f->strict = EB(ECHILD) | (bad ? EB(EFAULT) : 0);
    long result = fz_call(f, SYS_wait, (long)status, 0, 0, 0, 0, 0);
    after_wait(f, result, status, bad);
}

static void gen_waitpid(Fuzz* f)
{
    int bad;
    int* status = (int*)pick_pointer(f, "status", sizeof(int), 1, &bad, NULL);
    static const int options[] = {0, WNOHANG, 2, 8, 0x40000000, -1};
    int option = options[fz_below(f, 6)];
    int pid;
    int slot = (int)fz_below(f, FZ_MAX_KIDS);
    switch (fz_below(f, 5)) {
    case 0: pid = -1; break;
    case 1: pid = f->kids[slot].pid ? f->kids[slot].pid : 99999; break;
    case 2: pid = 0; break;
    case 3: pid = -5; break;
    default: pid = fz_chance(f, 50) ? 99999 : (int)fz_call(f, SYS_getpid, 0, 0, 0, 0, 0, 0); break;
    }
    fz_note(f, " pid=%d options=%d", pid, option);
    long result = fz_call(f, SYS_waitpid, pid, (long)status, option, 0, 0, 0);
    after_wait(f, result, status, bad);
}

static int free_pipe(Fuzz* f)
{
    for (int i = 0; i < FZ_MAX_PIPES; i++)
        if (!f->pipes[i].in_use)
            return i;
    return -1;
}

static void gen_pipe(Fuzz* f)
{
    int slot = free_pipe(f);
    if (slot < 0)
        return;
    int bad;
    size_t usable;
    int* fds = (int*)pick_pointer(f, "fds", 2 * sizeof(int), 1, &bad, &usable);
    if (bad)
        f->strict = EB(EFAULT) | EB(EMFILE);
    long result = fz_call(f, SYS_pipe, (long)fds, 0, 0, 0, 0, 0);
    if (result != 0 || bad)
        return;
    struct FzPipe* p = &f->pipes[slot];
    memset(p, 0, sizeof(*p));
    p->in_use = 1;
    p->certain = 1;
    if (fds[0] == fds[1] || fds[0] < 0 || fds[0] >= FZ_MAX_FD || fds[1] < 0 || fds[1] >= FZ_MAX_FD ||
        f->fds[fds[0]] != FD_CLOSED || f->fds[fds[1]] != FD_CLOSED)
        fz_fail(f, "pipe returned descriptors %d and %d", fds[0], fds[1]);
    fz_fd_opened(f, fds[0], FD_PIPE_READ, slot);
    fz_fd_opened(f, fds[1], FD_PIPE_WRITE, slot);
}

static void gen_read(Fuzz* f)
{
    int bad_fd;
    int fd = pick_fd(f, ANY_KIND, 1, &bad_fd);
    long length = pick_size(f, "len");
    int bad;
    size_t usable;
    uintptr_t buffer = pick_pointer(f, "buf", length > 0 ? (size_t)length : 0, 1, &bad, &usable);
    int kind = bad_fd ? FD_CLOSED : f->fds[fd];
    int pipe = bad_fd ? -1 : f->fd_pipe[fd];
    if (kind == FD_CONSOLE) {
        /* Never wait for a line that will not come: only calls that fail before reading. */
        if (length != 0)
            buffer = kKernelAddresses[fz_below(f, 4)];
        bad = length != 0;
    } else if (kind == FD_PIPE_READ) {
        struct FzPipe* p = &f->pipes[pipe];
        int in_range = buffer < (1ul << 38);
        if (p->writers > 0 && p->lo == 0) {
            length = 0;  /* Empty and still writable: a read would wait forever. */
        } else if (bad && in_range && length > 0 && p->writers > 0) {
            /* A faulting read must leave the bytes in the pipe; leave one at least, so that
               the check below cannot block. */
            if ((f->avoid & AVOID_READ_FAULT) || p->lo < 2 || !p->certain)
                length = 0;
            else if (length > p->lo - 1)
                length = p->lo - 1;
        }
    }
    if (bad_fd)
        f->strict = EB(EBADF);
    long result = fz_call(f, SYS_read, fd, (long)buffer, length, 0, 0, 0);
    if (kind == FD_PIPE_READ) {
        struct FzPipe* p = &f->pipes[pipe];
        int copied_all = !bad && (size_t)length <= usable;
        if (!fz_failed(result) && bad && result > 0 && (size_t)result > usable)
            fz_fail(f, "a read into a %zu-byte buffer returned %ld", usable, result);
        long before = p->lo;
        fz_pipe_read(f, pipe, (const unsigned char*)buffer, result, length, copied_all);
        if (result == -EFAULT && p->certain && before >= 2 && p->writers > 0) {
            long check = fz_call(f, SYS_read, fd, (long)f->scratch, before, 0, 0, 0);
            if (check != before)
                fz_fail(f, "a pipe read that failed with EFAULT consumed %ld of its %ld bytes",
                        fz_failed(check) ? -1 : before - check, before);
            fz_pipe_read(f, pipe, f->scratch, check, before, 1);
        }
    }
}

static void gen_write(Fuzz* f)
{
    int bad_fd;
    int fd = pick_fd(f, ANY_KIND, 1, &bad_fd);
    long length = pick_size(f, "len");
    int bad;
    size_t usable;
    uintptr_t buffer = pick_pointer(f, "buf", length > 0 ? (size_t)length : 0, 0, &bad, &usable);
    int kind = bad_fd ? FD_CLOSED : f->fds[fd];
    if (kind == FD_CONSOLE && usable > 0)
        length = 0;  /* Keep the console for the PASS and FAIL lines. */
    if (kind == FD_PIPE_WRITE) {
        struct FzPipe* p = &f->pipes[f->fd_pipe[fd]];
        long moved = length < 0 || length > 4096 ? 4096 : length;
        if (p->readers > 0 && p->hi + moved > 4096)
            length = 4096 - p->hi;  /* A full pipe with a reader blocks the writer. */
        if (p->readers > 0 && (length < 0 || length > 4096))
            length = 0;
    }
    if (bad_fd)
        f->strict = EB(EBADF);
    else if (kind == FD_CONSOLE && length > 0)
        f->strict = EB(EFAULT);
    long result = fz_call(f, SYS_write, fd, (long)buffer, length, 0, 0, 0);
    if (!fz_failed(result) && result > 0 && (size_t)result > usable)
        fz_fail(f, "a write from a %zu-byte buffer returned %ld", usable, result);
    if (kind == FD_PIPE_WRITE)
        fz_pipe_wrote(f, f->fd_pipe[fd], (const unsigned char*)buffer, result, length);
}

static void gen_kill(Fuzz* f)
{
    if (fz_chance(f, 40)) {
        fz_kill_kid(f);
        return;
    }
    static const int signals[] = {0, 9, 15, 1, 32, -1, 1000};
    int signal = signals[fz_below(f, 7)];
    int pid;
    switch (fz_below(f, 5)) {
    case 0: pid = 1; f->strict = signal ? EB(EPERM) | EB(EINVAL) : 0; break;
    case 1: pid = 99999; f->strict = EB(ESRCH) | EB(EINVAL); break;
    case 2: pid = INT_MAX; f->strict = EB(ESRCH) | EB(EINVAL); break;
    case 3: pid = -12345; f->strict = EB(ESRCH) | EB(EINVAL); break;
    default:
        /* Ourselves, or everyone: only with signal 0, which checks and sends nothing. */
        pid = fz_chance(f, 50) ? (int)fz_call(f, SYS_getpid, 0, 0, 0, 0, 0, 0) : (fz_chance(f, 50) ? 0 : -1);
        signal = 0;
        break;
    }
    fz_note(f, "pid=%d signal=%d", pid, signal);
    fz_call(f, SYS_kill, pid, signal, 0, 0, 0, 0);
}

static void gen_exec(Fuzz* f)
{
    uint64_t strict = 0;
    uintptr_t path = pick_path(f, 0, "path", &strict, 0);
    static char* argv_block[80];
    static char big[4001];
    uintptr_t argv;
    switch (fz_below(f, 7)) {
    case 0: argv = 0; fz_note(f, " argv=null"); break;
    case 1: argv = kKernelAddresses[0]; fz_note(f, " argv=kernel"); break;
    case 2:
        argv_block[0] = (char*)"x";
        argv_block[1] = (char*)kKernelAddresses[1];
        argv_block[2] = NULL;
        argv = (uintptr_t)argv_block;
        fz_note(f, " argv=bad-string");
        break;
    case 3: {
        /* Pointers up to the end of a page, and no NULL before the unmapped page (the same
           page as an unterminated path: then the path is what is tested). */
        if (path >= (uintptr_t)f->rw_end && path < (uintptr_t)f->rw_end + FZ_PAGE) {
            argv = 0;
            break;
        }
        char** end = (char**)(f->rw_end + FZ_PAGE);
        for (int i = 1; i <= 4; i++)
            end[-i] = (char*)"y";
        argv = (uintptr_t)(end - 4);
        fz_note(f, " argv=unterminated");
        break;
    }
    case 4:
        for (int i = 0; i < 70; i++)
            argv_block[i] = (char*)"z";
        argv_block[70] = NULL;
        argv = (uintptr_t)argv_block;
        fz_note(f, " argv=70-strings");
        break;
    case 5:
        memset(big, 'b', 4000);
        for (int i = 0; i < 20; i++)
            argv_block[i] = big;
        argv_block[20] = NULL;
        argv = (uintptr_t)argv_block;
        fz_note(f, " argv=80KiB");
        break;
    default:
        argv_block[0] = (char*)"prog";
        argv_block[1] = NULL;
        argv = (uintptr_t)argv_block;
        fz_note(f, " argv=valid");
        break;
    }
    if (strict & EB(EFAULT))
        f->strict = EB(EFAULT);
    else
        f->strict = strict;
    long result = fz_call(f, SYS_exec, (long)path, (long)argv, 0, 0, 0, 0);
    if (!fz_failed(result))
        fz_fail(f, "exec of a path that names no program succeeded");
}

static void gen_fstat(Fuzz* f)
{
    int bad_fd, bad;
    int fd = pick_fd(f, ANY_KIND, 1, &bad_fd);
    uintptr_t out = pick_pointer(f, "stat", sizeof(struct atlas_stat), 1, &bad, NULL);
    f->strict = bad_fd ? EB(EBADF) : bad ? EB(EFAULT) : 0;
    fz_call(f, SYS_fstat, fd, (long)out, 0, 0, 0, 0);
}

/* Into a directory, which is then removed: what is made in it must fail, ".." still leads
   out (Linux keeps the way back). */
static void removed_cwd(Fuzz* f)
{
    char removed[96];
    snprintf(removed, sizeof(removed), "%s/gone", f->sandbox);
    if (fz_call(f, SYS_mkdir, (long)removed, 0777, 0, 0, 0, 0) != 0)
        return;
    fz_call(f, SYS_chdir, (long)removed, 0, 0, 0, 0, 0);
    if (fz_call(f, SYS_rmdir, (long)removed, 0, 0, 0, 0, 0) == 0) {
        fz_note(f, "in a removed directory");
        f->strict = EB(ENOENT);
        switch (fz_below(f, 3)) {
        case 0: got_new_fd(f, fz_call(f, SYS_open, (long)"x", O_CREAT | O_RDWR, 0666, 0, 0, 0), -1); break;
        case 1: fz_call(f, SYS_mkdir, (long)"y", 0777, 0, 0, 0, 0); break;
        default:
            f->strict = 0;
            fz_call(f, SYS_chdir, (long)"..", 0, 0, 0, 0, 0);
            break;
        }
    }
    if (fz_call(f, SYS_chdir, (long)f->sandbox, 0, 0, 0, 0, 0) != 0)
        fz_fail(f, "chdir back to %s failed", f->sandbox);
}

static void gen_chdir(Fuzz* f)
{
    if (fz_chance(f, 15) && !(f->avoid & AVOID_REMOVED_CWD)) {
        removed_cwd(f);
        return;
    }
    uint64_t strict = 0;
    uintptr_t path = pick_path(f, 0, "path", &strict, 0);
    f->strict = strict;
    fz_call(f, SYS_chdir, (long)path, 0, 0, 0, 0, 0);
    if (fz_call(f, SYS_chdir, (long)f->sandbox, 0, 0, 0, 0, 0) != 0)
        fz_fail(f, "chdir back to %s failed", f->sandbox);
}

static enum FdKind kind_from_stat(Fuzz* f, int fd)
{
    struct atlas_stat status;
    if (fz_call(f, SYS_fstat, fd, (long)&status, 0, 0, 0, 0) != 0) {
        fz_fail(f, "fstat of a new descriptor %d failed", fd);
        return FD_FILE;
    }
    switch (status.st_mode & S_IFMT) {
    case S_IFDIR: return FD_DIR;
    case S_IFCHR: return FD_CONSOLE;
    case S_IFIFO: return FD_PIPE_READ;
    default: return FD_FILE;
    }
}

static void got_new_fd(Fuzz* f, long fd, int source)
{
    if (fz_failed(fd))
        return;
    if (fd < 0 || fd >= FZ_MAX_FD || f->fds[fd] != FD_CLOSED) {
        fz_fail(f, "a new descriptor %ld is one already open, or out of range", fd);
        return;
    }
    if (source >= 0)
        fz_fd_opened(f, (int)fd, (enum FdKind)f->fds[source], f->fd_pipe[source]);
    else
        fz_fd_opened(f, (int)fd, kind_from_stat(f, (int)fd), -1);
}

static void gen_dup(Fuzz* f)
{
    int bad;
    int fd = pick_fd(f, ANY_KIND, 1, &bad);
    if (bad)
        f->strict = EB(EBADF);
    got_new_fd(f, fz_call(f, SYS_dup, fd, 0, 0, 0, 0, 0), fd);
}

static void gen_getpid(Fuzz* f)
{
    long first = fz_call(f, SYS_getpid, 0, 0, 0, 0, 0, 0);
    if (first <= 0 || fz_call(f, SYS_getpid, 0, 0, 0, 0, 0, 0) != first)
        fz_fail(f, "getpid is %ld, then something else", first);
}

static void gen_getppid(Fuzz* f)
{
    extern int fz_parent_pid;
    long parent = fz_call(f, SYS_getppid, 0, 0, 0, 0, 0, 0);
    if (f->depth <= 1 && parent != fz_parent_pid)
        fz_fail(f, "getppid is %ld, the parent is %d", parent, fz_parent_pid);
}

static void gen_sbrk(Fuzz* f)
{
    static const long hostile[] = {LONG_MIN, -(1l << 40), 1l << 40, LONG_MAX, 1l << 39};
    long increment;
    int roll = (int)fz_below(f, 10);
    if (roll < 3)
        increment = 0;
    else if (roll < 6)
        increment = (long)fz_below(f, 5 * FZ_PAGE) + 1;
    else if (roll < 8)
        increment = -f->brk_grown;
    else
        increment = hostile[fz_below(f, 5)];
    fz_note(f, "increment=%ld", increment);
    if (increment == LONG_MIN || increment == -(1l << 40) || increment == (1l << 40) || increment == LONG_MAX ||
        increment == (1l << 39))
        f->strict = EB(ENOMEM);
    long old = fz_call(f, SYS_sbrk, increment, 0, 0, 0, 0, 0);
    if (fz_failed(old))
        return;
    if (increment > 0 && increment < (1l << 30)) {
        volatile unsigned char* fresh = (volatile unsigned char*)old;
        if (fresh[0] != 0 || fresh[increment - 1] != 0)
            fz_fail(f, "memory sbrk added does not read as zero");
        fresh[increment - 1] = 1;
        fresh[0] = 1;
        f->brk_grown += increment;
    } else if (increment < 0) {
        f->brk_grown += increment;
    }
}

static void gen_sleep(Fuzz* f)
{
    static const long ticks[] = {0, 1, 2, -1, LONG_MIN};
    long value = ticks[fz_below(f, 5)];
    f->strict = value < 0 ? EB(EINVAL) : 0;
    fz_note(f, "ticks=%ld", value);
    fz_call(f, SYS_sleep, value, 0, 0, 0, 0, 0);
}

static void gen_uptime(Fuzz* f)
{
    static long last;
    long now = fz_call(f, SYS_uptime, 0, 0, 0, 0, 0, 0);
    if (now < last)
        fz_fail(f, "uptime went back from %ld to %ld", last, now);
    last = now;
}

static void gen_open(Fuzz* f)
{
    uint64_t strict = 0;
    uintptr_t path = pick_path(f, 0, "path", &strict, 0);
    static const int extra[] = {O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, 04000, 0x40000000, 01000000};
    int flags = (int)fz_below(f, 4);
    for (int i = 0; i < 8; i++)
        if (fz_chance(f, i < 5 ? 25 : 5))
            flags |= extra[i];
    if ((f->avoid & AVOID_CREAT_DIR) && (flags & O_CREAT))
        flags &= ~O_DIRECTORY;
    fz_note(f, " flags=%#o", flags);
    f->strict = strict;
    got_new_fd(f, fz_call(f, SYS_open, (long)path, flags, 0666, 0, 0, 0), -1);
}

static void gen_mknod(Fuzz* f)
{
    uint64_t strict = 0;
    uintptr_t path = pick_path(f, 0, "path", &strict, 0);
    static const int numbers[] = {1, 7, 0, -1, 0x10000, INT_MAX};
    int major = numbers[fz_below(f, 6)], minor = numbers[fz_below(f, 6)];
    f->strict = strict;
    fz_call(f, SYS_mknod, (long)path, major, minor, 0, 0, 0);
}

static void gen_path_call(Fuzz* f, int number)
{
    uint64_t strict = 0;
    uintptr_t path = pick_path(f, 0, "path", &strict, 0);
    f->strict = strict;
    fz_call(f, number, (long)path, 0777, 0, 0, 0, 0);
}

static void gen_unlink(Fuzz* f) { gen_path_call(f, SYS_unlink); }
static void gen_mkdir(Fuzz* f) { gen_path_call(f, SYS_mkdir); }
static void gen_rmdir(Fuzz* f) { gen_path_call(f, SYS_rmdir); }

static void gen_link(Fuzz* f)
{
    if (f->avoid & AVOID_LINK)
        return;
    uint64_t strict = 0;
    uintptr_t existing = pick_path(f, 0, "old", &strict, 1);
    uintptr_t new_path = pick_path(f, 1, "new", &strict, 0);
    f->strict = strict;
    fz_call(f, SYS_link, (long)existing, (long)new_path, 0, 0, 0, 0);
}

static void gen_close(Fuzz* f)
{
    int bad;
    int fd = pick_fd(f, ANY_KIND, 0, &bad);
    if (bad)
        f->strict = EB(EBADF);
    if (fz_call(f, SYS_close, fd, 0, 0, 0, 0, 0) == 0)
        fz_fd_closed(f, fd);
}

static void gen_lseek(Fuzz* f)
{
    int bad;
    int fd = pick_fd(f, ANY_KIND, 1, &bad);
    static const long offsets[] = {0, 1, 4096, -1, LONG_MIN, LONG_MAX, 1l << 40, -4096};
    long offset = fz_chance(f, 30) ? (long)fz_below(f, 20000) : offsets[fz_below(f, 8)];
    static const int whences[] = {SEEK_SET, SEEK_CUR, SEEK_END, 3, -1, 100};
    int whence = whences[fz_below(f, 6)];
    fz_note(f, " offset=%ld whence=%d", offset, whence);
    if (bad)
        f->strict = EB(EBADF);
    long result = fz_call(f, SYS_lseek, fd, offset, whence, 0, 0, 0);
    if (!bad && f->fds[fd] == FD_FILE && whence == SEEK_SET && offset >= 0 && result != offset &&
        offset < (1l << 40))
        fz_fail(f, "lseek(%d, %ld, SEEK_SET) -> %ld", fd, offset, result);
}

static void gen_dup2(Fuzz* f)
{
    int bad;
    int old_fd = pick_fd(f, ANY_KIND, 1, &bad);
    int new_fd;
    int roll = (int)fz_below(f, 6);
    if (roll < 2) {
        new_fd = open_fd_of(f, ANY_KIND, 0);
        if (new_fd < 0)
            new_fd = 40;
    } else if (roll < 4) {
        new_fd = 3 + (int)fz_below(f, FZ_MAX_FD - 3);
    } else if (roll == 4) {
        new_fd = old_fd;
    } else {
        static const int bad_new[] = {-1, 64, 1000, INT_MAX, INT_MIN};
        new_fd = bad_new[fz_below(f, 5)];
    }
    if (new_fd >= 0 && new_fd < FZ_MAX_FD && (f->protected_fds[new_fd] || new_fd == f->model_fd))
        new_fd = 41;
    fz_note(f, " new=%d", new_fd);
    if (bad || new_fd < 0 || new_fd >= FZ_MAX_FD)
        f->strict = EB(EBADF);
    long result = fz_call(f, SYS_dup2, old_fd, new_fd, 0, 0, 0, 0);
    if (fz_failed(result))
        return;
    if (result != new_fd)
        fz_fail(f, "dup2(%d, %d) -> %ld", old_fd, new_fd, result);
    else if (new_fd != old_fd)
        fz_fd_opened(f, new_fd, (enum FdKind)f->fds[old_fd], f->fd_pipe[old_fd]);
}

static void gen_ftruncate(Fuzz* f)
{
    int bad;
    int fd = pick_fd(f, ANY_KIND, 0, &bad);
    long length = fz_chance(f, 50) ? (long)fz_below(f, 20000) : pick_size(f, "len");
    if (!bad && f->fds[fd] == FD_DIR && (f->avoid & AVOID_FTRUNCATE_DIR))
        return;
    if (bad)
        f->strict = EB(EBADF);
    fz_call(f, SYS_ftruncate, fd, length, 0, 0, 0, 0);
}

static void gen_fsync(Fuzz* f)
{
    int bad;
    int fd = pick_fd(f, ANY_KIND, 1, &bad);
    int kind = bad ? FD_CLOSED : f->fds[fd];
    if (bad)
        f->strict = EB(EBADF);
    else if ((kind == FD_PIPE_READ || kind == FD_PIPE_WRITE || kind == FD_CONSOLE) && !(f->avoid & AVOID_FSYNC_PIPE))
        f->strict = EB(EINVAL);
    fz_call(f, SYS_fsync, fd, 0, 0, 0, 0, 0);
}

static void gen_stat(Fuzz* f)
{
    uint64_t strict = 0;
    uintptr_t path = pick_path(f, 0, "path", &strict, 0);
    int bad;
    uintptr_t out = pick_pointer(f, "stat", sizeof(struct atlas_stat), 1, &bad, NULL);
    f->strict = strict;
    fz_call(f, SYS_stat, (long)path, (long)out, 0, 0, 0, 0);
}

static void remember_mapping(Fuzz* f, uintptr_t start, size_t length)
{
    int slot = (int)fz_below(f, FZ_MAX_MAPS);
    if (f->maps[slot].length)
        fz_call(f, SYS_munmap, (long)f->maps[slot].start, (long)f->maps[slot].length, 0, 0, 0, 0);
    f->maps[slot].start = start;
    f->maps[slot].length = length;
}

static void gen_mmap(Fuzz* f)
{
    long address, length;
    int fixed_in_play = 0;
    int roll = (int)fz_below(f, 10);
    int flags = fz_chance(f, 50) ? MAP_PRIVATE : MAP_SHARED;
    if (fz_chance(f, 10))
        flags = (int)fz_below(f, 16);
    if (fz_chance(f, 50))
        flags |= MAP_ANONYMOUS;
    if (fz_chance(f, 5))
        flags |= 0x40 << fz_below(f, 8);  /* Flags Atlas does not know. */
    if (roll < 4) {
        size_t page = fz_below(f, FZ_PLAY_PAGES);
        address = (long)(f->play + page * FZ_PAGE);
        length = (long)(1 + fz_below(f, (FZ_PLAY_PAGES - page) * FZ_PAGE));
        flags |= fz_chance(f, 50) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
        fixed_in_play = 1;
        fz_note(f, "addr=play fixed");
    } else if (roll < 8) {
        address = fz_chance(f, 70) ? 0 : (long)kKernelAddresses[0];
        length = fz_chance(f, 70) ? (long)(1 + fz_below(f, 16 * FZ_PAGE)) : pick_size(f, "len");
        fz_note(f, " hint");
    } else {
        pick_range(f, &address, &length);
        flags |= MAP_FIXED;
        if (address != 0 && (uintptr_t)address < (1ul << 38)) {
            address = 0;  /* Only in the playground may MAP_FIXED replace anything. */
            flags |= MAP_FIXED_NOREPLACE;
            flags &= ~MAP_FIXED;
            if (length > 16 * (long)FZ_PAGE || length < 0)
                length = 16 * FZ_PAGE;
        } else if (address == 0 && (length < 0 || length > 16 * (long)FZ_PAGE)) {
            length = FZ_PAGE;
        }
    }
    static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_EXEC | PROT_READ, 8, -1};
    int prot = fz_chance(f, 80) ? prots[fz_below(f, 3)] : prots[fz_below(f, 6)];
    int bad_fd = 0;
    int fd = (flags & MAP_ANONYMOUS) ? -1 : pick_fd(f, ANY_KIND, 0, &bad_fd);
    static const long offsets[] = {0, 4096, 1, -4096, 1l << 62, LONG_MAX & ~4095l};
    long offset = fz_chance(f, 70) ? 0 : offsets[fz_below(f, 6)];
    fz_note(f, " prot=%d flags=%#x offset=%ld", prot, flags, offset);
    long result = fz_call(f, SYS_mmap, address, length, prot, flags, fd, offset);
    if (fz_failed(result))
        return;
    size_t size = ((size_t)length + FZ_PAGE - 1) & ~(FZ_PAGE - 1);
    if (result & (FZ_PAGE - 1) || (uintptr_t)result + size > (1ul << 38)) {
        fz_fail(f, "mmap returned %#lx for %zu bytes", result, size);
        return;
    }
    if (address == 0 && (uintptr_t)result < FZ_PAGE * 16 && (flags & MAP_FIXED)) {
        fz_call(f, SYS_munmap, result, (long)size, 0, 0, 0, 0);
        return;
    }
    if (!fixed_in_play && (uintptr_t)result < f->hole + FZ_PAGE && f->hole < (uintptr_t)result + size) {
        /* Free space, and legal to use; but the unmapped page must stay unmapped. */
        fz_call(f, SYS_munmap, result, (long)size, 0, 0, 0, 0);
        return;
    }
    if (!fixed_in_play && overlaps_own(f, (uintptr_t)result, size)) {
        fz_fail(f, "mmap placed %zu bytes at %#lx, over a mapping of the worker's own", size, result);
        return;
    }
    if ((flags & MAP_ANONYMOUS) && (prot & PROT_READ) && prot > 0) {
        const volatile unsigned char* bytes = (const unsigned char*)result;
        if (bytes[0] != 0 || bytes[size - 1] != 0)
            fz_fail(f, "new anonymous memory at %#lx does not read as zero", result);
    }
    if (!fixed_in_play)
        remember_mapping(f, (uintptr_t)result, size);
}

static void gen_range_call(Fuzz* f, int number)
{
    long address, length;
    pick_range(f, &address, &length);
    long third = 0;
    if (number == SYS_mprotect) {
        static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_EXEC, 8, -1};
        third = prots[fz_below(f, 6)];
    } else if (number == SYS_msync) {
        third = fz_chance(f, 70) ? (long)fz_below(f, 8) : 0x100;
    } else if (number == SYS_madvise) {
        static const int advice[] = {0, 1, 2, 3, 4, 8, 9, 100, -1};
        third = advice[fz_below(f, 9)];
    }
    fz_note(f, " arg=%ld", third);
    long result = fz_call(f, number, address, length, third, 0, 0, 0);
    if (number == SYS_munmap && result == 0 && length > 0)
        forget_mapping(f, (uintptr_t)address, (size_t)length);
}

static void gen_munmap(Fuzz* f) { gen_range_call(f, SYS_munmap); }
static void gen_mprotect(Fuzz* f) { gen_range_call(f, SYS_mprotect); }
static void gen_msync(Fuzz* f) { gen_range_call(f, SYS_msync); }
static void gen_madvise(Fuzz* f) { gen_range_call(f, SYS_madvise); }

static void check_records(Fuzz* f, const unsigned char* buffer, long used)
{
    long at = 0;
    while (at < used) {
        const struct atlas_dirent64* record = (const struct atlas_dirent64*)(buffer + at);
        size_t name = strnlen(record->d_name, (size_t)(used - at));
        if (record->d_reclen % 8 != 0 || record->d_reclen < 19 + name + 1 || at + record->d_reclen > used) {
            fz_fail(f, "getdents record at %ld: reclen %u for a %zu-byte name (%ld bytes returned)", at,
                    record->d_reclen, name, used);
            return;
        }
        at += record->d_reclen;
    }
}

static void gen_getdents(Fuzz* f)
{
    int bad_fd, bad;
    int fd = pick_fd(f, ANY_KIND, 1, &bad_fd);
    long length = fz_chance(f, 50) ? (long)fz_below(f, 600) : pick_size(f, "len");
    size_t usable;
    uintptr_t buffer = pick_pointer(f, "buf", length > 0 ? (size_t)length : 0, 1, &bad, &usable);
    if (bad_fd)
        f->strict = EB(EBADF);
    long result = fz_call(f, SYS_getdents, fd, (long)buffer, length, 0, 0, 0);
    if (fz_failed(result) || result == 0)
        return;
    if ((size_t)result > usable || result > length)
        fz_fail(f, "getdents into a %zu-byte buffer (len %ld) returned %ld", usable, length, result);
    else if (!(f->avoid & AVOID_GETDENTS))
        check_records(f, (const unsigned char*)buffer, result);
}

static void gen_vmstat(Fuzz* f)
{
    int bad;
    uintptr_t out = pick_pointer(f, "out", sizeof(struct atlas_vmstat), 1, &bad, NULL);
    f->strict = bad ? EB(EFAULT) : 0;
    long result = fz_call(f, SYS_vmstat, (long)out, 0, 0, 0, 0, 0);
    const struct atlas_vmstat* stats = (const struct atlas_vmstat*)out;
    if (result == 0 && !bad && (stats->page_size != 4096 || stats->free_frames > stats->total_frames))
        fz_fail(f, "vmstat: page size %lu, %lu of %lu frames free", (unsigned long)stats->page_size,
                (unsigned long)stats->free_frames, (unsigned long)stats->total_frames);
}

static void gen_procmaps(Fuzz* f)
{
    int pid;
    switch (fz_below(f, 5)) {
    case 0: pid = (int)fz_call(f, SYS_getpid, 0, 0, 0, 0, 0, 0); break;
    case 1: pid = f->kids[0].pid ? f->kids[0].pid : 1; break;
    case 2: pid = 0; break;
    case 3: pid = -1; break;
    default: pid = 99999; break;
    }
    static const long counts[] = {0, 1, 5, 200, -1, LONG_MAX, LONG_MIN};
    long count = counts[fz_below(f, 7)];
    int bad;
    uintptr_t buffer = pick_pointer(f, "buf", 1, 1, &bad, NULL);
    fz_note(f, " pid=%d count=%ld", pid, count);
    fz_call(f, SYS_procmaps, pid, (long)buffer, count, 0, 0, 0);
}

static void gen_fadvise(Fuzz* f)
{
    int bad;
    int fd = pick_fd(f, ANY_KIND, 1, &bad);
    long offset = fz_chance(f, 50) ? (long)fz_below(f, 20000) : pick_size(f, "offset");
    long length = fz_chance(f, 50) ? (long)fz_below(f, 20000) : pick_size(f, "len");
    static const long advice[] = {0, 1, 2, 3, 4, 5, 6, -1};
    long hint = advice[fz_below(f, 8)];
    if (bad)
        f->strict = EB(EBADF);
    fz_call(f, SYS_fadvise, fd, offset, length, hint, 0, 0);
}

typedef void (*Generator)(Fuzz*);

static const Generator kGenerators[SYS_count] = {
    [SYS_fork] = gen_fork,         [SYS_exit] = gen_exit,         [SYS_wait] = gen_wait,
    [SYS_pipe] = gen_pipe,         [SYS_read] = gen_read,         [SYS_kill] = gen_kill,
    [SYS_exec] = gen_exec,         [SYS_fstat] = gen_fstat,       [SYS_chdir] = gen_chdir,
    [SYS_dup] = gen_dup,           [SYS_getpid] = gen_getpid,     [SYS_sbrk] = gen_sbrk,
    [SYS_sleep] = gen_sleep,       [SYS_uptime] = gen_uptime,     [SYS_open] = gen_open,
    [SYS_write] = gen_write,       [SYS_mknod] = gen_mknod,       [SYS_unlink] = gen_unlink,
    [SYS_link] = gen_link,         [SYS_mkdir] = gen_mkdir,       [SYS_close] = gen_close,
    [SYS_waitpid] = gen_waitpid,   [SYS_getppid] = gen_getppid,   [SYS_lseek] = gen_lseek,
    [SYS_dup2] = gen_dup2,         [SYS_rmdir] = gen_rmdir,       [SYS_ftruncate] = gen_ftruncate,
    [SYS_fsync] = gen_fsync,       [SYS_stat] = gen_stat,         [SYS_mmap] = gen_mmap,
    [SYS_munmap] = gen_munmap,     [SYS_mprotect] = gen_mprotect, [SYS_msync] = gen_msync,
    [SYS_madvise] = gen_madvise,   [SYS_getdents] = gen_getdents, [SYS_vmstat] = gen_vmstat,
    [SYS_procmaps] = gen_procmaps, [SYS_fadvise] = gen_fadvise,
};

void fz_random_call(Fuzz* f)
{
    /* Keep descriptors for the calls that need them: close some when the table fills. */
    int open = 0;
    for (int fd = 0; fd < FZ_MAX_FD; fd++)
        open += f->fds[fd] != FD_CLOSED;
    int number = 1 + (int)fz_below(f, SYS_count - 1);
    if (open > 40 && fz_chance(f, 50))
        number = SYS_close;
    f->note[0] = 0;
    f->strict = 0;
    if (kGenerators[number])
        kGenerators[number](f);
}
