/*
 * Where every hart enters the kernel. OpenSBI starts the boot hart at _start and every other
 * hart (through SBI HSM hart_start) at _start_secondary, in supervisor mode with paging off:
 *   a0 = hart id, a1 = physical address of the device tree (boot hart)
 *                 or the opaque value given to hart_start (secondary harts).
 *
 * The boot page table maps three things with 1 GiB pages, enough to reach C++:
 *   - the gigabyte holding the kernel, at its physical address (so the instruction after
 *     the satp write still fetches), and at kKernelImageBase (where the kernel is linked);
 *   - the first 64 GiB of physical memory at kDirectMapBase, so the device tree can be read.
 * The kernel page table proper replaces it once memory is set up (mm/kernel_page_table.cc).
 */
#define SATP_MODE_SV39 (8 << 60)
#define PTE_LEAF_RWX  0xcf  /* V R W X A D */
#define PTE_GLOBAL    0x20
#define DIRECT_MAP_ROOT_INDEX 256  /* kDirectMapBase = 0xffffffc000000000 */
#define DIRECT_MAP_GIGABYTES 64
#define KERNEL_ROOT_INDEX 510      /* 0xffffffff80000000 */
/* struct SecondaryBoot and the record table in smp.cc (static_asserts there keep these in step). */
#define SECONDARY_BOOT_HART_ID 24
#define SECONDARY_BOOT_RECORD_SIZE 32
#define SECONDARY_BOOT_RECORD_COUNT 8

    .section .text.boot, "ax"
    .globl _start
_start:
    /*
     * Only the first hart to arrive here is the boot hart. The OpenSBI that QEMU 7.2 ships
     * (v1.1) can send a hart that is being started through HSM here instead of to
     * _start_secondary: its hart_start marks the hart START_PENDING before it stores the new
     * start address, so a hart that reaches its wait loop in that window jumps to the old
     * one (this entry) with the old a1 (the device tree). Such a hart would clear .bss and
     * run kernel_main on the boot hart's stack. Seen as a panic in
     * smp_start_secondary_harts (s0 zeroed on the boot stack) once in a few dozen boots.
     */
    la t0, boot_entry_taken
    li t1, 1
    amoswap.w.aqrl t1, t1, (t0)
    bnez t1, .Lmisdirected_secondary

    csrw sie, zero
    csrw sip, zero

    /* Clear .bss. Paging is off, so PC-relative addresses are physical ones. */
    la t0, bss_start
    la t1, bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:
    la t0, boot_page_table
    /* Direct map: entry 256 + i maps physical gigabyte i, read-write, global. */
    li t1, 0
    li t2, DIRECT_MAP_GIGABYTES
    li t3, DIRECT_MAP_ROOT_INDEX * 8
    add t3, t3, t0
3:  slli t4, t1, 28
    ori t4, t4, (PTE_LEAF_RWX | PTE_GLOBAL)
    sd t4, 0(t3)
    addi t3, t3, 8
    addi t1, t1, 1
    bltu t1, t2, 3b

    /* The gigabyte holding the kernel, identity-mapped and at the link address. */
    la t1, _start
    srli t1, t1, 30           /* gigabyte number */
    slli t2, t1, 28
    ori t2, t2, PTE_LEAF_RWX
    andi t3, t1, 511
    slli t3, t3, 3
    add t3, t3, t0
    sd t2, 0(t3)
    ori t2, t2, PTE_GLOBAL
    li t3, KERNEL_ROOT_INDEX * 8
    add t3, t3, t0
    sd t2, 0(t3)

    call enable_boot_paging
    ld t0, .Lboot_high
    jr t0

/*
 * A secondary hart that OpenSBI sent to _start (see there). a0 = its hart id is right, a1 is
 * not: find the record the boot hart filled in for this hart before calling hart_start, and
 * continue as if HSM had passed it. A record counts once its stack and tp are set.
 */
.Lmisdirected_secondary:
    la t0, secondary_boot_records
    li t1, SECONDARY_BOOT_RECORD_SIZE * SECONDARY_BOOT_RECORD_COUNT
    add t1, t1, t0
6:  ld t2, SECONDARY_BOOT_HART_ID(t0)
    bne t2, a0, 7f
    ld t2, 8(t0)
    beqz t2, 7f
    ld t2, 16(t0)
    beqz t2, 7f
    mv a1, t0
    j _start_secondary
7:  addi t0, t0, SECONDARY_BOOT_RECORD_SIZE
    bltu t0, t1, 6b
    j .Lmisdirected_secondary

/* Secondary harts: same page table, then the stack and satp that the boot hart prepared. */
    .balign 4                 /* Some SBI implementations want a 4-byte aligned start address. */
    .globl _start_secondary
_start_secondary:
    csrw sie, zero
    csrw sip, zero
    call enable_boot_paging
    ld t0, .Lsecondary_high
    jr t0

/* Turns on the boot page table. Clobbers t0 and t1. */
enable_boot_paging:
    la t0, boot_page_table
    srli t0, t0, 12
    li t1, SATP_MODE_SV39
    or t0, t0, t1
    sfence.vma
    csrw satp, t0
    sfence.vma
    ret

    .balign 8
.Lboot_high:
    .dword boot_high
.Lsecondary_high:
    .dword secondary_high

    .text
boot_high:
    la sp, boot_stack_top
    mv fp, zero
    mv tp, zero
    /* a0 = hart id, a1 = device tree physical address. */
    call kernel_main
4:  wfi
    j 4b

/*
 * a1 = physical address of a SecondaryBoot record (arch/riscv64/smp.h):
 *   0: satp of the kernel page table, 8: stack top, 16: value for tp, 24: hart id.
 */
secondary_high:
    li t0, 0xffffffc000000000
    add a1, a1, t0
    ld t0, 0(a1)
    sfence.vma
    csrw satp, t0
    sfence.vma
    ld sp, 8(a1)
    ld tp, 16(a1)
    mv fp, zero
    call secondary_main
5:  wfi
    j 5b

    /* In .data, not .bss: _start claims it before it clears .bss. */
    .section .data
    .balign 4
boot_entry_taken:
    .word 0

    .section .bss
    .balign 4096
    .globl boot_page_table
boot_page_table:
    .zero 4096
