/* What the parts of usertests share: the harness (the CHECK macro and the failure buffer
 * it writes, from harness.h), the helpers that several tests use, and every test, each
 * defined in the file of its area (usertests_processes.c, usertests_files.c,
 * usertests_memory.c) and listed in the table of usertests.c. A test returns 0 if it
 * passed, or 1 with the reason in `failure`. */
#ifndef ATLAS_USERTESTS_H
#define ATLAS_USERTESTS_H

#include <errno.h>
#include <stdio.h>

#include "harness.h"

/* The number of free physical frames, from the vmstat system call, or -1. Exact between
   tests: wait() returns only once everything the child held (its kernel stack included)
   is free again. */
long free_frames(void);

/* Runs `body` in a child and returns the child's wait status. */
int status_of_child(void (*body)(void));

/* Processes (usertests_processes.c). */
int fork_exit_wait_report_each_status(void);
int fork_stress_many_generations(void);
int getpid_and_getppid_agree_across_fork(void);
int waitpid_wnohang_returns_zero_while_child_runs(void);
int exec_passes_arguments(void);
int exec_failure_leaves_caller_intact(void);
int exec_with_too_many_or_too_long_arguments_is_e2big(void);
int exec_of_truncated_or_corrupt_elf_is_enoexec(void);
int kill_ends_a_running_child_with_sigkill(void);
int kill_wakes_a_child_blocked_on_a_pipe(void);
int kill_of_init_is_refused(void);
int too_many_processes_fail_with_eagain(void);

/* Pipes and files (usertests_files.c). */
int pipe_carries_a_large_stream_intact(void);
int pipe_write_without_readers_is_epipe(void);
int pipe_writes_of_at_most_pipe_buf_are_never_interleaved(void);
int files_write_read_seek_and_stat(void);
int open_flags_behave_as_posix_says(void);
int directories_links_and_chdir(void);
int unlinked_open_file_stays_readable(void);
int descriptors_run_out_with_emfile_and_dup_shares_offset(void);

/* Memory and copy-on-write (usertests_memory.c). */
int sbrk_grows_lazily_and_shrink_frees(void);
int heap_access_after_shrink_kills(void);
int bad_pointers_give_efault(void);
int bad_accesses_kill_the_process_only(void);
int running_out_of_memory_kills_the_process_not_the_kernel(void);
int fork_gives_each_side_its_own_writes(void);
int fork_shares_frames_until_written(void);
int resolved_page_faults_preserve_every_register(void);

#endif
