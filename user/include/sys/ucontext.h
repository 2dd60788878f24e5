/* <sys/ucontext.h>: see <ucontext.h>. */
#ifndef _ATLAS_SYS_UCONTEXT_H
#define _ATLAS_SYS_UCONTEXT_H
#include <ucontext.h>
#endif
