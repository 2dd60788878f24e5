// Self-tests of the virtio-blk driver against the real device QEMU provides.
//
// tools/run-tests always attaches a disk, so a missing disk is a failure here, not a skip.
// Every write stays inside the scratch area, the last kScratchBlocks blocks (1 MiB) of the
// disk, which no file system image built by tools/mkfs is allowed to need (mkfs images end
// with data blocks, and the tests run before anything is mounted). Nothing here depends on
// what the scratch area held before.
#include <atomic>

#include "arch/riscv64/layout.h"
#include "drivers/irq.h"
#include "drivers/plic.h"
#include "drivers/virtio_blk.h"
#include "drivers/virtqueue.h"
#include "lib/ktest.h"
#include "lib/string.h"
#include "mm/kernel_heap.h"
#include "mm/physical_allocator.h"
#include "proc/thread_test_support.h"

using namespace ktest_threads;

namespace {

constexpr uint64_t kScratchBlocks = 256;

VirtioBlk* disk_or_report() {
    VirtioBlk* disk = root_virtio_blk();
    if (!disk)
        ktest_fail(__FILE__, __LINE__, "root_virtio_blk() != nullptr",
                   "no virtio-blk disk is attached (QEMU needs -drive ... -device virtio-blk-device)");
    return disk;
}

uint64_t scratch_start(const VirtioBlk& disk) {
    return disk.block_count() - kScratchBlocks;
}

// The word a pattern puts at `index` of block `block`; `seed` tells writes apart.
uint64_t pattern_word(uint64_t seed, uint64_t block, uint64_t index) {
    uint64_t x = seed * 0x9e3779b97f4a7c15ull ^ block * 0xbf58476d1ce4e5b9ull ^ index * 0x94d049bb133111ebull;
    return x ^ (x >> 29);
}

void fill_block(void* buffer, uint64_t seed, uint64_t block) {
    auto* words = static_cast<uint64_t*>(buffer);
    for (uint64_t i = 0; i < fs::kBlockSize / 8; ++i)
        words[i] = pattern_word(seed, block, i);
}

// The index of the first wrong word, or -1 if the block holds the pattern.
int64_t check_block(const void* buffer, uint64_t seed, uint64_t block) {
    auto* words = static_cast<const uint64_t*>(buffer);
    for (uint64_t i = 0; i < fs::kBlockSize / 8; ++i) {
        if (words[i] != pattern_word(seed, block, i))
            return static_cast<int64_t>(i);
    }
    return -1;
}

// A page frame that gives itself back.
class ScratchPage {
public:
    ScratchPage() {
        auto page = allocate_page(ZeroFill::No);
        m_page = page.is_error() ? nullptr : page.value();
    }
    ~ScratchPage() {
        if (m_page)
            free_page(m_page);
    }
    bool ok() const { return m_page != nullptr; }
    void* data() const { return page_to_virt(m_page); }

private:
    Page* m_page;
};

// A large kernel-heap block: page frames mapped side by side in the kernel virtual area,
// physically scattered, which exercises the driver's per-page translation.
class HeapBuffer {
public:
    explicit HeapBuffer(size_t bytes) : m_data(static_cast<uint8_t*>(kmalloc(bytes))) {}
    ~HeapBuffer() { kfree(m_data); }
    bool ok() const { return m_data != nullptr; }
    uint8_t* data() const { return m_data; }

private:
    uint8_t* m_data;
};

}  // namespace

KTEST(VirtioBlk, RootDiskIsPresentAndLargeEnoughForTheScratchArea) {
    VirtioBlk* disk = disk_or_report();
    KASSERT(disk);
    KEXPECT(disk->block_count() >= 2 * kScratchBlocks);
    KEXPECT_EQ(disk->sector_count() / 8, disk->block_count());
    KEXPECT(disk->queue_size() >= 16);
    KEXPECT(!disk->is_read_only());
}

KTEST(VirtioBlk, WrittenBlocksReadBackOneByOne) {
    VirtioBlk* disk = disk_or_report();
    KASSERT(disk);
    ScratchPage page;
    KASSERT(page.ok());
    uint64_t first = scratch_start(*disk);
    for (uint64_t block = first; block < first + 64; ++block) {
        fill_block(page.data(), 1, block);
        KASSERT(!disk->write_blocks(block, 1, page.data()).is_error());
    }
    for (uint64_t block = first; block < first + 64; ++block) {
        klib::memset(page.data(), 0, fs::kBlockSize);
        KASSERT(!disk->read_blocks(block, 1, page.data()).is_error());
        KEXPECT_EQ(-1, check_block(page.data(), 1, block));
    }
}

