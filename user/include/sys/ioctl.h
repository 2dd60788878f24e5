/* <sys/ioctl.h>: ioctl(), for the console's two requests, TIOCGPGRP (store the
 * foreground process group at the int* argument) and TIOCSPGRP (set it from there), with
 * Linux's values (kernel/syscall/abi.h). Any other request, or any file but the console,
 * is ENOTTY. tcgetpgrp() and tcsetpgrp() in <unistd.h> are the usual way in. */
#ifndef _ATLAS_SYS_IOCTL_H
#define _ATLAS_SYS_IOCTL_H

#include <sys/cdefs.h>

#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410

__ATLAS_BEGIN_DECLS
int ioctl(int fd, unsigned long request, ...);
__ATLAS_END_DECLS

#endif
