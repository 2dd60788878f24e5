// FileSystem: one mounted Atlas file system, and the operations system calls and the VM use.
//
//   FileSystem
//     ├── BlockDevice&          the disk (virtio-blk in the kernel, a memory image on the host)
//     ├── BlockCache            metadata blocks (block_cache.h)
//     ├── Log                   atomic metadata transactions (log.h)
//     ├── BitmapAllocator x 2   data blocks (deferred frees) and inodes (bitmap_allocator.h)
//     ├── InodeTable            in-memory inodes by number (inode_table.h)
//     └── root                  RefPtr to inode 1
//
// Mount validates the superblock (a foreign or corrupted image is refused with EINVAL and a
// message, never a panic), replays a committed log transaction, counts free blocks and
// inodes, checks the root, and frees orphans: inodes in use with a link count of 0, left by
// files that were unlinked while open when the system stopped.
//
// Every change is one or more transactions, begun before any inode lock is taken:
//   - namespace operations (create, link, unlink, rmdir) are one transaction each, of at
//     most kNamespaceReservation blocks;
//   - write() is split into chunks of at most write_chunk_blocks() blocks, one transaction
//     per chunk; data goes straight to its blocks before the chunk's transaction ends
//     (ordered mode). A write that fails part-way (ENOSPC) returns the bytes written so far,
//     and the file's size covers exactly them;
//   - truncation down frees blocks from the end in bounded steps, each its own transaction,
//     so the size always covers what is still mapped.
//
// Sizes and holes: a file's bytes beyond its size are never returned. Growing a file
// (write past the end, truncate up) first zeroes the rest of the old last block on disk,
// since write_page may have written a whole block whose tail lies beyond the end.
//
// Paths are NUL-terminated; relative ones are resolved from `start` (path.h). Buffers passed
// to read() and write() are kernel memory; the data is copied through a page-aligned block
// buffer. (User memory never reaches the file system: the read and write system calls go
// through the page cache, mm/file_object.h, which copies between its frames and the user,
// grows the size with grow_cached_size and writes the frames back later with write_pages.)
// read_page(s) and write_page(s) transfer straight between the disk and page frames.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "fs/bitmap_allocator.h"
#include "fs/block_cache.h"
#include "fs/block_device.h"
#include "fs/directory.h"
#include "fs/format.h"
#include "fs/inode.h"
#include "fs/inode_table.h"
#include "fs/log.h"
#include "lib/error_or.h"
#include "lib/own_ptr.h"
#include "lib/ref_ptr.h"

namespace fs {

struct MountOptions {
    size_t cache_capacity { 0 };  // Buffers; 0 sizes the cache from free memory.
};

// What stat() reports.
struct InodeInfo {
    InodeNumber number;
    InodeType type;
    uint16_t link_count;
    uint16_t major;
    uint16_t minor;
    uint64_t size;
    uint64_t blocks;  // Disk blocks the file maps (data only), for du-like tools and tests.
    uint64_t mtime_ns;
};

// File-system-wide counters, for statfs-like reports and tests.
struct FileSystemUsage {
    uint32_t free_blocks;
    uint32_t free_inodes;
    uint64_t commits;
};

class FileSystem {
public:
    // The most log blocks one namespace operation changes (mkdir is the largest: the
    // inode bitmap and table block, the parent's entry and inode, a new parent block with
    // its bitmap and indirect blocks, and the new directory's block and bitmap block).
    static constexpr uint32_t kNamespaceReservation = 2 + kDirectoryAddReservation + kDirectoryInitializeReservation + 1;
    static_assert(kNamespaceReservation <= Log::kMinimumCapacity / 2 + 1);

    // Mounts the file system on `device`. EINVAL (with a message on the console) for a
    // device that does not hold a sound Atlas file system; EIO; ENOMEM.
    static ErrorOr<OwnPtr<FileSystem>> mount(BlockDevice& device, MountOptions options = {});

    // Evicts the unused inodes, commits everything and flushes the device. EBUSY if any
    // inode other than the root is still referenced (or an unused one's cache could not go).
    // The FileSystem may then be destroyed.
    ErrorOr<void> unmount();

    ~FileSystem();

    RefPtr<Inode> root() { return m_root; }

