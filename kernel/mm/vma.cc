// Vma names, the tree's augmentation and the tree operations (clip, gap search): see vma.h.
#include "mm/vma.h"

#include <algorithm>
#include <new>

#include "lib/assert.h"

const char* vma_kind_name(VmaKind kind) {
    switch (kind) {
    case VmaKind::Text: return "text";
    case VmaKind::Data: return "data";
    case VmaKind::Heap: return "heap";
    case VmaKind::Stack: return "stack";
    case VmaKind::Guard: return "guard";
    case VmaKind::Anonymous: return "anon";
    case VmaKind::File: return "file";
    }
    return "?";
}

bool VmaTreeTraits::augmented_consistent(const Vma& vma) {
    // Recompute into a copy of the values and compare.
    Vma* left = VmaTree::left_of(vma);
    Vma* right = VmaTree::right_of(vma);
    struct Saved {
        uint64_t min_start, max_end, max_gap, left_gap, right_gap;
    } saved { vma.m_subtree_min_start, vma.m_subtree_max_end, vma.m_subtree_max_gap, vma.m_left_gap,
              vma.m_right_gap };
    Vma& mutable_vma = const_cast<Vma&>(vma);
    bool changed = update(mutable_vma, left, right);
    // The halves kept for update_from_child must match too.
    bool halves_match = mutable_vma.m_left_gap == saved.left_gap && mutable_vma.m_right_gap == saved.right_gap;
    mutable_vma.m_subtree_min_start = saved.min_start;
    mutable_vma.m_subtree_max_end = saved.max_end;
    mutable_vma.m_subtree_max_gap = saved.max_gap;
    mutable_vma.m_left_gap = saved.left_gap;
    mutable_vma.m_right_gap = saved.right_gap;
    return !changed && halves_match;
}

Vma* VmaTreeOps::find(const VmaTree& tree, uint64_t address) {
    Vma* vma = tree.find_le(address);
    if (vma && vma->range().contains(address))
        return vma;
    return nullptr;
}

Vma* VmaTreeOps::first_ending_above(const VmaTree& tree, uint64_t address) {
    if (Vma* vma = find(tree, address))
        return vma;
    // No Vma contains `address`, so the next one up is the first that starts above it.
    return tree.lower_bound(address);
}

bool VmaTreeOps::overlaps(const VmaTree& tree, VirtRange range) {
    Vma* vma = first_ending_above(tree, range.start);
    return vma && vma->start() < range.end;
}

bool VmaTreeOps::covers(const VmaTree& tree, VirtRange range) {
    uint64_t cursor = range.start;
    Vma* vma = find(tree, cursor);
    while (cursor < range.end) {
        if (!vma || vma->start() > cursor)
            return false;
        cursor = vma->end();
        vma = tree.next(*vma);
    }
    return true;
}

ErrorOr<Vma*> VmaTreeOps::clip_at(VmaTree& tree, uint64_t address, size_t max_count) {
    Vma* vma = find(tree, address);
    if (!vma || vma->start() == address)
        return nullptr;
    Vma* upper = split(tree, *vma, address, max_count);
    if (!upper)
        return Error::from_errno(ENOMEM);
    return upper;
}

Vma* VmaTreeOps::split(VmaTree& tree, Vma& lower, uint64_t address, size_t max_count, void* storage) {
    Vma* vma = &lower;
    ASSERT(vma->start() < address && address < vma->end());
    if (tree.size() >= max_count)
        return nullptr;
    void* memory = storage ? storage : ::operator new(sizeof(Vma), std::nothrow);
    if (!memory)
        return nullptr;
    auto* upper = new (memory) Vma({ address, vma->end() }, vma->prot(), vma->kind(), vma->m_object,
                                   vma->object_index(address), vma->max_prot(), vma->m_space);
    upper->m_had_writable_pte = vma->m_had_writable_pte;
    // Shrinking the lower half first keeps the tree ordered and free of overlaps at every
    // step. The upper half is the lower's successor: it links at the empty left link of the
    // leftmost Vma of the lower's right subtree, or as its right child, with no descent.
    // Either way the insert's walk up passes through the lower half (every subtree on the
    // way gets a lower start, or a rotation recomputes it) and recomputes it with its new
    // end; above it nothing changes (the same pages, no hole between the halves).
    vma->m_range.end = address;
    Vma* parent = VmaTree::right_of(*vma);
    if (!parent) {
        tree.insert_at(*upper, vma, false);
    } else {
        while (Vma* left = VmaTree::left_of(*parent))
            parent = left;
        tree.insert_at(*upper, parent, true);
    }
    return upper;
}

void* VmaTreeOps::merge_next(VmaTree& tree, Vma& lower, Vma& upper, bool keep_storage) {
    ASSERT(lower.m_range.end == upper.m_range.start);
    // The lower one grows over the upper one, which is unlinked: a reverse-map walker may
    // meanwhile see both (upper is still on the object's list) and finds a page of upper's
    // range through either, at the same address. If upper is the leftmost Vma of lower's right
    // subtree, the erase's walk up passes through lower (every subtree on the way loses
    // its lowest start) and recomputes it with its new end, and nothing above it changes
    // (the same pages, no hole between the two); else upper is an ancestor, and lower's
    // path is recomputed after.
    bool upper_below = VmaTree::right_of(lower) != nullptr;
    lower.m_range.end = upper.m_range.end;
    tree.erase(upper);
    if (!upper_below)
        tree.update_path(lower);
    lower.m_had_writable_pte |= upper.m_had_writable_pte;
    if (lower.m_object)
        lower.m_object->mappings_merged(lower, upper);
    upper.~Vma();
    if (keep_storage)
        return &upper;
    ::operator delete(&upper);
    return nullptr;
}

