// VirtRange and Prot: the arithmetic of user address ranges and protections, in one
// host-compilable header (tests/host/vm_range_test.cc pins it down).
//
// A VirtRange is a half-open interval [start, end) of virtual addresses. The VM code uses
// it for Vmas, for the arguments of sbrk/mmap/munmap, and for the clip helper that splits
// a Vma at a page boundary:
//
//        start                 at                     end
//          |---------------------|---------------------|
//          [ split_below(at)     )[ split_above(at)    )
//
// Invariants kept by the functions here (not by the plain struct): start <= end; ranges
// that the AddressSpace stores are page-aligned and lie inside user space
// [0, kUserSpaceEnd). Nothing here overflows: every length check is written so that
// start + length wrapping past 2^64 is caught before it is used.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vm {

constexpr uint64_t kPageSize = 4096;
constexpr uint64_t kUserSpaceEnd = 0x0000004000000000ull;

constexpr bool is_page_aligned(uint64_t value) { return (value & (kPageSize - 1)) == 0; }
constexpr uint64_t round_down(uint64_t value) { return value & ~(kPageSize - 1); }
// Rounds up; returns 0 for values in the last page of the 64-bit space (overflow), which
// callers treat as "too large".
constexpr uint64_t round_up(uint64_t value) { return (value + kPageSize - 1) & ~(kPageSize - 1); }

struct VirtRange {
    uint64_t start { 0 };
    uint64_t end { 0 };

    constexpr uint64_t size() const { return end - start; }
    constexpr uint64_t page_count() const { return (end - start) / kPageSize; }
    constexpr bool empty() const { return start >= end; }
    constexpr bool contains(uint64_t address) const { return address >= start && address < end; }
    constexpr bool contains(const VirtRange& other) const {
        return other.start >= start && other.end <= end && other.start <= other.end;
    }
    constexpr bool overlaps(const VirtRange& other) const { return start < other.end && other.start < end; }
    constexpr bool is_page_aligned() const { return vm::is_page_aligned(start) && vm::is_page_aligned(end); }
    constexpr bool operator==(const VirtRange&) const = default;

    // The part of this range below `at` and the part at or above it (either may be empty).
    constexpr VirtRange split_below(uint64_t at) const { return { start, at < start ? start : (at > end ? end : at) }; }
    constexpr VirtRange split_above(uint64_t at) const { return { at > end ? end : (at < start ? start : at), end }; }
    // The intersection, or an empty range at `start` if there is none.
    constexpr VirtRange intersect(const VirtRange& other) const {
        uint64_t s = start > other.start ? start : other.start;
        uint64_t e = end < other.end ? end : other.end;
        return s < e ? VirtRange { s, e } : VirtRange { start, start };
    }
};

// [address, address + length) as a range, or an empty range with start > end ({1, 0}) if it
// wraps around 2^64. Callers check with is_user_range().
constexpr VirtRange range_from_length(uint64_t address, uint64_t length) {
    if (address + length < address)
        return { 1, 0 };
    return { address, address + length };
}

// Whether [address, address + length) lies wholly in user space. A zero length at any
// user address (the end included) is a valid, empty range.
constexpr bool is_user_range(uint64_t address, uint64_t length) {
    if (address > kUserSpaceEnd)
        return false;
    return length <= kUserSpaceEnd - address;
}

// The page-aligned range covering [address, address + length): what a fault or a copy
// must make present. Empty for length 0. Expects is_user_range(address, length).
constexpr VirtRange covering_pages(uint64_t address, uint64_t length) {
    if (length == 0)
        return { round_down(address), round_down(address) };
    return { round_down(address), round_up(address + length) };
}

// Protections, with Linux's PROT_* values so that mmap/mprotect arguments pass through.
enum class Prot : uint8_t { None = 0, Read = 1, Write = 2, Exec = 4 };

constexpr Prot operator|(Prot a, Prot b) { return Prot(uint8_t(a) | uint8_t(b)); }
constexpr Prot operator&(Prot a, Prot b) { return Prot(uint8_t(a) & uint8_t(b)); }
constexpr Prot operator~(Prot a) { return Prot(~uint8_t(a) & 7); }
constexpr Prot& operator|=(Prot& a, Prot b) { return a = a | b; }
constexpr bool has_any(Prot prot, Prot wanted) { return (uint8_t(prot) & uint8_t(wanted)) != 0; }
constexpr bool has_all(Prot prot, Prot wanted) { return (uint8_t(prot) & uint8_t(wanted)) == uint8_t(wanted); }
// Whether `bits` (a PROT_* word from user space) names only known protection bits.
constexpr bool is_valid_prot_bits(uint64_t bits) { return (bits & ~uint64_t(7)) == 0; }

}  // namespace vm

using vm::Prot;
using vm::VirtRange;
