/* syscall_fuzz: a deterministic, seeded fuzzer of every system call (docs/testing.md).
 *
 *     syscall_fuzz [--seeds A-B | --seed S] [--calls N] [--workers W] [--avoid CLASS,...]
 *     syscall_fuzz --exit-with CODE      (what an exec'd minion runs: exit at once)
 *
 * For each seed it forks W workers; worker w draws its calls from splitmix64 seeded with
 * (seed, w), in a sandbox directory of its own (/fz/sSEED/wW), with some names in one the
 * workers share (/fz/sSEED/sh), so that their calls race. Each call's arguments come
 * from hostile classes (bad pointers, descriptors, paths, sizes; syscall_fuzz_args.c) or
 * are valid, so that deep paths are reached too. A worker keeps models of what it can
 * judge: a private file's content, an anonymous mapping's content, the bytes in its pipes,
 * the wait status of its children; it checks them after every operation that touches them.
 * Workers fork minions that run calls of their own, exec, sleep, exit or are killed.
 *
 * Output: "fuzz: seed S" when a seed starts, then "PASS fuzz:seed=S" or, after the lines
 * that explain it ("FAIL fuzz seed=S worker=W call=N ..."), "FAIL fuzz:seed=S". A worker
 * that makes no progress for the watchdog's time is reported with the call it is stuck in
 * and killed. The exit status is 0 if every seed passed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscall_fuzz.h"

#define MODEL_FD 50

/* What a minion's exit() passes, and the pid getppid() must give. */
int fz_exit_code;
int fz_parent_pid;
#define WATCHDOG_TICKS 12000 /* 120 s without the seed's workers finishing: a hang. */

/* ---- The PRNG and output ---- */

