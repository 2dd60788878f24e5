// The kernel console: the output sink of kprintf (lib/kprintf.h) on the UART, or on the
// SBI console before the UART is known (uart::put_char falls back to it). The printing
// itself, and its line-atomic lock, live in lib/kprintf_kernel.cc.
#pragma once

// Registers the console as kprintf's sink. kernel_main calls it first, before anything
// can print.
void console_init();
