// Directories: lookup, insertion and removal of entries in a directory inode's blocks.
//
// A directory's contents are blocks of variable-length DirEntry records (format.h), read
// and changed through the block cache like all metadata, each block on its own:
//
//   block:  [ino 5 | len 12 | "." ][ino 1 | len 12 | ".."][ino 9 | len 4072 | "notes" + slack]
//
// - add() puts a new entry into the first record with room: a free record (inode 0) that is
//   long enough, or the slack after a used record's name (the record is split). If no block
//   has room, the directory grows by one block.
// - remove() merges the record into the one before it in the same block, or, for the first
//   record of a block, marks it free (inode 0), so blocks never need compacting.
// - Lookup is a linear scan of the directory's blocks, as in ext2 without its hashed index:
//   fine for the directory sizes a teaching system has, and documented as O(entries).
//
// Every record read is checked (length, alignment, name length, staying inside its block);
// a malformed directory is reported as EIO with a message, never trusted.
//
// Names are 1 to kMaxNameLength bytes without '/' or NUL; longer is ENAMETOOLONG, empty or
// containing those bytes is EINVAL (check_name). All functions expect the directory's
// inode lock held, and the changing ones a transaction with room for
// kDirectoryAddReservation (or kDirectoryRemoveReservation) blocks.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fs/format.h"
#include "fs/inode.h"
#include "fs/log.h"
#include "lib/error_or.h"

namespace fs {

// Log blocks an add() may change: the entry's block, or a new block plus its bitmap block,
// an indirect and a double-indirect block (a directory past 12 blocks), and the inode.
constexpr uint32_t kDirectoryAddReservation = 6;
constexpr uint32_t kDirectoryRemoveReservation = 1;

// A name for a directory entry: `length` bytes at `characters`, not NUL-terminated.
struct Name {
    const char* characters;
    size_t length;

    bool equals(const char* other, size_t other_length) const;
    bool is_dot() const { return length == 1 && characters[0] == '.'; }
    bool is_dot_dot() const { return length == 2 && characters[0] == '.' && characters[1] == '.'; }
};

// Name from a NUL-terminated string.
Name name_from(const char* string);

// EINVAL for an empty name or one with '/' or NUL in it, ENAMETOOLONG beyond 255 bytes.
ErrorOr<void> check_name(Name name);

// The inode number `name` refers to in `directory`, or ENOENT.
ErrorOr<InodeNumber> directory_lookup(Inode& directory, Name name);

// Adds the entry name -> inode. The caller has checked that the name is not present.
ErrorOr<void> directory_add(Transaction& transaction, Inode& directory, Name name, InodeNumber inode,
                            DirEntryType type);

// Removes the entry for `name` (ENOENT if there is none) and returns the inode it named.
ErrorOr<InodeNumber> directory_remove(Transaction& transaction, Inode& directory, Name name);

// Whether the directory holds nothing but "." and "..".
ErrorOr<bool> directory_is_empty(Inode& directory);

// Gives a new, empty directory inode its first block, holding "." (self) and ".." (parent),
// and sets its size. Reservation: the block, its bitmap block and the inode.
constexpr uint32_t kDirectoryInitializeReservation = 3;
ErrorOr<void> directory_initialize(Transaction& transaction, Inode& directory, InodeNumber parent);

// One entry, for listing a directory (getdents, through InodeFile::read_directory).
struct DirectoryEntry {
    InodeNumber inode;
    DirEntryType type;
    uint8_t name_length;
    char name[kMaxNameLength + 1];  // NUL-terminated copy.
};

// Reads the first used entry at or after byte `*offset` into `entry` and moves `*offset`
// past it. Returns false at the end of the directory; ENOENT for a removed directory (link
// count 0), as Linux's getdents answers.
ErrorOr<bool> directory_read(Inode& directory, uint64_t* offset, DirectoryEntry* entry);

}  // namespace fs
