// Vma names and the tree's augmentation: see vma.h.
#include "mm/vma.h"

#include <algorithm>

const char* vma_kind_name(VmaKind kind) {
    switch (kind) {
    case VmaKind::Text: return "text";
    case VmaKind::Data: return "data";
    case VmaKind::Heap: return "heap";
    case VmaKind::Stack: return "stack";
    case VmaKind::Guard: return "guard";
    case VmaKind::Anonymous: return "anon";
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
