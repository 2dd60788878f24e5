// Behaviour of RadixTree: lookups, sparse huge indices, growth and shrinking of the
// height, node reclamation, find_next order, range lookups (fault-around's), ENOMEM
// handling, range clones (fork's copy), all checked against std::map in randomized runs.
#include <cstdint>
#include <map>
#include <memory>
#include <new>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "lib/radix_tree.h"

// Replaces the nothrow operator new for this test program so that tests can make the
// Nth allocation (and every later one) fail. Unarmed, it forwards to the ordinary,
// sanitizer-tracked operator new.
namespace {
long g_allocations_before_failure = -1; // Negative: never fail.
}

void* operator new(std::size_t size, const std::nothrow_t&) noexcept
{
    if (g_allocations_before_failure == 0)
        return nullptr;
    if (g_allocations_before_failure > 0)
        --g_allocations_before_failure;
    try {
        return ::operator new(size);
    } catch (...) {
        return nullptr;
    }
}

namespace {

struct Page {
    uint64_t index;
};

using PageTree = RadixTree<Page>;

// The height and node count a minimal tree holding exactly these keys must have:
// one level per six bits of the largest key, and at each level one node per distinct
// key prefix.
std::pair<unsigned, size_t> expected_shape(const std::map<uint64_t, Page*>& model)
{
    if (model.empty())
        return { 0, 0 };
    uint64_t largest = model.rbegin()->first;
    unsigned height = 1;
    while (height < 11 && (largest >> (6 * height)) != 0)
        ++height;
    size_t nodes = 0;
    for (unsigned level = 0; level < height; ++level) {
        unsigned shift = 6 * (level + 1);
        std::set<uint64_t> prefixes;
        for (auto& [key, value] : model)
            prefixes.insert(shift >= 64 ? 0 : key >> shift);
        nodes += prefixes.size();
    }
    return { height, nodes };
}

TEST(RadixTree, EmptyTreeFindsNothing)
{
    PageTree tree;
    EXPECT_TRUE(tree.empty());
    EXPECT_EQ(tree.size(), 0u);
    EXPECT_EQ(tree.height(), 0u);
    EXPECT_EQ(tree.lookup(0), nullptr);
    EXPECT_EQ(tree.lookup(UINT64_MAX), nullptr);
    EXPECT_EQ(tree.erase(5), nullptr);
    EXPECT_FALSE(tree.find_next(0).has_value());
}

TEST(RadixTree, LookupReturnsWhatWasInserted)
{
    PageTree tree;
    Page a { 3 }, b { 64 }, c { 4095 };
    ASSERT_FALSE(tree.insert(3, &a).is_error());
    ASSERT_FALSE(tree.insert(64, &b).is_error());
    ASSERT_FALSE(tree.insert(4095, &c).is_error());
    EXPECT_EQ(tree.lookup(3), &a);
    EXPECT_EQ(tree.lookup(64), &b);
    EXPECT_EQ(tree.lookup(4095), &c);
    EXPECT_EQ(tree.lookup(4), nullptr);
    EXPECT_EQ(tree.lookup(4096), nullptr);
    EXPECT_EQ(tree.size(), 3u);
    EXPECT_EQ(tree.height(), 2u);
}

TEST(RadixTree, InsertIntoOccupiedIndexFailsWithEexistAndKeepsOldValue)
{
    PageTree tree;
    Page a { 9 }, b { 9 };
    ASSERT_FALSE(tree.insert(9, &a).is_error());
    auto result = tree.insert(9, &b);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), EEXIST);
    EXPECT_EQ(tree.lookup(9), &a);
    EXPECT_EQ(tree.size(), 1u);
}

