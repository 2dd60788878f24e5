// NS16550A UART driver: see uart.h. Register offsets and bits are those of the 16550 data
// sheet; QEMU's model has 1-byte registers at consecutive addresses.
#include "drivers/uart.h"

#include <atomic>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/sbi.h"
#include "drivers/irq.h"
#include "sync/interrupt_disabler.h"

namespace uart {

namespace {

constexpr unsigned kRbr = 0;  // Receive buffer (read).
constexpr unsigned kThr = 0;  // Transmit holding (write).
constexpr unsigned kIer = 1;  // Interrupt enable.
constexpr unsigned kFcr = 2;  // FIFO control (write).
constexpr unsigned kLcr = 3;  // Line control.
constexpr unsigned kMcr = 4;  // Modem control.
constexpr unsigned kLsr = 5;  // Line status.

constexpr uint8_t kIerReceiveReady = 1 << 0;
constexpr uint8_t kFcrEnableAndClear = 0x07;
constexpr uint8_t kLcrEightBits = 0x03;
constexpr uint8_t kMcrLoopback = 1 << 4;
constexpr uint8_t kLsrDataReady = 1 << 0;
constexpr uint8_t kLsrTransmitEmpty = 1 << 5;
constexpr uint8_t kLsrTransmitterIdle = 1 << 6;  // Holding and shift registers both empty.

volatile uint8_t* s_registers;

// The input ring: see uart.h for the protocol.
constexpr size_t kRingSize = 256;
char s_ring[kRingSize];
std::atomic<size_t> s_head, s_tail;
std::atomic<uint64_t> s_dropped;
std::atomic<InputHook> s_input_hook;

uint8_t read_register(unsigned offset) { return s_registers[offset]; }
void write_register(unsigned offset, uint8_t value) { s_registers[offset] = value; }

}  // namespace

void init(uint64_t base) {
    s_registers = reinterpret_cast<volatile uint8_t*>(base);
    write_register(kIer, 0);
    write_register(kLcr, kLcrEightBits);
    write_register(kFcr, kFcrEnableAndClear);
    write_register(kIer, kIerReceiveReady);
}

bool initialized() { return s_registers != nullptr; }

void put_char(char c) {
    if (!s_registers) {
        sbi::console_putchar(c);
        return;
    }
    while (!(read_register(kLsr) & kLsrTransmitEmpty)) {
    }
    write_register(kThr, static_cast<uint8_t>(c));
}

ErrorOr<void> enable_receive_interrupt(uint32_t irq, unsigned cpu_index) {
    if (!s_registers)
        return Error::from_errno(ENODEV);
    return irq_register(irq, [](void*) { handle_interrupt(); }, nullptr, cpu_index);
}

void handle_interrupt() {
    if (!s_registers)
        return;
    // Reading RBR until the data-ready bit clears also clears the receive interrupt.
    while (read_register(kLsr) & kLsrDataReady) {
        char c = static_cast<char>(read_register(kRbr));
        if (InputHook hook = s_input_hook.load(std::memory_order_acquire))
            hook(c);
        size_t head = s_head.load(std::memory_order_relaxed);
        if (head - s_tail.load(std::memory_order_acquire) < kRingSize) {
            s_ring[head % kRingSize] = c;
            s_head.store(head + 1, std::memory_order_release);
        } else {
            s_dropped.fetch_add(1, std::memory_order_relaxed);
        }
    }
}

void set_input_hook(InputHook hook) { s_input_hook.store(hook, std::memory_order_release); }

int try_get_char() {
    size_t tail = s_tail.load(std::memory_order_relaxed);
    for (;;) {
        if (tail == s_head.load(std::memory_order_acquire))
            return -1;
        // Read before claiming: the producer cannot reuse this slot until s_tail passes it,
        // so if the claim succeeds the byte read is the one that was there.
        char c = s_ring[tail % kRingSize];
        if (s_tail.compare_exchange_weak(tail, tail + 1, std::memory_order_acq_rel, std::memory_order_relaxed))
            return static_cast<unsigned char>(c);
    }
}

int wait_for_char() {
    for (;;) {
        // Check with interrupts off and wait before turning them on: an interrupt arriving
        // between the check and the wfi stays pending and ends the wfi at once, so no
        // wake-up is lost. It is taken as soon as interrupts are back on.
        int c;
        {
            InterruptDisabler check_then_wait;
            c = try_get_char();
            if (c < 0)
                wait_for_interrupt();
        }
        if (c >= 0)
            return c;
    }
}

uint64_t dropped_input_count() { return s_dropped.load(std::memory_order_relaxed); }

void set_loopback(Loopback mode) {
    if (!s_registers)
        return;
    // Let the bytes already written leave first. put_char() waits only for room in the
    // holding register, so the end of the last kprintf may still be in the transmitter;
    // switching now would loop it back as input (a self-test then read a ' ' from its own
    // "ktest: PASS" line instead of the byte it sent), or swallow it when switching off.
    while (!(read_register(kLsr) & kLsrTransmitterIdle)) {
    }
    write_register(kMcr, mode == Loopback::On ? kMcrLoopback : 0);
}

}  // namespace uart