    // --- Namespace (file_system.cc) ---
    // Every path error of path.h comes first: ENOENT, ENOTDIR (also for "file/." and
    // "file/.."), ENAMETOOLONG. The errors below follow Linux 6.x. No operation takes an
    // inode's lock together with itself, and each pairs locks only by the inode pair rule
    // (sync/lock_order.h), after the checks that need no second lock.
    //
    // The inode `path` names; "name/" must be a directory (ENOTDIR). Nothing is found
    // in a removed directory (ENOENT), not even its "..".
    ErrorOr<RefPtr<Inode>> lookup(Inode& start, const char* path);
    // EEXIST if the name exists, and for "/", "." and ".."; ENOENT in a removed directory;
    // ENOSPC for no inode or block left. A trailing slash: create_file (open's O_CREAT)
    // refuses "name/" with EISDIR, make_device with EEXIST or ENOENT (the slash asks for a
    // directory), make_directory accepts it.
    ErrorOr<RefPtr<Inode>> create_file(Inode& start, const char* path);
    ErrorOr<RefPtr<Inode>> make_directory(Inode& start, const char* path);
    ErrorOr<RefPtr<Inode>> make_device(Inode& start, const char* path, uint16_t major, uint16_t minor);
    // A new name for an existing non-directory: errors of the new name as make_device
    // (EEXIST, ENOENT for "new/"), then EPERM for a directory (decided without locking it),
    // ENOENT if the target lost its last link meanwhile, EMLINK at 65535.
    ErrorOr<void> link(Inode& start, const char* existing_path, const char* new_path);
    // Removes a name of a non-directory: EISDIR for a directory and for "/", "." and "..";
    // ENOTDIR for "file/". The inode lives on while referenced.
    ErrorOr<void> unlink(Inode& start, const char* path);
    // Removes an empty directory: ENOTEMPTY (and for ".."), ENOTDIR, EINVAL for ".", EBUSY
    // for "/". "dir/" is accepted. The removed directory lives on while referenced (a
    // working directory), empty and with nothing reachable through it (see lookup).
    ErrorOr<void> remove_directory(Inode& start, const char* path);
    InodeInfo stat(Inode& inode);

    // --- File data (file_data.cc) ---
    // Reads up to `length` bytes at `offset`; returns the count (0 at or past the end).
    ErrorOr<size_t> read(Inode& inode, uint64_t offset, void* buffer, size_t length);
    // Writes, growing the file as needed; returns the count, short only if the disk filled
    // up after something was written. EFBIG past the largest file, EISDIR for directories.
    ErrorOr<size_t> write(Inode& inode, uint64_t offset, const void* buffer, size_t length);
    // Sets the size, freeing blocks beyond it or leaving a hole up to it.
    ErrorOr<void> truncate(Inode& inode, uint64_t size);
    // Makes the inode's data and metadata durable: a size that grow_cached_size() raised is
    // logged first (log_size), then the running transaction commits and the device flushes.
    ErrorOr<void> fsync(Inode& inode);
    // Makes every finished operation durable: the running transaction commits and the device
    // flushes (sync(), after the flusher wrote the dirty pages back and logged their sizes).
    ErrorOr<void> commit_and_flush();

    // --- Write-back caching (file_data.cc) ---
    // The page cache's write() grew the file to `size` in memory: the new bytes sit in dirty
    // cached pages, and their blocks are allocated only when write_pages writes them back
    // (delayed allocation). Between the old end and `size` the file is holes until then, so
    // any transaction that logs the inode meanwhile shows zeros there, never stale blocks;
    // the old last block's tail on the disk (which may hold bytes from before a shrink) is
    // zeroed first, as for any growth. The size itself reaches the log with the next
    // transaction that writes the inode, or log_size() (fsync, the flusher). No-op if
    // `size` is not larger. EFBIG, EIO.
    ErrorOr<void> grow_cached_size(Inode& inode, uint64_t size);
    // Logs the inode (its size) in a transaction of its own if grow_cached_size() raised the
    // size since the inode was last logged; otherwise does nothing. EIO.
    ErrorOr<void> log_size(Inode& inode);

