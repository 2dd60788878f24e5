/*
 * The only kernel code that dereferences user pointers (mm/user_memory.h is the C++ side).
 *
 * Each routine sets sstatus.SUM (supervisor may touch U pages), copies, clears SUM and
 * returns. A page fault anywhere in [user_copy_begin, user_copy_end) on a user address is
 * given to the fault pipeline by trap.cc; if the pipeline brings the page in, the faulting
 * instruction simply runs again, and if not, trap.cc resumes at user_copy_fault, which
 * clears SUM and returns -EFAULT from whichever routine faulted. That works because every
 * routine here is a leaf that keeps ra and sp untouched and has no stack frame.
 *
 * user_copy_fault also returns, in a1, what a2 held at the faulting instruction. In
 * user_copy_bytes a2 is the count of bytes not yet copied, and it is counted down only
 * after a load and its store have both run (an aligned doubleword never straddles a page,
 * so a faulting store wrote nothing): a1 is then exactly the bytes the copy left undone.
 * The bulk of an aligned copy moves 256 bytes per iteration as four halves of 64, then
 * what is left in halves of 64 ([user_copy_bulk_begin, user_copy_bulk_end)), with a2 counted down only after a half's
 * last store. Each half loads its eight doublewords before it stores any, so a load fault
 * (a bad source page) finds none of the half stored; a store fault may find some of it
 * stored, in the page before the bad one. A fault there that cannot be resolved resumes
 * at user_copy_bulk_fault instead of user_copy_fault: it recomputes both pointers from a2
 * and the ends kept in a6 and a7, so the copy restarts at the half's first byte, and
 * finishes a doubleword at a time. That loop stores again the same bytes the half had
 * stored, meets the bad page and stops exactly at its first byte, as if there had been no
 * unrolling: the count stays exact. (The unrolling makes the copy about 2.2 instructions
 * per 8 bytes instead of 8: read() and write() of cached data are mostly this loop.)
 *
 *   {long, size_t} user_copy_bytes(void* dst, const void* src, size_t n)
 *                                   -> {0, 0}, or {-EFAULT, bytes not copied}
 *   long user_clear_bytes(void* dst, size_t n)                    -> 0 or -EFAULT
 *   long user_copy_string(char* dst, const char* src, size_t cap) -> length without the NUL
 *        when a NUL was copied within cap bytes, cap if none was, or -EFAULT
 */
#define SSTATUS_SUM (1 << 18)
#define EFAULT 14

    .text
    .balign 4
    .globl user_copy_begin
user_copy_begin:

    .globl user_copy_bytes
    .type user_copy_bytes, @function
user_copy_bytes:
    li t0, SSTATUS_SUM
    csrs sstatus, t0
    /* Doublewords while both pointers are 8-byte aligned (they stay in step), then bytes. */
    or t1, a0, a1
    andi t1, t1, 7
    bnez t1, 2f
    add a6, a0, a2           /* the ends, for user_copy_bulk_fault */
    add a7, a1, a2
    /* 256 bytes at a time, as four halves of 64 (see the top of the file). */
    li t1, 256
    bltu a2, t1, 7f
    .globl user_copy_bulk_begin
user_copy_bulk_begin:
6:
    ld t2, 0(a1)
    ld t3, 8(a1)
    ld t4, 16(a1)
    ld t5, 24(a1)
    ld t6, 32(a1)
    ld a3, 40(a1)
    ld a4, 48(a1)
    ld a5, 56(a1)
    sd t2, 0(a0)
    sd t3, 8(a0)
    sd t4, 16(a0)
    sd t5, 24(a0)
    sd t6, 32(a0)
    sd a3, 40(a0)
    sd a4, 48(a0)
    sd a5, 56(a0)
    addi a2, a2, -64
    ld t2, 64(a1)
    ld t3, 72(a1)
    ld t4, 80(a1)
    ld t5, 88(a1)
    ld t6, 96(a1)
    ld a3, 104(a1)
    ld a4, 112(a1)
    ld a5, 120(a1)
    sd t2, 64(a0)
    sd t3, 72(a0)
    sd t4, 80(a0)
    sd t5, 88(a0)
    sd t6, 96(a0)
    sd a3, 104(a0)
    sd a4, 112(a0)
    sd a5, 120(a0)
    addi a2, a2, -64
    ld t2, 128(a1)
    ld t3, 136(a1)
    ld t4, 144(a1)
    ld t5, 152(a1)
    ld t6, 160(a1)
    ld a3, 168(a1)
    ld a4, 176(a1)
    ld a5, 184(a1)
    sd t2, 128(a0)
    sd t3, 136(a0)
    sd t4, 144(a0)
    sd t5, 152(a0)
    sd t6, 160(a0)
    sd a3, 168(a0)
    sd a4, 176(a0)
    sd a5, 184(a0)
    addi a2, a2, -64
    ld t2, 192(a1)
    ld t3, 200(a1)
    ld t4, 208(a1)
    ld t5, 216(a1)
    ld t6, 224(a1)
    ld a3, 232(a1)
    ld a4, 240(a1)
    ld a5, 248(a1)
    sd t2, 192(a0)
    sd t3, 200(a0)
    sd t4, 208(a0)
    sd t5, 216(a0)
    sd t6, 224(a0)
    sd a3, 232(a0)
    sd a4, 240(a0)
    sd a5, 248(a0)
    addi a2, a2, -64
    addi a0, a0, 256
    addi a1, a1, 256
    bgeu a2, t1, 6b
    /* Then halves of 64 while that much is left. */
