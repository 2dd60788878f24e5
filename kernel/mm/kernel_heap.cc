// The kernel heap: see kernel_heap.h.
#include "mm/kernel_heap.h"

#include <algorithm>
#include <bit>
#include <new>

#include "arch/riscv64/layout.h"
#include "lib/assert.h"
#include "lib/panic.h"
#include "mm/kernel_page_table.h"
#include "mm/kernel_virtual_area.h"
#include "sync/spinlock.h"
#include "mm/physical_allocator.h"
#include "mm/size_class.h"

namespace {

// One size class: its slabs with free objects, and at most one spare empty slab.
struct SizeClass {
    Spinlock lock { "heap size class", LockRank::KernelHeap };
    // Guarded by lock.
    IntrusiveList<Page, &Page::list_node> partial_slabs;
    Page* empty_slab { nullptr };
    size_t objects_in_use { 0 };
    size_t slab_pages { 0 };
};

SizeClass s_classes[kSizeClassCount];

// A class's object size follows from its position in s_classes, so the classes need no
// initialisation beyond their constructors.
size_t object_size(const SizeClass& cls) { return size_class_size(static_cast<size_t>(&cls - s_classes)); }

// The free objects of a slab form a singly linked list through their first word.
struct FreeObject {
    FreeObject* next;
};

// Links every object of a fresh slab frame into its free list, lowest address first.
void carve_slab(Page* slab, SizeClass& cls)
{
    auto* base = static_cast<char*>(page_to_virt(slab));
    size_t count = kPageSize / object_size(cls);
    FreeObject* next = nullptr;
    for (size_t i = count; i-- > 0;) {
        auto* object = reinterpret_cast<FreeObject*>(base + i * object_size(cls));
        object->next = next;
        next = object;
    }
    slab->use = PageUse::Slab;
    slab->owner = &cls;
    slab->slab_free_list = next;
    slab->slab_in_use = 0;
}

// Takes one object from a slab on the partial list; expects cls.lock held and the list
// non-empty.
void* take_object_locked(SizeClass& cls)
{
    Page* slab = cls.partial_slabs.first();
    auto* object = static_cast<FreeObject*>(slab->slab_free_list);
    slab->slab_free_list = object->next;
    ++slab->slab_in_use;
    ++cls.objects_in_use;
    if (!slab->slab_free_list)
        cls.partial_slabs.remove(*slab); // Full slabs are on no list.
    return object;
}

void* allocate_small(size_t size)
{
    SizeClass& cls = s_classes[size_class_for(size)];
    {
        SpinlockLocker guard(cls.lock);
        if (cls.partial_slabs.empty() && cls.empty_slab) {
            cls.partial_slabs.push_front(*cls.empty_slab);
            cls.empty_slab = nullptr;
        }
        if (!cls.partial_slabs.empty())
            return take_object_locked(cls);
    }
    // No free object: take a frame with the class unlocked (the page allocator's lock comes
    // before the heap's in the lock order), then add it. Another hart may have added a slab
    // meanwhile; this one simply joins the partial list too.
    auto page = allocate_page(ZeroFill::No, PageUse::Slab);
    if (page.is_error())
        return nullptr;
    carve_slab(page.value(), cls);
    SpinlockLocker guard(cls.lock);
    cls.partial_slabs.push_front(*page.value());
    ++cls.slab_pages;
    return take_object_locked(cls);
}

void free_small(Page* slab, void* pointer)
{
    auto& cls = *static_cast<SizeClass*>(slab->owner);
    auto offset = reinterpret_cast<uint64_t>(pointer) & (kPageSize - 1);
    if (offset % object_size(cls) != 0)
        panic("kfree(%p): not the start of a %lu-byte heap object", pointer, object_size(cls));

    Page* frame_to_free = nullptr;
    {
        SpinlockLocker guard(cls.lock);
        ASSERT(slab->slab_in_use > 0);
        bool was_full = slab->slab_free_list == nullptr;
        auto* object = static_cast<FreeObject*>(pointer);
        object->next = static_cast<FreeObject*>(slab->slab_free_list);
        slab->slab_free_list = object;
        --slab->slab_in_use;
        --cls.objects_in_use;
        if (slab->slab_in_use > 0) {
            if (was_full)
                cls.partial_slabs.push_front(*slab);
            return;
        }
        // The slab is empty: keep it as the class's spare, or give it back.
        if (!was_full)
            cls.partial_slabs.remove(*slab);
        if (!cls.empty_slab) {
            cls.empty_slab = slab;
            return;
        }
        --cls.slab_pages;
        frame_to_free = slab;
    }
    frame_to_free->owner = nullptr;
    frame_to_free->slab_free_list = nullptr;
    free_page(frame_to_free);
}

// A large block's virtual slot. Records live on the small heap and are reused with their
// slots; a slot's record is found from its first frame's descriptor (Page::owner).
struct LargeBlock {
    uint64_t base;
    uint32_t pages;     // Mapped now (0 while the slot is free).
    uint8_t order;      // The slot spans 2^order pages.
    LargeBlock* next_free;
};

// The largest slot: 2^16 pages = 256 MiB, more than the kernel should ever ask for at once.
constexpr unsigned kMaxLargeOrder = 16;

Spinlock s_large_lock { "heap large blocks", LockRank::KernelHeap };
// Guarded by s_large_lock.
LargeBlock* s_free_slots[kMaxLargeOrder + 1];
uint64_t s_large_next = kLargeHeapBase;
size_t s_large_blocks = 0;
size_t s_large_pages = 0;

// The smallest order whose slot holds `pages` and at least one guard page after them.
unsigned order_for(size_t pages) { return static_cast<unsigned>(std::bit_width(pages)); }

LargeBlock* take_slot(unsigned order)
{
    {
        SpinlockLocker guard(s_large_lock);
        if (LargeBlock* block = s_free_slots[order]) {
            s_free_slots[order] = block->next_free;
            return block;
        }
    }
    // A new record is allocated with the large-block lock dropped, so heap locks never nest.
    auto* block = static_cast<LargeBlock*>(kmalloc(sizeof(LargeBlock)));
    if (!block)
        return nullptr;
    uint64_t slot_size = kPageSize << order;
    SpinlockLocker guard(s_large_lock);
    if (kLargeHeapEnd - s_large_next < slot_size) {
        kfree(block);
        return nullptr;
    }
    *block = LargeBlock { s_large_next, 0, static_cast<uint8_t>(order), nullptr };
    s_large_next += slot_size;
    return block;
}

void return_slot(LargeBlock* block)
{
    SpinlockLocker guard(s_large_lock);
    block->next_free = s_free_slots[block->order];
    s_free_slots[block->order] = block;
}

// Unmaps and frees the first `pages` frames of a block's slot.
void release_pages(LargeBlock* block, size_t pages)
{
    PageTable& table = kernel_page_table();
    for (size_t i = 0; i < pages; ++i) {
        uint64_t vaddr = block->base + i * kPageSize;
        auto translation = table.translate(vaddr);
        ASSERT(translation);
        Page* page = page_from_phys(translation->phys);
        ASSERT(page && page->use == PageUse::LargeHeap && page->owner == block);
        MUST(table.unmap(vaddr, kPageSize));
        page->owner = nullptr;
        free_page(page);
    }
    // Before the slot can be handed out again, no hart may still translate it to the old
    // frames.
    if (pages > 0)
        flush_kernel_tlb_range(block->base, pages * kPageSize);
}

void* allocate_large(size_t size)
{
    size_t pages = page_round_up(size) / kPageSize;
    unsigned order = order_for(pages);
    if (order > kMaxLargeOrder || !kernel_page_table_ready())
        return nullptr;
    LargeBlock* block = take_slot(order);
    if (!block)
        return nullptr;

    PageTable& table = kernel_page_table();
    for (size_t i = 0; i < pages; ++i) {
        auto page = allocate_page(ZeroFill::No, PageUse::LargeHeap);
        if (!page.is_error()) {
            page.value()->owner = block;
            page.value()->index = i;
            auto mapped = table.map(block->base + i * kPageSize, page_to_phys(page.value()), kPageSize,
                                    PteFlags::Read | PteFlags::Write | PteFlags::Global);
            if (!mapped.is_error())
                continue;
            page.value()->owner = nullptr;
            free_page(page.value());
        }
        release_pages(block, i);
        return_slot(block);
        return nullptr;
    }
    block->pages = static_cast<uint32_t>(pages);
    SpinlockLocker guard(s_large_lock);
    ++s_large_blocks;
    s_large_pages += pages;
    return reinterpret_cast<void*>(block->base);
}

LargeBlock* large_block_of(const void* pointer)
{
    auto vaddr = reinterpret_cast<uint64_t>(pointer);
    auto translation = kernel_page_table().translate(vaddr);
    Page* page = translation ? page_from_phys(translation->phys) : nullptr;
    if (!page || page->use != PageUse::LargeHeap || page->index != 0)
        panic("kfree(%p): not a large heap block", pointer);
    auto* block = static_cast<LargeBlock*>(page->owner);
    ASSERT(block->base == vaddr);
    return block;
}

void free_large(void* pointer)
{
    LargeBlock* block = large_block_of(pointer);
    size_t pages = block->pages;
    block->pages = 0;
    release_pages(block, pages);
    return_slot(block);
    SpinlockLocker guard(s_large_lock);
    --s_large_blocks;
    s_large_pages -= pages;
}

bool is_direct_mapped(uint64_t vaddr) { return vaddr >= kDirectMapBase && vaddr - kDirectMapBase < kDirectMapSize; }
bool is_large_heap(uint64_t vaddr) { return vaddr >= kLargeHeapBase && vaddr < kLargeHeapEnd; }

} // namespace

