// An intrusive, augmentable AVL tree: TreeNode hooks embedded in the elements.
//
// The address space keeps its Vmas here, keyed by start address; every page fault
// looks up the Vma containing an address (find_le), and mmap searches for a free
// range by descending through per-subtree "largest gap" values (the augmentation).
//
//     struct Vma { TreeNode m_tree_node; VirtAddr m_start; ... size_t m_subtree_gap; };
//     struct VmaTreeTraits {
//         static VirtAddr key(const Vma& vma) { return vma.m_start; }
//         static void update(Vma& vma, Vma* left, Vma* right);  // optional
//         static bool augmented_consistent(const Vma& vma);     // optional
//     };
//     IntrusiveTree<Vma, &Vma::m_tree_node, VmaTreeTraits> tree;
//
// Why AVL rather than red-black: lookups (one per page fault) far outnumber updates
// (one per mmap/munmap), and AVL trees are more strictly balanced (height at most
// 1.44 log2 n against 2 log2 n), so descents are shorter. The usual argument for
// red-black trees, fewer rotations on update, matters little here because an
// augmented tree must walk to the root after every change anyway. Heights also make
// the balance invariant easy to validate.
//
// Traits:
//   - `static Key key(const T&)`, required. Elements are ordered by `<` on Key.
//   - `static void update(T& node, T* left, T* right)` or `static void update(T& node)`,
//     optional. Recomputes node's augmented value from its own data and its children
//     (left/right may be null). The tree calls it, bottom-up, for every node whose
//     subtree changed: the new leaf and its ancestors after insert, the ancestors of
//     the removed position after erase, and both nodes of every rotation. The
//     one-argument form can reach the children through IntrusiveTree::left_of /
//     right_of, which are static for that reason.
//     If update returns bool (whether the stored value changed), the walk to the root
//     stops at the first node whose height and augmented value both come out unchanged:
//     nothing above it can change then. A void update always walks to the root.
//   - `static bool update_from_child(T& node, T& child, bool child_is_left)`, optional,
//     with a bool update. The same recomputation when only `child`'s augmented value has
//     changed since node was last updated (the other child's has not), so that it may
//     read that child alone and reuse what node kept of the other side; returns whether
//     node's value changed. The walk to the root uses it above the last node whose height
//     changed: from there up only augmentation can change, one child per level. (For the
//     VM, that is most of every mmap and munmap: each changes the largest gap.)
//   - `static bool augmented_consistent(const T&)`, optional. validate() calls it on
//     every node to check that the stored augmented value matches its children.
//
// Invariants:
//   - Keys are unique: insert() rejects an element whose key is already present and
//     returns false. (The VM keys Vmas by start address, which never repeat.)
//   - In-order traversal gives strictly increasing keys; for every node the heights of
//     its two subtrees differ by at most one; each node's stored height is exact; parent
//     links mirror child links; size() counts the linked elements.
//   - A TreeNode is linked exactly while its element is in a tree (its height is then
//     at least 1). The tree owns nothing: erase() and clear() only unlink.
//   - If the key or augmentation inputs of a linked element change, the caller must
//     keep the order (a key may only move between its neighbours' keys) and call
//     update_path() so that the augmented values of it and its ancestors are recomputed.
//
// Removing while iterating: like IntrusiveList, range-for reads the successor before
// the body runs, so the body may erase the element it is visiting, and nothing else.
//
// The tree is not thread-safe; the address-space lock guards the Vma tree.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "lib/assert.h"
#include "lib/intrusive_list.h"

class TreeNode {
public:
    TreeNode() = default;
    TreeNode(const TreeNode&) = delete;
    TreeNode& operator=(const TreeNode&) = delete;

    ~TreeNode() { ASSERT(!is_linked()); }

    bool is_linked() const { return m_height != 0; }

private:
    template<typename T, auto Member, typename Traits>
    friend class IntrusiveTree;

    TreeNode* m_parent { nullptr };
    TreeNode* m_left { nullptr };
    TreeNode* m_right { nullptr };
    // Height of the subtree rooted here (a leaf has 1); 0 means unlinked.
    int m_height { 0 };
};

template<typename T, auto Member, typename Traits>
class IntrusiveTree {
    static_assert(std::is_same_v<decltype(Member), TreeNode T::*>, "Member must be a TreeNode member of T");

public:
    using Key = std::remove_cvref_t<decltype(Traits::key(std::declval<const T&>()))>;

