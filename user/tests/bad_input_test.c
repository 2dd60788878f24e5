/* bad_input_test: the table of bad inputs. For every system call, each hostile class of
 * argument that applies to it, and the answer Linux gives (docs/bad-inputs.md): one row,
 * one test, printed as "PASS call:class" or "FAIL call:class: why".
 *
 * A row is data: the call, its six arguments and the expected result. An argument is a
 * literal or a token (T_*) that the row's child resolves after it has built its fixture: a
 * directory of its own holding "file" (100 bytes) and "dir" (empty), and for the rows that
 * name them "full" (a directory with a file in it), "text" (not a program) and "node" (a
 * device with no driver); descriptors of each kind; and memory with every bad shape (an
 * unmapped page after a read-write one, PROT_NONE, read-only, a file mapping's page past
 * the end of the file). Every row runs in a child of its own, so that a row that kills its
 * process or leaves a mess fails alone.
 *
 * After a failing call the runner also checks that no descriptor was left behind (the
 * lowest free descriptor is the same as before). Rows whose answer is more than an errno
 * (an offset that must not move, bytes that must stay in a pipe, a file that must not be
 * created) have a check function.
 *
 * The rows run in order with their own loop rather than harness.c's run_tests(), which
 * needs one function per test; the output is the same. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "bad_input_test.h"


/* ---- Checks of rows whose answer is more than an errno ---- */

static int offset_is(int fd, long expected, char* why, size_t size)
{
    long offset = lseek(fd, 0, SEEK_CUR);
    if (offset == expected)
        return 0;
    snprintf(why, size, "offset %ld, expected %ld", offset, expected);
    return 1;
}

static int efault_keeps_file_offset(long result, char* why, size_t size)
{
    if (result != -EFAULT) {
        snprintf(why, size, "got %ld, expected -EFAULT", result);
        return 1;
    }
    return offset_is(fx.fd[T_FD_FILE], 0, why, size);
}

static int straddle_read_moves_offset_by_count(long result, char* why, size_t size)
{
    /* Linux copies the 4 bytes before the unmapped page and returns 4; EFAULT with nothing
       read is also an answer POSIX allows. Either way the offset moves by what was read. */
    if (result != 4 && result != -EFAULT) {
        snprintf(why, size, "got %ld, expected 4 or -EFAULT", result);
        return 1;
    }
    return offset_is(fx.fd[T_FD_FILE], result > 0 ? result : 0, why, size);
}

static int straddle_write_writes_what_it_says(long result, char* why, size_t size)
{
    if (result != 4 && result != -EFAULT) {
        snprintf(why, size, "got %ld, expected 4 or -EFAULT", result);
        return 1;
    }
    return offset_is(fx.fd[T_FD_FILE], result > 0 ? result : 0, why, size);
}

static int efault_leaves_pipe_bytes(long result, char* why, size_t size)
{
    if (result != -EFAULT) {
        snprintf(why, size, "got %ld, expected -EFAULT", result);
        return 1;
    }
    /* With no writer left, the read below returns what is there instead of waiting. */
    close(fx.fd[T_FD_PIPE_W]);
    char bytes[8];
    long got = read(fx.fd[T_FD_PIPE_R], bytes, sizeof(bytes));
    if (got == 5)
        return 0;
    snprintf(why, size, "the pipe held %ld bytes after the failed read, expected 5", got);
    return 1;
}

static int wnohang_leaves_status_alone(long result, char* why, size_t size)
{
    int status = *(int*)fx.buffer;
    if (result == 0 && status == 0x5a5a5a5a)
        return 0;
    snprintf(why, size, "got %ld with status %#x, expected 0 and the status untouched", result, status);
    return 1;
}

static int create_directory_flag_leaves_no_file(long result, char* why, size_t size)
{
    struct stat status;
    if ((result == -EINVAL || result == -ENOTDIR) && stat("new", &status) != 0)
        return 0;
    snprintf(why, size, "got %ld; \"new\" %s", result, stat("new", &status) == 0 ? "exists" : "does not exist");
    return 1;
}

static int records_are_whole(long result, char* why, size_t size)
{
    if (result <= 0) {
        snprintf(why, size, "got %ld, expected records", result);
        return 1;
    }
    for (long at = 0; at < result;) {
        const struct atlas_dirent64* record = (const struct atlas_dirent64*)(fx.buffer + at);
        size_t name = strlen(record->d_name);
        size_t needed = (19 + name + 1 + 7) & ~7ul;
        if (record->d_reclen != needed) {
            snprintf(why, size, "record at %ld: d_reclen %u for \"%s\", expected %zu", at, record->d_reclen,
                     record->d_name, needed);
            return 1;
        }
        at += record->d_reclen;
    }
    return 0;
}

static int dotdot_of_a_removed_directory_is_enoent(long result, char* why, size_t size)
{
    /* A removed directory names nothing, ".." included: the process stays where it is
       (where "file", which its old parent holds, cannot be seen). */
    struct stat status;
    if (result == -ENOENT && stat("file", &status) != 0)
        return 0;
    snprintf(why, size, "chdir(\"..\") -> %ld, expected -ENOENT; stat(\"file\") after it %s", result,
             stat("file", &status) == 0 ? "works" : "fails");
    return 1;
}

static int invalid_signal_leaves_child_alive(long result, char* why, size_t size)
{
    int status;
    if (result != -EINVAL) {
        snprintf(why, size, "got %ld, expected -EINVAL", result);
        return 1;
    }
    if (waitpid(fx.child, &status, WNOHANG) == 0)
        return 0;
    snprintf(why, size, "the child is gone");
    return 1;
}

/* ---- The table ---- */

