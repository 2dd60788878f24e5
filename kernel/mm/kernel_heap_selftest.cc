// Self-tests of the kernel heap: kmalloc/kfree and operator new/delete.
#include <atomic>
#include <new>

#include "arch/riscv64/smp.h"
#include "lib/ktest.h"
#include "lib/own_ptr.h"
#include "lib/panic.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_page_table.h"
#include "mm/kernel_virtual_area.h"
#include "mm/physical_allocator.h"
#include "mm/size_class.h"
#include "sync/interrupt_disabler.h"
#include "sync/kernel_thread.h"
#include "sync/spinlock.h"

using namespace ktest_threads;

namespace {

void fill(void* block, size_t size, uint8_t seed)
{
    auto* bytes = static_cast<uint8_t*>(block);
    for (size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<uint8_t>(seed + i);
}

bool check(const void* block, size_t size, uint8_t seed)
{
    auto* bytes = static_cast<const uint8_t*>(block);
    for (size_t i = 0; i < size; ++i) {
        if (bytes[i] != static_cast<uint8_t>(seed + i))
            return false;
    }
    return true;
}

struct Forty {
    uint64_t words[5];
};

struct alignas(64) Aligned {
    uint8_t bytes[100];
};

} // namespace

KTEST(KernelHeap, ManySizesKeepTheirContents)
{
    constexpr size_t kSizes[] = { 0, 1, 7, 16, 17, 31, 48, 100, 255, 256, 257, 1000, 2047, 2048, 2049, 4096, 5000, 12288, 40000 };
    constexpr size_t kCount = sizeof(kSizes) / sizeof(kSizes[0]);
    // Two rounds: the first may leave slot records and page-table pages for large blocks
    // behind (both are kept for reuse), the second must leave the heap exactly as it was.
    for (int round = 0; round < 2; ++round) {
        KernelHeapStatistics before = kernel_heap_statistics();
        void* blocks[kCount];
        for (size_t i = 0; i < kCount; ++i) {
            blocks[i] = kmalloc(kSizes[i]);
            KASSERT(blocks[i] != nullptr);
            KEXPECT_EQ(0u, reinterpret_cast<uint64_t>(blocks[i]) % 16);
            KEXPECT(kmalloc_usable_size(blocks[i]) >= kSizes[i]);
            fill(blocks[i], kSizes[i], static_cast<uint8_t>(i));
        }
        size_t corrupted = 0;
        for (size_t i = 0; i < kCount; ++i)
            corrupted += !check(blocks[i], kSizes[i], static_cast<uint8_t>(i));
        KEXPECT_EQ(0u, corrupted);
        for (size_t i = 0; i < kCount; ++i)
            kfree(blocks[i]);
        KernelHeapStatistics after = kernel_heap_statistics();
        KEXPECT_EQ(before.large_blocks, after.large_blocks);
        KEXPECT_EQ(before.large_pages, after.large_pages);
        if (round == 1)
            KEXPECT_EQ(before.small_bytes_in_use, after.small_bytes_in_use);
    }
    kfree(nullptr);
}

KTEST(KernelHeap, FreedBlockIsReused)
{
    for (size_t size : { 24, 200, 2000 }) {
        void* first = kmalloc(size);
        KASSERT(first);
        kfree(first);
        void* second = kmalloc(size);
        KEXPECT_EQ(first, second);
        kfree(second);
    }
}

KTEST(KernelHeap, SizeClassesAreDistinctAndAligned)
{
    // Power-of-two classes are aligned to their size.
    for (size_t size = 16; size <= kMaxSmallSize; size *= 2) {
        void* block = kmalloc(size);
        KASSERT(block);
        KEXPECT_EQ(0u, reinterpret_cast<uint64_t>(block) % size);
        KEXPECT_EQ(size, kmalloc_usable_size(block));
        kfree(block);
    }
    void* aligned = kmalloc_aligned(100, 512);
    KASSERT(aligned);
    KEXPECT_EQ(0u, reinterpret_cast<uint64_t>(aligned) % 512);
    kfree(aligned);

    // Two live objects of one class never overlap.
    void* a = kmalloc(96);
    void* b = kmalloc(96);
    KASSERT(a && b);
    auto distance = reinterpret_cast<int64_t>(a) - reinterpret_cast<int64_t>(b);
    KEXPECT(distance >= 96 || distance <= -96);
    kfree(a);
    kfree(b);
}

KTEST(KernelHeap, EmptySlabsGoBackToThePageAllocator)
{
    // Interrupts off keep the test on one hart, so every free lands in this hart's cache
    // and the drains below reach all of them.
    InterruptDisabler stay_on_this_hart;
    kernel_heap_drain_this_cpu();
    constexpr size_t kObjects = 3 * (kPageSize / 2048); // Three slabs of the 2048 class.
    KernelHeapStatistics before = kernel_heap_statistics();
    void* blocks[kObjects];
    for (size_t i = 0; i < kObjects; ++i) {
        blocks[i] = kmalloc(2048);
        KASSERT(blocks[i]);
    }
    KEXPECT(kernel_heap_statistics().slab_pages >= before.slab_pages + 2);
    for (size_t i = 0; i < kObjects; ++i)
        kfree(blocks[i]);
    // The hart's cache may still hold a slab's objects (at most its capacity of them)...
    KEXPECT(kernel_heap_statistics().slab_pages <= before.slab_pages + 1 + size_class_cache_capacity(kSizeClassCount - 1));
    // ...and once it gives them back, one empty slab per class may stay as a spare.
    kernel_heap_drain_this_cpu();
    KEXPECT(kernel_heap_statistics().slab_pages <= before.slab_pages + 1);
}

KTEST(KernelHeap, CachedObjectsDoNotCountAsInUse)
{
    InterruptDisabler stay_on_this_hart;
    constexpr size_t kSize = 96;
    constexpr size_t kObjects = 3 * kCacheMaxObjects; // Through refills and drains.
    KernelHeapStatistics before = kernel_heap_statistics();
    void* blocks[kObjects];
    for (size_t i = 0; i < kObjects; ++i) {
        blocks[i] = kmalloc(kSize);
        KASSERT(blocks[i]);
        KEXPECT_EQ(before.small_bytes_in_use + (i + 1) * kSize, kernel_heap_statistics().small_bytes_in_use);
    }
    for (size_t i = 0; i < kObjects; ++i) {
        kfree(blocks[i]);
        KEXPECT_EQ(before.small_bytes_in_use + (kObjects - i - 1) * kSize, kernel_heap_statistics().small_bytes_in_use);
    }
    // Draining moves objects but frees nothing that was in use.
    kernel_heap_drain_this_cpu();
    KEXPECT_EQ(before.small_bytes_in_use, kernel_heap_statistics().small_bytes_in_use);
}

KTEST(KernelHeap, CacheHoldsAtMostItsCapacity)
{
    InterruptDisabler stay_on_this_hart;
    kernel_heap_drain_this_cpu();
    // Many objects of one class freed in a row: all but a cache's worth go back to the
    // slabs, so all but a cache's worth of slabs (and the spare) go back to the allocator.
    constexpr size_t kIndex = kSizeClassCount - 3; // 1024 bytes: four per slab.
    constexpr size_t kObjects = 40;
    size_t size = size_class_size(kIndex);
    KernelHeapStatistics before = kernel_heap_statistics();
    void* blocks[kObjects];
    for (size_t i = 0; i < kObjects; ++i) {
        blocks[i] = kmalloc(size);
        KASSERT(blocks[i]);
    }
    KEXPECT(kernel_heap_statistics().slab_pages >= before.slab_pages + kObjects / 4 - 1);
    for (size_t i = 0; i < kObjects; ++i)
        kfree(blocks[i]);
    KEXPECT(kernel_heap_statistics().slab_pages <= before.slab_pages + 1 + size_class_cache_capacity(kIndex));
    kernel_heap_drain_this_cpu();
}

KTEST(KernelHeap, RecentlyFreedObjectIsHandedOutFirst)
{
    // The cache is a stack: the warmest object comes back first, for every class.
    InterruptDisabler stay_on_this_hart;
    for (size_t index = 0; index < kSizeClassCount; ++index) {
        size_t size = size_class_size(index);
        void* a = kmalloc(size);
        void* b = kmalloc(size);
        KASSERT(a && b);
        kfree(a);
        kfree(b);
        KEXPECT_EQ(b, kmalloc(size));
        KEXPECT_EQ(a, kmalloc(size));
        kfree(a);
        kfree(b);
    }
}

KTEST(KernelHeap, ObjectsFreedOnOtherHartsKeepTheirContents)
{
    // Each thread allocates blocks, fills them, and hands every other one to the next
    // thread, which checks and frees it (often on another hart, into that hart's cache).
    constexpr size_t kThreads = 6;
    constexpr size_t kRounds = 300;
    constexpr size_t kPerRound = 8;
    struct Mailbox {
        Spinlock lock { "test mailbox", LockRank::Test };
        void* blocks[kRounds * kPerRound];
        size_t sizes[kRounds * kPerRound];
        size_t count { 0 };
    };
    static Mailbox mailboxes[kThreads];
    for (auto& box : mailboxes)
        box.count = 0;
    KernelHeapStatistics before = kernel_heap_statistics();
    std::atomic<size_t> corrupted { 0 };
    run_in_threads(kThreads, [&](size_t me) {
        void* mine[kPerRound];
        for (size_t round = 0; round < kRounds; ++round) {
            for (size_t i = 0; i < kPerRound; ++i) {
                size_t size = 16 + ((round * 7 + i * 13 + me * 5) % 40) * 16;
                mine[i] = kmalloc(size);
                if (!mine[i])
                    panic("out of memory in a heap self-test");
                fill(mine[i], size, static_cast<uint8_t>(size));
                if (i % 2 == 0) {
                    Mailbox& next = mailboxes[(me + 1) % kThreads];
                    SpinlockLocker guard(next.lock);
                    next.blocks[next.count] = mine[i];
                    next.sizes[next.count++] = size;
                } else {
                    corrupted += !check(mine[i], size, static_cast<uint8_t>(size));
                    kfree(mine[i]);
                }
            }
            if (round % 16 == 0)
                kernel_thread::yield();
        }
    });
    for (auto& box : mailboxes) {
        for (size_t i = 0; i < box.count; ++i) {
            corrupted += !check(box.blocks[i], box.sizes[i], static_cast<uint8_t>(box.sizes[i]));
            kfree(box.blocks[i]);
        }
    }
    KEXPECT_EQ(0u, corrupted.load());
    // Thread records and stacks come and go with the threads; the blocks of this test
    // must all be free again.
    KEXPECT(kernel_heap_statistics().small_bytes_in_use <= before.small_bytes_in_use + 4096);
}

KTEST(KernelHeap, LargeBlocksAreMappedWithAGuardAfter)
{
    constexpr size_t kSize = 3 * kPageSize + 1;
    // The first block of a size may need page-table pages for its slot, which stay; the
    // slot is then reused, so the second block's frames are exactly the block's own.
    kfree(kmalloc(kSize));
    size_t free_before = free_page_count();
    auto* block = static_cast<uint8_t*>(kmalloc(kSize));
    KASSERT(block);
    auto base = reinterpret_cast<uint64_t>(block);
    KEXPECT(base >= kLargeHeapBase && base < kLargeHeapEnd);
    KEXPECT_EQ(0u, base % kPageSize);
    KEXPECT_EQ(4 * kPageSize, kmalloc_usable_size(block));
    KEXPECT_EQ(free_before - 4, free_page_count());
    fill(block, 4 * kPageSize, 3);
    KEXPECT(check(block, 4 * kPageSize, 3));
    PageTable& table = kernel_page_table();
    KEXPECT(!table.translate(base + 4 * kPageSize));
    auto translation = table.translate(base);
    KASSERT(translation);
    KEXPECT(!has_any(translation->flags, PteFlags::Execute));
    kfree(block);
    KEXPECT(!table.translate(base));
    KEXPECT_EQ(free_before, free_page_count());

    // The slot is reused for the next block of its size.
    void* again = kmalloc(kSize);
    KEXPECT_EQ(static_cast<void*>(block), again);
    kfree(again);
}

KTEST(KernelHeap, NewAndDeleteInEveryForm)
{
    auto* one = new Forty {};
    KEXPECT_EQ(0u, one->words[4]);
    delete one; // Sized delete: operator delete(void*, size_t).

    auto* many = new Forty[10];
    many[9].words[4] = 9;
    delete[] many;

    auto* maybe = new (std::nothrow) Forty;
    KASSERT(maybe);
    delete maybe;

    auto* aligned = new Aligned;
    KEXPECT_EQ(0u, reinterpret_cast<uint64_t>(aligned) % alignof(Aligned));
    delete aligned;

    auto owned = try_make<Forty>();
    KEXPECT(!owned.is_error());
    auto address = reinterpret_cast<uint64_t>(owned.value().ptr());
    owned = Error::from_errno(ENOMEM); // Drops the OwnPtr, which deletes.
    // Deleted means free: the next object of the class is the same memory.
    auto* next = new Forty;
    KEXPECT_EQ(address, reinterpret_cast<uint64_t>(next));
    delete next;
}

KTEST(KernelHeap, ExhaustionReturnsNullAndLeaksNothing)
{
    // Beyond the largest slot: refused at once.
    KEXPECT(kmalloc(size_t(1) << 40) == nullptr);
    KEXPECT(new (std::nothrow) uint8_t[size_t(1) << 40] == nullptr);

    // One page more than is free: the heap maps what it can, runs out, and gives it all
    // back. The first attempt may leave page-table pages for the slot behind (kernel-half
    // tables are never freed); the second reuses the slot and must return every frame.
    size_t pages = free_page_count() + 1;
    KEXPECT(kmalloc(pages * kPageSize) == nullptr);
    size_t free_before = free_page_count();
    KEXPECT(kmalloc(pages * kPageSize) == nullptr);
    KEXPECT_EQ(free_before, free_page_count());
}

KTEST(KernelHeap, DrainOfEveryHartEmptiesEveryCacheAndSpareSlab)
{
    // Objects freed from threads on every hart rest in those harts' caches.
    run_in_threads(online_cpu_count() * 2, [](size_t) {
        void* blocks[16];
        for (auto& block : blocks)
            block = kmalloc(96);
        for (auto& block : blocks)
            kfree(block);
    });
    KEXPECT(kernel_heap_statistics().cached_objects > 0);
    kernel_heap_drain_every_cpu();
    KernelHeapStatistics after = kernel_heap_statistics();
    // Nothing allocates between the drain and the count but interrupt handlers, which
    // free what they allocate at once (into a cache, at most a few objects).
    KEXPECT(after.cached_objects <= 4);
    KEXPECT_EQ(0u, after.spare_slabs);
}
