// Kernel printing: see kprintf.h.
//
// The print lock is a bare test-and-set lock rather than a Spinlock, because kprintf must
// work inside panic() and the lock-order checker prints through it. Interrupts are off
// while it is held, through an InterruptDisabler: kernel_main points tp at the boot hart's
// Cpu before anything can print, so the guard has its per-hart count from the start.
#include "lib/kprintf.h"

#include <atomic>

#include "sync/interrupt_disabler.h"

namespace {

// Output before a sink is registered goes nowhere.
class DropSink final : public FormatSink {
public:
    void write(const char*, size_t) override {}
};

DropSink s_drop;
std::atomic<FormatSink*> s_sink { &s_drop };
std::atomic<bool> s_locked;
std::atomic<bool> s_forced;

class PrintLock {
public:
    PrintLock() {
        if (s_forced.load(std::memory_order_relaxed))
            return;
        while (s_locked.exchange(true, std::memory_order_acquire)) {
            if (s_forced.load(std::memory_order_relaxed))
                return;
        }
        m_held = true;
    }
    ~PrintLock() {
        if (m_held)
            s_locked.store(false, std::memory_order_release);
    }

private:
    InterruptDisabler m_interrupts_off;  // First: off before the lock is taken, on after it is let go.
    bool m_held { false };
};

FormatSink& sink() { return *s_sink.load(std::memory_order_acquire); }

}  // namespace

void vkprintf(const char* fmt, va_list args) {
    PrintLock lock;
    vformat(sink(), fmt, args);
}

void kprintf(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vkprintf(fmt, args);
    va_end(args);
}

void kwrite(const char* chars, size_t length) {
    PrintLock lock;
    sink().write(chars, length);
}

void kprintf_set_sink(FormatSink* sink) { s_sink.store(sink, std::memory_order_release); }

void kprintf_force_unlock() { s_forced.store(true, std::memory_order_relaxed); }