#define R(name, number, a0, a1, a2, a3, a4, a5, expect) {name, number, {a0, a1, a2, a3, a4, a5}, expect, NULL}
#define R1(name, number, a0, expect) R(name, number, a0, 0, 0, 0, 0, 0, expect)
#define R2(name, number, a0, a1, expect) R(name, number, a0, a1, 0, 0, 0, 0, expect)
#define R3(name, number, a0, a1, a2, expect) R(name, number, a0, a1, a2, 0, 0, 0, expect)
#define C3(name, number, a0, a1, a2, check) {name, number, {a0, a1, a2, 0, 0, 0}, CUSTOM, check}

/* The classes every path-taking call shares (as its first argument). */
#define PATH_ROWS(call, number, a1, a2)                                                      \
    R3(call ":path-null", number, P_NULL, a1, a2, EFAULT),                                   \
    R3(call ":path-kernel", number, P_KERNEL, a1, a2, EFAULT),                               \
    R3(call ":path-noncanonical", number, P_NONCANON, a1, a2, EFAULT),                       \
    R3(call ":path-unmapped", number, P_UNMAPPED, a1, a2, EFAULT),                           \
    R3(call ":path-prot-none", number, P_PROTNONE, a1, a2, EFAULT),                          \
    R3(call ":path-unterminated", number, P_UNTERM, a1, a2, EFAULT),                         \
    R3(call ":path-beyond-eof", number, P_EOF, a1, a2, EFAULT),                              \
    R3(call ":path-empty", number, S_EMPTY, a1, a2, ENOENT),                                 \
    R3(call ":path-too-long", number, S_LONG, a1, a2, ENAMETOOLONG),                         \
    R3(call ":component-too-long", number, S_COMP256, a1, a2, ENAMETOOLONG),                 \
    R3(call ":missing-parent", number, S_MISSING_PARENT, a1, a2, ENOENT),                    \
    R3(call ":through-file", number, S_THROUGH_FILE, a1, a2, ENOTDIR)

#define FD_ROWS(call, number, a1, a2)                                                        \
    R3(call ":fd-negative", number, FD_NEG, a1, a2, EBADF),                                  \
    R3(call ":fd-closed", number, FD_CLOSED, a1, a2, EBADF),                                 \
    R3(call ":fd-huge", number, FD_HUGE, a1, a2, EBADF)

