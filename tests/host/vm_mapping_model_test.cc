// Host tests of the mapping arithmetic behind mmap, munmap and mprotect (VmaTreeOps in
// kernel/mm/vma.h): the clip helper, the overlap and coverage tests and the top-down
// free-range search over the tree's largest-gap augmentation.
//
// The main test drives thousands of random operations (fixed maps, no-replace maps,
// maps anywhere, unmaps, protects) through the same tree operations AddressSpace uses and
// compares the tree after every step with a plain page-by-page array: which mapping owns
// each page, at which object index, with which protection. The tree's own invariants,
// augmentation included, are checked with validate() after every step too.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "mm/vma.h"

using vm::kPageSize;

namespace {

// A window of the address space where the random operations happen. Pages outside it are
// never mapped, so the search window can also reach past its ends.
constexpr uint64_t kBase = 0x40000000;
constexpr size_t kPages = 192;
// Each mapping's object indices start at its id shifted up, so the model can tell from an
// object index both which mapping a page came from and which page of it.
constexpr unsigned kIdShift = 32;

struct PageState {
    uint64_t id { 0 };  // 0: unmapped.
    uint64_t index { 0 };
    Prot prot { Prot::None };
};

class MappingModel {
public:
    MappingModel() = default;
    ~MappingModel() {
        while (Vma* vma = m_tree.first()) {
            m_tree.erase(*vma);
            delete vma;
        }
    }

    static uint64_t address_of(size_t page) { return kBase + page * kPageSize; }

    // MAP_FIXED: unmap, then map.
    void map_fixed(size_t first, size_t count, Prot prot) {
        ASSERT_TRUE(unmap(first, count));
        insert(first, count, prot);
    }

    // MAP_FIXED_NOREPLACE: EEXIST (false) if anything is there, the tree left alone.
    bool map_no_replace(size_t first, size_t count, Prot prot) {
        VirtRange range = range_of(first, count);
        bool model_busy = false;
        for (size_t page = first; page < first + count; ++page)
            model_busy |= m_pages[page].id != 0;
        EXPECT_EQ(model_busy, VmaTreeOps::overlaps(m_tree, range));
        if (model_busy)
            return false;
        insert(first, count, prot);
        return true;
    }

    // mmap without MAP_FIXED: the highest free run inside [window_first, window_end).
    std::optional<size_t> map_anywhere(size_t count, size_t window_first, size_t window_end, Prot prot) {
        std::optional<size_t> expected;
        for (size_t end = window_end; end >= window_first + count && !expected; --end) {
            bool free = true;
            for (size_t page = end - count; page < end && free; ++page)
                free = m_pages[page].id == 0;
            if (free)
                expected = end - count;
        }
        VirtRange window { address_of(window_first), address_of(window_end) };
        auto found = VmaTreeOps::find_free_range(m_tree, count * kPageSize, window);
        auto slot = VmaTreeOps::find_free_slot(m_tree, count * kPageSize, window);
        EXPECT_EQ(expected.has_value(), found.has_value());
        EXPECT_EQ(expected.has_value(), slot.has_value());
        if (!expected || !found || !slot)
            return std::nullopt;
        EXPECT_EQ(address_of(*expected), *found);
        EXPECT_EQ(address_of(*expected), slot->start);
        // As mmap does: link the new Vma where the search ended, without another descent.
        insert(*expected, count, prot, &*slot);
        return expected;
    }

    // munmap: clip both ends, remove what is inside (AddressSpace::unmap_range_locked).
    bool unmap(size_t first, size_t count) {
        VirtRange range = range_of(first, count);
        // The common case, as AddressSpace takes it: exactly one Vma, no clip.
        if (Vma* vma = m_tree.find(range.start); vma && vma->end() == range.end) {
            m_tree.erase(*vma);
            delete vma;
            for (size_t page = first; page < first + count; ++page)
                m_pages[page] = {};
            return true;
        }
        if (VmaTreeOps::clip_at(m_tree, range.start, kMaxCount).is_error() ||
            VmaTreeOps::clip_at(m_tree, range.end, kMaxCount).is_error())
            return false;
        Vma* vma = m_tree.lower_bound(range.start);
        while (vma && vma->start() < range.end) {
            Vma* next = m_tree.next(*vma);
            EXPECT_LE(vma->end(), range.end) << "a Vma straddles the end after the clip";
            m_tree.erase(*vma);
            delete vma;
            vma = next;
        }
        for (size_t page = first; page < first + count; ++page)
            m_pages[page] = {};
        return true;
    }

