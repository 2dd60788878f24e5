// xv6 compatibility: the user-safe part of xv6's kernel/riscv.h (page size and rounding,
// the top of the virtual address space). The CSR accessors are kernel-only and absent.
#ifndef ATLAS_XV6_KERNEL_RISCV_H
#define ATLAS_XV6_KERNEL_RISCV_H

#define PGSIZE 4096
#define PGSHIFT 12
#define PGROUNDUP(sz) (((sz) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) (((a)) & ~(PGSIZE - 1))

#define PTE_V (1L << 0)
#define PTE_R (1L << 1)
#define PTE_W (1L << 2)
#define PTE_X (1L << 3)
#define PTE_U (1L << 4)

// One beyond the highest user address: Sv39's lower half, 2^38 (as in xv6; Atlas's
// kUserSpaceEnd in kernel/arch/riscv64/layout.h).
#define MAXVA (1L << (9 + 9 + 9 + 12 - 1))

#endif
