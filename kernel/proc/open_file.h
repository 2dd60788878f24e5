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
// Exact consumption: read, write and read_directory move bytes between the file and a
// UserCursor (mm/user_memory.h), and a file gives up, or takes in, exactly the bytes that
// crossed to or from user memory. A read whose copy faults after k bytes returns k and
// advances the offset (or drops pipe bytes, console line bytes, directory records) by k,
// no more; one that faults before any byte returns EFAULT and consumes nothing. A write
// whose source faults after k bytes writes those k and returns k. So data never vanishes
// into a kernel buffer because a user page was bad.
//
// An InodeFile hands the UserCursor to its page cache (mm/file_object.h), which copies
// once, straight between its frames and user memory, with none of the file's locks but the
// ones below held during the copy: a copy that faults on a mapping of the same file takes
// the file's page-cache lock in the fault pipeline without waiting for this thread. A write
// also holds the file's writers lock (FileObject, rank FileWriters) from its first page
// until its pages are dirty in the cache, so writes and truncations of one file take turns, and a write
// that faults part way writes exactly the bytes that arrived, the rest of their page
// keeping its old bytes.
//
// Positions: read() and write() use and move the offset; read_at() and write_at() (pread,
// pwrite) use the one they are given and leave the offset alone. O_APPEND puts every write
// at the end of file, found under the writers lock, and write_at() too (as Linux does;
// POSIX would use the offset): a file opened to append is only ever appended to.
//
// Locking: an InodeFile's offset is guarded by m_offset_lock, a Mutex of rank Process (the
// outermost rank), held across a whole read() or write() (the copy included), so that two
// processes sharing the OpenFile cannot both read the same bytes; the file's writers lock
// and page-cache lock come after it (sync/lock_order.h), and the inode's own lock is never
// held across a copy.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "lib/error_or.h"
#include "lib/ref_ptr.h"
#include "sync/mutex.h"

struct atlas_stat;
class FileObject;
class UserCursor;

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

    // Reads into `to` from where it stands, consuming exactly the bytes that reach it, and
    // returns what read() returns: the count, 0 at end of file, EFAULT if a fault stopped
    // it before any byte. A regular file fills `to` up to end of file; kinds that can block
    // (console, pipe) return as soon as some bytes are there. EBADF if not opened for
    // reading.
    virtual ErrorOr<size_t> read(UserCursor& to) = 0;
    // Writes the bytes of `from`, as far as they can be copied in; returns the count written
    // (short when the source faults part way or a disk fills up; EFAULT if it faulted before
    // any byte). EBADF if not opened for writing; EPIPE on a pipe without readers.
    virtual ErrorOr<size_t> write(UserCursor& from) = 0;

    // pread and pwrite: read() and write() at `offset`, leaving the file's offset where it
    // is. ESPIPE for kinds without an offset (pipes, the console).
    virtual ErrorOr<size_t> read_at(UserCursor& to, uint64_t offset);
    virtual ErrorOr<size_t> write_at(UserCursor& from, uint64_t offset);

    // Moves the offset; ESPIPE where there is none.
    virtual ErrorOr<uint64_t> seek(int64_t offset, int whence);
    virtual ErrorOr<void> stat(atlas_stat& out) = 0;
    virtual ErrorOr<void> truncate(uint64_t length);
    // Makes the file's data durable. EINVAL for kinds with nothing to sync (pipes, the
    // console), as Linux answers.
    virtual ErrorOr<void> fsync();
    // close() of a descriptor naming this file: a delayed failure to report (a write-back
    // of a regular file's dirty pages that failed since the last fsync or close, reported
    // once), or nothing. The descriptor is closed either way.
    virtual ErrorOr<void> close_error();
    // Copies whole atlas_dirent64 records (syscall/abi.h) to `to` and returns the bytes
    // they take; 0 at the end; EINVAL if the next record does not fit. The position moves
    // past exactly the records that wholly arrived (EFAULT if none did). An error reading
    // the directory (EIO; ENOENT once it is removed) is returned only if no record went
    // out; otherwise the call returns those records and the next call meets it. ENOTDIR.
    virtual ErrorOr<size_t> read_directory(UserCursor& to);

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

    ErrorOr<size_t> read(UserCursor& to) override;
    ErrorOr<size_t> write(UserCursor& from) override;
    ErrorOr<size_t> read_at(UserCursor& to, uint64_t offset) override;
    ErrorOr<size_t> write_at(UserCursor& from, uint64_t offset) override;
    ErrorOr<uint64_t> seek(int64_t offset, int whence) override;
    ErrorOr<void> stat(atlas_stat& out) override;
    ErrorOr<void> truncate(uint64_t length) override;
    ErrorOr<void> fsync() override;
    ErrorOr<void> close_error() override;
    ErrorOr<size_t> read_directory(UserCursor& to) override;

    // The file's inode (mmap maps its page cache).
    fs::Inode& inode() const { return *m_inode; }

private:
    // The checks of read() and write() (EBADF, EISDIR), then the file's page cache.
    ErrorOr<FileObject*> cache_for(FileAccess direction);

    fs::FileSystem& m_fs;
    RefPtr<fs::Inode> m_inode;
    Append m_append;
    Mutex m_offset_lock { "open file offset", LockRank::Process };
    // Guarded by m_offset_lock. For a directory, a byte position in its records.
    uint64_t m_offset { 0 };
    // The file's page cache, with a reference, once a read or write first asked for it
    // (set once, atomically: read_at and write_at take no lock of the file's own), so that
    // each call does not look it up under the inode's lock.
    std::atomic<FileObject*> m_cache { nullptr };
};

// Fills an atlas_stat from what the file system reports about an inode.
void fill_stat_from_inode(fs::FileSystem& fs, fs::Inode& inode, atlas_stat& out);
