/* <signal.h>: kill() and the signal numbers that appear in wait statuses (Linux's values).
 * Atlas has no signal handlers: kill() ends the process, whatever the signal. */
#ifndef _ATLAS_SIGNAL_H
#define _ATLAS_SIGNAL_H

#include <sys/cdefs.h>
#include <sys/types.h>

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15

__ATLAS_BEGIN_DECLS
int kill(pid_t pid, int signal);
__ATLAS_END_DECLS

#endif
