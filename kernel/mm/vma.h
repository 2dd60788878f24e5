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
//   - Page `p` of the Vma (0-based) is index `page_offset + p` of `object`. Several Vmas
//     may share an object after a clip; their index ranges never overlap.
//   - A Guard Vma never has an object. A private anonymous Vma (text, data, heap, stack,
//     MAP_PRIVATE|MAP_ANONYMOUS) gets its AnonObject lazily, on its first fault
//     (awaits_object()): until then it has no object, no frame and no PTE, so mmap and
//     munmap of a page never touched allocate and free no object. A lazy Vma clipped in
//     two gives two lazy halves, each of which makes its own object when first touched
//     (two still both lazy may merge again: can_merge_as).
//     Shared and file Vmas get their object when they are made.
//   - A Vma over a file (its object has a file(): it is on the file's reverse map) never
//     changes start or page_offset; its end only shrinks (clip) or grows over the Vma it
//     merges with (merge_next), which stays on the reverse map until the grown one covers
//     its pages. So a reverse-map walker that reads them under the object's lock alone
//     (mm/file_object.h) computes the right address for any page it still maps. Other
//     Vmas are read under the address space's lock only: mprotect may move the boundary
//     between two of them (move_boundary), and the heap's end moves with the break.
//   - Two Vmas that can_merge() are normally one: mprotect merges what it changed with
//     its neighbours. (munmap, mmap and sbrk do not merge, so others may remain.)
//   - A File Vma's object is the inode's FileObject (MAP_SHARED) or a PrivateFileObject
//     over it (MAP_PRIVATE, mm/private_file_object.h: the mapping's private copies, and
//     the file's pages elsewhere). Either way the Vma is on the FileObject's reverse map.
//   - Augmentation: subtree_min_start / subtree_max_end / subtree_max_gap describe the Vma's
//     subtree (the largest hole strictly between two Vmas of the subtree), so a free-range
//     search can skip whole subtrees (find_free_range below). The Vma also keeps the two
//     halves of its max_gap: the largest hole on its left side (inside the left subtree,
//     or between it and the Vma) and on its right side, so that when only one child has
//     changed (the walk up after an insert or erase) the other side is not read again.
//
// The tree operations at the end of this header (clip, overlap and coverage tests, the gap
// search) are pure arithmetic over the tree: no page tables, no frames. They are compiled
// on the host too and checked against a page-by-page model in
// tests/host/vm_mapping_model_test.cc; AddressSpace builds mmap, munmap and mprotect on them.
//
// Locking: a Vma and the tree are guarded by the owning AddressSpace's lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "lib/assert.h"
#include "lib/error_or.h"
#include "lib/intrusive_list.h"
#include "lib/intrusive_tree.h"
#include "lib/ref_ptr.h"
#include "mm/vm_object.h"
#include "mm/vm_range.h"

class AddressSpace;

enum class VmaKind : uint8_t {
    Text,
    Data,
    Heap,
    Stack,
    Guard,      // The unmapped page below the stack: never accessible, kept out of mmap's way.
    Anonymous,  // mmap(MAP_ANONYMOUS), private or shared: the object says which.
    File,       // mmap of a regular file: the object is the inode's FileObject (MAP_SHARED)
                // or a PrivateFileObject over it (MAP_PRIVATE).
};

const char* vma_kind_name(VmaKind kind);

class Vma {
public:
    Vma(VirtRange range, Prot prot, VmaKind kind, RefPtr<VmObject> object, uint64_t page_offset,
        Prot max_prot = Prot::Read | Prot::Write | Prot::Exec, AddressSpace* space = nullptr)
        : m_range(range)
        , m_prot(prot)
        , m_max_prot(max_prot)
        , m_kind(kind)
        , m_object(std::move(object))
        , m_page_offset(page_offset)
        , m_space(space)
    {
        if (m_object)
            m_object->mapping_added(*this);
    }

    ~Vma()
    {
        if (m_object)
            m_object->mapping_removed(*this);
    }

    Vma(const Vma&) = delete;
    Vma& operator=(const Vma&) = delete;

