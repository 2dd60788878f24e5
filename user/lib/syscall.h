// The one way user/lib enters the kernel: `ecall` with the number in a7 and up to six
// arguments in a0..a5; the result comes back in a0, a negative errno on failure
// (kernel/syscall/numbers.h). Private to user/lib.
#pragma once

#include "../../kernel/syscall/numbers.h"

namespace atlas {

inline long raw_syscall(long number, long arg0 = 0, long arg1 = 0, long arg2 = 0, long arg3 = 0,
                        long arg4 = 0, long arg5 = 0)
{
    register long a0 asm("a0") = arg0;
    register long a1 asm("a1") = arg1;
    register long a2 asm("a2") = arg2;
    register long a3 asm("a3") = arg3;
    register long a4 asm("a4") = arg4;
    register long a5 asm("a5") = arg5;
    register long a7 asm("a7") = number;
    // "memory": the kernel reads and writes user buffers behind the compiler's back.
    asm volatile("ecall"
                 : "+r"(a0)
                 : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7)
                 : "memory");
    return a0;
}

// Results in [-4095, -1] are negated errnos, as on Linux; anything else (addresses from
// sbrk or mmap included, which are below 2^38) is a success.
inline bool is_error(long result) { return result < 0 && result >= -4095; }

// Turns a raw result into the C convention: errno and -1 on failure.
long set_errno(long result);

template <typename... Args> long syscall(long number, Args... args)
{
    return set_errno(raw_syscall(number, (long)args...));
}

} // namespace atlas
