// xv6 compatibility: xv6's kernel/fcntl.h, with the mmap lab's PROT_ and MAP_ block always
// visible (no LAB_MMAP needed). The O_ values are xv6's; xv6 programs' open() (user/user.h)
// translates them to Atlas's (Linux's) before the system call. PROT_ and MAP_ values are
// the same in xv6's lab and Linux. MAP_FAILED is deliberately absent: mmaptest.c defines it.
#ifndef ATLAS_XV6_KERNEL_FCNTL_H
#define ATLAS_XV6_KERNEL_FCNTL_H

#define O_RDONLY 0x000
#define O_WRONLY 0x001
#define O_RDWR 0x002
#define O_CREATE 0x200
#define O_TRUNC 0x400

#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
// Not in xv6's lab; Linux's values, for programs written against Atlas.
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20

#endif