    static constexpr bool kHasUpdate3 = requires(T& node, T* child) { Traits::update(node, child, child); };
    static constexpr bool kHasUpdate1 = requires(T& node) { Traits::update(node); };
    static constexpr bool kHasUpdate = kHasUpdate3 || kHasUpdate1;
    // Whether update reports a change, so that retracing may stop early (see the top).
    static constexpr bool kUpdateReportsChange =
        requires(T& node, T* child) {
            { Traits::update(node, child, child) } -> std::same_as<bool>;
        } || requires(T& node) {
            { Traits::update(node) } -> std::same_as<bool>;
        };
    static constexpr bool kHasUpdateFromChild =
        kUpdateReportsChange && requires(T& node, T& child) {
            { Traits::update_from_child(node, child, true) } -> std::same_as<bool>;
        };
    static constexpr bool kHasConsistencyCheck = requires(const T& node) {
        { Traits::augmented_consistent(node) } -> std::convertible_to<bool>;
    };

    class Iterator {
    public:
        explicit Iterator(T* element)
            : m_element(element)
            , m_next(element ? IntrusiveTree::successor(*element) : nullptr)
        {
        }

        T& operator*() const { return *m_element; }
        T* operator->() const { return m_element; }

        Iterator& operator++()
        {
            // Use the successor remembered before the body ran: m_element may have
            // been erased in the meantime.
            m_element = m_next;
            m_next = m_element ? IntrusiveTree::successor(*m_element) : nullptr;
            return *this;
        }

        bool operator==(const Iterator& other) const { return m_element == other.m_element; }

    private:
        T* m_element;
        T* m_next;
    };

    IntrusiveTree() = default;
    IntrusiveTree(const IntrusiveTree&) = delete;
    IntrusiveTree& operator=(const IntrusiveTree&) = delete;
    ~IntrusiveTree() { clear(); }

    bool empty() const { return m_root == nullptr; }
    size_t size() const { return m_size; }

    // Navigation for custom descents (such as a gap search) and for Traits::update.
    // They return nullptr where there is no such node. They only read the element's
    // hook, so they are static and work on any tree of this type.
    T* root() const { return owner_or_null(m_root); }
    static T* left_of(const T& element) { return owner_or_null(hook(element)->m_left); }
    static T* right_of(const T& element) { return owner_or_null(hook(element)->m_right); }
    static T* parent_of(const T& element) { return owner_or_null(hook(element)->m_parent); }

    // Links element into the tree in key order. Returns false, and leaves both the
    // tree and element untouched, if an element with an equal key is already present.
    [[nodiscard]] bool insert(T& element)
    {
        TreeNode* node = hook(element);
        ASSERT(!node->is_linked());
        const Key key = Traits::key(element);

        TreeNode* parent = nullptr;
        TreeNode** link = &m_root;
        while (*link) {
            parent = *link;
            const Key& parent_key = Traits::key(*owner_of(parent));
            if (key < parent_key)
                link = &parent->m_left;
            else if (parent_key < key)
                link = &parent->m_right;
            else
                return false;
        }
        link_at(node, parent, link);
        return true;
    }

    // Links element as the left (or right) child of `parent`, which must have no child
    // there (parent nullptr: as the root of an empty tree), skipping the descent of
    // insert(). For callers whose own descent already ended at that empty link, such as
    // the gap search: the caller guarantees that element's key sorts there, i.e. between
    // parent's key and that of parent's in-order neighbour on that side.
    void insert_at(T& element, T* parent, bool as_left)
    {
        TreeNode* node = hook(element);
        ASSERT(!node->is_linked());
        TreeNode* parent_node = parent ? hook(*parent) : nullptr;
        TreeNode** link = &m_root;
        if (parent_node) {
            ASSERT(parent_node->is_linked());
            link = as_left ? &parent_node->m_left : &parent_node->m_right;
            ASSERT(as_left ? Traits::key(element) < Traits::key(*parent) : Traits::key(*parent) < Traits::key(element));
        }
        ASSERT(*link == nullptr);
        link_at(node, parent_node, link);
    }

