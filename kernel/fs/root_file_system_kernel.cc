// Mounting the root file system at boot: see root_file_system.h.
#include "fs/file_system.h"
#include "fs/root_file_system.h"
#include "lib/kprintf.h"
#include "mm/shrinker.h"

namespace {

OwnPtr<fs::FileSystem> s_root;

size_t shrink_block_cache(void*, size_t frames) {
    // One buffer is one frame of block memory (block_memory_kernel.cc).
    return s_root->cache().shrink(frames);
}

size_t shrink_unused_inodes(void*, size_t frames) {
    // The pages of the unused inodes it evicts (their heap objects go too, uncounted).
    return s_root->inode_table().evict_unused(frames);
}

// Registered first: an unused inode's cached pages are worth less than the metadata buffers
// that the next lookup of any file needs, and evicting inodes releases no buffer anyway.
Shrinker s_unused_inode_shrinker { "unused inodes", shrink_unused_inodes, nullptr };
Shrinker s_block_cache_shrinker { "block cache", shrink_block_cache, nullptr };

}  // namespace

void mount_root_file_system(BlockDevice* disk) {
    if (!disk) {
        kprintf("fs: no root disk, so no root file system\n");
        return;
    }
    auto mounted = fs::FileSystem::mount(*disk);
    if (mounted.is_error()) {
        // The file system has said why on the console already (for EINVAL); the error name
        // covers the rest (EIO, ENOMEM).
        kprintf("fs: the root disk was not mounted (%s); running without a root file system\n",
                mounted.error().name());
        return;
    }
    s_root = mounted.release_value();
    register_shrinker(s_unused_inode_shrinker);
    register_shrinker(s_block_cache_shrinker);
    auto usage = s_root->usage();
    const fs::Superblock& super = s_root->superblock();
    kprintf("fs: root file system mounted: %u blocks (%u free), %u inodes (%u free), log of %u blocks\n",
            super.block_count, usage.free_blocks, super.inode_count, usage.free_inodes, super.log_blocks);
}

fs::FileSystem* root_file_system() {
    return s_root.ptr();
}

RootFileSystemMemory root_file_system_memory() {
    if (!s_root)
        return {};
    auto cache = s_root->cache().statistics();
    return RootFileSystemMemory {
        .block_cache_buffers = cache.buffers,
        .block_cache_unused = cache.unused,
        .block_cache_capacity = s_root->cache().capacity(),
        .inodes = s_root->inode_table().size(),
        .unused_inodes = s_root->inode_table().unused_count(),
    };
}
