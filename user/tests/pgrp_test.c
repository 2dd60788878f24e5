/* pgrp_test: process groups and sessions (docs/signals.md, "Process groups"): setpgid,
 * getpgid, getpgrp, setsid, getsid with POSIX's errnos, kill() of a group (pid 0 and
 * pid < -1) and of everyone (-1), waitpid of a group, groups outliving their leader, and the console's
 * foreground group through tcsetpgrp/tcgetpgrp (ioctl TIOCSPGRP/TIOCGPGRP). Each test runs
 * in a child of its own, which atlas-run's init has put in a session of the program's. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* A child that sleeps until a signal ends it. SIG_DFL for the signals the tests send (a
   test may ignore them itself). */
static pid_t start_sleeper(pid_t group)
{
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGUSR1, SIG_DFL);
        if (group >= 0)
            setpgid(0, group);
        for (;;)
            sleep(100);
    }
    if (pid > 0 && group >= 0)
        setpgid(pid, group == 0 ? pid : group);
    return pid;
}

static int reap_killed_by(pid_t pid, int signal)
{
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 0;
    return WIFSIGNALED(status) && WTERMSIG(status) == signal;
}

static int fork_inherits_the_group(void)
{
    pid_t child = start_sleeper(-1);
    CHECK(child > 0);
    CHECK(getpgid(child) == getpgrp());
    CHECK(getsid(child) == getsid(0));
    kill(child, SIGKILL);
    CHECK(reap_killed_by(child, SIGKILL));
    return 0;
}

static int setpgid_zero_zero_makes_a_group_of_ones_own(void)
{
    pid_t before = getpgrp();
    CHECK(before != getpid());
    CHECK(setpgid(0, 0) == 0);
    CHECK(getpgrp() == getpid());
    CHECK(getpgid(0) == getpid());
    CHECK(getpgid(getpid()) == getpid());
    /* The session stays; moving back into the old group of the session works. */
    CHECK(setpgid(0, before) == 0);
    CHECK(getpgrp() == before);
    return 0;
}

static int setpgid_in_parent_and_child_both_succeed(void)
{
    for (int round = 0; round < 20; round++) {
        int fds[2];
        CHECK(pipe(fds) == 0);
        pid_t child = fork();
        CHECK(child >= 0);
        if (child == 0) {
            int ok = setpgid(0, 0) == 0 && getpgrp() == getpid();
            char byte = ok ? 'y' : 'n';
            write(fds[1], &byte, 1);
            _exit(0);
        }
        CHECK(setpgid(child, child) == 0 || errno == ESRCH); /* ESRCH: it has exited already */
        char byte = 0;
        CHECK(read(fds[0], &byte, 1) == 1 && byte == 'y');
        int status;
        CHECK(waitpid(child, &status, 0) == child);
        close(fds[0]);
        close(fds[1]);
    }
    return 0;
}

static int setpgid_errors_follow_posix(void)
{
    CHECK_ERRNO(setpgid(0, -1), EINVAL);
    CHECK_ERRNO(setpgid(99999, 0), ESRCH);
    CHECK_ERRNO(setpgid(1, 1), ESRCH);          /* init is not our child */
    CHECK_ERRNO(setpgid(getppid(), 0), ESRCH);  /* nor is our parent */
    CHECK_ERRNO(setpgid(0, 99999), EPERM);      /* no such group in our session */
    CHECK_ERRNO(getpgid(99999), ESRCH);
    CHECK_ERRNO(getsid(99999), ESRCH);
    CHECK_ERRNO(getpgid(-5), ESRCH);
    return 0;
}

static int setpgid_of_a_session_leader_is_eperm(void)
{
    CHECK(setsid() == getpid());
    CHECK_ERRNO(setpgid(0, 0), EPERM);
    CHECK_ERRNO(setpgid(0, getpid()), EPERM);
    return 0;
}

static int setpgid_into_another_sessions_group_is_eperm(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t leader = fork();
    CHECK(leader >= 0);
    if (leader == 0) {
        char byte = setsid() > 0 ? 'y' : 'n';
        write(fds[1], &byte, 1);
        for (;;)
            sleep(100);
    }
    char byte = 0;
    CHECK(read(fds[0], &byte, 1) == 1 && byte == 'y');
    CHECK(getsid(leader) == leader && getpgid(leader) == leader);
    /* Our child in another session: EPERM, whatever the group. */
    CHECK_ERRNO(setpgid(leader, leader), EPERM);
    CHECK_ERRNO(setpgid(leader, getpgrp()), EPERM);
    /* Ourselves into a group of that session. */
    CHECK_ERRNO(setpgid(0, leader), EPERM);
    kill(leader, SIGKILL);
    CHECK(reap_killed_by(leader, SIGKILL));
    return 0;
}

