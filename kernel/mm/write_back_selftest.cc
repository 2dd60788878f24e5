// Self-tests of write-back caching (mm/flusher.h, FileObject::write) on the root file
// system: a page written whole is not read first, the flusher writes old dirty pages back,
// a writer above the hard limit is throttled rather than failed, truncation and unlink of a
// file with dirty pages write nothing and allocate nothing, and reclaim writes a dirty page
// back before evicting it, a failed write-back is reported once by the next fsync or
// close with nothing fsynced lost and leaves no page dirty or counted, a size grown within
// the last block (by a write-back or a write-through) survives eviction, and write-back
// racing truncation never brings truncated bytes back. Each test works on its own file and
// removes it again.
#include "fs/file_system.h"
#include "fs/inode_table.h"
#include "fs/root_file_system.h"
#include "lib/ktest.h"
#include "lib/string.h"
#include "mm/address_space.h"
#include "mm/file_object.h"
#include "mm/file_test_support.h"
#include "mm/flusher.h"
#include "mm/physical_allocator.h"
#include "mm/scoped_frame.h"
#include "sync/kernel_thread.h"

namespace {

constexpr size_t kPage = fs::kBlockSize;

bool all_bytes(const uint8_t* data, size_t length, uint8_t value) {
    for (size_t i = 0; i < length; ++i) {
        if (data[i] != value)
            return false;
    }
    return true;
}

// Writes `pages` pages of `value` from page `first`, one page per call.
bool write_pages(FileObject& cache, uint64_t first, uint64_t pages, const uint8_t* data) {
    for (uint64_t i = 0; i < pages; ++i) {
        auto written = cache.write((first + i) * kPage, data, kPage);
        if (written.is_error() || written.value() != kPage)
            return false;
    }
    return true;
}

}  // namespace

KTEST(WriteBack, PageWrittenWholeIsNotReadFromTheDiskFirst) {
    CachedTestFile file("/ktest-wb-whole");
    KASSERT(file.ok());
    ScopedFrame out, in;
    KASSERT(out.ok() && in.ok());
    klib::memset(out.data(), 0x21, kPage);
    KASSERT(write_pages(*file.cache, 0, 2, out.data()));
    KASSERT(!file.cache->sync().is_error());
    file.cache->drop_cached_pages(0, 2);
    KASSERT(!file.cache->lookup_page(0) && !file.cache->lookup_page(1));
    // A whole page over an uncached one: no miss. Part of a page: the rest is read.
    klib::memset(out.data(), 0x42, kPage);
    uint64_t misses = page_cache_statistics().misses;
    KEXPECT(write_pages(*file.cache, 0, 1, out.data()));
    KEXPECT_EQ(misses, page_cache_statistics().misses);
    KEXPECT(!file.cache->write(kPage + 10, out.data(), 10).is_error());
    KEXPECT_EQ(misses + 1, page_cache_statistics().misses);
    KASSERT(!file.cache->read(0, in.data(), kPage).is_error());
    KEXPECT(all_bytes(in.data(), kPage, 0x42));
    KASSERT(!file.cache->read(kPage, in.data(), kPage).is_error());
    KEXPECT(all_bytes(in.data(), 10, 0x21));
    KEXPECT(all_bytes(in.data() + 10, 10, 0x42));
    KEXPECT(all_bytes(in.data() + 20, kPage - 20, 0x21));
    KEXPECT(!file.cache->sync().is_error());
}

