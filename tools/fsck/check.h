// fsck::check_image: checks every invariant of an Atlas file-system image held in memory.
//
// Host-only (std::vector and std::string are fine here). Used by tools/fsck, by the crash
// test (which checks the image after each simulated power cut) and by the host tests.
//
// What it checks, against kernel/fs/format.h:
//   - the superblock, with fs::validate_superblock (nothing else is checked if it fails);
//   - the log: a header with count > 0 and a valid checksum is a committed transaction,
//     which is replayed on a private view of the image before anything else is read, and
//     noted; a torn header (bad checksum) is ignored, as mount ignores it, and noted;
//   - the inode bitmap against the inode table: an inode is in use exactly when its bit is
//     set and it has a valid type (inode 0 is reserved and always marked);
//   - every block pointer of an in-use inode is 0 (a hole) or within [data_start,
//     block_count); no block is referenced twice; no data block is mapped at or beyond the
//     end of its file and no indirect block lies wholly beyond it; sizes are within the
//     largest file the block map can describe;
//   - the block bitmap equals exactly the metadata blocks (below data_start) plus every block
//     an in-use inode references (leaked blocks and blocks in use but marked free are both
//     problems). Bits past block_count and inode_count are padding and are ignored.
//   - directories: sizes are whole blocks without holes; record lengths are multiples of 4,
//     hold their names and add up to exactly one block; names are 1..255 bytes without '/'
//     or NUL and unique within the directory; "." and ".." are the first two entries and name
//     the directory and its parent (the root's ".." names the root) and appear nowhere else;
//     every entry names an in-use inode with the matching entry type; every directory is
//     reachable from the root exactly once (a directory never has two names);
//   - link counts equal the number of entries naming the inode ("." and the children's ".."
//     included for directories); an in-use inode that no reachable directory names is an
//     orphan. Blocks of orphans count as referenced, so an orphan is reported once rather
//     than again as leaked blocks.
//
// Each problem is one readable sentence naming the inode, block or entry. Garbage never
// crashes it: every offset and count read from the image is bounds-checked before use, and
// the work is bounded by the image's size (at most one walk per inode and one visit per
// directory block). A flood of problems is truncated after kMaxProblems, with a count of the
// rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fsck {

constexpr size_t kMaxProblems = 1000;

struct Report {
    std::vector<std::string> problems;  // Each makes the image unclean.
    std::vector<std::string> notes;     // Worth knowing, not wrong (a replayed log, say).
    bool clean() const { return problems.empty(); }
    // The notes, then the problems, one per line, then a summary line.
    std::string text() const;
};

// Checks a whole disk image held in memory (a committed but unreplayed log transaction is
// replayed on a private copy first, and noted). Never crashes on garbage.
Report check_image(const uint8_t* image, size_t size);

}  // namespace fsck
