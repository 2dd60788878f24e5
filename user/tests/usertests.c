/* usertests: the behaviour of processes, files and memory as a program sees it through
 * system calls, in the spirit of xv6's usertests. Each test runs in a child process (the
 * harness's TEST_IN_CHILD), so a crash or a hang in one cannot take the others down; a test
 * passes if its child exits 0. Prints "PASS name" or "FAIL name: why" per test and ends
 * with "N passed, N failed".
 *
 *   usertests            run every test
 *   usertests NAME...    run the tests whose names contain one of the NAMEs
 *
 * This file holds main, the table of tests and the helpers they share (declared in
 * usertests.h); the tests themselves are in usertests_processes.c, usertests_files.c and
 * usertests_memory.c. */
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"
#include "usertests.h"

/* The number of free physical frames, from the vmstat system call, or -1. */
long free_frames(void)
{
    struct atlas_vmstat stats;
    if (syscall(SYS_vmstat, &stats) < 0)
        return -1;
    return (long)stats.free_frames;
}

/* Runs `body` in a child and returns the child's wait status. */
int status_of_child(void (*body)(void))
{
    int pid = fork();
    if (pid == 0) {
        body();
        _exit(0);
    }
    int status = -1;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

static const struct TestCase kTests[] = {
    TEST(fork_exit_wait_report_each_status),
    TEST(fork_stress_many_generations),
    TEST(getpid_and_getppid_agree_across_fork),
    TEST(waitpid_wnohang_returns_zero_while_child_runs),
    TEST(exec_passes_arguments),
    TEST(exec_failure_leaves_caller_intact),
    TEST(exec_with_too_many_or_too_long_arguments_is_e2big),
    TEST(exec_of_truncated_or_corrupt_elf_is_enoexec),
    TEST(kill_ends_a_running_child_with_sigkill),
    TEST(kill_wakes_a_child_blocked_on_a_pipe),
    TEST(kill_of_init_is_refused),
    TEST(too_many_processes_fail_with_eagain),
    TEST(pipe_carries_a_large_stream_intact),
    TEST(pipe_write_without_readers_is_epipe),
    TEST(pipe_writes_of_at_most_pipe_buf_are_never_interleaved),
    TEST(files_write_read_seek_and_stat),
    TEST(open_flags_behave_as_posix_says),
    TEST(directories_links_and_chdir),
    TEST(unlinked_open_file_stays_readable),
    TEST(descriptors_run_out_with_emfile_and_dup_shares_offset),
    TEST(sbrk_grows_lazily_and_shrink_frees),
    TEST(heap_access_after_shrink_kills),
    TEST(bad_pointers_give_efault),
    TEST(bad_accesses_kill_the_process_only),
    TEST(running_out_of_memory_kills_the_process_not_the_kernel),
    TEST(fork_gives_each_side_its_own_writes),
    TEST(fork_shares_frames_until_written),
    TEST(resolved_page_faults_preserve_every_register),
};

int main(int argc, char** argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
