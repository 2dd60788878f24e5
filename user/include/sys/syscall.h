/* <sys/syscall.h>: the SYS_* numbers, for syscall() (declared in <unistd.h>). They come
 * from the one table the kernel's dispatcher also includes. */
#ifndef _ATLAS_SYS_SYSCALL_H
#define _ATLAS_SYS_SYSCALL_H

#include "../../../kernel/syscall/numbers.h"

#endif