void* kmalloc(size_t size)
{
    if (size <= kMaxSmallSize)
        return allocate_small(size);
    return allocate_large(size);
}

void* kmalloc_aligned(size_t size, size_t alignment)
{
    ASSERT(std::has_single_bit(alignment) && alignment <= kPageSize);
    if (alignment <= kSizeClassGranule)
        return kmalloc(size);
    // A power-of-two class is aligned to its size, and large blocks to a page.
    return kmalloc(std::bit_ceil(std::max(size, alignment)));
}

void kfree(void* pointer)
{
    if (!pointer)
        return;
    auto vaddr = reinterpret_cast<uint64_t>(pointer);
    if (is_direct_mapped(vaddr)) {
        Page* page = page_from_virt(pointer);
        if (!page || page->use != PageUse::Slab)
            panic("kfree(%p): not a heap object", pointer);
        free_small(page, pointer);
    } else if (is_large_heap(vaddr)) {
        free_large(pointer);
    } else {
        panic("kfree(%p): not a heap address", pointer);
    }
}

size_t kmalloc_usable_size(const void* pointer)
{
    auto vaddr = reinterpret_cast<uint64_t>(pointer);
    if (is_direct_mapped(vaddr)) {
        Page* page = page_from_virt(pointer);
        ASSERT(page && page->use == PageUse::Slab);
        return object_size(*static_cast<SizeClass*>(page->owner));
    }
    return static_cast<size_t>(large_block_of(pointer)->pages) * kPageSize;
}

