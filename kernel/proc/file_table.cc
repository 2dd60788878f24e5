// FileTable: see file_table.h.
#include "proc/file_table.h"

ErrorOr<RefPtr<OpenFile>> FileTable::get(int fd) const {
    if (fd < 0 || fd >= kMaxDescriptors || !m_files[fd])
        return Error::from_errno(EBADF);
    return m_files[fd];
}

ErrorOr<int> FileTable::allocate(RefPtr<OpenFile> file) {
    for (int fd = 0; fd < kMaxDescriptors; ++fd) {
        if (!m_files[fd]) {
            m_files[fd] = std::move(file);
            return fd;
        }
    }
    return Error::from_errno(EMFILE);
}

ErrorOr<void> FileTable::install(int fd, RefPtr<OpenFile> file) {
    if (fd < 0 || fd >= kMaxDescriptors)
        return Error::from_errno(EBADF);
    // Swap first, drop the old file after: its destructor may sleep (a pipe end waking
    // the other side, an inode being freed), and the slot is consistent by then.
    RefPtr<OpenFile> old = std::move(m_files[fd]);
    m_files[fd] = std::move(file);
    return {};
}

ErrorOr<void> FileTable::close(int fd) {
    if (fd < 0 || fd >= kMaxDescriptors || !m_files[fd])
        return Error::from_errno(EBADF);
    RefPtr<OpenFile> old = std::move(m_files[fd]);
    // A delayed write-back failure of the file is close()'s error (the descriptor is
    // closed all the same).
    return old->close_error();
}

void FileTable::copy_from(const FileTable& other) {
    for (int fd = 0; fd < kMaxDescriptors; ++fd)
        m_files[fd] = other.m_files[fd];
}

void FileTable::close_all() {
    for (auto& file : m_files)
        file = nullptr;
}

size_t FileTable::open_count() const {
    size_t count = 0;
    for (const auto& file : m_files)
        count += file ? 1 : 0;
    return count;
}
