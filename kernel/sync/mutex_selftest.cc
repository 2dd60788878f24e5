// Self-tests of Mutex.
#include <atomic>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/smp.h"
#include "lib/ktest.h"
#include "proc/thread.h"
#include "proc/thread_test_support.h"
#include "sync/lock_statistics.h"
#include "sync/mutex.h"

using namespace ktest_threads;

KTEST(Mutex, CounterIncrementedFromEveryHartIsExact) {
    constexpr size_t kIncrements = 2'000;
    Mutex mutex { "test counter", LockRank::Test };
    uint64_t counter = 0;
    std::atomic<int> inside { 0 };
    std::atomic<int> overlaps { 0 };
    const size_t threads = 2 * online_cpu_count() + 1;
    run_in_threads(threads, [&](size_t) {
        for (size_t i = 0; i < kIncrements; ++i) {
            MutexLocker locker(mutex);
            if (inside.fetch_add(1) != 0)
                overlaps.fetch_add(1);
            uint64_t value = counter;
            // Sleeping-lock critical sections may give up the hart: make some do so, so
            // that waiters really sleep and get woken.
            if (i % 64 == 0)
                Thread::yield();
            counter = value + 1;
            inside.fetch_sub(1);
        }
    });
    // (Which harts the threads ran on is the scheduler's and the host's business: a busy
    // host may leave a QEMU hart unscheduled for the whole test, so it is not asserted.)
    KEXPECT_EQ(threads * kIncrements, counter);
    KEXPECT_EQ(0, overlaps.load());
}

KTEST(Mutex, OwnerIsRecordedAndRankCounted) {
    Mutex mutex { "owned", LockRank::Test };
    Thread* self = Thread::current();
    KEXPECT(!mutex.is_locked_by_current_thread());
    mutex.lock();
    KEXPECT(mutex.is_locked_by_current_thread());
    KEXPECT_EQ(1, self->sleeping_locks_held());
    KEXPECT(self->held_sleeping_lock_ranks().mask() & (1u << static_cast<unsigned>(LockRank::Test)));
    mutex.unlock();
    KEXPECT(!mutex.is_locked_by_current_thread());
    KEXPECT_EQ(0, self->sleeping_locks_held());
    KEXPECT_EQ(0u, self->held_sleeping_lock_ranks().mask());
}

KTEST(Mutex, LockNestedTakesASecondLockOfARankThatDoesNotNest) {
    // Inode locks do not nest through lock(); the second of a pair is taken with
    // lock_nested, naming the first, and both count in the thread's ranks.
    KEXPECT(!lock_rank_nests(LockRank::Inode));
    Mutex first { "first inode", LockRank::Inode };
    Mutex second { "second inode", LockRank::Inode };
    Thread* self = Thread::current();
    {
        MutexLocker outer(first);
        // One of the rank held: a second is allowed (a third would panic).
        self->held_sleeping_lock_ranks().check_acquire_nested(LockRank::Inode, "second inode");
        NestedMutexLocker inner(second, first);
        KEXPECT(second.is_locked_by_current_thread());
        KEXPECT_EQ(2, self->sleeping_locks_held());
    }
    KEXPECT(!first.is_locked_by_current_thread());
    KEXPECT(!second.is_locked_by_current_thread());
    KEXPECT_EQ(0u, self->held_sleeping_lock_ranks().mask());
}

KTEST(Mutex, TryLockFailsWhileAnotherThreadOwnsIt) {
    Mutex mutex { "contended" };
    mutex.lock();
    bool other_got_it = true;
    auto other = Thread::try_spawn("try", [&] {
        other_got_it = mutex.try_lock();
        if (other_got_it)
            mutex.unlock();
    });
    KASSERT(!other.is_error());
    other.value()->join();
    KEXPECT(!other_got_it);
    mutex.unlock();
    KEXPECT(mutex.try_lock());
    mutex.unlock();
}

KTEST(Mutex, WaiterSleepsUntilUnlock) {
    Mutex mutex { "handoff" };
    std::atomic<int> state { 0 };
    mutex.lock();
    auto waiter = Thread::try_spawn("waiter", [&] {
        state.store(1);
        MutexLocker locker(mutex);
        state.store(2);
    });
    KASSERT(!waiter.is_error());
    while (state.load() == 0)
        Thread::yield();
    // The waiter is blocked in lock(): it stays there while this thread sleeps.
    Thread::sleep_for_us(10'000);
    KEXPECT_EQ(1, state.load());
    KEXPECT_EQ(ThreadState::Blocked, waiter.value()->state());
    mutex.unlock();
    waiter.value()->join();
    KEXPECT_EQ(2, state.load());
}

// Lock statistics (sync/lock_statistics.h): a lock() that has to wait counts one wait of
// its rank's class, as long as it waited; one that does not wait counts nothing.
KTEST(Mutex, WaitIsCountedInItsRankStatistics) {
    Mutex mutex { "counted", LockRank::Test };
    LockClassStatistics before = lock_statistics::of(LockRank::Test);
    {
        MutexLocker uncontended(mutex);
    }
    KEXPECT_EQ(before.contended, lock_statistics::of(LockRank::Test).contended);
    // Spawned first (spawning allocates, which a Test-rank lock must not be held for);
    // it goes for the mutex once this thread holds it.
    std::atomic<int> state { 0 };
    auto waiter = Thread::try_spawn("counted waiter", [&] {
        while (state.load() == 0)
            Thread::yield();
        MutexLocker locker(mutex);
    });
    KASSERT(!waiter.is_error());
    mutex.lock();
    state.store(1);
    // Blocked only in lock(), which it then leaves at least 10 ms later.
    while (waiter.value()->state() != ThreadState::Blocked)
        Thread::sleep_for_us(1'000);
    Thread::sleep_for_us(10'000);
    mutex.unlock();
    waiter.value()->join();
    LockClassStatistics after = lock_statistics::of(LockRank::Test);
    KEXPECT_EQ(before.contended + 1, after.contended);
    // It waited at least the 10 ms this thread slept (the time CSR runs at 10 MHz).
    KEXPECT(after.wait_ticks - before.wait_ticks >= 100'000);
}
