/* signal_test: signals as a program sees them (docs/signals.md): handlers, the SA_SIGINFO
 * fields of fault signals, resolving a fault from its handler, masks and the sigaction
 * flags, errors, fork, exec and wait statuses, and signals racing fork, exec and exit.
 * Forged sigreturn frames, unwritable signal stacks and sigaltstack are in
 * signal_frame_test.c; interrupted calls, sigsuspend, alarm and SIGCHLD in
 * signal_wait_test.c. Each test runs in a child of its own (TEST_IN_CHILD); deaths that a
 * test expects happen in a grandchild whose wait status is checked.
 *
 *   signal_test            run every test
 *   signal_test NAME...    run the tests whose names contain one of the NAMEs
 *   signal_test --exec-probe   (used by the exec test) exits 0 if the signal state it
 *                          inherited through exec is the one the test set up
 *   signal_test --exit-now     (used by the race tests) exits 0 at once */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"
#include "harness.h"
#include "signal_helpers.h"

static volatile int g_depth;
static volatile int g_max_depth;

/* --- Handlers run and return --- */

static int a_handler_runs_and_returns_to_the_interrupted_code(void)
{
    CHECK(install(SIGUSR1, counting_handler, 0) == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(g_count == 1 && g_signo == SIGUSR1);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(g_count == 2);
    return 0;
}

static int siginfo_of_kill_names_the_sender(void)
{
    CHECK(install_info(SIGUSR2, 0) == 0);
    CHECK(kill(getpid(), SIGUSR2) == 0);
    CHECK(g_count == 1 && g_signo == SIGUSR2 && g_code == SI_USER && g_pid == getpid());
    return 0;
}

static int a_signal_from_another_process_reaches_a_running_handler(void)
{
    CHECK(install(SIGUSR1, counting_handler, 0) == 0);
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        /* Spin in user mode: the signal arrives with a timer interrupt. */
        for (;;)
            if (g_count)
                _exit(0);
    }
    CHECK(kill(pid, SIGUSR1) == 0);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return 0;
}

static void fp_clobbering_handler(int signo)
{
    (void)signo;
    g_count++;
    __asm__ volatile("fmv.d.x ft0, zero\nfmv.d.x fs0, zero\nfscsr zero" : : : "ft0", "fs0", "memory");
}

static int a_handler_that_changes_fp_registers_leaves_the_interrupted_ones_intact(void)
{
    CHECK(install(SIGUSR1, fp_clobbering_handler, 0) == 0);
    unsigned long a = 0x400921fb54442d18ul, b = 0, c = 0, fcsr = 0;
    /* ft0 and fs0 hold values across the kill system call that delivers the signal (its
       handler runs before the ecall's return reaches the next instruction). */
    __asm__ volatile("fmv.d.x ft0, %[a]\n"
                     "fmv.d.x fs0, %[a]\n"
                     "li t0, 3\n"
                     "fscsr t0\n"
                     "mv a0, %[pid]\n"
                     "li a1, %[sig]\n"
                     "li a7, %[nr]\n"
                     "ecall\n"
                     "fmv.x.d %[b], ft0\n"
                     "fmv.x.d %[c], fs0\n"
                     "frcsr %[fcsr]\n"
                     : [b] "=&r"(b), [c] "=&r"(c), [fcsr] "=&r"(fcsr)
                     : [a] "r"(a), [pid] "r"((long)getpid()), [sig] "i"(SIGUSR1), [nr] "i"(SYS_kill)
                     : "t0", "a0", "a1", "a7", "ft0", "fs0", "memory");
    CHECK(g_count == 1);
    CHECK(b == a && c == a && fcsr == 3);
    return 0;
}

/* --- Fault signals: si_code and the exact si_addr --- */

static int sigsegv_maperr_reports_the_exact_unmapped_address(void)
{
    char* page = map(PROT_READ | PROT_WRITE);
    CHECK(page && munmap(page, PG) == 0);
    CHECK(install_info(SIGSEGV, 0) == 0);
    g_skip = 1;
    load_word(page + 136);
    CHECK(g_count == 1 && g_signo == SIGSEGV && g_code == SEGV_MAPERR && g_addr == page + 136);
    store_word(page + 8, 1);
    CHECK(g_count == 2 && g_code == SEGV_MAPERR && g_addr == page + 8);
    return 0;
}