    // Unlinks element, which must be in this tree.
    void erase(T& element)
    {
        TreeNode* node = hook(element);
        ASSERT(node->is_linked());
        ASSERT(m_size > 0);

        TreeNode* retrace_from;
        // The node that takes the erased one's place (the successor) carries stale values,
        // so an early stop must not happen below it.
        TreeNode* must_reach = nullptr;
        if (node->m_left && node->m_right) {
            // Two children: the successor (leftmost of the right subtree, which has no
            // left child) takes node's place, so only one link really disappears.
            TreeNode* successor = node->m_right;
            while (successor->m_left)
                successor = successor->m_left;

            if (successor->m_parent == node) {
                retrace_from = successor;
            } else {
                retrace_from = successor->m_parent;
                retrace_from->m_left = successor->m_right;
                if (successor->m_right)
                    successor->m_right->m_parent = retrace_from;
                successor->m_right = node->m_right;
                node->m_right->m_parent = successor;
            }
            successor->m_left = node->m_left;
            node->m_left->m_parent = successor;
            replace_child(node->m_parent, node, successor);
            successor->m_parent = node->m_parent;
            // Start from node's height so that retrace() can tell whether it changed.
            successor->m_height = node->m_height;
            must_reach = successor;
        } else {
            TreeNode* child = node->m_left ? node->m_left : node->m_right;
            if (child)
                child->m_parent = node->m_parent;
            replace_child(node->m_parent, node, child);
            retrace_from = node->m_parent;
        }

        node->m_parent = node->m_left = node->m_right = nullptr;
        node->m_height = 0;
        --m_size;
        retrace(retrace_from, must_reach);
    }

    // Recomputes the augmented values of element and all its ancestors, bottom-up (up to
    // the first one whose value comes out unchanged, if update reports changes). Call
    // after changing data that Traits::update reads without relinking.
    void update_path(T& element)
    {
        TreeNode* node = hook(element);
        run_update(node);  // Its own data changed: whatever update says, go on to the parent.
        for (node = node->m_parent; node; node = node->m_parent) {
            if (!run_update(node) && kUpdateReportsChange)
                return;
        }
    }

    // Returns the element whose key equals key, or nullptr.
    T* find(const Key& key) const
    {
        TreeNode* node = m_root;
        while (node) {
            const Key& node_key = Traits::key(*owner_of(node));
            if (key < node_key)
                node = node->m_left;
            else if (node_key < key)
                node = node->m_right;
            else
                return owner_of(node);
        }
        return nullptr;
    }

    // Returns the first element whose key is >= key, or nullptr.
    T* lower_bound(const Key& key) const
    {
        TreeNode* best = nullptr;
        for (TreeNode* node = m_root; node;) {
            if (Traits::key(*owner_of(node)) < key) {
                node = node->m_right;
            } else {
                best = node;
                node = node->m_left;
            }
        }
        return owner_or_null(best);
    }

    // Returns the first element whose key is > key, or nullptr.
    T* upper_bound(const Key& key) const
    {
        TreeNode* best = nullptr;
        for (TreeNode* node = m_root; node;) {
            if (key < Traits::key(*owner_of(node))) {
                best = node;
                node = node->m_left;
            } else {
                node = node->m_right;
            }
        }
        return owner_or_null(best);
    }

    // Returns the last element whose key is <= key (the "floor"), or nullptr. With
    // Vmas keyed by start, this is the only candidate for containing an address.
    T* find_le(const Key& key) const
    {
        TreeNode* best = nullptr;
        for (TreeNode* node = m_root; node;) {
            if (key < Traits::key(*owner_of(node))) {
                node = node->m_left;
            } else {
                best = node;
                node = node->m_right;
            }
        }
        return owner_or_null(best);
    }

    T* first() const { return owner_or_null(leftmost(m_root)); }
    T* last() const { return owner_or_null(rightmost(m_root)); }

    // In-order neighbours of an element in this tree, or nullptr at either end.
    T* next(const T& element) const { return successor(element); }
    T* prev(const T& element) const
    {
        const TreeNode* node = hook(element);
        ASSERT(node->is_linked());
        if (node->m_left)
            return owner_of(rightmost(node->m_left));
        while (node->m_parent && node->m_parent->m_left == node)
            node = node->m_parent;
        return owner_or_null(node->m_parent);
    }

    Iterator begin() const { return Iterator(first()); }
    Iterator end() const { return Iterator(nullptr); }

