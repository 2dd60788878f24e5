// Host shim for kernel/lib/kprintf.h: kprintf goes to stderr, so that messages such as
// "mount refused" show up in a failing test's output.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdio>

inline void vkprintf(const char* fmt, va_list args) { std::vfprintf(stderr, fmt, args); }

__attribute__((format(printf, 1, 2))) inline void kprintf(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vkprintf(fmt, args);
    va_end(args);
}

inline void kwrite(const char* chars, size_t length) { std::fwrite(chars, 1, length, stderr); }
