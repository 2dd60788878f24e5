// Stack walking and symbolization: see backtrace.h.
#include "arch/riscv64/backtrace.h"

#include "arch/riscv64/layout.h"
#include "lib/kprintf.h"

namespace {

struct SymtabEntry {
    uint64_t address;
    uint64_t name_offset;
};

}  // namespace

extern "C" const uint64_t kernel_symtab_count;
extern "C" const SymtabEntry kernel_symtab_entries[];
extern "C" const char kernel_symtab_names[];

Symbol symbolize(uint64_t address) {
    if (address < reinterpret_cast<uint64_t>(kernel_start) || address >= reinterpret_cast<uint64_t>(kernel_text_end))
        return {nullptr, 0};
    // Binary search for the last entry at or below the address.
    uint64_t low = 0, high = kernel_symtab_count;
    while (low < high) {
        uint64_t mid = low + (high - low) / 2;
        if (kernel_symtab_entries[mid].address <= address)
            low = mid + 1;
        else
            high = mid;
    }
    if (low == 0)
        return {nullptr, 0};
    const SymtabEntry& entry = kernel_symtab_entries[low - 1];
    return {kernel_symtab_names + entry.name_offset, address - entry.address};
}

static void print_frame(unsigned index, uint64_t pc) {
    Symbol symbol = symbolize(pc);
    if (symbol.name)
        kprintf("  #%-2u %p %s+0x%lx\n", index, reinterpret_cast<void*>(pc), symbol.name, symbol.offset);
    else
        kprintf("  #%-2u %p ?\n", index, reinterpret_cast<void*>(pc));
}

// A frame pointer is worth following only if it is aligned and inside kernel memory.
static bool plausible_frame_pointer(uint64_t fp) {
    return fp % 16 == 0 && fp >= kDirectMapBase + 16;
}

void print_backtrace(uint64_t pc, uint64_t fp, unsigned max_frames) {
    print_frame(0, pc);
    for (unsigned i = 1; i < max_frames && plausible_frame_pointer(fp); ++i) {
        auto* frame = reinterpret_cast<const uint64_t*>(fp);
        uint64_t return_address = frame[-1];
        uint64_t caller_fp = frame[-2];
        if (return_address == 0)
            break;
        // The return address points after the call; the call itself is 4 bytes earlier,
        // which is the line a reader wants.
        print_frame(i, return_address - 4);
        if (caller_fp <= fp)
            break;  // Stacks grow down, so callers' frames lie above; anything else is garbage.
        fp = caller_fp;
    }
}

void print_current_backtrace() {
    auto fp = reinterpret_cast<uint64_t>(__builtin_frame_address(0));
    auto pc = reinterpret_cast<uint64_t>(__builtin_return_address(0));
    // Start from our caller: frame 0 is the call site, then its callers.
    auto* frame = reinterpret_cast<const uint64_t*>(fp);
    print_backtrace(pc - 4, frame[-2]);
}
