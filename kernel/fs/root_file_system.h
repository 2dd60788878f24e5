// The root file system: the Atlas file system on the root disk, mounted once at boot.
//
// mount_root_file_system() runs in the first kernel thread (mounting sleeps on disk I/O),
// which passes it the root disk that the virtio-blk probe found (root_block_device() in
// drivers/virtio_blk.h; this file knows only the BlockDevice interface). It mounts it with
// fs::FileSystem::mount (which replays a committed log transaction), and prints one line
// either way. A disk that does not hold a sound Atlas file system (blank, foreign,
// corrupted) is refused with the file system's message and the kernel boots on without a
// root file system; so does a machine without a disk. Nothing here panics.
//
// Once mounted, the root file system gives memory back under pressure: this file registers
// two shrinkers (mm/shrinker.h), one for its unused inodes (evicted with their cached pages,
// least recently used first; fs/inode_table.h) and one for its block cache (unused buffers,
// least recently used first).
//
// Invariants: root_file_system() is null until a mount succeeded and never changes after
// that (the root file system is never unmounted while the kernel runs).
#pragma once

#include <cstddef>

class BlockDevice;
namespace fs {
class FileSystem;
}

// Mounts the file system on `disk` (nullptr: there is no disk) as the root file system.
// Call once, from a thread, with no lock held.
void mount_root_file_system(BlockDevice* disk);

// The mounted root file system, or nullptr.
fs::FileSystem* root_file_system();

// What the root file system keeps in memory, for vmstat (zeros without one).
struct RootFileSystemMemory {
    size_t block_cache_buffers;   // Buffers (one frame each),
    size_t block_cache_unused;    // of which unreferenced and unpinned (reclaimable),
    size_t block_cache_capacity;  // and the number the cache keeps before it recycles.
    size_t inodes;                // In-memory inodes (in use, or unused with cached pages),
    size_t unused_inodes;         // of which unused (on the LRU, evictable).
};
RootFileSystemMemory root_file_system_memory();
