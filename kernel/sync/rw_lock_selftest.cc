// Self-tests of RwLock.
#include <atomic>

#include "arch/riscv64/csr.h"
#include "arch/riscv64/smp.h"
#include "lib/ktest.h"
#include "proc/thread.h"
#include "proc/thread_test_support.h"
#include "sync/rw_lock.h"

using namespace ktest_threads;

KTEST(RwLock, ReadersOverlap) {
    constexpr size_t kReaders = 4;
    RwLock lock { "readers", LockRank::Test };
    std::atomic<size_t> inside { 0 };
    std::atomic<size_t> most_inside { 0 };
    uint64_t deadline = deadline_after_us(3'000'000);
    run_in_threads(kReaders, [&](size_t) {
        ReadLocker locker(lock);
        size_t now = inside.fetch_add(1) + 1;
        size_t seen = most_inside.load();
        while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {
        }
        // Stay inside until every reader is, which only works if readers share the lock.
        while (inside.load() < kReaders && csr::read_time() < deadline)
            Thread::yield();
        inside.fetch_sub(1);
    });
    KEXPECT_EQ(kReaders, most_inside.load());
    KEXPECT_EQ(0u, lock.reader_count());
}

KTEST(RwLock, WritersAreExclusive) {
    constexpr size_t kRounds = 300;
    RwLock lock { "mixed", LockRank::Test };
    std::atomic<int> readers_inside { 0 };
    std::atomic<int> writers_inside { 0 };
    std::atomic<int> violations { 0 };
    uint64_t value = 0;
    const size_t threads = 2 * online_cpu_count() + 2;
    run_in_threads(threads, [&](size_t index) {
        bool writer = index % 2 == 0;
        for (size_t round = 0; round < kRounds; ++round) {
            if (writer) {
                WriteLocker locker(lock);
                if (writers_inside.fetch_add(1) != 0 || readers_inside.load() != 0)
                    violations.fetch_add(1);
                uint64_t seen = value;
                if (round % 16 == 0)
                    Thread::yield();
                value = seen + 1;
                writers_inside.fetch_sub(1);
            } else {
                ReadLocker locker(lock);
                readers_inside.fetch_add(1);
                if (writers_inside.load() != 0)
                    violations.fetch_add(1);
                if (round % 16 == 0)
                    Thread::yield();
                readers_inside.fetch_sub(1);
            }
        }
    });
    KEXPECT_EQ(0, violations.load());
    KEXPECT_EQ(((threads + 1) / 2) * kRounds, value);
}

KTEST(RwLock, WaitingWriterGoesBeforeNewReaders) {
    RwLock lock { "preference" };
    std::atomic<int> sequence { 0 };
    int writer_position = -1;
    int reader_position = -1;
    lock.lock_read();
    auto writer = Thread::try_spawn("writer", [&] {
        WriteLocker locker(lock);
        writer_position = sequence.fetch_add(1);
    });
    KASSERT(!writer.is_error());
    // Let the writer reach lock_write() and sleep behind our read lock.
    Thread::sleep_for_us(20'000);
    KEXPECT_EQ(ThreadState::Blocked, writer.value()->state());
    auto reader = Thread::try_spawn("late reader", [&] {
        ReadLocker locker(lock);
        reader_position = sequence.fetch_add(1);
    });
    KASSERT(!reader.is_error());
    Thread::sleep_for_us(20'000);
    // The late reader must be waiting too, although only readers hold the lock.
    KEXPECT_EQ(ThreadState::Blocked, reader.value()->state());
    lock.unlock_read();
    writer.value()->join();
    reader.value()->join();
    KEXPECT_EQ(0, writer_position);
    KEXPECT_EQ(1, reader_position);
}

KTEST(RwLock, DowngradeKeepsWritersOutAndLetsReadersIn) {
    RwLock lock { "downgrade" };
    std::atomic<int> reader_done { 0 };
    lock.lock_write();
    auto reader = Thread::try_spawn("reader", [&] {
        ReadLocker locker(lock);
        reader_done.store(1);
    });
    KASSERT(!reader.is_error());
    Thread::sleep_for_us(10'000);
    KEXPECT_EQ(0, reader_done.load());
    lock.downgrade();
    KEXPECT(!lock.is_write_locked_by_current_thread());
    reader.value()->join();
    KEXPECT_EQ(1, reader_done.load());
    lock.unlock_read();
}

// What RwLock::assert_locked() relies on: the writer is named, and a reader counts when the
// lock has readers and the thread holds a lock of its rank.
KTEST(RwLock, HeldForReadingOrWritingAsFarAsCanBeTold) {
    RwLock lock { "held?", LockRank::Test };
    KEXPECT(!lock.is_read_or_write_locked_by_current_thread());
    {
        ReadLocker locker(lock);
        KEXPECT(lock.is_read_or_write_locked_by_current_thread());
        KEXPECT(!lock.is_write_locked_by_current_thread());
        lock.assert_locked();
    }
    {
        WriteLocker locker(lock);
        KEXPECT(lock.is_read_or_write_locked_by_current_thread());
        lock.assert_write_locked();
        lock.assert_locked();
    }
    KEXPECT(!lock.is_read_or_write_locked_by_current_thread());
    // Another thread's write lock is not this thread's.
    std::atomic<int> state { 0 };
    auto writer = Thread::try_spawn("writer", [&] {
        WriteLocker locker(lock);
        state.store(1);
        while (state.load() != 2)
            Thread::yield();
    });
    KASSERT(!writer.is_error());
    while (state.load() != 1)
        Thread::yield();
    KEXPECT(!lock.is_read_or_write_locked_by_current_thread());
    KEXPECT(!lock.is_write_locked_by_current_thread());
    state.store(2);
    writer.value()->join();
}

KTEST(RwLock, TryLockWriteTakesOnlyAFreeLock) {
    RwLock lock { "try" };  // No rank: the thread below is spawned (allocating) under it.
    {
        ReadLocker reader(lock);
        std::atomic<int> taken { -1 };
        auto other = Thread::try_spawn("try writer", [&] {
            bool got = lock.try_lock_write();
            taken.store(got ? 1 : 0);
            if (got)
                lock.unlock_write();
        });
        KASSERT(!other.is_error());
        other.value()->join();
        KEXPECT_EQ(0, taken.load());
    }
    KASSERT(lock.try_lock_write());
    KEXPECT(lock.is_write_locked_by_current_thread());
    {
        WriteLocker locker(lock, WriteLocker::Adopt::Taken);
        lock.assert_write_locked();
    }
    KEXPECT(!lock.is_write_locked_by_current_thread());
    KEXPECT_EQ(0u, lock.reader_count());
}
