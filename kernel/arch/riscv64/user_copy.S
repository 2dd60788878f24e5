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
