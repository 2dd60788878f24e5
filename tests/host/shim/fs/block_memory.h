// Host shim for kernel/fs/block_memory.h: block buffers from aligned operator new. The
// "available memory" figure is fixed, so that the block cache sizes itself the same way on
// every machine the tests run on.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>

#include "fs/format.h"
#include "lib/error_or.h"

namespace fs {

inline ErrorOr<void*> allocate_block_memory()
{
    void* buffer = ::operator new(kBlockSize, std::align_val_t(kBlockSize), std::nothrow);
    if (!buffer)
        return Error::from_errno(ENOMEM);
    std::memset(buffer, 0, kBlockSize);
    return buffer;
}

inline void free_block_memory(void* buffer)
{
    if (buffer)
        ::operator delete(buffer, std::align_val_t(kBlockSize));
}

// As if the machine had 16 MiB free: the cache then sizes itself to its floor or a little
// above, which keeps eviction exercised in the tests.
inline size_t available_block_memory() { return 4096; }

}  // namespace fs