    // mprotect: ENOMEM (false, nothing changed) over a hole; else clip and set.
    bool protect(size_t first, size_t count, Prot prot) {
        VirtRange range = range_of(first, count);
        bool model_covered = true;
        for (size_t page = first; page < first + count; ++page)
            model_covered &= m_pages[page].id != 0;
        EXPECT_EQ(model_covered, VmaTreeOps::covers(m_tree, range));
        if (!model_covered)
            return false;
        for (size_t page = first; page < first + count; ++page)
            m_pages[page].prot = prot;
        // As AddressSpace::reprotect_within_locked: the head or tail of one Vma next to a
        // Vma it can join moves the boundary instead of clipping.
        Vma* holder = VmaTreeOps::find(m_tree, range.start);
        if (holder->end() >= range.end && holder->prot() != prot && holder->range() != range) {
            Vma* lower = m_tree.prev(*holder);
            Vma* upper = m_tree.next(*holder);
            if (range.start == holder->start() && lower && VmaTreeOps::can_merge_as(*lower, lower->prot(), *holder, prot)) {
                VmaTreeOps::move_boundary(m_tree, *lower, *holder, range.end);
                return true;
            }
            if (range.end == holder->end() && upper && VmaTreeOps::can_merge_as(*holder, prot, *upper, upper->prot())) {
                VmaTreeOps::move_boundary(m_tree, *holder, *upper, range.start);
                return true;
            }
        }
        EXPECT_FALSE(VmaTreeOps::clip_at(m_tree, range.start, kMaxCount).is_error());
        EXPECT_FALSE(VmaTreeOps::clip_at(m_tree, range.end, kMaxCount).is_error());
        Vma* head = VmaTreeOps::find(m_tree, range.start);
        for (Vma* vma = head; vma && vma->start() < range.end; vma = m_tree.next(*vma)) {
            EXPECT_LE(vma->end(), range.end);
            vma->set_prot(prot);
        }
        // As AddressSpace::merge_range_locked: each Vma from the one below the range to the
        // one starting at its end is merged with the next where it can be.
        Vma* vma = m_tree.prev(*head);
        if (!vma || !VmaTreeOps::can_merge(*vma, *head))
            vma = head;
        for (Vma* next = m_tree.next(*vma); next && next->start() <= range.end; next = m_tree.next(*vma)) {
            if (VmaTreeOps::can_merge(*vma, *next))
                VmaTreeOps::merge_next(m_tree, *vma, *next);
            else
                vma = next;
        }
        return true;
    }

    // The tree against the array, page by page, plus the tree's own invariants.
    void check() {
        ASSERT_TRUE(m_tree.validate()) << "order, balance or the gap augmentation is wrong";
        for (size_t page = 0; page < kPages; ++page) {
            Vma* vma = VmaTreeOps::find(m_tree, address_of(page) + 123);
            const PageState& state = m_pages[page];
            if (state.id == 0) {
                ASSERT_EQ(nullptr, vma) << "page " << page << " should be unmapped";
                continue;
            }
            ASSERT_NE(nullptr, vma) << "page " << page << " should be mapped";
            ASSERT_EQ(state.index, vma->object_index(address_of(page))) << "page " << page;
            ASSERT_EQ(state.prot, vma->prot()) << "page " << page;
        }
        // No Vma outside the window, and a tree of exactly the runs the array implies.
        for (Vma& vma : m_tree) {
            ASSERT_GE(vma.start(), kBase);
            ASSERT_LE(vma.end(), address_of(kPages));
        }

    }

    // Random ranges: overlaps() and covers() against the array.
    void check_queries(std::mt19937& random) {
        for (int i = 0; i < 8; ++i) {
            size_t first = random() % kPages;
            size_t count = 1 + random() % (kPages - first);
            bool any = false, all = true;
            for (size_t page = first; page < first + count; ++page) {
                any |= m_pages[page].id != 0;
                all &= m_pages[page].id != 0;
            }
            ASSERT_EQ(any, VmaTreeOps::overlaps(m_tree, range_of(first, count)));
            ASSERT_EQ(all, VmaTreeOps::covers(m_tree, range_of(first, count)));
        }
    }

