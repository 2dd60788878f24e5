// Kernel printing: kprintf and friends, for every layer of the kernel.
//
// The bytes go to one output sink, which the console driver registers at boot
// (drivers/console.h: console_init(), the UART, or the SBI console before the UART is
// known); until one is registered, output is dropped. This header knows nothing of the
// device, so mm/ and fs/ can print without including drivers/.
//
// Invariants: lines printed by different harts never interleave, because every kprintf
// and kwrite call formats and writes under one print lock, with interrupts off on this
// hart while it is held (so an interrupt handler that prints cannot deadlock against the
// code it interrupted). panic() breaks the lock with kprintf_force_unlock().
#pragma once

#include <cstdarg>
#include <cstddef>

#include "lib/format.h"

void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void vkprintf(const char* fmt, va_list args);

// Writes raw bytes under the print lock (the console device's writes and echo).
void kwrite(const char* chars, size_t length);

// Makes `sink` the destination of everything printed from now on. The sink must live for
// good; the console driver registers its own before anything else runs.
void kprintf_set_sink(FormatSink* sink);

// For panic(): from now on the print lock is ignored, so a hart that panicked while
// printing (or while another hart was stopped mid-line) can still be heard.
void kprintf_force_unlock();