    uint64_t start() const { return m_range.start; }
    uint64_t end() const { return m_range.end; }
    const VirtRange& range() const { return m_range; }
    Prot prot() const { return m_prot; }
    // The most mprotect may grant: a MAP_SHARED file mapping of a descriptor opened
    // without write access never gets PROT_WRITE (EACCES); everything else (MAP_PRIVATE
    // file mappings included: their stores never reach the file) may have all.
    Prot max_prot() const { return m_max_prot; }
    VmaKind kind() const { return m_kind; }
    VmObject* object() const { return m_object.ptr(); }
    // A private anonymous Vma whose object is not made yet (see the header comment): it
    // reads as zeros, and its first fault attaches a new AnonObject (attach_object).
    bool awaits_object() const { return !m_object && m_kind != VmaKind::Guard; }
    uint64_t page_offset() const { return m_page_offset; }
    // The address space whose tree holds the Vma (nullptr in host tests). Fixed for life.
    AddressSpace* space() const { return m_space; }

    // Truncation's progress through the reverse map (FileObject::truncate): the number of
    // the file's last truncation that has dealt with this Vma's private copies. Guarded
    // by the FileObject's lock, not the address space's.
    uint64_t truncation_mark() const { return m_truncation_mark; }
    void set_truncation_mark(uint64_t mark) { m_truncation_mark = mark; }

    // The object index that backs `vaddr` (which must lie in the Vma).
    uint64_t object_index(uint64_t vaddr) const { return m_page_offset + (vaddr - m_range.start) / vm::kPageSize; }

    // mprotect: the protection is not part of the tree's key or augmentation, so it may
    // change in place (the caller clips first so that the whole Vma takes the new value,
    // and merges after).
    void set_prot(Prot prot) { m_prot = prot; }

    // Whether a PTE of the Vma (or of its original, for the halves of a clip) was ever
    // made writable: for a MAP_SHARED file mapping, only a write fault does that
    // (file_write_fault in mm/fault.cc calls note_writable_pte), so only then can a store
    // through the Vma have dirtied a page. munmap and exit write back such a mapping only
    // if so (AddressSpace::remove_vma_locked), so that unmapping a view of a file that
    // was only read does not scan the file's pages under its lock. Guarded by the address
    // space's lock, like the rest of the Vma.
    bool had_writable_pte() const { return m_had_writable_pte; }
    void note_writable_pte() { m_had_writable_pte = true; }

    // The first fault of a Vma that awaits_object(): gives it its (private) object.
    void attach_object(RefPtr<VmObject> object)
    {
        ASSERT(awaits_object() && object);
        m_object = std::move(object);
        m_object->mapping_added(*this);
    }

    // The augmentation (see the header comment), for descents and checks.
    uint64_t subtree_min_start() const { return m_subtree_min_start; }
    uint64_t subtree_max_end() const { return m_subtree_max_end; }
    uint64_t subtree_max_gap() const { return m_subtree_max_gap; }

private:
    friend class AddressSpace;
    friend struct VmaTreeTraits;
    friend struct VmaTreeOps;

    VirtRange m_range;
    Prot m_prot;
    Prot m_max_prot;
    VmaKind m_kind;
    bool m_had_writable_pte { false };
    RefPtr<VmObject> m_object;
    uint64_t m_page_offset;
    AddressSpace* m_space;
    uint64_t m_truncation_mark { 0 };

public:
    // The hook of the AddressSpace's tree (public only so that VmaTree can name it).
    TreeNode m_tree_node;
    // The hook of the object's list of the Vmas that map it: the reverse map a file's page
    // cache walks to take a frame out of every page table (mm/file_object.h). Guarded by
    // that object's lock.
    ListNode m_object_node;

private:
    uint64_t m_subtree_min_start { 0 };
    uint64_t m_subtree_max_end { 0 };
    uint64_t m_subtree_max_gap { 0 };
    uint64_t m_left_gap { 0 };   // max_gap's left half (see the header comment).
    uint64_t m_right_gap { 0 };  // And its right half.
};