// place/at/insert_at/replace_at (the fault path's one walk) must behave exactly like
// lookup/insert/replace: at a place whose leaf exists, where none does yet (the insert
// grows the tree), beyond the height, and on a taken slot (EEXIST, nothing changed).
TEST(RadixTree, InsertAtAPlaceBehavesLikeInsertWhetherOrNotItsLeafExists)
{
    PageTree tree;
    std::map<uint64_t, Page*> model;
    std::vector<std::unique_ptr<Page>> pages;
    for (uint64_t index : { uint64_t(5), uint64_t(6), uint64_t(64 * 7 + 1), uint64_t(5), uint64_t(1) << 40,
                            uint64_t(64 * 7 + 2), uint64_t(0) }) {
        PageTree::Place place = tree.place(index);
        EXPECT_EQ(PageTree::at(place), tree.lookup(index));
        pages.push_back(std::make_unique<Page>(Page { index }));
        auto inserted = tree.insert_at(place, index, pages.back().get());
        if (model.count(index)) {
            ASSERT_TRUE(inserted.is_error());
            EXPECT_EQ(inserted.error().code(), EEXIST);
        } else {
            ASSERT_FALSE(inserted.is_error());
            model[index] = pages.back().get();
        }
        EXPECT_EQ(tree.size(), model.size());
        for (auto& [key, value] : model)
            EXPECT_EQ(tree.lookup(key), value);
        auto [height, nodes] = expected_shape(model);
        EXPECT_EQ(tree.height(), height);
        EXPECT_EQ(tree.node_count(), nodes);
    }
    // replace_at swaps the value in place and hands back the old one.
    Page other { 6 };
    PageTree::Place place = tree.place(6);
    EXPECT_EQ(PageTree::replace_at(place, &other), model[6]);
    EXPECT_EQ(tree.lookup(6), &other);
    EXPECT_EQ(tree.size(), model.size());
}

// The inline fast path of insert (the leaf exists, the slot is free) must allocate
// nothing, count the entry and keep EEXIST for a taken slot, at every height.
TEST(RadixTree, InsertIntoAnExistingLeafAllocatesNothingAndCountsEachEntry)
{
    for (uint64_t base : { uint64_t(0), uint64_t(64 * 5), uint64_t(1) << 30 }) {
        PageTree tree;
        std::vector<Page> pages(64);
        ASSERT_FALSE(tree.insert(base + 7, &pages[7]).is_error());
        size_t nodes = tree.node_count();
        unsigned height = tree.height();
        g_allocations_before_failure = 0;  // Any allocation now fails: the leaf must do.
        for (uint64_t i = 0; i < 64; ++i) {
            auto result = tree.insert(base + i, &pages[i]);
            if (i == 7) {
                ASSERT_TRUE(result.is_error());
                EXPECT_EQ(result.error().code(), EEXIST);
            } else {
                ASSERT_FALSE(result.is_error()) << "index " << base + i;
            }
        }
        // The next leaf does not exist: the slow path tries to allocate it and fails cleanly.
        Page beyond { base + 64 };
        auto failed = tree.insert(base + 64, &beyond);
        g_allocations_before_failure = -1;
        ASSERT_TRUE(failed.is_error());
        EXPECT_EQ(failed.error().code(), ENOMEM);
        EXPECT_EQ(tree.node_count(), nodes);
        EXPECT_EQ(tree.height(), height);
        EXPECT_EQ(tree.size(), 64u);
        for (uint64_t i = 0; i < 64; ++i)
            EXPECT_EQ(tree.lookup(base + i), &pages[i]);
        EXPECT_EQ(tree.lookup(base + 64), nullptr);
        PageTree::Entry first = *tree.find_next(0);
        EXPECT_EQ(first.index, base);
        // The present bitmap is kept: erasing all but one keeps the leaf, all frees it.
        for (uint64_t i = 0; i < 63; ++i)
            EXPECT_EQ(tree.erase(base + i), &pages[i]);
        EXPECT_EQ(tree.find_next(0)->index, base + 63);
        EXPECT_EQ(tree.erase(base + 63), &pages[63]);
        EXPECT_EQ(tree.node_count(), 0u);
        EXPECT_TRUE(tree.empty());
    }
}

