// Behaviour of IntrusiveList: order, O(1) removal, size, iteration and removal
// during iteration, checked against std::deque in a randomized run.
#include <algorithm>
#include <deque>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "lib/intrusive_list.h"

namespace {

struct Item {
    explicit Item(int v = 0)
        : value(v)
    {
    }
    int value;
    ListNode node;
    ListNode other_node;
};

using ItemList = IntrusiveList<Item, &Item::node>;
using OtherList = IntrusiveList<Item, &Item::other_node>;

std::vector<int> values_of(ItemList& list)
{
    std::vector<int> values;
    for (Item& item : list)
        values.push_back(item.value);
    return values;
}

TEST(IntrusiveList, StartsEmpty)
{
    ItemList list;
    EXPECT_TRUE(list.empty());
    EXPECT_EQ(list.size(), 0u);
    EXPECT_EQ(list.first(), nullptr);
    EXPECT_EQ(list.last(), nullptr);
    EXPECT_EQ(list.pop_front(), nullptr);
    EXPECT_EQ(list.begin(), list.end());
    EXPECT_TRUE(list.validate());
}

TEST(IntrusiveList, PushBackKeepsInsertionOrderAndPushFrontPrepends)
{
    Item a(1), b(2), c(3);
    ItemList list;
    list.push_back(b);
    list.push_back(c);
    list.push_front(a);
    EXPECT_EQ(values_of(list), (std::vector<int> { 1, 2, 3 }));
    EXPECT_EQ(list.size(), 3u);
    EXPECT_EQ(list.first(), &a);
    EXPECT_EQ(list.last(), &c);
    EXPECT_TRUE(list.validate());
    list.clear();
}

TEST(IntrusiveList, RemoveUnlinksFromAnyPosition)
{
    Item a(1), b(2), c(3);
    ItemList list;
    list.push_back(a);
    list.push_back(b);
    list.push_back(c);
    list.remove(b);
    EXPECT_FALSE(b.node.is_linked());
    EXPECT_EQ(values_of(list), (std::vector<int> { 1, 3 }));
    list.remove(a);
    list.remove(c);
    EXPECT_TRUE(list.empty());
    EXPECT_TRUE(list.validate());
}

TEST(IntrusiveList, InsertBeforeAndAfterPlaceRelativeToPosition)
{
    Item a(1), b(2), c(3), d(4);
    ItemList list;
    list.push_back(c);
    list.insert_before(c, a);
    list.insert_after(a, b);
    list.insert_after(c, d);
    EXPECT_EQ(values_of(list), (std::vector<int> { 1, 2, 3, 4 }));
    EXPECT_EQ(list.next(b), &c);
    EXPECT_EQ(list.prev(b), &a);
    EXPECT_EQ(list.prev(a), nullptr);
    EXPECT_EQ(list.next(d), nullptr);
    list.clear();
}

TEST(IntrusiveList, PopReturnsEndsInOrder)
{
    Item a(1), b(2), c(3);
    ItemList list;
    list.push_back(a);
    list.push_back(b);
    list.push_back(c);
    EXPECT_EQ(list.pop_front(), &a);
    EXPECT_EQ(list.pop_back(), &c);
    EXPECT_EQ(list.pop_front(), &b);
    EXPECT_EQ(list.pop_front(), nullptr);
    EXPECT_FALSE(a.node.is_linked());
}

TEST(IntrusiveList, RemovingTheVisitedElementDuringRangeForIsSafe)
{
    std::deque<Item> items;
    for (int i = 0; i < 10; ++i)
        items.emplace_back(i);
    ItemList list;
    for (Item& item : items)
        list.push_back(item);
    for (Item& item : list) {
        if (item.value % 2 == 0)
            list.remove(item);
    }
    EXPECT_EQ(values_of(list), (std::vector<int> { 1, 3, 5, 7, 9 }));
    // Removing every element, one per step, empties the list.
    for (Item& item : list)
        list.remove(item);
    EXPECT_TRUE(list.empty());
    EXPECT_TRUE(list.validate());
}

TEST(IntrusiveList, ElementsMoveBetweenListsDuringIteration)
{
    std::deque<Item> items;
    for (int i = 0; i < 6; ++i)
        items.emplace_back(i);
    ItemList active, inactive;
    for (Item& item : items)
        active.push_back(item);
    for (Item& item : active) {
        if (item.value >= 3) {
            active.remove(item);
            inactive.push_back(item);
        }
    }
    EXPECT_EQ(values_of(active), (std::vector<int> { 0, 1, 2 }));
    EXPECT_EQ(values_of(inactive), (std::vector<int> { 3, 4, 5 }));
    active.clear();
    inactive.clear();
}

TEST(IntrusiveList, SeparateHooksAllowMembershipInTwoLists)
{
    Item a(1), b(2);
    ItemList list;
    OtherList other;
    list.push_back(a);
    list.push_back(b);
    other.push_back(b);
    other.push_back(a);
    EXPECT_EQ(list.first(), &a);
    EXPECT_EQ(other.first(), &b);
    list.remove(a);
    EXPECT_EQ(other.size(), 2u);
    list.clear();
    other.clear();
}

TEST(IntrusiveList, ClearUnlinksWithoutDestroying)
{
    Item a(1), b(2);
    {
        ItemList list;
        list.push_back(a);
        list.push_back(b);
        list.clear();
        EXPECT_TRUE(list.empty());
        list.push_back(a);
        // Destroying the list unlinks a as well.
    }
    EXPECT_FALSE(a.node.is_linked());
    EXPECT_FALSE(b.node.is_linked());
    EXPECT_EQ(a.value, 1);
}

TEST(IntrusiveList, RandomOperationsMatchDeque)
{
    std::mt19937 random(1234);
    constexpr int kItems = 64;
    std::deque<Item> items;
    for (int i = 0; i < kItems; ++i)
        items.emplace_back(i);
    ItemList list;
    std::deque<int> model;

    for (int step = 0; step < 20000; ++step) {
        int operation = random() % 5;
        Item& item = items[random() % kItems];
        bool linked = item.node.is_linked();
        if (operation == 0 && !linked) {
            list.push_back(item);
            model.push_back(item.value);
        } else if (operation == 1 && !linked) {
            list.push_front(item);
            model.push_front(item.value);
        } else if (operation == 2 && linked) {
            list.remove(item);
            model.erase(std::find(model.begin(), model.end(), item.value));
        } else if (operation == 3) {
            Item* popped = list.pop_front();
            if (model.empty()) {
                EXPECT_EQ(popped, nullptr);
            } else {
                ASSERT_NE(popped, nullptr);
                EXPECT_EQ(popped->value, model.front());
                model.pop_front();
            }
        } else if (operation == 4 && linked) {
            Item& other = items[random() % kItems];
            if (!other.node.is_linked()) {
                list.insert_before(item, other);
                model.insert(std::find(model.begin(), model.end(), item.value), other.value);
            }
        }
        ASSERT_EQ(list.size(), model.size());
        if (step % 64 == 0) {
            ASSERT_TRUE(list.validate());
            ASSERT_EQ(values_of(list), std::vector<int>(model.begin(), model.end()));
        }
    }
    list.clear();
}

TEST(IntrusiveListDeathTest, InsertingALinkedElementStops)
{
    EXPECT_DEATH(
        {
            Item a(1);
            ItemList list;
            list.push_back(a);
            list.push_back(a);
        },
        "is_linked");
}

TEST(IntrusiveListDeathTest, DestroyingALinkedElementStops)
{
    EXPECT_DEATH(
        {
            ItemList list;
            auto* item = new Item(1);
            list.push_back(*item);
            delete item;
        },
        "is_linked");
}

} // namespace
