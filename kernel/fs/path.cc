// Path resolution; see path.h.
#include "fs/path.h"

#include "fs/file_system.h"

namespace fs {

ErrorOr<RefPtr<Inode>> lookup_child(FileSystem& fs, Inode& directory, Name name)
{
    if (name.length > kMaxNameLength)
        return Error::from_errno(ENAMETOOLONG);
    RefPtr<Inode> child;
    {
        MutexLocker locker(directory.lock());
        if (!directory.is_directory())
            return Error::from_errno(ENOTDIR);
        if (name.is_dot())
            return RefPtr<Inode>(directory);
        if (directory.disk().link_count == 0)
            return Error::from_errno(ENOENT);  // Removed: its ".." may name a freed inode.
        InodeNumber number = TRY(directory_lookup(directory, name));
        if (number == directory.number())
            return RefPtr<Inode>(directory);  // The root's "..".
        // Referenced while the entry still names it: an unlink or rmdir between the lookup
        // and the reference could otherwise free the inode (and reuse its number) first.
        child = TRY(fs.inode_table().reference(number));
    }
    // Loaded (which takes its lock) only now that the directory's lock is dropped.
    TRY(fs.inode_table().load(*child));
    return child;
}

// Splits off the next component of `*cursor`, skipping slashes; an empty name at the end.
static Name next_component(const char** cursor)
{
    const char* p = *cursor;
    while (*p == '/')
        ++p;
    const char* begin = p;
    while (*p != '\0' && *p != '/')
        ++p;
    *cursor = p;
    return Name { begin, size_t(p - begin) };
}

static bool only_slashes_left(const char* cursor)
{
    while (*cursor == '/')
        ++cursor;
    return *cursor == '\0';
}

static ErrorOr<void> check_is_directory(Inode& inode)
{
    MutexLocker locker(inode.lock());
    if (!inode.is_directory())
        return Error::from_errno(ENOTDIR);
    return {};
}

ErrorOr<ParentAndName> resolve_parent(FileSystem& fs, Inode& start, const char* path)
{
    if (path[0] == '\0')
        return Error::from_errno(ENOENT);
    RefPtr<Inode> current = path[0] == '/' ? fs.root() : RefPtr<Inode>(start);
    const char* cursor = path;
    for (;;) {
        Name name = next_component(&cursor);
        if (name.length == 0)
            return ParentAndName { current, Name { ".", 1 }, true, true };  // "/": the root itself.
        if (name.length > kMaxNameLength)
            return Error::from_errno(ENAMETOOLONG);
        if (only_slashes_left(cursor)) {
            // Whatever the last component is, it is looked up in `current`, which must be a
            // directory: "file/." and "file/.." are ENOTDIR, like "file/x".
            TRY(check_is_directory(*current));
            return ParentAndName { current, name, *cursor == '/', false };
        }
        current = TRY(lookup_child(fs, *current, name));
    }
}

ErrorOr<RefPtr<Inode>> resolve_path(FileSystem& fs, Inode& start, const char* path)
{
    ParentAndName where = TRY(resolve_parent(fs, start, path));
    RefPtr<Inode> inode = TRY(lookup_child(fs, *where.parent, where.name));
    // "name/" must be a directory.
    if (where.trailing_slash)
        TRY(check_is_directory(*inode));
    return inode;
}

}  // namespace fs