    // --- VM hooks (file_data.cc) ---
    // Fills `frame` (a page-aligned 4 KiB frame) with file page `page_index`: zeros for a
    // hole, for the tail beyond the end of file, and for a page wholly beyond it.
    ErrorOr<void> read_page(Inode& inode, uint64_t page_index, void* frame);
    // read_page() for pages [first_index, first_index + count) into frames[0 .. count), with
    // pages whose blocks are adjacent on the disk read in one request (readahead).
    ErrorOr<void> read_pages(Inode& inode, uint64_t first_index, uint32_t count, void* const* frames);
    // Writes `frame` to file page `page_index`, allocating its block if needed (in its own
    // transaction, ordered mode); the file size is unchanged. `valid_bytes` (1..4096) is how
    // much of the page lies before the end of file; a page wholly beyond it is not written.
    ErrorOr<void> write_page(Inode& inode, uint64_t page_index, const void* frame, size_t valid_bytes);
    // Writes the `count` frames of file pages [first_index, first_index + count), whole
    // blocks, allocating the missing ones in one transaction per write chunk (write-back of
    // a run of dirty pages), with pages whose blocks follow each other on the disk in one
    // BlockDevice::write_frames request; pages at or beyond the end of file are not written.
    ErrorOr<void> write_pages(Inode& inode, uint64_t first_index, const void* const* frames, uint32_t count);

    // Self-tests only: the next `count` write_pages calls fail with EIO before writing
    // anything, as a disk that fails the page cache's write-back would.
    void fail_next_write_pages_for_test(uint32_t count) { m_failing_write_pages.store(count); }

    // --- Internals shared by the fs/ files ---
    const Superblock& superblock() const { return m_superblock; }
    BlockDevice& device() { return m_device; }
    BlockCache& cache() { return *m_cache; }
    Log& log() { return *m_log; }
    BitmapAllocator& block_allocator() { return *m_block_allocator; }
    BitmapAllocator& inode_allocator() { return *m_inode_allocator; }
    InodeTable& inode_table() { return *m_inode_table; }
    FileSystemUsage usage();
    // Data blocks per write transaction: as many as keep its reservation within half the log.
    uint32_t write_chunk_blocks() const { return m_write_chunk_blocks; }
    // Data blocks freed per truncation transaction, chosen the same way.
    uint32_t truncate_step_blocks() const { return m_truncate_step_blocks; }

    // Frees the blocks and the inode of an unreferenced inode with no links (InodeTable).
    // Errors are reported on the console; what could not be freed leaks until fsck.
    void free_inode_storage(Inode& inode);

    explicit FileSystem(BlockDevice& device)
        : m_device(device)
    {
    }

private:
    ErrorOr<void> load(MountOptions options);
    ErrorOr<void> free_orphans();
    ErrorOr<RefPtr<Inode>> create(Inode& start, const char* path, InodeType type, uint16_t major, uint16_t minor);
    // Removes `name` from `parent` if it still names `victim` (which the caller looked up
    // and type-checked): one transaction, the parent's lock, then the victim's. Returns
    // false, changing nothing, if the name was removed and made again meanwhile.
    ErrorOr<bool> remove_name(Inode& parent, Name name, Inode& victim);
    ErrorOr<void> zero_tail(Inode& inode, uint8_t* scratch);
    // write_pages' inner step for a run with holes: maps file blocks [index, index + count),
    // allocating holes in `transaction`, and writes frames[0 .. count) to them, a run of
    // adjacent blocks per request. Returns how many blocks, from the first, were written;
    // `failure` gets the error that stopped it. Expects the inode's lock.
    uint32_t write_mapped_frames(Inode& inode, Transaction& transaction, uint64_t index, uint32_t count,
                                 const void* const* frames, ErrorOr<void>& failure);
    BlockDevice& m_device;
    Superblock m_superblock {};
    OwnPtr<BlockCache> m_cache;
    OwnPtr<Log> m_log;
    OwnPtr<BitmapAllocator> m_block_allocator;
    OwnPtr<BitmapAllocator> m_inode_allocator;
    OwnPtr<InodeTable> m_inode_table;
    RefPtr<Inode> m_root;
    uint32_t m_write_chunk_blocks { 1 };
    uint32_t m_truncate_step_blocks { 1 };
    std::atomic<uint32_t> m_failing_write_pages { 0 };  // fail_next_write_pages_for_test.
};

}  // namespace fs