static const struct Row kRows[] = {
    /* wait, waitpid */
    R1("wait:no-child", SYS_wait, P_NULL, ECHILD),
    /* The second argument is not passed to wait(): it makes the zombie child to reap. */
    R2("wait:status-kernel", SYS_wait, P_KERNEL, PID_ZOMBIE, EFAULT),
    R2("wait:status-read-only", SYS_wait, P_RO, PID_ZOMBIE, EFAULT),
    R2("wait:status-unmapped", SYS_wait, P_UNMAPPED, PID_ZOMBIE, EFAULT),
    R3("waitpid:not-a-child", SYS_waitpid, 99999, P_BUF, 0, ECHILD),
    R3("waitpid:self", SYS_waitpid, PID_SELF, P_BUF, 0, ECHILD),
    R3("waitpid:options-invalid", SYS_waitpid, -1, P_BUF, 0x100, EINVAL),
    R3("waitpid:group-without-children", SYS_waitpid, -99999, P_BUF, 0, ECHILD),
    R3("waitpid:status-kernel", SYS_waitpid, PID_ZOMBIE, P_KERNEL, 0, EFAULT),
    R3("waitpid:status-read-only", SYS_waitpid, PID_ZOMBIE, P_RO, 0, EFAULT),
    R3("waitpid:wnohang-status-kernel", SYS_waitpid, PID_CHILD, P_KERNEL, WNOHANG, OK),
    C3("waitpid:wnohang-status-untouched", SYS_waitpid, PID_CHILD, P_BUF, WNOHANG, wnohang_leaves_status_alone),
    /* pipe */
    R1("pipe:null", SYS_pipe, P_NULL, EFAULT),
    R1("pipe:kernel", SYS_pipe, P_KERNEL, EFAULT),
    R1("pipe:noncanonical", SYS_pipe, P_NONCANON, EFAULT),
    R1("pipe:read-only", SYS_pipe, P_RO, EFAULT),
    R1("pipe:prot-none", SYS_pipe, P_PROTNONE, EFAULT),
    R1("pipe:straddle", SYS_pipe, P_STRADDLE, EFAULT),
    R1("pipe:beyond-eof", SYS_pipe, P_EOF, EFAULT),
    /* read */
    FD_ROWS("read", SYS_read, P_BUF, 10),
    R3("read:write-only", SYS_read, FD_WRONLY, P_BUF, 10, EBADF),
    R3("read:pipe-write-end", SYS_read, FD_PIPE_W, P_BUF, 10, EBADF),
    R3("read:directory", SYS_read, FD_DIR, P_BUF, 10, EISDIR),
    R3("read:buf-null", SYS_read, FD_FILE, P_NULL, 10, EFAULT),
    R3("read:buf-kernel", SYS_read, FD_FILE, P_KERNEL, 10, EFAULT),
    R3("read:buf-noncanonical", SYS_read, FD_FILE, P_NONCANON, 10, EFAULT),
    R3("read:buf-unmapped", SYS_read, FD_FILE, P_UNMAPPED, 10, EFAULT),
    R3("read:buf-prot-none", SYS_read, FD_FILE, P_PROTNONE, 10, EFAULT),
    R3("read:buf-read-only", SYS_read, FD_FILE, P_RO, 10, EFAULT),
    R3("read:buf-beyond-eof", SYS_read, FD_FILE, P_EOF, 10, EFAULT),
    R3("read:len-huge", SYS_read, FD_FILE, P_BUF, -1, EFAULT),
    R3("read:len-zero-buf-null", SYS_read, FD_FILE, P_NULL, 0, OK),
    R3("read:console-buf-kernel", SYS_read, 0, P_KERNEL, 10, EFAULT),
    C3("read:fault-keeps-offset", SYS_read, FD_FILE, P_NULL, 10, efault_keeps_file_offset),
    C3("read:straddle-moves-offset-by-count", SYS_read, FD_FILE, P_STRADDLE, 10, straddle_read_moves_offset_by_count),
    C3("read:pipe-fault-keeps-bytes", SYS_read, FD_PIPE_R, P_UNMAPPED, 5, efault_leaves_pipe_bytes),
    /* write */
    FD_ROWS("write", SYS_write, P_BUF, 10),
    R3("write:read-only-fd", SYS_write, FD_RDONLY, P_BUF, 10, EBADF),
    R3("write:pipe-read-end", SYS_write, FD_PIPE_R, P_BUF, 10, EBADF),
    R3("write:directory", SYS_write, FD_DIR, P_BUF, 10, EBADF),
    R3("write:pipe-no-reader", SYS_write, FD_PIPE_W_ALONE, P_BUF, 10, EPIPE),
    R3("write:buf-null", SYS_write, FD_FILE, P_NULL, 10, EFAULT),
    R3("write:buf-kernel", SYS_write, FD_FILE, P_KERNEL, 10, EFAULT),
    R3("write:buf-noncanonical", SYS_write, FD_FILE, P_NONCANON, 10, EFAULT),
    R3("write:buf-unmapped", SYS_write, FD_FILE, P_UNMAPPED, 10, EFAULT),
    R3("write:buf-prot-none", SYS_write, FD_FILE, P_PROTNONE, 10, EFAULT),
    R3("write:buf-beyond-eof", SYS_write, FD_FILE, P_EOF, 10, EFAULT),
    R3("write:buf-read-only", SYS_write, FD_FILE, P_RO, 10, OK),
    R3("write:len-huge", SYS_write, FD_FILE, P_BUF, -1, EFAULT),
    R3("write:console-buf-null", SYS_write, FD_CONSOLE, P_NULL, 10, EFAULT),
    R3("write:pipe-buf-kernel", SYS_write, FD_PIPE_W, P_KERNEL, 10, EFAULT),
    C3("write:straddle-writes-what-it-returns", SYS_write, FD_FILE, P_STRADDLE, 10, straddle_write_writes_what_it_says),
    /* kill */
    R2("kill:no-such-process", SYS_kill, 99999, SIGKILL, ESRCH),
    R2("kill:pid-huge", SYS_kill, INT_MAX, SIGKILL, ESRCH),
    R2("kill:init", SYS_kill, 1, SIGKILL, EPERM),
    {"kill:signal-invalid", SYS_kill, {PID_CHILD, 1000}, CUSTOM, invalid_signal_leaves_child_alive},
    {"kill:signal-negative", SYS_kill, {PID_CHILD, -1}, CUSTOM, invalid_signal_leaves_child_alive},
    /* exec */
    PATH_ROWS("exec", SYS_exec, ARGV_VALID, 0),
    R3("exec:missing", SYS_exec, S_MISSING, ARGV_VALID, 0, ENOENT),
    R3("exec:directory", SYS_exec, S_DIR, ARGV_VALID, 0, EACCES),
    R3("exec:not-a-program", SYS_exec, S_TEXT, ARGV_VALID, 0, ENOEXEC),
    R3("exec:device", SYS_exec, S_NODE, ARGV_VALID, 0, EACCES),
    R3("exec:file-slash", SYS_exec, S_FILE_SLASH, ARGV_VALID, 0, ENOTDIR),
    R3("exec:argv-kernel", SYS_exec, S_PROGRAM, P_KERNEL, 0, EFAULT),
    R3("exec:argv-string-kernel", SYS_exec, S_PROGRAM, ARGV_KSTRING, 0, EFAULT),
    R3("exec:argv-unterminated", SYS_exec, S_PROGRAM, ARGV_UNTERM, 0, EFAULT),
    R3("exec:argv-too-big", SYS_exec, S_PROGRAM, ARGV_HUGE, 0, E2BIG),
    /* fstat */
    FD_ROWS("fstat", SYS_fstat, P_BUF, 0),
    R2("fstat:null", SYS_fstat, FD_FILE, P_NULL, EFAULT),
    R2("fstat:kernel", SYS_fstat, FD_FILE, P_KERNEL, EFAULT),
    R2("fstat:read-only", SYS_fstat, FD_FILE, P_RO, EFAULT),
    R2("fstat:unmapped", SYS_fstat, FD_FILE, P_UNMAPPED, EFAULT),
    R2("fstat:straddle", SYS_fstat, FD_FILE, P_STRADDLE, EFAULT),
    /* chdir */
    PATH_ROWS("chdir", SYS_chdir, 0, 0),
    R1("chdir:missing", SYS_chdir, S_MISSING, ENOENT),
    R1("chdir:file", SYS_chdir, S_FILE, ENOTDIR),
    R1("chdir:file-dot", SYS_chdir, S_FILE_DOT, ENOTDIR),
    R1("chdir:file-slash", SYS_chdir, S_FILE_SLASH, ENOTDIR),
    C3("chdir:dotdot-from-removed", SYS_chdir, S_DOTDOT_FROM_REMOVED, 0, 0, dotdot_of_a_removed_directory_is_enoent),
    /* dup, dup2, close */
    FD_ROWS("dup", SYS_dup, 0, 0),
    FD_ROWS("dup2", SYS_dup2, 10, 0),
    R2("dup2:new-negative", SYS_dup2, FD_FILE, -1, EBADF),
    R2("dup2:new-huge", SYS_dup2, FD_FILE, FD_HUGE, EBADF),
    FD_ROWS("close", SYS_close, 0, 0),
    /* sbrk, sleep */
    R1("sbrk:huge", SYS_sbrk, 1l << 40, ENOMEM),
    R1("sbrk:long-min", SYS_sbrk, LONG_MIN, ENOMEM),
    R1("sbrk:below-start", SYS_sbrk, -(1l << 40), ENOMEM),
    R1("sleep:negative", SYS_sleep, -1, EINVAL),
    /* open */
    PATH_ROWS("open", SYS_open, O_RDONLY, 0),
    R3("open:missing", SYS_open, S_MISSING, O_RDONLY, 0, ENOENT),
    R3("open:creat-missing-parent", SYS_open, S_MISSING_PARENT, O_CREAT | O_RDWR, 0666, ENOENT),
    R3("open:creat-through-file", SYS_open, S_THROUGH_FILE, O_CREAT | O_RDWR, 0666, ENOTDIR),
    R3("open:directory-write", SYS_open, S_DIR, O_WRONLY, 0, EISDIR),
    R3("open:directory-creat", SYS_open, S_DIR, O_CREAT | O_RDONLY, 0666, EISDIR),
    R3("open:file-as-directory", SYS_open, S_FILE, O_RDONLY | O_DIRECTORY, 0, ENOTDIR),
    R3("open:exclusive-exists", SYS_open, S_FILE, O_CREAT | O_EXCL | O_RDWR, 0666, EEXIST),
    R3("open:exclusive-dot", SYS_open, S_DOT, O_CREAT | O_EXCL | O_RDWR, 0666, EEXIST),
    R3("open:file-slash", SYS_open, S_FILE_SLASH, O_RDONLY, 0, ENOTDIR),
    R3("open:creat-trailing-slash", SYS_open, S_NEW_SLASH, O_CREAT | O_RDWR, 0666, EISDIR),
    R3("open:device-without-driver", SYS_open, S_NODE, O_RDWR, 0, ENXIO),
    C3("open:creat-directory-flag", SYS_open, S_NEW, O_CREAT | O_DIRECTORY | O_RDWR, 0666,
       create_directory_flag_leaves_no_file),
    /* mknod */
    PATH_ROWS("mknod", SYS_mknod, 1, 0),
    R3("mknod:exists", SYS_mknod, S_FILE, 1, 0, EEXIST),
    R3("mknod:dot", SYS_mknod, S_DOT, 1, 0, EEXIST),
    /* unlink */
    PATH_ROWS("unlink", SYS_unlink, 0, 0),
    R1("unlink:missing", SYS_unlink, S_MISSING, ENOENT),
    R1("unlink:directory", SYS_unlink, S_DIR, EISDIR),
    R1("unlink:dot", SYS_unlink, S_DOT, EISDIR),
    R1("unlink:root", SYS_unlink, S_ROOT, EISDIR),
    R1("unlink:file-slash", SYS_unlink, S_FILE_SLASH, ENOTDIR),
    R1("unlink:file-dot", SYS_unlink, S_FILE_DOT, ENOTDIR),
    R1("unlink:file-dotdot", SYS_unlink, S_FILE_DOTDOT, ENOTDIR),
    /* link */
    PATH_ROWS("link", SYS_link, S_NEW, 0),
    R2("link:new-null", SYS_link, S_FILE, P_NULL, EFAULT),
    R2("link:new-kernel", SYS_link, S_FILE, P_KERNEL, EFAULT),
    R2("link:new-empty", SYS_link, S_FILE, S_EMPTY, ENOENT),
    R2("link:new-too-long", SYS_link, S_FILE, S_LONG, ENAMETOOLONG),
    R2("link:missing", SYS_link, S_MISSING, S_NEW, ENOENT),
    R2("link:new-exists", SYS_link, S_FILE, S_DIR, EEXIST),
    R2("link:new-through-file", SYS_link, S_FILE, S_THROUGH_FILE, ENOTDIR),
    R2("link:new-trailing-slash", SYS_link, S_FILE, S_NEW_SLASH, ENOENT),
    R2("link:file-slash", SYS_link, S_FILE_SLASH, S_NEW, ENOTDIR),
    R2("link:file-dot", SYS_link, S_FILE_DOT, S_NEW, ENOTDIR),
    /* mkdir */
    PATH_ROWS("mkdir", SYS_mkdir, 0777, 0),
    R2("mkdir:exists", SYS_mkdir, S_FILE, 0777, EEXIST),
    R2("mkdir:dot", SYS_mkdir, S_DOT, 0777, EEXIST),
    R2("mkdir:root", SYS_mkdir, S_ROOT, 0777, EEXIST),
    R2("mkdir:file-dot", SYS_mkdir, S_FILE_DOT, 0777, ENOTDIR),
    R2("mkdir:file-dotdot", SYS_mkdir, S_FILE_DOTDOT, 0777, ENOTDIR),
    R2("mkdir:trailing-slash", SYS_mkdir, S_NEW_SLASH, 0777, OK),
    /* rmdir */
    PATH_ROWS("rmdir", SYS_rmdir, 0, 0),
    R1("rmdir:missing", SYS_rmdir, S_MISSING, ENOENT),
    R1("rmdir:file", SYS_rmdir, S_FILE, ENOTDIR),
    R1("rmdir:dot", SYS_rmdir, S_DOT, EINVAL),
    R1("rmdir:dir-dot", SYS_rmdir, S_DIR_DOT, EINVAL),
    R1("rmdir:dotdot", SYS_rmdir, S_DOTDOT, ENOTEMPTY),
    R1("rmdir:root", SYS_rmdir, S_ROOT, EBUSY),
    R1("rmdir:not-empty", SYS_rmdir, S_FULL, ENOTEMPTY),
    R1("rmdir:file-dot", SYS_rmdir, S_FILE_DOT, ENOTDIR),
    R1("rmdir:file-dotdot", SYS_rmdir, S_FILE_DOTDOT, ENOTDIR),
    R1("rmdir:file-slash", SYS_rmdir, S_FILE_SLASH, ENOTDIR),
    R1("rmdir:trailing-slash", SYS_rmdir, S_DIR_SLASH, OK),
    /* pread, pwrite (the offset is the fourth argument), readv, writev */
    R("pread:offset-negative", SYS_pread, FD_FILE, P_BUF, 10, -1, 0, 0, EINVAL),
    R("pread:fd-closed", SYS_pread, FD_CLOSED, P_BUF, 10, 0, 0, 0, EBADF),
    R("pread:write-only", SYS_pread, FD_WRONLY, P_BUF, 10, 0, 0, 0, EBADF),
    R("pread:pipe", SYS_pread, FD_PIPE_R, P_BUF, 10, 0, 0, 0, ESPIPE),
    R("pread:console", SYS_pread, FD_CONSOLE, P_BUF, 10, 0, 0, 0, ESPIPE),
    R("pread:directory", SYS_pread, FD_DIR, P_BUF, 10, 0, 0, 0, EISDIR),
    R("pread:buf-kernel", SYS_pread, FD_FILE, P_KERNEL, 10, 0, 0, 0, EFAULT),
    R("pread:buf-prot-none", SYS_pread, FD_FILE, P_PROTNONE, 10, 0, 0, 0, EFAULT),
    R("pwrite:offset-negative", SYS_pwrite, FD_FILE, P_BUF, 10, -1, 0, 0, EINVAL),
    R("pwrite:read-only-fd", SYS_pwrite, FD_RDONLY, P_BUF, 10, 0, 0, 0, EBADF),
    R("pwrite:pipe", SYS_pwrite, FD_PIPE_W, P_BUF, 10, 0, 0, 0, ESPIPE),
    R("pwrite:console", SYS_pwrite, FD_CONSOLE, P_BUF, 10, 0, 0, 0, ESPIPE),
    R("pwrite:buf-null", SYS_pwrite, FD_FILE, P_NULL, 10, 0, 0, 0, EFAULT),
    R("pwrite:buf-unmapped", SYS_pwrite, FD_FILE, P_UNMAPPED, 10, 0, 0, 0, EFAULT),
    R3("readv:fd-closed", SYS_readv, FD_CLOSED, P_BUF, 1, EBADF),
    R3("readv:write-only", SYS_readv, FD_WRONLY, P_BUF, 1, EBADF),
    R3("readv:count-negative", SYS_readv, FD_FILE, P_BUF, -1, EINVAL),
    R3("readv:count-huge", SYS_readv, FD_FILE, P_BUF, 1025, EINVAL),
    R3("readv:iov-null", SYS_readv, FD_FILE, P_NULL, 1, EFAULT),
    R3("readv:iov-kernel", SYS_readv, FD_FILE, P_KERNEL, 1, EFAULT),
    R3("readv:iov-unmapped", SYS_readv, FD_FILE, P_UNMAPPED, 1, EFAULT),
    R3("writev:read-only-fd", SYS_writev, FD_RDONLY, P_BUF, 1, EBADF),
    R3("writev:count-negative", SYS_writev, FD_FILE, P_BUF, -1, EINVAL),
    R3("writev:iov-prot-none", SYS_writev, FD_FILE, P_PROTNONE, 1, EFAULT),
    /* lseek */
    FD_ROWS("lseek", SYS_lseek, 0, SEEK_SET),
    R3("lseek:pipe", SYS_lseek, FD_PIPE_R, 0, SEEK_SET, ESPIPE),
    R3("lseek:console", SYS_lseek, FD_CONSOLE, 0, SEEK_SET, ESPIPE),
    R3("lseek:negative", SYS_lseek, FD_FILE, -1, SEEK_SET, EINVAL),
    R3("lseek:before-start", SYS_lseek, FD_FILE, -1000, SEEK_END, EINVAL),
    R3("lseek:whence-invalid", SYS_lseek, FD_FILE, 0, 100, EINVAL),
    /* ftruncate, fsync */
    FD_ROWS("ftruncate", SYS_ftruncate, 0, 0),
    R2("ftruncate:negative", SYS_ftruncate, FD_FILE, -1, EINVAL),
    R2("ftruncate:read-only-fd", SYS_ftruncate, FD_RDONLY, 0, EINVAL),
    R2("ftruncate:directory", SYS_ftruncate, FD_DIR, 0, EINVAL),
    R2("ftruncate:pipe", SYS_ftruncate, FD_PIPE_W, 0, EINVAL),
    R2("ftruncate:huge", SYS_ftruncate, FD_FILE, 1l << 62, EFBIG),
    FD_ROWS("fsync", SYS_fsync, 0, 0),
    R1("fsync:pipe", SYS_fsync, FD_PIPE_W, EINVAL),
    R1("fsync:console", SYS_fsync, FD_CONSOLE, EINVAL),
    FD_ROWS("fdatasync", SYS_fdatasync, 0, 0),
    R1("fdatasync:pipe", SYS_fdatasync, FD_PIPE_W, EINVAL),
    R1("fdatasync:console", SYS_fdatasync, FD_CONSOLE, EINVAL),
    /* stat */
    PATH_ROWS("stat", SYS_stat, P_BUF, 0),
    R2("stat:missing", SYS_stat, S_MISSING, P_BUF, ENOENT),
    R2("stat:file-slash", SYS_stat, S_FILE_SLASH, P_BUF, ENOTDIR),
    R2("stat:file-dot", SYS_stat, S_FILE_DOT, P_BUF, ENOTDIR),
    R2("stat:out-null", SYS_stat, S_FILE, P_NULL, EFAULT),
    R2("stat:out-kernel", SYS_stat, S_FILE, P_KERNEL, EFAULT),
    R2("stat:out-read-only", SYS_stat, S_FILE, P_RO, EFAULT),
    R2("stat:out-straddle", SYS_stat, S_FILE, P_STRADDLE, EFAULT),
    /* mmap */
    R("mmap:length-zero", SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, EINVAL),
    R("mmap:no-type", SYS_mmap, 0, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0, EINVAL),
    R("mmap:offset-unaligned", SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, FD_FILE, 1, EINVAL),
    R("mmap:fixed-unaligned", SYS_mmap, 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0, EINVAL),
    R("mmap:length-huge", SYS_mmap, 0, -PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, ENOMEM),
    R("mmap:offset-negative", SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, FD_FILE, -PAGE, EOVERFLOW),
    R("mmap:fd-negative", SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, FD_NEG, 0, EBADF),
    R("mmap:fd-closed", SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, FD_CLOSED, 0, EBADF),
    R("mmap:directory", SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, FD_DIR, 0, ENODEV),
    R("mmap:pipe", SYS_mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, FD_PIPE_R, 0, ENODEV),
    R("mmap:write-only-fd", SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, FD_WRONLY, 0, EACCES),
    R("mmap:shared-write-read-only-fd", SYS_mmap, 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, FD_RDONLY, 0,
      EACCES),
    R("mmap:fixed-noreplace-taken", SYS_mmap, M_MAPPED, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | 0x100000, -1,
      0, EEXIST),
    R("mmap:fixed-kernel", SYS_mmap, P_KERNEL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0,
      ENOMEM),
    /* munmap, mprotect, msync, madvise */
    R2("munmap:unaligned", SYS_munmap, M_UNALIGNED, PAGE, EINVAL),
    R2("munmap:length-zero", SYS_munmap, M_MAPPED, 0, EINVAL),
    R2("munmap:kernel", SYS_munmap, P_KERNEL, PAGE, EINVAL),
    R2("munmap:noncanonical", SYS_munmap, P_NONCANON, PAGE, EINVAL),
    R2("munmap:wraps", SYS_munmap, M_MAPPED, -PAGE, EINVAL),
    R3("mprotect:unaligned", SYS_mprotect, M_UNALIGNED, PAGE, PROT_READ, EINVAL),
    R3("mprotect:unmapped", SYS_mprotect, P_UNMAPPED, PAGE, PROT_READ, ENOMEM),
    R3("mprotect:kernel", SYS_mprotect, P_KERNEL, PAGE, PROT_READ, ENOMEM),
    R3("mprotect:prot-invalid", SYS_mprotect, M_MAPPED, PAGE, 0x100, EINVAL),
    R3("mprotect:write-read-only-shared-file", SYS_mprotect, M_RO_FILE, PAGE, PROT_READ | PROT_WRITE, EACCES),
    R3("msync:unaligned", SYS_msync, M_UNALIGNED, PAGE, MS_SYNC, EINVAL),
    R3("msync:flags-invalid", SYS_msync, M_MAPPED, PAGE, 0x100, EINVAL),
    R3("msync:sync-and-async", SYS_msync, M_MAPPED, PAGE, MS_SYNC | MS_ASYNC, EINVAL),
    R3("msync:unmapped", SYS_msync, P_UNMAPPED, PAGE, MS_SYNC, ENOMEM),
    R3("madvise:unaligned", SYS_madvise, M_UNALIGNED, PAGE, MADV_NORMAL, EINVAL),
    R3("madvise:advice-invalid", SYS_madvise, M_MAPPED, PAGE, 100, EINVAL),
    R3("madvise:unmapped", SYS_madvise, P_UNMAPPED, PAGE, MADV_WILLNEED, ENOMEM),
    /* getdents */
    FD_ROWS("getdents", SYS_getdents, P_BUF, 4096),
    R3("getdents:file", SYS_getdents, FD_FILE, P_BUF, 4096, ENOTDIR),
    R3("getdents:buf-null", SYS_getdents, FD_DIR, P_NULL, 4096, EFAULT),
    R3("getdents:buf-kernel", SYS_getdents, FD_DIR, P_KERNEL, 4096, EFAULT),
    R3("getdents:buf-read-only", SYS_getdents, FD_DIR, P_RO, 4096, EFAULT),
    R3("getdents:len-zero", SYS_getdents, FD_DIR, P_BUF, 0, EINVAL),
    R3("getdents:len-too-small", SYS_getdents, FD_DIR, P_BUF, 1, EINVAL),
    C3("getdents:record-length", SYS_getdents, FD_DIR, P_BUF, 4096, records_are_whole),
    /* vmstat, procmaps, fadvise */
    R1("vmstat:null", SYS_vmstat, P_NULL, EFAULT),
    R1("vmstat:kernel", SYS_vmstat, P_KERNEL, EFAULT),
    R1("vmstat:read-only", SYS_vmstat, P_RO, EFAULT),
    R1("vmstat:straddle", SYS_vmstat, P_STRADDLE, EFAULT),
    R3("procmaps:no-such-process", SYS_procmaps, 99999, P_BUF, 1, ESRCH),
    R3("procmaps:count-negative", SYS_procmaps, PID_SELF, P_BUF, -1, EINVAL),
    R3("procmaps:buf-kernel", SYS_procmaps, PID_SELF, P_KERNEL, 1, EFAULT),
    R3("procmaps:buf-read-only", SYS_procmaps, PID_SELF, P_RO, 1, EFAULT),
    R("fadvise:fd-negative", SYS_fadvise, FD_NEG, 0, 0, 0, 0, 0, EBADF),
    R("fadvise:fd-closed", SYS_fadvise, FD_CLOSED, 0, 0, 0, 0, 0, EBADF),
    R("fadvise:pipe", SYS_fadvise, FD_PIPE_R, 0, 0, 0, 0, 0, ESPIPE),
    R("fadvise:advice-invalid", SYS_fadvise, FD_FILE, 0, 0, 100, 0, 0, EINVAL),
    R("fadvise:length-negative", SYS_fadvise, FD_FILE, 0, -1, 0, 0, 0, EINVAL),
    /* The signal calls (docs/signals.md); sigsetsize is the fourth argument, 8. */
    R("rt_sigaction:signal-zero", SYS_rt_sigaction, 0, 0, 0, 8, 0, 0, EINVAL),
    R("rt_sigaction:signal-huge", SYS_rt_sigaction, 32, 0, 0, 8, 0, 0, EINVAL),
    R("rt_sigaction:signal-negative", SYS_rt_sigaction, -1, 0, 0, 8, 0, 0, EINVAL),
    R("rt_sigaction:sigkill", SYS_rt_sigaction, SIGKILL, P_BUF, 0, 8, 0, 0, EINVAL),
    R("rt_sigaction:sigstop", SYS_rt_sigaction, SIGSTOP, P_BUF, 0, 8, 0, 0, EINVAL),
    R("rt_sigaction:setsize", SYS_rt_sigaction, SIGUSR1, 0, 0, 16, 0, 0, EINVAL),
    R("rt_sigaction:act-kernel", SYS_rt_sigaction, SIGUSR1, P_KERNEL, 0, 8, 0, 0, EFAULT),
    R("rt_sigaction:act-unmapped", SYS_rt_sigaction, SIGUSR1, P_UNMAPPED, 0, 8, 0, 0, EFAULT),
    R("rt_sigaction:act-straddle", SYS_rt_sigaction, SIGUSR1, P_STRADDLE, 0, 8, 0, 0, EFAULT),
    R("rt_sigaction:old-kernel", SYS_rt_sigaction, SIGUSR1, 0, P_KERNEL, 8, 0, 0, EFAULT),
    R("rt_sigaction:old-read-only", SYS_rt_sigaction, SIGUSR1, 0, P_RO, 8, 0, 0, EFAULT),
    R("rt_sigprocmask:how-invalid", SYS_rt_sigprocmask, 3, P_BUF, 0, 8, 0, 0, EINVAL),
    R("rt_sigprocmask:setsize", SYS_rt_sigprocmask, SIG_BLOCK, 0, 0, 4, 0, 0, EINVAL),
    R("rt_sigprocmask:set-kernel", SYS_rt_sigprocmask, SIG_BLOCK, P_KERNEL, 0, 8, 0, 0, EFAULT),
    R("rt_sigprocmask:set-noncanonical", SYS_rt_sigprocmask, SIG_BLOCK, P_NONCANON, 0, 8, 0, 0, EFAULT),
    R("rt_sigprocmask:old-read-only", SYS_rt_sigprocmask, SIG_BLOCK, 0, P_RO, 8, 0, 0, EFAULT),
    R("rt_sigpending:setsize", SYS_rt_sigpending, P_BUF, 0, 0, 0, 0, 0, EINVAL),
    R("rt_sigpending:null", SYS_rt_sigpending, P_NULL, 8, 0, 0, 0, 0, EFAULT),
    R("rt_sigpending:kernel", SYS_rt_sigpending, P_KERNEL, 8, 0, 0, 0, 0, EFAULT),
    R("rt_sigpending:read-only", SYS_rt_sigpending, P_RO, 8, 0, 0, 0, 0, EFAULT),
    /* Process groups (docs/signals.md), and ioctl, which only the console answers. */
    R2("kill:group-missing", SYS_kill, -99999, SIGTERM, ESRCH),
    R2("kill:pid-int-min", SYS_kill, INT_MIN, 0, ESRCH),
    R2("setpgid:pgid-negative", SYS_setpgid, 0, -1, EINVAL),
    R2("setpgid:no-such-process", SYS_setpgid, 99999, 0, ESRCH),
    R2("setpgid:pid-negative", SYS_setpgid, -1, 0, ESRCH),
    R2("setpgid:not-a-child", SYS_setpgid, 1, 0, ESRCH),
    R2("setpgid:group-missing", SYS_setpgid, 0, 99999, EPERM),
    R1("getpgid:no-such-process", SYS_getpgid, 99999, ESRCH),
    R1("getpgid:pid-negative", SYS_getpgid, -1, ESRCH),
    R1("getsid:no-such-process", SYS_getsid, 99999, ESRCH),
    R3("ioctl:fd-negative", SYS_ioctl, FD_NEG, TIOCGPGRP, P_BUF, EBADF),
    R3("ioctl:fd-closed", SYS_ioctl, FD_CLOSED, TIOCGPGRP, P_BUF, EBADF),
    R3("ioctl:pipe", SYS_ioctl, FD_PIPE_R, TIOCGPGRP, P_BUF, ENOTTY),
    R3("ioctl:file", SYS_ioctl, FD_FILE, TIOCGPGRP, P_BUF, ENOTTY),
    R3("ioctl:console-request-invalid", SYS_ioctl, FD_CONSOLE, 0x5401, P_BUF, ENOTTY),
    R3("ioctl:console-out-null", SYS_ioctl, FD_CONSOLE, TIOCGPGRP, P_NULL, EFAULT),
    R3("ioctl:console-out-kernel", SYS_ioctl, FD_CONSOLE, TIOCGPGRP, P_KERNEL, EFAULT),
    R3("ioctl:console-out-read-only", SYS_ioctl, FD_CONSOLE, TIOCGPGRP, P_RO, EFAULT),
    R3("ioctl:console-in-unmapped", SYS_ioctl, FD_CONSOLE, TIOCSPGRP, P_UNMAPPED, EFAULT),
    R2("rt_sigsuspend:setsize", SYS_rt_sigsuspend, P_BUF, 4, EINVAL),
    R2("rt_sigsuspend:null", SYS_rt_sigsuspend, P_NULL, 8, EFAULT),
    R2("rt_sigsuspend:kernel", SYS_rt_sigsuspend, P_KERNEL, 8, EFAULT),
    R2("sigaltstack:ss-kernel", SYS_sigaltstack, P_KERNEL, 0, EFAULT),
    R2("sigaltstack:ss-unmapped", SYS_sigaltstack, P_UNMAPPED, 0, EFAULT),
    R2("sigaltstack:old-read-only", SYS_sigaltstack, 0, P_RO, EFAULT),
    R2("kill-129:no-such-process", SYS_linux_kill, 99999, SIGTERM, ESRCH),
    R2("kill-129:signal-invalid", SYS_linux_kill, PID_SELF, 64, EINVAL),
    R2("kill-129:init", SYS_linux_kill, 1, SIGTERM, EPERM),
    R3("tgkill:tgid-zero", SYS_tgkill, 0, PID_SELF, 0, EINVAL),
    R3("tgkill:other-thread", SYS_tgkill, PID_SELF, 99999, 0, ESRCH),
    R3("tgkill:signal-invalid", SYS_tgkill, PID_SELF, PID_SELF, 32, EINVAL),
    R3("tgkill:init", SYS_tgkill, 1, 1, SIGTERM, EPERM),
    R2("getitimer:which-invalid", SYS_getitimer, 1, P_BUF, EINVAL),
    R2("getitimer:kernel", SYS_getitimer, 0, P_KERNEL, EFAULT),
    R2("getitimer:read-only", SYS_getitimer, 0, P_RO, EFAULT),
    R3("setitimer:which-invalid", SYS_setitimer, 2, P_BUF, 0, EINVAL),
    R3("setitimer:value-kernel", SYS_setitimer, 0, P_KERNEL, 0, EFAULT),
    R3("setitimer:value-straddle", SYS_setitimer, 0, P_STRADDLE, 0, EFAULT),
    /* Last, because until the file system refuses them they take the kernel down. */
    R2("link:directory", SYS_link, S_DIR, S_NEW, EPERM),
    R2("link:dot", SYS_link, S_DOT, S_NEW, EPERM),
    R2("link:dotdot", SYS_link, S_DOTDOT, S_NEW, EPERM),
    R2("link:root", SYS_link, S_ROOT, S_ROOT_NEW, EPERM),
    R2("link:directory-into-itself", SYS_link, S_DIR, S_DIR_NEW, EPERM),
};

