// Stack walking and symbolization for panic() and debug dumps.
//
// The kernel is built with frame pointers: in every frame, fp (s0) points just above the
// saved return address (fp - 8) and the caller's fp (fp - 16). Names come from the symbol
// table embedded at link time (tools/gen-symtab.py).
#pragma once

#include <cstdint>

struct Symbol {
    const char* name;  // nullptr if the address is outside every known function.
    uint64_t offset;   // Distance from the start of that function.
};

Symbol symbolize(uint64_t address);

// Prints "  #i 0x... name+0x.." for `pc` and then every caller found by following
// frame pointers from `fp`, at most `max_frames` lines.
void print_backtrace(uint64_t pc, uint64_t fp, unsigned max_frames = 32);

// Backtrace of the caller of this function.
void print_current_backtrace();