struct VmaTreeTraits {
    static uint64_t key(const Vma& vma) { return vma.m_range.start; }
    // Recomputes the augmentation from the children's; returns whether it changed, so that
    // the tree stops walking up at the first Vma whose values stay the same. Inline: it
    // runs at every level of every insert and erase.
    static bool update(Vma& vma, Vma* left, Vma* right)
    {
        uint64_t min_start = vma.m_range.start;
        uint64_t max_end = vma.m_range.end;
        uint64_t left_gap = 0;
        uint64_t right_gap = 0;
        if (left) {
            min_start = left->m_subtree_min_start;
            left_gap = side_gap(left->m_subtree_max_gap, vma.m_range.start - left->m_subtree_max_end);
        }
        if (right) {
            max_end = right->m_subtree_max_end;
            right_gap = side_gap(right->m_subtree_max_gap, right->m_subtree_min_start - vma.m_range.end);
        }
        uint64_t max_gap = left_gap > right_gap ? left_gap : right_gap;
        bool changed = ((min_start ^ vma.m_subtree_min_start) | (max_end ^ vma.m_subtree_max_end) |
                        (max_gap ^ vma.m_subtree_max_gap)) != 0;
        vma.m_subtree_min_start = min_start;
        vma.m_subtree_max_end = max_end;
        vma.m_subtree_max_gap = max_gap;
        vma.m_left_gap = left_gap;
        vma.m_right_gap = right_gap;
        return changed;
    }
    // The walk up once heights are final: only `child`'s values changed. A left child sets
    // the subtree's min start and the left half of its gap; the right half is reused (and
    // the max end, which a left child cannot move). Mirrored for a right child.
    static bool update_from_child(Vma& vma, Vma& child, bool child_is_left)
    {
        uint64_t max_gap;
        uint64_t changed;
        if (child_is_left) {
            uint64_t left_gap = side_gap(child.m_subtree_max_gap, vma.m_range.start - child.m_subtree_max_end);
            max_gap = left_gap > vma.m_right_gap ? left_gap : vma.m_right_gap;
            changed = (child.m_subtree_min_start ^ vma.m_subtree_min_start) | (max_gap ^ vma.m_subtree_max_gap);
            vma.m_left_gap = left_gap;
            vma.m_subtree_min_start = child.m_subtree_min_start;
        } else {
            uint64_t right_gap = side_gap(child.m_subtree_max_gap, child.m_subtree_min_start - vma.m_range.end);
            max_gap = right_gap > vma.m_left_gap ? right_gap : vma.m_left_gap;
            changed = (child.m_subtree_max_end ^ vma.m_subtree_max_end) | (max_gap ^ vma.m_subtree_max_gap);
            vma.m_right_gap = right_gap;
            vma.m_subtree_max_end = child.m_subtree_max_end;
        }
        vma.m_subtree_max_gap = max_gap;
        return changed != 0;
    }
    static bool augmented_consistent(const Vma& vma);

private:
    // The largest hole on one side: the child subtree's own, or the one between it and
    // the Vma.
    static uint64_t side_gap(uint64_t inner, uint64_t edge) { return edge > inner ? edge : inner; }
};

using VmaTree = IntrusiveTree<Vma, &Vma::m_tree_node, VmaTreeTraits>;

// The range arithmetic over a VmaTree. Every function expects the tree's lock (the address
// space's) held; the mutating ones for writing.
struct VmaTreeOps {
    // The Vma containing `address`, or nullptr. O(log n).
    static Vma* find(const VmaTree& tree, uint64_t address);

    // The first Vma that ends above `address` (the one containing it, or the next one up),
    // or nullptr. O(log n).
    static Vma* first_ending_above(const VmaTree& tree, uint64_t address);

    // Whether any Vma overlaps `range` (non-empty). O(log n).
    static bool overlaps(const VmaTree& tree, VirtRange range);

    // Whether every page of `range` lies in some Vma (mprotect, msync and madvise answer
    // ENOMEM otherwise). O(log n + the number of Vmas in the range).
    static bool covers(const VmaTree& tree, VirtRange range);

    // The clip helper: makes sure no Vma straddles `address` by splitting the one that does
    // into [start, address) and [address, end). The upper half is a new Vma with the same
    // protection, kind and object, at the matching page offset, so that every page keeps
    // its object index. Returns the upper half (or nullptr if nothing straddled); ENOMEM,
    // also when the tree already holds `max_count` Vmas. munmap, mprotect, MAP_FIXED and
    // sbrk all split through here.
    static ErrorOr<Vma*> clip_at(VmaTree& tree, uint64_t address, size_t max_count);
    // The same for a Vma already found: splits `lower`, which must straddle `address`, and
    // returns the upper half, or nullptr for ENOMEM (no memory, or `max_count` reached).
    // With `storage` (memory for a Vma that merge_next kept), the upper half is made there,
    // without allocating; on failure the storage is left to the caller.
    static Vma* split(VmaTree& tree, Vma& lower, uint64_t address, size_t max_count, void* storage = nullptr);