static int setpgid_of_a_child_that_has_execd_is_eacces(void)
{
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        char* argv[] = {"spin", "-w", "/no-such-file", "never", NULL};
        execv("/bin/spin", argv);
        _exit(127);
    }
    /* Before the exec the call works; after it, EACCES. */
    int saw_eacces = 0;
    for (int i = 0; i < 500 && !saw_eacces; i++) {
        if (setpgid(child, child) < 0) {
            CHECK(errno == EACCES);
            saw_eacces = 1;
        } else {
            usleep(10000);
        }
    }
    CHECK(saw_eacces);
    kill(child, SIGKILL);
    CHECK(reap_killed_by(child, SIGKILL));
    return 0;
}

static int setsid_starts_a_session_and_a_group(void)
{
    pid_t old_session = getsid(0);
    pid_t sid = setsid();
    CHECK(sid == getpid());
    CHECK(sid != old_session);
    CHECK(getsid(0) == sid && getpgrp() == sid);
    CHECK_ERRNO(setsid(), EPERM); /* a group leader (and session leader) already */
    return 0;
}

static int setsid_of_a_group_leader_is_eperm(void)
{
    CHECK(setpgid(0, 0) == 0);
    CHECK_ERRNO(setsid(), EPERM);
    return 0;
}

static int kill_of_a_group_reaches_every_member_and_no_one_else(void)
{
    pid_t first = start_sleeper(0);
    CHECK(first > 0);
    pid_t second = start_sleeper(first);
    CHECK(second > 0);
    pid_t outsider = start_sleeper(-1);
    CHECK(outsider > 0);
    CHECK(getpgid(first) == first && getpgid(second) == first);
    CHECK(kill(-first, 0) == 0);
    CHECK(kill(-first, SIGTERM) == 0);
    CHECK(reap_killed_by(first, SIGTERM));
    CHECK(reap_killed_by(second, SIGTERM));
    CHECK(kill(outsider, 0) == 0);
    kill(outsider, SIGKILL);
    CHECK(reap_killed_by(outsider, SIGKILL));
    /* Every member reaped: the group is gone. */
    CHECK_ERRNO(kill(-first, SIGTERM), ESRCH);
    return 0;
}

static int kill_zero_signals_the_callers_group(void)
{
    CHECK(setpgid(0, 0) == 0);
    pid_t member = start_sleeper(-1); /* inherits our new group */
    CHECK(member > 0);
    CHECK(getpgid(member) == getpid());
    signal(SIGUSR1, SIG_IGN); /* we are in the group too */
    CHECK(kill(0, SIGUSR1) == 0);
    CHECK(reap_killed_by(member, SIGUSR1));
    return 0;
}

static int kill_of_no_group_is_esrch(void)
{
    CHECK_ERRNO(kill(-99999, SIGTERM), ESRCH);
    CHECK_ERRNO(kill(-99999, 0), ESRCH);
    CHECK_ERRNO(kill(INT_MIN, 0), ESRCH);
    CHECK_ERRNO(kill(-5, 1000), EINVAL);
    /* -1 with signal 0: there is someone we may signal (our parent). */
    CHECK(kill(-1, 0) == 0);
    return 0;
}

static int a_group_outlives_its_leader(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t leader = fork();
    CHECK(leader >= 0);
    if (leader == 0) {
        setpgid(0, 0);
        pid_t member = start_sleeper(-1);
        write(fds[1], &member, sizeof(member));
        _exit(0);
    }
    setpgid(leader, leader);
    pid_t member = 0;
    CHECK(read(fds[0], &member, sizeof(member)) == sizeof(member) && member > 0);
    int status;
    CHECK(waitpid(leader, &status, 0) == leader && WIFEXITED(status));
    /* The leader is reaped; its group lives on with the member (init's child now). */
    CHECK(getpgid(member) == leader);
    CHECK(kill(-leader, 0) == 0);
    CHECK(kill(-leader, SIGKILL) == 0);
    /* init reaps the member; then the group is gone. */
    int gone = 0;
    for (int i = 0; i < 500 && !gone; i++) {
        if (kill(-leader, 0) < 0 && errno == ESRCH)
            gone = 1;
        else
            usleep(10000);
    }
    CHECK(gone);
    return 0;
}

