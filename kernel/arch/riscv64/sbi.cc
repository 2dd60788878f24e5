// SBI calls: see sbi.h. Extension and function numbers are those of the SBI specification.
#include "arch/riscv64/sbi.h"

namespace sbi {

namespace {

constexpr long kExtLegacyConsolePutchar = 0x01;
constexpr long kExtTime = 0x54494D45;
constexpr long kExtIpi = 0x735049;
constexpr long kExtRfence = 0x52464E43;
constexpr long kExtHsm = 0x48534D;
constexpr long kExtSrst = 0x53525354;

Result call(long extension, long function, unsigned long arg0 = 0, unsigned long arg1 = 0,
            unsigned long arg2 = 0, unsigned long arg3 = 0) {
    register unsigned long a0 asm("a0") = arg0;
    register unsigned long a1 asm("a1") = arg1;
    register unsigned long a2 asm("a2") = arg2;
    register unsigned long a3 asm("a3") = arg3;
    register long a6 asm("a6") = function;
    register long a7 asm("a7") = extension;
    asm volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a3), "r"(a6), "r"(a7) : "memory");
    return {static_cast<long>(a0), static_cast<long>(a1)};
}

}  // namespace

void console_putchar(char c) { call(kExtLegacyConsolePutchar, 0, static_cast<unsigned char>(c)); }

void set_timer(uint64_t stime_value) { call(kExtTime, 0, stime_value); }

Result send_ipi(unsigned long hart_mask, unsigned long hart_mask_base) {
    return call(kExtIpi, 0, hart_mask, hart_mask_base);
}

Result remote_sfence_vma(unsigned long hart_mask, unsigned long hart_mask_base, uint64_t start, uint64_t size) {
    return call(kExtRfence, 1, hart_mask, hart_mask_base, start, size);
}

Result hart_start(unsigned long hart_id, uint64_t start_phys, uint64_t opaque) {
    return call(kExtHsm, 0, hart_id, start_phys, opaque);
}

Result hart_status(unsigned long hart_id) { return call(kExtHsm, 2, hart_id); }

Result system_shutdown(ResetReason reason) { return call(kExtSrst, 0, 0, static_cast<unsigned long>(reason)); }

}  // namespace sbi
