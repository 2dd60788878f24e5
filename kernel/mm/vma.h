// Vma: one contiguous, page-aligned range of a user address space with one protection and
// one backing object, and the ordered tree of them that an AddressSpace keeps.
//
//   AddressSpace::m_vmas (AVL, keyed by start)        user space
//                                                  0x3fffff0000 +--------------+
//                 [heap]                                         | Stack  RW-   | 8 MiB, lazy
//                /      \                                        +--------------+
//           [text]      [stack]                                  | Guard  ---   | 1 page
//              \          /                                      +--------------+
//             [data]  [guard]                                    |  (mmap gap)  |
//                                                                +--------------+
//                                                                | Heap   RW-   | sbrk moves end
//                                                                | Data   RW-   |
//                                                      0x10000   | Text   R-X   |
//                                                                +--------------+
//
// Invariants:
//   - start < end, both page-aligned, end <= kUserSpaceEnd; Vmas of one tree never overlap.
//   - Page `p` of the Vma (0-based) is index `page_offset + p` of `object` (a Guard Vma has
//     no object). Several Vmas may share an object after a clip; their index ranges never
//     overlap.
//   - Augmentation: subtree_min_start / subtree_max_end / subtree_max_gap describe the Vma's
//     subtree (the largest hole strictly between two Vmas of the subtree), so a free-range
//     search can skip whole subtrees (the mmap issue's find_free_range).
//
// Locking: a Vma and the tree are guarded by the owning AddressSpace's lock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/intrusive_tree.h"
#include "lib/ref_ptr.h"
#include "mm/vm_object.h"
#include "mm/vm_range.h"

enum class VmaKind : uint8_t {
    Text,
    Data,
    Heap,
    Stack,
    Guard,      // The unmapped page below the stack: never accessible, kept out of mmap's way.
    Anonymous,  // mmap(MAP_ANONYMOUS | MAP_PRIVATE), the mmap issue.
};

const char* vma_kind_name(VmaKind kind);

class Vma {
public:
    Vma(VirtRange range, Prot prot, VmaKind kind, RefPtr<VmObject> object, uint64_t page_offset)
        : m_range(range)
        , m_prot(prot)
        , m_kind(kind)
        , m_object(std::move(object))
        , m_page_offset(page_offset)
    {
    }

    uint64_t start() const { return m_range.start; }
    uint64_t end() const { return m_range.end; }
    const VirtRange& range() const { return m_range; }
    Prot prot() const { return m_prot; }
    VmaKind kind() const { return m_kind; }
    VmObject* object() const { return m_object.ptr(); }
    uint64_t page_offset() const { return m_page_offset; }

    // The object index that backs `vaddr` (which must lie in the Vma).
    uint64_t object_index(uint64_t vaddr) const { return m_page_offset + (vaddr - m_range.start) / vm::kPageSize; }

private:
    friend class AddressSpace;
    friend struct VmaTreeTraits;

    VirtRange m_range;
    Prot m_prot;
    VmaKind m_kind;
    RefPtr<VmObject> m_object;
    uint64_t m_page_offset;

public:
    // The hook of the AddressSpace's tree (public only so that VmaTree can name it).
    TreeNode m_tree_node;

private:
    uint64_t m_subtree_min_start { 0 };
    uint64_t m_subtree_max_end { 0 };
    uint64_t m_subtree_max_gap { 0 };
};

struct VmaTreeTraits {
    static uint64_t key(const Vma& vma) { return vma.m_range.start; }
    static void update(Vma& vma, Vma* left, Vma* right);
    static bool augmented_consistent(const Vma& vma);
};

using VmaTree = IntrusiveTree<Vma, &Vma::m_tree_node, VmaTreeTraits>;
