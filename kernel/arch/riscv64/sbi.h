// Calls into the supervisor binary interface (OpenSBI on QEMU): the timer, inter-processor
// interrupts, remote TLB flushes, starting harts and powering off. Each function is one
// `ecall`; SBI errors come back as negative numbers in sbi::Result::error.
//
// Hart masks are (mask, base) pairs as in the SBI specification: bit i of mask names hart
// base + i. A base of -1 (kAllHarts) means every hart.
#pragma once

#include <cstdint>

namespace sbi {

struct Result {
    long error;
    long value;
};

constexpr unsigned long kAllHarts = ~0ul;

// Legacy console output, usable before the device tree is read.
void console_putchar(char c);

// Asks for a supervisor timer interrupt when `time` reaches `stime_value`.
void set_timer(uint64_t stime_value);

// Raises a supervisor software interrupt on the harts in the mask.
Result send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);

// Executes sfence.vma for [start, start + size) on the harts in the mask (size ~0 = all).
Result remote_sfence_vma(unsigned long hart_mask, unsigned long hart_mask_base, uint64_t start, uint64_t size);

// Hart state management.
Result hart_start(unsigned long hart_id, uint64_t start_phys, uint64_t opaque);
Result hart_status(unsigned long hart_id);

// System reset extension: shuts down (or reboots) the machine. Returns only on failure.
enum class ResetReason : uint32_t { None = 0, SystemFailure = 1 };
Result system_shutdown(ResetReason reason);

}  // namespace sbi
