// Self-tests of WaitQueue: a bounded buffer with many producers and consumers on every
// hart, which hangs (and the run times out) if a wake-up is ever lost.
#include <atomic>

#include "arch/riscv64/smp.h"
#include "lib/ktest.h"
#include "proc/thread.h"
#include "proc/thread_test_support.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

using namespace ktest_threads;

namespace {

// A ring of four slots: small, so producers and consumers block all the time.
class BoundedBuffer {
public:
    void put(uint64_t value) {
        SpinlockLocker locker(m_lock);
        m_not_full.wait_until(m_lock, [this] { return m_count < kSlots; });
        m_slots[(m_head + m_count) % kSlots] = value;
        ++m_count;
        m_not_empty.wake_one();
    }

    uint64_t take() {
        SpinlockLocker locker(m_lock);
        m_not_empty.wait_until(m_lock, [this] { return m_count > 0; });
        uint64_t value = m_slots[m_head];
        m_head = (m_head + 1) % kSlots;
        --m_count;
        m_not_full.wake_one();
        return value;
    }

private:
    static constexpr size_t kSlots = 4;
    Spinlock m_lock { "bounded buffer", LockRank::Test };
    WaitQueue m_not_full { "not full" };
    WaitQueue m_not_empty { "not empty" };
    uint64_t m_slots[kSlots] {};
    size_t m_head { 0 };
    size_t m_count { 0 };
};

}  // namespace

KTEST(WaitQueue, ProducersAndConsumersLoseNoWakeups) {
    constexpr size_t kItemsPerProducer = 3'000;
    const size_t producers = online_cpu_count() + 1;
    const size_t consumers = online_cpu_count() + 1;
    BoundedBuffer buffer;
    std::atomic<uint64_t> sum { 0 };
    std::atomic<uint64_t> taken { 0 };
    const uint64_t total = producers * kItemsPerProducer;
    run_in_threads(producers + consumers, [&](size_t index) {
        if (index < producers) {
            for (size_t i = 1; i <= kItemsPerProducer; ++i)
                buffer.put(i);
            return;
        }
        // Consumers share out the total between them by count.
        while (taken.fetch_add(1) < total)
            sum.fetch_add(buffer.take());
    });
    KEXPECT_EQ(producers * (kItemsPerProducer * (kItemsPerProducer + 1) / 2), sum.load());
}

KTEST(WaitQueue, WakeOneWakesOneAndWakeAllTheRest) {
    Spinlock lock { "gate", LockRank::Test };
    WaitQueue queue;
    int generation = 0;
    std::atomic<int> woken { 0 };
    constexpr size_t kSleepers = 3;
    RefPtr<Thread> sleepers[kSleepers];
    for (size_t i = 0; i < kSleepers; ++i) {
        auto thread = Thread::try_spawn("sleeper", [&] {
            SpinlockLocker locker(lock);
            int start = generation;
            queue.wait_until(lock, [&] { return generation != start; });
            woken.fetch_add(1);
        });
        KASSERT(!thread.is_error());
        sleepers[i] = thread.release_value();
    }
    while (queue.waiter_count() < kSleepers)
        Thread::sleep_for_us(1000);
    KEXPECT(!WaitQueue().wake_one());
    {
        SpinlockLocker locker(lock);
        ++generation;
        KEXPECT(queue.wake_one());
    }
    while (woken.load() < 1)
        Thread::yield();
    Thread::sleep_for_us(5000);
    KEXPECT_EQ(1, woken.load());
    KEXPECT_EQ(kSleepers - 1, queue.waiter_count());
    {
        SpinlockLocker locker(lock);
        KEXPECT_EQ(kSleepers - 1, queue.wake_all());
    }
    for (size_t i = 0; i < kSleepers; ++i)
        sleepers[i]->join();
    KEXPECT_EQ(static_cast<int>(kSleepers), woken.load());
}
