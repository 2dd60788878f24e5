/* usertests, pipes and files: pipes, regular files, open's flags, directories and links,
 * and file descriptors. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "usertests.h"

/* --- pipes --- */

int pipe_carries_a_large_stream_intact(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    enum { kBytes = 200 * 1000 };
    int pid = fork();
    if (pid == 0) {
        close(fds[0]);
        char chunk[1000];
        for (int sent = 0; sent < kBytes; sent += sizeof(chunk)) {
            for (int i = 0; i < (int)sizeof(chunk); i++)
                chunk[i] = (char)((sent + i) * 7);
            if (write(fds[1], chunk, sizeof(chunk)) != sizeof(chunk))
                _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    char buffer[777];
    int received = 0, n;
    while ((n = read(fds[0], buffer, sizeof(buffer))) > 0) {
        for (int i = 0; i < n; i++)
            CHECK(buffer[i] == (char)((received + i) * 7));
        received += n;
    }
    snprintf(failure, sizeof(failure), "last read %d, received %d of %d", n, received, kBytes);
    if (n != 0 || received != kBytes)
        return 1;
    close(fds[0]);
    int status;
    CHECK(wait(&status) == pid && WEXITSTATUS(status) == 0);
    return 0;
}

int pipe_write_without_readers_is_epipe(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    close(fds[0]);
    CHECK(write(fds[1], "x", 1) == -1 && errno == EPIPE);
    close(fds[1]);
    CHECK(close(fds[1]) == -1 && errno == EBADF);
    return 0;
}

/* POSIX: a write of at most PIPE_BUF bytes goes into the pipe in one piece, never
   interleaved with another writer's. Two writers send records of 3000 bytes, each filled
   with the writer's own letter: after one record, the room left is less than the other's
   record, which must wait for all the room it needs instead of going in part now. */
int pipe_writes_of_at_most_pipe_buf_are_never_interleaved(void)
{
    enum { kRecord = 3000, kRecords = 300 };
    _Static_assert(kRecord <= PIPE_BUF, "a record must be at most PIPE_BUF bytes");
    int fds[2];
    CHECK(pipe(fds) == 0);
    for (int w = 0; w < 2; w++) {
        int pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            static char record[kRecord];
            memset(record, 'a' + w, sizeof(record));
            for (int i = 0; i < kRecords; i++)
                if (write(fds[1], record, sizeof(record)) != sizeof(record))
                    _exit(1);
            _exit(0);
        }
    }
    close(fds[1]);
    static char buffer[kRecord];
    int records = 0;
    for (;;) {
        int got = 0, n = 0;
        while (got < kRecord && (n = read(fds[0], buffer + got, kRecord - got)) > 0)
            got += n;
        if (got == 0)
            break;
        CHECK(got == kRecord);
        int mixed = 0;
        for (int i = 1; i < kRecord; i++)
            mixed += buffer[i] != buffer[0];
        snprintf(failure, sizeof(failure), "record %d: %d of its bytes are not '%c'", records, mixed, buffer[0]);
        if (mixed)
            return 1;
        records++;
    }
    failure[0] = 0;
    close(fds[0]);
    for (int w = 0; w < 2; w++) {
        int status;
        CHECK(wait(&status) > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CHECK(records == 2 * kRecords);
    return 0;
}

/* --- files --- */

int files_write_read_seek_and_stat(void)
{
    int fd = open("f1", O_CREAT | O_RDWR | O_TRUNC, 0666);
    CHECK(fd >= 0);
    CHECK(write(fd, "hello world", 11) == 11);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 11 && S_ISREG(st.st_mode));
    CHECK(lseek(fd, 6, SEEK_SET) == 6);
    char buffer[16] = {0};
    CHECK(read(fd, buffer, sizeof(buffer)) == 5 && memcmp(buffer, "world", 5) == 0);
    CHECK(read(fd, buffer, sizeof(buffer)) == 0);
    CHECK(lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL);
    CHECK(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5);
    CHECK(fsync(fd) == 0);
    close(fd);
    CHECK(stat("f1", &st) == 0 && st.st_size == 5);
    CHECK(unlink("f1") == 0);
    CHECK(stat("f1", &st) == -1 && errno == ENOENT);
    return 0;
}

int open_flags_behave_as_posix_says(void)
{
    int fd = open("f2", O_CREAT | O_EXCL | O_WRONLY, 0666);
    CHECK(fd >= 0);
    CHECK(write(fd, "abc", 3) == 3);
    close(fd);
    CHECK(open("f2", O_CREAT | O_EXCL | O_WRONLY, 0666) == -1 && errno == EEXIST);
    fd = open("f2", O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "def", 3) == 3);
    close(fd);
    struct stat st;
    CHECK(stat("f2", &st) == 0 && st.st_size == 6);
    fd = open("f2", O_WRONLY | O_TRUNC);
    CHECK(fd >= 0);
    CHECK(read(fd, &st, 1) == -1 && errno == EBADF);
    close(fd);
    CHECK(stat("f2", &st) == 0 && st.st_size == 0);
    CHECK(open("missing", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(open("/", O_WRONLY) == -1 && errno == EISDIR);
    CHECK(open("f2/x", O_RDONLY) == -1 && errno == ENOTDIR);
    char long_name[300];
    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    CHECK(open(long_name, O_CREAT | O_RDWR, 0666) == -1 && errno == ENAMETOOLONG);
    CHECK(unlink("f2") == 0);
    return 0;
}

int directories_links_and_chdir(void)
{
    CHECK(mkdir("dd", 0777) == 0);
    CHECK(mkdir("dd", 0777) == -1 && errno == EEXIST);
    int fd = open("dd/file", O_CREAT | O_WRONLY, 0666);
    CHECK(fd >= 0 && write(fd, "x", 1) == 1);
    close(fd);
    CHECK(link("dd/file", "dd/other") == 0);
    struct stat st;
    CHECK(stat("dd/other", &st) == 0 && st.st_nlink == 2);
    CHECK(rmdir("dd") == -1 && errno == ENOTEMPTY);
    CHECK(unlink("dd") == -1 && errno == EISDIR);
    CHECK(chdir("dd") == 0);
    CHECK(stat("other", &st) == 0 && st.st_size == 1);
    CHECK(chdir("other") == -1 && errno == ENOTDIR);
    CHECK(chdir("..") == 0);
    CHECK(unlink("dd/file") == 0 && unlink("dd/other") == 0);
    CHECK(rmdir("dd") == 0);
    CHECK(stat("dd", &st) == -1 && errno == ENOENT);
    return 0;
}

int unlinked_open_file_stays_readable(void)
{
    int fd = open("f3", O_CREAT | O_RDWR, 0666);
    CHECK(fd >= 0 && write(fd, "keep", 4) == 4);
    CHECK(unlink("f3") == 0);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    char buffer[4];
    CHECK(read(fd, buffer, 4) == 4 && memcmp(buffer, "keep", 4) == 0);
    close(fd);
    return 0;
}

int descriptors_run_out_with_emfile_and_dup_shares_offset(void)
{
    int fds[80], count = 0, already_open = 0;
    struct stat st;
    for (int fd = 0; fd < 64; fd++)
        already_open += fstat(fd, &st) == 0;
    for (;;) {
        int fd = open("/", O_RDONLY);
        if (fd < 0) {
            CHECK(errno == EMFILE);
            break;
        }
        fds[count++] = fd;
        CHECK(count < 80);
    }
    CHECK(count + already_open == 64);
    for (int i = 0; i < count; i++)
        close(fds[i]);
    int fd = open("f4", O_CREAT | O_RDWR | O_TRUNC, 0666);
    CHECK(fd >= 0);
    int copy = dup(fd);
    CHECK(copy > fd);
    CHECK(write(fd, "ab", 2) == 2 && write(copy, "cd", 2) == 2);
    CHECK(lseek(fd, 0, SEEK_CUR) == 4);
    CHECK(dup2(fd, 40) == 40);
    CHECK(dup2(fd, 64) == -1 && errno == EBADF);
    close(fd);
    close(copy);
    close(40);
    CHECK(close(40) == -1 && errno == EBADF);
    CHECK(unlink("f4") == 0);
    return 0;
}
