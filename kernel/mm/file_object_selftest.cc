// Self-tests of the page cache (FileObject) on the root file system: write() dirties cached
// pages and fsync puts them on the disk, stores into cached pages (what mappings will
// do) are seen by read() before any write-back, fsync and the inode's release put dirty
// pages on the disk, the cache outlives the inode's last reference until evicted, truncation drops and zeroes cached pages, and a miss reads the disk
// straight into the cached frame. Each test works on its own file and removes it again.
#include "fs/file_system.h"
#include "fs/inode_table.h"
#include "fs/root_file_system.h"
#include "lib/ktest.h"
#include "lib/string.h"
#include "mm/file_object.h"
#include "mm/file_test_support.h"
#include "mm/physical_allocator.h"
#include "mm/scoped_frame.h"

namespace {

constexpr size_t kPage = fs::kBlockSize;


// Stores `count` bytes of `value` at `offset` of cached page `index` and marks the page
// dirty: what a store through a MAP_SHARED mapping and its write fault (or munmap's
// mark_dirty_where) will do.
bool store_into_cache(FileObject& cache, uint64_t index, size_t offset, size_t count, uint8_t value) {
    auto page = cache.page_for_fault(index);
    if (page.is_error())
        return false;
    klib::memset(static_cast<uint8_t*>(page_to_virt(page.value())) + offset, value, count);
    cache.mark_dirty_where(index, index + 1, [](void*, uint64_t) { return true; }, nullptr);
    return page.value()->has_flag(kPageDirty);
}

bool all_bytes(const uint8_t* data, size_t length, uint8_t value) {
    for (size_t i = 0; i < length; ++i) {
        if (data[i] != value)
            return false;
    }
    return true;
}

}  // namespace

KTEST(FileObject, WriteDirtiesCachedPagesAndFsyncPutsThemOnTheDisk) {
    CachedTestFile file("/ktest-cache-wt");
    KASSERT(file.ok());
    ScopedFrame out, in;
    KASSERT(out.ok() && in.ok());
    klib::memset(out.data(), 0x11, kPage);
    KASSERT(!file.cache->write(0, out.data(), kPage).is_error());
    KASSERT(!file.cache->sync().is_error());
    // Overwrite part of the cached page with write().
    klib::memset(out.data(), 0x5a, kPage);
    auto written = file.cache->write(100, out.data(), 3000);
    KASSERT(!written.is_error());
    KEXPECT_EQ(size_t(3000), written.value());
    KEXPECT_EQ(uint64_t(kPage), file.fs->stat(*file.inode).size);
    Page* page = file.cache->lookup_page(0);
    KASSERT(page);
    // The cached copy has the bytes and is dirty; the disk does not have them yet.
    KEXPECT(page->has_flag(kPageDirty));
    const uint8_t* cached = static_cast<const uint8_t*>(page_to_virt(page));
    KEXPECT(all_bytes(cached, 100, 0x11));
    KEXPECT(all_bytes(cached + 100, 3000, 0x5a));
    KEXPECT(all_bytes(cached + 3100, kPage - 3100, 0x11));
    KEXPECT(!file.fs->read_page(*file.inode, 0, in.data()).is_error());
    KEXPECT(all_bytes(in.data(), kPage, 0x11));
    // fsync writes the page back: clean, and the disk agrees.
    KEXPECT(!file.cache->sync().is_error());
    KEXPECT(!page->has_flag(kPageDirty));
    KEXPECT(!file.fs->read_page(*file.inode, 0, in.data()).is_error());
    KEXPECT(all_bytes(in.data(), 100, 0x11));
    KEXPECT(all_bytes(in.data() + 100, 3000, 0x5a));
    KEXPECT(all_bytes(in.data() + 3100, kPage - 3100, 0x11));
}

KTEST(FileObject, ReadSeesStoresBeforeAnyWriteBack) {
    CachedTestFile file("/ktest-cache-rw");
    KASSERT(file.ok());
    ScopedFrame out, in;
    KASSERT(out.ok() && in.ok());
    klib::memset(out.data(), 0x11, kPage);
    KASSERT(!file.cache->write(0, out.data(), 3100).is_error());
    KASSERT(!file.cache->sync().is_error());
    uint64_t written_before = page_cache_statistics().written_back;
    KASSERT(store_into_cache(*file.cache, 0, 100, 3000, 0x5a));
    // Nothing reached the disk yet: the page is dirty, and the disk still has 0x11.
    KEXPECT_EQ(written_before, page_cache_statistics().written_back);
    KEXPECT(file.cache->lookup_page(0)->has_flag(kPageDirty));
    KEXPECT(!file.fs->read_page(*file.inode, 0, in.data()).is_error());
    KEXPECT(all_bytes(in.data() + 100, 3000, 0x11));
    // read() through the cache, and FileSystem::read (which goes through it too).
    klib::memset(in.data(), 0, kPage);
    auto read = file.cache->read(0, in.data(), kPage);
    KASSERT(!read.is_error());
    KEXPECT_EQ(size_t(3100), read.value());
    KEXPECT(all_bytes(in.data(), 100, 0x11));
    KEXPECT(all_bytes(in.data() + 100, 3000, 0x5a));
    klib::memset(in.data(), 0, kPage);
    auto via_fs = file.fs->read(*file.inode, 100, in.data(), 3000);
    KASSERT(!via_fs.is_error());
    KEXPECT(all_bytes(in.data(), 3000, 0x5a));
    // Leave nothing dirty behind for the release path.
    KEXPECT(!file.cache->sync().is_error());
}

