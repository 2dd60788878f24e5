/* signal_frame_test: where handlers' frames go and what they may do (docs/signals.md):
 * forged rt_sigreturn frames, signal stacks that cannot be written, handlers that fault,
 * and the alternate signal stack (sigaltstack, SA_ONSTACK). Each test runs in a child of
 * its own (TEST_IN_CHILD); deaths that a test expects happen in a grandchild whose wait
 * status is checked.
 *
 *   signal_frame_test            run every test
 *   signal_frame_test NAME...    run the tests whose names contain one of the NAMEs
 *   signal_frame_test --altstack-probe   (used by the exec test) exits 0 if it has no
 *                                alternate stack */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "../../kernel/syscall/numbers.h"
#include "harness.h"
#include "signal_helpers.h"

/* --- sigreturn with forged frames --- */

static void user_mode_probe(void)
{
    /* Lands here from a forged frame. Reading sstatus traps in user mode (SIGILL, the
       expected death); in supervisor mode it would succeed and the exit below tells. */
    __asm__ volatile("csrr t0, sstatus" : : : "t0");
    _exit(99);
}

static unsigned long forged[1088 / 8 + 16] __attribute__((aligned(16)));

static void sigreturn_with_frame(void* frame)
{
    __asm__ volatile("mv sp, %0\nli a7, %1\necall\n" : : "r"(frame), "i"(SYS_rt_sigreturn) : "memory");
    _exit(98);
}

static void forge_privileged_frame(void)
{
    /* Every word set (privilege and interrupt bits wherever sstatus might be looked for),
       the pc at the probe, a usable stack. */
    memset(forged, 0xff, sizeof(forged));
    unsigned long* regs = forged + (128 + 176) / 8;
    static unsigned long stack[512] __attribute__((aligned(16)));
    regs[REG_PC] = (unsigned long)user_mode_probe;
    regs[REG_SP] = (unsigned long)(stack + 512);
    regs[3] = 0; /* gp: unused by the probe. */
    sigreturn_with_frame(forged);
}

static void forge_kernel_pc_frame(void)
{
    memset(forged, 0, sizeof(forged));
    forged[(128 + 176) / 8 + REG_PC] = KERNEL_ADDRESS + 0x1000;
    sigreturn_with_frame(forged);
}

static void sigreturn_with_an_unmapped_frame(void) { sigreturn_with_frame((void*)(KERNEL_ADDRESS - 0x10000000000ul)); }

static int a_forged_sigreturn_frame_cannot_leave_user_mode(void)
{
    CHECK(killed_by(status_of(forge_privileged_frame), SIGILL));
    CHECK(killed_by(status_of(forge_kernel_pc_frame), SIGSEGV));
    CHECK(killed_by(status_of(sigreturn_with_an_unmapped_frame), SIGSEGV));
    /* The kernel is still here, and so are we. */
    CHECK(getpid() > 0);
    return 0;
}

/* --- Frames that cannot be written, handlers that fault --- */

static char* g_readonly_stack;

static void raise_on_a_read_only_stack(void)
{
    install(SIGUSR1, counting_handler, 0);
    __asm__ volatile("mv sp, %0\nmv a0, %1\nli a1, %2\nli a7, %3\necall\n"
                     : : "r"(g_readonly_stack + PG), "r"((long)getpid()), "i"(SIGUSR1), "i"(SYS_kill)
                     : "a0", "a1", "a7", "memory");
    _exit(97);
}

static void fault_on_an_unmapped_stack(void)
{
    install_info(SIGSEGV, 0);
    __asm__ volatile("li sp, 0x1000\nld t0, 0(zero)\n" : : : "t0", "memory");
    _exit(96);
}

static int an_unwritable_signal_stack_kills_with_the_signal(void)
{
    g_readonly_stack = map(PROT_READ);
    CHECK(g_readonly_stack);
    CHECK(killed_by(status_of(raise_on_a_read_only_stack), SIGUSR1));
    CHECK(killed_by(status_of(fault_on_an_unmapped_stack), SIGSEGV));
    return 0;
}

static void faulting_handler(int signo)
{
    (void)signo;
    load_word((void*)8);
}

static void fault_in_a_segv_handler(void)
{
    install(SIGSEGV, faulting_handler, 0);
    load_word((void*)8);
    _exit(95);
}

static void fault_in_a_usr1_handler(void)
{
    install(SIGUSR1, faulting_handler, 0);
    raise(SIGUSR1);
    _exit(94);
}

