// File-descriptor system calls: open, close, read, write, pread, pwrite, readv, writev,
// lseek, dup, dup2, pipe, fstat, ftruncate, fsync, fdatasync, sync, getdents, ioctl. The transfers hand the file a
// UserCursor over the user's buffer or segments (mm/user_memory.h); the file consumes
// exactly the bytes that cross it.
#include "fs/file_system.h"
#include "fs/inode.h"
#include "fs/root_file_system.h"
#include "lib/kprintf.h"
#include "mm/flusher.h"
#include "mm/file_object.h"
#include "mm/kernel_heap.h"
#include "mm/user_memory.h"
#include "mm/vm_range.h"
#include "proc/console_file.h"
#include "proc/open_file.h"
#include "proc/pipe.h"
#include "proc/process.h"
#include "proc/process_group.h"
#include "syscall/abi.h"
#include "syscall/handlers.h"
#include "syscall/sys_common.h"

namespace {

ErrorOr<RefPtr<OpenFile>> file_for(int fd) { return current_process()->files().get(fd); }

// The file behind `fd` for a read (`direction` Read) or a write (Write) of `length` bytes
// at `buffer`, after the checks that come before any byte moves: EBADF if the descriptor
// is not open that way, EFAULT if the buffer is not in user space or starts in page 0
// (NULL). The second is checked up front so that a read into such a buffer fails at once
// instead of waiting for a pipe or the console; an unmapped page elsewhere is found by the
// copy, and the file then consumes only what was copied.
ErrorOr<RefPtr<OpenFile>> file_for_transfer(int fd, FileAccess direction, UserBuffer buffer, size_t length) {
    RefPtr<OpenFile> file = TRY(file_for(fd));
    bool allowed = direction == FileAccess::Read ? file->readable() : file->writable();
    if (!allowed)
        return Error::from_errno(EBADF);
    if (!is_user_buffer(buffer.address(), length))
        return Error::from_errno(EFAULT);
    return file;
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
    UserCursor to(buffer.address(), length);
    return file->read(to);
}

ErrorOr<size_t> sys_write(int fd, UserBuffer buffer, size_t length) {
    RefPtr<OpenFile> file = TRY(file_for_transfer(fd, FileAccess::Write, buffer, length));
    UserCursor from(buffer.address(), length);
    return file->write(from);
}

ErrorOr<size_t> sys_pread(int fd, UserBuffer buffer, size_t length, int64_t offset) {
    // Linux's order: the offset first, then the descriptor, then whether it has offsets.
    if (offset < 0)
        return Error::from_errno(EINVAL);
    RefPtr<OpenFile> file = TRY(file_for(fd));
    if (file->kind() != OpenFileKind::Inode)
        return Error::from_errno(ESPIPE);
    TRY(file_for_transfer(fd, FileAccess::Read, buffer, length));
    UserCursor to(buffer.address(), length);
    return file->read_at(to, static_cast<uint64_t>(offset));
}

ErrorOr<size_t> sys_pwrite(int fd, UserBuffer buffer, size_t length, int64_t offset) {
    if (offset < 0)
        return Error::from_errno(EINVAL);
    RefPtr<OpenFile> file = TRY(file_for(fd));
    if (file->kind() != OpenFileKind::Inode)
        return Error::from_errno(ESPIPE);
    TRY(file_for_transfer(fd, FileAccess::Write, buffer, length));
    UserCursor from(buffer.address(), length);
    return file->write_at(from, static_cast<uint64_t>(offset));
}

namespace {

// The segments of a readv or writev, copied into the kernel: a small array on the stack
// for the common few, the heap beyond that.
class Segments {
public:
    Segments() = default;
    ~Segments() {
        if (m_segments != m_inline)
            kfree(m_segments);
    }
    Segments(const Segments&) = delete;
    Segments& operator=(const Segments&) = delete;

