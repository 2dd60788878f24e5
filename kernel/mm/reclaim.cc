// Page reclaim: the queues, the clock, the reclaim thread and direct reclaim. See reclaim.h.
#include "mm/reclaim.h"

#include <atomic>

#include "arch/riscv64/csr.h"
#include "lib/assert.h"
#include "lib/intrusive_list.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
#include "mm/address_space.h"
#include "mm/file_object.h"
#include "mm/flusher.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_stack.h"
#include "mm/shrinker.h"
#include "sync/kernel_thread.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

namespace reclaim {

namespace {

using PageQueue = IntrusiveList<Page, &Page::list_node>;


// One batch: what a pass takes from a queue before it looks at the free count again.
constexpr size_t kBatch = 32;

Spinlock g_queue_lock { "page queues", LockRank::PageQueue };
PageQueue g_active;    // Guarded by g_queue_lock.
PageQueue g_inactive;  // Guarded by g_queue_lock.

std::atomic<uint64_t> g_reclaimed { 0 };
std::atomic<uint64_t> g_activated { 0 };  // Pages the clock found used since its last look.

// The thread's state: a request flag it sleeps on, and the number of passes it has
// finished (with how many frames the last one freed), which allocators wait on.
Spinlock g_thread_lock { "pageout", LockRank::None };
WaitQueue g_thread_queue { "pageout" };
WaitQueue g_pass_queue { "pageout pass" };
bool g_requested { false };       // Guarded by g_thread_lock.
uint64_t g_passes { 0 };          // Guarded by g_thread_lock.
size_t g_last_pass_freed { 0 };   // Guarded by g_thread_lock.
bool g_thread_running { false };

void request_pass() {
    if (!g_thread_running)
        return;
    {
        SpinlockLocker locker(g_thread_lock);
        if (g_requested)
            return;
        g_requested = true;
    }
    g_thread_queue.wake_one();
}

// Moves up to `count` of the oldest active pages to the inactive queue, clearing their
// referenced flag (a referenced one goes back to the active tail instead, also cleared:
// it has to be used again before the next round to stay). The accessed bits of the PTEs
// are not asked here (that needs the object's lock): a page used only through its
// mappings moves to the inactive queue, whose head asks them. Expects g_queue_lock.
void deactivate_locked(size_t count) {
    g_queue_lock.assert_locked();
    while (count-- > 0) {
        Page* page = g_active.pop_front();
        if (!page)
            return;
        if (page->has_flag(kPageReferenced)) {
            page->clear_flag(kPageReferenced);
            g_active.push_back(*page);
            continue;
        }
        page->clear_flag(kPageActive);
        g_inactive.push_back(*page);
    }
}

struct Candidate {
    FileObject* object;  // Referenced (try_ref) on the candidate's behalf.
    uint64_t index;
    Page* page;
};

// Picks up to `max` candidates off the head of the inactive queue: pages the clock looks
// at now (FileObject::try_evict evicts them, or activates those used since the last look).
// Candidates are rotated to the inactive tail, so a page that cannot be evicted now (busy,
// in use) is not looked at again at once.
size_t pick_candidates(Candidate* out, size_t max) {
    SpinlockLocker locker(g_queue_lock);
    if (g_inactive.size() < g_active.size())
        deactivate_locked(kBatch);
    size_t found = 0;
    // Each page is looked at once per call at most.
    for (size_t looked = g_inactive.size(); looked > 0 && found < max; --looked) {
        Page* page = g_inactive.pop_front();
        g_inactive.push_back(*page);
        auto* object = static_cast<FileObject*>(page->owner);
        // The object may be dying (its last reference gone, its destructor about to take
        // the page off this queue): then it is none of our business.
        if (!object->try_ref())
            continue;
        out[found++] = Candidate { object, page->index, page };
    }
    return found;
}

size_t cached_page_count() {
    SpinlockLocker locker(g_queue_lock);
    return g_active.size() + g_inactive.size();
}

size_t reclaim_some(size_t count, bool write_back, bool may_block) {
    Candidate candidates[kBatch];
    size_t freed = 0;
    // A bound on the pages looked at, about one round of both queues: when everything
    // cached is in use, each look activates a page that is used again before its next one.
    size_t budget = cached_page_count() + kBatch;
    StaleTlbs stale;
    while (freed < count && budget > 0) {
        size_t want = count - freed < kBatch ? count - freed : kBatch;
        size_t found = pick_candidates(candidates, want);
        if (found == 0)
            break;
        budget -= found < budget ? found : budget;
        size_t freed_now = 0;
        size_t activated = 0;
        for (size_t i = 0; i < found; ++i) {
            Candidate& candidate = candidates[i];
            switch (candidate.object->try_evict(candidate.index, candidate.page, write_back, may_block, stale)) {
            case EvictOutcome::Evicted: ++freed_now; break;
            case EvictOutcome::Activated: ++activated; break;
            case EvictOutcome::Kept: break;
            }
            candidate.object->unref();
        }
        // One flush per batch for the accessed bits it cleared (StaleTlbs).
        stale.flush();
        freed += freed_now;
        g_activated.fetch_add(activated, std::memory_order_relaxed);
        if (freed_now + activated == 0 && found < want)
            break;  // The queue is short and nothing in it could go.
        if (freed_now + activated == 0 && !write_back)
            break;  // Direct reclaim: don't spin over dirty pages, the thread will.
    }
    g_reclaimed.fetch_add(freed, std::memory_order_relaxed);
    return freed;
}

void thread_main(void*) {
    for (;;) {
        {
            SpinlockLocker locker(g_thread_lock);
            g_thread_queue.wait_until(g_thread_lock, [] { return g_requested; });
        }
        size_t freed = 0;
        for (;;) {
            if (free_page_count() >= high_watermark())
                break;
            size_t now = reclaim_some(kBatch, true, true);
            if (now == 0)
                now = shrink_caches(kBatch);  // The page cache has nothing left to give.
            freed += now;
            if (now == 0)
                break;  // Nothing more can go: anonymous memory fills the rest.
        }
        {
            SpinlockLocker locker(g_thread_lock);
            g_requested = false;
            g_last_pass_freed = freed;
            ++g_passes;
        }
        g_pass_queue.wake_all();
    }
}

}  // namespace

void page_cached(Page& page) {
    SpinlockLocker locker(g_queue_lock);
    page.clear_flag(kPageActive);
    g_inactive.push_back(page);
}

void page_activate(Page& page) {
    SpinlockLocker locker(g_queue_lock);
    if (page.has_flag(kPageActive))
        return;
    g_inactive.remove(page);
    page.set_flag(kPageActive);
    g_active.push_back(page);
}

void page_uncached(Page& page) {
    SpinlockLocker locker(g_queue_lock);
    if (page.has_flag(kPageActive))
        g_active.remove(page);
    else
        g_inactive.remove(page);
    page.clear_flag(kPageActive);
}

bool can_allocate_without_reclaim() { return free_page_count() > low_watermark(); }

size_t reclaim_pages(size_t count, bool write_back) { return reclaim_some(count, write_back, true); }

Page* allocate_user_page_with_reclaim(ZeroFill fill, PageUse use) {
    size_t reserve = reserve_frames();
    bool heap_drained = false;
    for (unsigned attempt = 0;; ++attempt) {
        size_t free = free_page_count();
        if (free < low_watermark())
            request_pass();
        if (free > reserve) {
            if (Page* page = try_allocate_page(fill, use))
                return page;
        }
        // Direct reclaim: clean pages only, without waiting for anybody's lock.
        if (reclaim_some(kBatch, false, false) > 0)
            continue;
        // Then the other caches: the file system's metadata buffers and the like.
        if (shrink_caches(kBatch) > 0)
            continue;
        if (!g_thread_running)
            return nullptr;  // Out of memory.
        // Wait for a pass of the thread, which may write dirty pages back. Two passes in a
        // row that free nothing mean nothing is reclaimable: out of memory.
        uint64_t seen;
        {
            SpinlockLocker locker(g_thread_lock);
            seen = g_passes;
        }
        request_pass();
        size_t pass_freed;
        {
            SpinlockLocker locker(g_thread_lock);
            g_pass_queue.wait_until(g_thread_lock, [seen] { return g_passes != seen; });
            pass_freed = g_last_pass_freed;
        }
        if (pass_freed == 0 && attempt > 0 && free_page_count() <= reserve) {
            // Last, before the caller is refused (and its process killed): the slabs that
            // only the kernel heap's per-hart caches keep.
            // (The cross-call waits with interrupts on: a kernel copy faulting with them off
            // skips it.)
            if (!heap_drained && interrupts_enabled()) {
                heap_drained = true;
                size_t before = free_page_count();
                kernel_heap_drain_every_cpu();
                if (free_page_count() > before)
                    continue;
            }
            return nullptr;  // Out of memory.
        }
    }
}

namespace {

// Evicts every page of the queue `queue` that belongs to a file no Vma maps and that
// nobody is using (writing dirty ones back first), looking at each page once. Returns how
// many it freed.
size_t drop_unmapped_from(PageQueue& queue) {
    size_t freed = 0;
    size_t to_look;
    {
        SpinlockLocker locker(g_queue_lock);
        to_look = queue.size();
    }
    while (to_look > 0) {
        Candidate candidates[kBatch];
        size_t found = 0;
        {
            SpinlockLocker locker(g_queue_lock);
            while (to_look > 0 && found < kBatch) {
                --to_look;
                Page* page = queue.pop_front();
                if (!page) {
                    to_look = 0;
                    break;
                }
                queue.push_back(*page);
                auto* object = static_cast<FileObject*>(page->owner);
                if (object->try_ref())
                    candidates[found++] = Candidate { object, page->index, page };
            }
        }
        StaleTlbs unused;  // Use is not asked (EvictMapped::No).
        for (size_t i = 0; i < found; ++i) {
            Candidate& candidate = candidates[i];
            if (candidate.object->try_evict(candidate.index, candidate.page, true, true, unused, EvictMapped::No)
                == EvictOutcome::Evicted)
                ++freed;
            candidate.object->unref();
        }
    }
    return freed;
}

}  // namespace

size_t drop_caches() {
    // Dirty files first, so that the flusher's queue lets go of them (its references).
    flusher::write_back_all();
    size_t freed = drop_unmapped_from(g_inactive) + drop_unmapped_from(g_active);
    g_reclaimed.fetch_add(freed, std::memory_order_relaxed);
    // Frees heap objects (buffer records), so before the heap is drained.
    shrink_caches(SIZE_MAX);
    flush_freed_kernel_stacks();
    kernel_heap_drain_every_cpu();
    drain_frame_caches();
    return freed;
}

size_t detail::g_low_watermark = 0;

void set_watermarks() { detail::g_low_watermark = reserve_frames() * 2; }

void start_thread() {
    // Set before the thread can run (it is created and started in one call): from now on
    // requests wake it.
    g_thread_running = true;
    auto started = kernel_thread::start("pageout", thread_main, nullptr);
    if (started.is_error())
        panic("cannot create the reclaim thread: %s", started.error().name());
}

Statistics statistics() {
    SpinlockLocker locker(g_queue_lock);
    return Statistics {
        .reclaimed = g_reclaimed.load(std::memory_order_relaxed),
        .cached_pages = g_active.size() + g_inactive.size(),
        .active_pages = g_active.size(),
        .activated = g_activated.load(std::memory_order_relaxed),
    };
}

}  // namespace reclaim