    size_t vma_count() const { return m_tree.size(); }
    VmaTree& tree() { return m_tree; }

private:
    static constexpr size_t kMaxCount = 1u << 20;

    static VirtRange range_of(size_t first, size_t count) { return { address_of(first), address_of(first + count) }; }

    void insert(size_t first, size_t count, Prot prot, const VmaTreeOps::FreeSlot* slot = nullptr) {
        uint64_t id = ++m_next_id;
        uint64_t offset = id << kIdShift;
        auto* vma = new Vma(range_of(first, count), prot, VmaKind::Anonymous, nullptr, offset);
        ASSERT_FALSE(VmaTreeOps::overlaps(m_tree, vma->range()));
        if (slot) {
            ASSERT_EQ(vma->start(), slot->start);
            m_tree.insert_at(*vma, slot->parent, slot->as_left);
        } else {
            ASSERT_TRUE(m_tree.insert(*vma));
        }
        for (size_t page = first; page < first + count; ++page)
            m_pages[page] = { id, offset + (page - first), prot };
    }

    VmaTree m_tree;
    PageState m_pages[kPages];
    uint64_t m_next_id { 0 };
};

Prot random_prot(std::mt19937& random) {
    static constexpr Prot kProts[] = { Prot::None, Prot::Read, Prot::Read | Prot::Write,
                                       Prot::Read | Prot::Exec, Prot::Read | Prot::Write | Prot::Exec };
    return kProts[random() % 5];
}

}  // namespace

TEST(VmMappingModel, RandomMapUnmapProtectAndFixedMatchAPageArray) {
    for (uint32_t seed = 1; seed <= 12; ++seed) {
        std::mt19937 random(seed);
        MappingModel model;
        for (int step = 0; step < 1500; ++step) {
            size_t first = random() % kPages;
            size_t count = 1 + random() % std::min<size_t>(24, kPages - first);
            switch (random() % 6) {
            case 0: model.map_fixed(first, count, random_prot(random)); break;
            case 1: model.map_no_replace(first, count, random_prot(random)); break;
            case 2: {
                size_t window_first = random() % kPages;
                size_t window_end = window_first + random() % (kPages - window_first + 1);
                model.map_anywhere(count, window_first, window_end, random_prot(random));
                break;
            }
            case 3:
            case 4: ASSERT_TRUE(model.unmap(first, count)); break;
            case 5: model.protect(first, count, random_prot(random)); break;
            }
            ASSERT_NO_FATAL_FAILURE(model.check()) << "seed " << seed << " step " << step;
            ASSERT_NO_FATAL_FAILURE(model.check_queries(random)) << "seed " << seed << " step " << step;
        }
    }
}

TEST(VmMappingModel, UnmapPunchesAHoleAndKeepsTheTailsObjectOffset) {
    MappingModel model;
    model.map_fixed(10, 10, Prot::Read | Prot::Write);
    ASSERT_TRUE(model.unmap(13, 2));
    EXPECT_EQ(2u, model.vma_count());
    Vma* tail = VmaTreeOps::find(model.tree(), MappingModel::address_of(15));
    ASSERT_NE(nullptr, tail);
    EXPECT_EQ(MappingModel::address_of(15), tail->start());
    // The tail keeps indices 5..9 of the original mapping's object.
    EXPECT_EQ((uint64_t(1) << kIdShift) + 5, tail->page_offset());
    model.check();
}

TEST(VmMappingModel, UnmapOverNothingAndAcrossSeveralMappings) {
    MappingModel model;
    ASSERT_TRUE(model.unmap(0, kPages));
    EXPECT_EQ(0u, model.vma_count());
    model.map_fixed(5, 3, Prot::Read);
    model.map_fixed(9, 3, Prot::Read);
    model.map_fixed(14, 3, Prot::Read);
    ASSERT_TRUE(model.unmap(6, 10));  // The first's tail, the second whole, the third's head.
    EXPECT_EQ(2u, model.vma_count());
    model.check();
}

