/*
 * Empty on purpose. The kernel is compiled for the soft-float ABI (-mabi=lp64, so that the
 * compiler can never emit a floating-point instruction), but Debian's cross libstdc++
 * headers, which supply <cstdint> and friends, include glibc's <gnu/stubs.h>, which asks
 * for the stubs file of the ABI in use; glibc is only shipped for lp64d. The stubs file
 * only lists unimplemented libc functions, which freestanding code never calls.
 */