static int sigsegv_accerr_reports_the_exact_protected_address(void)
{
    char* page = map(PROT_READ);
    CHECK(page);
    CHECK(install_info(SIGSEGV, 0) == 0);
    g_skip = 1;
    store_word(page + 4000, 7);
    CHECK(g_count == 1 && g_signo == SIGSEGV && g_code == SEGV_ACCERR && g_addr == page + 4000);
    CHECK(load_word(page + 4000) == 0);
    char* none = map(PROT_NONE);
    CHECK(none);
    load_word(none + 16);
    CHECK(g_count == 2 && g_code == SEGV_ACCERR && g_addr == none + 16);
    return 0;
}

static int sigbus_adrerr_reports_an_access_past_the_end_of_the_file(void)
{
    const char* path = "/signal_test_bus";
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0666);
    CHECK(fd >= 0);
    unlink(path);
    CHECK(write(fd, "0123456789", 10) == 10);
    char* p = (char*)mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK(install_info(SIGBUS, 0) == 0);
    g_skip = 1;
    load_word(p + PG + 24);
    CHECK(g_count == 1 && g_signo == SIGBUS && g_code == BUS_ADRERR && g_addr == p + PG + 24);
    close(fd);
    return 0;
}

static int sigill_reports_the_instruction_and_the_handler_can_skip_it(void)
{
    CHECK(install_info(SIGILL, 0) == 0);
    g_skip = 1;
    unsigned long at = 0;
    /* Reading sstatus is illegal in user mode. */
    __asm__ volatile(".option push\n.option norvc\nlla %0, 1f\n1: csrr t0, sstatus\n.option pop"
                     : "=&r"(at) : : "t0", "memory");
    CHECK(g_count == 1 && g_signo == SIGILL && g_code == ILL_ILLOPC && (unsigned long)g_addr == at && g_pc == at);
    return 0;
}

static int ebreak_delivers_sigtrap(void)
{
    CHECK(install_info(SIGTRAP, 0) == 0);
    g_skip = 1;
    __asm__ volatile(".option push\n.option norvc\nebreak\n.option pop" : : : "memory");
    CHECK(g_count == 1 && g_signo == SIGTRAP && g_code == TRAP_BRKPT);
    return 0;
}

/* --- A handler that resolves the fault --- */

static int a_handler_that_changes_the_saved_pc_skips_the_faulting_instruction(void)
{
    CHECK(install_info(SIGSEGV, 0) == 0);
    g_skip = 1;
    long value = load_word((void*)16);
    CHECK(value == 0 && g_count == 1 && g_addr == (void*)16);
    return 0;
}

static struct atlas_vmstat vm(void)
{
    struct atlas_vmstat stats;
    memset(&stats, 0, sizeof(stats));
    syscall(SYS_vmstat, &stats);
    return stats;
}

static int a_handler_that_mprotects_resolves_100000_faults_without_leaking(void)
{
    char* page = map(PROT_READ | PROT_WRITE);
    CHECK(page);
    page[0] = 1;
    CHECK(install_info(SIGSEGV, 0) == 0);
    g_fix = page;
    /* No write-back may run meanwhile: a file an earlier test left dirty sits on the
     * flusher's queue, holding its page cache, which the flusher lets go when it writes it
     * back, changing the heap under the count. sync() empties the queue now. */
    sync();
    /* Warm up: the first faults may fill the heap's and the frame allocator's caches. */
    for (int i = 0; i < 100; ++i) {
        CHECK(mprotect(page, PG, PROT_NONE) == 0);
        store_word(page + 8, i);
    }
    struct atlas_vmstat before = vm();
    const int kFaults = 100000;
    for (int i = 0; i < kFaults; ++i) {
        CHECK(mprotect(page, PG, PROT_NONE) == 0);
        store_word(page + 8, i);
        CHECK(load_word(page + 8) == i);
    }
    struct atlas_vmstat after = vm();
    CHECK(g_count == kFaults + 100);
    CHECK(g_code == SEGV_ACCERR && g_addr == page + 8);
    CHECK(after.kernel_heap_bytes == before.kernel_heap_bytes);
    CHECK(after.free_frames + 8 >= before.free_frames);  /* free_frames counts the harts' caches too */
    return 0;
}