    // Copies `count` struct atlas_iovec from `user` and checks them: EINVAL for count < 0
    // or > ATLAS_IOV_MAX and for a total beyond SSIZE_MAX (a single segment that long
    // included), EFAULT for an array or a segment not in user space, ENOMEM.
    ErrorOr<void> copy_from(UserBuffer user, int count) {
        if (count < 0 || count > ATLAS_IOV_MAX)
            return Error::from_errno(EINVAL);
        m_count = static_cast<size_t>(count);
        if (m_count > kInline) {
            m_segments = static_cast<UserSegment*>(kmalloc(m_count * sizeof(UserSegment)));
            if (!m_segments) {
                m_segments = m_inline;
                return Error::from_errno(ENOMEM);
            }
        }
        static_assert(sizeof(atlas_iovec) == sizeof(UserSegment));
        TRY(copy_from_user(m_segments, user.address(), m_count * sizeof(UserSegment)));
        for (size_t i = 0; i < m_count; ++i) {
            if (m_segments[i].length > static_cast<size_t>(INT64_MAX) - m_total)
                return Error::from_errno(EINVAL);
            m_total += m_segments[i].length;
        }
        for (size_t i = 0; i < m_count; ++i) {
            if (!is_user_buffer(m_segments[i].address, m_segments[i].length))
                return Error::from_errno(EFAULT);
        }
        return {};
    }

    const UserSegment* data() const { return m_segments; }
    size_t count() const { return m_count; }
    size_t total() const { return m_total; }

private:
    static constexpr size_t kInline = 8;
    UserSegment m_inline[kInline];
    UserSegment* m_segments { m_inline };
    size_t m_count { 0 };
    size_t m_total { 0 };
};

// readv and writev: one transfer over the segments, with read()'s and write()'s rules
// (EBADF before the segments are looked at, as Linux checks the descriptor first).
ErrorOr<size_t> transfer_vector(int fd, UserBuffer user_segments, int count, FileAccess direction) {
    RefPtr<OpenFile> file = TRY(file_for(fd));
    if (!(direction == FileAccess::Read ? file->readable() : file->writable()))
        return Error::from_errno(EBADF);
    Segments segments;
    TRY(segments.copy_from(user_segments, count));
    UserCursor cursor(segments.data(), segments.count(), segments.total());
    return direction == FileAccess::Read ? file->read(cursor) : file->write(cursor);
}

}  // namespace

ErrorOr<size_t> sys_readv(int fd, UserBuffer segments, int count) {
    return transfer_vector(fd, segments, count, FileAccess::Read);
}

ErrorOr<size_t> sys_writev(int fd, UserBuffer segments, int count) {
    return transfer_vector(fd, segments, count, FileAccess::Write);
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

// The data and the size are what fdatasync must make durable, and the size is all of the
// metadata fsync logs beyond what every operation commits anyway: the two are one.
ErrorOr<void> sys_fdatasync(int fd) { return sys_fsync(fd); }

// Every file write() dirtied is written back (sizes logged), then the log commits and the
// device flushes. Pages dirtied only through MAP_SHARED mappings of a file write() never
// queued wait for msync, munmap, exit or reclaim, as before. sync() cannot fail (POSIX): a
// write-back error stays recorded on its file for that file's next fsync or close.
ErrorOr<void> sys_sync() {
    flusher::write_back_all();
    if (fs::FileSystem* fs = root_file_system()) {
        if (auto result = fs->commit_and_flush(); result.is_error())
            kprintf("sync: commit failed: %s\n", result.error().name());
    }
    return {};
}

ErrorOr<size_t> sys_getdents(int fd, UserBuffer buffer, size_t length) {
    RefPtr<OpenFile> file = TRY(file_for(fd));
    if (length == 0)
        return Error::from_errno(EINVAL);
    if (!is_user_buffer(buffer.address(), length))
        return Error::from_errno(EFAULT);
    UserCursor to(buffer.address(), length);
    return file->read_directory(to);
}

// The console's two requests; anything else, or any other file, is ENOTTY, as on Linux.
// The request is an unsigned int there: the upper half of the register is ignored.
ErrorOr<int> sys_ioctl(int fd, uint64_t request, uint64_t argument) {
    RefPtr<OpenFile> file = TRY(file_for(fd));
    if (file->kind() != OpenFileKind::Console)
        return Error::from_errno(ENOTTY);
    UserPtr<int> value(argument);
    switch (static_cast<uint32_t>(request)) {
    case TIOCGPGRP:
        TRY(value.write(ConsoleFile::foreground_group()));
        return 0;
    case TIOCSPGRP: {
        int pgid = TRY(value.read());
        if (pgid < 0)
            return Error::from_errno(EINVAL);
        TRY(ProcessGroup::check_foreground(pgid, *current_process()));
        ConsoleFile::set_foreground_group(pgid);
        return 0;
    }
    default:
        return Error::from_errno(ENOTTY);
    }
}
