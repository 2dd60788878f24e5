// Self-tests of the physical page allocator over the machine's real RAM.
#include "arch/riscv64/layout.h"
#include "lib/intrusive_list.h"
#include "lib/ktest.h"
#include "mm/physical_allocator.h"

namespace {

bool frame_is_filled_with(const Page* page, uint8_t value)
{
    auto* bytes = static_cast<const uint8_t*>(page_to_virt(page));
    for (size_t i = 0; i < kPageSize; ++i) {
        if (bytes[i] != value)
            return false;
    }
    return true;
}

// A pattern that is neither zeros nor poison and differs from frame to frame and byte to
// byte, so that a frame can be told apart from any fill and from the other test frames.
uint8_t pattern_byte(size_t frame, size_t offset)
{
    auto value = static_cast<uint8_t>(frame * 29 + offset * 7 + 1);
    return value == kPagePoisonByte || value == 0 ? 0x5a : value;
}

void write_pattern(Page* page, size_t frame)
{
    auto* bytes = static_cast<uint8_t*>(page_to_virt(page));
    for (size_t i = 0; i < kPageSize; ++i)
        bytes[i] = pattern_byte(frame, i);
}

bool frame_holds_pattern(const Page* page, size_t frame)
{
    auto* bytes = static_cast<const uint8_t*>(page_to_virt(page));
    for (size_t i = 0; i < kPageSize; ++i) {
        if (bytes[i] != pattern_byte(frame, i))
            return false;
    }
    return true;
}

constexpr size_t kPatternFrames = 8;

// Allocates kPatternFrames frames, writes each its own pattern and frees them all, so that
// the next allocations (the free list hands out the most recently freed first) get frames
// whose old contents are known.
bool free_patterned_frames(Page* (&frames)[kPatternFrames])
{
    for (size_t i = 0; i < kPatternFrames; ++i) {
        auto page = allocate_page(ZeroFill::No);
        if (page.is_error()) {
            for (size_t j = 0; j < i; ++j)
                free_page(frames[j]);
            return false;
        }
        frames[i] = page.value();
        write_pattern(frames[i], i);
    }
    for (Page* page : frames)
        free_page(page);
    return true;
}

// Which of `frames` `page` is, or kPatternFrames if none.
size_t index_among(Page* const (&frames)[kPatternFrames], const Page* page)
{
    for (size_t i = 0; i < kPatternFrames; ++i) {
        if (frames[i] == page)
            return i;
    }
    return kPatternFrames;
}

using FrameList = IntrusiveList<Page, &Page::list_node>;

// Allocates frames (with `fill`) until the allocator says ENOMEM, onto `taken`, and returns
// how many it was handed twice. Allocated frames are on no list, so their list hooks can
// hold them here; a frame handed out twice would already be linked.
size_t take_every_free_frame(FrameList& taken, ZeroFill fill)
{
    size_t duplicates = 0;
    for (;;) {
        auto page = allocate_page(fill, PageUse::Other);
        if (page.is_error()) {
            KEXPECT_EQ(ENOMEM, page.error().code());
            return duplicates;
        }
        if (page.value()->list_node.is_linked()) {
            ++duplicates;
            continue;
        }
        taken.push_back(*page.value());
    }
}

} // namespace

KTEST(PhysicalAllocator, AllocateEveryFrameThenFreeThem)
{
    size_t free_before = free_page_count();
    KASSERT(free_before > 0);
    KEXPECT(free_before <= total_page_count());

    FrameList taken;
    KEXPECT_EQ(0u, take_every_free_frame(taken, ZeroFill::No));
    KEXPECT_EQ(free_before, taken.size());
    KEXPECT_EQ(0u, free_page_count());

    while (Page* page = taken.pop_front())
        free_page(page);
    KEXPECT_EQ(free_before, free_page_count());
}

KTEST(PhysicalAllocator, FreedFrameIsReusedFirst)
{
    auto first = allocate_page(ZeroFill::No);
    KASSERT(!first.is_error());
    Page* page = first.value();
    free_page(page);
    auto second = allocate_page(ZeroFill::No);
    KASSERT(!second.is_error());
    KEXPECT_EQ(page, second.value());
    free_page(second.value());
}

KTEST(PhysicalAllocator, FramesAreZeroedOrPoisonedAsAsked)
{
    auto poisoned = allocate_page(ZeroFill::No);
    KASSERT(!poisoned.is_error());
    KEXPECT(frame_is_filled_with(poisoned.value(), kPagePoisonByte));
    static_cast<uint8_t*>(page_to_virt(poisoned.value()))[100] = 7;
    free_page(poisoned.value());

    // The same frame comes back (freed frames are reused first) and must be clean again.
    auto zeroed = allocate_page(ZeroFill::Yes);
    KASSERT(!zeroed.is_error());
    KEXPECT(frame_is_filled_with(zeroed.value(), 0));
    free_page(zeroed.value());
}

