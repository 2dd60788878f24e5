// Behaviour of IntrusiveTree: ordered queries, AVL balance, safe iteration, and the
// augmentation protocol the VM relies on (per-subtree values kept exact across
// inserts, erases and rotations), checked against std::set and brute force.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "lib/intrusive_tree.h"

namespace {

// ---- A plain tree of integers ------------------------------------------------------

struct Item {
    explicit Item(int k = 0)
        : key(k)
    {
    }
    int key;
    TreeNode node;
};

struct ItemTraits {
    static int key(const Item& item) { return item.key; }
};

using ItemTree = IntrusiveTree<Item, &Item::node, ItemTraits>;

static_assert(!ItemTree::kHasUpdate && !ItemTree::kHasConsistencyCheck);

std::vector<int> keys_of(const ItemTree& tree)
{
    std::vector<int> keys;
    for (Item& item : tree)
        keys.push_back(item.key);
    return keys;
}

int height_of(const Item* item)
{
    if (!item)
        return 0;
    return 1 + std::max(height_of(ItemTree::left_of(*item)), height_of(ItemTree::right_of(*item)));
}

// Fills a tree with the given keys, each backed by an Item in storage.
void fill(ItemTree& tree, std::deque<Item>& storage, std::initializer_list<int> keys)
{
    for (int key : keys) {
        storage.emplace_back(key);
        ASSERT_TRUE(tree.insert(storage.back()));
    }
}

TEST(IntrusiveTree, StartsEmpty)
{
    ItemTree tree;
    EXPECT_TRUE(tree.empty());
    EXPECT_EQ(tree.size(), 0u);
    EXPECT_EQ(tree.root(), nullptr);
    EXPECT_EQ(tree.first(), nullptr);
    EXPECT_EQ(tree.find(1), nullptr);
    EXPECT_EQ(tree.find_le(1), nullptr);
    EXPECT_EQ(tree.lower_bound(1), nullptr);
    EXPECT_EQ(tree.begin(), tree.end());
    EXPECT_TRUE(tree.validate());
}

TEST(IntrusiveTree, IteratesInKeyOrderWhateverTheInsertionOrder)
{
    std::deque<Item> storage;
    ItemTree tree;
    fill(tree, storage, { 50, 20, 80, 10, 30, 70, 90, 60, 40 });
    EXPECT_EQ(keys_of(tree), (std::vector<int> { 10, 20, 30, 40, 50, 60, 70, 80, 90 }));
    EXPECT_EQ(tree.size(), 9u);
    EXPECT_EQ(tree.first()->key, 10);
    EXPECT_EQ(tree.last()->key, 90);
    EXPECT_TRUE(tree.validate());
}

TEST(IntrusiveTree, DuplicateKeyIsRejectedAndLeftUnlinked)
{
    std::deque<Item> storage;
    ItemTree tree;
    fill(tree, storage, { 1, 2, 3 });
    Item duplicate(2);
    EXPECT_FALSE(tree.insert(duplicate));
    EXPECT_FALSE(duplicate.node.is_linked());
    EXPECT_EQ(tree.size(), 3u);
    EXPECT_EQ(tree.find(2), &storage[1]);
    EXPECT_TRUE(tree.validate());
}

TEST(IntrusiveTree, FindReturnsExactMatchOnly)
{
    std::deque<Item> storage;
    ItemTree tree;
    fill(tree, storage, { 10, 20, 30 });
    EXPECT_EQ(tree.find(20), &storage[1]);
    EXPECT_EQ(tree.find(25), nullptr);
    EXPECT_EQ(tree.find(5), nullptr);
    EXPECT_EQ(tree.find(35), nullptr);
}

TEST(IntrusiveTree, FloorFindsGreatestKeyNotAbove)
{
    std::deque<Item> storage;
    ItemTree tree;
    fill(tree, storage, { 10, 20, 30 });
    EXPECT_EQ(tree.find_le(5), nullptr);
    EXPECT_EQ(tree.find_le(10)->key, 10);
    EXPECT_EQ(tree.find_le(19)->key, 10);
    EXPECT_EQ(tree.find_le(20)->key, 20);
    EXPECT_EQ(tree.find_le(1000)->key, 30);
}

TEST(IntrusiveTree, LowerBoundFindsFirstKeyNotBelow)
{
    std::deque<Item> storage;
    ItemTree tree;
    fill(tree, storage, { 10, 20, 30 });
    EXPECT_EQ(tree.lower_bound(5)->key, 10);
    EXPECT_EQ(tree.lower_bound(10)->key, 10);
    EXPECT_EQ(tree.lower_bound(11)->key, 20);
    EXPECT_EQ(tree.lower_bound(31), nullptr);
}

TEST(IntrusiveTree, UpperBoundFindsFirstKeyAbove)
{
    std::deque<Item> storage;
    ItemTree tree;
    fill(tree, storage, { 10, 20, 30 });
    EXPECT_EQ(tree.upper_bound(5)->key, 10);
    EXPECT_EQ(tree.upper_bound(10)->key, 20);
    EXPECT_EQ(tree.upper_bound(29)->key, 30);
    EXPECT_EQ(tree.upper_bound(30), nullptr);
}

TEST(IntrusiveTree, NextAndPrevWalkInOrderAndStopAtTheEnds)
{
    std::deque<Item> storage;
    ItemTree tree;
    fill(tree, storage, { 4, 2, 6, 1, 3, 5, 7 });
    std::vector<int> backwards;
    for (Item* item = tree.last(); item; item = tree.prev(*item))
        backwards.push_back(item->key);
    EXPECT_EQ(backwards, (std::vector<int> { 7, 6, 5, 4, 3, 2, 1 }));
    EXPECT_EQ(tree.next(*tree.last()), nullptr);
    EXPECT_EQ(tree.prev(*tree.first()), nullptr);
    EXPECT_EQ(tree.next(*tree.find(3))->key, 4);
}

TEST(IntrusiveTree, EraseOfLeafInnerAndRootNodesKeepsOrderAndBalance)
{
    std::deque<Item> storage;
    ItemTree tree;
    fill(tree, storage, { 8, 4, 12, 2, 6, 10, 14, 1, 3, 5, 7, 9, 11, 13, 15 });
    tree.erase(*tree.find(1)); // A leaf.
    EXPECT_TRUE(tree.validate());
    tree.erase(*tree.find(4)); // Two children.
    EXPECT_TRUE(tree.validate());
    tree.erase(*tree.root()); // The root.
    EXPECT_TRUE(tree.validate());
    tree.erase(*tree.find(2)); // One child.
    EXPECT_TRUE(tree.validate());
    EXPECT_EQ(keys_of(tree), (std::vector<int> { 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15 }));
    EXPECT_EQ(tree.size(), 11u);
    EXPECT_FALSE(storage[0].node.is_linked());
    EXPECT_FALSE(storage[1].node.is_linked());
}

TEST(IntrusiveTree, NavigationExposesAConsistentStructure)
{
    std::deque<Item> storage;
    ItemTree tree;
    for (int key = 0; key < 100; ++key) {
        storage.emplace_back(key);
        ASSERT_TRUE(tree.insert(storage.back()));
    }
    ASSERT_NE(tree.root(), nullptr);
    EXPECT_EQ(ItemTree::parent_of(*tree.root()), nullptr);
    for (Item& item : tree) {
        if (Item* left = ItemTree::left_of(item)) {
            EXPECT_EQ(ItemTree::parent_of(*left), &item);
            EXPECT_LT(left->key, item.key);
        }
        if (Item* right = ItemTree::right_of(item)) {
            EXPECT_EQ(ItemTree::parent_of(*right), &item);
            EXPECT_GT(right->key, item.key);
        }
    }
}

TEST(IntrusiveTree, HeightStaysWithinTheAvlBoundForSortedInsertion)
{
    std::deque<Item> storage;
    ItemTree tree;
    constexpr int kCount = (1 << 14) - 1;
    for (int key = 0; key < kCount; ++key) {
        storage.emplace_back(key);
        ASSERT_TRUE(tree.insert(storage.back()));
    }
    EXPECT_TRUE(tree.validate());
    double bound = 1.4405 * std::log2(kCount + 2.0) - 0.3277;
    EXPECT_LE(height_of(tree.root()), static_cast<int>(bound));
    // Sorted insertion into an AVL tree gives a perfectly balanced tree.
    EXPECT_EQ(height_of(tree.root()), 14);
    tree.clear();
}

TEST(IntrusiveTree, ErasingTheVisitedElementDuringRangeForIsSafe)
{
    std::deque<Item> storage;
    ItemTree tree;
    for (int key = 0; key < 50; ++key) {
        storage.emplace_back(key);
        ASSERT_TRUE(tree.insert(storage.back()));
    }
    for (Item& item : tree) {
        if (item.key % 3 != 0)
            tree.erase(item);
    }
    EXPECT_TRUE(tree.validate());
    std::vector<int> expected;
    for (int key = 0; key < 50; key += 3)
        expected.push_back(key);
    EXPECT_EQ(keys_of(tree), expected);
    for (Item& item : tree)
        tree.erase(item);
    EXPECT_TRUE(tree.empty());
}

TEST(IntrusiveTree, ClearUnlinksEveryElementWithoutDestroyingAny)
{
    std::deque<Item> storage;
    ItemTree tree;
    for (int key = 0; key < 200; ++key) {
        storage.emplace_back(key * 7 % 200);
        ASSERT_TRUE(tree.insert(storage.back()));
    }
    tree.clear();
    EXPECT_TRUE(tree.empty());
    EXPECT_EQ(tree.size(), 0u);
    EXPECT_TRUE(tree.validate());
    for (Item& item : storage)
        EXPECT_FALSE(item.node.is_linked());
    // The elements can be inserted again afterwards.
    ASSERT_TRUE(tree.insert(storage[5]));
    EXPECT_EQ(tree.size(), 1u);
    tree.clear();
}

TEST(IntrusiveTree, RandomOperationsMatchStdSet)
{
    std::mt19937 random(42);
    constexpr int kKeySpace = 1500;
    std::vector<Item> items(kKeySpace);
    for (int key = 0; key < kKeySpace; ++key)
        items[key].key = key;
    ItemTree tree;
    std::set<int> model;

    auto expect_same = [&](const Item* got, std::set<int>::const_iterator want) {
        if (want == model.end())
            EXPECT_EQ(got, nullptr);
        else
            EXPECT_TRUE(got && got->key == *want);
    };

    for (int step = 0; step < 12000; ++step) {
        int key = random() % kKeySpace;
        int operation = random() % 3;
        if (operation == 0) {
            // A key already present is offered through a second, unlinked element.
            Item duplicate(key);
            Item& candidate = items[key].node.is_linked() ? duplicate : items[key];
            bool inserted = tree.insert(candidate);
            ASSERT_EQ(inserted, model.insert(key).second);
            ASSERT_FALSE(duplicate.node.is_linked());
        } else if (operation == 1) {
            if (Item* found = tree.find(key)) {
                tree.erase(*found);
                ASSERT_EQ(model.erase(key), 1u);
            } else {
                ASSERT_EQ(model.count(key), 0u);
            }
        } else {
            int query = static_cast<int>(random() % (kKeySpace + 20)) - 10;
            expect_same(tree.lower_bound(query), model.lower_bound(query));
            expect_same(tree.upper_bound(query), model.upper_bound(query));
            auto floor = model.upper_bound(query);
            if (floor == model.begin())
                EXPECT_EQ(tree.find_le(query), nullptr);
            else
                expect_same(tree.find_le(query), std::prev(floor));
            EXPECT_EQ(tree.find(query) != nullptr, model.count(query) == 1);
        }
        ASSERT_TRUE(tree.validate()) << "after step " << step;
        ASSERT_EQ(tree.size(), model.size());
        if (step % 500 == 0) {
            ASSERT_EQ(keys_of(tree), std::vector<int>(model.begin(), model.end()));
        }
    }
    tree.clear();
}

TEST(IntrusiveTreeDeathTest, InsertingALinkedElementStops)
{
    EXPECT_DEATH(
        {
            Item item(1);
            ItemTree tree;
            (void)tree.insert(item);
            (void)tree.insert(item);
        },
        "is_linked");
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
        int result = item.weight;
        if (left)
            result = std::max(result, left->subtree_max);
        if (right)
            result = std::max(result, right->subtree_max);
        return result;
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
    std::mt19937 random(7);
    constexpr int kCount = 800;
    std::vector<Weighted> items(kCount);
    for (int i = 0; i < kCount; ++i) {
        items[i].key = i;
        items[i].weight = random() % 100000;
    }
    MaxTree tree;
    std::set<int> present;
    for (int step = 0; step < 8000; ++step) {
        Weighted& item = items[random() % kCount];
        switch (random() % 3) {
        case 0:
            if (!item.node.is_linked()) {
                ASSERT_TRUE(tree.insert(item));
                present.insert(item.key);
            }
            break;
        case 1:
            if (item.node.is_linked()) {
                tree.erase(item);
                present.erase(item.key);
            }
            break;
        case 2:
            item.weight = random() % 100000;
            if (item.node.is_linked())
                tree.update_path(item);
            break;
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

} // namespace

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
        int result = item.weight;
        if (left)
            result = std::max(result, left->subtree_max);
        if (right)
            result = std::max(result, right->subtree_max);
        return result;
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
    std::mt19937 random(11);
    constexpr int kCount = 600;
    std::vector<Counted> items(kCount);
    for (int i = 0; i < kCount; ++i) {
        items[i].key = i;
        items[i].weight = random() % 4;
    }
    ReportingTree tree;
    std::set<int> present;
    for (int step = 0; step < 12000; ++step) {
        Counted& item = items[random() % kCount];
        switch (random() % 3) {
        case 0:
            if (!item.node.is_linked()) {
                ASSERT_TRUE(tree.insert(item));
                present.insert(item.key);
            }
            break;
        case 1:
            if (item.node.is_linked()) {
                tree.erase(item);
                present.erase(item.key);
            }
            break;
        case 2:
            item.weight = random() % 4;
            if (item.node.is_linked())
                tree.update_path(item);
            break;
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
    // take a full update: their other half is new to them) and rotations.
    std::mt19937 random(23);
    constexpr int kCount = 500;
    std::vector<Halved> items(kCount);
    for (int i = 0; i < kCount; ++i) {
        items[i].key = i;
        items[i].weight = random() % 1000;
    }
    HalvedTree tree;
    std::set<int> present;
    for (int step = 0; step < 12000; ++step) {
        Halved& item = items[random() % kCount];
        if (!item.node.is_linked()) {
            ASSERT_TRUE(tree.insert(item));
            present.insert(item.key);
        } else if (random() % 2) {
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

TEST(IntrusiveTree, InsertAtLinksAtTheNamedEmptyLink)
{
    std::deque<Item> storage(3);
    ItemTree tree;
    storage[0].key = 10;
    tree.insert_at(storage[0], nullptr, false);  // Empty tree: the root.
    EXPECT_EQ(tree.root(), &storage[0]);
    storage[1].key = 5;
    tree.insert_at(storage[1], &storage[0], true);
    storage[2].key = 20;
    tree.insert_at(storage[2], &storage[0], false);
    EXPECT_TRUE(tree.validate());
    EXPECT_EQ(tree.size(), 3u);
    EXPECT_EQ(ItemTree::left_of(storage[0]), &storage[1]);
    EXPECT_EQ(ItemTree::right_of(storage[0]), &storage[2]);
    EXPECT_EQ(tree.find(5), &storage[1]);
    EXPECT_EQ(tree.first(), &storage[1]);
    EXPECT_EQ(tree.last(), &storage[2]);
    tree.clear();
}
