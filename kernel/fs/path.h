// Path resolution: from a NUL-terminated path to an inode, or to the directory that holds
// (or will hold) the path's last component.
//
// Paths starting with '/' start at the root, others at `start` (a process's working
// directory). Components are separated by one or more '/'; "." stays, ".." goes to the
// parent (the root's ".." is the root). Every component is at most kMaxNameLength bytes
// (ENAMETOOLONG); every component but the last must be a directory (ENOTDIR, so "file/.",
// "file/.." and "file/x" are all ENOTDIR); a missing one is ENOENT; the empty path is
// ENOENT, as in POSIX. A trailing '/' is kept as a fact about the last component
// (ParentAndName::trailing_slash): lookups require it to be a directory (ENOTDIR), and each
// namespace operation applies Linux's rule for it (file_system.h).
//
// A removed directory (link count 0, kept alive by a reference such as a working
// directory) holds nothing: every lookup in it is ENOENT, its ".." included, so its stale
// ".." never leads to a parent that may have been freed and reused. Only "." still names it.
//
// Resolution holds one directory lock at a time: it looks the next name up under the
// directory's lock, drops it, then takes a reference to the child. A directory removed
// concurrently is seen as removed (above), never as freed memory, because the walk holds a
// reference to each inode it visits.
#pragma once

#include "fs/directory.h"
#include "fs/inode.h"
#include "lib/error_or.h"
#include "lib/ref_ptr.h"

namespace fs {

class FileSystem;

ErrorOr<RefPtr<Inode>> resolve_path(FileSystem& fs, Inode& start, const char* path);

struct ParentAndName {
    RefPtr<Inode> parent;      // A directory (checked), possibly a removed one.
    Name name;                 // Points into the caller's path; may be "." or "..".
    bool trailing_slash;       // The last component was followed by '/'.
    bool only_slashes;         // The path was "/" (or "//"...): no last component, name ".".
};

// Resolves all but the last component, and checks that what it reached is a directory.
ErrorOr<ParentAndName> resolve_parent(FileSystem& fs, Inode& start, const char* path);

// The inode `name` names in `directory` (taking the directory's lock for the lookup).
ErrorOr<RefPtr<Inode>> lookup_child(FileSystem& fs, Inode& directory, Name name);

}  // namespace fs