TEST(RadixTree, HeightGrowsForLargeIndicesAndShrinksAfterErase)
{
    PageTree tree;
    Page low { 1 }, high { 1ull << 40 };
    ASSERT_FALSE(tree.insert(1, &low).is_error());
    EXPECT_EQ(tree.height(), 1u);
    ASSERT_FALSE(tree.insert(1ull << 40, &high).is_error());
    EXPECT_EQ(tree.height(), 7u); // 41 significant bits need seven six-bit levels.
    EXPECT_EQ(tree.lookup(1), &low);
    EXPECT_EQ(tree.lookup(1ull << 40), &high);
    // Two separate paths below the root: 1 + 2 * 6 nodes.
    EXPECT_EQ(tree.node_count(), 13u);

    EXPECT_EQ(tree.erase(1ull << 40), &high);
    EXPECT_EQ(tree.height(), 1u);
    EXPECT_EQ(tree.node_count(), 1u);
    EXPECT_EQ(tree.lookup(1), &low);
}

TEST(RadixTree, ErasingEverythingFreesEveryNode)
{
    PageTree tree;
    std::vector<Page> pages(300);
    for (uint64_t i = 0; i < pages.size(); ++i) {
        pages[i].index = i * 977;
        ASSERT_FALSE(tree.insert(pages[i].index, &pages[i]).is_error());
    }
    EXPECT_GT(tree.node_count(), 1u);
    for (Page& page : pages)
        EXPECT_EQ(tree.erase(page.index), &page);
    EXPECT_TRUE(tree.empty());
    EXPECT_EQ(tree.node_count(), 0u);
    EXPECT_EQ(tree.height(), 0u);
    EXPECT_EQ(tree.erase(0), nullptr);
}

TEST(RadixTree, ExtremeIndicesWork)
{
    PageTree tree;
    Page zero { 0 }, top { UINT64_MAX }, middle { 1ull << 63 };
    ASSERT_FALSE(tree.insert(UINT64_MAX, &top).is_error());
    EXPECT_EQ(tree.height(), 11u);
    ASSERT_FALSE(tree.insert(0, &zero).is_error());
    ASSERT_FALSE(tree.insert(1ull << 63, &middle).is_error());
    EXPECT_EQ(tree.lookup(UINT64_MAX), &top);
    EXPECT_EQ(tree.lookup(0), &zero);
    EXPECT_EQ(tree.lookup(1ull << 63), &middle);
    EXPECT_EQ(tree.lookup(UINT64_MAX - 1), nullptr);

    auto after_zero = tree.find_next(1);
    ASSERT_TRUE(after_zero.has_value());
    EXPECT_EQ(after_zero->index, 1ull << 63);
    auto last = tree.find_next((1ull << 63) + 1);
    ASSERT_TRUE(last.has_value());
    EXPECT_EQ(last->index, UINT64_MAX);
    EXPECT_EQ(last->value, &top);
}

TEST(RadixTree, LookupRangeReportsEachIndexAcrossLeafBoundaries)
{
    PageTree tree;
    std::vector<Page> pages(200);
    // Entries in three leaves (0..63, 64..127, 128..191), with gaps, and none at 64.
    std::map<uint64_t, Page*> model;
    for (uint64_t index : { 3ull, 60ull, 63ull, 65ull, 100ull, 127ull, 128ull, 190ull }) {
        pages[index].index = index;
        ASSERT_FALSE(tree.insert(index, &pages[index]).is_error());
        model[index] = &pages[index];
    }
    for (uint64_t first : { 0ull, 50ull, 60ull, 63ull, 64ull, 120ull, 185ull }) {
        for (size_t count : { 1ul, 2ul, 5ul, 16ul, 70ul, 140ul }) {
            std::vector<Page*> out(count, reinterpret_cast<Page*>(uintptr_t(1)));
            size_t found = tree.lookup_range(first, count, out.data());
            size_t expected_found = 0;
            for (size_t i = 0; i < count; ++i) {
                auto it = model.find(first + i);
                Page* expected = it == model.end() ? nullptr : it->second;
                EXPECT_EQ(out[i], expected) << "first " << first << " i " << i;
                expected_found += expected != nullptr;
            }
            EXPECT_EQ(found, expected_found) << "first " << first << " count " << count;
        }
    }
}

