// The kernel console: kprintf and friends, on the UART (or the SBI console before the
// UART is known). Lines printed by different harts never interleave: every kprintf call
// formats under the console lock.
#pragma once

#include <cstdarg>
#include <cstddef>

void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void vkprintf(const char* fmt, va_list args);

// Writes raw bytes (for the console device later on).
void console_write(const char* chars, size_t length);

// For panic(): from now on the console lock is ignored, so a hart that panicked while
// printing (or while another hart was stopped mid-line) can still be heard.
void console_force_unlock();
