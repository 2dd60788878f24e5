/* syscall_fuzz_models: what a worker can judge besides errnos. A private file whose
 * content, size and offset it models, written, read, truncated and mapped with buffers of
 * every class; an anonymous mapping whose content it models (through madvise, mprotect,
 * reads into it, and fork: a minion's copy must equal its parent's, and the parent must not
 * see the minion's stores); and minions, children that run calls of their own, exec the
 * fuzzer to exit with a code, sleep until killed, or exit, whose wait status must say so. */
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

/* ---- The modelled file and anonymous mapping ---- */

void fz_fill_random(Fuzz* f, unsigned char* buffer, size_t length)
{
    for (size_t i = 0; i < length; i++)
        buffer[i] = (unsigned char)fz_next(f);
}

static long seek_to(Fuzz* f, long offset)
{
    long result = fz_call(f, SYS_lseek, f->model_fd, offset, SEEK_SET, 0, 0, 0);
    if (result != offset)
        fz_fail(f, "lseek(model, %ld, SEEK_SET) -> %ld", offset, result);
    return result;
}

static void check_offset(Fuzz* f, long expected, const char* after)
{
    long offset = fz_call(f, SYS_lseek, f->model_fd, 0, SEEK_CUR, 0, 0, 0);
    if (offset != expected)
        fz_fail(f, "model file offset after %s is %ld, expected %ld", after, offset, expected);
}

void fz_check_models(Fuzz* f, const char* after)
{
    if (memcmp(f->anon, f->anon_model, sizeof(f->anon_model)) != 0) {
        size_t i = 0;
        while (f->anon[i] == f->anon_model[i])
            i++;
        fz_fail(f, "anonymous mapping byte %zu is %#x, expected %#x (after %s)", i, f->anon[i], f->anon_model[i],
                after);
        memcpy(f->anon_model, f->anon, sizeof(f->anon_model));
    }
    if (f->model_fd < 0)
        return;
    struct stat status;
    memset(&status, 0, sizeof(status));
    long result = fz_call(f, SYS_fstat, f->model_fd, (long)&status, 0, 0, 0, 0);
    if (result != 0 || status.st_size != f->model_size)
        fz_fail(f, "model file size %ld (fstat -> %ld), expected %ld (after %s)", (long)status.st_size, result,
                f->model_size, after);
    seek_to(f, 0);
    long got = fz_call(f, SYS_read, f->model_fd, (long)f->scratch, FZ_MODEL_FILE_MAX, 0, 0, 0);
    if (got != f->model_size) {
        fz_fail(f, "reading the model file gave %ld bytes, expected %ld (after %s)", got, f->model_size, after);
    } else if (memcmp(f->scratch, f->model, (size_t)got) != 0) {
        long i = 0;
        while (f->scratch[i] == f->model[i])
            i++;
        fz_fail(f, "model file byte %ld is %#x, expected %#x (after %s)", i, f->scratch[i], f->model[i], after);
        memcpy(f->model, f->scratch, (size_t)got);
    }
}

static void model_apply(Fuzz* f, long offset, const unsigned char* data, long count)
{
    if (count <= 0)
        return;
    memcpy(f->model + offset, data, (size_t)count);
    if (offset + count > f->model_size)
        f->model_size = offset + count;
}

/* A buffer for a model write or read: valid, or one of the bad kinds. Sets *valid_bytes to
   how many bytes from the start are usable. */
static unsigned char* model_buffer(Fuzz* f, long length, int output, long* valid_bytes, const char** kind)
{
    int choice = (int)fz_below(f, 10);
    if (choice < 5 || ((f->avoid & AVOID_READ_FAULT) && output)) {
        *valid_bytes = length;
        *kind = "valid";
        return f->scratch + fz_below(f, FZ_PAGE);
    }
    if (choice == 5) {
        long k = (long)fz_below(f, length < (long)FZ_PAGE ? length : (long)FZ_PAGE);
        *valid_bytes = k;
        *kind = "straddle";
        return f->rw_end + FZ_PAGE - k;
    }
    if (choice == 6 && output) {
        *valid_bytes = length <= (long)sizeof(f->anon_model) ? length : 0;
        *kind = "anon";
        return *valid_bytes ? f->anon : f->ro;
    }
    *valid_bytes = 0;
    static const char* const kinds[] = {"null", "kernel", "prot-none", "beyond-eof", "read-only"};
    int bad = (int)fz_below(f, output ? 5 : 4);
    *kind = kinds[bad];
    switch (bad) {
    case 0: return NULL;
    case 1: return (unsigned char*)0xffffffc000001000ul;
    case 2: return f->none;
    case 3: return f->eof_map + FZ_PAGE;
    default: return f->ro;
    }
}