TEST(RadixTree, LookupRangeBeyondTheHeightOrInAnEmptyTreeFindsNothing)
{
    PageTree tree;
    Page* out[4] = { nullptr, nullptr, nullptr, nullptr };
    EXPECT_EQ(tree.lookup_range(0, 4, out), 0u);
    Page low { 2 }, top { UINT64_MAX };
    ASSERT_FALSE(tree.insert(2, &low).is_error());
    // Height 1 covers 0..63: a range above it, and one straddling its end.
    Page* above[4] = { &low, &low, &low, &low };
    EXPECT_EQ(tree.lookup_range(1000, 4, above), 0u);
    for (Page* page : above)
        EXPECT_EQ(page, nullptr);
    Page* straddling[4];
    EXPECT_EQ(tree.lookup_range(62, 4, straddling), 0u);
    Page* start[4];
    EXPECT_EQ(tree.lookup_range(0, 4, start), 1u);
    EXPECT_EQ(start[2], &low);
    // The very last indices, in a tree of full height.
    ASSERT_FALSE(tree.insert(UINT64_MAX, &top).is_error());
    Page* last[3];
    EXPECT_EQ(tree.lookup_range(UINT64_MAX - 2, 3, last), 1u);
    EXPECT_EQ(last[0], nullptr);
    EXPECT_EQ(last[1], nullptr);
    EXPECT_EQ(last[2], &top);
}

TEST(RadixTree, FindNextSkipsGapsAndReportsTheIndex)
{
    PageTree tree;
    Page a { 5 }, b { 70 }, c { 1ull << 33 };
    ASSERT_FALSE(tree.insert(5, &a).is_error());
    ASSERT_FALSE(tree.insert(70, &b).is_error());
    ASSERT_FALSE(tree.insert(1ull << 33, &c).is_error());

    auto first = tree.find_next(0);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->index, 5u);
    EXPECT_EQ(first->value, &a);
    EXPECT_EQ(tree.find_next(5)->index, 5u);
    EXPECT_EQ(tree.find_next(6)->index, 70u);
    EXPECT_EQ(tree.find_next(71)->index, 1ull << 33);
    EXPECT_EQ(tree.find_next(71)->value, &c);
    EXPECT_FALSE(tree.find_next((1ull << 33) + 1).has_value());
    EXPECT_FALSE(tree.find_next(UINT64_MAX).has_value());
}

TEST(RadixTree, ForEachVisitsEntriesInIndexOrder)
{
    PageTree tree;
    std::vector<uint64_t> indices { 1ull << 40, 7, 1ull << 20, 64, 0, 63 };
    std::vector<Page> pages(indices.size());
    for (size_t i = 0; i < indices.size(); ++i) {
        pages[i].index = indices[i];
        ASSERT_FALSE(tree.insert(indices[i], &pages[i]).is_error());
    }
    std::vector<uint64_t> visited;
    tree.for_each([&](uint64_t index, Page* page) {
        EXPECT_EQ(page->index, index);
        visited.push_back(index);
    });
    EXPECT_EQ(visited, (std::vector<uint64_t> { 0, 7, 63, 64, 1ull << 20, 1ull << 40 }));
}