KTEST(VirtioBlk, OverwriteReplacesTheOldContents) {
    VirtioBlk* disk = disk_or_report();
    KASSERT(disk);
    ScratchPage page;
    KASSERT(page.ok());
    uint64_t block = scratch_start(*disk) + 3;
    for (uint64_t seed = 10; seed < 13; ++seed) {
        fill_block(page.data(), seed, block);
        KASSERT(!disk->write_blocks(block, 1, page.data()).is_error());
    }
    klib::memset(page.data(), 0, fs::kBlockSize);
    KASSERT(!disk->read_blocks(block, 1, page.data()).is_error());
    KEXPECT_EQ(-1, check_block(page.data(), 12, block));
}

KTEST(VirtioBlk, MultiBlockTransferSplitIntoSeveralRequestsKeepsThemInFlightTogether) {
    VirtioBlk* disk = disk_or_report();
    KASSERT(disk);
    // More pages than three requests can carry, so the transfer takes several requests
    // that one wave submits before sleeping.
    constexpr uint32_t kBlocks = 3 * VirtioBlk::kMaxPagesPerRequest + 5;
    HeapBuffer out(kBlocks * fs::kBlockSize), in(kBlocks * fs::kBlockSize);
    KASSERT(out.ok() && in.ok());
    uint64_t first = scratch_start(*disk) + 64;
    for (uint32_t i = 0; i < kBlocks; ++i)
        fill_block(out.data() + i * fs::kBlockSize, 2, first + i);
    auto before = disk->queue_statistics();
    KASSERT(!disk->write_blocks(first, kBlocks, out.data()).is_error());
    auto after = disk->queue_statistics();
    KEXPECT(after.submitted - before.submitted >= 4);
    KEXPECT(after.peak_in_flight >= 2);
    KEXPECT_EQ(0u, after.in_flight);

    klib::memset(in.data(), 0, kBlocks * fs::kBlockSize);
    KASSERT(!disk->read_blocks(first, kBlocks, in.data()).is_error());
    for (uint32_t i = 0; i < kBlocks; ++i)
        KEXPECT_EQ(-1, check_block(in.data() + i * fs::kBlockSize, 2, first + i));

    // The same blocks read one at a time into page frames agree: the multi-block write
    // put every block where its number says.
    ScratchPage page;
    KASSERT(page.ok());
    for (uint32_t i = 0; i < kBlocks; i += 17) {
        KASSERT(!disk->read_blocks(first + i, 1, page.data()).is_error());
        KEXPECT_EQ(-1, check_block(page.data(), 2, first + i));
    }
}

KTEST(VirtioBlk, BufferThatIsNotPageAlignedIsTransferredPiecewise) {
    VirtioBlk* disk = disk_or_report();
    KASSERT(disk);
    // Every block of a buffer starting 100 bytes into a page straddles two physical pages.
    constexpr uint32_t kBlocks = 5;
    HeapBuffer out((kBlocks + 1) * fs::kBlockSize), in((kBlocks + 1) * fs::kBlockSize);
    KASSERT(out.ok() && in.ok());
    uint8_t* source = out.data() + 100;
    uint8_t* target = in.data() + 100;
    uint64_t first = scratch_start(*disk) + 200;
    for (uint32_t i = 0; i < kBlocks; ++i)
        fill_block(source + i * fs::kBlockSize, 3, first + i);
    KASSERT(!disk->write_blocks(first, kBlocks, source).is_error());
    KASSERT(!disk->read_blocks(first, kBlocks, target).is_error());
    for (uint32_t i = 0; i < kBlocks; ++i)
        KEXPECT_EQ(-1, check_block(target + i * fs::kBlockSize, 3, first + i));
}