uint64_t fz_next(Fuzz* f)
{
    uint64_t z = (f->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t fz_below(Fuzz* f, uint64_t n) { return n ? fz_next(f) % n : 0; }
int fz_chance(Fuzz* f, int percent) { return (int)fz_below(f, 100) < percent; }

static void say(const char* text) { syscall(SYS_write, 1, text, strlen(text)); }

void fz_note(Fuzz* f, const char* format, ...)
{
    size_t used = strlen(f->note);
    va_list args;
    va_start(args, format);
    vsnprintf(f->note + used, sizeof(f->note) - used, format, args);
    va_end(args);
}

/* Lines a process prints before it only counts: one bug tends to repeat. */
#define MAX_FAILURE_LINES 5
static int s_printed;

void fz_reset_failure_lines(void) { s_printed = 0; }

__attribute__((noreturn)) void fz_exit(int code)
{
    syscall(SYS_exit, code);
    for (;;) {
    }
}

void fz_fail(Fuzz* f, const char* format, ...)
{
    __atomic_fetch_add(&f->shared->failures, 1, __ATOMIC_SEQ_CST);
    if (++s_printed > MAX_FAILURE_LINES) {
        if (s_printed == MAX_FAILURE_LINES + 1)
            say("fuzz: more failures of this process are counted, not printed\n");
        return;
    }
    char line[600];
    int used = snprintf(line, sizeof(line), "FAIL fuzz seed=%ld worker=%d", f->seed, f->worker);
    if (f->depth > 0)
        used += snprintf(line + used, sizeof(line) - used, " minion=%d", (int)getpid());
    used += snprintf(line + used, sizeof(line) - used, " call=%ld ", f->call);
    va_list args;
    va_start(args, format);
    used += vsnprintf(line + used, sizeof(line) - used, format, args);
    va_end(args);
    if (used > (int)sizeof(line) - 2)
        used = sizeof(line) - 2;
    line[used] = '\n';
    line[used + 1] = 0;
    say(line);
}

uint64_t fz_errno_bit(int code)
{
    if (code == EOVERFLOW)
        return 1ull << 63;
    return code > 0 && code < 63 ? 1ull << code : 0;
}

static const char* errno_name(int code)
{
    static const char* const names[] = {
        "0", "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF",
        "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV",
        "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY",
        "EFBIG", "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK",
        "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP",
    };
    static char other[16];
    if (code >= 0 && code < (int)(sizeof(names) / sizeof(names[0])))
        return names[code];
    if (code == EOVERFLOW)
        return "EOVERFLOW";
    snprintf(other, sizeof(other), "errno %d", code);
    return other;
}

static void format_set(uint64_t set, char* out, size_t size)
{
    size_t used = 0;
    out[0] = 0;
    for (int code = 1; code < 64; code++) {
        int real = code == 63 ? EOVERFLOW : code;
        if (set & (1ull << code))
            used += snprintf(out + used, size - used, "%s%s", used ? "," : "", errno_name(real));
        if (used >= size)
            break;
    }
}

/* ---- The call ---- */

/* The system call itself: the C library's syscall() passes the arguments through unchanged;
 * its -1 and errno are turned back into the kernel's negated errno. */
static long fz_raw(long number, long arg0, long arg1, long arg2, long arg3, long arg4, long arg5)
{
    long result = syscall(number, arg0, arg1, arg2, arg3, arg4, arg5);
    return result == -1 ? -errno : result;
}

long fz_call(Fuzz* f, int number, long a0, long a1, long a2, long a3, long a4, long a5)
{
    const struct FzSyscallInfo* info = fz_syscall_info(number);
    f->call++;
    if (f->depth == 0) {
        f->shared->call[f->worker] = f->call;
        f->shared->syscall[f->worker] = number;
    }
    long result = fz_raw(number, a0, a1, a2, a3, a4, a5);

    long args[6] = {a0, a1, a2, a3, a4, a5};
    char call_text[220];
    int used = snprintf(call_text, sizeof(call_text), "%s(", info->name);
    for (int i = 0; i < info->arguments; i++)
        used += snprintf(call_text + used, sizeof(call_text) - used, "%s%#lx", i ? ", " : "", args[i]);
    snprintf(call_text + used, sizeof(call_text) - used, ")");

    char set[300];
    if (!fz_failed(result)) {
        if (f->strict) {
            format_set(f->strict, set, sizeof(set));
            fz_fail(f, "%s [%s] -> %ld, expected an error in {%s}", call_text, f->note, result, set);
        }
    } else {
        int code = (int)-result;
        uint64_t allowed = f->strict ? f->strict : info->allowed;
        if (!(allowed & fz_errno_bit(code))) {
            format_set(allowed, set, sizeof(set));
            fz_fail(f, "%s [%s] -> got errno %s, allowed {%s}", call_text, f->note, errno_name(code), set);
        }
    }
    f->note[0] = 0;
    f->strict = 0;
    return result;
}

/* ---- Descriptors and pipes ---- */

void fz_fd_opened(Fuzz* f, int fd, enum FdKind kind, int pipe, unsigned access)
{
    if (fd < 0 || fd >= FZ_MAX_FD)
        return;
    if (f->fds[fd] != FD_CLOSED)
        fz_fd_closed(f, fd);
    f->fds[fd] = (unsigned char)kind;
    f->fd_access[fd] = (unsigned char)access;
    f->fd_pipe[fd] = (signed char)pipe;
    if (pipe >= 0) {
        if (kind == FD_PIPE_READ)
            f->pipes[pipe].readers++;
        else
            f->pipes[pipe].writers++;
    }
}

void fz_fd_closed(Fuzz* f, int fd)
{
    if (fd < 0 || fd >= FZ_MAX_FD || f->fds[fd] == FD_CLOSED)
        return;
    int pipe = f->fd_pipe[fd];
    if (pipe >= 0) {
        struct FzPipe* p = &f->pipes[pipe];
        if (f->fds[fd] == FD_PIPE_READ)
            p->readers--;
        else
            p->writers--;
        if (p->readers == 0 && p->writers == 0)
            p->in_use = 0;
    }
    f->fds[fd] = FD_CLOSED;
    f->fd_pipe[fd] = -1;
    f->fd_access[fd] = 0;
}

int fz_fd_refuses(const Fuzz* f, int fd, unsigned access)
{
    if (fd < 0 || fd >= FZ_MAX_FD || f->fds[fd] == FD_CLOSED)
        return 0;
    return !(f->fd_access[fd] & (access | FA_UNKNOWN));
}

void fz_pipe_wrote(Fuzz* f, int pipe, const unsigned char* data, long result, long length)
{
    struct FzPipe* p = &f->pipes[pipe];
    if (fz_failed(result)) {
        /* An error may still have left some bytes in the pipe: stop vouching for them. */
        if (result != -EPIPE && result != -EBADF) {
            p->hi += length < 4096 ? length : 4096;
            p->certain = 0;
        }
        return;
    }
    if (p->certain)
        for (long i = 0; i < result; i++)
            p->data[(p->head + p->lo + i) % 4096] = data[i];
    p->lo += result;
    p->hi += result;
}

void fz_pipe_read(Fuzz* f, int pipe, const unsigned char* data, long result, long length, int buffer_ok)
{
    struct FzPipe* p = &f->pipes[pipe];
    if (fz_failed(result))
        return;
    if (p->certain && buffer_ok) {
        for (long i = 0; i < result; i++) {
            unsigned char expected = p->data[(p->head + i) % 4096];
            if (data[i] != expected) {
                fz_fail(f, "pipe read: byte %ld of %ld is %#x, the writes put %#x there", i, result, data[i],
                        expected);
                p->certain = 0;
                break;
            }
        }
    }
    if (p->certain && result > p->lo)
        fz_fail(f, "pipe read returned %ld bytes, only %ld were written", result, p->lo);
    p->head = (p->head + result) % 4096;
    p->lo = p->lo > result ? p->lo - result : 0;
    p->hi = p->hi > result ? p->hi - result : 0;
    if (result < length && p->writers > 0) {
        /* A short read empties the pipe. */
        if (p->certain && p->lo != 0)
            fz_fail(f, "pipe read returned %ld of %ld bytes, %ld more were there", result, length, p->lo);
        p->lo = p->hi = 0;
        p->certain = 1;
    }
}

/* ---- Workers ---- */

/* `pages` pages of their own with unmapped pages on both sides. */
static unsigned char* island(Fuzz* f, size_t pages, int prot)
{
    long base = fz_call(f, SYS_mmap, 0, (long)((pages + 2) * FZ_PAGE), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (fz_failed(base)) {
        say("FAIL fuzz: cannot map the worker's memory\n");
        fz_exit(1);
    }
    fz_call(f, SYS_munmap, base, FZ_PAGE, 0, 0, 0, 0);
    fz_call(f, SYS_munmap, base + (long)((pages + 1) * FZ_PAGE), FZ_PAGE, 0, 0, 0, 0);
    if (prot != (PROT_READ | PROT_WRITE))
        fz_call(f, SYS_mprotect, base + (long)FZ_PAGE, (long)(pages * FZ_PAGE), prot, 0, 0, 0);
    return (unsigned char*)(base + FZ_PAGE);
}

static void must(Fuzz* f, long result, const char* what)
{
    if (fz_failed(result))
        fz_fail(f, "setting up: %s -> %s", what, errno_name((int)-result));
}

static void make_file_with(Fuzz* f, const char* name, long size)
{
    long fd = fz_call(f, SYS_open, (long)name, O_RDWR | O_CREAT | O_TRUNC, 0666, 0, 0, 0);
    must(f, fd, name);
    if (fz_failed(fd))
        return;
    fz_fill_random(f, f->scratch, (size_t)size);
    must(f, fz_call(f, SYS_write, fd, (long)f->scratch, size, 0, 0, 0), "write");
    fz_call(f, SYS_close, fd, 0, 0, 0, 0, 0);
}

static void worker_setup(Fuzz* f)
{
    memset(f->fd_pipe, -1, sizeof(f->fd_pipe));
    for (int fd = 0; fd < 3; fd++) {
        f->fds[fd] = FD_CONSOLE;
        f->fd_access[fd] = FA_UNKNOWN;
        f->protected_fds[fd] = 1;
    }
    f->scratch = island(f, FZ_SCRATCH_PAGES, PROT_READ | PROT_WRITE);
    f->rw_end = island(f, 1, PROT_READ | PROT_WRITE);
    f->none = island(f, 1, PROT_NONE);
    f->ro = island(f, 1, PROT_READ);
    f->anon = island(f, FZ_ANON_PAGES, PROT_READ | PROT_WRITE);
    f->play = island(f, FZ_PLAY_PAGES, PROT_READ | PROT_WRITE);
    f->hole = (uintptr_t)f->rw_end + FZ_PAGE;
    fz_fill_random(f, f->anon, sizeof(f->anon_model));
    memcpy(f->anon_model, f->anon, sizeof(f->anon_model));

    must(f, fz_call(f, SYS_mkdir, (long)f->sandbox, 0777, 0, 0, 0, 0), f->sandbox);
    must(f, fz_call(f, SYS_chdir, (long)f->sandbox, 0, 0, 0, 0, 0), "chdir");
    make_file_with(f, "f0", 100);
    make_file_with(f, "f1", 0);
    make_file_with(f, "x0", 300); /* Not an ELF: exec gives ENOEXEC. */
    must(f, fz_call(f, SYS_mkdir, (long)"d0", 0777, 0, 0, 0, 0), "mkdir d0");
    must(f, fz_call(f, SYS_mkdir, (long)"d1", 0777, 0, 0, 0, 0), "mkdir d1");
    make_file_with(f, "d0/f0", 10);
    must(f, fz_call(f, SYS_mknod, (long)"n0", 1, 0, 0, 0, 0), "mknod n0");
    must(f, fz_call(f, SYS_mknod, (long)"n1", 7, 7, 0, 0, 0), "mknod n1");
    make_file_with(f, "eof", 100);
    long fd = fz_call(f, SYS_open, (long)"eof", O_RDONLY, 0, 0, 0, 0);
    long map = fz_call(f, SYS_mmap, (long)island(f, 2, PROT_NONE), 2 * FZ_PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    must(f, map, "mmap eof");
    f->eof_map = fz_failed(map) ? f->none : (unsigned char*)map;
    fz_call(f, SYS_close, fd, 0, 0, 0, 0, 0);

    fd = fz_call(f, SYS_open, (long)"model", O_RDWR | O_CREAT | O_TRUNC, 0666, 0, 0, 0);
    must(f, fd, "open model");
    must(f, fz_call(f, SYS_dup2, fd, MODEL_FD, 0, 0, 0, 0), "dup2 model");
    fz_call(f, SYS_close, fd, 0, 0, 0, 0, 0);
    f->model_fd = MODEL_FD;
    f->fds[MODEL_FD] = FD_FILE;
    f->fd_access[MODEL_FD] = FA_READ | FA_WRITE;
    f->protected_fds[MODEL_FD] = 1;
    f->model_size = 3000;
    fz_fill_random(f, f->model, (size_t)f->model_size);
    must(f, fz_call(f, SYS_write, MODEL_FD, (long)f->model, f->model_size, 0, 0, 0), "write model");
}

static void worker_cleanup(Fuzz* f)
{
    for (int i = 0; i < FZ_MAX_KIDS; i++) {
        if (!f->kids[i].pid)
            continue;
        if (fz_call(f, SYS_kill, f->kids[i].pid, SIGKILL, 0, 0, 0, 0) == 0 && !f->kids[i].killed_with)
            f->kids[i].killed_with = SIGKILL;
        fz_reap(f, i, 1);
    }
    fz_call(f, SYS_chdir, (long)f->sandbox, 0, 0, 0, 0, 0);
    static const char* const files[] = {"f0", "f1", "f2", "x0", "n0", "n1", "eof", "model", "d0/f0", "d0/f1",
                                        "d1/f0", "d1/f1", "l0", "l1"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        syscall(SYS_unlink, files[i]);
}

static int worker_main(struct FzShared* shared, long seed, int worker, long calls, unsigned avoid)
{
    static Fuzz fuzz;
    Fuzz* f = &fuzz;
    memset(f, 0, sizeof(*f));
    f->seed = seed;
    f->worker = worker;
    f->avoid = avoid;
    f->shared = shared;
    f->rng = (uint64_t)seed * 0x100000001b3ull + (uint64_t)worker;
    fz_next(f);
    snprintf(f->sandbox, sizeof(f->sandbox), "/fz/s%ld/w%d", seed, worker);
    fz_parent_pid = getppid();
    worker_setup(f);
    fz_check_models(f, "setting up");
    for (long i = 0; i < calls; i++) {
        int roll = (int)fz_below(f, 100);
        if (roll < 12)
            fz_model_op(f);
        else if (roll < 15)
            fz_spawn(f);
        else if (roll < 17)
            fz_kill_kid(f);
        else if (roll < 19)
            fz_reap(f, (int)fz_below(f, FZ_MAX_KIDS), fz_chance(f, 50));
        else
            fz_random_call(f);
        if (i % 32 == 31)
            fz_check_models(f, "random calls");
    }
    fz_check_models(f, "the last call");
    worker_cleanup(f);
    return 0;
}

/* ---- The program ---- */

struct Options {
    long first_seed, last_seed, calls;
    int workers;
    unsigned avoid;
};

static unsigned parse_avoid(const char* list)
{
    static const struct {
        const char* name;
        unsigned bit;
    } classes[] = {
        {"link-dir", AVOID_LINK_DIR},         {"link", AVOID_LINK},           {"trailing-slash", AVOID_TRAILING_SLASH},
        {"file-dots", AVOID_FILE_DOTS},       {"creat-dir", AVOID_CREAT_DIR}, {"read-fault", AVOID_READ_FAULT},
        {"fsync-pipe", AVOID_FSYNC_PIPE},     {"getdents", AVOID_GETDENTS},   {"removed-cwd", AVOID_REMOVED_CWD},
        {"ftruncate-dir", AVOID_FTRUNCATE_DIR},
    };
    unsigned avoid = 0;
    char copy[256];
    strlcpy(copy, list, sizeof(copy));
    char* state = NULL;
    for (char* name = strtok_r(copy, ",", &state); name; name = strtok_r(NULL, ",", &state)) {
        size_t i = 0;
        while (i < sizeof(classes) / sizeof(classes[0]) && strcmp(classes[i].name, name) != 0)
            i++;
        if (i == sizeof(classes) / sizeof(classes[0])) {
            printf("syscall_fuzz: unknown --avoid class %s\n", name);
            exit(2);
        }
        avoid |= classes[i].bit;
    }
    return avoid;
}

static void parse(int argc, char** argv, struct Options* options)
{
    for (int i = 1; i < argc; i++) {
        const char* value = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(argv[i], "--exit-with") == 0) {
            exit(atoi(value));
        } else if (strcmp(argv[i], "--seed") == 0) {
            options->first_seed = options->last_seed = atol(value);
        } else if (strcmp(argv[i], "--seeds") == 0) {
            char* end;
            options->first_seed = strtol(value, &end, 10);
            options->last_seed = *end == '-' ? strtol(end + 1, NULL, 10) : options->first_seed;
        } else if (strcmp(argv[i], "--calls") == 0) {
            options->calls = atol(value);
        } else if (strcmp(argv[i], "--workers") == 0) {
            options->workers = atoi(value);
            if (options->workers < 1 || options->workers > FZ_MAX_WORKERS)
                options->workers = 3;
        } else if (strcmp(argv[i], "--avoid") == 0) {
            options->avoid = parse_avoid(value);
        } else {
            printf("usage: syscall_fuzz [--seeds A-B] [--calls N] [--workers W] [--avoid CLASS,...]\n");
            exit(2);
        }
        i++;
    }
}

/* Runs one seed: forks the workers and watches them. Returns the failures it saw. */
static long run_seed(struct FzShared* shared, long seed, const struct Options* options)
{
    char line[200];
    snprintf(line, sizeof(line), "fuzz: seed %ld\n", seed);
    say(line);
    char directory[48];
    snprintf(directory, sizeof(directory), "/fz/s%ld", seed);
    syscall(SYS_mkdir, directory, 0777);
    char shared_directory[64];
    snprintf(shared_directory, sizeof(shared_directory), "%s/sh", directory);
    syscall(SYS_mkdir, shared_directory, 0777);
    memset((void*)shared, 0, sizeof(*shared));
    int pids[FZ_MAX_WORKERS] = {0};
    int live = 0;
    for (int w = 0; w < options->workers; w++) {
        int pid = fork();
        if (pid == 0)
            fz_exit(worker_main(shared, seed, w, options->calls, options->avoid));
        if (pid < 0) {
            snprintf(line, sizeof(line), "FAIL fuzz seed=%ld: fork of worker %d failed (errno %d)\n", seed, w, errno);
            say(line);
            shared->failures++;
            continue;
        }
        pids[w] = pid;
        live++;
    }
    long deadline = uptime_ticks() + WATCHDOG_TICKS;
    int hung = 0;
    while (live > 0) {
        int status = 0;
        int pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            for (int w = 0; w < options->workers; w++) {
                if (pids[w] != pid)
                    continue;
                pids[w] = 0;
                live--;
                if (WIFSIGNALED(status) && !hung) {
                    snprintf(line, sizeof(line),
                             "FAIL fuzz seed=%ld worker=%d call=%ld: worker killed by signal %d in syscall %ld\n",
                             seed, w, shared->call[w], WTERMSIG(status), shared->syscall[w]);
                    say(line);
                    shared->failures++;
                } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
                    snprintf(line, sizeof(line), "FAIL fuzz seed=%ld worker=%d: worker exited with %d\n", seed, w,
                             WEXITSTATUS(status));
                    say(line);
                    shared->failures++;
                }
            }
            continue;  /* Anything else is an orphan handed to us: reaped, ignored. */
        }
        if (pid < 0 && errno == ECHILD)
            break;
        if (!hung && uptime_ticks() > deadline) {
            hung = 1;
            for (int w = 0; w < options->workers; w++) {
                if (!pids[w])
                    continue;
                snprintf(line, sizeof(line), "FAIL fuzz seed=%ld worker=%d call=%ld: hang in syscall %ld (no end after %d s)\n",
                         seed, w, shared->call[w], shared->syscall[w], WATCHDOG_TICKS / 100);
                say(line);
                shared->failures++;
                kill(pids[w], SIGKILL);
            }
        }
        syscall(SYS_sleep, 1);
    }
    snprintf(line, sizeof(line), "%s fuzz:seed=%ld\n", shared->failures ? "FAIL" : "PASS", seed);
    say(line);
    return shared->failures;
}

int main(int argc, char** argv)
{
    struct Options options = {1, 1, 400, 3, 0};
    parse(argc, argv, &options);
    struct FzShared* shared = mmap(NULL, FZ_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        say("FAIL fuzz: cannot map the shared page\n");
        return 1;
    }
    mkdir("/fz", 0777);
    long failed = 0;
    for (long seed = options.first_seed; seed <= options.last_seed; seed++)
        failed += run_seed(shared, seed, &options) ? 1 : 0;
    char line[80];
    snprintf(line, sizeof(line), "fuzz: %ld seeds, %ld failed\n", options.last_seed - options.first_seed + 1, failed);
    say(line);
    return failed ? 1 : 0;
}
