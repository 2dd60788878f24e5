// A sparse map from a 64-bit index (a page index in a file or object) to T*.
//
// The page cache keeps each file's resident pages here. Files may be gigabytes long and
// sparsely cached, so a dense array is out of the question; a radix tree costs memory
// in proportion to the populated index ranges and looks up in a handful of steps.
//
// Shape: 64-way nodes, six index bits per level, the low bits at the leaves. A tree of
// height h covers indices below 64^h (h = 11 covers all 64 bits). Level 0 nodes hold
// the T* values; higher levels hold child nodes.
//
//     height 2:  root (bits 11..6) --slot--> leaf (bits 5..0) --slot--> T*
//
// Invariants:
//   - The root is null exactly when the tree is empty (height 0 then).
//   - Every node has at least one non-null slot, and its `present` bitmap has a bit set
//     exactly for the non-null slots; erase() frees nodes as they empty.
//   - The height is the smallest that covers the largest index present: it grows when
//     a larger index is inserted and shrinks when the root's only child is slot 0.
//   - Values are non-null and not owned; the tree never dereferences them.
//
// Operations are O(height) except find_next, which may also scan up to 64 slots per
// level, and lookup_range, which walks from the root once per leaf its range touches and
// then reads the leaf's slots in a row (fault-around looks at 16 neighbours this way).
// lookup is inline: the fault path asks it on every fault. So are replace and the common
// case of insert (the leaf exists and the slot is free: the next page of a run being
// filled, as zero-fill faults do), which then costs a lookup and two stores; an insert
// that must grow the tree or add a node goes out of line. Allocation uses
// new (std::nothrow); insert reports ENOMEM and then leaves the tree exactly as it was.
//
// try_clone_from copies a range of another tree node by node: one allocation and one
// 64-slot copy per node, never a walk from the root per entry. That is what makes fork
// cheap: an object of n resident pages is cloned in about n / 64 allocations.
//
// Not thread-safe: the owning VmObject's lock guards it.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "lib/error_or.h"

// The type-erased engine behind RadixTree<T>, so that each T does not get its own copy.
class RadixTreeBase {
public:
    RadixTreeBase() = default;
    RadixTreeBase(const RadixTreeBase&) = delete;
    RadixTreeBase& operator=(const RadixTreeBase&) = delete;
    RadixTreeBase(RadixTreeBase&& other);
    RadixTreeBase& operator=(RadixTreeBase&& other);
    ~RadixTreeBase() { clear(); }

    size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }

    // Levels of nodes currently in use (0 when empty), and the number of nodes; both
    // are exposed so that tests can check the tree grows and shrinks as promised.
    unsigned height() const { return m_height; }
    size_t node_count() const { return m_node_count; }

    // Removes every entry and frees every node; the values themselves are untouched.
    void clear();

protected:
    struct SlotEntry {
        uint64_t index;
        void* value;
    };

    static constexpr unsigned kBitsPerLevel = 6;
    static constexpr unsigned kFanout = 1u << kBitsPerLevel;
    static constexpr uint64_t kSlotMask = kFanout - 1;
    // Eleven levels of six bits cover all 64 bits of an index.
    static constexpr unsigned kMaxHeight = (64 + kBitsPerLevel - 1) / kBitsPerLevel;

    struct Node {
        // Bit i is set exactly when slots[i] is non-null.
        uint64_t present { 0 };
        void* slots[kFanout] {};
    };

    ErrorOr<void> insert_slot(uint64_t index, void* value) { return insert_at_place(place_of(index), index, value); }

public:
    // Where an index lives, found by one walk: its leaf (null if the walk found none) and
    // its slot there. Valid until the tree next changes; lets a lookup that found nothing
    // be followed by an insert that does not walk again (the fault path's zero fill).
    struct Place {
        Node* leaf;
        unsigned slot;
    };

