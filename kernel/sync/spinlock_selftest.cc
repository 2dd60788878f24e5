// Self-tests of Spinlock, InterruptDisabler and the lock-order bookkeeping.
#include <atomic>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/smp.h"
#include "lib/ktest.h"
#include "proc/thread.h"
#include "proc/thread_test_support.h"
#include "sync/interrupt_disabler.h"
#include "sync/lock_order.h"
#include "sync/spinlock.h"

using namespace ktest_threads;

KTEST(Spinlock, CounterIncrementedFromEveryHartIsExact) {
    constexpr size_t kIncrements = 20'000;
    Spinlock lock { "test counter", LockRank::Test };
    // A plain variable on purpose: only the lock makes the increments exact.
    uint64_t counter = 0;
    const size_t threads = 2 * online_cpu_count() + 1;
    run_in_threads(threads, [&](size_t) {
        for (size_t i = 0; i < kIncrements; ++i) {
            SpinlockLocker locker(lock);
            uint64_t value = counter;
            // Widen the window between load and store, so a broken lock shows.
            asm volatile("nop; nop; nop; nop");
            counter = value + 1;
        }
    });
    // (Which harts the threads ran on is not asserted: a busy host may leave a QEMU hart
    // unscheduled for the whole test.)
    KEXPECT_EQ(threads * kIncrements, counter);
}

KTEST(Spinlock, HoldingDisablesInterruptsAndReleaseRestoresThem) {
    KASSERT(interrupts_enabled());
    Spinlock first { "first", LockRank::Test };
    Spinlock second { "second" };
    first.lock();
    KEXPECT(!interrupts_enabled());
    KEXPECT(first.is_locked_by_this_cpu());
    Cpu* cpu = this_cpu();
    KEXPECT_EQ(1, cpu->spinlocks_held);
    second.lock();
    KEXPECT_EQ(2, cpu->spinlocks_held);
    KEXPECT_EQ(2, cpu->interrupt_disable_depth);
    // Out-of-order release: interrupts stay off until the last one goes.
    first.unlock();
    KEXPECT(!interrupts_enabled());
    KEXPECT(!first.is_locked_by_this_cpu());
    second.unlock();
    KEXPECT(interrupts_enabled());
    KEXPECT_EQ(0, this_cpu()->spinlocks_held);
}

KTEST(Spinlock, TryLockTakesAFreeLock) {
    Spinlock lock { "try" };
    KEXPECT(lock.try_lock());
    KEXPECT(lock.is_locked_by_this_cpu());
    lock.unlock();
    KEXPECT(interrupts_enabled());
}

KTEST(Spinlock, TryLockFailsWhileAnotherThreadHoldsIt) {
    Spinlock lock { "contended" };
    std::atomic<int> phase { 0 };
    uint64_t deadline = deadline_after_us(3'000'000);
    bool took_it = true;
    auto holder = Thread::try_spawn("holder", [&] {
        lock.lock();
        phase.store(1);
        // Held, interrupts off, until the test thread has tried. On one hart, the test
        // thread cannot run meanwhile, so the holder gives up after a while instead.
        while (phase.load() == 1 && csr::read_time() < deadline) {
        }
        lock.unlock();
    });
    KASSERT(!holder.is_error());
    if (online_cpu_count() > 1) {
        while (phase.load() == 0)
            Thread::yield();
        took_it = lock.try_lock();
        if (took_it)
            lock.unlock();
        phase.store(2);
        KEXPECT(!took_it);
    }
    holder.value()->join();
}

KTEST(InterruptDisabler, NestsAndRestoresTheOuterState) {
    KASSERT(interrupts_enabled());
    {
        InterruptDisabler outer;
        KEXPECT(!interrupts_enabled());
        {
            InterruptDisabler inner;
            KEXPECT_EQ(2, this_cpu()->interrupt_disable_depth);
        }
        KEXPECT(!interrupts_enabled());
        KEXPECT_EQ(1, this_cpu()->interrupt_disable_depth);
    }
    KEXPECT(interrupts_enabled());
    // Taken with interrupts already off, the guard leaves them off.
    disable_interrupts();
    {
        InterruptDisabler guard;
    }
    KEXPECT(!interrupts_enabled());
    enable_interrupts();
}

KTEST(LockOrder, RanksAreCountedAndCleared) {
    HeldLockRanks ranks;
    ranks.check_acquire(LockRank::AddressSpace, nullptr, "a");
    ranks.note_acquired(LockRank::AddressSpace);
    ranks.check_acquire(LockRank::VmObject, nullptr, "b");
    ranks.note_acquired(LockRank::VmObject);
    // VmObject nests (top of a chain down).
    ranks.check_acquire(LockRank::VmObject, nullptr, "c");
    ranks.note_acquired(LockRank::VmObject);
    ranks.check_acquire(LockRank::PageTable, nullptr, "d");
    KEXPECT_EQ((1u << static_cast<unsigned>(LockRank::AddressSpace)) | (1u << static_cast<unsigned>(LockRank::VmObject)),
               ranks.mask());
    ranks.note_released(LockRank::VmObject);
    KEXPECT(ranks.mask() & (1u << static_cast<unsigned>(LockRank::VmObject)));
    ranks.note_released(LockRank::VmObject);
    KEXPECT_EQ(1u << static_cast<unsigned>(LockRank::AddressSpace), ranks.mask());
    ranks.note_released(LockRank::AddressSpace);
    KEXPECT_EQ(0u, ranks.mask());
    // Unranked locks are never tracked.
    ranks.note_acquired(LockRank::None);
    KEXPECT_EQ(0u, ranks.mask());
}

KTEST(LockOrder, SpinlockRanksFollowTheHart) {
    Spinlock outer { "outer", LockRank::Test };
    Spinlock inner { "inner", LockRank::WaitQueue };
    SpinlockLocker a(outer);
    SpinlockLocker b(inner);
    uint32_t mask = this_cpu()->spinlock_ranks.mask();
    KEXPECT(mask & (1u << static_cast<unsigned>(LockRank::Test)));
    KEXPECT(mask & (1u << static_cast<unsigned>(LockRank::WaitQueue)));
}
