/* bad_input_fixture.c: the fixture of the table of bad inputs (bad_input_test.c): the
 * files, descriptors and memory of every bad shape that a row's arguments name, built in
 * the row's own child, and the resolution of tokens into them. */
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

struct Fixture fx;


static unsigned char* island(size_t pages, int prot)
{
    unsigned char* base = mmap(NULL, (pages + 2) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    munmap(base, PAGE);
    munmap(base + (pages + 1) * PAGE, PAGE);
    mprotect(base + PAGE, pages * PAGE, prot);
    return base + PAGE;
}

static int make(const char* name, int size)
{
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0666);
    char bytes[100];
    memset(bytes, 'x', sizeof(bytes));
    if (fd >= 0 && size > 0)
        write(fd, bytes, size);
    return fd;
}

int build_fixture(int index)
{
    char directory[64];
    mkdir("/bi", 0777);
    snprintf(directory, sizeof(directory), "/bi/%d", index);
    if (mkdir(directory, 0777) != 0 || chdir(directory) != 0)
        return -1;
    close(make("file", 100));
    mkdir("dir", 0777);
    fx.fd[T_FD_FILE] = open("file", O_RDWR);
    fx.fd[T_FD_RDONLY] = open("file", O_RDONLY);
    fx.fd[T_FD_WRONLY] = open("file", O_WRONLY);
    fx.fd[T_FD_DIR] = open("dir", O_RDONLY);
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fx.fd[T_FD_PIPE_R] = fds[0];
    fx.fd[T_FD_PIPE_W] = fds[1];
    if (pipe(fds) != 0)
        return -1;
    close(fds[0]);
    fx.fd[T_FD_PIPE_W_ALONE] = fds[1];
    fx.fd[T_FD_CLOSED] = 40;
    fx.rw_end = island(1, PROT_READ | PROT_WRITE);
    fx.none = island(1, PROT_NONE);
    fx.ro = island(1, PROT_READ);
    fx.buffer = island(4, PROT_READ | PROT_WRITE);
    fx.mapped = island(1, PROT_READ | PROT_WRITE);
    unsigned char* eof_place = island(2, PROT_NONE);
    fx.eof_map = mmap(eof_place, 2 * PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fx.fd[T_FD_RDONLY], 0);
    /* At a place of its own: a one-page mapping placed anywhere could fill the unmapped
       page after rw_end. */
    fx.ro_file_map = mmap(island(1, PROT_NONE), PAGE, PROT_READ, MAP_SHARED | MAP_FIXED, fx.fd[T_FD_RDONLY], 0);
    fx.long_path = malloc(4200);
    fx.component = malloc(300);
    fx.huge_arg = mmap(NULL, 256 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!fx.rw_end || !fx.none || !fx.ro || !fx.buffer || !fx.mapped || fx.eof_map == MAP_FAILED ||
        fx.ro_file_map == MAP_FAILED || !fx.long_path || !fx.component || fx.huge_arg == MAP_FAILED)
        return -1;
    for (int i = 0; i < 4100; i++)
        fx.long_path[i] = i % 8 == 7 ? '/' : 'a';
    fx.long_path[4100] = 0;
    memset(fx.component, 'c', 256);
    fx.component[256] = 0;
    memset(fx.huge_arg, 'h', 256 * 1024 - 1);
    fx.huge_arg[256 * 1024 - 1] = 0;
    fx.argv_valid[0] = "prog";
    fx.argv_valid[1] = NULL;
    fx.argv_kstring[0] = "prog";
    fx.argv_kstring[1] = (char*)P_KERNEL;
    fx.argv_kstring[2] = NULL;
    memset(fx.rw_end + PAGE - 64, 'u', 64);
    return 0;
}

long resolve(long arg)
{
    if ((arg & ~0xffffl) != TOK(0))
        return arg;
    int token = (int)(arg & 0xffff);
    if (token >= T_PATH) {
        /* The fixture's rarer files, made only for the rows that name them. */
        if (arg == S_TEXT)
            close(make("text", 100));
        else if (arg == S_FULL && mkdir("full", 0777) == 0)
            close(make("full/inner", 1));
        else if (arg == S_NODE)
            mknod("node", S_IFCHR | 0666, (7 << 8) | 7);
        return (long)kPaths[token - T_PATH];
    }
    if (token <= T_FD_CLOSED)
        return fx.fd[token];
    switch (token) {
    case T_UNMAPPED: return (long)(fx.rw_end + PAGE);
    case T_PROTNONE: return (long)fx.none;
    case T_RO: return (long)fx.ro;
    case T_STRADDLE: return (long)(fx.rw_end + PAGE - 4);
    case T_EOF: return (long)(fx.eof_map + PAGE);
    case T_UNTERM: return (long)(fx.rw_end + PAGE - 64);
    case T_BUF: return (long)fx.buffer;
    case T_MAPPED: return (long)fx.mapped;
    case T_MAPPED_PLUS_1: return (long)fx.mapped + 1;
    case T_MAPPED_RO_FILE: return (long)fx.ro_file_map;
    case T_LONGPATH: return (long)fx.long_path;
    case T_COMP256: return (long)fx.component;
    case T_ARGV_VALID: return (long)fx.argv_valid;
    case T_ARGV_KSTRING: return (long)fx.argv_kstring;
    case T_ARGV_UNTERM: {
        char** end = (char**)(fx.rw_end + PAGE);
        for (int i = 1; i <= 8; i++)
            end[-i] = "v";
        return (long)(end - 8);
    }
    case T_ARGV_HUGE: {
        static char* argv[3];
        argv[0] = "prog";
        argv[1] = fx.huge_arg;
        return (long)argv;
    }
    case T_CHILD:
        if (!fx.child && (fx.child = fork()) == 0) {
            sleep(5);
            _exit(0);
        }
        return fx.child;
    case T_ZOMBIE:
        if (!fx.zombie && (fx.zombie = fork()) == 0)
            _exit(3);
        usleep(50000);
        return fx.zombie;
    case T_DOTDOT_FROM_REMOVED:
        /* The working directory is removed under the caller; ".." still leads out. */
        mkdir("gone", 0777);
        chdir("gone");
        rmdir("../gone");
        return (long)"..";
    case T_SELF: return getpid();
    case T_BIGLEN: return 1l << 40;
    default: return arg;
    }
}

/* The lowest free descriptor, to see that a failed call left none behind. */
int lowest_free_fd(void)
{
    int fd = dup(0);
    if (fd >= 0)
        close(fd);
    return fd;
}