protected:
    Place place_of(uint64_t index) const { return { leaf_for(index), unsigned(index & kSlotMask) }; }
    static void* value_at_place(Place place) { return place.leaf ? place.leaf->slots[place.slot] : nullptr; }
    static void* replace_at_place(Place place, void* value)
    {
        void* old = place.leaf->slots[place.slot];
        place.leaf->slots[place.slot] = value;
        return old;
    }

    // insert_slot at `place`, which must be place_of(index) with the tree unchanged since.
    ErrorOr<void> insert_at_place(Place place, uint64_t index, void* value)
    {
        if (value && place.leaf && !place.leaf->slots[place.slot]) [[likely]] {
            place.leaf->slots[place.slot] = value;
            place.leaf->present |= uint64_t(1) << place.slot;
            ++m_size;
            return {};
        }
        // A null value (which asserts), a missing node, a height to grow, or EEXIST.
        return insert_slot_slow(index, value);
    }

    void* lookup_slot(uint64_t index) const
    {
        const Node* leaf = leaf_for(index);
        return leaf ? leaf->slots[index & kSlotMask] : nullptr;
    }

    // out[i] = the value at first + i (or null) for i < count; returns how many are
    // non-null. first + count must not wrap.
    size_t lookup_range_slots(uint64_t first, size_t count, void** out) const;

    void* erase_slot(uint64_t index);

    void* replace_slot(uint64_t index, void* value)
    {
        Node* leaf = leaf_for(index);
        if (!leaf)
            return nullptr;
        void** slot = &leaf->slots[index & kSlotMask];
        void* old = *slot;
        if (old)
            *slot = value;
        return old;
    }
    std::optional<SlotEntry> find_next_slot(uint64_t index) const;

    // Makes this tree, which must be empty, hold the entries of `source` at indices
    // [first, first + count) (clipped at UINT64_MAX), with the same values. ENOMEM leaves
    // this tree empty, with no nodes.
    ErrorOr<void> clone_range_from(const RadixTreeBase& source, uint64_t first, uint64_t count);

    // Calls visit(context, slots, present) once per level-0 node, in index order: the
    // node's 64 slots and the bitmap of the non-null ones.
    using LeafVisitor = void (*)(void* context, void* const* slots, uint64_t present);
    void visit_leaves(LeafVisitor visit, void* context) const;

private:
    // The level-0 node whose slots hold index, or null if index is beyond the height or
    // a node on its path is missing.
    Node* leaf_for(uint64_t index) const
    {
        unsigned height = m_height;
        // A height of kMaxHeight covers every index (and a shift by 66 would be undefined).
        if (height == 0 || (height < kMaxHeight && (index >> (height * kBitsPerLevel)) != 0))
            return nullptr;
        Node* node = m_root;
        for (unsigned level = height - 1; level > 0; --level) {
            node = static_cast<Node*>(node->slots[(index >> (level * kBitsPerLevel)) & kSlotMask]);
            if (!node)
                return nullptr;
        }
        return node;
    }

    ErrorOr<void> insert_slot_slow(uint64_t index, void* value);
    Node* allocate_node();
    // A new node with the slots and bitmap of `source` (one copy, no zeroing first).
    Node* allocate_node_copy(const Node& source);
    void free_node(Node* node);
    void free_subtree(Node* node, unsigned level);
    void release_empty_nodes_on_path(uint64_t index);
    void shrink();
    static std::optional<SlotEntry> find_next_in(const Node* node, unsigned level, uint64_t base, uint64_t index);
    Node* clone_subtree(const Node* source, unsigned level, uint64_t first, uint64_t last, bool first_inside,
                        bool last_inside, bool& out_of_memory);
    static void visit_leaves_in(const Node* node, unsigned level, LeafVisitor visit, void* context);

    Node* m_root { nullptr };
    unsigned m_height { 0 };
    size_t m_size { 0 };
    size_t m_node_count { 0 };
};

template<typename T>
class RadixTree : private RadixTreeBase {
public:
    struct Entry {
        uint64_t index;
        T* value;
    };

    using RadixTreeBase::clear;
    using RadixTreeBase::empty;
    using RadixTreeBase::height;
    using RadixTreeBase::node_count;
    using RadixTreeBase::size;

