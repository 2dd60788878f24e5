// BlockDevice: the interface between the file system and whatever stores its blocks.
//
// The file system sees a disk as an array of fs::kBlockSize (4 KiB) blocks. In the kernel
// the virtio-blk driver implements this interface; on the host, tests use a file- or
// memory-backed device (tests/host/support/memory_block_device.h) that can also simulate a
// power cut.
//
// Contract shared by every implementation:
//  - Block numbers and block_count() are in fs::kBlockSize units.
//  - read_blocks/write_blocks transfer `count` consecutive blocks starting at `block`.
//    `buffer` is kernel memory that is physically contiguous for the whole transfer: in the
//    kernel that means whole page frames from the physical allocator or other page-aligned
//    memory from the direct map (a heap buffer is not enough, since a block is 4096 bytes).
//    The driver translates with virt_to_phys and may split a transfer into per-page
//    descriptors.
//  - The calls sleep until the transfer is done; several threads may call at once and their
//    requests are in flight together. A device error is reported as EIO.
//  - A completed write is not necessarily durable: only flush() (virtio FLUSH) guarantees
//    that every write completed before it has reached stable storage. The log relies on
//    this ordering for its commit point.
#pragma once

#include <cstdint>

#include "lib/error_or.h"

class BlockDevice {
public:
    virtual ~BlockDevice() = default;
    virtual uint64_t block_count() const = 0;  // In fs::kBlockSize units.
    // Transfers `count` consecutive 4 KiB blocks starting at `block`. `buffer` is kernel
    // memory (direct-mapped, physically contiguous for the whole transfer in the kernel: page
    // frames from the allocator are; a heap buffer up to 2048 bytes is within one page but a
    // block is 4096, so the FS passes page frames or page-aligned buffers only). Sleeps until
    // done; several threads may call at once and their requests are in flight together. EIO on
    // a device error.
    virtual ErrorOr<void> read_blocks(uint64_t block, uint32_t count, void* buffer) = 0;
    virtual ErrorOr<void> write_blocks(uint64_t block, uint32_t count, const void* buffer) = 0;
    virtual ErrorOr<void> flush() = 0;  // Completed writes become durable (virtio FLUSH).

    // Reads `count` consecutive blocks starting at `block` into `frames[0 .. count)`, one
    // block per frame (each a whole page frame, anywhere in memory): the page cache's
    // readahead, which wants one large request over frames that are not contiguous. This
    // default reads them one by one; a driver that can scatter does it in one go.
    virtual ErrorOr<void> read_frames(uint64_t block, uint32_t count, void* const* frames)
    {
        for (uint32_t i = 0; i < count; ++i)
            TRY(read_blocks(block + i, 1, frames[i]));
        return {};
    }
    // The same the other way: writes frames[0 .. count) to `count` consecutive blocks (the
    // page cache's write-back of a run of pages).
    virtual ErrorOr<void> write_frames(uint64_t block, uint32_t count, const void* const* frames)
    {
        for (uint32_t i = 0; i < count; ++i)
            TRY(write_blocks(block + i, 1, frames[i]));
        return {};
    }
};