void VmaTreeOps::move_boundary(VmaTree& tree, Vma& lower, Vma& upper, uint64_t address) {
    ASSERT(lower.m_range.end == upper.m_range.start && lower.m_object.ptr() == upper.m_object.ptr());
    ASSERT(lower.m_range.start < address && address < upper.m_range.end);
    // Upper's key moves but stays between lower's and its successor's, so the order holds
    // without relinking.
    upper.m_page_offset = lower.m_page_offset + (address - lower.m_range.start) / vm::kPageSize;
    upper.m_range.start = address;
    lower.m_range.end = address;
    // The augmentation: two neighbours in the tree are ancestor and descendant, and only
    // the subtrees holding one of the two but not the other see a change, those rooted on
    // the way from the descendant up to (not including) the ancestor; the ancestor's
    // subtree holds both, with no hole between them, before and after. Those subtrees
    // see their edge move and nothing else: no hole inside them or beside the descendant
    // changes. If lower has a right subtree, upper is its leftmost Vma, and each subtree
    // on the way up from upper starts at upper; else upper is the ancestor reached by
    // the first step up from a left child, and each subtree on the way ends at lower.
    // (tree.update_path would recompute the same, a full update a level.)
    (void)tree;
    if (VmaTree::right_of(lower)) {
        for (Vma* node = &upper; node != &lower; node = VmaTree::parent_of(*node))
            node->m_subtree_min_start = address;
    } else {
        for (Vma* node = &lower; node != &upper; node = VmaTree::parent_of(*node))
            node->m_subtree_max_end = address;
    }
}

namespace {

// A subtree still to search: `node` (possibly null) hangs from `parent` on the `as_left`
// side and sits in [lo, hi): lo is the end of the Vma just before it (0 if none), hi the
// start of the one just after it (kUserSpaceEnd if none).
struct Pending {
    const Vma* node;
    const Vma* parent;
    bool as_left;
    uint64_t lo;
    uint64_t hi;
};

// Deeper than any AVL tree of kMaxVmaCount-many Vmas can be (1.44 log2 n < 30).
constexpr int kMaxSearchDepth = 64;

}  // namespace

std::optional<VmaTreeOps::FreeSlot> VmaTreeOps::find_free_slot(const VmaTree& tree, uint64_t size, VirtRange window) {
    if (size == 0 || window.empty())
        return std::nullopt;
    // Depth first, right before left: the left halves met on the way down wait on a stack.
    // A subtree's free space is its two edge holes, [lo, min_start) and [max_end, hi), and
    // the holes inside it, of which max_gap is the largest. The edge holes are clipped to
    // the window (a hole outside it is no use), and a subtree none of whose holes can hold
    // `size` is skipped without a visit. A null node is one hole, [lo, hi): the answer is
    // its top, and the empty link it stands for is where a Vma there goes.
    auto may_fit = [size, window](const Vma* node, uint64_t lo, uint64_t hi) {
        uint64_t low = lo > window.start ? lo : window.start;
        uint64_t high = hi < window.end ? hi : window.end;
        if (low >= high || high - low < size)
            return false;
        if (!node || node->subtree_max_gap() >= size)
            return true;
        // Only the edge holes can hold it: [low, min_start) and [max_end, high).
        uint64_t below = node->subtree_min_start();
        uint64_t above = node->subtree_max_end();
        return (below > low && below - low >= size) || (high > above && high - above >= size);
    };
    // The right child's subtree, in [node.end, hi), has the same upper edge hole as node's
    // own subtree, and node keeps the largest of its other holes (m_right_gap): when that
    // is too small, only the upper edge is left to try, without reading the child at all.
    // (The usual case of a top-down mmap: the space above is full.)
    auto right_may_fit = [size, window, &may_fit](const Vma* node, uint64_t hi) {
        const Vma* right = VmaTree::right_of(*node);
        if (!right || node->m_right_gap >= size)
            return may_fit(right, node->end(), hi);
        uint64_t high = hi < window.end ? hi : window.end;
        uint64_t above = node->subtree_max_end();
        uint64_t low = above > window.start ? above : window.start;
        return high > low && high - low >= size;
    };
    Pending stack[kMaxSearchDepth];
    int depth = 0;
    const Vma* node = tree.root();
    const Vma* parent = nullptr;
    bool as_left = false;
    uint64_t lo = 0;
    uint64_t hi = vm::kUserSpaceEnd;
    if (!may_fit(node, lo, hi))
        return std::nullopt;
    for (;;) {
        // Here [lo, hi) around `node` may hold a fit.
        if (!node) {
            uint64_t high = hi < window.end ? hi : window.end;
            return FreeSlot { high - size, const_cast<Vma*>(parent), as_left };
        }
        const Vma* left = VmaTree::left_of(*node);
        if (right_may_fit(node, hi)) {
            if (may_fit(left, lo, node->start())) {
                ASSERT(depth < kMaxSearchDepth);
                stack[depth++] = Pending { left, node, true, lo, node->start() };
            }
            parent = node;
            as_left = false;
            lo = node->end();
            node = VmaTree::right_of(*node);
        } else if (may_fit(left, lo, node->start())) {
            parent = node;
            as_left = true;
            hi = node->start();
            node = left;
        } else if (depth > 0) {
            const Pending& next = stack[--depth];
            node = next.node;
            parent = next.parent;
            as_left = next.as_left;
            lo = next.lo;
            hi = next.hi;
        } else {
            return std::nullopt;
        }
    }
}

std::optional<uint64_t> VmaTreeOps::find_free_range(const VmaTree& tree, uint64_t size, VirtRange window) {
    auto slot = find_free_slot(tree, size, window);
    if (!slot)
        return std::nullopt;
    return slot->start;
}
