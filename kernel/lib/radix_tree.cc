// The engine of RadixTree<T>; see radix_tree.h for the shape and the invariants.
#include "lib/radix_tree.h"

#include <bit>
#include <new>
#include <utility>

#include "lib/assert.h"

namespace {

constexpr unsigned kBitsPerLevel = 6;
constexpr uint64_t kSlotMask = (1u << kBitsPerLevel) - 1;
// Eleven levels of six bits cover all 64 bits of an index.
constexpr unsigned kMaxHeight = (64 + kBitsPerLevel - 1) / kBitsPerLevel;

unsigned slot_of(uint64_t index, unsigned level)
{
    return static_cast<unsigned>((index >> (level * kBitsPerLevel)) & kSlotMask);
}

// The smallest height whose tree can hold index.
unsigned height_for(uint64_t index)
{
    unsigned height = 1;
    while (height < kMaxHeight && (index >> (height * kBitsPerLevel)) != 0)
        ++height;
    return height;
}

bool fits(uint64_t index, unsigned height)
{
    return height != 0 && height_for(index) <= height;
}

} // namespace

RadixTreeBase::RadixTreeBase(RadixTreeBase&& other)
    : m_root(std::exchange(other.m_root, nullptr))
    , m_height(std::exchange(other.m_height, 0))
    , m_size(std::exchange(other.m_size, 0))
    , m_node_count(std::exchange(other.m_node_count, 0))
{
}

RadixTreeBase& RadixTreeBase::operator=(RadixTreeBase&& other)
{
    if (this != &other) {
        clear();
        m_root = std::exchange(other.m_root, nullptr);
        m_height = std::exchange(other.m_height, 0);
        m_size = std::exchange(other.m_size, 0);
        m_node_count = std::exchange(other.m_node_count, 0);
    }
    return *this;
}

RadixTreeBase::Node* RadixTreeBase::allocate_node()
{
    Node* node = new (std::nothrow) Node;
    if (node)
        ++m_node_count;
    return node;
}

RadixTreeBase::Node* RadixTreeBase::allocate_node_copy(const Node& source)
{
    Node* node = new (std::nothrow) Node(source);
    if (node)
        ++m_node_count;
    return node;
}

void RadixTreeBase::free_node(Node* node)
{
    ASSERT(m_node_count > 0);
    --m_node_count;
    delete node;
}

void RadixTreeBase::free_subtree(Node* node, unsigned level)
{
    if (level > 0) {
        for (uint64_t present = node->present; present; present &= present - 1)
            free_subtree(static_cast<Node*>(node->slots[std::countr_zero(present)]), level - 1);
    }
    free_node(node);
}

void RadixTreeBase::clear()
{
    if (m_root)
        free_subtree(m_root, m_height - 1);
    m_root = nullptr;
    m_height = 0;
    m_size = 0;
}

ErrorOr<void> RadixTreeBase::insert_slot_slow(uint64_t index, void* value)
{
    ASSERT(value);
    unsigned needed = height_for(index);

    if (!m_root) {
        m_root = allocate_node();
        if (!m_root)
            return Error::from_errno(ENOMEM);
        m_height = needed;
    }

    // Grow by pushing the old root down into slot 0 of a new root; everything already
    // present has a zero in the new top six bits.
    while (m_height < needed) {
        Node* new_root = allocate_node();
        if (!new_root) {
            shrink();
            return Error::from_errno(ENOMEM);
        }
        new_root->slots[0] = m_root;
        new_root->present = 1;
        m_root = new_root;
        ++m_height;
    }

    Node* node = m_root;
    for (unsigned level = m_height - 1; level > 0; --level) {
        unsigned slot = slot_of(index, level);
        if (!node->slots[slot]) {
            Node* child = allocate_node();
            if (!child) {
                release_empty_nodes_on_path(index);
                shrink();
                return Error::from_errno(ENOMEM);
            }
            node->slots[slot] = child;
            node->present |= uint64_t(1) << slot;
        }
        node = static_cast<Node*>(node->slots[slot]);
    }

    unsigned slot = slot_of(index, 0);
    if (node->slots[slot]) {
        // The slot was occupied, so its whole path already existed: nothing to undo.
        return Error::from_errno(EEXIST);
    }
    node->slots[slot] = value;
    node->present |= uint64_t(1) << slot;
    ++m_size;
    return {};
}