KTEST(VirtioBlk, ThreadsOnSeveralHartsHaveRequestsInFlightTogether) {
    VirtioBlk* disk = disk_or_report();
    KASSERT(disk);
    constexpr size_t kThreads = 8;
    constexpr uint64_t kBlocksPerThread = 16;
    constexpr unsigned kRounds = 6;
    uint64_t first = scratch_start(*disk) + 100;
    std::atomic<uint32_t> inside{0};
    std::atomic<uint32_t> most_inside{0};
    std::atomic<uint32_t> errors{0};
    std::atomic<uint32_t> mismatches{0};
    uint64_t interrupts_before = irq_count(disk->irq());

    auto note_entry = [&] {
        uint32_t now = inside.fetch_add(1) + 1;
        uint32_t seen = most_inside.load();
        while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {
        }
    };
    run_in_threads(kThreads, [&](size_t index) {
        ScratchPage page;
        if (!page.ok()) {
            errors.fetch_add(1);
            return;
        }
        uint64_t base = first + index * kBlocksPerThread;
        for (unsigned round = 0; round < kRounds; ++round) {
            uint64_t seed = 100 + index * 16 + round;
            for (uint64_t block = base; block < base + kBlocksPerThread; ++block) {
                fill_block(page.data(), seed, block);
                note_entry();
                bool failed = disk->write_blocks(block, 1, page.data()).is_error();
                inside.fetch_sub(1);
                if (failed)
                    errors.fetch_add(1);
            }
            for (uint64_t block = base; block < base + kBlocksPerThread; ++block) {
                note_entry();
                bool failed = disk->read_blocks(block, 1, page.data()).is_error();
                inside.fetch_sub(1);
                if (failed)
                    errors.fetch_add(1);
                else if (check_block(page.data(), seed, block) != -1)
                    mismatches.fetch_add(1);
            }
        }
    });
    KEXPECT_EQ(0u, errors.load());
    KEXPECT_EQ(0u, mismatches.load());
    // Each thread sleeps while its request is in the device, so others submit meanwhile.
    KEXPECT(most_inside.load() >= 2);
    KEXPECT(disk->queue_statistics().peak_in_flight >= 2);
    // (Which harts submitted is not asserted: a busy host may leave a QEMU hart unscheduled
    // for the whole test.)
    // Completion is by interrupt: at least one per batch of completions, and some at all.
    KEXPECT(irq_count(disk->irq()) > interrupts_before);
}

KTEST(VirtioBlk, RangesPastTheEndAreRefusedBeforeReachingTheDevice) {
    VirtioBlk* disk = disk_or_report();
    KASSERT(disk);
    ScratchPage page;
    KASSERT(page.ok());
    uint64_t submitted_before = disk->queue_statistics().submitted;
    auto past = disk->read_blocks(disk->block_count(), 1, page.data());
    KASSERT(past.is_error());
    KEXPECT_EQ(EINVAL, past.error().code());
    auto straddling = disk->write_blocks(disk->block_count() - 1, 2, page.data());
    KASSERT(straddling.is_error());
    KEXPECT_EQ(EINVAL, straddling.error().code());
    KEXPECT_EQ(submitted_before, disk->queue_statistics().submitted);
    // Zero blocks is a successful no-op, wherever it points.
    KEXPECT(!disk->read_blocks(disk->block_count() + 5, 0, page.data()).is_error());
}

KTEST(VirtioBlk, RequestTheDeviceRejectsIsReportedAsEio) {
    VirtioBlk* disk = disk_or_report();
    KASSERT(disk);
    ScratchPage page;
    KASSERT(page.ok());
    uint64_t failed_before = disk->failed_request_count();
    auto result = disk->transfer(TransferDirection::Read, disk->block_count() + 8, 1, page.data(),
                                 BoundsCheck::LeaveToDevice);
    KASSERT(result.is_error());
    KEXPECT_EQ(EIO, result.error().code());
    KEXPECT_EQ(failed_before + 1, disk->failed_request_count());
    KEXPECT_EQ(0u, disk->queue_statistics().in_flight);
    // The device and driver carry on normally after the failure.
    fill_block(page.data(), 4, 0);
    uint64_t block = scratch_start(*disk);
    KEXPECT(!disk->write_blocks(block, 1, page.data()).is_error());
    KEXPECT(!disk->read_blocks(block, 1, page.data()).is_error());
    KEXPECT_EQ(-1, check_block(page.data(), 4, 0));
}

KTEST(VirtioBlk, BufferTheDeviceCannotReachIsRefused) {
    VirtioBlk* disk = disk_or_report();
    KASSERT(disk);
    // A user-space address: nothing the kernel can hand to a device.
    auto result = disk->read_blocks(scratch_start(*disk), 1, reinterpret_cast<void*>(0x10000));
    KASSERT(result.is_error());
    KEXPECT_EQ(EFAULT, result.error().code());
}

KTEST(VirtioBlk, FlushCompletesAfterWrites) {
    VirtioBlk* disk = disk_or_report();
    KASSERT(disk);
    // QEMU's virtio-blk has a write cache and offers FLUSH; the driver must use it.
    KEXPECT(disk->supports_flush());
    ScratchPage page;
    KASSERT(page.ok());
    uint64_t block = scratch_start(*disk) + 250;
    fill_block(page.data(), 5, block);
    KASSERT(!disk->write_blocks(block, 1, page.data()).is_error());
    uint64_t submitted_before = disk->queue_statistics().submitted;
    KEXPECT(!disk->flush().is_error());
    KEXPECT_EQ(submitted_before + 1, disk->queue_statistics().submitted);
    KASSERT(!disk->read_blocks(block, 1, page.data()).is_error());
    KEXPECT_EQ(-1, check_block(page.data(), 5, block));
}

