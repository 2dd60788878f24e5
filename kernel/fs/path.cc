// Path resolution; see path.h.
#include "fs/path.h"

#include "fs/file_system.h"

namespace fs {

ErrorOr<RefPtr<Inode>> lookup_child(FileSystem& fs, Inode& directory, Name name)
{
    if (name.length > kMaxNameLength)
        return Error::from_errno(ENAMETOOLONG);
    InodeNumber number;
    {
        MutexLocker locker(directory.lock());
        if (!directory.is_directory())
            return Error::from_errno(ENOTDIR);
        if (name.is_dot())
            return RefPtr<Inode>(directory);
        number = TRY(directory_lookup(directory, name));
    }
    if (number == directory.number())
        return RefPtr<Inode>(directory);
    return fs.inode_table().get(number);
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

ErrorOr<ParentAndName> resolve_parent(FileSystem& fs, Inode& start, const char* path)
{
    if (path[0] == '\0')
        return Error::from_errno(ENOENT);
    RefPtr<Inode> current = path[0] == '/' ? fs.root() : RefPtr<Inode>(start);
    const char* cursor = path;
    for (;;) {
        Name name = next_component(&cursor);
        if (name.length == 0)
            return ParentAndName { current, Name { ".", 1 } };  // "/" or "dir/": the directory itself.
        if (name.length > kMaxNameLength)
            return Error::from_errno(ENAMETOOLONG);
        if (only_slashes_left(cursor))
            return ParentAndName { current, name };
        current = TRY(lookup_child(fs, *current, name));
    }
}

ErrorOr<RefPtr<Inode>> resolve_path(FileSystem& fs, Inode& start, const char* path)
{
    auto [parent, name] = TRY(resolve_parent(fs, start, path));
    RefPtr<Inode> inode = TRY(lookup_child(fs, *parent, name));
    // "name/" must be a directory.
    size_t length = 0;
    while (path[length] != '\0')
        ++length;
    if (length > 0 && path[length - 1] == '/') {
        MutexLocker locker(inode->lock());
        if (!inode->is_directory())
            return Error::from_errno(ENOTDIR);
    }
    return inode;
}

}  // namespace fs
