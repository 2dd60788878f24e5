// The contract of the functions whose names end in _locked (docs/concurrency.md): the first
// line of each asserts that the calling thread holds the lock it needs, so a call without
// it stops at once, naming the function, instead of racing. These tests run the host
// builds of the lock classes (tests/host/shim/sync) and the file system's real functions.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/fs_test_support.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"

using fs_test::MountedDisk;

namespace {

// The shape the rule gives every such function.
class Counter {
public:
    void bump() {
        MutexLocker locker(m_lock);
        bump_locked();
    }
    // Deliberately called without the lock below (what the analysis of
    // tools/check-thread-safety would refuse to compile, were this file in its set).
    void bump_locked() { m_lock.assert_locked(); ++m_value; }
    int value() {
        MutexLocker locker(m_lock);
        return m_value;
    }
    Mutex& lock() { return m_lock; }

private:
    Mutex m_lock { "counter" };
    int m_value { 0 };
};

class Tally {
public:
    void add_locked() { m_lock.assert_locked(); ++m_count; }
    Spinlock& lock() { return m_lock; }

private:
    Spinlock m_lock { "tally" };
    int m_count { 0 };
};

}  // namespace

TEST(LockContract, LockedFunctionRunsWithItsMutexHeld)
{
    Counter counter;
    counter.bump();
    EXPECT_EQ(1, counter.value());
}

TEST(LockContract, LockedFunctionCalledWithoutItsMutexAbortsNamingIt)
{
    Counter counter;
    EXPECT_DEATH(counter.bump_locked(), "mutex held by the current thread(.|\n)*in bump_locked");
}

TEST(LockContract, LockedFunctionCalledWithoutItsSpinlockAbortsNamingIt)
{
    Tally tally;
    {
        SpinlockLocker locker(tally.lock());
        tally.add_locked();
    }
    EXPECT_DEATH(tally.add_locked(), "spinlock held by this hart(.|\n)*in add_locked");
}

TEST(LockContract, MutexHeldByAnotherThreadDoesNotCount)
{
    Counter counter;
    std::atomic<bool> held { false };
    std::atomic<bool> done { false };
    std::thread holder([&] {
        MutexLocker locker(counter.lock());
        held = true;
        while (!done)
            std::this_thread::yield();
    });
    while (!held)
        std::this_thread::yield();
    EXPECT_DEATH(counter.bump_locked(), "mutex held by the current thread");
    done = true;
    holder.join();
}

TEST(LockContract, InodeBlockMapWithoutTheInodeLockAborts)
{
    MountedDisk disk;
    auto file = disk.create("f");
    EXPECT_DEATH((void)file->block_for(0), "mutex held by the current thread(.|\n)*in block_for");
    MutexLocker locker(file->lock());
    EXPECT_EQ(0u, MUST(file->block_for(0)));  // A hole, with the lock.
}