KTEST(FileObject, FsyncWritesDirtyPagesToTheDisk) {
    CachedTestFile file("/ktest-cache-sync");
    KASSERT(file.ok());
    ScopedFrame out, in;
    KASSERT(out.ok() && in.ok());
    // A page and a half of zeros on the disk, then stores make both pages dirty; the
    // second is clipped at the end of file when written back.
    klib::memset(out.data(), 0, kPage);
    KASSERT(!file.cache->write(0, out.data(), kPage + kPage / 2).is_error());
    KASSERT(store_into_cache(*file.cache, 0, 0, kPage, 0xc3));
    KASSERT(store_into_cache(*file.cache, 1, 0, kPage / 2, 0xc3));
    uint64_t written_before = page_cache_statistics().written_back;
    KEXPECT(!file.cache->sync().is_error());
    KEXPECT_EQ(written_before + 2, page_cache_statistics().written_back);
    KEXPECT(!file.cache->lookup_page(0)->has_flag(kPageDirty));
    KEXPECT(!file.cache->lookup_page(1)->has_flag(kPageDirty));
    // A fresh frame read from the disk, bypassing the cache.
    KEXPECT(!file.fs->read_page(*file.inode, 0, in.data()).is_error());
    KEXPECT(all_bytes(in.data(), kPage, 0xc3));
    KEXPECT(!file.fs->read_page(*file.inode, 1, in.data()).is_error());
    KEXPECT(all_bytes(in.data(), kPage / 2, 0xc3));
    KEXPECT(all_bytes(in.data() + kPage / 2, kPage / 2, 0));
    // A second sync has nothing dirty left to write.
    KEXPECT(!file.cache->sync().is_error());
    KEXPECT_EQ(written_before + 2, page_cache_statistics().written_back);
    KEXPECT_EQ(uint64_t(kPage + kPage / 2), file.fs->stat(*file.inode).size);
}

KTEST(FileObject, DirtyPagesReachTheDiskWhenTheInodeIsReleased) {
    fs::FileSystem* fs = root_file_system();
    KASSERT(fs);
    auto file = fs->create_file(*fs->root(), "/ktest-cache-release");
    KASSERT(!file.is_error());
    ScopedFrame out, in;
    KASSERT(out.ok() && in.ok());
    klib::memset(out.data(), 0x77, kPage);
    {
        auto cache = FileObject::for_inode(*file.value());
        KASSERT(!cache.is_error());
        klib::memset(out.data(), 0, kPage);
        KASSERT(!cache.value()->write(0, out.data(), 2000).is_error());
        KASSERT(store_into_cache(*cache.value(), 0, 0, 2000, 0x77));
    }
    file = nullptr;
    auto again = fs->lookup(*fs->root(), "/ktest-cache-release");
    KASSERT(!again.is_error());
    // The last reference wrote the dirty pages back before the inode went unused (with its
    // cache): the disk has them.
    KEXPECT(!fs->read_page(*again.value(), 0, in.data()).is_error());
    KEXPECT(all_bytes(in.data(), 2000, 0x77));
    KEXPECT(all_bytes(in.data() + 2000, kPage - 2000, 0));
    again = nullptr;
    KEXPECT(!fs->unlink(*fs->root(), "/ktest-cache-release").is_error());
}

KTEST(FileObject, CacheOutlivesTheLastReferenceUntilEvicted) {
    fs::FileSystem* fs = root_file_system();
    KASSERT(fs);
    auto file = fs->create_file(*fs->root(), "/ktest-cache-unused");
    KASSERT(!file.is_error());
    ScopedFrame out, in;
    KASSERT(out.ok() && in.ok());
    klib::memset(out.data(), 0x5a, kPage);
    FileObject* object;
    {
        auto cache = FileObject::for_inode(*file.value());
        KASSERT(!cache.is_error());
        KASSERT(!cache.value()->write(0, out.data(), kPage).is_error());
        KASSERT(!cache.value()->read(0, in.data(), kPage).is_error());
        object = cache.value().ptr();
    }
    size_t unused_before = fs->inode_table().unused_count();
    file = nullptr;
    // Unused, not gone: the table keeps it with its cache, and a lookup revives both.
    KEXPECT_EQ(unused_before + 1, fs->inode_table().unused_count());
    auto again = fs->lookup(*fs->root(), "/ktest-cache-unused");
    KASSERT(!again.is_error());
    KEXPECT_EQ(unused_before, fs->inode_table().unused_count());
    {
        auto cache = FileObject::for_inode(*again.value());
        KASSERT(!cache.is_error());
        KEXPECT_EQ(object, cache.value().ptr());
        KEXPECT(cache.value()->lookup_page(0));
    }
    again = nullptr;
    // Eviction (the shrinker's) takes the unused inode and its page.
    KEXPECT(fs->inode_table().evict_unused(SIZE_MAX) >= 1);
    KEXPECT_EQ(size_t(0), fs->inode_table().unused_count());
    again = fs->lookup(*fs->root(), "/ktest-cache-unused");
    KASSERT(!again.is_error());
    {
        MutexLocker locker(again.value()->lock());
        KEXPECT(!again.value()->page_cache());
    }
    again = nullptr;
    KEXPECT(!fs->unlink(*fs->root(), "/ktest-cache-unused").is_error());
}

