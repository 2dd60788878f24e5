/* syscall_fuzz_calls: one generator per system call of kernel/syscall/numbers.h. Each
 * draws its arguments from the classes of syscall_fuzz_args.c (or valid ones), says in
 * f->strict which errnos the arguments force (a bad descriptor is EBADF...), issues the call
 * through fz_call, and keeps the worker's bookkeeping (descriptors, pipes, mappings,
 * children) in step with what the call did, checking what it can on the way (a new
 * descriptor is the lowest free one, new memory reads as zero, getdents records are whole,
 * lseek lands where asked). See syscall_fuzz.h for the invariants that keep the worker
 * itself alive. */
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

/* ---- The generators ---- */

static void got_new_fd(Fuzz* f, long fd, int source, unsigned access);

static void gen_fork(Fuzz* f) { fz_spawn(f); }

static void gen_exit(Fuzz* f)
{
    if (f->depth == 0)
        return;  /* A worker ends only when its calls are done. */
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
    fz_fd_opened(f, fds[0], FD_PIPE_READ, slot, FA_READ);
    fz_fd_opened(f, fds[1], FD_PIPE_WRITE, slot, FA_WRITE);
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
    if (bad_fd || fz_fd_refuses(f, fd, FA_READ))
        f->strict = EB(EBADF);
    else if (kind == FD_CONSOLE && length != 0)
        f->strict = EB(EFAULT) | ((f->fd_access[fd] & FA_UNKNOWN) ? EB(EBADF) : 0);
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
    if (bad_fd || fz_fd_refuses(f, fd, FA_WRITE))
        f->strict = EB(EBADF);  /* A console opened read-only too: the mode comes first. */
    else if (kind == FD_CONSOLE && length != 0)
        f->strict = EB(EFAULT) | ((f->fd_access[fd] & FA_UNKNOWN) ? EB(EBADF) : 0);
    long result = fz_call(f, SYS_write, fd, (long)buffer, length, 0, 0, 0);
    if (!fz_failed(result) && result > 0 && (size_t)result > usable)
        fz_fail(f, "a write from a %zu-byte buffer returned %ld", usable, result);
    if (kind == FD_PIPE_WRITE)
        fz_pipe_wrote(f, f->fd_pipe[fd], (const unsigned char*)buffer, result, length);
}

/* pread and pwrite: any descriptor (a pipe or the console is ESPIPE before anything moves,
   so neither can block), any buffer, offsets good and bad. */
static void gen_positioned(Fuzz* f, int number)
{
    int bad_fd;
    int fd = pick_fd(f, ANY_KIND, 1, &bad_fd);
    long length = pick_size(f, "len");
    int bad;
    size_t usable;
    uintptr_t buffer = pick_pointer(f, "buf", length > 0 ? (size_t)length : 0, number == SYS_pread, &bad, &usable);
    static const long offsets[] = {0, 1, 4096, -1, LONG_MIN, 1l << 40, -4096, 100};
    long offset = fz_chance(f, 30) ? (long)fz_below(f, 20000) : offsets[fz_below(f, 8)];
    fz_note(f, " offset=%ld", offset);
    int kind = bad_fd ? FD_CLOSED : f->fds[fd];
    if (offset < 0)
        f->strict = EB(EINVAL);  /* Checked before the descriptor, as Linux does. */
    else if (bad_fd)
        f->strict = EB(EBADF);
    else if (kind == FD_CONSOLE || kind == FD_PIPE_READ || kind == FD_PIPE_WRITE)
        f->strict = EB(ESPIPE);
    else if (fz_fd_refuses(f, fd, number == SYS_pread ? FA_READ : FA_WRITE))
        f->strict = EB(EBADF);  /* Then the open mode. */
    long result = fz_call(f, number, fd, (long)buffer, length, offset, 0, 0);
    if (!fz_failed(result) && result > 0 && (size_t)result > usable)
        fz_fail(f, "a transfer with a %zu-byte buffer returned %ld", usable, result);
}

static void gen_pread(Fuzz* f) { gen_positioned(f, SYS_pread); }
static void gen_pwrite(Fuzz* f) { gen_positioned(f, SYS_pwrite); }

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
        case 0:
            got_new_fd(f, fz_call(f, SYS_open, (long)"x", O_CREAT | O_RDWR, 0666, 0, 0, 0), -1, FA_READ | FA_WRITE);
            break;
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

