// Booting into user land: what pid 1 runs, and what happens when it exits.
//
// Normal boot: pid 1 runs /bin/init (which starts /bin/sh on the console and restarts it).
// init must never exit; if it does, the kernel panics.
//
// atlas-run mode (tools/atlas-run): the kernel command line holds
//
//     atlas.run=ARG0,ARG1,...
//
// where each argument is percent-encoded (every byte outside [A-Za-z0-9._/+-] written as
// %XX, so ',' is %2C and a space %20). pid 1 runs that one command directly: ARG0 is the
// program (a name without '/' means /bin/NAME), and the whole list is its argv. The kernel
// prints "atlas-run: start" just before the program starts (the host prints only what
// follows), and when it exits one final line:
//
//     atlas-run: exit N                  (exit(N))
//     atlas-run: killed by signal S      (kill, bad memory access, out of memory)
//     atlas-run: cannot run PROG: ERRNO  (exec failed; no program output)
//
// and powers off with PowerOffStatus::Success if the program exited 0, TestsFailed
// otherwise. The host script reads the final line for the exact status.
#pragma once

// Starts pid 1 as the command line asks. Called once from the first kernel thread after
// the root file system is mounted. Returns whether pid 1 runs (then the caller's thread has
// nothing more to do); false, after a message, if there is no root file system or init
// cannot be loaded. In atlas-run mode a failure powers off instead.
bool start_user_land(const char* bootargs);

// The exit of pid 1 (Process::exit_current). Never returns.
[[noreturn]] void first_process_exited(int status);