static int waitpid_of_a_group_reaps_only_its_members(void)
{
    pid_t other = start_sleeper(0);        /* a group of its own */
    CHECK(other > 0);
    pid_t ours = start_sleeper(-1);        /* in our group */
    CHECK(ours > 0);
    int status;
    CHECK(kill(ours, SIGTERM) == 0);
    /* Our group's zombie is not group `other`'s: nothing to reap there yet. */
    for (int i = 0; i < 20; i++)
        CHECK(waitpid(-other, &status, WNOHANG) == 0);
    CHECK(kill(other, SIGTERM) == 0);
    CHECK(waitpid(-other, &status, 0) == other);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    CHECK_ERRNO(waitpid(-other, &status, WNOHANG), ECHILD);
    CHECK(waitpid(0, &status, 0) == ours);
    CHECK_ERRNO(waitpid(0, &status, WNOHANG), ECHILD);
    CHECK_ERRNO(waitpid(-99999, &status, 0), ECHILD);
    CHECK_ERRNO(waitpid(INT_MIN, &status, 0), ECHILD);
    return 0;
}

/* The exit status of /bin/kill with `first` and `second` as its arguments. */
static int run_kill_program(const char* first, const char* second)
{
    pid_t pid = fork();
    if (pid == 0) {
        char* argv[] = {"kill", (char*)first, (char*)second, NULL};
        execv("/bin/kill", argv);
        _exit(127);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static int kill_program_takes_a_negative_pid_as_a_group(void)
{
    pid_t leader = start_sleeper(0);
    CHECK(leader > 0);
    pid_t member = start_sleeper(leader);
    CHECK(member > 0);
    char group[16];
    snprintf(group, sizeof(group), "-%d", leader);
    CHECK(run_kill_program("-TERM", group) == 0);
    CHECK(reap_killed_by(leader, SIGTERM));
    CHECK(reap_killed_by(member, SIGTERM));
    pid_t another = start_sleeper(0);
    CHECK(another > 0);
    snprintf(group, sizeof(group), "-%d", another);
    CHECK(run_kill_program("--", group) == 0); /* no signal: SIGKILL */
    CHECK(reap_killed_by(another, SIGKILL));
    return 0;
}

static int console_foreground_group_is_set_and_read_by_ioctl(void)
{
    pid_t before = tcgetpgrp(0);
    CHECK(before >= 0);
    CHECK(setpgid(0, 0) == 0);
    CHECK(tcsetpgrp(0, getpgrp()) == 0);
    CHECK(tcgetpgrp(0) == getpgrp());
    int value = -1;
    CHECK(ioctl(0, TIOCGPGRP, &value) == 0 && value == getpgrp());
    if (before > 0)
        tcsetpgrp(0, before);
    return 0;
}

/* A foreground group whose last member is reaped leaves the console's front: a later group
 * given the same number must not get the Ctrl-C of a job that has ended. */
static int console_forgets_a_foreground_group_once_it_is_gone(void)
{
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        int ok = setpgid(0, 0) == 0 && tcsetpgrp(0, getpid()) == 0 && tcgetpgrp(0) == getpid();
        _exit(ok ? 0 : 1);
    }
    int status;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(tcgetpgrp(0) == 0);
    return 0;
}

static int console_ioctl_errors(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    int value = getpgrp();
    CHECK_ERRNO(ioctl(fds[0], TIOCGPGRP, &value), ENOTTY);
    CHECK_ERRNO(ioctl(0, 0x5401, &value), ENOTTY); /* TCGETS: no termios here */
    CHECK_ERRNO(ioctl(99, TIOCGPGRP, &value), EBADF);
    CHECK_ERRNO(ioctl(0, TIOCGPGRP, (int*)16), EFAULT);
    CHECK_ERRNO(ioctl(0, TIOCSPGRP, (int*)16), EFAULT);
    CHECK_ERRNO(tcsetpgrp(0, -1), EINVAL);
    CHECK_ERRNO(tcsetpgrp(0, 99999), ESRCH);
    CHECK_ERRNO(tcsetpgrp(0, 1), EPERM); /* init's group, in init's session */
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(fork_inherits_the_group),
    TEST(setpgid_zero_zero_makes_a_group_of_ones_own),
    TEST(setpgid_in_parent_and_child_both_succeed),
    TEST(setpgid_errors_follow_posix),
    TEST(setpgid_of_a_session_leader_is_eperm),
    TEST(setpgid_into_another_sessions_group_is_eperm),
    TEST(setpgid_of_a_child_that_has_execd_is_eacces),
    TEST(setsid_starts_a_session_and_a_group),
    TEST(setsid_of_a_group_leader_is_eperm),
    TEST(kill_of_a_group_reaches_every_member_and_no_one_else),
    TEST(kill_zero_signals_the_callers_group),
    TEST(kill_of_no_group_is_esrch),
    TEST(a_group_outlives_its_leader),
    TEST(kill_program_takes_a_negative_pid_as_a_group),
    TEST(waitpid_of_a_group_reaps_only_its_members),
    TEST(console_foreground_group_is_set_and_read_by_ioctl),
    TEST(console_forgets_a_foreground_group_once_it_is_gone),
    TEST(console_ioctl_errors),
};

int main(int argc, char** argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