    // Unlinks every element without destroying any, in O(n) time and O(1) space.
    void clear()
    {
        TreeNode* node = m_root;
        // Post-order walk: descend to a leaf, unlink it, and continue from its parent,
        // whose link to it is cut first so that the parent eventually becomes a leaf.
        while (node) {
            if (node->m_left) {
                node = node->m_left;
            } else if (node->m_right) {
                node = node->m_right;
            } else {
                TreeNode* parent = node->m_parent;
                if (parent) {
                    if (parent->m_left == node)
                        parent->m_left = nullptr;
                    else
                        parent->m_right = nullptr;
                }
                node->m_parent = nullptr;
                node->m_height = 0;
                node = parent;
            }
        }
        m_root = nullptr;
        m_size = 0;
    }

    // Checks every invariant listed at the top of this file, including augmented
    // values when Traits can check them. For tests and debug builds; O(n).
    bool validate() const
    {
        if (m_root && m_root->m_parent)
            return false;
        size_t count = 0;
        if (check_subtree(m_root, count) < 0)
            return false;
        if (count != m_size)
            return false;
        // Strictly increasing keys in order.
        const T* previous = nullptr;
        for (const T* element = first(); element; element = successor(*element)) {
            if (previous && !(Traits::key(*previous) < Traits::key(*element)))
                return false;
            previous = element;
        }
        return true;
    }

private:
    static TreeNode* hook(const T& element) { return const_cast<TreeNode*>(&(element.*Member)); }
    static T* owner_of(TreeNode* node) { return detail::owner_of_member<T, TreeNode, Member>(node); }
    static T* owner_or_null(TreeNode* node) { return node ? owner_of(node) : nullptr; }
    static int height_of(const TreeNode* node) { return node ? node->m_height : 0; }
    static int balance_of(const TreeNode* node) { return height_of(node->m_left) - height_of(node->m_right); }

    static TreeNode* leftmost(TreeNode* node)
    {
        while (node && node->m_left)
            node = node->m_left;
        return node;
    }

    static TreeNode* rightmost(TreeNode* node)
    {
        while (node && node->m_right)
            node = node->m_right;
        return node;
    }

    static T* successor(const T& element)
    {
        const TreeNode* node = hook(element);
        ASSERT(node->is_linked());
        if (node->m_right)
            return owner_of(leftmost(node->m_right));
        while (node->m_parent && node->m_parent->m_right == node)
            node = node->m_parent;
        return owner_or_null(node->m_parent);
    }

    // Runs Traits::update on node; returns whether its value changed (always true when
    // update does not report it, always false when there is no update).
    static bool run_update(TreeNode* node)
    {
        if constexpr (kUpdateReportsChange) {
            if constexpr (kHasUpdate3)
                return Traits::update(*owner_of(node), owner_or_null(node->m_left), owner_or_null(node->m_right));
            else
                return Traits::update(*owner_of(node));
        } else {
            if constexpr (kHasUpdate3)
                Traits::update(*owner_of(node), owner_or_null(node->m_left), owner_or_null(node->m_right));
            else if constexpr (kHasUpdate1)
                Traits::update(*owner_of(node));
            return kHasUpdate;
        }
    }

    // The common tail of insert and insert_at: links node at *link under parent and
    // restores balance and augmentation above it.
    void link_at(TreeNode* node, TreeNode* parent, TreeNode** link)
    {
        node->m_parent = parent;
        node->m_left = nullptr;
        node->m_right = nullptr;
        node->m_height = 1;
        *link = node;
        ++m_size;
        run_update(node);
        retrace(parent);
    }

    // Recomputes a node's height and augmentation from its children.
    static void fix(TreeNode* node)
    {
        int left = height_of(node->m_left);
        int right = height_of(node->m_right);
        node->m_height = 1 + (left > right ? left : right);
        run_update(node);
    }

    void replace_child(TreeNode* parent, TreeNode* old_child, TreeNode* new_child)
    {
        if (!parent)
            m_root = new_child;
        else if (parent->m_left == old_child)
            parent->m_left = new_child;
        else
            parent->m_right = new_child;
    }

    // Lifts node's right child into node's place; node becomes its left child, and the
    // pivot's former left subtree becomes node's right subtree. In-order is unchanged:
    // (a node (b pivot c)) becomes ((a node b) pivot c).
    TreeNode* rotate_left(TreeNode* node)
    {
        TreeNode* pivot = node->m_right;
        node->m_right = pivot->m_left;
        if (pivot->m_left)
            pivot->m_left->m_parent = node;
        pivot->m_parent = node->m_parent;
        replace_child(node->m_parent, node, pivot);
        pivot->m_left = node;
        node->m_parent = pivot;
        fix(node);
        fix(pivot);
        return pivot;
    }

