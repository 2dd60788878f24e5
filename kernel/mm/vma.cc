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

namespace {

struct Summary {
    uint64_t min_start;
    uint64_t max_end;
    uint64_t max_gap;
};

// What the augmentation of `vma` must be, given its children's (already correct) values.
// A subtree covers a contiguous run of Vmas in address order, so the largest hole inside
// it is the largest of its children's holes and the two holes next to the node itself.
Summary summarize(const Vma& vma, const Vma* left, const Vma* right, uint64_t (*min_start)(const Vma&),
                  uint64_t (*max_end)(const Vma&), uint64_t (*max_gap)(const Vma&)) {
    Summary summary { vma.start(), vma.end(), 0 };
    if (left) {
        summary.min_start = min_start(*left);
        uint64_t gap = vma.start() - max_end(*left);
        summary.max_gap = std::max(max_gap(*left), gap);
    }
    if (right) {
        summary.max_end = max_end(*right);
        uint64_t gap = min_start(*right) - vma.end();
        summary.max_gap = std::max({ summary.max_gap, max_gap(*right), gap });
    }
    return summary;
}

}  // namespace

void VmaTreeTraits::update(Vma& vma, Vma* left, Vma* right) {
    Summary summary = summarize(
        vma, left, right, [](const Vma& v) { return v.m_subtree_min_start; },
        [](const Vma& v) { return v.m_subtree_max_end; }, [](const Vma& v) { return v.m_subtree_max_gap; });
    vma.m_subtree_min_start = summary.min_start;
    vma.m_subtree_max_end = summary.max_end;
    vma.m_subtree_max_gap = summary.max_gap;
}

bool VmaTreeTraits::augmented_consistent(const Vma& vma) {
    const Vma* left = VmaTree::left_of(vma);
    const Vma* right = VmaTree::right_of(vma);
    Summary summary = summarize(
        vma, left, right, [](const Vma& v) { return v.m_subtree_min_start; },
        [](const Vma& v) { return v.m_subtree_max_end; }, [](const Vma& v) { return v.m_subtree_max_gap; });
    return summary.min_start == vma.m_subtree_min_start && summary.max_end == vma.m_subtree_max_end &&
           summary.max_gap == vma.m_subtree_max_gap;
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
    if (tree.size() >= max_count)
        return Error::from_errno(ENOMEM);
    auto* upper = new (std::nothrow)
        Vma({ address, vma->end() }, vma->prot(), vma->kind(), vma->m_object, vma->object_index(address),
            vma->max_prot(), vma->m_overlay, vma->m_space);
    if (!upper)
        return Error::from_errno(ENOMEM);
    // Shrinking the lower half first keeps the tree ordered and free of overlaps at every
    // step; its ancestors' augmentation is recomputed before the upper half goes in.
    vma->m_range.end = address;
    tree.update_path(*vma);
    bool inserted = tree.insert(*upper);
    ASSERT(inserted);
    return upper;
}

namespace {

// The highest fit in the subtree rooted at `node`, which sits in [lo, hi): lo is the end of
// the Vma just before the subtree (0 if none), hi the start of the one just after it
// (kUserSpaceEnd if none). The free space of the subtree is therefore its two edge holes,
// [lo, min_start) and [max_end, hi), and the holes inside it, of which max_gap is the
// largest; if none of them can hold `size`, the subtree is skipped without a visit.
std::optional<uint64_t> search_top_down(const Vma* node, uint64_t lo, uint64_t hi, uint64_t size,
                                        VirtRange window) {
    uint64_t low = std::max(lo, window.start);
    uint64_t high = std::min(hi, window.end);
    if (low >= high || high - low < size)
        return std::nullopt;
    if (!node)
        return high - size;  // [lo, hi) is one hole: take its top.
    bool edge_fits = node->subtree_min_start() - lo >= size || hi - node->subtree_max_end() >= size;
    if (!edge_fits && node->subtree_max_gap() < size)
        return std::nullopt;
    if (auto found = search_top_down(VmaTree::right_of(*node), node->end(), hi, size, window))
        return found;
    return search_top_down(VmaTree::left_of(*node), lo, node->start(), size, window);
}

}  // namespace

std::optional<uint64_t> VmaTreeOps::find_free_range(const VmaTree& tree, uint64_t size, VirtRange window) {
    if (size == 0 || window.empty())
        return std::nullopt;
    return search_top_down(tree.root(), 0, vm::kUserSpaceEnd, size, window);
}
