// OpenFile and InodeFile: see open_file.h.
#include "proc/open_file.h"

#include <algorithm>
#include <cstddef>

#include "fs/directory.h"
#include "fs/file_system.h"
#include "fs/inode.h"
#include "lib/string.h"
#include "mm/file_object.h"
#include "mm/kernel_heap.h"
#include "mm/user_memory.h"
#include "syscall/abi.h"

namespace {

// The most an InodeFile moves through its bounce buffer at a time.
constexpr size_t kChunk = 4096;

// A kernel buffer of at most kChunk bytes between the page cache and user memory, for one
// read() or write().
class Bounce {
public:
    explicit Bounce(size_t length)
        : m_size(length < kChunk ? length : kChunk)
        , m_data(kmalloc(m_size))
    {
    }
    ~Bounce() { kfree(m_data); }
    Bounce(const Bounce&) = delete;
    Bounce& operator=(const Bounce&) = delete;
    uint8_t* data() { return static_cast<uint8_t*>(m_data); }
    size_t size() const { return m_size; }
    explicit operator bool() const { return m_data != nullptr; }

private:
    size_t m_size;
    void* m_data;
};

}  // namespace

// --- Defaults: what a kind without the operation answers. ---

ErrorOr<uint64_t> OpenFile::seek(int64_t, int) { return Error::from_errno(ESPIPE); }

ErrorOr<void> OpenFile::truncate(uint64_t) { return Error::from_errno(EINVAL); }

// Devices and pipes have nothing to make durable; Linux says EINVAL for them.
ErrorOr<void> OpenFile::fsync() { return Error::from_errno(EINVAL); }

ErrorOr<size_t> OpenFile::read_directory(UserCursor&) { return Error::from_errno(ENOTDIR); }

// --- InodeFile ---

InodeFile::InodeFile(fs::FileSystem& fs, RefPtr<fs::Inode> inode, FileAccess access, Append append)
    : OpenFile(OpenFileKind::Inode, access)
    , m_fs(fs)
    , m_inode(std::move(inode))
    , m_append(append)
{
}

InodeFile::~InodeFile() = default;

ErrorOr<RefPtr<OpenFile>> InodeFile::try_create(fs::FileSystem& fs, RefPtr<fs::Inode> inode, FileAccess access,
                                                Append append) {
    auto file = TRY(try_make_ref_counted<InodeFile>(fs, std::move(inode), access, append));
    return RefPtr<OpenFile>(std::move(file));
}

ErrorOr<size_t> InodeFile::read(UserCursor& to) {
    if (!readable())
        return Error::from_errno(EBADF);
    if (m_inode->is_directory())
        return Error::from_errno(EISDIR);
    if (to.remaining() == 0)
        return 0;
    // Through the page cache, so that read() sees the very frames a shared mapping does.
    auto cache = TRY(FileObject::for_inode(*m_inode));
    Bounce bounce(to.remaining());
    if (!bounce)
        return Error::from_errno(ENOMEM);
    while (to.remaining() > 0) {
        size_t chunk = std::min(to.remaining(), bounce.size());
        MutexLocker locker(m_offset_lock);
        auto count = cache->read(m_offset, bounce.data(), chunk);
        if (count.is_error())
            return to.result(count.release_error());
        // The offset moves by what reached the user: bytes a fault kept from it stay for
        // the next read.
        size_t copied = to.copy_out(bounce.data(), count.value());
        m_offset += copied;
        if (copied < chunk)
            break;  // End of file, or a fault.
    }
    return to.result();
}

ErrorOr<size_t> InodeFile::write(UserCursor& from) {
    if (!writable())
        return Error::from_errno(EBADF);
    if (m_inode->is_directory())
        return Error::from_errno(EISDIR);
    if (from.remaining() == 0)
        return 0;
    auto cache = TRY(FileObject::for_inode(*m_inode));
    Bounce bounce(from.remaining());
    if (!bounce)
        return Error::from_errno(ENOMEM);
    size_t written = 0;
    while (from.remaining() > 0) {
        size_t chunk = std::min(from.remaining(), bounce.size());
        // Only bytes that came in are written, so a source that faults part way never
        // leaves more in the file (or its size) than the call reports.
        size_t taken = from.copy_in(bounce.data(), chunk);
        if (taken == 0)
            break;
        MutexLocker locker(m_offset_lock);
        // O_APPEND: every write goes to the end as it is now, even if another process has
        // grown the file since this one last wrote.
        if (m_append == Append::Yes)
            m_offset = m_fs.stat(*m_inode).size;
        auto count = cache->write(m_offset, bounce.data(), taken);
        if (count.is_error()) {
            if (written > 0)
                break;
            return count.release_error();
        }
        m_offset += count.value();
        written += count.value();
        if (count.value() < chunk)
            break;  // The source faulted, or the disk filled up.
    }
    if (written == 0 && from.faulted())
        return Error::from_errno(EFAULT);
    return written;
}