    // Whether `lower` and `upper`, neighbours in the tree, could be one Vma if they had the
    // protections `lower_prot` and `upper_prot`: adjacent, equal protections, the same kind
    // and maximum protection, the same object (so the same sharing) or both still awaiting
    // theirs, and contiguous object indices (upper's offset is lower's plus its pages), so
    // that every page keeps its object index. The two halves of a clip qualify; two
    // anonymous mappings made apart do not: each has an object of its own once touched, and
    // an anonymous mmap starts at offset 0, which no Vma below it can continue. Two
    // MAP_SHARED views of one file at continuing offsets do (the file is their object). (Two lazy
    // Vmas, no object, could only meet so if a mapping was placed exactly where a piece
    // of another one continues: merging those is safe too, since neither has a frame,
    // a PTE or an object to keep apart.) O(1).
    // Inline and without branches: mprotect asks it for both neighbours of every change.
    [[gnu::always_inline]] static bool can_merge_as(const Vma& lower, Prot lower_prot, const Vma& upper,
                                                    Prot upper_prot)
    {
        if (lower.m_range.end != upper.m_range.start)
            return false;
        uint64_t differs = (uint64_t(lower_prot) ^ uint64_t(upper_prot)) |
                           (uint64_t(lower.m_kind) ^ uint64_t(upper.m_kind)) |
                           (uint64_t(lower.m_max_prot) ^ uint64_t(upper.m_max_prot)) |
                           (reinterpret_cast<uintptr_t>(lower.m_object.ptr()) ^
                            reinterpret_cast<uintptr_t>(upper.m_object.ptr())) |
                           ((lower.m_page_offset + (lower.m_range.end - lower.m_range.start) / vm::kPageSize) ^
                            upper.m_page_offset);
        return differs == 0;
    }
    [[gnu::always_inline]] static bool can_merge(const Vma& lower, const Vma& upper)
    {
        return can_merge_as(lower, lower.prot(), upper, upper.prot());
    }

    // Undoes a clip: `upper`, the Vma after `lower` (can_merge), leaves the tree and is
    // deleted, and `lower` grows over its range. The grown Vma keeps the conservative
    // value of the per-Vma state: had_writable_pte if either had it; its object is told
    // (VmObject::mappings_merged), so that a file keeps the older truncation mark. The
    // caller bumps its generation (a pointer to `upper` dangles). With `keep_storage`,
    // upper's memory is not freed but returned, for a later split to reuse; else nullptr.
    // O(log n).
    static void* merge_next(VmaTree& tree, Vma& lower, Vma& upper, bool keep_storage = false);

    // Moves the boundary between `lower` and `upper` (adjacent, over no file, and
    // can_merge_as with the protection the pages that change sides will have) to
    // `address`, strictly inside the two: the pages in between change Vma and keep their
    // object index (upper's start and page_offset move together). No allocation and no
    // relinking: mprotect of the head or tail of a Vma whose neighbour already has the new
    // protection. O(log n).
    static void move_boundary(VmaTree& tree, Vma& lower, Vma& upper, uint64_t address);

    // First fit, from the top: the highest page-aligned start s such that [s, s + size)
    // lies inside `window` and overlaps no Vma, or nothing. `size` and `window` are
    // page-aligned. The descent visits the right subtree first and skips every subtree
    // whose edge holes and largest inner hole (subtree_max_gap) are all smaller than
    // `size`, so it costs O(log n) apart from the subtrees cut by the window's ends.
    static std::optional<uint64_t> find_free_range(const VmaTree& tree, uint64_t size, VirtRange window);

    // The same search, also telling where a Vma starting at the answer goes in the tree:
    // the descent ends at an empty child link, and `parent`/`as_left` name it, for
    // VmaTree::insert_at (parent nullptr: the tree is empty). So mmap finds the range and
    // links the new Vma with one descent, and needs no overlap check: the range is free.
    struct FreeSlot {
        uint64_t start;
        Vma* parent;
        bool as_left;
    };
    static std::optional<FreeSlot> find_free_slot(const VmaTree& tree, uint64_t size, VirtRange window);
};