TEST(VmMappingModel, ProtectInTheMiddleSplitsIntoThreeAndOverAHoleChangesNothing) {
    MappingModel model;
    model.map_fixed(20, 9, Prot::Read | Prot::Write);
    EXPECT_TRUE(model.protect(23, 3, Prot::Read));
    EXPECT_EQ(3u, model.vma_count());
    // Back, page by page from either side and then the middle: one Vma again.
    EXPECT_TRUE(model.protect(23, 1, Prot::Read | Prot::Write));
    EXPECT_TRUE(model.protect(25, 1, Prot::Read | Prot::Write));
    EXPECT_EQ(3u, model.vma_count());
    EXPECT_TRUE(model.protect(24, 1, Prot::Read | Prot::Write));
    EXPECT_EQ(1u, model.vma_count());
    model.check();
    EXPECT_TRUE(model.protect(23, 3, Prot::Read));
    EXPECT_EQ(3u, model.vma_count());
    model.map_fixed(40, 2, Prot::Read);
    EXPECT_FALSE(model.protect(27, 15, Prot::None));  // Pages 29..39 are unmapped.
    EXPECT_EQ(Prot::Read | Prot::Write, VmaTreeOps::find(model.tree(), MappingModel::address_of(27))->prot());
    model.check();
}

TEST(VmMappingModel, ClipRefusesWhenTheVmaLimitIsReached) {
    MappingModel model;
    model.map_fixed(0, 8, Prot::Read);
    auto refused = VmaTreeOps::clip_at(model.tree(), MappingModel::address_of(4), 1);
    ASSERT_TRUE(refused.is_error());
    EXPECT_EQ(ENOMEM, refused.error().code());
    EXPECT_EQ(1u, model.vma_count());
    // A clip at a boundary or over nothing needs no new Vma and always succeeds.
    EXPECT_EQ(nullptr, VmaTreeOps::clip_at(model.tree(), MappingModel::address_of(8), 1).value());
    EXPECT_EQ(nullptr, VmaTreeOps::clip_at(model.tree(), MappingModel::address_of(0), 1).value());
}

TEST(VmMappingModel, FreeRangeSearchIsTopDownAndSkipsTooSmallHoles) {
    MappingModel model;
    // Holes of 1, 2 and 4 pages between mappings, in increasing order of address.
    model.map_fixed(0, 10, Prot::Read);
    model.map_fixed(11, 10, Prot::Read);
    model.map_fixed(23, 10, Prot::Read);
    model.map_fixed(37, 10, Prot::Read);
    VirtRange window { MappingModel::address_of(0), MappingModel::address_of(47) };
    EXPECT_EQ(MappingModel::address_of(35), VmaTreeOps::find_free_range(model.tree(), 2 * kPageSize, window));
    EXPECT_EQ(MappingModel::address_of(33), VmaTreeOps::find_free_range(model.tree(), 4 * kPageSize, window));
    EXPECT_EQ(std::nullopt, VmaTreeOps::find_free_range(model.tree(), 5 * kPageSize, window));
    // Narrowing the window from above leaves the lower holes.
    VirtRange low { MappingModel::address_of(0), MappingModel::address_of(30) };
    EXPECT_EQ(MappingModel::address_of(21), VmaTreeOps::find_free_range(model.tree(), 2 * kPageSize, low));
}

TEST(VmMappingModel, ThousandsOfAdjacentMappingsKeepTheAugmentationExact) {
    // Many small mappings placed top-down, then every other one removed: the largest gap
    // of every subtree must follow along (validate() recomputes it for every node).
    VmaTree tree;
    VirtRange window { 0x100000000, 0x100000000 + 20000 * kPageSize };
    std::vector<Vma*> vmas;
    for (int i = 0; i < 20000; ++i) {
        auto found = VmaTreeOps::find_free_range(tree, kPageSize, window);
        ASSERT_TRUE(found.has_value());
        ASSERT_EQ(window.end - (i + 1) * kPageSize, *found);
        auto* vma = new Vma({ *found, *found + kPageSize }, Prot::Read, VmaKind::Anonymous, nullptr, 0);
        ASSERT_TRUE(tree.insert(*vma));
        vmas.push_back(vma);
    }
    EXPECT_EQ(std::nullopt, VmaTreeOps::find_free_range(tree, kPageSize, window));
    for (size_t i = 0; i < vmas.size(); i += 2) {
        tree.erase(*vmas[i]);
        delete vmas[i];
        vmas[i] = nullptr;
    }
    ASSERT_TRUE(tree.validate());
    EXPECT_EQ(kPageSize, tree.root()->subtree_max_gap());
    EXPECT_EQ(std::nullopt, VmaTreeOps::find_free_range(tree, 2 * kPageSize, window));
    for (Vma* vma : vmas) {
        if (vma) {
            tree.erase(*vma);
            delete vma;
        }
    }
}

