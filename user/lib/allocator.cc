// The size-class allocator. See allocator.h for the layout and invariants.
#include "allocator.h"

#include <string.h>

namespace atlas {

namespace {

// The header's second word says what the block is; anything else means corruption.
constexpr uint64_t kSmallUsed = 0xa11c5a11'00000001ull;
constexpr uint64_t kSmallFree = 0xa11c5a11'00000002ull;
constexpr uint64_t kLargeUsed = 0xa11c1a69'00000003ull;
constexpr uint64_t kLargeFree = 0xa11c1a69'00000004ull;

constexpr size_t kClassSizes[Allocator::kClassCount] = {16,  32,  48,  64,  96,   128,  192,
                                                       256, 384, 512, 768, 1024, 1536, 2048};

struct Header {
    uint64_t word;  // Small: the size class. Large: the block's size, header included.
    uint64_t tag;
};
static_assert(sizeof(Header) == Allocator::kHeaderSize);

Header* header_of(void* pointer) { return reinterpret_cast<Header*>(static_cast<char*>(pointer) - sizeof(Header)); }

size_t round_up(size_t value, size_t alignment) { return (value + alignment - 1) & ~(alignment - 1); }

} // namespace

size_t Allocator::class_size(int size_class) { return kClassSizes[size_class]; }

int Allocator::class_for(size_t size)
{
    int size_class = 0;
    while (kClassSizes[size_class] < size)
        ++size_class;
    return size_class;
}

void* Allocator::allocate(size_t size)
{
    if (size == 0)
        size = 1;
    if (size <= kMaxSmall)
        return allocate_small(size);
    return allocate_large(size);
}

bool Allocator::refill(int size_class)
{
    size_t stride = kHeaderSize + kClassSizes[size_class];
    void* run = m_grow((intptr_t)kRunSize);
    if (run == (void*)-1)
        return false;
    char* block = static_cast<char*>(run);
    // Thread the run's blocks onto the list in address order, so allocation walks upward.
    FreeSmall* head = m_small[size_class];
    size_t count = kRunSize / stride;
    for (size_t i = count; i-- > 0;) {
        auto* header = reinterpret_cast<Header*>(block + i * stride);
        header->word = (uint64_t)size_class;
        header->tag = kSmallFree;
        auto* entry = reinterpret_cast<FreeSmall*>(header + 1);
        entry->next = head;
        head = entry;
    }
    m_small[size_class] = head;
    return true;
}

void* Allocator::allocate_small(size_t size)
{
    int size_class = class_for(size);
    if (!m_small[size_class] && !refill(size_class))
        return nullptr;
    FreeSmall* entry = m_small[size_class];
    m_small[size_class] = entry->next;
    header_of(entry)->tag = kSmallUsed;
    return entry;
}

void* Allocator::allocate_large(size_t size)
{
    if (size > (size_t)INTPTR_MAX / 2)
        return nullptr;
    size_t total = round_up(size + kHeaderSize, kPageSize);
    char* block = nullptr;
    for (FreeLarge** link = &m_large; *link; link = &(*link)->next) {
        FreeLarge* candidate = *link;
        if (candidate->size < total)
            continue;
        block = reinterpret_cast<char*>(candidate);
        if (candidate->size == total) {
            *link = candidate->next;
        } else {
            // Keep the front on the list (in place, so the order holds); hand out the tail.
            candidate->size -= total;
            block += candidate->size;
        }
        break;
    }
    if (!block) {
        void* fresh = m_grow((intptr_t)total);
        if (fresh == (void*)-1)
            return nullptr;
        block = static_cast<char*>(fresh);
    }
    auto* header = reinterpret_cast<Header*>(block);
    header->word = total;
    header->tag = kLargeUsed;
    return header + 1;
}

void Allocator::release(void* pointer)
{
    if (!pointer)
        return;
    Header* header = header_of(pointer);
    if (header->tag == kSmallUsed && header->word < (uint64_t)kClassCount) {
        header->tag = kSmallFree;
        auto* entry = static_cast<FreeSmall*>(pointer);
        entry->next = m_small[header->word];
        m_small[header->word] = entry;
        return;
    }
    if (header->tag == kLargeUsed && header->word % kPageSize == 0 && header->word > 0) {
        release_large(reinterpret_cast<char*>(header), header->word);
        return;
    }
    m_on_corruption(header->tag == kSmallFree || header->tag == kLargeFree ? "double free" : "free of a bad pointer",
                    pointer);
}

void Allocator::release_large(char* block, size_t size)
{
    // Find the neighbours in the address-sorted list.
    FreeLarge* previous = nullptr;
    FreeLarge* next = m_large;
    while (next && reinterpret_cast<char*>(next) < block) {
        previous = next;
        next = next->next;
    }
    auto* freed = reinterpret_cast<FreeLarge*>(block);
    freed->size = size;
    freed->tag = kLargeFree;
    freed->next = next;
    if (previous)
        previous->next = freed;
    else
        m_large = freed;
    // Merge with the following block, then with the preceding one.
    if (next && block + size == reinterpret_cast<char*>(next)) {
        freed->size += next->size;
        freed->next = next->next;
    }
    if (previous && reinterpret_cast<char*>(previous) + previous->size == block) {
        previous->size += freed->size;
        previous->next = freed->next;
        freed = previous;
    }
    // A free block at the top of the heap goes back to the kernel.
    char* top = static_cast<char*>(m_grow(0));
    if (reinterpret_cast<char*>(freed) + freed->size == top && !freed->next) {
        if (m_grow(-(intptr_t)freed->size) != (void*)-1) {
            FreeLarge** link = &m_large;
            while (*link != freed)
                link = &(*link)->next;
            *link = nullptr;
        }
    }
}

size_t Allocator::usable_size(void* pointer) const
{
    Header* header = header_of(pointer);
    if (header->tag == kSmallUsed)
        return kClassSizes[header->word];
    return header->word - kHeaderSize;
}

void* Allocator::reallocate(void* pointer, size_t size)
{
    if (!pointer)
        return allocate(size);
    if (size == 0) {
        release(pointer);
        return nullptr;
    }
    Header* header = header_of(pointer);
    if (header->tag != kSmallUsed && header->tag != kLargeUsed) {
        m_on_corruption("realloc of a bad pointer", pointer);
        return nullptr;
    }
    size_t capacity = usable_size(pointer);
    // Keep the block when it fits and is not grossly oversized (a shrink to under half of a
    // large block moves, so that the pages can be reused).
    if (size <= capacity && (header->tag == kSmallUsed || size > capacity / 2))
        return pointer;
    void* moved = allocate(size);
    if (!moved)
        return nullptr;
    memcpy(moved, pointer, size < capacity ? size : capacity);
    release(pointer);
    return moved;
}

void* Allocator::allocate_zeroed(size_t count, size_t size)
{
    if (size != 0 && count > (size_t)-1 / size)
        return nullptr;
    void* pointer = allocate(count * size);
    if (pointer)
        memset(pointer, 0, count * size);
    return pointer;
}

bool Allocator::validate() const
{
    for (int size_class = 0; size_class < kClassCount; ++size_class) {
        for (FreeSmall* entry = m_small[size_class]; entry; entry = entry->next) {
            Header* header = header_of(entry);
            if (header->tag != kSmallFree || header->word != (uint64_t)size_class)
                return false;
        }
    }
    char* top = static_cast<char*>(m_grow(0));
    for (FreeLarge* entry = m_large; entry; entry = entry->next) {
        char* start = reinterpret_cast<char*>(entry);
        if (reinterpret_cast<Header*>(entry)->tag != kLargeFree || entry->size == 0 || entry->size % kPageSize)
            return false;
        if (start + entry->size == top)
            return false;
        if (entry->next && start + entry->size >= reinterpret_cast<char*>(entry->next))
            return false;
    }
    return true;
}

size_t Allocator::free_bytes() const
{
    size_t total = 0;
    for (int size_class = 0; size_class < kClassCount; ++size_class) {
        for (FreeSmall* entry = m_small[size_class]; entry; entry = entry->next)
            total += kClassSizes[size_class];
    }
    for (FreeLarge* entry = m_large; entry; entry = entry->next)
        total += entry->size;
    return total;
}

} // namespace atlas