KTEST(WriteBack, FlusherWritesDirtyPagesBackOnceTheyAreOld) {
    CachedTestFile file("/ktest-wb-age");
    KASSERT(file.ok());
    ScopedFrame out, in;
    KASSERT(out.ok() && in.ok());
    klib::memset(out.data(), 0x6d, kPage);
    uint64_t flushed = flusher::statistics().flushed;
    KASSERT(!file.cache->write(0, out.data(), 3000).is_error());
    Page* page = file.cache->lookup_page(0);
    KASSERT(page);
    KEXPECT(page->has_flag(kPageDirty));
    // Not at once: a second later it is still dirty (the flusher waits kExpireNs).
    kernel_thread::sleep_for_us(1'000'000);
    KEXPECT(page->has_flag(kPageDirty));
    // Within the age plus two of the flusher's periods, it is clean and on the disk,
    // size included.
    uint64_t waited_us = 1'000'000;
    while (page->has_flag(kPageDirty) && waited_us < flusher::kExpireNs / 1000 + 4 * flusher::kPeriodUs) {
        kernel_thread::sleep_for_us(flusher::kPeriodUs / 2);
        waited_us += flusher::kPeriodUs / 2;
    }
    KEXPECT(!page->has_flag(kPageDirty));
    KEXPECT(waited_us >= flusher::kExpireNs / 1000 - flusher::kPeriodUs);
    KEXPECT(flusher::statistics().flushed > flushed);
    KEXPECT(!file.fs->read_page(*file.inode, 0, in.data()).is_error());
    KEXPECT(all_bytes(in.data(), 3000, 0x6d));
    KEXPECT(all_bytes(in.data() + 3000, kPage - 3000, 0));
    MutexLocker locker(file.inode->lock());
    KEXPECT(!file.inode->size_unlogged());
}

KTEST(WriteBack, WriterAboveTheHardLimitIsThrottledNotFailed) {
    CachedTestFile file("/ktest-wb-throttle");
    KASSERT(file.ok());
    ScopedFrame out;
    KASSERT(out.ok());
    klib::memset(out.data(), 0x7e, kPage);
    uint64_t throttled = flusher::statistics().throttled;
    // Alone: with two harts the flusher thread could keep the count under the hard
    // limit by itself, and nothing would be left for the writer to throttle on.
    flusher::pause_for_test(true);
    size_t pages = flusher::hard_limit() + flusher::hard_limit() / 2;
    size_t most_dirty = 0;
    bool all_written = true;
    for (size_t i = 0; i < pages && all_written; ++i) {
        all_written = write_pages(*file.cache, i, 1, out.data());
        if (flusher::dirty_pages() > most_dirty)
            most_dirty = flusher::dirty_pages();
    }
    flusher::pause_for_test(false);
    KEXPECT(all_written);
    // Bounded: the hard limit plus the page a writer dirties before it looks again (and
    // a few dirtied elsewhere meanwhile).
    KEXPECT(most_dirty <= flusher::hard_limit() + 64);
    KEXPECT(flusher::statistics().throttled > throttled);
    KEXPECT_EQ(uint64_t(pages * kPage), file.fs->stat(*file.inode).size);
}

KTEST(WriteBack, TruncatingDirtyPagesWritesAndAllocatesNothing) {
    CachedTestFile file("/ktest-wb-trunc");
    KASSERT(file.ok());
    ScopedFrame out;
    KASSERT(out.ok());
    klib::memset(out.data(), 0x3f, kPage);
    uint32_t free_blocks = file.fs->usage().free_blocks;
    uint64_t written_back = page_cache_statistics().written_back;
    size_t dirty = flusher::dirty_pages();
    KASSERT(write_pages(*file.cache, 0, 16, out.data()));
    KEXPECT_EQ(dirty + 16, flusher::dirty_pages());
    // Delayed allocation: nothing on the disk yet.
    KEXPECT_EQ(free_blocks, file.fs->usage().free_blocks);
    KEXPECT(!file.cache->truncate(kPage / 2).is_error());
    KEXPECT_EQ(dirty + 1, flusher::dirty_pages());
    KEXPECT(!file.cache->sync().is_error());
    KEXPECT_EQ(written_back + 1, page_cache_statistics().written_back);
    KEXPECT_EQ(free_blocks - 1, file.fs->usage().free_blocks);
    KEXPECT_EQ(uint64_t(kPage / 2), file.fs->stat(*file.inode).size);
}

KTEST(WriteBack, UnlinkedFileWithDirtyPagesIsFreedWithoutWritingThem) {
    fs::FileSystem* fs = root_file_system();
    KASSERT(fs);
    uint32_t free_blocks = fs->usage().free_blocks;
    uint64_t written_back = page_cache_statistics().written_back;
    size_t dirty = flusher::dirty_pages();
    auto file = fs->create_file(*fs->root(), "/ktest-wb-unlink");
    KASSERT(!file.is_error());
    {
        auto cache = FileObject::for_inode(*file.value());
        KASSERT(!cache.is_error());
        ScopedFrame out;
        KASSERT(out.ok());
        klib::memset(out.data(), 0x5c, kPage);
        KASSERT(write_pages(*cache.value(), 0, 16, out.data()));
        // Unlinked while open: the cache keeps working, and the pages stay dirty.
        KEXPECT(!fs->unlink(*fs->root(), "/ktest-wb-unlink").is_error());
        KEXPECT_EQ(dirty + 16, flusher::dirty_pages());
    }
    // The last reference frees the file; its dirty pages go with it, unwritten.
    file = nullptr;
    flusher::write_back_all();
    KEXPECT_EQ(dirty, flusher::dirty_pages());
    KEXPECT_EQ(written_back, page_cache_statistics().written_back);
    KEXPECT(!fs->fsync(*fs->root()).is_error());
    KEXPECT_EQ(free_blocks, fs->usage().free_blocks);
}