static int a_handler_that_faults_with_its_signal_blocked_dies_of_sigsegv(void)
{
    CHECK(killed_by(status_of(fault_in_a_segv_handler), SIGSEGV));
    /* SIGSEGV has no handler here: the fault inside the SIGUSR1 handler kills as usual. */
    CHECK(killed_by(status_of(fault_in_a_usr1_handler), SIGSEGV));
    return 0;
}

/* --- The alternate signal stack --- */

static char* volatile g_alt_base;
static volatile size_t g_alt_size;
static volatile unsigned long g_handler_sp;
static volatile int g_reported_flags;
static volatile unsigned long g_reported_sp;
static volatile int g_query_flags;

static void where_am_i_handler(int signo, siginfo_t* info, void* context)
{
    (void)signo;
    (void)info;
    ucontext_t* uc = (ucontext_t*)context;
    volatile char here = 0;
    g_handler_sp = (unsigned long)&here;
    g_reported_flags = uc->uc_stack.ss_flags;
    g_reported_sp = (unsigned long)uc->uc_stack.ss_sp;
    stack_t now;
    g_query_flags = sigaltstack(NULL, &now) == 0 ? now.ss_flags : -1;
    g_count++;
}

static int install_where(int signo, int flags)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = where_am_i_handler;
    action.sa_flags = SA_SIGINFO | flags;
    return sigaction(signo, &action, NULL);
}

/* An alternate stack of `size` bytes at the end of two fresh read-write pages (so that the
   memory below it is mapped too: only the kernel's check keeps frames out of it). */
static int set_alternate_stack(size_t size)
{
    char* pages = (char*)mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (pages == MAP_FAILED)
        return -1;
    g_alt_base = pages + 2 * PG - size;
    g_alt_size = size;
    stack_t stack = {g_alt_base, 0, size};
    return sigaltstack(&stack, NULL);
}

static int on_alternate_stack(unsigned long sp)
{
    return sp >= (unsigned long)g_alt_base && sp < (unsigned long)g_alt_base + g_alt_size;
}

static int sa_onstack_runs_the_handler_on_the_alternate_stack(void)
{
    CHECK(set_alternate_stack(SIGSTKSZ) == 0);
    CHECK(install_where(SIGUSR1, SA_ONSTACK) == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(g_count == 1 && on_alternate_stack(g_handler_sp));
    /* The frame reports the stack, not in use when the signal came; a query from the
       handler sees it in use. */
    CHECK(g_reported_sp == (unsigned long)g_alt_base && g_reported_flags == 0);
    CHECK(g_query_flags == SS_ONSTACK);
    stack_t now;
    CHECK(sigaltstack(NULL, &now) == 0 && now.ss_sp == g_alt_base && now.ss_size == SIGSTKSZ && now.ss_flags == 0);
    return 0;
}

static int without_sa_onstack_the_handler_runs_on_the_interrupted_stack(void)
{
    CHECK(set_alternate_stack(SIGSTKSZ) == 0);
    CHECK(install_where(SIGUSR1, 0) == 0);
    volatile char here = 0;
    CHECK(raise(SIGUSR1) == 0);
    CHECK(g_count == 1 && !on_alternate_stack(g_handler_sp) && g_handler_sp < (unsigned long)&here);
    CHECK(g_query_flags == 0);
    return 0;
}

static void exit_42_handler(int signo)
{
    (void)signo;
    _exit(42);
}

static void overflow_with_an_alternate_stack(void)
{
    if (set_alternate_stack(MINSIGSTKSZ) != 0 || install(SIGSEGV, exit_42_handler, SA_ONSTACK) != 0)
        _exit(1);
    /* A stack pointer with nothing under it, as after a runaway recursion. */
    __asm__ volatile("li sp, 0x1000\nld t0, 0(zero)\n" : : : "t0", "memory");
    _exit(2);
}

static int a_fault_with_a_dead_stack_is_handled_on_the_alternate_stack(void)
{
    int status = status_of(overflow_with_an_alternate_stack);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42);
    return 0;
}

static void nested_on_a_small_alternate_stack(void)
{
    if (set_alternate_stack(MINSIGSTKSZ) != 0)
        _exit(1);
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = counting_handler;
    action.sa_flags = SA_ONSTACK | SA_NODEFER;
    sigaction(SIGUSR1, &action, NULL);
    /* Two frames (1,088 bytes each) at once do not fit in 2,048 bytes: the second would go
       below the stack, into memory that is mapped but not the stack's. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigaction(SIGUSR2, &action, NULL);
    raise(SIGUSR1);
    raise(SIGUSR2);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    _exit(3);
}

static void onstack_on_a_read_only_alternate_stack(void)
{
    char* stack_memory = map(PROT_READ);
    stack_t stack = {stack_memory, 0, PG};
    if (!stack_memory || sigaltstack(&stack, NULL) != 0 || install(SIGUSR1, counting_handler, SA_ONSTACK) != 0)
        _exit(1);
    raise(SIGUSR1);
    _exit(2);
}

static int a_frame_that_does_not_fit_the_alternate_stack_kills_with_the_signal(void)
{
    CHECK(killed_by(status_of(onstack_on_a_read_only_alternate_stack), SIGUSR1));
    /* SIGUSR1's frame goes first; SIGUSR2's, on top of it, does not fit. */
    CHECK(killed_by(status_of(nested_on_a_small_alternate_stack), SIGUSR2));
    return 0;
}