TEST(RadixTree, ForEachMayEraseTheEntryItIsGiven)
{
    PageTree tree;
    std::vector<Page> pages(200);
    for (uint64_t i = 0; i < pages.size(); ++i) {
        pages[i].index = i * 131;
        ASSERT_FALSE(tree.insert(pages[i].index, &pages[i]).is_error());
    }
    size_t visited = 0;
    tree.for_each([&](uint64_t index, Page*) {
        ++visited;
        EXPECT_NE(tree.erase(index), nullptr);
    });
    EXPECT_EQ(visited, pages.size());
    EXPECT_TRUE(tree.empty());
    EXPECT_EQ(tree.node_count(), 0u);
}

TEST(RadixTree, FailedAllocationLeavesTheTreeUnchanged)
{
    PageTree tree;
    Page existing { 100 }, fresh { 1ull << 36 };
    ASSERT_FALSE(tree.insert(100, &existing).is_error());
    unsigned height = tree.height();
    size_t nodes = tree.node_count();

    // Fail at every possible allocation in turn; inserting 1 << 36 needs several.
    long allowed = 0;
    for (;; ++allowed) {
        g_allocations_before_failure = allowed;
        auto result = tree.insert(1ull << 36, &fresh);
        g_allocations_before_failure = -1;
        if (!result.is_error())
            break;
        EXPECT_EQ(result.error().code(), ENOMEM);
        EXPECT_EQ(tree.height(), height) << "after " << allowed << " allocations";
        EXPECT_EQ(tree.node_count(), nodes) << "after " << allowed << " allocations";
        EXPECT_EQ(tree.size(), 1u);
        EXPECT_EQ(tree.lookup(100), &existing);
        EXPECT_EQ(tree.lookup(1ull << 36), nullptr);
        ASSERT_LT(allowed, 20);
    }
    EXPECT_GT(allowed, 2);
    EXPECT_EQ(tree.lookup(1ull << 36), &fresh);

    // An empty tree stays empty, with no nodes, after a failed insert.
    PageTree empty;
    g_allocations_before_failure = 2;
    auto result = empty.insert(1ull << 30, &fresh);
    g_allocations_before_failure = -1;
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(empty.node_count(), 0u);
    EXPECT_EQ(empty.height(), 0u);
    EXPECT_TRUE(empty.empty());
}

TEST(RadixTree, ClearAndMoveReleaseOrTransferNodes)
{
    PageTree tree;
    Page a { 1 }, b { 1ull << 50 };
    ASSERT_FALSE(tree.insert(1, &a).is_error());
    ASSERT_FALSE(tree.insert(1ull << 50, &b).is_error());
    PageTree moved = std::move(tree);
    EXPECT_TRUE(tree.empty());
    EXPECT_EQ(tree.node_count(), 0u);
    EXPECT_EQ(moved.lookup(1ull << 50), &b);
    moved.clear();
    EXPECT_TRUE(moved.empty());
    EXPECT_EQ(moved.node_count(), 0u);
    EXPECT_EQ(moved.lookup(1), nullptr);
}

// The entries of `model` at indices [first, first + count), clipped at UINT64_MAX.
std::map<uint64_t, Page*> model_range(const std::map<uint64_t, Page*>& model, uint64_t first, uint64_t count)
{
    std::map<uint64_t, Page*> part;
    if (count == 0)
        return part;
    uint64_t last = count - 1 > UINT64_MAX - first ? UINT64_MAX : first + (count - 1);
    for (auto it = model.lower_bound(first); it != model.end() && it->first <= last; ++it)
        part.insert(*it);
    return part;
}

// Checks that `tree` holds exactly `model`, with the minimal shape for it.
void expect_tree_matches(const PageTree& tree, const std::map<uint64_t, Page*>& model)
{
    std::map<uint64_t, Page*> seen;
    tree.for_each([&](uint64_t index, Page* page) { seen.emplace(index, page); });
    EXPECT_EQ(seen, model);
    EXPECT_EQ(tree.size(), model.size());
    auto [height, nodes] = expected_shape(model);
    EXPECT_EQ(tree.height(), height);
    EXPECT_EQ(tree.node_count(), nodes);
}