KernelHeapStatistics kernel_heap_statistics()
{
    KernelHeapStatistics statistics {};
    for (size_t i = 0; i < kSizeClassCount; ++i) {
        SizeClass& cls = s_classes[i];
        SpinlockLocker guard(cls.lock);
        statistics.small_bytes_in_use += cls.objects_in_use * object_size(cls);
        statistics.slab_pages += cls.slab_pages;
    }
    SpinlockLocker guard(s_large_lock);
    statistics.large_blocks = s_large_blocks;
    statistics.large_pages = s_large_pages;
    return statistics;
}

// The global allocation functions. Plain new has no way to report failure without
// exceptions, so it stops the kernel; fallible code uses new (std::nothrow).

static void* allocate_or_panic(size_t size, size_t alignment)
{
    void* pointer = kmalloc_aligned(size, alignment);
    if (!pointer)
        panic("out of memory: operator new(%lu) failed; fallible code must use new (std::nothrow)", size);
    return pointer;
}

// Sized delete: the size must be what was asked for, so the block must be at least that big.
static void free_sized(void* pointer, size_t size)
{
    if (pointer)
        ASSERT(kmalloc_usable_size(pointer) >= size);
    kfree(pointer);
}

void* operator new(size_t size) { return allocate_or_panic(size, 1); }
void* operator new[](size_t size) { return allocate_or_panic(size, 1); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return kmalloc(size); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return kmalloc(size); }
void* operator new(size_t size, std::align_val_t alignment) { return allocate_or_panic(size, size_t(alignment)); }
void* operator new[](size_t size, std::align_val_t alignment) { return allocate_or_panic(size, size_t(alignment)); }
void* operator new(size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept
{
    return kmalloc_aligned(size, size_t(alignment));
}
void* operator new[](size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept
{
    return kmalloc_aligned(size, size_t(alignment));
}

void operator delete(void* pointer) noexcept { kfree(pointer); }
void operator delete[](void* pointer) noexcept { kfree(pointer); }
void operator delete(void* pointer, size_t size) noexcept { free_sized(pointer, size); }
void operator delete[](void* pointer, size_t size) noexcept { free_sized(pointer, size); }
void operator delete(void* pointer, const std::nothrow_t&) noexcept { kfree(pointer); }
void operator delete[](void* pointer, const std::nothrow_t&) noexcept { kfree(pointer); }
void operator delete(void* pointer, std::align_val_t) noexcept { kfree(pointer); }
void operator delete[](void* pointer, std::align_val_t) noexcept { kfree(pointer); }
void operator delete(void* pointer, size_t size, std::align_val_t) noexcept { free_sized(pointer, size); }
void operator delete[](void* pointer, size_t size, std::align_val_t) noexcept { free_sized(pointer, size); }
