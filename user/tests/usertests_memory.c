/* usertests, memory: sbrk, bad pointers handed to system calls, bad accesses, running out
 * of memory, copy-on-write fork, and the registers a resolved page fault must keep. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdint.h>
#include <unistd.h>

#include "../../kernel/syscall/numbers.h"
#include "usertests.h"

#define KERNEL_ADDRESS ((void*)0xffffffc000000000ul)
#define NONCANONICAL_ADDRESS ((void*)0x0000800000000000ul)
#define UNMAPPED_USER_ADDRESS ((void*)0x10ul)
#define STACK_BOTTOM 0x3fff7f0000ul /* kUserStackTop - 8 MiB (kernel/mm/address_space.h) */

/* --- memory --- */

int sbrk_grows_lazily_and_shrink_frees(void)
{
    long before = free_frames();
    CHECK(before > 0);
    char* start = sbrk(4 << 20);
    CHECK(start != (char*)-1);
    long after_grow = free_frames();
    CHECK(before - after_grow < 16); /* Nothing is allocated until touched. */
    for (int i = 0; i < (4 << 20); i += 4096)
        start[i] = (char)i;
    long touched = free_frames();
    /* 1024 pages were touched: at least 1024 frames (page-table pages may come on top). */
    CHECK(after_grow - touched >= 1024);
    for (int i = 0; i < (4 << 20); i += 4096)
        CHECK(start[i] == (char)i);
    CHECK(sbrk(-(4 << 20)) != (char*)-1);
    long after_shrink = free_frames();
    CHECK(after_shrink - touched >= 1024);
    CHECK(sbrk(0) == start);
    return 0;
}

static void touch_after_shrink(void)
{
    char* start = sbrk(8192);
    start[0] = 1;
    sbrk(-8192);
    start[0] = 2; /* Freed: must be killed. */
    _exit(0);
}

int heap_access_after_shrink_kills(void)
{
    int status = status_of_child(touch_after_shrink);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    return 0;
}

int bad_pointers_give_efault(void)
{
    void* bad[] = {KERNEL_ADDRESS, NONCANONICAL_ADDRESS, UNMAPPED_USER_ADDRESS};
    int fd = open("f5", O_CREAT | O_RDWR | O_TRUNC, 0666);
    CHECK(fd >= 0 && write(fd, "data", 4) == 4);
    for (int i = 0; i < 3; i++) {
        void* p = bad[i];
        CHECK(lseek(fd, 0, SEEK_SET) == 0);
        CHECK(read(fd, p, 4) == -1 && errno == EFAULT);
        CHECK(write(fd, p, 4) == -1 && errno == EFAULT);
        CHECK(open(p, O_RDONLY) == -1 && errno == EFAULT);
        CHECK(pipe(p) == -1 && errno == EFAULT);
        CHECK(fstat(fd, p) == -1 && errno == EFAULT);
        CHECK(stat(p, (struct stat*)&fd) == -1 && errno == EFAULT);
        CHECK(stat("f5", p) == -1 && errno == EFAULT);
        CHECK(unlink(p) == -1 && errno == EFAULT);
        CHECK(link(p, "x") == -1 && errno == EFAULT);
        CHECK(link("f5", p) == -1 && errno == EFAULT);
        CHECK(mkdir(p, 0777) == -1 && errno == EFAULT);
        CHECK(rmdir(p) == -1 && errno == EFAULT);
        CHECK(chdir(p) == -1 && errno == EFAULT);
        CHECK(mknod(p, 0, 0) == -1 && errno == EFAULT);
        CHECK(execv(p, NULL) == -1 && errno == EFAULT);
        CHECK(execv("/bin/echo", p) == -1 && errno == EFAULT);
        char* argv[] = {"echo", p, NULL};
        CHECK(execv("/bin/echo", argv) == -1 && errno == EFAULT);
        CHECK(syscall(SYS_getdents, open("/", O_RDONLY), p, 1024) == -1 && errno == EFAULT);
        CHECK(syscall(SYS_vmstat, p) == -1 && errno == EFAULT);
        /* wait with a bad status pointer fails without losing the child. */
        int pid = fork();
        if (pid == 0)
            _exit(4);
        CHECK(waitpid(pid, p, 0) == -1 && errno == EFAULT);
        int status;
        CHECK(waitpid(pid, &status, 0) == pid && WEXITSTATUS(status) == 4);
    }
    for (int extra = 3; extra < 64; extra++)
        if (extra != fd)
            close(extra);
    close(fd);
    CHECK(unlink("f5") == 0);
    return 0;
}

