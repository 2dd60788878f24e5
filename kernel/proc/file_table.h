// FileTable: a process's file descriptors, the small integers that name its OpenFiles.
//
//   fd:    0        1        2        3      ...  63
//        [console][console][console][null ] ... [null]     kMaxDescriptors slots
//            \________\________\___> one OpenFile (shared, reference-counted)
//
// allocate() always takes the lowest free descriptor, as POSIX requires (the shell's
// redirections depend on it: close(1); open(...) must give 1). More than kMaxDescriptors
// open at once is EMFILE.
//
// Locking: none. A table belongs to one single-threaded process and is touched only by
// its own thread (system calls, fork copying it, exit closing it).
#pragma once

#include <cstddef>

#include "lib/error_or.h"
#include "lib/ref_ptr.h"
#include "proc/open_file.h"
#include "syscall/abi.h"

class FileTable {
public:
    static constexpr int kMaxDescriptors = ATLAS_OPEN_MAX;

    FileTable() = default;
    FileTable(const FileTable&) = delete;
    FileTable& operator=(const FileTable&) = delete;

    // The OpenFile behind `fd`, or EBADF.
    ErrorOr<RefPtr<OpenFile>> get(int fd) const;

    // Puts `file` into the lowest free slot and returns its number, or EMFILE.
    ErrorOr<int> allocate(RefPtr<OpenFile> file);

    // Puts `file` into slot `fd`, closing what was there (dup2). EBADF if out of range.
    ErrorOr<void> install(int fd, RefPtr<OpenFile> file);

    // Empties slot `fd`; EBADF if it was empty. The OpenFile goes away with its last
    // reference (which may sleep: call with no spinlock held). Returns the file's delayed
    // write-back failure, if any (OpenFile::close_error), with the slot emptied anyway.
    ErrorOr<void> close(int fd);

    // Every descriptor of `other` shares its OpenFile here too (fork).
    void copy_from(const FileTable& other);

    void close_all();

    size_t open_count() const;

private:
    RefPtr<OpenFile> m_files[kMaxDescriptors];
};