TEST(VmMappingModel, FreeSlotLinksTopDownMappingsWithoutADescentAndKeepsTheTreeExact) {
    // mmap's path: the gap search names the empty link, insert_at fills it. Thousands of
    // page-sized mappings top-down under a band of fixed ones, as the benchmark makes them:
    // each lands just below the last, and the tree stays ordered, balanced and exact.
    VmaTree tree;
    VirtRange window { 0x100000000, 0x100000000 + 6000 * kPageSize };
    std::vector<Vma*> vmas;
    for (uint64_t page = 5000; page < 6000; page += 2) {
        uint64_t start = window.start + page * kPageSize;
        auto* vma = new Vma({ start, start + kPageSize }, Prot::Read, VmaKind::Anonymous, nullptr, 0);
        ASSERT_TRUE(tree.insert(*vma));
        vmas.push_back(vma);
    }
    // The holes between the fixed ones are one page: a two-page request goes below them.
    for (int i = 0; i < 2400; ++i) {
        auto slot = VmaTreeOps::find_free_slot(tree, 2 * kPageSize, window);
        ASSERT_TRUE(slot.has_value());
        ASSERT_EQ(window.start + (5000 - 2 * (i + 1)) * kPageSize, slot->start);
        auto* vma = new Vma({ slot->start, slot->start + 2 * kPageSize }, Prot::Read, VmaKind::Anonymous, nullptr, 0);
        tree.insert_at(*vma, slot->parent, slot->as_left);
        vmas.push_back(vma);
        if (i % 97 == 0) {
            ASSERT_TRUE(tree.validate()) << "after " << i;
        }
    }
    ASSERT_TRUE(tree.validate());
    // A one-page request now finds the highest one-page hole among the fixed ones, and
    // a 200-page one the hole left at the bottom (pages 0..200), and a 201-page one none.
    auto slot = VmaTreeOps::find_free_slot(tree, kPageSize, window);
    ASSERT_TRUE(slot.has_value());
    EXPECT_EQ(window.start + 5999 * kPageSize, slot->start);
    slot = VmaTreeOps::find_free_slot(tree, 200 * kPageSize, window);
    ASSERT_TRUE(slot.has_value());
    EXPECT_EQ(window.start, slot->start);
    EXPECT_EQ(std::nullopt, VmaTreeOps::find_free_slot(tree, 201 * kPageSize, window));
    for (Vma* vma : vmas) {
        tree.erase(*vma);
        delete vma;
    }
    // An empty tree: the slot is the root.
    slot = VmaTreeOps::find_free_slot(tree, kPageSize, window);
    ASSERT_TRUE(slot.has_value());
    EXPECT_EQ(nullptr, slot->parent);
    auto* vma = new Vma({ slot->start, slot->start + kPageSize }, Prot::Read, VmaKind::Anonymous, nullptr, 0);
    tree.insert_at(*vma, slot->parent, slot->as_left);
    EXPECT_EQ(vma, tree.root());
    EXPECT_EQ(window.end - kPageSize, vma->start());
    tree.erase(*vma);
    delete vma;
}

