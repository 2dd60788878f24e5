// The system-call entry: from an ecall in user mode to the handler, and back.
//
// The user trap code (arch/riscv64/user_trap.h) calls syscall_dispatch() for scause 8 with
// interrupts enabled and sepc already past the ecall (so a handler that rewrites the frame,
// like exec, decides where user mode resumes). The dispatcher looks the number in a7 up in
// its table (dispatch.cc; numbers in numbers.h) and stores the result, or -errno, in a0; an
// unknown number is -ENOSYS. Handlers live in one file per area (sys_proc.cc, sys_file.cc,
// sys_fs.cc, sys_mm.cc); their typed signatures are in handlers.h, the ABI in abi.h.
#pragma once

#include "arch/riscv64/user_trap.h"
