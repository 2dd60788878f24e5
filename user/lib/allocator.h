// The allocator behind malloc: size classes for small blocks, page-rounded blocks for
// large ones, all carved from memory obtained through an sbrk-like grow function.
// Host-compilable (tests/host/user_malloc_test.cc runs it over a fake sbrk).
//
// Every block has a 16-byte header just before the pointer handed out, so that the
// payload stays 16-byte aligned and free() knows what it is freeing:
//
//   | header: word (class or size), state tag | payload ...           |
//   ^ block                                   ^ pointer given to the caller
//
// Small blocks (payload up to kMaxSmall = 2048 bytes) belong to one of 14 size classes
// (16, 32, 48, 64, 96, 128, ... 2048: steps of about 1.5x, so at most a third is wasted).
// Each class has a LIFO free list threaded through the payloads of its free blocks; an
// empty class is refilled by carving a 64 KiB run from the heap. Small blocks are never
// returned to the kernel; they are reused by their class.
//
// Large blocks are whole pages (header included). Free large blocks sit on one list
// sorted by address, merged with their free neighbours; allocation takes the first block
// that fits (splitting off the rest), and a free block that ends at the top of the heap is
// given back to the kernel with a negative grow, so sbrk shrinks when big buffers go.
//
// Invariants (checked by validate()): every free-list entry has the free tag of its kind;
// the large free list is sorted, non-overlapping and has no two adjacent blocks; no large
// free block ends at the current break.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace atlas {

class Allocator {
public:
    // grow(increment) has sbrk's contract: moves the break, returns the old one, or
    // (void*)-1 on failure. The corruption handler (on_corruption) is called on a bad or
    // double free and must not return.
    using GrowFunction = void* (*)(intptr_t increment);
    using CorruptionHandler = void (*)(const char* what, void* pointer);

    static constexpr size_t kHeaderSize = 16;
    static constexpr size_t kPageSize = 4096;
    static constexpr size_t kMaxSmall = 2048;
    static constexpr size_t kRunSize = 64 * 1024;
    static constexpr int kClassCount = 14;

    constexpr Allocator(GrowFunction grow, CorruptionHandler on_corruption)
        : m_grow(grow), m_on_corruption(on_corruption)
    {
    }

    void* allocate(size_t size);
    void release(void* pointer);
    void* reallocate(void* pointer, size_t size);
    void* allocate_zeroed(size_t count, size_t size);

    // The payload capacity of an allocated block (at least what was asked for).
    size_t usable_size(void* pointer) const;

    // Checks the invariants above; returns false (after reporting nothing) if one fails.
    bool validate() const;

    // Bytes currently held on free lists (small and large), for tests.
    size_t free_bytes() const;

    static size_t class_size(int size_class);
    // The smallest class whose blocks hold `size` bytes; size must be <= kMaxSmall.
    static int class_for(size_t size);

private:
    struct FreeSmall {
        FreeSmall* next;
    };
    // Overlays the block's header (size and tag), then the list link in the payload.
    struct FreeLarge {
        size_t size;  // Whole block, header included; a multiple of kPageSize.
        uint64_t tag;
        FreeLarge* next;
    };

    void* allocate_small(size_t size);
    void* allocate_large(size_t size);
    void release_large(char* block, size_t size);
    bool refill(int size_class);

    GrowFunction m_grow;
    CorruptionHandler m_on_corruption;
    FreeSmall* m_small[kClassCount]{};
    FreeLarge* m_large{nullptr};
};

} // namespace atlas