TEST(VmMappingModel, FreeRangeSearchIgnoresEdgeHolesOutsideTheWindow) {
    // A big hole above the window must not lead the search astray (nor a small one inside
    // be missed): the answer is the highest fit inside the window or nothing.
    VmaTree tree;
    uint64_t base = 0x200000000;
    auto* low = new Vma({ base, base + kPageSize }, Prot::Read, VmaKind::Anonymous, nullptr, 0);
    auto* high = new Vma({ base + 3 * kPageSize, base + 4 * kPageSize }, Prot::Read, VmaKind::Anonymous, nullptr, 0);
    ASSERT_TRUE(tree.insert(*low));
    ASSERT_TRUE(tree.insert(*high));
    VirtRange window { base, base + 4 * kPageSize };
    EXPECT_EQ(base + kPageSize, VmaTreeOps::find_free_range(tree, 2 * kPageSize, window));
    EXPECT_EQ(std::nullopt, VmaTreeOps::find_free_range(tree, 3 * kPageSize, window));
    VirtRange wider { base, base + 100 * kPageSize };
    EXPECT_EQ(base + 97 * kPageSize, VmaTreeOps::find_free_range(tree, 3 * kPageSize, wider));
    tree.erase(*low);
    tree.erase(*high);
    delete low;
    delete high;
}

TEST(VmMappingModel, FreeSlotIsTheHighestFitInRandomTreesAndWindows) {
    // The gap search against a brute-force scan of the holes, over random trees of page
    // runs and random windows (edges inside holes, inside Vmas, beyond everything), and
    // the tree kept exact while mappings come and go through the slots it names: the walk
    // up after insert_at and erase recomputes most levels from one child only.
    std::mt19937 random(7);
    constexpr uint64_t kBaseAddress = 0x300000000;
    constexpr uint64_t kSpan = 400;  // Pages.
    for (int round = 0; round < 40; ++round) {
        VmaTree tree;
        std::vector<bool> used(kSpan + 40, false);  // Windows reach past the span.
        for (int i = 0; i < 60; ++i) {
            uint64_t first = random() % kSpan;
            uint64_t count = 1 + random() % 6;
            if (first + count > kSpan)
                continue;
            bool free = true;
            for (uint64_t p = first; p < first + count; ++p)
                free &= !used[p];
            if (!free)
                continue;
            for (uint64_t p = first; p < first + count; ++p)
                used[p] = true;
            uint64_t start = kBaseAddress + first * kPageSize;
            ASSERT_TRUE(tree.insert(*new Vma({ start, start + count * kPageSize }, Prot::Read, VmaKind::Anonymous,
                                             nullptr, 0)));
        }
        for (int query = 0; query < 60; ++query) {
            uint64_t low = random() % (kSpan + 20);
            uint64_t high = low + random() % (kSpan + 20 - low + 1);
            uint64_t size = 1 + random() % 8;
            VirtRange window { kBaseAddress + low * kPageSize, kBaseAddress + high * kPageSize };
            // Brute force: the highest s with [s, s + size) free and inside the window.
            std::optional<uint64_t> expected;
            for (uint64_t s = high >= size ? high - size + 1 : 0; s-- > low;) {
                bool free = true;
                for (uint64_t p = s; p < s + size; ++p)
                    free &= !used[p];
                if (free) {
                    expected = kBaseAddress + s * kPageSize;
                    break;
                }
            }
            auto slot = VmaTreeOps::find_free_slot(tree, size * kPageSize, window);
            ASSERT_EQ(expected, slot ? std::optional<uint64_t>(slot->start) : std::nullopt)
                << "round " << round << " window pages [" << low << ", " << high << ") size " << size;
            if (slot && query % 3 == 0) {
                // Take it, as mmap does, then sometimes give something back.
                auto* vma = new Vma({ slot->start, slot->start + size * kPageSize }, Prot::Read, VmaKind::Anonymous,
                                    nullptr, 0);
                tree.insert_at(*vma, slot->parent, slot->as_left);
                uint64_t first = (slot->start - kBaseAddress) / kPageSize;
                for (uint64_t p = first; p < first + size; ++p)
                    used[p] = true;
                ASSERT_TRUE(tree.validate());
            }
            if (query % 4 == 1 && !tree.empty()) {
                Vma* victim = tree.root();
                for (uint64_t steps = random() % 5; steps > 0 && victim; --steps)
                    victim = (random() & 1) ? VmaTree::left_of(*victim) : VmaTree::right_of(*victim);
                if (!victim)
                    victim = tree.root();
                for (uint64_t a = victim->start(); a < victim->end(); a += kPageSize)
                    used[(a - kBaseAddress) / kPageSize] = false;
                tree.erase(*victim);
                delete victim;
                ASSERT_TRUE(tree.validate());
            }
        }
        while (Vma* vma = tree.first()) {
            tree.erase(*vma);
            delete vma;
        }
    }
}

