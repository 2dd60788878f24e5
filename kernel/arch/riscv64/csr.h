// Supervisor control and status registers, and the few instructions around them.
//
// Names follow the RISC-V privileged specification. Everything here is a thin inline
// wrapper: the compiler sees the CSR number at compile time.
#pragma once

#include <cstdint>

namespace csr {

#define ATLAS_CSR_ACCESSORS(name)                                                   \
    inline uint64_t read_##name() {                                                 \
        uint64_t value;                                                             \
        asm volatile("csrr %0, " #name : "=r"(value));                              \
        return value;                                                               \
    }                                                                               \
    inline void write_##name(uint64_t value) { asm volatile("csrw " #name ", %0" ::"r"(value) : "memory"); } \
    inline void set_##name(uint64_t bits) { asm volatile("csrs " #name ", %0" ::"r"(bits) : "memory"); }     \
    inline void clear_##name(uint64_t bits) { asm volatile("csrc " #name ", %0" ::"r"(bits) : "memory"); }

ATLAS_CSR_ACCESSORS(sstatus)
ATLAS_CSR_ACCESSORS(sie)
ATLAS_CSR_ACCESSORS(sip)
ATLAS_CSR_ACCESSORS(stvec)
ATLAS_CSR_ACCESSORS(sscratch)
ATLAS_CSR_ACCESSORS(sepc)
ATLAS_CSR_ACCESSORS(scause)
ATLAS_CSR_ACCESSORS(stval)
ATLAS_CSR_ACCESSORS(satp)
ATLAS_CSR_ACCESSORS(scounteren)

#undef ATLAS_CSR_ACCESSORS

inline uint64_t read_time() {
    uint64_t value;
    asm volatile("rdtime %0" : "=r"(value));
    return value;
}

inline uint64_t read_instret() {
    uint64_t value;
    asm volatile("rdinstret %0" : "=r"(value));
    return value;
}

// sstatus bits.
constexpr uint64_t kSstatusSie = 1ull << 1;   // Supervisor interrupts enabled.
constexpr uint64_t kSstatusSpie = 1ull << 5;  // SIE before the trap.
constexpr uint64_t kSstatusSpp = 1ull << 8;   // Trap came from supervisor mode.
constexpr uint64_t kSstatusFs = 3ull << 13;   // Floating-point unit state.
constexpr uint64_t kSstatusSum = 1ull << 18;  // Supervisor may access user pages.
constexpr uint64_t kSstatusMxr = 1ull << 19;  // Loads from executable pages allowed.

// sie / sip bits.
constexpr uint64_t kSoftwareInterrupt = 1ull << 1;
constexpr uint64_t kTimerInterrupt = 1ull << 5;
constexpr uint64_t kExternalInterrupt = 1ull << 9;

// scounteren bits: which counters user mode may read (rdcycle, rdtime, rdinstret).
constexpr uint64_t kCounterCycle = 1ull << 0;
constexpr uint64_t kCounterTime = 1ull << 1;
constexpr uint64_t kCounterInstret = 1ull << 2;

// satp.
constexpr uint64_t kSatpModeSv39 = 8ull << 60;

}  // namespace csr

// Interrupt state of the current hart.
inline bool interrupts_enabled() { return csr::read_sstatus() & csr::kSstatusSie; }
inline void enable_interrupts() { csr::set_sstatus(csr::kSstatusSie); }
inline void disable_interrupts() { csr::clear_sstatus(csr::kSstatusSie); }

inline void wait_for_interrupt() { asm volatile("wfi"); }

// Flushes this hart's TLB: everything, or one virtual address in every address space.
inline void local_flush_tlb_all() { asm volatile("sfence.vma zero, zero" ::: "memory"); }
inline void local_flush_tlb_page(uint64_t vaddr) { asm volatile("sfence.vma %0, zero" ::"r"(vaddr) : "memory"); }

// Above this many pages, a range is flushed whole rather than page by page: each
// sfence.vma costs at least a pipeline drain, and an emulator such as QEMU 7.2 empties its
// whole software TLB for every one of them, address or not, so one whole flush is the
// cheaper way to forget a large range on every implementation we know of.
constexpr uint64_t kTlbPageFlushLimit = 64;

// Flushes [start, start + size) (page-aligned) from this hart's TLB: one sfence.vma per
// 4 KiB page, or one for everything above kTlbPageFlushLimit pages.
inline void local_flush_tlb_range(uint64_t start, uint64_t size)
{
    if (size > kTlbPageFlushLimit * 4096) {
        local_flush_tlb_all();
        return;
    }
    for (uint64_t va = start; va < start + size; va += 4096)
        local_flush_tlb_page(va);
}
