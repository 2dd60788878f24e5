/*
 * A tiny user program for the user-mode self-test (user_mode_selftest.cc). It is data to
 * the kernel: the test copies [user_test_program_start, user_test_program_end) into a
 * text Vma and enters it with a0 = a data page, a1 = a small number. It exercises a
 * demand-zero write fault, floating point across system calls that yield (the registers
 * must survive context switches), and ends with a NULL load, which must kill it.
 */
    .section .rodata
    .balign 4
    .option push
    .option arch, +f, +d
    .globl user_test_program_start
user_test_program_start:
    mv s0, a0
    mv s1, a1
    li s2, 200
    sd s1, 0(s0)              /* first touch of the data page: demand-zero write fault */
    ld t0, 0(s0)
    fcvt.d.l f1, t0
    fadd.d f1, f1, f1         /* f1 = 2 * value, kept across every ecall below */
1:  li a7, 1                  /* "check": a0 = the value f1 still holds */
    fcvt.l.d a0, f1
    ecall
    addi s2, s2, -1
    bnez s2, 1b
    li a7, 2                  /* "done" */
    mv a0, s1
    ecall
    ld t1, 0(zero)            /* a fatal fault: the test handler ends the thread */
    .globl user_test_program_end
user_test_program_end:
    .option pop
