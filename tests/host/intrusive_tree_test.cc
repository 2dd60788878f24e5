// Behaviour of IntrusiveTree without augmentation: ordered queries, AVL balance, safe
// iteration, insertion at a found link, checked against std::set. The augmentation
// protocol is tested in intrusive_tree_augmented_test.cc.
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

} // namespace