KTEST(WriteBack, ReclaimWritesADirtyPageBackBeforeEvictingIt) {
    CachedTestFile file("/ktest-wb-reclaim");
    KASSERT(file.ok());
    ScopedFrame out, in;
    KASSERT(out.ok() && in.ok());
    klib::memset(out.data(), 0x9b, kPage);
    size_t dirty = flusher::dirty_pages();
    KASSERT(write_pages(*file.cache, 0, 1, out.data()));
    Page* page = file.cache->lookup_page(0);
    KASSERT(page && page->has_flag(kPageDirty));
    // As the reclaim thread does (EvictMapped::No: no second chance to ask about).
    StaleTlbs stale;
    KEXPECT(file.cache->try_evict(0, page, true, true, stale, EvictMapped::No) == EvictOutcome::Evicted);
    KEXPECT(!file.cache->lookup_page(0));
    KEXPECT_EQ(dirty, flusher::dirty_pages());
    KEXPECT(!file.fs->read_page(*file.inode, 0, in.data()).is_error());
    KEXPECT(all_bytes(in.data(), kPage, 0x9b));
    KEXPECT(!file.cache->sync().is_error());
}

KTEST(WriteBack, FailedWriteBackIsReportedOnceByTheNextFsyncOrCloseAndLosesNothingFsynced) {
    CachedTestFile file("/ktest-wb-error");
    KASSERT(file.ok());
    ScopedFrame out, in;
    KASSERT(out.ok() && in.ok());
    klib::memset(out.data(), 0x11, kPage);
    KASSERT(write_pages(*file.cache, 0, 1, out.data()));
    KASSERT(!file.cache->sync().is_error());
    // The flusher's write-back of page 1 fails: recorded, and the page is clean (its
    // bytes lost to the disk, as on Linux).
    klib::memset(out.data(), 0x22, kPage);
    KASSERT(write_pages(*file.cache, 1, 1, out.data()));
    file.fs->fail_next_write_pages_for_test(1);
    auto flushed = file.cache->write_back_queued();
    KEXPECT(flushed.is_error() && flushed.error().code() == EIO);
    KEXPECT(!file.cache->lookup_page(1)->has_flag(kPageDirty));
    // The next fsync reports the failure; the one after has nothing to say.
    auto synced = file.cache->sync();
    KEXPECT(synced.is_error() && synced.error().code() == EIO);
    KEXPECT(!file.cache->sync().is_error());
    // Nothing fsynced was lost.
    KEXPECT(!file.fs->read_page(*file.inode, 0, in.data()).is_error());
    KEXPECT(all_bytes(in.data(), kPage, 0x11));
    // close() reports a failure recorded since, once.
    KASSERT(write_pages(*file.cache, 2, 1, out.data()));
    file.fs->fail_next_write_pages_for_test(1);
    KEXPECT(file.cache->write_back_queued().is_error());
    auto closed = file.cache->take_write_error();
    KEXPECT(closed.is_error() && closed.error().code() == EIO);
    KEXPECT(!file.cache->take_write_error().is_error());
    KEXPECT(!file.cache->sync().is_error());
}