KTEST(VirtioBlk, ManyThreadsReadingOneRangeTogetherSeeTheSameData) {
    VirtioBlk* disk = disk_or_report();
    KASSERT(disk);
    // Twelve threads each read the same 1 MiB (8 requests of 32 pages, a block straddling
    // two pages everywhere because the buffers are offset) three times. Reads only, so any
    // part of the disk will do; everyone must see what one reader saw alone.
    constexpr size_t kThreads = 12;
    constexpr uint32_t kBlocks = 256;
    constexpr size_t kBytes = kBlocks * fs::kBlockSize;
    HeapBuffer reference(kBytes);
    KASSERT(reference.ok());
    KASSERT(!disk->read_blocks(0, kBlocks, reference.data()).is_error());
    std::atomic<uint32_t> errors{0};
    std::atomic<uint32_t> mismatches{0};
    run_in_threads(kThreads, [&](size_t) {
        HeapBuffer buffer(kBytes + fs::kBlockSize);
        if (!buffer.ok()) {
            errors.fetch_add(1);
            return;
        }
        uint8_t* data = buffer.data() + 100;
        for (unsigned round = 0; round < 3; ++round) {
            klib::memset(data, 0, kBytes);
            if (disk->read_blocks(0, kBlocks, data).is_error())
                errors.fetch_add(1);
            else if (klib::memcmp(data, reference.data(), kBytes) != 0)
                mismatches.fetch_add(1);
        }
    });
    KEXPECT_EQ(0u, errors.load());
    KEXPECT_EQ(0u, mismatches.load());
    KEXPECT_EQ(0u, disk->queue_statistics().in_flight);
}

KTEST(VirtioBlk, SubmittersWaitForRequestSlotsWhileTheDeviceIsBusy) {
    VirtioBlk* disk = disk_or_report();
    KASSERT(disk);
    // With the disk's interrupt masked at the PLIC no completion is processed, so requests
    // pile up in flight. 40 threads each read 64 blocks (two requests), 80 requests in all:
    // more than the 64 slots, and (when pages are scattered) more than the 256 descriptors.
    // The submitters that find either used up must sleep, not fail, until the interrupt is
    // let through again.
    constexpr size_t kThreads = 40;
    constexpr uint32_t kBlocks = 2 * VirtioBlk::kMaxPagesPerRequest;
    constexpr size_t kBytes = kBlocks * fs::kBlockSize;
    HeapBuffer reference(kBytes);
    KASSERT(reference.ok());
    KASSERT(!disk->read_blocks(0, kBlocks, reference.data()).is_error());
    auto before = disk->queue_statistics();
    KASSERT(before.in_flight == 0);

    std::atomic<uint32_t> errors{0};
    std::atomic<uint32_t> mismatches{0};
    std::atomic<uint32_t> finished{0};
    RefPtr<Thread> threads[kThreads];
    plic_set_priority(disk->irq(), 0);
    for (size_t i = 0; i < kThreads; ++i) {
        auto thread = Thread::try_spawn("ktest reader", [&] {
            HeapBuffer buffer(kBytes);
            if (!buffer.ok() || disk->read_blocks(0, kBlocks, buffer.data()).is_error())
                errors.fetch_add(1);
            else if (klib::memcmp(buffer.data(), reference.data(), kBytes) != 0)
                mismatches.fetch_add(1);
            finished.fetch_add(1);
        });
        if (thread.is_error()) {
            plic_set_priority(disk->irq(), 1);
            KASSERT(!thread.is_error());
        }
        threads[i] = thread.release_value();
    }
    // Wait (up to 5 s) until the pile stops growing: every slot taken, or the descriptors
    // used up first (requests whose pages are physically scattered need up to 34 each).
    uint32_t last_in_flight = 0;
    unsigned unchanged = 0;
    for (unsigned i = 0; i < 500 && unchanged < 10; ++i) {
        Thread::sleep_for_us(10'000);
        uint32_t now = disk->queue_statistics().in_flight;
        unchanged = now == last_in_flight ? unchanged + 1 : 0;
        last_in_flight = now;
    }
    auto busy = disk->queue_statistics();
    uint32_t finished_while_masked = finished.load();
    plic_set_priority(disk->irq(), 1);
    for (auto& thread : threads)
        thread->join();

    // Either limit may bite first; whichever did, submitters were made to sleep on it.
    KEXPECT(busy.in_flight == VirtioBlk::kMaxRequestsInFlight ||
            busy.descriptor_waits > before.descriptor_waits);
    KEXPECT(busy.in_flight >= 2);
    KEXPECT_EQ(0u, finished_while_masked);
    KEXPECT_EQ(0u, errors.load());
    KEXPECT_EQ(0u, mismatches.load());
    KEXPECT_EQ(kThreads, size_t{finished.load()});
    KEXPECT_EQ(0u, disk->queue_statistics().in_flight);
}
