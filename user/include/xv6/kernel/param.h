// xv6 compatibility: xv6's kernel/param.h. The names are xv6's; where Atlas's real limit
// differs, the value is Atlas's (a program sizing a loop by NOFILE then meets the real
// limit), and the comment says what xv6 had.
#ifndef ATLAS_XV6_KERNEL_PARAM_H
#define ATLAS_XV6_KERNEL_PARAM_H

#define NPROC 64          // xv6's value, for programs that size arrays; Atlas's process table has no fixed size.
#define NCPU 8
#define NOFILE 64         // Open files per process (xv6: 16).
#define NFILE 100
#define NINODE 50
#define NDEV 10
#define ROOTDEV 1
#define MAXARG 32         // Arguments to exec.
#define MAXOPBLOCKS 10
#define LOGSIZE (MAXOPBLOCKS * 3)
#define NBUF (MAXOPBLOCKS * 3)
#define FSSIZE 2000
#define MAXPATH 128
#define USERSTACK 2048    // Pages of user stack, 8 MiB (xv6: 1), with an unmapped guard page below.

#endif