/* --- Masks and flags --- */

static int a_blocked_signal_stays_pending_until_unblocked(void)
{
    CHECK(install(SIGUSR1, counting_handler, 0) == 0);
    sigset_t set, old, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &set, &old) == 0);
    CHECK(old == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(g_count == 0);
    CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1) == 1);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
    CHECK(g_count == 1);
    CHECK(sigpending(&pending) == 0 && pending == 0);
    return 0;
}

static void blocked_default_then_unblocked(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGTERM);
    /* Still alive: blocked. */
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    _exit(3);  /* Not reached: the unblocked SIGTERM terminates. */
}

static int a_blocked_terminating_signal_kills_when_unblocked(void)
{
    CHECK(killed_by(status_of(blocked_default_then_unblocked), SIGTERM));
    return 0;
}

static void nesting_handler(int signo)
{
    g_depth++;
    if (g_depth > g_max_depth)
        g_max_depth = g_depth;
    if (g_count++ == 0)
        raise(signo);
    g_depth--;
}

static int sa_nodefer_lets_a_handler_be_interrupted_by_its_own_signal(void)
{
    CHECK(install(SIGUSR1, nesting_handler, SA_NODEFER) == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(g_count == 2 && g_max_depth == 2);
    return 0;
}

static int without_sa_nodefer_the_signal_waits_for_the_handler_to_return(void)
{
    CHECK(install(SIGUSR1, nesting_handler, 0) == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(g_count == 2 && g_max_depth == 1);
    /* The mask is back as it was. */
    sigset_t now;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &now) == 0 && now == 0);
    return 0;
}

static volatile int g_count_inside;

static void raise_sigusr2_handler(int signo)
{
    (void)signo;
    raise(SIGUSR2);
    g_count_inside = g_count;
}

static int sa_mask_blocks_other_signals_while_the_handler_runs(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = raise_sigusr2_handler;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGUSR2);
    CHECK(sigaction(SIGUSR1, &action, NULL) == 0);
    CHECK(install(SIGUSR2, counting_handler, 0) == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(g_count_inside == 0 && g_count == 1 && g_signo == SIGUSR2);
    return 0;
}

static void raise_sigusr1_twice(void)
{
    raise(SIGUSR1);
    raise(SIGUSR1);
}

static int sa_resethand_restores_the_default_after_one_delivery(void)
{
    CHECK(install(SIGUSR1, counting_handler, SA_RESETHAND) == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(g_count == 1);
    struct sigaction now;
    CHECK(sigaction(SIGUSR1, NULL, &now) == 0 && now.sa_handler == SIG_DFL);
    CHECK(install(SIGUSR1, counting_handler, SA_RESETHAND) == 0);
    CHECK(killed_by(status_of(raise_sigusr1_twice), SIGUSR1));
    return 0;
}

/* --- Errors --- */

static int kill_with_a_bad_signal_is_einval_and_a_missing_pid_is_esrch(void)
{
    CHECK_ERRNO(kill(getpid(), 32), EINVAL);
    CHECK_ERRNO(kill(getpid(), -1), EINVAL);
    CHECK_ERRNO(kill(99999, SIGUSR1), ESRCH);
    CHECK_ERRNO(kill(99999, 0), ESRCH);
    CHECK(kill(getpid(), 0) == 0);
    return 0;
}

static int sigaction_and_sigprocmask_with_bad_pointers_are_efault_and_change_nothing(void)
{
    CHECK(install(SIGUSR1, counting_handler, 0) == 0);
    CHECK_ERRNO(syscall(SYS_rt_sigaction, SIGUSR1, 8, 0, 8), EFAULT);
    CHECK_ERRNO(syscall(SYS_rt_sigaction, SIGUSR1, KERNEL_ADDRESS, 0, 8), EFAULT);
    CHECK_ERRNO(syscall(SYS_rt_sigaction, SIGUSR1, 0, KERNEL_ADDRESS, 8), EFAULT);
    struct sigaction now;
    CHECK(sigaction(SIGUSR1, NULL, &now) == 0 && now.sa_handler == counting_handler);
    CHECK_ERRNO(syscall(SYS_rt_sigprocmask, SIG_BLOCK, 8, 0, 8), EFAULT);
    CHECK_ERRNO(syscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, KERNEL_ADDRESS, 8), EFAULT);
    CHECK_ERRNO(syscall(SYS_rt_sigpending, KERNEL_ADDRESS, 8), EFAULT);
    sigset_t mask;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &mask) == 0 && mask == 0);
    return 0;
}

