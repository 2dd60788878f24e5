// OpenFile: what a file descriptor refers to. One OpenFile is made by each open() or
// pipe() and shared, through RefPtr, by every descriptor dup() or fork() copies from it;
// so those descriptors share one offset and one set of flags, as POSIX requires.
//
//   process A fd 3 ─┐
//   process A fd 4 ─┼──> OpenFile (offset 120, O_RDWR) ──> fs::Inode 17
//   process B fd 3 ─┘          (B forked from A)
//
// Kinds (each a subclass):
//   InodeFile    a regular file or directory of a fs::FileSystem (this file)
//   ConsoleFile  the console device, major kConsoleMajor (console_file.h)
//   PipeEnd      the read or write end of a Pipe (pipe.h)
//
// The interface moves bytes between the file and *kernel* buffers; the system calls copy
// between those buffers and user memory in bounded chunks (syscall/sys_file.cc), so no file
// kind ever touches user addresses, and a bad user pointer cannot fail half-way through a
// file-system transaction.
//
// Locking: an InodeFile's offset is guarded by m_offset_lock, a Mutex of rank Process (the
// outermost rank), held across the file-system call so that two processes sharing the
// OpenFile cannot both read the same bytes; the inode's own lock nests inside it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/error_or.h"
#include "lib/ref_ptr.h"
#include "sync/mutex.h"

struct atlas_stat;

namespace fs {
class FileSystem;
class Inode;
}  // namespace fs

// The device number of the console, as xv6 has it (mknod("console", 1, 0)).
constexpr uint16_t kConsoleMajor = 1;

enum class OpenFileKind : uint8_t { Inode, Console, Pipe };

// The access an open file grants, from open()'s O_ACCMODE.
enum class FileAccess : uint8_t { Read = 1, Write = 2, ReadWrite = 3 };

class OpenFile : public RefCounted<OpenFile> {
public:
    virtual ~OpenFile() = default;

    OpenFileKind kind() const { return m_kind; }
    bool readable() const { return static_cast<unsigned>(m_access) & 1; }
    bool writable() const { return static_cast<unsigned>(m_access) & 2; }

    // Reads up to `length` bytes into the kernel buffer; 0 means end of file. Kinds that
    // can block (console, pipe) return as soon as some bytes are there. EBADF if not
    // opened for reading.
    virtual ErrorOr<size_t> read(void* buffer, size_t length) = 0;
    // Writes `length` bytes from the kernel buffer; returns the count (short only when a
    // disk fills up). EBADF if not opened for writing; EPIPE on a pipe without readers.
    virtual ErrorOr<size_t> write(const void* buffer, size_t length) = 0;
    // Whether a read that filled its buffer may be followed by another at once without
    // blocking (regular files), so the caller may loop over chunks.
    virtual bool is_seekable() const { return false; }

    // Moves the offset; ESPIPE where there is none.
    virtual ErrorOr<uint64_t> seek(int64_t offset, int whence);
    virtual ErrorOr<void> stat(atlas_stat& out) = 0;
    virtual ErrorOr<void> truncate(uint64_t length);
    virtual ErrorOr<void> fsync();
    // Fills `buffer` with whole atlas_dirent64 records (syscall/abi.h) and returns the
    // bytes used; 0 at the end; EINVAL if the next record does not fit. ENOTDIR.
    virtual ErrorOr<size_t> read_directory(uint8_t* buffer, size_t length);

protected:
    OpenFile(OpenFileKind kind, FileAccess access)
        : m_kind(kind)
        , m_access(access)
    {
    }

private:
    OpenFileKind m_kind;
    FileAccess m_access;
};

// A file or directory of the file system.
class InodeFile final : public OpenFile {
public:
    enum class Append : uint8_t { No, Yes };

    static ErrorOr<RefPtr<OpenFile>> try_create(fs::FileSystem& fs, RefPtr<fs::Inode> inode, FileAccess access,
                                                Append append);
    InodeFile(fs::FileSystem& fs, RefPtr<fs::Inode> inode, FileAccess access, Append append);
    ~InodeFile() override;

    ErrorOr<size_t> read(void* buffer, size_t length) override;
    ErrorOr<size_t> write(const void* buffer, size_t length) override;
    bool is_seekable() const override { return true; }
    ErrorOr<uint64_t> seek(int64_t offset, int whence) override;
    ErrorOr<void> stat(atlas_stat& out) override;
    ErrorOr<void> truncate(uint64_t length) override;
    ErrorOr<void> fsync() override;
    ErrorOr<size_t> read_directory(uint8_t* buffer, size_t length) override;

    // The file's inode (mmap maps its page cache).
    fs::Inode& inode() const { return *m_inode; }

private:
    fs::FileSystem& m_fs;
    RefPtr<fs::Inode> m_inode;
    Append m_append;
    Mutex m_offset_lock { "open file offset", LockRank::Process };
    // Guarded by m_offset_lock. For a directory, a byte position in its records.
    uint64_t m_offset { 0 };
};

// Fills an atlas_stat from what the file system reports about an inode.
void fill_stat_from_inode(fs::FileSystem& fs, fs::Inode& inode, atlas_stat& out);
