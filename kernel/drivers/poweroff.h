// Powering the machine off with an exit status, which is how tests report to the host.
//
// On QEMU the sifive_test device turns a status into QEMU's own exit code (0 for a
// pass, the status otherwise); without it, SBI's system reset is used (no status).
#pragma once

#include <cstdint>

enum class PowerOffStatus : int {
    Success = 0,
    TestsFailed = 1,
    Panic = 2,
};

// `base` is the kernel virtual address of the sifive_test device, or 0 if there is none.
void poweroff_init(uint64_t base);

[[noreturn]] void power_off(PowerOffStatus status);
