// The process entry point. The kernel starts every program here with a0 = argc,
// a1 = argv (NULL-terminated, on the new stack), sp 16-byte aligned and every other
// register zero. _start sets up the global pointer, which the linker's relaxation uses to
// reach small data in one instruction, and hands over to __atlas_start (start.cc), which
// never returns.
    .section .text._start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    lla gp, __global_pointer$
    .option pop
    // A zero return address and frame pointer end every backtrace here.
    li ra, 0
    li s0, 0
    call __atlas_start
1:  j 1b
    .size _start, . - _start