size_t RadixTreeBase::lookup_range_slots(uint64_t first, size_t count, void** out) const
{
    ASSERT(count == 0 || count - 1 <= UINT64_MAX - first);
    size_t found = 0;
    size_t done = 0;
    while (done < count) {
        uint64_t index = first + done;
        unsigned slot = slot_of(index, 0);
        // The part of the range in this index's leaf.
        size_t run = count - done < kFanout - slot ? count - done : kFanout - slot;
        const Node* leaf = leaf_for(index);
        for (size_t i = 0; i < run; ++i) {
            void* value = leaf ? leaf->slots[slot + i] : nullptr;
            out[done + i] = value;
            found += value != nullptr;
        }
        done += run;
    }
    return found;
}

void* RadixTreeBase::erase_slot(uint64_t index)
{
    Node* leaf = leaf_for(index);
    if (!leaf)
        return nullptr;
    unsigned slot = slot_of(index, 0);
    void* value = leaf->slots[slot];
    if (!value)
        return nullptr;
    leaf->slots[slot] = nullptr;
    leaf->present &= ~(uint64_t(1) << slot);
    --m_size;
    release_empty_nodes_on_path(index);
    shrink();
    return value;
}

// Frees the nodes on index's path that have become empty, deepest first, clearing
// each one's slot in its parent; that may empty the parent in turn.
void RadixTreeBase::release_empty_nodes_on_path(uint64_t index)
{
    if (!m_root)
        return;
    Node* path[kMaxHeight];
    unsigned depth = 0;
    Node* node = m_root;
    for (unsigned level = m_height - 1;; --level) {
        path[depth++] = node;
        if (level == 0)
            break;
        node = static_cast<Node*>(node->slots[slot_of(index, level)]);
        if (!node)
            break;
    }

    // path[i] sits at level m_height - 1 - i.
    while (depth > 0 && path[depth - 1]->present == 0) {
        --depth;
        free_node(path[depth]);
        if (depth == 0) {
            m_root = nullptr;
            m_height = 0;
            return;
        }
        unsigned parent_level = m_height - depth;
        unsigned slot = slot_of(index, parent_level);
        path[depth - 1]->slots[slot] = nullptr;
        path[depth - 1]->present &= ~(uint64_t(1) << slot);
    }
}

// Drops root levels whose only child is slot 0, restoring the minimal height.
void RadixTreeBase::shrink()
{
    if (m_root && m_root->present == 0) {
        free_node(m_root);
        m_root = nullptr;
        m_height = 0;
        return;
    }
    while (m_height > 1 && m_root->present == 1) {
        Node* child = static_cast<Node*>(m_root->slots[0]);
        free_node(m_root);
        m_root = child;
        --m_height;
    }
}

// Searches the subtree of node (at level, covering indices from base) for the first
// entry at or after index. Children are never empty, so only the child containing
// index can come back empty-handed; the next present child always has an entry.
std::optional<RadixTreeBase::SlotEntry> RadixTreeBase::find_next_in(const Node* node, unsigned level,
                                                                    uint64_t base, uint64_t index)
{
    unsigned start = index <= base ? 0 : slot_of(index, level);
    for (uint64_t present = node->present & (~uint64_t(0) << start); present; present &= present - 1) {
        unsigned slot = std::countr_zero(present);
        uint64_t child_base = base + (uint64_t(slot) << (level * kBitsPerLevel));
        if (level == 0)
            return SlotEntry { child_base, node->slots[slot] };
        auto found = find_next_in(static_cast<const Node*>(node->slots[slot]), level - 1, child_base,
                                  slot == start ? index : child_base);
        if (found)
            return found;
    }
    return std::nullopt;
}

