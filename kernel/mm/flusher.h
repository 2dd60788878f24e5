// The flusher: write-back caching's clock and brake. write() leaves its bytes in dirty
// page-cache pages (mm/file_object.h); this module counts those pages, keeps the files that
// hold them on a queue in the order they became dirty, and runs the "flusher" kernel
// thread, which writes a file's dirty pages back once they are kExpireNs old, or sooner,
// oldest file first, while the count is above background_limit(). A writer that finds the
// count above hard_limit() is throttled: it writes back its own file's dirty pages before
// it dirties more (FileObject::write), so dirty memory stays bounded however fast it
// writes, and the writer is slowed to the disk's pace rather than failed.
//
//   write() ─dirties─> page (kPageDirty | kPageDirtyCounted) ──> file queued (one reference)
//                          │                                         │ 5 s old, or the count
//                          │ fsync, msync, reclaim, throttled writer v above background_limit()
//                          └──────────── write-back: clean ───── flusher thread
//
// Only pages dirtied by write() are counted (kPageDirtyCounted); pages dirtied by stores
// through MAP_SHARED mappings are tracked by the fault path and written back by msync,
// munmap, exit, reclaim and fsync as before (and by the flusher, if their file is queued).
//
// Invariants:
//   - dirty_pages() is the number of cached pages with kPageDirtyCounted set; the flag is
//     set and cleared only under the page's object's lock (page_dirtied / page_cleaned).
//   - A FileObject is on the queue at most once and holds one reference while there; it is
//     queued when write() dirties one of its pages and it is not queued already.
//
// Locking: the queue's spinlock (rank None: a leaf) is taken under a FileObject's lock
// (queue) and alone; the flusher thread takes no lock but a FileObject's (and, below it,
// the file system's) while it writes back, so it follows the same order as fsync.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/intrusive_list.h"

class FileObject;

namespace flusher {

// Dirty pages older than this are written back by the flusher.
constexpr uint64_t kExpireNs = 5'000'000'000;
// How often the flusher looks while any file is queued (with none, it sleeps until one is).
constexpr uint64_t kPeriodUs = 500'000;

// Pages dirtied by write() and not yet written back.
size_t dirty_pages();
// Above this, the flusher writes back files whatever their age: 1/16 of memory.
size_t background_limit();
// Above this, writers write back before they dirty more: 1/8 of memory.
size_t hard_limit();
inline bool over_hard_limit() { return dirty_pages() > hard_limit(); }

// A page's kPageDirtyCounted flag was set / cleared (under its object's lock).
void page_dirtied();
void page_cleaned();

// Queues `object`, which has just gained dirty pages, stamping the time if it was not
// queued (then takes a reference). Expects the object's lock.
void queue(FileObject& object);

// Writes back every queued file now (sync, drop_caches, tests), oldest first, and waits
// for the write-backs others had already taken off the queue (the flusher thread's), so
// that every file queued when it was called is written back when it returns. Returns how
// many files it wrote back itself. Call with no lock held.
size_t write_back_all();

// Starts the flusher thread (once, at boot, after the scheduler).
void start_thread();

// Self-tests only: while paused, the flusher thread writes nothing back (a write-back it
// has begun finishes), so a test can tell what a writer does alone.
void pause_for_test(bool paused);

struct Statistics {
    uint64_t flushed;      // Files written back by the flusher thread.
    uint64_t throttled;    // Times a writer had to write back before dirtying more.
    uint64_t errors;       // Write-backs that failed (recorded on the file, for fsync).
};
Statistics statistics();
void count_throttled();

}  // namespace flusher