/* ---- The runner ---- */

/* The call with the row's arguments as they are (syscall() checks and changes none), and
 * the kernel's answer: the result, or the negated errno. */
static long raw_call(long number, const long* args)
{
    long result = syscall(number, args[0], args[1], args[2], args[3], args[4], args[5]);
    return result == -1 ? -errno : result;
}

/* Runs one row in the calling process (a child); returns 0 if it passed, else 1 with why. */
static int run_row(int index, char* why, size_t size)
{
    const struct Row* row = &kRows[index];
    if (build_fixture(index) != 0) {
        snprintf(why, size, "cannot build the fixture (errno %d)", errno);
        return 1;
    }
    long args[6];
    for (int i = 0; i < 6; i++)
        args[i] = resolve(row->args[i]);
    if (row->check == efault_leaves_pipe_bytes && write(fx.fd[T_FD_PIPE_W], "hello", 5) != 5) {
        snprintf(why, size, "cannot fill the pipe");
        return 1;
    }
    *(int*)fx.buffer = 0x5a5a5a5a;
    int free_before = lowest_free_fd();
    long result = raw_call(row->number, args);
    if (row->expect == CUSTOM)
        return row->check(result, why, size);
    if (row->expect == OK) {
        if (result >= 0 || result < -4095)
            return 0;
        snprintf(why, size, "got errno %ld, expected success", -result);
        return 1;
    }
    if (result != -row->expect) {
        snprintf(why, size, "got %ld%s, expected errno %ld (%s)", result < 0 && result >= -4095 ? -result : result,
                 result < 0 && result >= -4095 ? " (an errno)" : "", row->expect, strerror((int)row->expect));
        return 1;
    }
    if (lowest_free_fd() != free_before) {
        snprintf(why, size, "the failed call left a descriptor behind");
        return 1;
    }
    return 0;
}

int main(int argc, char** argv)
{
    int passed = 0, failed = 0;
    int count = (int)(sizeof(kRows) / sizeof(kRows[0]));
    for (int index = 0; index < count; index++) {
        const char* name = kRows[index].name;
        int selected = argc < 2;
        for (int i = 1; i < argc; i++)
            selected |= strstr(name, argv[i]) != NULL;
        if (!selected)
            continue;
        int channel[2];
        if (pipe(channel) != 0)
            return 1;
        int pid = fork();
        if (pid == 0) {
            char why[200] = "";
            int status = run_row(index, why, sizeof(why));
            if (fx.child > 0)
                kill(fx.child, SIGKILL);
            write(channel[1], why, strlen(why));
            _exit(status);
        }
        close(channel[1]);
        char why[200];
        long length = read(channel[0], why, sizeof(why) - 1);
        why[length > 0 ? length : 0] = 0;
        close(channel[0]);
        int status = 0;
        /* The child's own children (T_CHILD) are handed on when it exits; reap them too. */
        waitpid(pid, &status, 0);
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            printf("PASS %s\n", name);
            passed++;
        } else {
            if (!WIFEXITED(status))
                snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(status));
            printf("FAIL %s: %s\n", name, why);
            failed++;
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
