// Sv39 arithmetic: how a virtual address splits into table indices, what a page-table
// entry holds, and what satp holds. Pure constexpr functions, host-compilable and tested
// in tests/host/sv39_test.cc; the walker that uses them is arch/riscv64/page_table.cc.
//
// A virtual address (bits 63..39 must copy bit 38, or the address is not canonical):
//
//    38        30 29        21 20        12 11          0
//   +------------+------------+------------+-------------+
//   |  VPN[2]    |  VPN[1]    |  VPN[0]    | page offset |
//   +------------+------------+------------+-------------+
//     root index   level 1      level 0
//
// Level 2 is the root table; a leaf at level 2 maps 1 GiB, at level 1 2 MiB, at level 0
// 4 KiB. A leaf's physical address must be aligned to the size it maps.
//
// A page-table entry:
//
//    63  54 53                      10 9  8 7 6 5 4 3 2 1 0
//   +------+--------------------------+----+-+-+-+-+-+-+-+-+
//   | zero |   PPN (physical >> 12)   |RSW |D|A|G|U|X|W|R|V|
//   +------+--------------------------+----+-+-+-+-+-+-+-+-+
//
// V alone (R = W = X = 0) points to the next-level table; any of R, W, X makes a leaf.
// W without R is reserved and never produced here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sv39 {

using Pte = uint64_t;

// Entry bits. Kept as a strong enum so that flags cannot be confused with addresses.
enum class PteFlags : uint64_t {
    None = 0,
    Valid = 1ull << 0,
    Read = 1ull << 1,
    Write = 1ull << 2,
    Execute = 1ull << 3,
    User = 1ull << 4,
    Global = 1ull << 5,
    Accessed = 1ull << 6,
    Dirty = 1ull << 7,
};

constexpr PteFlags operator|(PteFlags a, PteFlags b) { return PteFlags(uint64_t(a) | uint64_t(b)); }
constexpr PteFlags operator&(PteFlags a, PteFlags b) { return PteFlags(uint64_t(a) & uint64_t(b)); }
constexpr PteFlags operator~(PteFlags a) { return PteFlags(~uint64_t(a) & 0xff); }
constexpr PteFlags& operator|=(PteFlags& a, PteFlags b) { return a = a | b; }
constexpr bool has_any(PteFlags flags, PteFlags wanted) { return (uint64_t(flags) & uint64_t(wanted)) != 0; }
constexpr bool has_all(PteFlags flags, PteFlags wanted) { return (uint64_t(flags) & uint64_t(wanted)) == uint64_t(wanted); }

constexpr PteFlags kPermissionFlags = PteFlags::Read | PteFlags::Write | PteFlags::Execute;
constexpr PteFlags kAllFlags = PteFlags(0xff);

constexpr unsigned kLevels = 3;
constexpr unsigned kRootLevel = kLevels - 1;
constexpr size_t kEntriesPerTable = 512;
constexpr unsigned kPageShift = 12;
constexpr unsigned kIndexBits = 9;
constexpr unsigned kVirtualAddressBits = 39;
constexpr unsigned kPpnShift = 10;
constexpr uint64_t kPpnMask = (1ull << 44) - 1;

// The number of bytes a leaf at `level` maps: 4 KiB, 2 MiB, 1 GiB.
constexpr uint64_t level_size(unsigned level) { return 1ull << (kPageShift + kIndexBits * level); }

// The index of `vaddr`'s entry in the table at `level`.
constexpr size_t table_index(uint64_t vaddr, unsigned level)
{
    return (vaddr >> (kPageShift + kIndexBits * level)) & (kEntriesPerTable - 1);
}

// Whether bits 63..39 all equal bit 38.
constexpr bool is_canonical(uint64_t vaddr)
{
    uint64_t upper = vaddr >> (kVirtualAddressBits - 1);
    return upper == 0 || upper == (~0ull >> (kVirtualAddressBits - 1));
}

// The first address of the range that root entry `index` maps (sign-extended).
constexpr uint64_t root_entry_base(size_t index)
{
    uint64_t address = static_cast<uint64_t>(index) << (kPageShift + kIndexBits * kRootLevel);
    if (address & (1ull << (kVirtualAddressBits - 1)))
        address |= ~0ull << kVirtualAddressBits;
    return address;
}

constexpr bool is_aligned(uint64_t value, uint64_t alignment) { return (value & (alignment - 1)) == 0; }

constexpr Pte make_pte(uint64_t phys, PteFlags flags) { return ((phys >> kPageShift) << kPpnShift) | uint64_t(flags); }
constexpr uint64_t pte_phys(Pte pte) { return ((pte >> kPpnShift) & kPpnMask) << kPageShift; }
constexpr PteFlags pte_flags(Pte pte) { return PteFlags(pte & 0xff); }
constexpr bool pte_is_valid(Pte pte) { return pte & uint64_t(PteFlags::Valid); }
constexpr bool pte_is_leaf(Pte pte) { return pte_is_valid(pte) && has_any(pte_flags(pte), kPermissionFlags); }
constexpr bool pte_is_table(Pte pte) { return pte_is_valid(pte) && !has_any(pte_flags(pte), kPermissionFlags); }

// The largest leaf level (2, 1 or 0) that can map [vaddr, vaddr + size) -> paddr starting
// here: both addresses aligned to the leaf size and at least one leaf's worth left.
// `max_level` caps the answer (0 forbids large pages).
constexpr unsigned best_leaf_level(uint64_t vaddr, uint64_t paddr, uint64_t size, unsigned max_level)
{
    for (unsigned level = max_level; level > 0; --level) {
        uint64_t bytes = level_size(level);
        if (is_aligned(vaddr, bytes) && is_aligned(paddr, bytes) && size >= bytes)
            return level;
    }
    return 0;
}

// satp for an Sv39 table whose root is at physical `root_phys`.
constexpr uint64_t kSatpModeSv39 = 8ull << 60;
constexpr uint64_t make_satp(uint64_t root_phys, uint16_t asid = 0)
{
    return kSatpModeSv39 | (static_cast<uint64_t>(asid) << 44) | (root_phys >> kPageShift);
}

static_assert(level_size(0) == 4096 && level_size(1) == 2ull << 20 && level_size(2) == 1ull << 30);
static_assert(table_index(0xffffffc000000000ull, 2) == 256);
static_assert(table_index(0xffffffff80200000ull, 2) == 510);
static_assert(table_index(0xffffffff80200000ull, 1) == 1);
static_assert(root_entry_base(256) == 0xffffffc000000000ull);
static_assert(pte_phys(make_pte(0x80200000, PteFlags::Valid)) == 0x80200000);

} // namespace sv39