static int bad_signal_numbers_set_sizes_and_hows_are_einval(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = counting_handler;
    CHECK_ERRNO(sigaction(0, &action, NULL), EINVAL);
    CHECK_ERRNO(sigaction(32, &action, NULL), EINVAL);
    CHECK_ERRNO(sigaction(-3, NULL, NULL), EINVAL);
    CHECK_ERRNO(syscall(SYS_rt_sigaction, SIGUSR1, &action, 0, 16), EINVAL);
    sigset_t set = 0;
    CHECK_ERRNO(sigprocmask(7, &set, NULL), EINVAL);
    CHECK_ERRNO(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 4), EINVAL);
    CHECK_ERRNO(syscall(SYS_rt_sigpending, &set, 0), EINVAL);
    CHECK_ERRNO(sigaddset(&set, 0), EINVAL);
    return 0;
}

static int sigkill_and_sigstop_cannot_be_caught_ignored_or_blocked(void)
{
    CHECK_ERRNO(install(SIGKILL, counting_handler, 0), EINVAL);
    CHECK_ERRNO(install(SIGKILL, SIG_IGN, 0), EINVAL);
    CHECK_ERRNO(install(SIGSTOP, counting_handler, 0), EINVAL);
    CHECK_ERRNO(install(SIGSTOP, SIG_IGN, 0), EINVAL);
    struct sigaction now;
    CHECK(sigaction(SIGKILL, NULL, &now) == 0 && now.sa_handler == SIG_DFL);
    sigset_t all, mask;
    sigfillset(&all);
    CHECK(sigprocmask(SIG_SETMASK, &all, NULL) == 0);
    CHECK(sigprocmask(SIG_BLOCK, NULL, &mask) == 0);
    CHECK(!sigismember(&mask, SIGKILL) && !sigismember(&mask, SIGSTOP) && sigismember(&mask, SIGTERM));
    return 0;
}

/* --- fork, exec, wait --- */

static int fork_inherits_handlers_and_mask_but_not_pending_signals(void)
{
    CHECK(install(SIGUSR1, counting_handler, 0) == 0);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    CHECK(raise(SIGUSR2) == 0);
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        sigset_t mask, pending;
        struct sigaction now;
        if (sigprocmask(SIG_BLOCK, NULL, &mask) != 0 || mask != set)
            _exit(1);
        if (sigpending(&pending) != 0 || pending != 0)
            _exit(2);
        if (sigaction(SIGUSR1, NULL, &now) != 0 || now.sa_handler != counting_handler)
            _exit(3);
        raise(SIGUSR1);
        _exit(g_count == 1 ? 0 : 4);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return 0;
}

static int exec_probe(void)
{
    struct sigaction usr1, usr2;
    sigset_t mask, pending;
    if (sigaction(SIGUSR1, NULL, &usr1) != 0 || usr1.sa_handler != SIG_DFL)
        return 1;
    if (sigaction(SIGUSR2, NULL, &usr2) != 0 || usr2.sa_handler != SIG_IGN)
        return 2;
    if (sigprocmask(SIG_BLOCK, NULL, &mask) != 0 || mask != (1ul << (SIGTERM - 1)))
        return 3;
    if (sigpending(&pending) != 0 || pending != (1ul << (SIGTERM - 1)))
        return 4;
    return 0;
}