ErrorOr<uint64_t> InodeFile::seek(int64_t offset, int whence) {
    MutexLocker locker(m_offset_lock);
    int64_t base;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = static_cast<int64_t>(m_offset); break;
    case SEEK_END: base = static_cast<int64_t>(m_fs.stat(*m_inode).size); break;
    default: return Error::from_errno(EINVAL);
    }
    int64_t target;
    if (__builtin_add_overflow(base, offset, &target))
        return Error::from_errno(EOVERFLOW);
    if (target < 0)
        return Error::from_errno(EINVAL);
    // A directory's offset is a position in its records; only rewinding makes sense.
    if (m_inode->is_directory() && target != 0)
        return Error::from_errno(EINVAL);
    m_offset = static_cast<uint64_t>(target);
    return m_offset;
}

ErrorOr<void> InodeFile::stat(atlas_stat& out) {
    fill_stat_from_inode(m_fs, *m_inode, out);
    return {};
}

ErrorOr<void> InodeFile::truncate(uint64_t length) {
    // Only a regular file open for writing can be truncated through a descriptor (EINVAL
    // otherwise, as Linux answers; a directory is never open for writing).
    if (m_inode->is_directory() || !writable())
        return Error::from_errno(EINVAL);
    auto cache = TRY(FileObject::for_inode(*m_inode));
    return cache->truncate(length);
}

ErrorOr<void> InodeFile::fsync() {
    // A file's dirty cached pages go first; a directory has only metadata.
    if (m_inode->is_directory())
        return m_fs.fsync(*m_inode);
    auto cache = TRY(FileObject::for_inode(*m_inode));
    return cache->sync();
}

static uint8_t dirent_type(fs::DirEntryType type) {
    switch (type) {
    case fs::DirEntryType::Directory: return DT_DIR;
    case fs::DirEntryType::File: return DT_REG;
    case fs::DirEntryType::Device: return DT_CHR;
    default: return DT_UNKNOWN;
    }
}

ErrorOr<size_t> InodeFile::read_directory(UserCursor& to) {
    if (!m_inode->is_directory())
        return Error::from_errno(ENOTDIR);
    constexpr size_t kLargestRecord = (sizeof(atlas_dirent64) + fs::kMaxNameLength + 1 + 7) & ~size_t(7);
    alignas(atlas_dirent64) uint8_t buffer[kLargestRecord];
    MutexLocker locker(m_offset_lock);
    size_t used = 0;
    for (;;) {
        fs::DirectoryEntry entry;
        uint64_t next = m_offset;
        ErrorOr<bool> found = [&] {
            MutexLocker inode_locker(m_inode->lock());
            return fs::directory_read(*m_inode, &next, &entry);
        }();
        // An error (EIO, or ENOENT once the directory is removed) after some records went
        // out ends the call with them: their position is already passed, so returning the
        // error would lose them. The error meets the next call.
        if (found.is_error() && used > 0)
            break;
        if (!TRY(std::move(found)))
            break;
        // The header up to d_name (19 bytes, not sizeof's 24), the name and its NUL, rounded
        // up to 8, exactly as Linux sizes a linux_dirent64.
        size_t record = (offsetof(atlas_dirent64, d_name) + entry.name_length + 1 + 7) & ~size_t(7);
        if (record > to.remaining()) {
            // Leave the entry for the next call; a buffer too small for even one is EINVAL.
            if (used == 0)
                return Error::from_errno(EINVAL);
            break;
        }
        auto* out = reinterpret_cast<atlas_dirent64*>(buffer);
        klib::memset(out, 0, record);
        out->d_ino = entry.inode;
        out->d_off = static_cast<int64_t>(next);
        out->d_reclen = static_cast<uint16_t>(record);
        out->d_type = dirent_type(entry.type);
        klib::memcpy(out->d_name, entry.name, entry.name_length);
        // One record at a time, with no inode lock held: the position passes a record only
        // once all of it reached the user.
        if (to.copy_out(out, record) < record)
            break;
        used += record;
        m_offset = next;
    }
    if (used == 0 && to.faulted())
        return Error::from_errno(EFAULT);
    return used;
}

void fill_stat_from_inode(fs::FileSystem& fs, fs::Inode& inode, atlas_stat& out) {
    fs::InodeInfo info = fs.stat(inode);
    klib::memset(&out, 0, sizeof(out));
    out.st_dev = 1;
    out.st_ino = info.number;
    switch (info.type) {
    case fs::InodeType::Directory: out.st_mode = S_IFDIR | 0777; break;
    case fs::InodeType::Device: out.st_mode = S_IFCHR | 0666; break;
    default: out.st_mode = S_IFREG | 0666; break;
    }
    out.st_nlink = info.link_count;
    out.st_rdev = (static_cast<uint64_t>(info.major) << 8) | info.minor;
    out.st_size = static_cast<int64_t>(info.size);
    out.st_blksize = static_cast<int32_t>(fs::kBlockSize);
    out.st_blocks = static_cast<int64_t>(info.blocks * (fs::kBlockSize / 512));
    int64_t seconds = static_cast<int64_t>(info.mtime_ns / 1000000000ull);
    uint64_t nanoseconds = info.mtime_ns % 1000000000ull;
    out.st_atime_sec = out.st_mtime_sec = out.st_ctime_sec = seconds;
    out.st_atime_nsec = out.st_mtime_nsec = out.st_ctime_nsec = nanoseconds;
}
