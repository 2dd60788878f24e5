// The physical page allocator: hands out single 4 KiB frames in O(1) and keeps one Page
// descriptor (mm/page.h) per frame.
//
// At boot, physical_allocator_init() looks at every RAM range in MachineInfo and takes
// out what is not the kernel's to give:
//
//   0x80000000  +------------------+
//               | OpenSBI          |  MachineInfo::reserved (firmware, PMP-protected)
//   0x80200000  +------------------+
//               | kernel image     |  [kernel_start, kernel_end), physically
//               +------------------+
//               | Page descriptors |  carved from the first free run big enough
//               +------------------+
//               | free frames      |  -> the free list
//               |       ...        |
//               +------------------+
//               | device tree blob |  reserved: main.cc passes where it is
//   RAM end     +------------------+
//
// The descriptor array covers every frame from the lowest RAM address to the highest, so
// page_from_phys() and page_to_phys() are one subtraction and one shift; frames in holes
// between RAM ranges get descriptors marked Reserved that are never handed out.
//
// Invariants: free_page_count() is the length of the free list; every frame on it is
// Free with a zero reference count; total_page_count() never changes after init.
//
// Locking: one lock (LockRank::PhysicalMemory) guards the free list; it is taken and
// released inside each call. Callers may hold a page-table lock but no heap lock. Safe
// from interrupt handlers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/riscv64/machine.h"
#include "lib/assert.h"
#include "lib/error_or.h"
#include "mm/page.h"

// What a freshly allocated frame contains:
//   - No: the poison pattern (kPagePoisonByte), which makes a read of never-written memory
//     easy to spot: for the kernel's own users (slabs, heap blocks, stacks);
//   - Yes: zeros (klib::page_zero);
//   - CallerOverwrites: whatever the frame held last, untouched, for a frame the caller
//     wholly overwrites before anybody else can read it (a copy-on-write copy, a page-cache
//     frame filled from the disk). The poison fill would cost as much as the copy's stores
//     for nothing. The frame may hold another holder's old data: it must never reach user
//     space or a reader before the caller has written all of it.
enum class ZeroFill : uint8_t { No, Yes, CallerOverwrites };

constexpr uint8_t kPagePoisonByte = 0xa5;

// Builds the descriptor array and the free list. `device_tree` is the blob's physical
// range, which stays reserved. Must run once, on the boot hart, while the boot page table
// (which direct-maps all RAM) is active. Panics if RAM cannot hold the descriptors.
void physical_allocator_init(const MachineInfo& machine, MemoryRange device_tree);

// Takes a free frame, with one reference, marked as `use`. Fails with ENOMEM when none
// is left.
ErrorOr<Page*> allocate_page(ZeroFill fill, PageUse use = PageUse::Other);

// Returns a frame whose only reference the caller holds (asserted) to the free list.
void free_page(Page* page);

// Reference counting for frames shared by several holders; the last unref frees it.
void page_ref(Page* page);
void page_unref(Page* page);

// The descriptor array (set once by physical_allocator_init, never changed after), for
// the inline conversions below: the fault path converts on every page it maps.
namespace physical_allocator_detail {
extern Page* g_pages;
extern uint64_t g_first_frame_phys;
extern uintptr_t g_first_frame_virt;  // Where the direct map shows the first frame.
extern size_t g_frame_count;
constexpr unsigned kFrameShift = 12;  // 4 KiB frames.
}  // namespace physical_allocator_detail

// The descriptor of the frame holding physical address `phys`, or nullptr if no
// descriptor covers it (device memory, outside RAM).
inline Page* page_from_phys(uint64_t phys)
{
    using namespace physical_allocator_detail;
    // One unsigned comparison covers both ends: below the first frame wraps to a huge
    // frame number.
    uint64_t frame = (phys - g_first_frame_phys) >> kFrameShift;
    return frame < g_frame_count ? &g_pages[frame] : nullptr;
}

inline uint64_t page_to_phys(const Page* page)
{
    using namespace physical_allocator_detail;
    auto frame = static_cast<uint64_t>(page - g_pages);
    ASSERT(frame < g_frame_count);
    return g_first_frame_phys + (frame << kFrameShift);
}

// The frame's contents through the direct map, and back.
inline void* page_to_virt(const Page* page)
{
    using namespace physical_allocator_detail;
    auto frame = static_cast<uint64_t>(page - g_pages);
    ASSERT(frame < g_frame_count);
    return reinterpret_cast<void*>(g_first_frame_virt + (frame << kFrameShift));
}

inline Page* page_from_virt(const void* direct_mapped)
{
    using namespace physical_allocator_detail;
    uint64_t frame = (reinterpret_cast<uintptr_t>(direct_mapped) - g_first_frame_virt) >> kFrameShift;
    return frame < g_frame_count ? &g_pages[frame] : nullptr;
}

size_t free_page_count();
size_t total_page_count();

// Prints the ranges managed and the counters.
void dump_physical_allocator();