// A failed write-back must not leave pages dirty and counted on a file that is off the
// flusher's queue: nothing would write them, and every writer would stay throttled by them.
KTEST(WriteBack, FailedWriteBackLeavesNoPageDirtyOrCountedAndWritesTheRunsAfterIt) {
    fs::FileSystem* fs = root_file_system();
    KASSERT(fs);
    auto file = fs->create_file(*fs->root(), "/ktest-wb-error-count");
    KASSERT(!file.is_error());
    flusher::pause_for_test(true);
    {
        auto cache = FileObject::for_inode(*file.value());
        KASSERT(!cache.is_error());
        FileObject& object = *cache.value();
        ScopedFrame out, in;
        KASSERT(out.ok() && in.ok());
        // Two runs, pages 0-2 and 5-6, with a hole between them.
        size_t before = flusher::dirty_pages();
        klib::memset(out.data(), 0x5a, kPage);
        KASSERT(write_pages(object, 0, 3, out.data()));
        KASSERT(write_pages(object, 5, 2, out.data()));
        KEXPECT_EQ(before + 5, flusher::dirty_pages());
        // The first run's write_pages fails; the second run's succeeds.
        fs->fail_next_write_pages_for_test(1);
        auto flushed = object.write_back_queued();
        KEXPECT(flushed.is_error() && flushed.error().code() == EIO);
        KEXPECT_EQ(before, flusher::dirty_pages());
        for (uint64_t index : { 0, 1, 2, 5, 6 }) {
            Page* page = object.lookup_page(index);
            KEXPECT(page && !page->has_flag(kPageDirty) && !page->has_flag(kPageDirtyCounted));
        }
        KEXPECT(!fs->read_page(*file.value(), 5, in.data()).is_error());
        KEXPECT(all_bytes(in.data(), kPage, 0x5a));
        KEXPECT(!fs->read_page(*file.value(), 6, in.data()).is_error());
        KEXPECT(all_bytes(in.data(), kPage, 0x5a));
        // Reported once; nothing is left to write back.
        uint64_t written_back = page_cache_statistics().written_back;
        auto synced = object.sync();
        KEXPECT(synced.is_error() && synced.error().code() == EIO);
        KEXPECT(!object.sync().is_error());
        KEXPECT_EQ(written_back, page_cache_statistics().written_back);
    }
    flusher::pause_for_test(false);
    file = nullptr;
    KEXPECT(!fs->unlink(*fs->root(), "/ktest-wb-error-count").is_error());
}

KTEST(WriteBack, SizeGrownWithinTheLastBlockSurvivesTheInodesEviction) {
    fs::FileSystem* fs = root_file_system();
    KASSERT(fs);
    auto file = fs->create_file(*fs->root(), "/ktest-wb-evict");
    KASSERT(!file.is_error());
    {
        auto cache = FileObject::for_inode(*file.value());
        KASSERT(!cache.is_error());
        ScopedFrame out;
        KASSERT(out.ok());
        klib::memset(out.data(), 0x4d, kPage);
        KASSERT(!cache.value()->write(0, out.data(), 100).is_error());
        KASSERT(!cache.value()->sync().is_error());
        // Growth inside the block the file already has: written back in place, with no
        // transaction of its own.
        KASSERT(!cache.value()->write(100, out.data(), 200).is_error());
    }
    // The last reference writes back; the eviction drops the inode; the next lookup reads
    // the inode from the disk, which must have the size.
    file = nullptr;
    fs->inode_table().evict_unused(SIZE_MAX);
    auto again = fs->lookup(*fs->root(), "/ktest-wb-evict");
    KASSERT(!again.is_error());
    KEXPECT_EQ(uint64_t(300), fs->stat(*again.value()).size);
    ScopedFrame in;
    KASSERT(in.ok());
    auto read = fs->read(*again.value(), 0, in.data(), kPage);
    KEXPECT(!read.is_error() && read.value() == 300);
    KEXPECT(all_bytes(in.data(), 300, 0x4d));
    again = nullptr;
    KEXPECT(!fs->unlink(*fs->root(), "/ktest-wb-evict").is_error());
}

