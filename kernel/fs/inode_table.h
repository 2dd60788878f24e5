// InodeTable: the in-memory inodes of one file system, at most one per inode number.
//
// Lookup by number is an AVL tree (O(log n)). The table holds no reference of its own: an
// Inode is in the table exactly while someone holds a RefPtr to it. When the last
// reference goes (Inode::unref), the table removes the inode and, if its link count is 0,
// has the file system free its blocks and the inode itself (FileSystem::free_inode_storage)
// before deleting the object. Dropping the last reference to an unlinked inode therefore
// starts transactions: do it with no transaction open and no inode lock held.
//
// Invariants: every Inode in m_tree has a reference count > 0; a count reaches 0 only under
// m_lock, and the inode leaves the tree in the same critical section, so get() never
// revives a dying inode.
//
// Locking: m_lock is a Mutex without a rank, a leaf among the file system's locks except
// that get() takes the new inode's lock (to load it) after dropping m_lock. reference() takes
// only m_lock, so a directory's lock may be held around it (path.cc's lookups do).
#pragma once

#include <cstdint>

#include "fs/format.h"
#include "fs/inode.h"
#include "lib/error_or.h"
#include "lib/intrusive_tree.h"
#include "lib/ref_ptr.h"
#include "sync/mutex.h"

namespace fs {

class FileSystem;

// What get() expects to find on disk: an inode in use (reached through a directory entry),
// or anything (orphan recovery reads inodes whose state it is about to judge).
enum class InodeExpectation : uint8_t { InUse, Any };

class InodeTable {
public:
    InodeTable(FileSystem& fs, uint32_t inode_count)
        : m_fs(fs)
        , m_inode_count(inode_count)
    {
    }
    ~InodeTable();

    // The inode `number`, loaded. EIO (with a message) if the number is out of range or,
    // with InodeExpectation::InUse, the disk inode is free or malformed; ENOMEM.
    ErrorOr<RefPtr<Inode>> get(InodeNumber number, InodeExpectation expectation = InodeExpectation::InUse);

    // get() in two steps, for a caller that holds the lock of a directory naming the inode:
    // reference() takes no inode lock, so it may be called under the directory's lock, which
    // keeps the entry (and so the inode) from going away before the reference holds it;
    // load() takes the inode's lock, so it is called after the directory's is dropped.
    ErrorOr<RefPtr<Inode>> reference(InodeNumber number);
    ErrorOr<void> load(Inode& inode, InodeExpectation expectation = InodeExpectation::InUse);

    // A new in-memory inode for a number the caller has just allocated: its disk copy is all
    // zeros (type Free) for the caller to fill in and write back. ENOMEM.
    ErrorOr<RefPtr<Inode>> get_new(InodeNumber number);

    // Inodes in the table now.
    size_t size();

private:
    friend class Inode;
    void release(Inode& inode);

    FileSystem& m_fs;
    uint32_t m_inode_count;
    Mutex m_lock { "inode table" };
    IntrusiveTree<Inode, &Inode::m_tree_node, InodeTreeTraits> m_tree GUARDED_BY(m_lock);
};

}  // namespace fs
