// Self-tests of the kernel heap: kmalloc/kfree and operator new/delete.
#include <new>

#include "lib/ktest.h"
#include "lib/own_ptr.h"
#include "mm/kernel_heap.h"
#include "mm/kernel_page_table.h"
#include "mm/kernel_virtual_area.h"
#include "mm/physical_allocator.h"
#include "mm/size_class.h"

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
    // One empty slab per class may stay as a spare.
    KEXPECT(kernel_heap_statistics().slab_pages <= before.slab_pages + 1);
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