static void read_kernel_memory(void)
{
    volatile char* p = KERNEL_ADDRESS;
    char c = *p;
    (void)c;
}

static void write_own_text(void)
{
    *(volatile int*)(void*)&write_own_text = 0;
}

static void write_below_stack_guard(void)
{
    *(volatile char*)(STACK_BOTTOM - 100) = 1;
}

/* Recurses until the stack runs into its guard page; the depth check only hides the
 * recursion from the compiler. */
static int recurse_deeply(int depth)
{
    volatile char frame[1024];
    frame[0] = (char)depth;
    if (depth < 1000000)
        return recurse_deeply(depth + 1) + frame[0];
    return 0;
}

static void recurse_forever(void)
{
    recurse_deeply(0);
}

int bad_accesses_kill_the_process_only(void)
{
    int status = status_of_child(read_kernel_memory);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    status = status_of_child(write_own_text);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    status = status_of_child(write_below_stack_guard);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    status = status_of_child(recurse_forever);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    return 0;
}

static void eat_all_memory(void)
{
    for (;;) {
        char* p = sbrk(1 << 20);
        if (p == (char*)-1)
            _exit(2); /* Refusing the heap is an acceptable answer too. */
        for (int i = 0; i < (1 << 20); i += 4096)
            p[i] = 1;
    }
}

int running_out_of_memory_kills_the_process_not_the_kernel(void)
{
    long before = free_frames();
    int status = status_of_child(eat_all_memory);
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) || (WIFEXITED(status) && WEXITSTATUS(status) == 2));
    long after = free_frames();
    CHECK(before - after < 64); /* The child's frames came back. */
    return 0;
}

/* --- copy-on-write --- */

static char cow_data[64 * 4096];