KTEST(PhysicalAllocator, DescriptorAndAddressRoundTrip)
{
    auto allocated = allocate_page(ZeroFill::No, PageUse::Anonymous);
    KASSERT(!allocated.is_error());
    Page* page = allocated.value();
    uint64_t phys = page_to_phys(page);
    KEXPECT_EQ(0u, phys % kPageSize);
    KEXPECT_EQ(page, page_from_phys(phys));
    KEXPECT_EQ(page, page_from_phys(phys + kPageSize - 1));
    KEXPECT_EQ(page, page_from_virt(page_to_virt(page)));
    KEXPECT_EQ(PageUse::Anonymous, page->use);
    KEXPECT_EQ(1u, page->ref_count.load());
    free_page(page);
    KEXPECT_EQ(PageUse::Free, page->use);

    // Device memory and the kernel image have no free frames.
    KEXPECT(page_from_phys(0x10000000) == nullptr);
    Page* kernel_frame = page_from_phys(kernel_image_phys(kernel_start));
    KASSERT(kernel_frame != nullptr);
    KEXPECT_EQ(PageUse::Reserved, kernel_frame->use);
}

KTEST(PhysicalAllocator, LastReferenceFreesTheFrame)
{
    size_t free_before = free_page_count();
    auto allocated = allocate_page(ZeroFill::No);
    KASSERT(!allocated.is_error());
    Page* page = allocated.value();
    page_ref(page);
    KEXPECT_EQ(2u, page->ref_count.load());
    page_unref(page);
    KEXPECT_EQ(free_before - 1, free_page_count());
    page_unref(page);
    KEXPECT_EQ(free_before, free_page_count());
    KEXPECT_EQ(PageUse::Free, page->use);
}

// More frames than a hart's cache holds, some of them with a second reference: the batch
// takes exactly those whose last reference went, and frees them all at once, into the cache
// and the free list both.
KTEST(PhysicalAllocator, FreeBatchFreesExactlyTheFramesWhoseLastReferenceWent)
{
    size_t free_before = free_page_count();
    // More than fit into this hart's cache even once the shared ones are left out: the batch
    // fills the cache in parts and the rest goes to the free list.
    const size_t kFrames = frame_cache_capacity() + frame_cache_capacity() / 4 + 64;
    KASSERT(kFrames < free_before);
    FrameList taken;
    for (size_t i = 0; i < kFrames; ++i) {
        auto page = allocate_page(ZeroFill::CallerOverwrites, PageUse::Other);
        KASSERT(!page.is_error());
        if (i % 7 == 0)
            page_ref(page.value());  // Still held elsewhere: the batch must leave it alone.
        taken.push_back(*page.value());
    }
    KEXPECT_EQ(free_before - kFrames, free_page_count());

    FreeBatch batch;
    FrameList shared;
    size_t shared_count = 0;
    size_t index = 0;
    while (Page* page = taken.pop_front()) {
        bool still_held = index++ % 7 == 0;
        page_unref_into(page, batch);
        if (still_held) {
            shared.push_back(*page);
            ++shared_count;
        }
    }
    KEXPECT_EQ(kFrames - shared_count, batch.count);
    // Collected, not yet free: the allocator has not seen them.
    KEXPECT_EQ(free_before - kFrames, free_page_count());
    for (Page* page = batch.first; page; page = page->next_free) {
        KEXPECT_EQ(PageUse::Free, page->use);
        KEXPECT_EQ(0u, page->ref_count.load());
    }
    free_page_batch(batch);
    KEXPECT_EQ(0u, batch.count);
    KEXPECT(batch.first == nullptr && batch.last == nullptr);
    KEXPECT_EQ(free_before - shared_count, free_page_count());
    while (Page* page = shared.pop_front()) {
        KEXPECT_EQ(1u, page->ref_count.load());
        KEXPECT(page->use != PageUse::Free);
        page_unref(page);
    }
    KEXPECT_EQ(free_before, free_page_count());
    // An empty batch frees nothing.
    free_page_batch(batch);
    KEXPECT_EQ(free_before, free_page_count());
}

// A batch that fits into the cache goes in as one splice; afterwards every free frame is
// still reachable exactly once (the chains and each cache's bottom frame are right).
KTEST(PhysicalAllocator, BatchSplicedIntoTheCacheLeavesEveryFrameReachableOnce)
{
    drain_frame_caches();
    size_t free_before = free_page_count();
    FreeBatch batch;
    for (int i = 0; i < 10; ++i) {
        auto page = allocate_page(ZeroFill::CallerOverwrites, PageUse::Other);
        KASSERT(!page.is_error());
        page_unref_into(page.value(), batch);
    }
    KEXPECT_EQ(10u, batch.count);
    free_page_batch(batch);
    KEXPECT_EQ(free_before, free_page_count());

    FrameList taken;
    KEXPECT_EQ(0u, take_every_free_frame(taken, ZeroFill::CallerOverwrites));
    KEXPECT_EQ(free_before, taken.size());
    // Back in one batch, most of which overflows the cache onto the free list.
    FreeBatch everything;
    while (Page* page = taken.pop_front())
        page_unref_into(page, everything);
    free_page_batch(everything);
    KEXPECT_EQ(free_before, free_page_count());
}