TEST(RadixTree, CloneHoldsExactlyTheRangeAndVisitsEachValueOnce)
{
    PageTree source;
    std::map<uint64_t, Page*> model;
    std::vector<Page> pages(400);
    for (uint64_t i = 0; i < 300; ++i) {
        pages[i].index = i; // A dense run over several whole leaves.
        model[i] = &pages[i];
    }
    for (uint64_t i = 300; i < pages.size(); ++i) {
        pages[i].index = (i - 300) * 4099 + 5000; // And a sparse tail.
        model[pages[i].index] = &pages[i];
    }
    for (auto& [index, page] : model)
        ASSERT_FALSE(source.insert(index, page).is_error());

    // Ranges that cut leaves, start at zero, cover everything, or fall in a gap.
    std::vector<std::pair<uint64_t, uint64_t>> ranges { { 0, 300 },  { 10, 100 },   { 63, 2 },
                                                        { 0, UINT64_MAX }, { 5000, 4100 }, { 301, 4000 },
                                                        { 250, 1ull << 20 } };
    for (auto [first, count] : ranges) {
        SCOPED_TRACE(testing::Message() << "range " << first << " + " << count);
        PageTree clone;
        std::multiset<Page*> visited;
        ASSERT_FALSE(clone.try_clone_from(source, first, count, [&](Page* page) { visited.insert(page); }).is_error());
        auto expected = model_range(model, first, count);
        expect_tree_matches(clone, expected);
        std::multiset<Page*> expected_values;
        for (auto& [index, page] : expected)
            expected_values.insert(page);
        EXPECT_EQ(visited, expected_values);
        // The source is untouched.
        expect_tree_matches(source, model);
    }
}

TEST(RadixTree, CloneHasTheSmallestHeightForWhatItHolds)
{
    PageTree source;
    Page low { 5 }, high { 1ull << 40 };
    ASSERT_FALSE(source.insert(5, &low).is_error());
    ASSERT_FALSE(source.insert(1ull << 40, &high).is_error());
    ASSERT_EQ(source.height(), 7u);

    PageTree clone;
    ASSERT_FALSE(clone.try_clone_from(source, 0, 1ull << 39, [](Page*) {}).is_error());
    EXPECT_EQ(clone.height(), 1u);
    EXPECT_EQ(clone.node_count(), 1u);
    EXPECT_EQ(clone.lookup(5), &low);
    EXPECT_EQ(clone.lookup(1ull << 40), nullptr);
}

TEST(RadixTree, CloneOfARangeWithoutEntriesIsEmptyAndHasNoNodes)
{
    PageTree source;
    Page a { 70 }, b { 1ull << 30 };
    ASSERT_FALSE(source.insert(70, &a).is_error());
    ASSERT_FALSE(source.insert(1ull << 30, &b).is_error());
    std::vector<std::pair<uint64_t, uint64_t>> ranges { { 71, 1000 }, { 0, 70 }, { 70, 0 }, { (1ull << 30) + 1, 5 },
                                                        { 1ull << 50, 100 }, { UINT64_MAX, 1 } };
    for (auto [first, count] : ranges) {
        PageTree clone;
        int calls = 0;
        ASSERT_FALSE(clone.try_clone_from(source, first, count, [&](Page*) { ++calls; }).is_error());
        EXPECT_TRUE(clone.empty()) << first;
        EXPECT_EQ(clone.node_count(), 0u) << first;
        EXPECT_EQ(clone.height(), 0u) << first;
        EXPECT_EQ(calls, 0) << first;
    }
    PageTree empty, clone;
    ASSERT_FALSE(clone.try_clone_from(empty, 0, UINT64_MAX, [](Page*) {}).is_error());
    EXPECT_EQ(clone.node_count(), 0u);
}

