// xv6 compatibility: the part of xv6's kernel/riscv.h that means something in user mode.
//
// Offered: the page size and rounding, the Sv39 page-table types and arithmetic (pte_t,
// pagetable_t, PTE_* bits, PA2PTE/PTE2PA/PTE_FLAGS, PXSHIFT/PX/PXMASK), MAXVA, and the
// accessors user mode may execute: r_sp, r_ra and r_tp read ordinary registers (tp is the
// program's own thread pointer on Atlas, zero unless the program sets it, not a hart id
// as in xv6's kernel), and r_time reads the time counter with rdtime, which the kernel
// lets user mode read.
// Left out on purpose: every accessor of a supervisor or machine CSR (r_sstatus, w_satp,
// intr_on, sfence_vma, r_mhartid...) and the status/interrupt bit masks that go with them:
// executing one in user mode is an illegal instruction, so a program using one should
// fail to compile rather than be killed at run time.
// Compiles on its own, in any order with the other xv6 headers (it needs no typedef of
// kernel/types.h; the types below are the same as uint64's).
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

// A PTE holds the physical page number from bit 10 up, the flags below it.
#define PA2PTE(pa) ((((unsigned long)(pa)) >> 12) << 10)
#define PTE2PA(pte) (((pte) >> 10) << 12)
#define PTE_FLAGS(pte) ((pte) & 0x3FF)

// The 9-bit index of a virtual address at each of the three page-table levels.
#define PXMASK 0x1FF
#define PXSHIFT(level) (PGSHIFT + (9 * (level)))
#define PX(level, va) ((((unsigned long)(va)) >> PXSHIFT(level)) & PXMASK)

// One beyond the highest user address: Sv39's lower half, 2^38 (as in xv6; Atlas's
// kUserSpaceEnd in kernel/arch/riscv64/layout.h).
#define MAXVA (1L << (9 + 9 + 9 + 12 - 1))

#ifndef __ASSEMBLER__

typedef unsigned long pte_t;
typedef unsigned long* pagetable_t;  // 512 PTEs.

// The stack pointer of the caller.
static inline unsigned long r_sp(void)
{
  unsigned long value;
  __asm__ volatile("mv %0, sp" : "=r"(value));
  return value;
}

// The thread pointer register (tp), as the program left it.
static inline unsigned long r_tp(void)
{
  unsigned long value;
  __asm__ volatile("mv %0, tp" : "=r"(value));
  return value;
}

// The return-address register (ra).
static inline unsigned long r_ra(void)
{
  unsigned long value;
  __asm__ volatile("mv %0, ra" : "=r"(value));
  return value;
}

// The time counter (10 MHz on QEMU virt), through the user-readable rdtime.
static inline unsigned long r_time(void)
{
  unsigned long value;
  __asm__ volatile("rdtime %0" : "=r"(value));
  return value;
}

#endif // __ASSEMBLER__

#endif