    // The mirror image of rotate_left.
    TreeNode* rotate_right(TreeNode* node)
    {
        TreeNode* pivot = node->m_left;
        node->m_left = pivot->m_right;
        if (pivot->m_right)
            pivot->m_right->m_parent = node;
        pivot->m_parent = node->m_parent;
        replace_child(node->m_parent, node, pivot);
        pivot->m_right = node;
        node->m_parent = pivot;
        fix(node);
        fix(pivot);
        return pivot;
    }

    // Restores height, balance and augmentation at node, whose children are valid
    // AVL trees of heights differing by at most two. Returns the subtree's new root.
    TreeNode* rebalance(TreeNode* node)
    {
        int balance = balance_of(node);
        if (balance > 1) {
            if (balance_of(node->m_left) < 0)
                rotate_left(node->m_left);
            return rotate_right(node);
        }
        if (balance < -1) {
            if (balance_of(node->m_right) > 0)
                rotate_right(node->m_right);
            return rotate_left(node);
        }
        fix(node);
        return node;
    }

    // Walks from node to the root, rebalancing and recomputing each subtree. It stops as
    // soon as a subtree comes out with its height unchanged, no rotation, and (with
    // augmentation) an unchanged augmented value reported by update, because nothing
    // above can then have changed; a void update walks to the root. Not below or at
    // must_reach, though (erase: the node moved into the erased one's place).
    void retrace(TreeNode* node, TreeNode* must_reach = nullptr)
    {
        while (node) {
            int old_height = node->m_height;
            TreeNode* left_child = node->m_left;
            TreeNode* right_child = node->m_right;
            int left = height_of(left_child);
            int right = height_of(right_child);
            int balance = left - right;
            if (balance > 1 || balance < -1) {
                if (node == must_reach)
                    must_reach = nullptr;          // The rotation recomputes it.
                node = rebalance(node)->m_parent;  // A rotation: the parent's child changed.
                continue;
            }
            node->m_height = 1 + (left > right ? left : right);
            bool changed = run_update(node);
            // Never stop at must_reach itself: its stored value was its own, not that of
            // the node whose place it took, so "unchanged" means nothing there.
            if (!changed && node->m_height == old_height && !must_reach)
                return;
            if (node == must_reach)
                must_reach = nullptr;
            if (node->m_height == old_height && kUpdateReportsChange) {
                // No height above can change now: only augmentation, one child a level.
                propagate_up(node, must_reach);
                return;
            }
            node = node->m_parent;
        }
    }

    // The rest of retrace() once heights are final: `node`'s augmented value changed, so
    // each ancestor is recomputed from the child it was reached from (update_from_child,
    // if Traits has it) up to the first that stays the same, but never stopping at or
    // below must_reach, which gets a full update (its other side is new to it).
    static void propagate_up(TreeNode* node, TreeNode* must_reach)
    {
        for (TreeNode* parent = node->m_parent; parent; node = parent, parent = parent->m_parent) {
            bool changed;
            if constexpr (kHasUpdateFromChild) {
                if (parent == must_reach)
                    changed = run_update(parent);
                else
                    changed = Traits::update_from_child(*owner_of(parent), *owner_of(node), parent->m_left == node);
            } else {
                changed = run_update(parent);
            }
            if (!changed && !must_reach)
                return;
            if (parent == must_reach)
                must_reach = nullptr;
        }
    }

    // Returns the height of the subtree, or -1 if any structural invariant fails.
    static int check_subtree(const TreeNode* node, size_t& count)
    {
        if (!node)
            return 0;
        ++count;
        if (node->m_left && node->m_left->m_parent != node)
            return -1;
        if (node->m_right && node->m_right->m_parent != node)
            return -1;
        int left = check_subtree(node->m_left, count);
        int right = check_subtree(node->m_right, count);
        if (left < 0 || right < 0 || left - right > 1 || right - left > 1)
            return -1;
        int height = 1 + (left > right ? left : right);
        if (node->m_height != height)
            return -1;
        if constexpr (kHasConsistencyCheck) {
            if (!Traits::augmented_consistent(*owner_of(const_cast<TreeNode*>(node))))
                return -1;
        }
        return height;
    }

    TreeNode* m_root { nullptr };
    size_t m_size { 0 };
};