KTEST(FileObject, TruncationDropsPagesAndZeroesTheTail) {
    CachedTestFile file("/ktest-cache-trunc");
    KASSERT(file.ok());
    ScopedFrame out, in;
    KASSERT(out.ok() && in.ok());
    klib::memset(out.data(), 0xee, kPage);
    for (uint64_t page = 0; page < 4; ++page)
        KASSERT(!file.cache->write(page * kPage, out.data(), kPage).is_error());
    // write() leaves the pages cached (and dirty); reading them finds them there.
    for (uint64_t page = 0; page < 4; ++page)
        KASSERT(!file.cache->read(page * kPage, in.data(), kPage).is_error());
    KEXPECT_EQ(size_t(4), file.cache->resident_page_count());
    KEXPECT(!file.cache->truncate(kPage + 10).is_error());
    KEXPECT_EQ(uint64_t(kPage + 10), file.fs->stat(*file.inode).size);
    KEXPECT_EQ(size_t(2), file.cache->resident_page_count());
    KEXPECT(!file.cache->lookup_page(2));
    Page* last = file.cache->lookup_page(1);
    KASSERT(last);
    auto* bytes = static_cast<uint8_t*>(page_to_virt(last));
    KEXPECT(all_bytes(bytes, 10, 0xee));
    KEXPECT(all_bytes(bytes + 10, kPage - 10, 0));
    // Growing again shows zeros where the dropped data was, never the old bytes.
    KEXPECT(!file.cache->truncate(3 * kPage).is_error());
    auto read = file.cache->read(kPage, in.data(), kPage);
    KASSERT(!read.is_error());
    KEXPECT_EQ(size_t(kPage), read.value());
    KEXPECT(all_bytes(in.data(), 10, 0xee));
    KEXPECT(all_bytes(in.data() + 10, kPage - 10, 0));
    read = file.cache->read(2 * kPage, in.data(), kPage);
    KASSERT(!read.is_error());
    KEXPECT(all_bytes(in.data(), kPage, 0));
}

KTEST(FileObject, MissReadsTheDiskStraightIntoTheCachedFrame) {
    fs::FileSystem* fs = root_file_system();
    KASSERT(fs);
    auto file = fs->create_file(*fs->root(), "/ktest-cache-miss");
    KASSERT(!file.is_error());
    {
        ScopedFrame out, in;
        KASSERT(out.ok() && in.ok());
        klib::memset(out.data(), 0x3c, kPage);
        // Written behind the cache's back, before the cache exists: only the disk has it.
        KASSERT(!fs->write(*file.value(), 0, out.data(), kPage).is_error());
        auto cache = FileObject::for_inode(*file.value());
        KASSERT(!cache.is_error());
        KEXPECT(!cache.value()->lookup_page(0));
        PageCacheStatistics before = page_cache_statistics();
        auto read = cache.value()->read(0, in.data(), 16);
        KASSERT(!read.is_error());
        KEXPECT_EQ(size_t(16), read.value());
        KEXPECT(all_bytes(in.data(), 16, 0x3c));
        PageCacheStatistics after = page_cache_statistics();
        KEXPECT_EQ(before.misses + 1, after.misses);
        Page* page = cache.value()->lookup_page(0);
        KASSERT(page);
        KEXPECT(page->use == PageUse::File);
        KEXPECT(!page->has_flag(kPageBusy));
        KEXPECT(!page->has_flag(kPageDirty));
        KEXPECT(all_bytes(static_cast<uint8_t*>(page_to_virt(page)), kPage, 0x3c));
        // The second read is a hit on the same frame.
        KASSERT(!cache.value()->read(100, in.data(), 16).is_error());
        KEXPECT_EQ(after.hits + 1, page_cache_statistics().hits);
        KEXPECT_EQ(page, cache.value()->lookup_page(0));
    }
    file = nullptr;
    KEXPECT(!fs->unlink(*fs->root(), "/ktest-cache-miss").is_error());
}
