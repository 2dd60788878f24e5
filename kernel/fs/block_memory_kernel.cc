// Block memory in the kernel: one page frame per block buffer, reached through the direct
// map (so the virtio driver can translate it with virt_to_phys). See block_memory.h.
#include "fs/block_memory.h"

#include "fs/format.h"
#include "mm/physical_allocator.h"

static_assert(fs::kBlockSize == 4096, "a block buffer is exactly one page frame");

namespace fs {

ErrorOr<void*> allocate_block_memory()
{
    Page* page = TRY(allocate_page(ZeroFill::Yes, PageUse::Other));
    return page_to_virt(page);
}

void free_block_memory(void* buffer)
{
    if (buffer)
        free_page(page_from_virt(buffer));
}

size_t available_block_memory() { return free_page_count(); }

}  // namespace fs