int fork_gives_each_side_its_own_writes(void)
{
    memset(cow_data, 'p', sizeof(cow_data));
    int fds[2];
    CHECK(pipe(fds) == 0);
    int pid = fork();
    if (pid == 0) {
        for (size_t i = 0; i < sizeof(cow_data); i += 4096)
            cow_data[i] = 'c';
        char go;
        read(fds[0], &go, 1); /* The parent has written its own bytes by now. */
        for (size_t i = 0; i < sizeof(cow_data); i += 4096)
            if (cow_data[i] != 'c' || cow_data[i + 1] != 'p')
                _exit(1);
        _exit(0);
    }
    for (size_t i = 1; i < sizeof(cow_data); i += 4096)
        cow_data[i + 1] = 'P';
    CHECK(write(fds[1], "g", 1) == 1);
    int status;
    CHECK(wait(&status) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    for (size_t i = 0; i < sizeof(cow_data); i += 4096)
        CHECK(cow_data[i] == 'p' && cow_data[i + 2] == 'P');
    return 0;
}

int fork_shares_frames_until_written(void)
{
    enum { kPages = 512 };
    char* heap = sbrk(kPages * 4096);
    CHECK(heap != (char*)-1);
    for (int i = 0; i < kPages; i++)
        heap[i * 4096] = (char)i;
    int fds[2];
    CHECK(pipe(fds) == 0);
    long before_fork = free_frames();
    int pid = fork();
    if (pid == 0) {
        long after_fork = free_frames();
        /* Page tables, a kernel stack and the few pages fork's return touches, not 512. */
        if (before_fork - after_fork > 64)
            _exit(10);
        for (int i = 0; i < kPages; i++)
            heap[i * 4096] = (char)(i + 1);
        long after_write = free_frames();
        if (after_fork - after_write < kPages - 8)
            _exit(11);
        _exit(0);
    }
    int status;
    CHECK(wait(&status) == pid);
    CHECK(WIFEXITED(status));
    snprintf(failure, sizeof(failure), "child exit %d", WEXITSTATUS(status));
    if (WEXITSTATUS(status) != 0)
        return 1;
    for (int i = 0; i < kPages; i++)
        CHECK(heap[i * 4096] == (char)i);
    CHECK(sbrk(-kPages * 4096) != (char*)-1);
    return 0;
}

/* Stores 1 at `address`, which must fault and be resolved, with s1-s11 holding known
 * values; returns how many of them differ afterwards. The user page-fault trap path saves
 * and restores only the registers C code may clobber (kernel/arch/riscv64/trap_entry.S):
 * this pins that the ones it skips come back unchanged, also after the fault slept. */
static int callee_saved_registers_changed_by_a_fault(volatile char* address)
{
    uint64_t in[11], out[11];
    for (int i = 0; i < 11; i++)
        in[i] = 0x0123456789abcdefull ^ ((uint64_t)(i + 1) << 56) ^ (uint64_t)i * 0x1111;
    __asm__ volatile("ld s1, 0(%[in])\n ld s2, 8(%[in])\n ld s3, 16(%[in])\n ld s4, 24(%[in])\n"
                     "ld s5, 32(%[in])\n ld s6, 40(%[in])\n ld s7, 48(%[in])\n ld s8, 56(%[in])\n"
                     "ld s9, 64(%[in])\n ld s10, 72(%[in])\n ld s11, 80(%[in])\n"
                     "li t0, 1\n sb t0, 0(%[address])\n"
                     "sd s1, 0(%[out])\n sd s2, 8(%[out])\n sd s3, 16(%[out])\n sd s4, 24(%[out])\n"
                     "sd s5, 32(%[out])\n sd s6, 40(%[out])\n sd s7, 48(%[out])\n sd s8, 56(%[out])\n"
                     "sd s9, 64(%[out])\n sd s10, 72(%[out])\n sd s11, 80(%[out])\n"
                     :
                     : [in] "r"(in), [out] "r"(out), [address] "r"(address)
                     : "t0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "memory");
    int changed = 0;
    for (int i = 0; i < 11; i++)
        changed += out[i] != in[i];
    return changed;
}

int resolved_page_faults_preserve_every_register(void)
{
    enum { kPage = 4096 };
    /* Zero fill. */
    volatile char* anon = mmap(NULL, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(anon != MAP_FAILED);
    CHECK(callee_saved_registers_changed_by_a_fault(anon) == 0);
    CHECK(anon[0] == 1);
    /* Copy-on-write: the second page, written before fork, is shared with a child. */
    anon[kPage] = 2;
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        char byte;
        read(pipe_fds[0], &byte, 1); /* Keeps the page shared until the parent has written. */
        _exit(anon[kPage] == 2 ? 0 : 1);
    }
    CHECK(callee_saved_registers_changed_by_a_fault(anon + kPage) == 0);
    CHECK(write(pipe_fds[1], "x", 1) == 1);
    int status;
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    /* A shared file page read from the disk: the fault sleeps, and other threads run. */
    int fd = open("/usertests_fault_regs", O_RDWR | O_CREAT | O_TRUNC);
    CHECK(fd >= 0);
    static char zeros[kPage];
    CHECK(write(fd, zeros, kPage) == kPage);
    CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
    volatile char* file = mmap(NULL, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(file != MAP_FAILED);
    CHECK(callee_saved_registers_changed_by_a_fault(file) == 0);
    CHECK(file[0] == 1);
    munmap((void*)file, kPage);
    close(fd);
    unlink("/usertests_fault_regs");
    munmap((void*)anon, 2 * kPage);
    return 0;
}
