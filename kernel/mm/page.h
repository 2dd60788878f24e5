// Page: the descriptor of one physical frame. There is one for every 4 KiB frame between
// the lowest and the highest byte of RAM, in one array carved out of RAM at boot
// (mm/physical_allocator.h), so frame <-> descriptor is O(1) arithmetic both ways:
//
//   descriptor array:  [Page 0][Page 1][Page 2] ...  [Page n-1]
//                         |       |       |              |
//   physical frames:   [ base ][base+4K][base+8K] ... [end-4K]
//
// What a frame is used for decides which fields mean something:
//
//   use          owner                  index                  list_node
//   Free         -                      -                      unlinked (next_free links
//                                                              the free list or a cache)
//   Reserved     -                      -                      unlinked (never allocated)
//   PageTable    -                      -                      unlinked
//   Slab         its SizeClass          -                      its class's partial list
//   LargeHeap    its LargeBlock record  page within the block  unlinked
//   KernelStack  -                      -                      unlinked
//   Anonymous    its VmObject           page index in object   unlinked
//   File         its FileObject         page index in file     a reclaim queue (mm/reclaim.h)
//
// Invariants:
//   - ref_count is 0 exactly while the frame is Free or Reserved; allocation hands the
//     frame out with one reference, and the last page_unref() frees it.
//   - A Free frame is on the free list or in one hart's frame cache, and nowhere else;
//     any other frame is in neither.
//   - Only the current holder of a frame changes `use`, `owner` and `index`; `flags` bits
//     may be changed by anyone with atomic operations.
//
// The slab fields are used only while use == Slab, under that size class's lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "lib/intrusive_list.h"

enum class PageUse : uint8_t {
    Free,
    Reserved,
    PageTable,
    Slab,
    LargeHeap,
    KernelStack,
    Anonymous,
    File,
    Other,
};

// Bits of Page::flags, for the VM layers above: a frame in transit to or from disk, one
// that must be written back, one recently referenced.
enum PageFlag : uint32_t {
    kPageBusy = 1u << 0,
    kPageDirty = 1u << 1,
    kPageReferenced = 1u << 2,
    kPageActive = 1u << 3,  // On the active reclaim queue (else the inactive one), if queued.
    kPageDirtyCounted = 1u << 4,  // Dirtied by write(): counted in flusher::dirty_pages().
};

// One cache line each, and a power of two in size, so that converting between a descriptor
// and its frame (which every fault does) is a shift rather than a division.
struct alignas(64) Page {
    std::atomic<uint32_t> ref_count { 0 };
    std::atomic<uint32_t> flags { 0 };
    PageUse use { PageUse::Reserved };

    // Slab bookkeeping (use == Slab): objects handed out, and the first free object.
    uint16_t slab_in_use { 0 };
    void* slab_free_list { nullptr };

    // The object this frame belongs to and its index there ("room for the VM object").
    void* owner { nullptr };
    uint64_t index { 0 };

    // Links the frame into a slab list or a reclaim queue.
    ListNode list_node;

    // The next frame on the physical allocator's free list or on a hart's frame cache (both
    // stacks), while this one is free: one pointer, so that frames move between the two as
    // whole chains.
    Page* next_free { nullptr };

    bool has_flag(PageFlag flag) const { return flags.load(std::memory_order_relaxed) & flag; }
    void set_flag(PageFlag flag) { flags.fetch_or(flag, std::memory_order_relaxed); }
    void clear_flag(PageFlag flag) { flags.fetch_and(~static_cast<uint32_t>(flag), std::memory_order_relaxed); }
    // Clears `flag` and says whether it was set (writing only if it was).
    bool test_and_clear_flag(PageFlag flag) {
        return has_flag(flag) && (flags.fetch_and(~static_cast<uint32_t>(flag), std::memory_order_relaxed) & flag);
    }
};

static_assert(sizeof(Page) == 64, "a frame descriptor is one cache line");
