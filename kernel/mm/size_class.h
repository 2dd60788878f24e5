// The heap's size classes and the O(1) map from a request size to its class.
//
// Classes step by a third to a half of their size, so a block of more than 32 bytes wastes
// at most a third of itself (smaller ones less than half), and every power of two from 16
// to 2048 is a class of its own.
// Because a slab's objects start at the frame's first byte and sit `size` bytes apart,
// objects of a power-of-two class are aligned to their size; every class is a multiple of
// 16, so every object is 16-byte aligned.
//
// Each hart keeps a small cache of free objects per class (kernel_heap.cc). Its capacity
// is set by bytes rather than by count: size_class_cache_capacity() gives at most
// kCacheBytesPerClass bytes' worth of objects, but never fewer than 2 (so a free after an
// allocation always finds room) nor more than kCacheMaxObjects.
//
// size_class_for(n) reads a table indexed by ceil(n / 16): one load, no search. The table
// is built at compile time from kSizeClasses, and the static_asserts and the host test
// (tests/host/size_class_test.cc) check that it picks the smallest class that fits.
//
// This header is freestanding and host-compilable: it uses nothing but <array>.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

constexpr size_t kSizeClassGranule = 16;

constexpr std::array<uint16_t, 14> kSizeClasses {
    16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048,
};

constexpr size_t kSizeClassCount = kSizeClasses.size();
constexpr size_t kLargestSizeClass = kSizeClasses[kSizeClassCount - 1];

namespace size_class_detail {

constexpr size_t kTableEntries = kLargestSizeClass / kSizeClassGranule + 1;

constexpr std::array<uint8_t, kTableEntries> build_table()
{
    std::array<uint8_t, kTableEntries> table {};
    size_t cls = 0;
    for (size_t granules = 0; granules < kTableEntries; ++granules) {
        while (kSizeClasses[cls] < granules * kSizeClassGranule)
            ++cls;
        table[granules] = static_cast<uint8_t>(cls);
    }
    return table;
}

inline constexpr std::array<uint8_t, kTableEntries> kTable = build_table();

} // namespace size_class_detail

// The index of the smallest class that holds `size` bytes; size 0 gets the smallest
// class. `size` must be at most kLargestSizeClass.
constexpr size_t size_class_for(size_t size)
{
    return size_class_detail::kTable[(size + kSizeClassGranule - 1) / kSizeClassGranule];
}

// The object size of class `index`.
constexpr size_t size_class_size(size_t index) { return kSizeClasses[index]; }

// How many objects of class `index` fit in one slab of `slab_bytes`.
constexpr size_t size_class_objects_per_slab(size_t index, size_t slab_bytes)
{
    return slab_bytes / kSizeClasses[index];
}

constexpr size_t kCacheBytesPerClass = 2048;
constexpr size_t kCacheMaxObjects = 32;

// How many free objects of class `index` one hart's cache may hold.
constexpr size_t size_class_cache_capacity(size_t index)
{
    size_t objects = kCacheBytesPerClass / kSizeClasses[index];
    if (objects < 2)
        return 2;
    return objects < kCacheMaxObjects ? objects : kCacheMaxObjects;
}

// How many objects a refill brings into a hart's empty cache, and how many a drain sends
// back from a full one: half the capacity, so that alternating allocations and frees at
// either boundary cross it only once per batch.
constexpr size_t size_class_cache_batch(size_t index) { return size_class_cache_capacity(index) / 2; }

static_assert(size_class_for(0) == 0);
static_assert(size_class_for(1) == 0);
static_assert(size_class_for(16) == 0);
static_assert(size_class_for(17) == 1);
static_assert(size_class_for(2048) == kSizeClassCount - 1);
static_assert(size_class_for(2047) == kSizeClassCount - 1);
static_assert(size_class_for(1025) == kSizeClassCount - 2);
static_assert(size_class_cache_capacity(0) == kCacheMaxObjects);
static_assert(size_class_cache_capacity(kSizeClassCount - 1) == 2);
static_assert(size_class_cache_batch(kSizeClassCount - 1) == 1);
