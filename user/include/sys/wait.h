/* <sys/wait.h>: wait and waitpid, and the macros that decode their status word.
 *
 * The status word is Linux's: a normal exit is (code & 0xff) << 8; a process the kernel
 * killed has the signal number in the low 7 bits (9 SIGKILL for kill(), 11 SIGSEGV for a
 * bad memory access, 7 SIGBUS for a bus error). */
#ifndef _ATLAS_SYS_WAIT_H
#define _ATLAS_SYS_WAIT_H

#include <sys/cdefs.h>
#include <sys/types.h>

#define WNOHANG 1
#define WUNTRACED 2

#define WEXITSTATUS(status) (((status) >> 8) & 0xff)
#define WTERMSIG(status) ((status) & 0x7f)
#define WIFEXITED(status) (WTERMSIG(status) == 0)
#define WIFSIGNALED(status) (WTERMSIG(status) != 0 && WTERMSIG(status) != 0x7f)
#define WIFSTOPPED(status) (((status) & 0xff) == 0x7f)
#define WCOREDUMP(status) ((status) & 0x80)

__ATLAS_BEGIN_DECLS
pid_t wait(int* status);
pid_t waitpid(pid_t pid, int* status, int options);
__ATLAS_END_DECLS

#endif