static void model_write(Fuzz* f)
{
    long offset = (long)fz_below(f, f->model_size + 2000);
    long length = 1 + (long)fz_below(f, 3000);
    if (offset + length > FZ_MODEL_FILE_MAX)
        offset = FZ_MODEL_FILE_MAX - length;
    long valid;
    const char* kind;
    unsigned char* buffer = model_buffer(f, length, 0, &valid, &kind);
    if (valid > 0)
        fz_fill_random(f, buffer, (size_t)valid);
    seek_to(f, offset);
    fz_note(f, "model write from %s buffer", kind);
    if (valid == 0)
        f->strict = fz_errno_bit(EFAULT);
    else if (valid < length)
        f->strict = 0;
    long result = fz_call(f, SYS_write, f->model_fd, (long)buffer, length, 0, 0, 0);
    if (!fz_failed(result) && (result > valid || (valid == length && result != length)))
        fz_fail(f, "write of %ld bytes from a %s buffer (%ld valid) -> %ld", length, kind, valid, result);
    if (!fz_failed(result) && result <= valid) {
        if (offset > f->model_size)
            memset(f->model + f->model_size, 0, (size_t)(offset - f->model_size));
        model_apply(f, offset, buffer, result);
    }
    check_offset(f, offset + (fz_failed(result) ? 0 : result), "a write");
}

static void model_read(Fuzz* f)
{
    long offset = (long)fz_below(f, f->model_size + 500);
    long length = 1 + (long)fz_below(f, 5000);
    long valid;
    const char* kind;
    unsigned char* buffer = model_buffer(f, length, 1, &valid, &kind);
    long expected = f->model_size - offset;
    if (expected < 0)
        expected = 0;
    if (expected > length)
        expected = length;
    seek_to(f, offset);
    fz_note(f, "model read into %s buffer", kind);
    if (valid == 0 && expected > 0)
        f->strict = fz_errno_bit(EFAULT);
    long result = fz_call(f, SYS_read, f->model_fd, (long)buffer, length, 0, 0, 0);
    if (fz_failed(result)) {
        /* Bytes there were, and room for all of them: EFAULT is wrong (fz_call judged any
           other errno). With nothing to read, a bad buffer may still be refused. */
        if (result == -EFAULT && expected > 0 && valid >= expected)
            fz_fail(f, "read of %ld bytes at %ld into a %s buffer (%ld valid) -> EFAULT", length, offset, kind,
                    valid);
    } else if (result > valid || (valid >= expected && result != expected) || result > expected) {
        fz_fail(f, "read of %ld bytes at %ld (file size %ld) into a %s buffer (%ld valid) -> %ld", length, offset,
                f->model_size, kind, valid, result);
    } else if (memcmp(buffer, f->model + offset, (size_t)result) != 0) {
        fz_fail(f, "read at %ld returned bytes the file does not hold", offset);
    } else if (buffer == f->anon) {
        memcpy(f->anon_model, f->anon, (size_t)result);
    }
    if (!(f->avoid & AVOID_READ_FAULT) || valid >= length)
        check_offset(f, offset + (fz_failed(result) ? 0 : result), "a read");
}

static void model_truncate(Fuzz* f)
{
    long size = (long)fz_below(f, FZ_MODEL_FILE_MAX + 1);
    if (fz_chance(f, 10)) {
        fz_note(f, "negative length");
        f->strict = fz_errno_bit(EINVAL);
        fz_call(f, SYS_ftruncate, f->model_fd, -1 - (long)fz_below(f, 5000), 0, 0, 0, 0);
        return;
    }
    long result = fz_call(f, SYS_ftruncate, f->model_fd, size, 0, 0, 0, 0);
    if (result != 0) {
        fz_fail(f, "ftruncate(model, %ld) -> %ld", size, result);
        return;
    }
    if (size < f->model_size)
        memset(f->model + size, 0, (size_t)(f->model_size - size));
    f->model_size = size;
}

