// MemoryBlockDevice: a BlockDevice over a disk image held in memory, for the file-system
// tests, with power-cut injection for the crash test.
//
// The image is a std::vector of whole 4 KiB blocks. Reads and writes copy; they complete at
// once and in order, so "durable" simply means "written before the cut".
//
// Power cut: cut_power_after(k) arms the device so that, from then on, only the first k
// block writes (counted from the arming, a multi-block write counting one per block) reach
// the durable image; every later write is silently dropped from it. The file system keeps
// running against the live image (which sees every write, so the system does not notice
// anything), and afterwards durable_image() is what a machine rebooted at that instant would
// find on its disk. The model keeps the order of writes; it does not reorder writes between
// flushes the way a disk with a volatile cache may.
//
// Error injection: fail_writes_from(n) makes the n-th and later block writes fail with EIO.
//
// Thread-safe: one mutex guards everything, so concurrent tests can share a device.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "fs/block_device.h"

class MemoryBlockDevice final : public BlockDevice {
public:
    explicit MemoryBlockDevice(std::vector<uint8_t> image);

    uint64_t block_count() const override;
    ErrorOr<void> read_blocks(uint64_t block, uint32_t count, void* buffer) override;
    ErrorOr<void> write_blocks(uint64_t block, uint32_t count, const void* buffer) override;
    ErrorOr<void> flush() override;

    // Arms a power cut after `writes` more block writes (see above).
    void cut_power_after(uint64_t writes);
    // Makes every block write from the `write_number`-th (counting all writes ever, from 1)
    // fail with EIO.
    void fail_writes_from(uint64_t write_number);

    uint64_t block_writes() const;
    uint64_t block_reads() const;
    uint64_t flushes() const;

    // Copies of the live image (every write) and of the durable one (writes before the cut;
    // the live image if no cut is armed).
    std::vector<uint8_t> image() const;
    std::vector<uint8_t> durable_image() const;

private:
    mutable std::mutex m_mutex;
    std::vector<uint8_t> m_live;
    std::optional<std::vector<uint8_t>> m_durable;
    uint64_t m_writes_until_cut { 0 };
    uint64_t m_writes { 0 };
    uint64_t m_reads { 0 };
    uint64_t m_flushes { 0 };
    uint64_t m_fail_from { 0 };
};
