// A BlockDevice over memory with power-cut and error injection; see memory_block_device.h.
#include "memory_block_device.h"

#include <cstring>

#include "fs/format.h"

MemoryBlockDevice::MemoryBlockDevice(std::vector<uint8_t> image)
    : m_live(std::move(image))
{
    ASSERT(m_live.size() % fs::kBlockSize == 0);
}

uint64_t MemoryBlockDevice::block_count() const { return m_live.size() / fs::kBlockSize; }

ErrorOr<void> MemoryBlockDevice::read_blocks(uint64_t block, uint32_t count, void* buffer)
{
    std::lock_guard guard(m_mutex);
    if (block + count > block_count())
        return Error::from_errno(EIO);
    std::memcpy(buffer, m_live.data() + block * fs::kBlockSize, size_t(count) * fs::kBlockSize);
    m_reads += count;
    return {};
}

ErrorOr<void> MemoryBlockDevice::write_blocks(uint64_t block, uint32_t count, const void* buffer)
{
    std::lock_guard guard(m_mutex);
    if (block + count > block_count())
        return Error::from_errno(EIO);
    const auto* bytes = static_cast<const uint8_t*>(buffer);
    for (uint32_t i = 0; i < count; ++i) {
        ++m_writes;
        if (m_fail_from != 0 && m_writes >= m_fail_from)
            return Error::from_errno(EIO);
        size_t offset = (block + i) * fs::kBlockSize;
        std::memcpy(m_live.data() + offset, bytes + size_t(i) * fs::kBlockSize, fs::kBlockSize);
        if (m_durable && m_writes_until_cut > 0) {
            --m_writes_until_cut;
            std::memcpy(m_durable->data() + offset, bytes + size_t(i) * fs::kBlockSize, fs::kBlockSize);
        }
    }
    return {};
}

ErrorOr<void> MemoryBlockDevice::flush()
{
    std::lock_guard guard(m_mutex);
    ++m_flushes;
    return {};
}

void MemoryBlockDevice::cut_power_after(uint64_t writes)
{
    std::lock_guard guard(m_mutex);
    m_durable = m_live;
    m_writes_until_cut = writes;
}

void MemoryBlockDevice::fail_writes_from(uint64_t write_number)
{
    std::lock_guard guard(m_mutex);
    m_fail_from = write_number;
}

uint64_t MemoryBlockDevice::block_writes() const
{
    std::lock_guard guard(m_mutex);
    return m_writes;
}

uint64_t MemoryBlockDevice::block_reads() const
{
    std::lock_guard guard(m_mutex);
    return m_reads;
}

uint64_t MemoryBlockDevice::flushes() const
{
    std::lock_guard guard(m_mutex);
    return m_flushes;
}

std::vector<uint8_t> MemoryBlockDevice::image() const
{
    std::lock_guard guard(m_mutex);
    return m_live;
}

std::vector<uint8_t> MemoryBlockDevice::durable_image() const
{
    std::lock_guard guard(m_mutex);
    return m_durable ? *m_durable : m_live;
}