TEST(RadixTree, CloneReachesTheTopIndexWhenTheRangeRunsPastIt)
{
    PageTree source;
    Page top { UINT64_MAX }, below { UINT64_MAX - 64 }, zero { 0 };
    ASSERT_FALSE(source.insert(UINT64_MAX, &top).is_error());
    ASSERT_FALSE(source.insert(UINT64_MAX - 64, &below).is_error());
    ASSERT_FALSE(source.insert(0, &zero).is_error());
    PageTree clone;
    ASSERT_FALSE(clone.try_clone_from(source, UINT64_MAX - 10, 1000, [](Page*) {}).is_error());
    EXPECT_EQ(clone.size(), 1u);
    EXPECT_EQ(clone.lookup(UINT64_MAX), &top);
    EXPECT_EQ(clone.height(), 11u);
    EXPECT_EQ(clone.node_count(), 11u);
}

TEST(RadixTree, CloneAndSourceChangeIndependently)
{
    std::vector<Page> pages(200);
    auto source = std::make_unique<PageTree>();
    for (uint64_t i = 0; i < pages.size(); ++i) {
        pages[i].index = i * 3;
        ASSERT_FALSE(source->insert(pages[i].index, &pages[i]).is_error());
    }
    PageTree clone;
    ASSERT_FALSE(clone.try_clone_from(*source, 0, UINT64_MAX, [](Page*) {}).is_error());

    Page fresh { 1 }, replacement { 3 };
    ASSERT_FALSE(clone.insert(1, &fresh).is_error());
    EXPECT_EQ(clone.replace(3, &replacement), &pages[1]);
    EXPECT_EQ(source->erase(6), &pages[2]);
    EXPECT_EQ(source->lookup(1), nullptr);
    EXPECT_EQ(source->lookup(3), &pages[1]);
    EXPECT_EQ(clone.lookup(6), &pages[2]);
    EXPECT_EQ(clone.lookup(3), &replacement);

    // Freeing the source frees only its own nodes (AddressSanitizer would catch a shared
    // node being used after this).
    source.reset();
    EXPECT_EQ(clone.size(), pages.size() + 1);
    for (uint64_t i = 2; i < pages.size(); ++i)
        EXPECT_EQ(clone.lookup(i * 3), &pages[i]);
    clone.clear();
    EXPECT_EQ(clone.node_count(), 0u);
}

TEST(RadixTree, FailedCloneLeavesNothingAndVisitsNothing)
{
    PageTree source;
    std::vector<Page> pages(500);
    for (uint64_t i = 0; i < pages.size(); ++i) {
        pages[i].index = i * i;
        ASSERT_FALSE(source.insert(pages[i].index, &pages[i]).is_error());
    }
    // Fail at every allocation in turn (each failure must free the nodes made so far,
    // which LeakSanitizer checks), until the clone needs no more than it is allowed.
    long allowed = 0;
    for (;; ++allowed) {
        PageTree clone;
        int calls = 0;
        g_allocations_before_failure = allowed;
        auto result = clone.try_clone_from(source, 10, 100000, [&](Page*) { ++calls; });
        g_allocations_before_failure = -1;
        if (!result.is_error()) {
            // The squares in [10, 100010): 4^2 .. 316^2.
            EXPECT_EQ(clone.size(), 313u);
            EXPECT_EQ(calls, 313);
            break;
        }
        EXPECT_EQ(result.error().code(), ENOMEM);
        EXPECT_TRUE(clone.empty()) << "after " << allowed << " allocations";
        EXPECT_EQ(clone.node_count(), 0u) << "after " << allowed << " allocations";
        EXPECT_EQ(clone.height(), 0u) << "after " << allowed << " allocations";
        EXPECT_EQ(calls, 0) << "after " << allowed << " allocations";
        ASSERT_LT(allowed, 1000);
    }
    EXPECT_GT(allowed, 10);
    EXPECT_EQ(source.size(), pages.size());
}

