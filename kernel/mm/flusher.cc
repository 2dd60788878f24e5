// The flusher thread, the dirty-page count and the queue of dirty files. See flusher.h.
#include "mm/flusher.h"

#include <atomic>

#include "arch/riscv64/timer.h"
#include "lib/panic.h"
#include "mm/file_object.h"
#include "mm/physical_allocator.h"
#include "sync/kernel_thread.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

namespace flusher {

namespace {

std::atomic<size_t> g_dirty { 0 };
std::atomic<uint64_t> g_flushed { 0 };
std::atomic<uint64_t> g_throttled { 0 };
std::atomic<uint64_t> g_errors { 0 };
std::atomic<bool> g_paused_for_test { false };

Spinlock g_lock { "dirty files", LockRank::None };
// Oldest first: a file is stamped when it joins at the tail.
IntrusiveList<FileObject, &FileObject::m_dirty_node> g_queue;
// The flusher sleeps here while the queue is empty (so a clean system never wakes it).
WaitQueue g_queued { "dirty files queued" };
// Files taken off the queue whose write-back has not ended yet (the flusher's, a sync's),
// and how many times that count fell to 0: write_back_all() waits for the next fall, so a
// file the flusher took just before a sync is on the disk when the sync returns. Under g_lock.
size_t g_in_flight = 0;
uint64_t g_settled_count = 0;
WaitQueue g_settled { "dirty files settled" };

// The oldest queued file if `due` says it is due (with the queue's reference), else nullptr.
template<typename Due>
FileObject* take_front(Due due) {
    SpinlockLocker locker(g_lock);
    FileObject* object = g_queue.first();
    if (!object || !due(*object))
        return nullptr;
    g_queue.remove(*object);
    object->m_queued = false;
    ++g_in_flight;
    return object;
}

// Writes `object` back and drops the queue's reference. A failure is recorded on the file
// and leaves its pages clean (FileObject::write_back_queued), so the count falls as it
// would after a success; the file is queued again only if write() dirties it again, so a
// disk that keeps failing is not retried in a loop.
void flush(FileObject* object) {
    if (object->write_back_queued().is_error())
        g_errors.fetch_add(1, std::memory_order_relaxed);
    object->unref();
    SpinlockLocker locker(g_lock);
    if (--g_in_flight != 0)
        return;
    ++g_settled_count;
    locker.unlock();
    g_settled.wake_all();
}

void thread_main(void*) {
    for (;;) {
        {
            SpinlockLocker locker(g_lock);
            g_queued.wait_until(g_lock, [] { return !g_queue.empty(); });
        }
        kernel_thread::sleep_for_us(kPeriodUs);
        uint64_t now = uptime_ns();
        while (FileObject* object = take_front([now](const FileObject& file) {
                   return !g_paused_for_test.load(std::memory_order_relaxed) &&
                          (dirty_pages() > background_limit() || now - file.m_dirtied_at >= kExpireNs);
               })) {
            flush(object);
            g_flushed.fetch_add(1, std::memory_order_relaxed);
        }
    }
}

}  // namespace

size_t dirty_pages() { return g_dirty.load(std::memory_order_relaxed); }
size_t background_limit() { return total_page_count() / 16; }
size_t hard_limit() { return total_page_count() / 8; }

void page_dirtied() { g_dirty.fetch_add(1, std::memory_order_relaxed); }
void page_cleaned() { g_dirty.fetch_sub(1, std::memory_order_relaxed); }

void queue(FileObject& object) {
    object.lock().assert_locked();
    SpinlockLocker locker(g_lock);
    if (object.m_queued)
        return;
    object.m_queued = true;
    object.m_dirtied_at = uptime_ns();
    object.ref();
    bool was_empty = g_queue.empty();
    g_queue.push_back(object);
    locker.unlock();
    if (was_empty)
        g_queued.wake_one();
}

size_t write_back_all() {
    // Only the files queued now: one that write() queues again meanwhile waits its turn.
    size_t queued;
    {
        SpinlockLocker locker(g_lock);
        queued = g_queue.size();
    }
    size_t done = 0;
    for (; done < queued; ++done) {
        FileObject* object = take_front([](const FileObject&) { return true; });
        if (!object)
            break;
        flush(object);
    }
    // Files others took before (the flusher's current one) may still be on their way.
    SpinlockLocker locker(g_lock);
    if (g_in_flight != 0) {
        uint64_t settled = g_settled_count;
        g_settled.wait_until(g_lock, [settled] { return g_settled_count != settled; });
    }
    return done;
}

void start_thread() {
    auto started = kernel_thread::start("flusher", thread_main, nullptr);
    if (started.is_error())
        panic("cannot create the flusher thread: %s", started.error().name());
}

void pause_for_test(bool paused) { g_paused_for_test.store(paused, std::memory_order_relaxed); }

Statistics statistics() {
    return {
        g_flushed.load(std::memory_order_relaxed),
        g_throttled.load(std::memory_order_relaxed),
        g_errors.load(std::memory_order_relaxed),
    };
}

void count_throttled() { g_throttled.fetch_add(1, std::memory_order_relaxed); }

}  // namespace flusher