KTEST(WriteBack, SizeGrownByAWriteThroughSurvivesTheInodesEviction) {
    fs::FileSystem* fs = root_file_system();
    KASSERT(fs);
    auto file = fs->create_file(*fs->root(), "/ktest-wb-through");
    KASSERT(!file.is_error());
    ScopedFrame out, in;
    KASSERT(out.ok() && in.ok());
    klib::memset(out.data(), 0x6b, kPage);
    {
        // Two blocks on the disk, the second holding 100 bytes.
        auto cache = FileObject::for_inode(*file.value());
        KASSERT(!cache.is_error());
        KASSERT(!cache.value()->write(0, out.data(), kPage).is_error());
        KASSERT(!cache.value()->write(kPage, out.data(), 100).is_error());
        KASSERT(!cache.value()->sync().is_error());
    }
    // A new cache, with nothing dirty since it was made.
    file = nullptr;
    fs->inode_table().evict_unused(SIZE_MAX);
    file = fs->lookup(*fs->root(), "/ktest-wb-through");
    KASSERT(!file.is_error());
    {
        auto cache = FileObject::for_inode(*file.value());
        KASSERT(!cache.is_error());
        // Page 0 cached and clean, so the unused inode is kept with its cache (and evicted
        // later without a write).
        auto read = cache.value()->read(0, in.data(), kPage);
        KASSERT(!read.is_error() && read.value() == kPage);
        cache.value()->drop_cached_pages(1, 2);  // Read ahead with page 0.
        KASSERT(cache.value()->lookup_page(0) && !cache.value()->lookup_page(1));
        // A whole page over the uncached block 1: a fresh frame, which the tree refuses,
        // so it is written through, in place, with no transaction; the size grows to two
        // pages in memory only.
        FileObject::fail_next_written_page_inserts_for_test(1);
        auto written = cache.value()->write(kPage, out.data(), kPage);
        FileObject::fail_next_written_page_inserts_for_test(0);
        KEXPECT(!written.is_error() && written.value() == kPage);
        KEXPECT(!cache.value()->lookup_page(1));
    }
    // The last reference must log the size: the eviction writes nothing, and the inode is
    // read anew from the disk.
    file = nullptr;
    fs->inode_table().evict_unused(SIZE_MAX);
    auto again = fs->lookup(*fs->root(), "/ktest-wb-through");
    KASSERT(!again.is_error());
    KEXPECT_EQ(uint64_t(2 * kPage), fs->stat(*again.value()).size);
    auto read = fs->read(*again.value(), kPage, in.data(), kPage);
    KEXPECT(!read.is_error() && read.value() == kPage);
    KEXPECT(all_bytes(in.data(), kPage, 0x6b));
    again = nullptr;
    KEXPECT(!fs->unlink(*fs->root(), "/ktest-wb-through").is_error());
}

KTEST(WriteBack, WriteBackRacingTruncationNeverBringsTruncatedBytesBack) {
    CachedTestFile file("/ktest-wb-race");
    KASSERT(file.ok());
    FileObject& object = *file.cache;
    constexpr uint32_t kRounds = 40;
    constexpr uint64_t kPages = 24;
    bool writes_ok = true;
    // One thread writes the file whole and cuts it back, round after round; the other
    // writes it back as the flusher does, as fast as it can.
    volatile bool writer_done = false;
    ktest_threads::run_in_threads(2, [&](size_t index) {
        if (index == 1) {
            while (!writer_done)
                (void)object.write_back_queued();
            return;
        }
        ScopedFrame out;
        for (uint32_t round = 0; round < kRounds && out.ok(); ++round) {
            klib::memset(out.data(), int(round + 1), kPage);
            writes_ok = writes_ok && write_pages(object, 0, kPages, out.data());
            writes_ok = writes_ok && !object.truncate(kPage * (round % 5) + round * 37).is_error();
        }
        writes_ok = writes_ok && out.ok();
        writer_done = true;
    });
    KEXPECT(writes_ok);
    uint64_t size = kPage * ((kRounds - 1) % 5) + (kRounds - 1) * 37;
    KEXPECT_EQ(size, file.fs->stat(*file.inode).size);
    // What the disk holds: the last round's bytes up to the size, zeros after it once
    // the file grows again, never an older round's.
    KEXPECT(!object.sync().is_error());
    object.drop_cached_pages(0, ~uint64_t(0));
    KEXPECT(!object.truncate(size + 3 * kPage).is_error());
    ScopedFrame in;
    KASSERT(in.ok());
    bool right = true;
    uint64_t grown = size + 3 * kPage;
    for (uint64_t offset = 0; offset < grown && right; offset += kPage) {
        size_t expected = grown - offset < kPage ? size_t(grown - offset) : kPage;
        auto read = object.read(offset, in.data(), kPage);
        right = !read.is_error() && read.value() == expected;
        for (size_t i = 0; i < expected && right; ++i)
            right = in.data()[i] == (offset + i < size ? uint8_t(kRounds) : 0);
    }
    KEXPECT(right);
}
