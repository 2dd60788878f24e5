// Power-off: see poweroff.h.
#include "drivers/poweroff.h"

#include "arch/riscv64/csr.h"
#include "arch/riscv64/sbi.h"

namespace {

// Values understood by QEMU's sifive_test device.
constexpr uint32_t kTestPass = 0x5555;
constexpr uint32_t kTestFail = 0x3333;

volatile uint32_t* s_test_device;

}  // namespace

void poweroff_init(uint64_t base) { s_test_device = reinterpret_cast<volatile uint32_t*>(base); }

void power_off(PowerOffStatus status) {
    auto code = static_cast<uint32_t>(status);
    if (s_test_device)
        *s_test_device = code == 0 ? kTestPass : (code << 16) | kTestFail;
    sbi::system_shutdown(code == 0 ? sbi::ResetReason::None : sbi::ResetReason::SystemFailure);
    for (;;) {
        disable_interrupts();
        wait_for_interrupt();
    }
}
