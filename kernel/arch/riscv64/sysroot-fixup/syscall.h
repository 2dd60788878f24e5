/*
 * Stands in for glibc's <syscall.h> in kernel code. libstdc++'s <atomic> includes it (for
 * the futex-based wait/notify the kernel never uses), and glibc's version defines Linux's
 * SYS_* numbers, which would silently replace Atlas's own (kernel/syscall/numbers.h) in
 * any file that includes <atomic> after them. Only the one name libstdc++ refers to is
 * provided, with Linux's value, so that its inline code still compiles.
 */
#pragma once
#define SYS_futex 98
