// Block memory: where the file system gets the 4 KiB buffers it hands to a BlockDevice.
//
// Block I/O needs memory that is physically contiguous for a whole block (block_device.h),
// which in the kernel means a page frame; on the host any 4 KiB-aligned allocation will do.
// The file system asks for such buffers only through this small interface, so that its host
// build needs one shim (tests/host/shim/fs/block_memory.h, which replaces this header and
// defines the functions inline over aligned operator new) instead of a stand-in for the
// whole physical allocator. The kernel's definitions are in block_memory_kernel.cc.
//
// Every buffer is exactly fs::kBlockSize bytes, aligned to fs::kBlockSize.
#pragma once

#include <cstddef>

#include "lib/error_or.h"

namespace fs {

// A zero-filled, block-aligned block of memory, or ENOMEM. May be called with sleeping
// locks held but no spinlock.
ErrorOr<void*> allocate_block_memory();

// Returns a buffer from allocate_block_memory(). nullptr is ignored.
void free_block_memory(void* buffer);

// How many more block buffers memory could hold right now (free page frames in the kernel);
// the block cache sizes itself from it at mount.
size_t available_block_memory();

}  // namespace fs
