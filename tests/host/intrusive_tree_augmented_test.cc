// The augmentation protocol of IntrusiveTree that the VM relies on: per-subtree values
// kept exact across inserts, erases, rotations and update_path, with each of the update
// forms (three-argument, one-argument, reporting a change for early stops, and
// update_from_child above the last height change), checked against brute force.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "lib/intrusive_tree.h"

namespace {

// Random inserts, erases and (if `reweigh`) weight changes over `items`, whose keys are
// their indices, checking after every step that validate() holds and that the root's
// subtree_max is the maximum weight present. `weights`: how many distinct weights (few
// make many updates come out unchanged, which exercises early stops).
template<typename Tree, typename Element>
void check_maximum_under_random_operations(unsigned seed, int count, int steps, int weights, bool reweigh)
{
    std::mt19937 random(seed);
    std::vector<Element> items(count);
    for (int i = 0; i < count; ++i) {
        items[i].key = i;
        items[i].weight = random() % weights;
    }
    Tree tree;
    std::set<int> present;
    for (int step = 0; step < steps; ++step) {
        Element& item = items[random() % count];
        unsigned operation = random() % 3;
        if (operation == 2 && reweigh) {
            item.weight = random() % weights;
            if (item.node.is_linked())
                tree.update_path(item);
        } else if (!item.node.is_linked()) {
            ASSERT_TRUE(tree.insert(item));
            present.insert(item.key);
        } else if (operation != 0) {
            tree.erase(item);
            present.erase(item.key);
        }
        ASSERT_TRUE(tree.validate()) << "after step " << step;
        int expected = INT_MIN;
        for (int key : present)
            expected = std::max(expected, items[key].weight);
        if (tree.root()) {
            ASSERT_EQ(tree.root()->subtree_max, expected);
        }
    }
    tree.clear();
}

// The subtree maximum of `item` from its weight and its children's maxima.
template<typename Element>
int subtree_maximum(const Element& item, const Element* left, const Element* right)
{
    int result = item.weight;
    if (left)
        result = std::max(result, left->subtree_max);
    if (right)
        result = std::max(result, right->subtree_max);
    return result;
}

// ---- Augmentation with the three-argument update: subtree maximum -------------------

struct Weighted {
    int key = 0;
    int weight = 0;
    int subtree_max = INT_MIN;
    TreeNode node;
};

struct MaxTraits {
    static int key(const Weighted& item) { return item.key; }
    static int combine(const Weighted& item, const Weighted* left, const Weighted* right)
    {
        return subtree_maximum(item, left, right);
    }
    static void update(Weighted& item, Weighted* left, Weighted* right) { item.subtree_max = combine(item, left, right); }
    static bool augmented_consistent(const Weighted& item);
};

using MaxTree = IntrusiveTree<Weighted, &Weighted::node, MaxTraits>;

bool MaxTraits::augmented_consistent(const Weighted& item)
{
    return item.subtree_max == combine(item, MaxTree::left_of(item), MaxTree::right_of(item));
}

static_assert(MaxTree::kHasUpdate3 && MaxTree::kHasConsistencyCheck);

TEST(IntrusiveTreeAugmented, ValidateDetectsAStaleAugmentedValue)
{
    std::deque<Weighted> storage(3);
    MaxTree tree;
    for (int i = 0; i < 3; ++i) {
        storage[i].key = i;
        storage[i].weight = i * 10;
        ASSERT_TRUE(tree.insert(storage[i]));
    }
    EXPECT_TRUE(tree.validate());
    EXPECT_EQ(tree.root()->subtree_max, 20);
    storage[0].weight = 100; // Changed without update_path().
    EXPECT_FALSE(tree.validate());
    tree.update_path(storage[0]);
    EXPECT_TRUE(tree.validate());
    EXPECT_EQ(tree.root()->subtree_max, 100);
    tree.clear();
}

TEST(IntrusiveTreeAugmented, SubtreeMaximumStaysExactUnderRandomOperations)
{
    check_maximum_under_random_operations<MaxTree, Weighted>(7, 800, 8000, 100000, true);
}

// ---- Augmentation with the one-argument update: order statistics --------------------

struct Ranked {
    int key = 0;
    size_t subtree_size = 0;
    TreeNode node;
};

struct SizeTraits {
    static int key(const Ranked& item) { return item.key; }
    static void update(Ranked& item);
    static bool augmented_consistent(const Ranked& item);
};

using SizeTree = IntrusiveTree<Ranked, &Ranked::node, SizeTraits>;

size_t size_of(const Ranked* item) { return item ? item->subtree_size : 0; }

void SizeTraits::update(Ranked& item)
{
    item.subtree_size = 1 + size_of(SizeTree::left_of(item)) + size_of(SizeTree::right_of(item));
}

bool SizeTraits::augmented_consistent(const Ranked& item)
{
    return item.subtree_size == 1 + size_of(SizeTree::left_of(item)) + size_of(SizeTree::right_of(item));
}

static_assert(SizeTree::kHasUpdate1 && !SizeTree::kHasUpdate3);

// A custom descent: the element with exactly `rank` smaller elements.
Ranked* select(const SizeTree& tree, size_t rank)
{
    Ranked* item = tree.root();
    while (item) {
        size_t left = size_of(SizeTree::left_of(*item));
        if (rank < left) {
            item = SizeTree::left_of(*item);
        } else if (rank == left) {
            return item;
        } else {
            rank -= left + 1;
            item = SizeTree::right_of(*item);
        }
    }
    return nullptr;
}

TEST(IntrusiveTreeAugmented, OneArgumentUpdateSupportsOrderStatisticDescent)
{
    std::mt19937 random(99);
    std::vector<Ranked> items(500);
    std::set<int> model;
    SizeTree tree;
    for (int step = 0; step < 3000; ++step) {
        Ranked& item = items[random() % items.size()];
        if (item.node.is_linked()) {
            tree.erase(item);
            model.erase(item.key);
        } else {
            item.key = static_cast<int>(&item - items.data()) * 3;
            ASSERT_TRUE(tree.insert(item));
            model.insert(item.key);
        }
        ASSERT_TRUE(tree.validate());
        ASSERT_EQ(size_of(tree.root()), model.size());
        if (!model.empty()) {
            size_t rank = random() % model.size();
            Ranked* chosen = select(tree, rank);
            ASSERT_NE(chosen, nullptr);
            EXPECT_EQ(chosen->key, *std::next(model.begin(), static_cast<long>(rank)));
        }
    }
    tree.clear();
}

// ---- The VM's use: largest free gap per subtree, first-fit search ------------------

// An address range [start, end); gap_before is the free space between the previous
// range's end (or 0) and start, and max_gap the largest gap_before in the subtree.
struct Range {
    uint64_t start = 0;
    uint64_t end = 0;
    uint64_t gap_before = 0;
    uint64_t max_gap = 0;
    TreeNode node;
};

struct GapTraits {
    static uint64_t key(const Range& range) { return range.start; }
    static uint64_t combine(const Range& range, const Range* left, const Range* right)
    {
        uint64_t result = range.gap_before;
        if (left)
            result = std::max(result, left->max_gap);
        if (right)
            result = std::max(result, right->max_gap);
        return result;
    }
    static void update(Range& range, Range* left, Range* right) { range.max_gap = combine(range, left, right); }
    static bool augmented_consistent(const Range& range);
};

using GapTree = IntrusiveTree<Range, &Range::node, GapTraits>;

bool GapTraits::augmented_consistent(const Range& range)
{
    return range.max_gap == combine(range, GapTree::left_of(range), GapTree::right_of(range));
}

// Inserting or removing a range changes its successor's gap_before; the owner fixes
// it and calls update_path(), as the address space will.
void insert_range(GapTree& tree, Range& range)
{
    Range* previous = tree.find_le(range.start);
    range.gap_before = range.start - (previous ? previous->end : 0);
    ASSERT_TRUE(tree.insert(range));
    if (Range* next = tree.next(range)) {
        next->gap_before = next->start - range.end;
        tree.update_path(*next);
    }
}

void erase_range(GapTree& tree, Range& range)
{
    Range* previous = tree.prev(range);
    Range* next = tree.next(range);
    tree.erase(range);
    if (next) {
        next->gap_before = next->start - (previous ? previous->end : 0);
        tree.update_path(*next);
    }
}

// First fit: the lowest address of a gap (before some range) of at least size bytes.
std::optional<uint64_t> first_fit(const GapTree& tree, uint64_t size)
{
    Range* range = tree.root();
    if (!range || range->max_gap < size)
        return std::nullopt;
    while (true) {
        Range* left = GapTree::left_of(*range);
        if (left && left->max_gap >= size)
            range = left;
        else if (range->gap_before >= size)
            return range->start - range->gap_before;
        else
            range = GapTree::right_of(*range);
    }
}

std::optional<uint64_t> first_fit_brute_force(const GapTree& tree, uint64_t size)
{
    uint64_t previous_end = 0;
    for (Range& range : tree) {
        if (range.start - previous_end >= size)
            return previous_end;
        previous_end = range.end;
    }
    return std::nullopt;
}

TEST(IntrusiveTreeAugmented, LargestGapSearchFindsTheFirstFitLikeALinearScan)
{
    std::mt19937_64 random(2024);
    constexpr int kSlots = 400;
    constexpr uint64_t kSlotSize = 1 << 20;
    // Slot i may hold a range starting at i * kSlotSize, of random length.
    std::vector<Range> ranges(kSlots);
    GapTree tree;
    for (int step = 0; step < 6000; ++step) {
        size_t slot = random() % kSlots;
        Range& range = ranges[slot];
        if (range.node.is_linked()) {
            erase_range(tree, range);
        } else {
            range.start = slot * kSlotSize + (random() % 16) * 4096;
            range.end = range.start + 4096 * (1 + random() % 64);
            insert_range(tree, range);
        }
        ASSERT_TRUE(tree.validate()) << "after step " << step;
        uint64_t size = 4096 * (1 + random() % 1024);
        ASSERT_EQ(first_fit(tree, size), first_fit_brute_force(tree, size)) << "size " << size;
    }
    tree.clear();
}


// ---- Augmentation whose update reports a change: early stop -------------------------

struct Counted {
    int key = 0;
    int weight = 0;
    int subtree_max = INT_MIN;
    TreeNode node;
};

int g_counted_updates = 0;

struct ReportingMaxTraits {
    static int key(const Counted& item) { return item.key; }
    static int combine(const Counted& item, const Counted* left, const Counted* right)
    {
        return subtree_maximum(item, left, right);
    }
    static bool update(Counted& item, Counted* left, Counted* right)
    {
        ++g_counted_updates;
        int value = combine(item, left, right);
        bool changed = value != item.subtree_max;
        item.subtree_max = value;
        return changed;
    }
    static bool augmented_consistent(const Counted& item);
};

using ReportingTree = IntrusiveTree<Counted, &Counted::node, ReportingMaxTraits>;

bool ReportingMaxTraits::augmented_consistent(const Counted& item)
{
    return item.subtree_max == combine(item, ReportingTree::left_of(item), ReportingTree::right_of(item));
}

static_assert(ReportingTree::kUpdateReportsChange && !MaxTree::kUpdateReportsChange);

TEST(IntrusiveTreeAugmented, ReportedChangesStayExactUnderRandomOperations)
{
    // Few distinct weights, so that many updates come out unchanged and the walks stop
    // early; erasing nodes with two children moves successors up, which must still be
    // recomputed wherever the walk would otherwise stop.
    check_maximum_under_random_operations<ReportingTree, Counted>(11, 600, 12000, 4, true);
}

TEST(IntrusiveTreeAugmented, WalkStopsAtTheFirstUnchangedAncestor)
{
    // 4095 items of weight 5, inserted in order: a perfect tree of height 12. Key 1 goes
    // under the leftmost leaf (key 0), raising heights all the way up; key -1 then fills
    // key 0's other side: no height and no maximum above key 0 changes, so the walk stops
    // after a couple of updates instead of going up all twelve levels.
    std::vector<Counted> items(8192);
    ReportingTree tree;
    for (int i = 0; i < 4095; ++i) {
        items[i].key = 2 * i;
        items[i].weight = 5;
        ASSERT_TRUE(tree.insert(items[i]));
    }
    items[4095].key = 1;
    items[4095].weight = 0;
    ASSERT_TRUE(tree.insert(items[4095]));
    Counted& extra = items[5000];
    extra.key = -1;
    extra.weight = 0;
    g_counted_updates = 0;
    ASSERT_TRUE(tree.insert(extra));
    EXPECT_TRUE(tree.validate());
    EXPECT_LE(g_counted_updates, 3);
    // A heavier one changes every maximum on its way up: the walk must reach the root.
    Counted& heavy = items[5001];
    heavy.key = 3;
    heavy.weight = 9;
    ASSERT_TRUE(tree.insert(heavy));
    EXPECT_TRUE(tree.validate());
    EXPECT_EQ(tree.root()->subtree_max, 9);
    // update_path too stops once values stay put.
    g_counted_updates = 0;
    extra.weight = 1;
    tree.update_path(extra);
    EXPECT_LE(g_counted_updates, 3);
    EXPECT_TRUE(tree.validate());
    tree.clear();
}

// ---- Augmentation with update_from_child: one child per level above the heights ----

struct Halved {
    int key = 0;
    int weight = 0;
    int subtree_max = INT_MIN;
    int left_max = INT_MIN;   // The maximum of the left subtree (INT_MIN: none).
    int right_max = INT_MIN;  // And of the right one.
    TreeNode node;
};

int g_full_updates = 0;
int g_child_updates = 0;

struct HalvedMaxTraits {
    static int key(const Halved& item) { return item.key; }
    static bool update(Halved& item, Halved* left, Halved* right)
    {
        ++g_full_updates;
        item.left_max = left ? left->subtree_max : INT_MIN;
        item.right_max = right ? right->subtree_max : INT_MIN;
        return store(item, std::max({ item.weight, item.left_max, item.right_max }));
    }
    static bool update_from_child(Halved& item, Halved& child, bool child_is_left)
    {
        ++g_child_updates;
        (child_is_left ? item.left_max : item.right_max) = child.subtree_max;
        return store(item, std::max({ item.weight, item.left_max, item.right_max }));
    }
    static bool store(Halved& item, int value)
    {
        bool changed = value != item.subtree_max;
        item.subtree_max = value;
        return changed;
    }
    static bool augmented_consistent(const Halved& item);
};

using HalvedTree = IntrusiveTree<Halved, &Halved::node, HalvedMaxTraits>;

bool HalvedMaxTraits::augmented_consistent(const Halved& item)
{
    const Halved* left = HalvedTree::left_of(item);
    const Halved* right = HalvedTree::right_of(item);
    int left_max = left ? left->subtree_max : INT_MIN;
    int right_max = right ? right->subtree_max : INT_MIN;
    return item.left_max == left_max && item.right_max == right_max &&
           item.subtree_max == std::max({ item.weight, left_max, right_max });
}

static_assert(HalvedTree::kHasUpdateFromChild && !ReportingTree::kHasUpdateFromChild);

TEST(IntrusiveTreeAugmented, UpdateFromChildKeepsBothHalvesExactUnderRandomOperations)
{
    // Every kept half must match its child after inserts, erases (successors moving up
    // take a full update: their other half is new to them), rotations and weight changes.
    check_maximum_under_random_operations<HalvedTree, Halved>(23, 500, 12000, 1000, true);
}

TEST(IntrusiveTreeAugmented, WalkAboveTheLastHeightChangeReadsOneChildALevel)
{
    // A perfect tree of height 12, then a light leaf under one of its leaves (raising
    // every height). A heavy leaf on that leaf's other side changes every maximum up to
    // the root but no height: the levels above it are recomputed from the child the walk
    // came from.
    std::vector<Halved> items(4097);
    HalvedTree tree;
    for (int i = 0; i < 4095; ++i) {
        items[i].key = 2 * i;
        items[i].weight = 5;
        ASSERT_TRUE(tree.insert(items[i]));
    }
    Halved& light = items[4095];
    light.key = 2 * 2047 + 1;  // Under a leaf in the middle of the tree.
    light.weight = 0;
    ASSERT_TRUE(tree.insert(light));
    Halved* leaf = HalvedTree::parent_of(light);
    ASSERT_NE(nullptr, leaf);
    Halved& heavy = items[4096];
    heavy.key = leaf->key < light.key ? leaf->key - 1 : leaf->key + 1;  // The leaf's free side.
    heavy.weight = 9;
    g_full_updates = 0;
    g_child_updates = 0;
    ASSERT_TRUE(tree.insert(heavy));
    EXPECT_TRUE(tree.validate());
    EXPECT_EQ(tree.root()->subtree_max, 9);
    EXPECT_LE(g_full_updates, 3);
    EXPECT_GE(g_child_updates, 9);
    tree.clear();
}

}  // namespace
