// panic(): the kernel found itself in a state it cannot continue from. It prints the
// message and a symbolized backtrace, stops every other hart, and powers the machine off
// with a failure status (so a test run notices). A kernel panic is always a kernel bug:
// nothing a user program does may lead here.
#pragma once

[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// True once any hart has panicked; other harts check it when interrupted and halt.
bool kernel_panicking();
