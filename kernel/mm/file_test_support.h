// CachedTestFile: the file a page-cache self-test works on (mm/file_object_selftest.cc,
// mm/write_back_selftest.cc): made on the root file system under `path`, with its
// FileObject, and removed again when the test is done.
//
// Invariants: ok() is true when the file system, the inode and the cache all exist (a test
// KASSERTs it first, and uses none of them otherwise). The destructor lets go of the cache,
// then of the inode, then unlinks the path (a failed unlink fails the test), which is the
// order the file system needs to free the file at once. For self-tests only.
#pragma once

#include "fs/file_system.h"
#include "fs/root_file_system.h"
#include "lib/ktest.h"
#include "lib/ref_ptr.h"
#include "mm/file_object.h"

struct CachedTestFile {
    explicit CachedTestFile(const char* path)
        : fs(root_file_system())
        , m_path(path)
    {
        if (!fs)
            return;
        auto created = fs->create_file(*fs->root(), path);
        if (created.is_error())
            return;
        inode = created.release_value();
        auto object = FileObject::for_inode(*inode);
        if (!object.is_error())
            cache = object.release_value();
    }

    ~CachedTestFile()
    {
        if (!inode)
            return;
        cache = nullptr;
        inode = nullptr;
        KEXPECT(!fs->unlink(*fs->root(), m_path).is_error());
    }

    CachedTestFile(const CachedTestFile&) = delete;
    CachedTestFile& operator=(const CachedTestFile&) = delete;

    bool ok() const { return fs && inode && cache; }

    fs::FileSystem* fs;
    RefPtr<fs::Inode> inode;
    RefPtr<FileObject> cache;

private:
    const char* m_path;
};