/* A descriptor open returned (source -1, opened for `access`) or a copy of `source`. */
static void got_new_fd(Fuzz* f, long fd, int source, unsigned access)
{
    if (fz_failed(fd))
        return;
    if (fd < 0 || fd >= FZ_MAX_FD || f->fds[fd] != FD_CLOSED) {
        fz_fail(f, "a new descriptor %ld is one already open, or out of range", fd);
        return;
    }
    if (source >= 0)
        fz_fd_opened(f, (int)fd, (enum FdKind)f->fds[source], f->fd_pipe[source], f->fd_access[source]);
    else
        fz_fd_opened(f, (int)fd, kind_from_stat(f, (int)fd), -1, access);
}

static void gen_dup(Fuzz* f)
{
    int bad;
    int fd = pick_fd(f, ANY_KIND, 1, &bad);
    if (bad)
        f->strict = EB(EBADF);
    got_new_fd(f, fz_call(f, SYS_dup, fd, 0, 0, 0, 0, 0), fd, 0);
}

static void gen_getpid(Fuzz* f)
{
    long first = fz_call(f, SYS_getpid, 0, 0, 0, 0, 0, 0);
    if (first <= 0 || fz_call(f, SYS_getpid, 0, 0, 0, 0, 0, 0) != first)
        fz_fail(f, "getpid is %ld, then something else", first);
}

static void gen_getppid(Fuzz* f)
{
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
    static const unsigned kAccess[] = {FA_READ, FA_WRITE, FA_READ | FA_WRITE, 0};
    got_new_fd(f, fz_call(f, SYS_open, (long)path, flags, 0666, 0, 0, 0), -1, kAccess[flags & O_ACCMODE]);
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
        fz_fd_opened(f, new_fd, (enum FdKind)f->fds[old_fd], f->fd_pipe[old_fd], f->fd_access[old_fd]);
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

/* fsync and fdatasync take the same arguments and fail alike. */
static void gen_fsync_call(Fuzz* f, long number)
{
    int bad;
    int fd = pick_fd(f, ANY_KIND, 1, &bad);
    int kind = bad ? FD_CLOSED : f->fds[fd];
    if (bad)
        f->strict = EB(EBADF);
    else if ((kind == FD_PIPE_READ || kind == FD_PIPE_WRITE || kind == FD_CONSOLE) && !(f->avoid & AVOID_FSYNC_PIPE))
        f->strict = EB(EINVAL);
    fz_call(f, number, fd, 0, 0, 0, 0, 0);
}

static void gen_fsync(Fuzz* f) { gen_fsync_call(f, SYS_fsync); }
static void gen_fdatasync(Fuzz* f) { gen_fsync_call(f, SYS_fdatasync); }

static void gen_sync(Fuzz* f)
{
    f->strict = 0;  /* sync() cannot fail. */
    fz_call(f, SYS_sync, 0, 0, 0, 0, 0, 0);
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
    [SYS_procmaps] = gen_procmaps, [SYS_fadvise] = gen_fadvise,   [SYS_pread] = gen_pread,
    [SYS_pwrite] = gen_pwrite,
    [SYS_fdatasync] = gen_fdatasync, [SYS_sync] = gen_sync,
    [SYS_rt_sigaction] = gen_rt_sigaction, [SYS_rt_sigprocmask] = gen_rt_sigprocmask,
    [SYS_setpgid] = gen_setpgid,   [SYS_getpgid] = gen_getpgid,   [SYS_getsid] = gen_getsid,
    [SYS_setsid] = gen_setsid,     [SYS_ioctl] = gen_ioctl,
    [SYS_rt_sigpending] = gen_rt_sigpending, [SYS_rt_sigsuspend] = gen_rt_sigsuspend,
    [SYS_sigaltstack] = gen_sigaltstack, [SYS_linux_kill] = gen_linux_kill, [SYS_tgkill] = gen_tgkill,
    [SYS_getitimer] = gen_getitimer, [SYS_setitimer] = gen_setitimer,
};

void fz_random_call(Fuzz* f)
{
    /* Keep descriptors for the calls that need them: close some when the table fills. */
    int open = 0;
    for (int fd = 0; fd < FZ_MAX_FD; fd++)
        open += f->fds[fd] != FD_CLOSED;
    /* One of the calls that have a generator, each as likely (the numbers are sparse: the
       signal calls sit at Linux's). */
    static int numbers[SYS_count];
    static int count;
    if (!count)
        for (int n = 1; n < SYS_count; n++)
            if (kGenerators[n])
                numbers[count++] = n;
    int number = numbers[fz_below(f, (unsigned)count)];
    if (open > 40 && fz_chance(f, 50))
        number = SYS_close;
    f->note[0] = 0;
    f->strict = 0;
    if (kGenerators[number])
        kGenerators[number](f);
}