std::optional<RadixTreeBase::SlotEntry> RadixTreeBase::find_next_slot(uint64_t index) const
{
    if (!fits(index, m_height))
        return std::nullopt;
    return find_next_in(m_root, m_height - 1, 0, index);
}

// Copies the part of `source` (a node at `level`) that lies in [first, last]. first_inside
// says that `first` falls within this node's span (else the span starts after it), and
// last_inside the same for `last`; only then do they pick the first or last slot to copy.
// Returns the copy, or null when the range holds nothing here (no node is made for an
// empty part, so every node of the copy has a non-null slot) or when an allocation failed
// (out_of_memory is then set and nothing of this subtree is left allocated). Adds the
// values copied to m_size.
RadixTreeBase::Node* RadixTreeBase::clone_subtree(const Node* source, unsigned level, uint64_t first, uint64_t last,
                                                  bool first_inside, bool last_inside, bool& out_of_memory)
{
    unsigned low = first_inside ? slot_of(first, level) : 0;
    unsigned high = last_inside ? slot_of(last, level) : kFanout - 1;
    uint64_t wanted = (~uint64_t(0) << low) & (~uint64_t(0) >> (kFanout - 1 - high));
    uint64_t present = source->present & wanted;
    if (present == 0)
        return nullptr;

    if (level == 0) {
        // The whole leaf (the common case) is copied as it stands; only a leaf cut by an
        // end of the range is built slot by slot.
        bool whole = present == source->present;
        Node* node = whole ? allocate_node_copy(*source) : allocate_node();
        if (!node) {
            out_of_memory = true;
            return nullptr;
        }
        if (!whole) {
            for (uint64_t bits = present; bits; bits &= bits - 1) {
                unsigned slot = std::countr_zero(bits);
                node->slots[slot] = source->slots[slot];
            }
            node->present = present;
        }
        m_size += std::popcount(present);
        return node;
    }

    Node* node = nullptr;
    for (uint64_t bits = present; bits; bits &= bits - 1) {
        unsigned slot = std::countr_zero(bits);
        Node* child = clone_subtree(static_cast<const Node*>(source->slots[slot]), level - 1, first, last,
                                    first_inside && slot == low, last_inside && slot == high, out_of_memory);
        if (!child && !out_of_memory)
            continue;
        if (child && !node) {
            node = allocate_node();
            if (!node) {
                free_subtree(child, level - 1);
                out_of_memory = true;
            }
        }
        if (out_of_memory) {
            if (node)
                free_subtree(node, level);
            return nullptr;
        }
        node->slots[slot] = child;
        node->present |= uint64_t(1) << slot;
    }
    return node;
}

ErrorOr<void> RadixTreeBase::clone_range_from(const RadixTreeBase& source, uint64_t first, uint64_t count)
{
    ASSERT(!m_root && m_size == 0 && m_node_count == 0);
    if (count == 0 || !source.m_root || !fits(first, source.m_height))
        return {};
    uint64_t last = count - 1 > UINT64_MAX - first ? UINT64_MAX : first + (count - 1);
    bool out_of_memory = false;
    Node* root = clone_subtree(source.m_root, source.m_height - 1, first, last, true, fits(last, source.m_height),
                               out_of_memory);
    if (out_of_memory) {
        ASSERT(!root && m_node_count == 0);
        m_size = 0;
        return Error::from_errno(ENOMEM);
    }
    if (!root)
        return {};
    m_root = root;
    m_height = source.m_height;
    // The range may have left out everything above slot 0 of the top levels.
    shrink();
    return {};
}

void RadixTreeBase::visit_leaves_in(const Node* node, unsigned level, LeafVisitor visit, void* context)
{
    if (level == 0) {
        visit(context, node->slots, node->present);
        return;
    }
    for (uint64_t present = node->present; present; present &= present - 1)
        visit_leaves_in(static_cast<const Node*>(node->slots[std::countr_zero(present)]), level - 1, visit, context);
}

void RadixTreeBase::visit_leaves(LeafVisitor visit, void* context) const
{
    if (m_root)
        visit_leaves_in(m_root, m_height - 1, visit, context);
}
