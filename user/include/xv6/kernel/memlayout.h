// xv6 compatibility: the user-visible constants of xv6's kernel/memlayout.h. KERNBASE is
// xv6's 0x80000000: on Atlas that address is ordinary, unmapped user space (the kernel
// lives in the upper half), so a user read of it is killed just as xv6's usertests expect.
#ifndef ATLAS_XV6_KERNEL_MEMLAYOUT_H
#define ATLAS_XV6_KERNEL_MEMLAYOUT_H

#define KERNBASE 0x80000000L
#define PHYSTOP (KERNBASE + 128 * 1024 * 1024)

#ifndef PGSIZE
#define PGSIZE 4096
#endif
#ifndef MAXVA
#define MAXVA (1L << (9 + 9 + 9 + 12 - 1))
#endif
#define TRAMPOLINE (MAXVA - PGSIZE)
#define TRAPFRAME (TRAMPOLINE - PGSIZE)

#endif
