// The kernel heap: see kernel_heap.h.
#include "mm/kernel_heap.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <new>

#include "arch/riscv64/cpu.h"
#include "arch/riscv64/csr.h"
#include "arch/riscv64/layout.h"
#include "arch/riscv64/smp.h"
#include "lib/assert.h"
#include "lib/panic.h"
#include "mm/kernel_page_table.h"
#include "mm/kernel_virtual_area.h"
#include "sync/interrupt_disabler.h"
#include "sync/spinlock.h"
#include "mm/physical_allocator.h"
#include "mm/size_class.h"

namespace {

// One size class: its slabs with free objects, and at most one spare empty slab. Aligned
// to a cache line so that harts working on different classes do not share one, and so
// that a class's index is a shift away from its address.
struct alignas(64) SizeClass {
    Spinlock lock { "heap size class", LockRank::KernelHeap };
    // Guarded by lock.
    IntrusiveList<Page, &Page::list_node> partial_slabs;
    Page* empty_slab { nullptr };
    size_t objects_out { 0 };  // Taken from slabs: handed out, or resting in hart caches.
    size_t slab_pages { 0 };
};

SizeClass s_classes[kSizeClassCount];

size_t class_index(const SizeClass& cls) { return static_cast<size_t>(&cls - s_classes); }

// A class's object size follows from its position in s_classes, so the classes need no
// initialisation beyond their constructors.
size_t object_size(const SizeClass& cls) { return size_class_size(class_index(cls)); }

// One hart's caches of free objects, one per class, each used as a stack (the most
// recently freed object is handed out first, while it is still warm).
//
// Only its hart touches objects[], and only with interrupts off, so no interrupt handler
// and no other thread can come in between: the fast paths of kmalloc and kfree need no
// lock. count[] changes in two ways: one object at a time on the fast paths (interrupts
// off, no lock), and in batches on the slow paths, which hold the class's lock while they
// move objects between the cache and the slabs. kernel_heap_statistics() reads the counts
// of every hart under the class lock, which makes the batch moves atomic to it; a fast-path
// change it races with is an allocation or free happening at that moment. (The counts are
// plain words, read from other harts with __atomic_load_n: an aligned 64-bit store is
// single-copy atomic on RV64, and a std::atomic store costs an AMO on the fast path.)
struct alignas(64) HartCaches {
    size_t count[kSizeClassCount];
    void* objects[kSizeClassCount][kCacheMaxObjects];
};

HartCaches s_caches[kMaxCpus];

// Per class: the object size and the cache capacity, side by side for kfree's fast path.
struct ClassShape {
    uint16_t size;
    uint16_t cache_capacity;
};

constexpr std::array<ClassShape, kSizeClassCount> kShapes = [] {
    std::array<ClassShape, kSizeClassCount> shapes {};
    for (size_t i = 0; i < kSizeClassCount; ++i)
        shapes[i] = { static_cast<uint16_t>(size_class_size(i)), static_cast<uint16_t>(size_class_cache_capacity(i)) };
    return shapes;
}();

// The caches of the hart running the caller, who must keep interrupts off (or hold a
// lock, which does) for as long as it uses the result.
HartCaches& this_cpu_caches() { return s_caches[this_cpu()->index]; }

// Returns `pointer`, hiding from the compiler where it came from, so that it keeps the
// pointer in a register instead of computing the address again from the hart and class
// (which costs a multiplication each time on the fast paths).
template<typename T>
[[gnu::always_inline]] inline T* pin(T* pointer)
{
    asm("" : "+r"(pointer));
    return pointer;
}

// The free objects of a slab form a singly linked list through their first word.
struct FreeObject {
    FreeObject* next;
};

// kfree's fast way from an object to its slab's frame descriptor. Descriptors sit in one
// array in frame order (mm/page.h), so for any direct-mapped address v,
//
//   descriptor(v) = s_descriptor_bias + (v >> 12) * sizeof(Page)
//
// with one bias, learnt from the first slab carved. That holds only inside RAM, so it is
// used only for addresses in [s_slab_low, s_slab_high), which covers every slab carved so
// far (all of it RAM, since the descriptor array spans every frame from the lowest to the
// highest); anything else takes page_from_virt(), which checks. The three words are only
// ever written before the slab that changed them is published under its class lock, and
// read by kfree of an object that came out of such a slab, so the plain relaxed accesses
// see them; a stale range only sends kfree the slow, checked way.
uint64_t s_descriptor_bias;
uint64_t s_slab_low = ~0ull;
uint64_t s_slab_high;

void note_slab_address(Page* slab, uint64_t vaddr)
{
    __atomic_store_n(&s_descriptor_bias, reinterpret_cast<uint64_t>(slab) - (vaddr >> kPageShift) * sizeof(Page),
                     __ATOMIC_RELAXED);
    uint64_t low = __atomic_load_n(&s_slab_low, __ATOMIC_RELAXED);
    while (vaddr < low && !__atomic_compare_exchange_n(&s_slab_low, &low, vaddr, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    uint64_t high = __atomic_load_n(&s_slab_high, __ATOMIC_RELAXED);
    while (vaddr + kPageSize > high
           && !__atomic_compare_exchange_n(&s_slab_high, &high, vaddr + kPageSize, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

// Whether `vaddr` lies in the range of slabs seen so far, where slab_descriptor() works.
[[gnu::always_inline]] inline bool in_slab_range(uint64_t vaddr)
{
    return vaddr >= __atomic_load_n(&s_slab_low, __ATOMIC_RELAXED) && vaddr < __atomic_load_n(&s_slab_high, __ATOMIC_RELAXED);
}

// The frame descriptor of an address for which in_slab_range() holds.
[[gnu::always_inline]] inline Page* slab_descriptor(uint64_t vaddr)
{
    return reinterpret_cast<Page*>(__atomic_load_n(&s_descriptor_bias, __ATOMIC_RELAXED) + (vaddr >> kPageShift) * sizeof(Page));
}

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
    note_slab_address(slab, reinterpret_cast<uint64_t>(base));
}

// Takes one object from a slab on the partial list; expects cls.lock held and the list
// non-empty.
void* take_object_locked(SizeClass& cls)
{
    cls.lock.assert_locked();
    Page* slab = cls.partial_slabs.first();
    auto* object = static_cast<FreeObject*>(slab->slab_free_list);
    slab->slab_free_list = object->next;
    ++slab->slab_in_use;
    ++cls.objects_out;
    if (!slab->slab_free_list)
        cls.partial_slabs.remove(*slab); // Full slabs are on no list.
    return object;
}

using FrameList = IntrusiveList<Page, &Page::list_node>;

// Puts one object back on its slab; expects cls.lock held. A slab left empty becomes the
// class's spare, or, if there is one already, is appended to `frames_to_free` for the
// caller to give back once the lock is dropped.
void return_object_locked(SizeClass& cls, void* pointer, FrameList& frames_to_free)
{
    cls.lock.assert_locked();
    Page* slab = page_from_virt(pointer);
    ASSERT(slab->slab_in_use > 0);
    bool was_full = slab->slab_free_list == nullptr;
    auto* object = static_cast<FreeObject*>(pointer);
    object->next = static_cast<FreeObject*>(slab->slab_free_list);
    slab->slab_free_list = object;
    --slab->slab_in_use;
    --cls.objects_out;
    if (slab->slab_in_use > 0) {
        if (was_full)
            cls.partial_slabs.push_front(*slab);
        return;
    }
    if (!was_full)
        cls.partial_slabs.remove(*slab);
    if (!cls.empty_slab) {
        cls.empty_slab = slab;
        return;
    }
    --cls.slab_pages;
    frames_to_free.push_back(*slab);
}

// Gives frames collected by return_object_locked() back to the page allocator; called
// with no heap lock held.
void free_frames(FrameList& frames)
{
    while (Page* frame = frames.pop_front()) {
        frame->owner = nullptr;
        frame->slab_free_list = nullptr;
        free_page(frame);
    }
}

// Moves up to a batch of objects from the class's partial slabs into a hart's cache;
// expects cls.lock held.
void refill_locked(SizeClass& cls, HartCaches& caches)
{
    cls.lock.assert_locked();
    size_t index = class_index(cls);
    size_t batch = size_class_cache_batch(index);
    size_t count = caches.count[index];
    while (count < batch && !cls.partial_slabs.empty())
        caches.objects[index][count++] = take_object_locked(cls);
    caches.count[index] = count;
}

// Moves the `objects` oldest objects of a hart's cache back to their slabs; expects
// cls.lock held.
void drain_locked(SizeClass& cls, HartCaches& caches, size_t objects, FrameList& frames_to_free)
{
    cls.lock.assert_locked();
    size_t index = class_index(cls);
    size_t count = caches.count[index];
    void** stack = caches.objects[index];
    ASSERT(objects <= count);
    for (size_t i = 0; i < objects; ++i)
        return_object_locked(cls, stack[i], frames_to_free);
    for (size_t i = objects; i < count; ++i)
        stack[i - objects] = stack[i];
    caches.count[index] = count - objects;
}

void drain_this_cpu_caches()
{
    for (SizeClass& cls : s_classes) {
        FrameList frames_to_free;
        {
            SpinlockLocker guard(cls.lock);
            HartCaches& caches = this_cpu_caches();
            drain_locked(cls, caches, caches.count[class_index(cls)], frames_to_free);
        }
        free_frames(frames_to_free);
    }
}

// kmalloc's slow path, for when this hart's cache of the class is empty: one object for
// the caller, and a batch more for the cache.
[[gnu::noinline]] void* allocate_small_slow(size_t index)
{
    SizeClass& cls = s_classes[index];
    Page* fresh = nullptr;
    bool drained = false;
    for (;;) {
        SpinlockLocker guard(cls.lock);
        if (fresh) {
            cls.partial_slabs.push_front(*fresh);
            ++cls.slab_pages;
        } else if (cls.partial_slabs.empty() && cls.empty_slab) {
            cls.partial_slabs.push_front(*cls.empty_slab);
            cls.empty_slab = nullptr;
        }
        if (!cls.partial_slabs.empty()) {
            void* object = take_object_locked(cls);
            refill_locked(cls, this_cpu_caches());
            return object;
        }
        // No free object: take a frame with the class unlocked (the page allocator's lock
        // comes before the heap's in the lock order), then add it. Another hart may have
        // added a slab meanwhile; this one simply joins the partial list too.
        guard.unlock();
        auto page = allocate_page(ZeroFill::No, PageUse::Slab);
        if (page.is_error()) {
            // Objects resting in this hart's caches may pin otherwise empty slabs: give
            // them back and try once more before failing.
            if (drained)
                return nullptr;
            drain_this_cpu_caches();
            drained = true;
            continue;
        }
        carve_slab(page.value(), cls);
        fresh = page.value();
    }
}

// kfree's slow path for a valid small object, when this hart's cache of the class is full
// (or the object is the one on top of it, a double free): half of the cache goes back to
// the slabs, and the object joins what is left.
[[gnu::noinline]] void free_small_slow(size_t index, void* pointer)
{
    SizeClass& cls = s_classes[index];
    FrameList frames_to_free;
    {
        SpinlockLocker guard(cls.lock);
        // The thread may have moved to another hart since the fast path looked, so this
        // cache need not be full.
        HartCaches& caches = this_cpu_caches();
        if (caches.count[index] > 0 && caches.objects[index][caches.count[index] - 1] == pointer)
            panic("kfree(%p): freed twice", pointer);
        if (caches.count[index] == kShapes[index].cache_capacity)
            drain_locked(cls, caches, size_class_cache_batch(index), frames_to_free);
        size_t count = caches.count[index];
        caches.objects[index][count] = pointer;
        caches.count[index] = count + 1;
    }
    free_frames(frames_to_free);
}

[[gnu::always_inline]] inline void* allocate_small(size_t size)
{
    size_t index = size_class_for(size);
    {
        InterruptDisabler pinned;
        HartCaches& caches = s_caches[pinned.cpu()->index];
        size_t* count = pin(&caches.count[index]);
        size_t n = *count;
        if (__builtin_expect(n > 0, 1)) {
            *count = --n;
            return caches.objects[index][n];
        }
    }
    return allocate_small_slow(index);
}

// kfree's fast path: pushes a small object onto this hart's cache of its class. Returns
// false, having done nothing, unless `pointer` is in a known slab, at an object's start,
// fits `asked` (the size the caller says it allocated, or 0), and the cache has room; the
// caller then takes the general path, free_checked(), which diagnoses bad pointers.
[[gnu::always_inline]] inline bool free_to_cache(void* pointer, size_t asked)
{
    auto vaddr = reinterpret_cast<uint64_t>(pointer);
    if (__builtin_expect(!in_slab_range(vaddr), 0))
        return false;
    Page* slab = slab_descriptor(vaddr);
    if (__builtin_expect(slab->use != PageUse::Slab, 0))
        return false;
    size_t index = class_index(*static_cast<const SizeClass*>(slab->owner));
    ClassShape shape = kShapes[index];
    if (__builtin_expect((vaddr & (kPageSize - 1)) % shape.size != 0 || asked > shape.size, 0))
        return false;

    InterruptDisabler pinned;
    HartCaches& caches = s_caches[pinned.cpu()->index];
    size_t* count = pin(&caches.count[index]);
    size_t n = *count;
    void** stack = caches.objects[index];
    // The second test is a cheap guard against the commonest double free, the same object
    // twice in a row; free_small_slow() reports it.
    if (__builtin_expect(n < shape.cache_capacity && (n == 0 || stack[n - 1] != pointer), 1)) {
        stack[n] = pointer;
        *count = n + 1;
        return true;
    }
    return false;
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

[[gnu::always_inline]] inline void* allocate(size_t size)
{
    if (__builtin_expect(size <= kMaxSmallSize, 1))
        return allocate_small(size);
    return allocate_large(size);
}

// kfree's general path, for whatever free_to_cache() declines: nullptr, large blocks, a
// full cache, and bad pointers, which it reports. `asked` as for free_to_cache().
[[gnu::noinline]] void free_checked(void* pointer, size_t asked)
{
    if (!pointer)
        return;
    auto vaddr = reinterpret_cast<uint64_t>(pointer);
    if (is_direct_mapped(vaddr)) {
        Page* page = page_from_virt(pointer);
        if (!page || page->use != PageUse::Slab)
            panic("kfree(%p): not a heap object", pointer);
        size_t index = class_index(*static_cast<const SizeClass*>(page->owner));
        size_t size = size_class_size(index);
        if ((vaddr & (kPageSize - 1)) % size != 0)
            panic("kfree(%p): not the start of a %lu-byte heap object", pointer, size);
        ASSERT(asked <= size);
        free_small_slow(index, pointer);
    } else if (is_large_heap(vaddr)) {
        ASSERT(asked <= static_cast<size_t>(large_block_of(pointer)->pages) * kPageSize);
        free_large(pointer);
    } else {
        panic("kfree(%p): not a heap address", pointer);
    }
}

[[gnu::always_inline]] inline void free_block(void* pointer, size_t asked)
{
    if (__builtin_expect(!free_to_cache(pointer, asked), 0))
        free_checked(pointer, asked);
}

} // namespace

void* kmalloc(size_t size) { return allocate(size); }

void* kmalloc_aligned(size_t size, size_t alignment)
{
    ASSERT(std::has_single_bit(alignment) && alignment <= kPageSize);
    if (alignment <= kSizeClassGranule)
        return allocate(size);
    // A power-of-two class is aligned to its size, and large blocks to a page.
    return allocate(std::bit_ceil(std::max(size, alignment)));
}

void kfree(void* pointer) { free_block(pointer, 0); }

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

void kernel_heap_drain_this_cpu() { drain_this_cpu_caches(); }

void kernel_heap_drain_every_cpu()
{
    smp_run_on_every_hart(drain_this_cpu_caches);
    for (SizeClass& cls : s_classes) {
        Page* spare;
        {
            SpinlockLocker guard(cls.lock);
            spare = cls.empty_slab;
            cls.empty_slab = nullptr;
            if (spare)
                --cls.slab_pages;
        }
        if (spare) {
            FrameList frames;
            frames.push_back(*spare);
            free_frames(frames);
        }
    }
}

KernelHeapStatistics kernel_heap_statistics()
{
    KernelHeapStatistics statistics {};
    for (size_t i = 0; i < kSizeClassCount; ++i) {
        SizeClass& cls = s_classes[i];
        SpinlockLocker guard(cls.lock);
        // Objects resting in hart caches are free: only what callers hold counts. Batch
        // moves between caches and slabs happen under this lock, so the difference is
        // exact at the moment it is read.
        size_t cached = 0;
        for (const HartCaches& caches : s_caches)
            cached += __atomic_load_n(&caches.count[i], __ATOMIC_RELAXED);
        statistics.small_bytes_in_use += (cls.objects_out - cached) * object_size(cls);
        statistics.slab_pages += cls.slab_pages;
        statistics.cached_objects += cached;
        statistics.cached_bytes += cached * object_size(cls);
        statistics.spare_slabs += cls.empty_slab ? 1 : 0;
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
    void* pointer = alignment <= kSizeClassGranule ? allocate(size) : kmalloc_aligned(size, alignment);
    if (!pointer)
        panic("out of memory: operator new(%lu) failed; fallible code must use new (std::nothrow)", size);
    return pointer;
}

// Sized delete: the size must be what was asked for, so the block must be at least that big.
static void free_sized(void* pointer, size_t size) { free_block(pointer, size); }

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

void operator delete(void* pointer) noexcept { free_block(pointer, 0); }
void operator delete[](void* pointer) noexcept { kfree(pointer); }
void operator delete(void* pointer, size_t size) noexcept { free_sized(pointer, size); }
void operator delete[](void* pointer, size_t size) noexcept { free_sized(pointer, size); }
void operator delete(void* pointer, const std::nothrow_t&) noexcept { kfree(pointer); }
void operator delete[](void* pointer, const std::nothrow_t&) noexcept { kfree(pointer); }
void operator delete(void* pointer, std::align_val_t) noexcept { kfree(pointer); }
void operator delete[](void* pointer, std::align_val_t) noexcept { kfree(pointer); }
void operator delete(void* pointer, size_t size, std::align_val_t) noexcept { free_sized(pointer, size); }
void operator delete[](void* pointer, size_t size, std::align_val_t) noexcept { free_sized(pointer, size); }