7:  li t1, 64
    bltu a2, t1, .Lcopy_doublewords
8:
    ld t2, 0(a1)
    ld t3, 8(a1)
    ld t4, 16(a1)
    ld t5, 24(a1)
    ld t6, 32(a1)
    ld a3, 40(a1)
    ld a4, 48(a1)
    ld a5, 56(a1)
    sd t2, 0(a0)
    sd t3, 8(a0)
    sd t4, 16(a0)
    sd t5, 24(a0)
    sd t6, 32(a0)
    sd a3, 40(a0)
    sd a4, 48(a0)
    sd a5, 56(a0)
    addi a2, a2, -64
    addi a0, a0, 64
    addi a1, a1, 64
    bgeu a2, t1, 8b
    .globl user_copy_bulk_end
user_copy_bulk_end:
.Lcopy_doublewords:
1:  li t1, 8
    bltu a2, t1, 2f
    ld t2, 0(a1)
    sd t2, 0(a0)
    addi a0, a0, 8
    addi a1, a1, 8
    addi a2, a2, -8
    j 1b
2:  beqz a2, 3f
    lbu t2, 0(a1)
    sb t2, 0(a0)
    addi a0, a0, 1
    addi a1, a1, 1
    addi a2, a2, -1
    j 2b
3:  csrc sstatus, t0
    li a0, 0
    li a1, 0
    ret
    .size user_copy_bytes, . - user_copy_bytes

    .globl user_clear_bytes
    .type user_clear_bytes, @function
user_clear_bytes:
    li t0, SSTATUS_SUM
    csrs sstatus, t0
    andi t1, a0, 7
    bnez t1, 2f
1:  li t1, 8
    bltu a1, t1, 2f
    sd zero, 0(a0)
    addi a0, a0, 8
    addi a1, a1, -8
    j 1b
2:  beqz a1, 3f
    sb zero, 0(a0)
    addi a0, a0, 1
    addi a1, a1, -1
    j 2b
3:  csrc sstatus, t0
    li a0, 0
    ret
    .size user_clear_bytes, . - user_clear_bytes

    .globl user_copy_string
    .type user_copy_string, @function
user_copy_string:
    li t0, SSTATUS_SUM
    csrs sstatus, t0
    li t1, 0                 /* t1 = bytes copied so far */
1:  beq t1, a2, 2f           /* cap reached without a NUL */
    add t2, a1, t1
    lbu t3, 0(t2)
    add t2, a0, t1
    sb t3, 0(t2)
    beqz t3, 3f
    addi t1, t1, 1
    j 1b
2:  csrc sstatus, t0
    mv a0, a2
    ret
3:  csrc sstatus, t0
    mv a0, t1
    ret
    .size user_copy_string, . - user_copy_string

/* Where trap.cc resumes user_copy_bytes after a fault in its unrolled loop that could not
 * be resolved: back to the doubleword loop at the first byte not copied. Inside
 * [user_copy_begin, user_copy_end), since that loop faults again. */
    .globl user_copy_bulk_fault
    .type user_copy_bulk_fault, @function
user_copy_bulk_fault:
    sub a0, a6, a2
    sub a1, a7, a2
    j .Lcopy_doublewords
    .size user_copy_bulk_fault, . - user_copy_bulk_fault

    .globl user_copy_end
user_copy_end:

/* Where trap.cc resumes a routine above whose fault could not be resolved. */
    .globl user_copy_fault
    .type user_copy_fault, @function
user_copy_fault:
    li t0, SSTATUS_SUM
    csrc sstatus, t0
    li a0, -EFAULT
    mv a1, a2
    ret
    .size user_copy_fault, . - user_copy_fault
