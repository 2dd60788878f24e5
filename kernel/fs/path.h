// Path resolution: from a NUL-terminated path to an inode, or to the directory that holds
// (or will hold) the path's last component.
//
// Paths starting with '/' start at the root, others at `start` (a process's working
// directory, later). Components are separated by one or more '/'; "." stays, ".." goes to
// the parent (the root's ".." is the root). A trailing '/' is accepted. Every component is
// at most kMaxNameLength bytes (ENAMETOOLONG); every component but the last must be a
// directory (ENOTDIR); a missing one is ENOENT; the empty path is ENOENT, as in POSIX.
//
// Resolution holds one directory lock at a time: it looks the next name up under the
// directory's lock, drops it, then takes a reference to the child. A directory removed
// concurrently is seen as empty (its entries are gone), never as freed memory, because the
// walk holds a reference to each inode it visits.
#pragma once

#include "fs/directory.h"
#include "fs/inode.h"
#include "lib/error_or.h"
#include "lib/ref_ptr.h"

namespace fs {

class FileSystem;

ErrorOr<RefPtr<Inode>> resolve_path(FileSystem& fs, Inode& start, const char* path);

struct ParentAndName {
    RefPtr<Inode> parent;
    Name name;  // Points into the caller's path; may be "." or "..".
};

// Resolves all but the last component. "/" alone has no last component: its name is ".".
ErrorOr<ParentAndName> resolve_parent(FileSystem& fs, Inode& start, const char* path);

// The inode `name` names in `directory` (taking the directory's lock for the lookup).
ErrorOr<RefPtr<Inode>> lookup_child(FileSystem& fs, Inode& directory, Name name);

}  // namespace fs