TEST(VmMappingModel, AWaitingPrivateVmaClipsIntoTwoWaitingHalvesAndAGuardNeverWaits) {
    // Private anonymous memory gets its object on its first fault; until then a clip
    // (munmap or mprotect of part of it) must give two halves that both still wait, at
    // the matching offsets. A guard has no object either, but must never get one.
    VmaTree tree;
    uint64_t base = 0x400000000;
    auto* anon = new Vma({ base, base + 4 * kPageSize }, Prot::Read | Prot::Write, VmaKind::Anonymous, nullptr, 0);
    auto* guard = new Vma({ base - kPageSize, base }, Prot::None, VmaKind::Guard, nullptr, 0);
    ASSERT_TRUE(tree.insert(*anon));
    ASSERT_TRUE(tree.insert(*guard));
    EXPECT_TRUE(anon->awaits_object());
    EXPECT_FALSE(guard->awaits_object());
    auto upper = VmaTreeOps::clip_at(tree, base + kPageSize, 100);
    ASSERT_FALSE(upper.is_error());
    ASSERT_NE(nullptr, upper.value());
    EXPECT_TRUE(upper.value()->awaits_object());
    EXPECT_TRUE(anon->awaits_object());
    EXPECT_EQ(1u, upper.value()->page_offset());
    EXPECT_EQ(nullptr, upper.value()->object());
    ASSERT_TRUE(tree.validate());
    while (Vma* vma = tree.first()) {
        tree.erase(*vma);
        delete vma;
    }
}

TEST(VmMappingModel, MergeUndoesAClipAndBoundaryMovesKeepIndices) {
    // One mapping of 8 pages, clipped at 3 and 5 (as mprotect of pages 3..4 does), then
    // merged back: one Vma with the original offset, the tree exact after every step.
    VmaTree tree;
    uint64_t base = 0x300000000;
    auto* vma = new Vma({ base, base + 8 * kPageSize }, Prot::Read, VmaKind::Anonymous, nullptr, 100);
    ASSERT_TRUE(tree.insert(*vma));
    Vma* middle = VmaTreeOps::clip_at(tree, base + 3 * kPageSize, 16).value();
    Vma* upper = VmaTreeOps::clip_at(tree, base + 5 * kPageSize, 16).value();
    ASSERT_EQ(3u, tree.size());
    EXPECT_TRUE(VmaTreeOps::can_merge(*vma, *middle));
    middle->set_prot(Prot::None);
    EXPECT_FALSE(VmaTreeOps::can_merge(*vma, *middle));
    EXPECT_TRUE(VmaTreeOps::can_merge_as(*vma, Prot::None, *middle, Prot::None));
    // The boundary moves: page 5 goes from upper to middle and comes back, keeping index 105.
    VmaTreeOps::move_boundary(tree, *middle, *upper, base + 6 * kPageSize);
    ASSERT_TRUE(tree.validate());
    EXPECT_EQ(106u, upper->page_offset());
    EXPECT_EQ(105u, middle->object_index(base + 5 * kPageSize));
    VmaTreeOps::move_boundary(tree, *middle, *upper, base + 5 * kPageSize);
    ASSERT_TRUE(tree.validate());
    EXPECT_EQ(105u, upper->page_offset());
    middle->set_prot(Prot::Read);
    VmaTreeOps::merge_next(tree, *middle, *upper);
    VmaTreeOps::merge_next(tree, *vma, *middle);
    ASSERT_TRUE(tree.validate());
    ASSERT_EQ(1u, tree.size());
    EXPECT_EQ(base + 8 * kPageSize, vma->end());
    EXPECT_EQ(100u, vma->page_offset());
    // A mapping made apart right above (offset 0 again) does not continue it.
    auto* other = new Vma({ base + 8 * kPageSize, base + 9 * kPageSize }, Prot::Read, VmaKind::Anonymous, nullptr, 0);
    ASSERT_TRUE(tree.insert(*other));
    EXPECT_FALSE(VmaTreeOps::can_merge(*vma, *other));
    tree.erase(*other);
    delete other;
    tree.erase(*vma);
    delete vma;
}
