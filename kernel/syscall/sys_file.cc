// File-descriptor system calls: open, close, read, write, lseek, dup, dup2, pipe, fstat,
// ftruncate, fsync, getdents. Data crosses between user memory and the files through a
// kernel bounce buffer of at most kChunk bytes, so no file code touches user addresses.
#include <algorithm>

#include "fs/file_system.h"
#include "fs/inode.h"
#include "mm/file_object.h"
#include "mm/kernel_heap.h"
#include "mm/vm_range.h"
#include "proc/console_file.h"
#include "proc/open_file.h"
#include "proc/pipe.h"
#include "proc/process.h"
#include "syscall/abi.h"
#include "syscall/handlers.h"
#include "syscall/sys_common.h"

namespace {

constexpr size_t kChunk = 4096;

class Bounce {
public:
    explicit Bounce(size_t size)
        : m_data(kmalloc(size))
    {
    }
    ~Bounce() { kfree(m_data); }
    Bounce(const Bounce&) = delete;
    Bounce& operator=(const Bounce&) = delete;
    uint8_t* data() { return static_cast<uint8_t*>(m_data); }
    explicit operator bool() const { return m_data != nullptr; }

private:
    void* m_data;
};

ErrorOr<RefPtr<OpenFile>> file_for(int fd) { return current_process()->files().get(fd); }

// The file behind `fd` for a read (`direction` Read) or a write (Write) of `length` bytes
// at `buffer`, after the checks that come before any byte moves: EBADF if the descriptor
// is not open that way, EFAULT if the buffer is not in user space. The second is checked
// up front so that a pipe's bytes or the console's line are not consumed by a read into
// a kernel address; an unmapped page inside user space is found by the copy.
ErrorOr<RefPtr<OpenFile>> file_for_transfer(int fd, FileAccess direction, UserBuffer buffer, size_t length) {
    RefPtr<OpenFile> file = TRY(file_for(fd));
    bool allowed = direction == FileAccess::Read ? file->readable() : file->writable();
    if (!allowed)
        return Error::from_errno(EBADF);
    if (!vm::is_user_range(buffer.address(), length))
        return Error::from_errno(EFAULT);
    return file;
}

// Whether a transfer whose chunk came back full goes on to the next chunk.
enum class MoreChunks { WhileFull, Never };

// Moves `length` bytes a chunk of at most kChunk at a time through one kernel bounce
// buffer. `move_chunk(bounce, done, chunk)` moves the chunk that starts `done` bytes into
// the transfer and returns how many bytes it moved; fewer than `chunk` ends the transfer.
// Returns the bytes moved; an error ends the transfer too, and is returned only if no byte
// had moved (otherwise an error that persists meets the next call, as POSIX has it).
template<typename MoveChunk>
ErrorOr<size_t> transfer_in_chunks(size_t length, MoreChunks more, MoveChunk move_chunk) {
    if (length == 0)
        return 0;
    Bounce bounce(std::min(length, kChunk));
    if (!bounce)
        return Error::from_errno(ENOMEM);
    size_t done = 0;
    while (done < length) {
        size_t chunk = std::min(length - done, kChunk);
        ErrorOr<size_t> moved = move_chunk(bounce.data(), done, chunk);
        if (moved.is_error()) {
            if (done > 0)
                break;
            return moved.release_error();
        }
        done += moved.value();
        if (moved.value() < chunk || more == MoreChunks::Never)
            break;
    }
    return done;
}

}  // namespace

ErrorOr<int> sys_open(UserString user_path, int flags, int) {
    KernelPath path = TRY(KernelPath::copy_from(user_path));
    FsContext context = TRY(FsContext::current());
    int access_mode = flags & O_ACCMODE;
    if (access_mode == 3)
        return Error::from_errno(EINVAL);
    // Linux 6.4 and later refuse the pair outright, so that it never creates a regular file.
    if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
        return Error::from_errno(EINVAL);
    FileAccess access = access_mode == O_RDONLY   ? FileAccess::Read
                        : access_mode == O_WRONLY ? FileAccess::Write
                                                  : FileAccess::ReadWrite;
    bool writes = access != FileAccess::Read;
    FileTable& files = current_process()->files();
    // Checked first, so that a full table never leaves a newly created file behind.
    if (files.open_count() == static_cast<size_t>(FileTable::kMaxDescriptors))
        return Error::from_errno(EMFILE);

    RefPtr<fs::Inode> inode;
    if (flags & O_CREAT) {
        auto created = context.fs.create_file(context.start, path.c_str());
        if (!created.is_error())
            inode = created.release_value();
        else if (created.error().code() == EEXIST && !(flags & O_EXCL))
            inode = TRY(context.fs.lookup(context.start, path.c_str()));
        else
            return created.release_error();
    } else {
        inode = TRY(context.fs.lookup(context.start, path.c_str()));
    }

    RefPtr<OpenFile> file;
    fs::InodeInfo info = context.fs.stat(*inode);
    switch (info.type) {
    case fs::InodeType::Directory:
        if (writes || (flags & (O_CREAT | O_TRUNC)))
            return Error::from_errno(EISDIR);
        file = TRY(InodeFile::try_create(context.fs, inode, access, InodeFile::Append::No));
        break;
    case fs::InodeType::Device:
        if (flags & O_DIRECTORY)
            return Error::from_errno(ENOTDIR);
        if (info.major != kConsoleMajor)
            return Error::from_errno(ENXIO);
        file = TRY(ConsoleFile::try_create(access));
        break;
    default:
        if (flags & O_DIRECTORY)
            return Error::from_errno(ENOTDIR);
        if ((flags & O_TRUNC) && writes)
            TRY(truncate_through_page_cache(*inode, 0));
        file = TRY(InodeFile::try_create(context.fs, inode, access,
                                         (flags & O_APPEND) ? InodeFile::Append::Yes : InodeFile::Append::No));
        break;
    }
    return files.allocate(std::move(file));
}