static void change_the_stack_from_its_handler(int signo)
{
    (void)signo;
    stack_t other = {(void*)g_alt_base, SS_DISABLE, 0};
    errno = 0;
    g_code = sigaltstack(&other, NULL) == -1 ? errno : 0;
    g_count++;
}

static int sigaltstack_refuses_bad_flags_small_stacks_and_changes_while_in_use(void)
{
    char* memory = map(PROT_READ | PROT_WRITE);
    CHECK(memory);
    stack_t stack = {memory, 4, PG};
    CHECK_ERRNO(sigaltstack(&stack, NULL), EINVAL);
    stack.ss_flags = 0;
    stack.ss_size = MINSIGSTKSZ - 1;
    CHECK_ERRNO(sigaltstack(&stack, NULL), ENOMEM);
    CHECK_ERRNO(syscall(SYS_sigaltstack, 8, 0), EFAULT);
    CHECK_ERRNO(syscall(SYS_sigaltstack, 0, KERNEL_ADDRESS), EFAULT);
    stack_t now;
    CHECK(sigaltstack(NULL, &now) == 0 && now.ss_flags == SS_DISABLE);
    /* EFAULT for the old stack changes nothing. */
    stack.ss_size = PG;
    CHECK_ERRNO(syscall(SYS_sigaltstack, &stack, KERNEL_ADDRESS), EFAULT);
    CHECK(sigaltstack(NULL, &now) == 0 && now.ss_flags == SS_DISABLE);
    /* In use: EPERM, from a handler running on it. */
    CHECK(set_alternate_stack(SIGSTKSZ) == 0);
    CHECK(install(SIGUSR1, change_the_stack_from_its_handler, SA_ONSTACK) == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(g_count == 1 && g_code == EPERM);
    CHECK(sigaltstack(NULL, &now) == 0 && now.ss_sp == g_alt_base && now.ss_flags == 0);
    /* Disabled: handlers run on the interrupted stack again. */
    stack_t off = {NULL, SS_DISABLE, 0};
    CHECK(sigaltstack(&off, NULL) == 0);
    CHECK(sigaltstack(NULL, &now) == 0 && now.ss_flags == SS_DISABLE);
    CHECK(install_where(SIGUSR2, SA_ONSTACK) == 0);
    CHECK(raise(SIGUSR2) == 0);
    CHECK(!on_alternate_stack(g_handler_sp) && g_reported_flags == SS_DISABLE);
    return 0;
}

static int altstack_probe(void)
{
    stack_t now;
    return sigaltstack(NULL, &now) == 0 && now.ss_flags == SS_DISABLE ? 0 : 1;
}

static int fork_keeps_the_alternate_stack_and_exec_drops_it(void)
{
    CHECK(set_alternate_stack(SIGSTKSZ) == 0);
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        stack_t now;
        if (sigaltstack(NULL, &now) != 0 || now.ss_sp != g_alt_base || now.ss_flags != 0)
            _exit(1);
        char* argv[] = {(char*)"signal_frame_test", (char*)"--altstack-probe", NULL};
        execv("/bin/signal_frame_test", argv);
        _exit(2);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(a_forged_sigreturn_frame_cannot_leave_user_mode),
    TEST(an_unwritable_signal_stack_kills_with_the_signal),
    TEST(a_handler_that_faults_with_its_signal_blocked_dies_of_sigsegv),
    TEST(sa_onstack_runs_the_handler_on_the_alternate_stack),
    TEST(without_sa_onstack_the_handler_runs_on_the_interrupted_stack),
    TEST(a_fault_with_a_dead_stack_is_handled_on_the_alternate_stack),
    TEST(a_frame_that_does_not_fit_the_alternate_stack_kills_with_the_signal),
    TEST(sigaltstack_refuses_bad_flags_small_stacks_and_changes_while_in_use),
    TEST(fork_keeps_the_alternate_stack_and_exec_drops_it),
};

int main(int argc, char** argv)
{
    if (argc == 2 && strcmp(argv[1], "--altstack-probe") == 0)
        return altstack_probe();
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