    // Maps index to value (non-null). Fails with EEXIST if index is already mapped and
    // with ENOMEM if a node cannot be allocated; either way the tree is unchanged.
    ErrorOr<void> insert(uint64_t index, T* value) { return insert_slot(index, to_slot(value)); }

    // Returns the value at index, or nullptr.
    T* lookup(uint64_t index) const { return static_cast<T*>(lookup_slot(index)); }

    // lookup() and insert() sharing one walk: place(index) finds where index lives,
    // at(place) is its value (or nullptr), and insert_at(place, index, value) inserts as
    // insert() does, provided the tree has not changed since place() was taken.
    using RadixTreeBase::Place;
    Place place(uint64_t index) const { return place_of(index); }
    static T* at(Place place) { return static_cast<T*>(value_at_place(place)); }
    ErrorOr<void> insert_at(Place place, uint64_t index, T* value)
    {
        return insert_at_place(place, index, to_slot(value));
    }
    // replace() at a place that holds a value (at(place) non-null), the tree unchanged
    // since place() was taken: returns the old value.
    static T* replace_at(Place place, T* value) { return static_cast<T*>(replace_at_place(place, to_slot(value))); }

    // out[i] = the value at first + i, or nullptr, for each i < count; returns how many
    // are non-null. One walk from the root per 64-entry leaf the range touches (not one
    // per index). first + count must not wrap past UINT64_MAX.
    size_t lookup_range(uint64_t first, size_t count, T** out) const
    {
        static_assert(sizeof(T*) == sizeof(void*));
        return lookup_range_slots(first, count, reinterpret_cast<void**>(out));
    }

    // Puts value (non-null) in place of the value at index and returns the old one; does
    // nothing and returns nullptr if index is not mapped. Never allocates, so never fails
    // (copy-on-write swaps a frame this way under memory pressure).
    T* replace(uint64_t index, T* value) { return static_cast<T*>(replace_slot(index, to_slot(value))); }

    // Unmaps index and returns the value it had, or nullptr if it was not mapped.
    T* erase(uint64_t index) { return static_cast<T*>(erase_slot(index)); }

    // Returns the entry with the smallest index >= index, or nothing.
    std::optional<Entry> find_next(uint64_t index) const
    {
        auto slot = find_next_slot(index);
        if (!slot)
            return std::nullopt;
        return Entry { slot->index, static_cast<T*>(slot->value) };
    }

    // Makes this tree, which must be empty, hold the entries of `source` at indices
    // [first, first + count) (clipped at UINT64_MAX): the same values at the same indices,
    // in nodes of its own, so that the two trees change independently afterwards. Once the
    // copy is complete, calls on_value(T*) for each value it holds (fork takes the clone's
    // page references there). ENOMEM leaves this tree empty and calls on_value for nothing.
    template<typename OnValue>
    ErrorOr<void> try_clone_from(const RadixTree& source, uint64_t first, uint64_t count, OnValue on_value)
    {
        TRY(clone_range_from(source, first, count));
        visit_leaves(
            [](void* context, void* const* slots, uint64_t present) {
                // A straight scan of the slots: without the Zbb extension countr_zero is a
                // library call costing more than the scan, and fork's leaves are mostly full.
                OnValue& callback = *static_cast<OnValue*>(context);
                unsigned end = 64 - std::countl_zero(present);
                for (unsigned slot = 0; slot < end; ++slot) {
                    if (slots[slot])
                        callback(static_cast<T*>(slots[slot]));
                }
            },
            &on_value);
        return {};
    }

    // Calls callback(index, T*) for every entry in increasing index order. The callback
    // may erase the entry it is given (each step is a fresh find_next), but must not
    // insert.
    template<typename Callback>
    void for_each(Callback callback) const
    {
        uint64_t index = 0;
        while (auto entry = find_next(index)) {
            callback(entry->index, entry->value);
            if (entry->index == UINT64_MAX)
                break;
            index = entry->index + 1;
        }
    }

private:
    static void* to_slot(T* value) { return const_cast<void*>(static_cast<const void*>(value)); }
};