static void model_map(Fuzz* f)
{
    if (f->model_size == 0)
        return;
    size_t length = (f->model_size + FZ_PAGE - 1) & ~(FZ_PAGE - 1);
    int shared = fz_chance(f, 60);
    long address = fz_call(f, SYS_mmap, 0, (long)length, PROT_READ | PROT_WRITE, shared ? MAP_SHARED : MAP_PRIVATE,
                           f->model_fd, 0);
    if (fz_failed(address)) {
        fz_fail(f, "mmap of the model file (%zu bytes) -> %ld", length, address);
        return;
    }
    unsigned char* map = (unsigned char*)address;
    if (memcmp(map, f->model, (size_t)f->model_size) != 0)
        fz_fail(f, "a %s mapping of the model file differs from it", shared ? "shared" : "private");
    long at = (long)fz_below(f, f->model_size);
    long count = 1 + (long)fz_below(f, f->model_size - at);
    unsigned char bytes[256];
    if (count > (long)sizeof(bytes))
        count = sizeof(bytes);
    fz_fill_random(f, bytes, (size_t)count);
    memcpy(map + at, bytes, (size_t)count);
    if (shared)
        memcpy(f->model + at, bytes, (size_t)count);
    if (fz_chance(f, 50))
        fz_call(f, SYS_msync, address, (long)length, MS_SYNC, 0, 0, 0);
    if (fz_call(f, SYS_munmap, address, (long)length, 0, 0, 0, 0) != 0)
        fz_fail(f, "munmap of the model file's mapping failed");
}

static void anon_op(Fuzz* f)
{
    size_t page = fz_below(f, FZ_ANON_PAGES) * FZ_PAGE;
    switch (fz_below(f, 3)) {
    case 0: {
        size_t at = page + fz_below(f, FZ_PAGE - 64);
        fz_fill_random(f, f->anon + at, 64);
        memcpy(f->anon_model + at, f->anon + at, 64);
        break;
    }
    case 1:
        if (fz_call(f, SYS_madvise, (long)(f->anon + page), FZ_PAGE, MADV_DONTNEED, 0, 0, 0) == 0)
            memset(f->anon_model + page, 0, FZ_PAGE);
        else
            fz_fail(f, "madvise(DONTNEED) of the modelled mapping failed");
        break;
    default:
        /* A read-only page must refuse to be read into, and stay as it was. */
        if (fz_call(f, SYS_mprotect, (long)(f->anon + page), FZ_PAGE, PROT_READ, 0, 0, 0) != 0) {
            fz_fail(f, "mprotect(PROT_READ) of the modelled mapping failed");
            break;
        }
        if (f->model_fd >= 0 && f->model_size > 0 && !(f->avoid & AVOID_READ_FAULT)) {
            seek_to(f, 0);
            fz_note(f, "read into a read-only page");
            f->strict = fz_errno_bit(EFAULT);
            fz_call(f, SYS_read, f->model_fd, (long)(f->anon + page), 100, 0, 0, 0);
            check_offset(f, 0, "a read into a read-only page");
        }
        if (fz_call(f, SYS_mprotect, (long)(f->anon + page), FZ_PAGE, PROT_READ | PROT_WRITE, 0, 0, 0) != 0)
            fz_fail(f, "mprotect back to read-write failed");
        break;
    }
}

void fz_model_op(Fuzz* f)
{
    if (f->model_fd < 0) {
        anon_op(f);
        fz_check_models(f, "an anonymous-memory operation");
        return;
    }
    static const char* const names[] = {"a model write", "a model read", "a model truncate", "a model mapping",
                                        "an anonymous-memory operation"};
    int op = (int)fz_below(f, 5);
    switch (op) {
    case 0: model_write(f); break;
    case 1: model_read(f); break;
    case 2: model_truncate(f); break;
    case 3: model_map(f); break;
    default: anon_op(f); break;
    }
    fz_check_models(f, names[op]);
}

/* ---- Minions ---- */

static void minion_reset(Fuzz* f)
{
    for (int fd = 3; fd < FZ_MAX_FD; fd++) {
        if (f->fds[fd] != FD_CLOSED || fd == f->model_fd)
            syscall(SYS_close, fd);
        f->fds[fd] = FD_CLOSED;
        f->fd_pipe[fd] = -1;
        f->protected_fds[fd] = 0;
    }
    memset(f->pipes, 0, sizeof(f->pipes));
    memset(f->kids, 0, sizeof(f->kids));
    f->model_fd = -1;
    f->call = 0;
}

