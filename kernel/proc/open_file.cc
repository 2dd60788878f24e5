// OpenFile and InodeFile: see open_file.h.
#include "proc/open_file.h"

#include <algorithm>
#include <cstddef>

#include "fs/directory.h"
#include "fs/file_system.h"
#include "fs/inode.h"
#include "lib/string.h"
#include "mm/file_object.h"
#include "mm/user_memory.h"
#include "syscall/abi.h"

// --- Defaults: what a kind without the operation answers. ---

ErrorOr<size_t> OpenFile::read_at(UserCursor&, uint64_t) { return Error::from_errno(ESPIPE); }

ErrorOr<size_t> OpenFile::write_at(UserCursor&, uint64_t) { return Error::from_errno(ESPIPE); }

ErrorOr<uint64_t> OpenFile::seek(int64_t, int) { return Error::from_errno(ESPIPE); }

ErrorOr<void> OpenFile::truncate(uint64_t) { return Error::from_errno(EINVAL); }

// Devices and pipes have nothing to make durable; Linux says EINVAL for them.
ErrorOr<void> OpenFile::fsync() { return Error::from_errno(EINVAL); }
ErrorOr<void> OpenFile::close_error() { return {}; }

ErrorOr<size_t> OpenFile::read_directory(UserCursor&) { return Error::from_errno(ENOTDIR); }

// --- InodeFile ---

InodeFile::InodeFile(fs::FileSystem& fs, RefPtr<fs::Inode> inode, FileAccess access, Append append)
    : OpenFile(OpenFileKind::Inode, access)
    , m_fs(fs)
    , m_inode(std::move(inode))
    , m_append(append)
{
}

InodeFile::~InodeFile() {
    if (FileObject* cache = m_cache.load(std::memory_order_acquire))
        cache->unref();
}

ErrorOr<RefPtr<OpenFile>> InodeFile::try_create(fs::FileSystem& fs, RefPtr<fs::Inode> inode, FileAccess access,
                                                Append append) {
    auto file = TRY(try_make_ref_counted<InodeFile>(fs, std::move(inode), access, append));
    return RefPtr<OpenFile>(std::move(file));
}

ErrorOr<FileObject*> InodeFile::cache_for(FileAccess direction) {
    if (!(direction == FileAccess::Read ? readable() : writable()))
        return Error::from_errno(EBADF);
    if (m_inode->is_directory())
        return Error::from_errno(EISDIR);
    // Through the page cache, so that read() and write() see the very frames a shared
    // mapping does.
    if (FileObject* cache = m_cache.load(std::memory_order_acquire)) [[likely]]
        return cache;
    FileObject* made = TRY(FileObject::for_inode(*m_inode)).leak_ref();
    FileObject* expected = nullptr;
    if (m_cache.compare_exchange_strong(expected, made, std::memory_order_acq_rel))
        return made;
    made->unref();  // Another call got there first: use its (the same object).
    return expected;
}

ErrorOr<size_t> InodeFile::read(UserCursor& to) {
    auto cache = TRY(cache_for(FileAccess::Read));
    if (to.remaining() == 0)
        return 0;
    TransferBuffer buffer(to);
    MutexLocker locker(m_offset_lock);
    // The offset moves by what reached the user: bytes a fault kept from it stay for the
    // next read.
    size_t count = TRY(cache->read(m_offset, buffer));
    m_offset += count;
    return count;
}

ErrorOr<size_t> InodeFile::read_at(UserCursor& to, uint64_t offset) {
    auto cache = TRY(cache_for(FileAccess::Read));
    if (to.remaining() == 0)
        return 0;
    TransferBuffer buffer(to);
    return cache->read(offset, buffer);
}

ErrorOr<size_t> InodeFile::write(UserCursor& from) {
    auto cache = TRY(cache_for(FileAccess::Write));
    if (from.remaining() == 0)
        return 0;
    TransferBuffer buffer(from);
    MutexLocker locker(m_offset_lock);
    // O_APPEND: every write goes to the end as it is now, even if another process has
    // grown the file since this one last wrote.
    uint64_t offset = m_offset;
    size_t count = TRY(cache->write(buffer, offset, m_append == Append::Yes ? FileObject::WriteAt::End
                                                                              : FileObject::WriteAt::Offset));
    m_offset = offset + count;
    return count;
}

ErrorOr<size_t> InodeFile::write_at(UserCursor& from, uint64_t offset) {
    auto cache = TRY(cache_for(FileAccess::Write));
    if (from.remaining() == 0)
        return 0;
    TransferBuffer buffer(from);
    return cache->write(buffer, offset,
                        m_append == Append::Yes ? FileObject::WriteAt::End : FileObject::WriteAt::Offset);
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

ErrorOr<void> InodeFile::close_error() {
    // Only a file written through this description, with a page cache, has a write-back
    // failure to report here.
    if (!writable() || m_inode->is_directory())
        return {};
    fs::InodePageCache* cache;
    {
        MutexLocker locker(m_inode->lock());
        cache = m_inode->page_cache();
    }
    if (!cache)
        return {};
    return static_cast<FileObject*>(cache)->take_write_error();
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