// Random operations over a key distribution that mixes dense runs, a sparse file of
// several GiB, and a few enormous indices.
void run_random_operations(uint64_t seed, int steps)
{
    std::mt19937_64 random(seed);
    auto random_index = [&]() -> uint64_t {
        switch (random() % 4) {
        case 0:
            return random() % 256;
        case 1:
            return random() % (1ull << 21); // Pages of an 8 GiB file.
        case 2:
            return (1ull << 40) + random() % 4096;
        default:
            return random() >> (random() % 64);
        }
    };

    std::vector<Page> pages(steps);
    std::map<uint64_t, Page*> model;
    PageTree tree;
    for (int step = 0; step < steps; ++step) {
        uint64_t index = random_index();
        if (random() % 3 != 0) {
            pages[step].index = index;
            auto result = tree.insert(index, &pages[step]);
            bool fresh = model.emplace(index, &pages[step]).second;
            ASSERT_EQ(result.is_error(), !fresh);
            if (!fresh) {
                ASSERT_EQ(result.error().code(), EEXIST);
            }
        } else {
            // Erase either a present key or a random (probably absent) one.
            if (!model.empty() && random() % 2) {
                auto it = model.lower_bound(index);
                if (it == model.end())
                    it = model.begin();
                index = it->first;
            }
            auto it = model.find(index);
            Page* expected = it == model.end() ? nullptr : it->second;
            ASSERT_EQ(tree.erase(index), expected);
            if (it != model.end())
                model.erase(it);
        }
        ASSERT_EQ(tree.size(), model.size());

        uint64_t probe = random_index();
        auto model_it = model.find(probe);
        ASSERT_EQ(tree.lookup(probe), model_it == model.end() ? nullptr : model_it->second);
        if (probe <= UINT64_MAX - 20) {
            Page* range[20];
            size_t found = tree.lookup_range(probe, 20, range);
            size_t expected_found = 0;
            for (uint64_t i = 0; i < 20; ++i) {
                auto at = model.find(probe + i);
                ASSERT_EQ(range[i], at == model.end() ? nullptr : at->second);
                expected_found += at != model.end();
            }
            ASSERT_EQ(found, expected_found);
        }
        auto next = tree.find_next(probe);
        auto model_next = model.lower_bound(probe);
        if (model_next == model.end()) {
            ASSERT_FALSE(next.has_value());
        } else {
            ASSERT_TRUE(next.has_value());
            ASSERT_EQ(next->index, model_next->first);
            ASSERT_EQ(next->value, model_next->second);
        }

        if (step % 97 == 0) {
            auto [height, nodes] = expected_shape(model);
            ASSERT_EQ(tree.height(), height) << "at step " << step;
            ASSERT_EQ(tree.node_count(), nodes) << "at step " << step;
        }
    }

    // A full walk sees exactly the model, in order.
    auto model_it = model.begin();
    tree.for_each([&](uint64_t index, Page* page) {
        ASSERT_NE(model_it, model.end());
        EXPECT_EQ(index, model_it->first);
        EXPECT_EQ(page, model_it->second);
        ++model_it;
    });
    EXPECT_EQ(model_it, model.end());

    // Clones of random ranges of the final tree hold exactly the model's part of them.
    for (int i = 0; i < 50; ++i) {
        uint64_t first = random_index();
        uint64_t count = random() % 3 == 0 ? UINT64_MAX : random_index() + 1;
        PageTree clone;
        size_t calls = 0;
        ASSERT_FALSE(clone.try_clone_from(tree, first, count, [&](Page*) { ++calls; }).is_error());
        auto expected = model_range(model, first, count);
        expect_tree_matches(clone, expected);
        EXPECT_EQ(calls, expected.size());
    }
}

TEST(RadixTree, RandomOperationsMatchStdMap)
{
    run_random_operations(1, 20000);
    run_random_operations(2, 5000);
}

} // namespace