static int exec_resets_handlers_and_keeps_the_mask_ignored_and_pending_signals(void)
{
    int pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        install(SIGUSR1, counting_handler, 0);
        install(SIGUSR2, SIG_IGN, 0);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigprocmask(SIG_BLOCK, &set, NULL);
        raise(SIGTERM);
        char* argv[] = {(char*)"signal_test", (char*)"--exec-probe", NULL};
        execv("/bin/signal_test", argv);
        _exit(90);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return 0;
}

static void raise_sigterm(void) { raise(SIGTERM); }
static void raise_sigusr2(void) { raise(SIGUSR2); }
static void raise_sigchld_and_sigwinch(void)
{
    raise(SIGCHLD);
    raise(SIGWINCH);
    raise(SIGURG);
}
static void ignore_and_raise_sigterm(void)
{
    install(SIGTERM, SIG_IGN, 0);
    raise(SIGTERM);
}
static void null_dereference(void) { load_word((void*)0); }

static int wait_status_reports_the_signal_that_killed(void)
{
    CHECK(killed_by(status_of(raise_sigterm), SIGTERM));
    CHECK(killed_by(status_of(raise_sigusr2), SIGUSR2));
    CHECK(killed_by(status_of(null_dereference), SIGSEGV));
    int status = status_of(raise_sigchld_and_sigwinch);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    status = status_of(ignore_and_raise_sigterm);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return 0;
}

