// Helpers shared by the system-call files: where paths start and which file system they
// name.
#pragma once

#include "lib/error_or.h"

namespace fs {
class FileSystem;
class Inode;
}  // namespace fs

// The root file system and the calling process's working directory, which relative paths
// start from. ENOENT when no file system is mounted.
struct FsContext {
    fs::FileSystem& fs;
    fs::Inode& start;

    static ErrorOr<FsContext> current();
};
