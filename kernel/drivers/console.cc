// Kernel console: see console.h.
//
// The console lock is a bare test-and-set lock rather than a Spinlock, because kprintf must
// work before per-hart state exists and inside panic(); it disables interrupts while held,
// so an interrupt handler that prints cannot deadlock against the code it interrupted.
#include "drivers/console.h"

#include <atomic>

#include "arch/riscv64/csr.h"
#include "drivers/uart.h"
#include "lib/format.h"

namespace {

std::atomic<bool> s_locked;
std::atomic<bool> s_forced;

class ConsoleLock {
public:
    ConsoleLock()
        : m_interrupts_were_enabled(interrupts_enabled())
    {
        disable_interrupts();
        if (s_forced.load(std::memory_order_relaxed))
            return;
        while (s_locked.exchange(true, std::memory_order_acquire)) {
            if (s_forced.load(std::memory_order_relaxed))
                return;
        }
        m_held = true;
    }
    ~ConsoleLock() {
        if (m_held)
            s_locked.store(false, std::memory_order_release);
        if (m_interrupts_were_enabled)
            enable_interrupts();
    }

private:
    bool m_interrupts_were_enabled;
    bool m_held { false };
};

class UartSink final : public FormatSink {
public:
    void write(const char* chars, size_t length) override {
        for (size_t i = 0; i < length; ++i) {
            if (chars[i] == '\n')
                uart::put_char('\r');
            uart::put_char(chars[i]);
        }
    }
};

}  // namespace

void vkprintf(const char* fmt, va_list args) {
    ConsoleLock lock;
    UartSink sink;
    vformat(sink, fmt, args);
}

void kprintf(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vkprintf(fmt, args);
    va_end(args);
}

void console_write(const char* chars, size_t length) {
    ConsoleLock lock;
    UartSink sink;
    sink.write(chars, length);
}

void console_force_unlock() { s_forced.store(true, std::memory_order_relaxed); }