static void minion_run(Fuzz* f, int kind, int code)
{
    f->depth++;
    fz_reset_failure_lines();
    minion_reset(f);
    if (memcmp(f->anon, f->anon_model, sizeof(f->anon_model)) != 0)
        fz_fail(f, "a forked child's copy of the anonymous mapping differs from its parent's");
    fz_fill_random(f, f->anon, FZ_PAGE);  /* Copy-on-write: the parent must not see this. */
    memcpy(f->anon_model, f->anon, FZ_PAGE);
    if (kind == 1) {
        char code_text[16];
        snprintf(code_text, sizeof(code_text), "%d", code);
        const char* argv[] = {"syscall_fuzz", "--exit-with", code_text, NULL};
        long result = fz_call(f, SYS_exec, (long)"/bin/syscall_fuzz", (long)argv, 0, 0, 0, 0);
        fz_fail(f, "exec of /bin/syscall_fuzz failed: %ld", result);
        fz_exit(code);
    }
    if (kind == 2) {
        fz_call(f, SYS_sleep, 200, 0, 0, 0, 0, 0);
        fz_exit(code);
    }
    long calls = kind == 3 ? 0 : (long)fz_below(f, 60);
    for (long i = 0; i < calls; i++) {
        if (fz_chance(f, 10))
            fz_model_op(f);
        else
            fz_random_call(f);
    }
    for (int i = 0; i < FZ_MAX_KIDS; i++)
        if (f->kids[i].pid && fz_chance(f, 70))
            fz_reap(f, i, 1);
    fz_exit(code);
}

void fz_spawn(Fuzz* f)
{
    int slot = -1;
    for (int i = 0; i < FZ_MAX_KIDS; i++)
        if (!f->kids[i].pid)
            slot = i;
    if (slot < 0 || f->depth >= 2)
        return;
    static const int codes[] = {0, 1, 7, 255, 256 + 5, -1};
    int code = codes[fz_below(f, 6)];
    int kind = (int)fz_below(f, 4);
    uint64_t child_seed = fz_next(f);
    int parent = getpid();
    long pid = fz_call(f, SYS_fork, 0, 0, 0, 0, 0, 0);
    if (pid == 0) {
        f->rng = child_seed;
        fz_parent_pid = parent;
        fz_exit_code = code;
        minion_run(f, kind, code);
    }
    if (fz_failed(pid))
        return;
    f->kids[slot].pid = (int)pid;
    f->kids[slot].expect_code = code & 0xff;
    f->kids[slot].killed_with = 0;
}

void fz_kill_kid(Fuzz* f)
{
    int slot = (int)fz_below(f, FZ_MAX_KIDS);
    if (!f->kids[slot].pid)
        return;
    static const int signals[] = {0, 9, 15, 1, 31, 32, -1, 1000};
    int signal = signals[fz_below(f, 8)];
    fz_note(f, "a live child");
    long result = fz_call(f, SYS_kill, f->kids[slot].pid, signal, 0, 0, 0, 0);
    if (result == 0 && signal != 0 && f->kids[slot].killed_with == 0)
        f->kids[slot].killed_with = signal >= 1 && signal <= 31 ? signal : SIGKILL;
}

void fz_reaped(Fuzz* f, int pid, int status, int status_known)
{
    for (int i = 0; i < FZ_MAX_KIDS; i++) {
        struct FzKid* kid = &f->kids[i];
        if (kid->pid != pid)
            continue;
        kid->pid = 0;
        if (!status_known)
            return;
        if (WIFEXITED(status)) {
            if (kid->expect_code >= 0 && WEXITSTATUS(status) != kid->expect_code)
                fz_fail(f, "child %d exited with %d, expected %d", pid, WEXITSTATUS(status), kid->expect_code);
        } else if (!kid->killed_with) {
            fz_fail(f, "child %d was killed by signal %d, and nobody killed it", pid, WTERMSIG(status));
        } else if (WTERMSIG(status) != kid->killed_with) {
            fz_fail(f, "child %d killed with signal %d reports signal %d", pid, kid->killed_with, WTERMSIG(status));
        }
        return;
    }
    fz_fail(f, "wait returned %d, not a child of this process", pid);
}

void fz_reap(Fuzz* f, int index, int block)
{
    struct FzKid* kid = &f->kids[index];
    if (!kid->pid)
        return;
    int* status = (int*)(f->scratch + FZ_PAGE);
    *status = 0x5a5a;
    long result = fz_call(f, SYS_waitpid, kid->pid, (long)status, block ? 0 : WNOHANG, 0, 0, 0);
    if (result == kid->pid)
        fz_reaped(f, kid->pid, *status, 1);
    else if (result == 0 && !block)
        return;
    else
        fz_fail(f, "waitpid(%d) of a child -> %ld", kid->pid, result);
}
