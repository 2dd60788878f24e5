// Booting into user land: what pid 1 runs, and what happens when it exits.
//
// pid 1 always runs /bin/init, with descriptors 0, 1 and 2 on the console and cwd /.
//
// Normal boot: init starts /bin/sh on the console and restarts it. init must never exit;
// if it does, the kernel panics.
//
// atlas-run mode (tools/atlas-run): the kernel command line holds
//
//     atlas.run=ARG0,ARG1,...
//
// where each argument is percent-encoded (every byte outside [A-Za-z0-9._/+-] written as
// %XX, so ',' is %2C and a space %20). The kernel prints "atlas-run: start" and starts
// init as `init --atlas-run ARG0 ARG1 ...`. init runs the command as its child (ARG0 is the
// program, a name without '/' meaning /bin/NAME; the whole list is its argv), reaps every
// orphan meanwhile, and when the command exits prints one final line:
//
//     atlas-run: exit N                  (exit(N))
//     atlas-run: killed by signal S      (kill, bad memory access, out of memory)
//
// preceded by "atlas-run: cannot run PROG: WHY" if exec failed, and exits with N (128 + S
// if killed). The exit of init then powers off with PowerOffStatus::Success if it exited
// 0, TestsFailed otherwise. The host script reads the final line for the exact status.
// Failures before init runs print "atlas-run: malformed ...", "atlas-run: no root file
// system ..." or "atlas-run: cannot run /bin/init: ERRNO" and power off.
#pragma once

// Starts pid 1 as the command line asks. Called once from the first kernel thread after
// the root file system is mounted. Returns whether pid 1 runs (then the caller's thread has
// nothing more to do); false, after a message, if there is no root file system or init
// cannot be loaded. In atlas-run mode a failure powers off instead.
bool start_user_land(const char* bootargs);

// The exit of pid 1 (Process::exit_current). Never returns.
[[noreturn]] void first_process_exited(int status);