/* The exit status of /bin/kill run with `signal_argument` and `pid`. */
static int run_kill_program(const char* signal_argument, int pid)
{
    char pid_text[16];
    snprintf(pid_text, sizeof(pid_text), "%d", pid);
    int runner = fork();
    if (runner == 0) {
        char* argv[] = {(char*)"kill", (char*)signal_argument, pid_text, NULL};
        execv("/bin/kill", argv);
        _exit(127);
    }
    int status = 0;
    if (runner < 0 || waitpid(runner, &status, 0) != runner || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static int the_kill_program_sends_the_signal_it_is_given(void)
{
    CHECK(install(SIGUSR1, counting_handler, 0) == 0);
    int target = fork();
    CHECK(target >= 0);
    if (target == 0) {
        while (!g_count) {
        }
        _exit(g_signo == SIGUSR1 ? 0 : 1);
    }
    CHECK(run_kill_program("-USR1", target) == 0);
    int status = 0;
    CHECK(waitpid(target, &status, 0) == target && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    target = fork();
    CHECK(target >= 0);
    if (target == 0) {
        for (;;) {
        }
    }
    CHECK(run_kill_program("-15", target) == 0);
    CHECK(waitpid(target, &status, 0) == target && killed_by(status, SIGTERM));
    CHECK(run_kill_program("-NOSUCHSIGNAL", getpid()) == 1);
    return 0;
}

/* --- Races: signals against fork, exec and exit, on every hart --- */

enum { kRacers = 4, kRacerRounds = 25 };

/* A racer forks children that exit at once or exec and exit, while its parent signals it. */
static void racer(void)
{
    for (int i = 0; i < kRacerRounds; i++) {
        int child = fork();
        if (child == 0) {
            if (i % 2) {
                char* argv[] = {(char*)"signal_test", (char*)"--exit-now", NULL};
                execv("/bin/signal_test", argv);
            }
            _exit(7);
        }
        int status = 0;
        if (child < 0)
            _exit(10);
        /* SIGUSR1's handler has no SA_RESTART: a signal that comes while it waits ends the
           wait with EINTR. */
        int got;
        do
            got = waitpid(child, &status, 0);
        while (got == -1 && errno == EINTR);
        if (got != child) {
            printf("racer: waitpid -> %d errno %d\n", got, errno);
            _exit(11);
        }
        if (!WIFEXITED(status)) {
            printf("racer: round %d child status 0x%x\n", i, status);
            _exit(12);
        }
        if (WEXITSTATUS(status) != (i % 2 ? 0 : 7)) {
            printf("racer: round %d child exit %d\n", i, WEXITSTATUS(status));
            _exit(13);
        }
    }
    _exit(0);
}

static int signals_racing_fork_exec_and_exit_leave_every_status_right(void)
{
    int pids[kRacers];
    /* Set before the fork, so that no signal finds a racer with the defaults. */
    CHECK(install(SIGUSR1, counting_handler, 0) == 0);
    CHECK(install(SIGUSR2, SIG_IGN, 0) == 0);
    for (int k = 0; k < kRacers; k++) {
        pids[k] = fork();
        CHECK(pids[k] >= 0);
        if (pids[k] == 0)
            racer();
    }
    /* Handled and ignored signals while they run; the last two racers get SIGTERM, which
       may find them anywhere: forking, in exec, exiting or already a zombie. */
    int live = kRacers;
    for (int round = 0; live > 0 && round < 100000; round++) {
        live = 0;
        for (int k = 0; k < kRacers; k++) {
            if (kill(pids[k], round % 3 ? SIGUSR1 : SIGUSR2) == 0)
                live++;
            else
                CHECK(errno == ESRCH);
        }
        if (round == 200) {
            kill(pids[kRacers - 1], SIGTERM);
            kill(pids[kRacers - 2], SIGTERM);
        }
    }
    for (int k = 0; k < kRacers; k++) {
        int status = 0;
        CHECK(waitpid(pids[k], &status, 0) == pids[k]);
        if (k >= kRacers - 2)
            CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0) || killed_by(status, SIGTERM));
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            snprintf(failure, sizeof(failure), "racer %d: status 0x%x", k, status);
            return 1;
        }
    }
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(a_handler_runs_and_returns_to_the_interrupted_code),
    TEST(siginfo_of_kill_names_the_sender),
    TEST(a_signal_from_another_process_reaches_a_running_handler),
    TEST(a_handler_that_changes_fp_registers_leaves_the_interrupted_ones_intact),
    TEST(sigsegv_maperr_reports_the_exact_unmapped_address),
    TEST(sigsegv_accerr_reports_the_exact_protected_address),
    TEST(sigbus_adrerr_reports_an_access_past_the_end_of_the_file),
    TEST(sigill_reports_the_instruction_and_the_handler_can_skip_it),
    TEST(ebreak_delivers_sigtrap),
    TEST(a_handler_that_changes_the_saved_pc_skips_the_faulting_instruction),
    TEST(a_handler_that_mprotects_resolves_100000_faults_without_leaking),
    TEST(a_blocked_signal_stays_pending_until_unblocked),
    TEST(a_blocked_terminating_signal_kills_when_unblocked),
    TEST(sa_nodefer_lets_a_handler_be_interrupted_by_its_own_signal),
    TEST(without_sa_nodefer_the_signal_waits_for_the_handler_to_return),
    TEST(sa_mask_blocks_other_signals_while_the_handler_runs),
    TEST(sa_resethand_restores_the_default_after_one_delivery),
    TEST(kill_with_a_bad_signal_is_einval_and_a_missing_pid_is_esrch),
    TEST(sigaction_and_sigprocmask_with_bad_pointers_are_efault_and_change_nothing),
    TEST(bad_signal_numbers_set_sizes_and_hows_are_einval),
    TEST(sigkill_and_sigstop_cannot_be_caught_ignored_or_blocked),
    TEST(fork_inherits_handlers_and_mask_but_not_pending_signals),
    TEST(exec_resets_handlers_and_keeps_the_mask_ignored_and_pending_signals),
    TEST(wait_status_reports_the_signal_that_killed),
    TEST(the_kill_program_sends_the_signal_it_is_given),
    TEST(signals_racing_fork_exec_and_exit_leave_every_status_right),
};

int main(int argc, char** argv)
{
    if (argc == 2 && strcmp(argv[1], "--exec-probe") == 0)
        return exec_probe();
    if (argc == 2 && strcmp(argv[1], "--exit-now") == 0)
        return 0;
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