ErrorOr<void> sys_close(int fd) { return current_process()->files().close(fd); }

ErrorOr<size_t> sys_read(int fd, UserBuffer buffer, size_t length) {
    RefPtr<OpenFile> file = TRY(file_for_transfer(fd, FileAccess::Read, buffer, length));
    // Only regular files may be read on without blocking; a pipe or the console returns
    // what it has.
    MoreChunks more = file->is_seekable() ? MoreChunks::WhileFull : MoreChunks::Never;
    return transfer_in_chunks(length, more, [&](uint8_t* bounce, size_t done, size_t chunk) -> ErrorOr<size_t> {
        size_t count = TRY(file->read(bounce, chunk));
        if (count > 0)
            TRY(copy_to_user(buffer.address() + done, bounce, count));
        return count;
    });
}

ErrorOr<size_t> sys_write(int fd, UserBuffer buffer, size_t length) {
    RefPtr<OpenFile> file = TRY(file_for_transfer(fd, FileAccess::Write, buffer, length));
    // A short write ends the transfer: the disk filled up.
    return transfer_in_chunks(length, MoreChunks::WhileFull,
                              [&](uint8_t* bounce, size_t done, size_t chunk) -> ErrorOr<size_t> {
                                  TRY(copy_from_user(bounce, buffer.address() + done, chunk));
                                  return file->write(bounce, chunk);
                              });
}

ErrorOr<uint64_t> sys_lseek(int fd, int64_t offset, int whence) {
    RefPtr<OpenFile> file = TRY(file_for(fd));
    return file->seek(offset, whence);
}

ErrorOr<int> sys_dup(int fd) {
    RefPtr<OpenFile> file = TRY(file_for(fd));
    return current_process()->files().allocate(std::move(file));
}

ErrorOr<int> sys_dup2(int old_fd, int new_fd) {
    RefPtr<OpenFile> file = TRY(file_for(old_fd));
    if (new_fd < 0 || new_fd >= FileTable::kMaxDescriptors)
        return Error::from_errno(EBADF);
    if (old_fd == new_fd)
        return new_fd;
    TRY(current_process()->files().install(new_fd, std::move(file)));
    return new_fd;
}

ErrorOr<void> sys_pipe(UserPtr<int> fds) {
    if (!vm::is_user_range(fds.address(), 2 * sizeof(int)))
        return Error::from_errno(EFAULT);
    FileTable& files = current_process()->files();
    Pipe::Ends ends = TRY(Pipe::try_create());
    int read_fd = TRY(files.allocate(std::move(ends.read_end)));
    auto write_fd = files.allocate(std::move(ends.write_end));
    if (write_fd.is_error()) {
        MUST(files.close(read_fd));
        return write_fd.release_error();
    }
    int pair[2] = { read_fd, write_fd.value() };
    auto copied = copy_to_user(fds.address(), pair, sizeof(pair));
    if (copied.is_error()) {
        MUST(files.close(read_fd));
        MUST(files.close(write_fd.value()));
        return copied.release_error();
    }
    return {};
}

ErrorOr<void> sys_fstat(int fd, UserPtr<atlas_stat> out) {
    RefPtr<OpenFile> file = TRY(file_for(fd));
    atlas_stat kernel_stat;
    TRY(file->stat(kernel_stat));
    return out.write(kernel_stat);
}

ErrorOr<void> sys_ftruncate(int fd, int64_t length) {
    RefPtr<OpenFile> file = TRY(file_for(fd));
    if (length < 0)
        return Error::from_errno(EINVAL);
    return file->truncate(static_cast<uint64_t>(length));
}

ErrorOr<void> sys_fsync(int fd) {
    RefPtr<OpenFile> file = TRY(file_for(fd));
    return file->fsync();
}

ErrorOr<size_t> sys_getdents(int fd, UserBuffer buffer, size_t length) {
    RefPtr<OpenFile> file = TRY(file_for(fd));
    if (length == 0)
        return Error::from_errno(EINVAL);
    if (!vm::is_user_range(buffer.address(), length))
        return Error::from_errno(EFAULT);
    Bounce bounce(std::min(length, kChunk));
    if (!bounce)
        return Error::from_errno(ENOMEM);
    size_t used = TRY(file->read_directory(bounce.data(), std::min(length, kChunk)));
    TRY(copy_to_user(buffer.address(), bounce.data(), used));
    return used;
}
