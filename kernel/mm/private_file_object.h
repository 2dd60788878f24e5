// PrivateFileObject: what a MAP_PRIVATE file mapping maps. One object per mapping (its
// clipped halves share it; fork gives the child its own copy): its radix tree holds the
// pages this mapping has written, its private copies, and every other page is the file's,
// found in the file's page cache (the FileObject it refers to), as a child object reads
// through to its parent.
//
//   Vma [start, end) File ──object──> PrivateFileObject   tree: {1: C1}   private copies
//                                        └──file()──> FileObject   tree: {0: F0, 1: F1, 2: F2}
//
// A page with a private copy is that copy, and behaves like private anonymous memory
// (copy-on-write across fork through per-frame reference counts, mm/vm_object.h). Any other
// page is the file's cached frame, mapped read-only, so that stores through other mappings
// or write() stay visible until this mapping writes the page; the first write copies the
// frame into the tree (the fault pipeline's private_copy_fault, mm/fault.cc).
//
// Reverse map: a Vma that maps this object is on the FileObject's list of mappings
// (mapping_added and mapping_removed pass it on), so truncation, reclaim and write-back
// reach the file frames it maps read-only, and a shrink of the file reaches its private
// copies beyond the new end (FileObject::discard_private_copies).
//
// Invariants:
//   - Indexed like the file: index i is the file's page i (the Vma's page_offset counts
//     in both trees).
//   - Private (is_shared() is false): like an AnonObject, it belongs to one address space,
//     whose lock guards the tree; the file's pages are guarded by the file's lock.
//   - Every page in the tree has use == Anonymous, owner == this and holds one reference
//     on behalf of the object.
//   - Once a shrink of the file has returned, no copy lies wholly beyond the end of file.
//   - The FileObject lives at least as long as this object (a reference is held).
#pragma once

#include <cstdint>

#include "lib/error_or.h"
#include "lib/ref_ptr.h"
#include "mm/vm_object.h"

class FileObject;

class PrivateFileObject final : public VmObject {
public:
    // A private mapping of `file`, with no private copy yet. ENOMEM.
    static ErrorOr<RefPtr<PrivateFileObject>> try_create(RefPtr<FileObject> file);

    ~PrivateFileObject() override;

    // The private copy at `index` if there is one, else the file's page (read in if
    // absent; ENXIO beyond the end of file). For tests: the fault pipeline looks in the
    // two trees itself, under the locks that let it map the page.
    ErrorOr<Page*> page_for_fault(uint64_t index) override;

    // fork: a new object over the same file, whose tree names the same private copies at
    // [first, first + count), each referenced once more (copy-on-write). ENOMEM.
    ErrorOr<RefPtr<VmObject>> clone_for_fork(uint64_t first, uint64_t count) const override;

    // Passed on to the file's reverse map, which must reach every Vma that may map one of
    // its frames.
    void mapping_added(Vma& vma) override;
    void mapping_removed(Vma& vma) override;
    void mappings_merged(Vma& lower, const Vma& upper) override;

private:
    explicit PrivateFileObject(FileObject& file);
};