KTEST(PhysicalAllocator, CallerOverwritesHandsBackTheFrameAsItWasFreed)
{
    Page* frames[kPatternFrames];
    KASSERT(free_patterned_frames(frames));

    // Whichever of the test's frames come back hold exactly what was written before they
    // were freed: neither poison, nor zeros, nor anything else.
    Page* taken[kPatternFrames];
    size_t reused = 0;
    size_t intact = 0;
    for (Page*& page : taken) {
        auto allocated = allocate_page(ZeroFill::CallerOverwrites);
        KASSERT(!allocated.is_error());
        page = allocated.value();
        size_t index = index_among(frames, page);
        if (index == kPatternFrames)
            continue;
        ++reused;
        if (frame_holds_pattern(page, index))
            ++intact;
        KEXPECT(!frame_is_filled_with(page, kPagePoisonByte));
        KEXPECT(!frame_is_filled_with(page, 0));
    }
    // LIFO reuse means all of them, unless another hart allocated in between; at least
    // one must be among them for the test to say anything.
    KEXPECT(reused > 0);
    KEXPECT_EQ(reused, intact);
    for (Page* page : taken)
        free_page(page);
}

KTEST(PhysicalAllocator, ZeroAndPoisonFillsOverwriteWhatTheFrameHeld)
{
    Page* frames[kPatternFrames];
    KASSERT(free_patterned_frames(frames));
    Page* taken[kPatternFrames];
    size_t reused = 0;
    size_t zeroed = 0;
    for (Page*& page : taken) {
        auto allocated = allocate_page(ZeroFill::Yes);
        KASSERT(!allocated.is_error());
        page = allocated.value();
        if (index_among(frames, page) != kPatternFrames)
            ++reused;
        if (frame_is_filled_with(page, 0))
            ++zeroed;
    }
    KEXPECT(reused > 0);
    KEXPECT_EQ(kPatternFrames, zeroed);
    for (Page* page : taken)
        free_page(page);

    KASSERT(free_patterned_frames(frames));
    reused = 0;
    size_t poisoned = 0;
    for (Page*& page : taken) {
        auto allocated = allocate_page(ZeroFill::No);
        KASSERT(!allocated.is_error());
        page = allocated.value();
        if (index_among(frames, page) != kPatternFrames)
            ++reused;
        if (frame_is_filled_with(page, kPagePoisonByte))
            ++poisoned;
    }
    KEXPECT(reused > 0);
    KEXPECT_EQ(kPatternFrames, poisoned);
    for (Page* page : taken)
        free_page(page);
}

// Frames sitting in another hart's cache are free too: when the free list and this hart's
// cache run dry, an allocation must take them rather than fail. The "other hart" is the
// cache of a hart slot the machine does not have, filled by hand, so that no real hart
// races with the test.
KTEST(PhysicalAllocator, AllocationTakesFramesCachedByAnotherHartBeforeFailing)
{
    using namespace physical_allocator_detail;
    KASSERT(cpu_count() < kMaxCpus);
    FrameCache& other = g_frame_caches[cpu_count()];
    KASSERT(other.count == 0);

    constexpr uint32_t kParked = 20;
    Page* parked[kParked];
    for (Page*& page : parked) {
        auto allocated = allocate_page(ZeroFill::CallerOverwrites);
        KASSERT(!allocated.is_error());
        page = allocated.value();
    }
    // Hand them to the other cache as free_page() would hand them to its own.
    KASSERT(!other.lock.exchange(1, std::memory_order_acquire));
    for (Page* page : parked) {
        page->ref_count.store(0, std::memory_order_relaxed);
        page->use = PageUse::Free;
        page->owner = nullptr;
        if (other.count == 0)
            other.bottom = page;
        page->next_free = other.top;
        other.top = page;
        ++other.count;
    }
    other.lock.store(0, std::memory_order_release);

    size_t free_before = free_page_count();
    FrameList taken;
    size_t parked_taken = 0;
    for (;;) {
        auto page = allocate_page(ZeroFill::CallerOverwrites, PageUse::Other);
        if (page.is_error())
            break;
        for (Page* candidate : parked)
            parked_taken += candidate == page.value();
        taken.push_back(*page.value());
    }
    KEXPECT_EQ(free_before, taken.size());
    KEXPECT_EQ(size_t(kParked), parked_taken);
    KEXPECT_EQ(0u, other.count);
    KEXPECT_EQ(0u, free_page_count());
    while (Page* page = taken.pop_front())
        free_page(page);
    KEXPECT_EQ(free_before, free_page_count());
}
