// VirtioBlk: the virtio block device driver, the kernel's BlockDevice (fs/block_device.h).
//
// Every transfer becomes one or more virtio-blk requests, each a descriptor chain:
//
//   [header: type, reserved, sector]  -> [data piece] ... [data piece] -> [status byte]
//    device reads (16 bytes)              one per page at most             device writes
//
// Sectors are 512 bytes whatever the block size, so block b is sector 8 b. The data pieces
// are found page by page with virtio::dma_address(), and physically adjacent pages share
// one descriptor. A transfer longer than kMaxPagesPerRequest pages is split into several
// requests, which are all submitted before the caller sleeps (up to kMaxRequestsPerWave at
// a time), so one large transfer keeps several requests in flight. Requests from different
// threads are in flight together too: a submitter only sleeps on its own completion.
//
// Headers and status bytes must be in memory the device can reach, and the caller's stack
// is not direct-mapped, so they live in one driver-owned page, as kMaxRequestsInFlight
// request slots. A submitter takes a free slot (a bit in m_free_slots, found in O(1)), or
// sleeps until one is released.
//
// Errors: a status other than OK (IOERR, UNSUPP, or a status the device never wrote) is EIO
// for the caller; the rest of the transfer is still waited for, never abandoned in flight.
// Transfers past the end of the disk are refused with EINVAL before anything is sent,
// except through the test-only BoundsCheck::LeaveToDevice, which lets the self-tests see
// the device itself fail a request. Writes to a read-only disk (VIRTIO_BLK_F_RO) give EROFS.
// flush() sends VIRTIO_BLK_T_FLUSH when the device offers VIRTIO_BLK_F_FLUSH; a device that
// does not has no volatile write cache, and flush() succeeds at once.
//
// Locking: m_slot_lock (rank Device) guards m_free_slots; the virtqueue has its own lock of
// the same rank, and the two are never held together. Every BlockDevice call may sleep and
// must be made from a thread holding no spinlock. The interrupt handler runs on the boot
// hart and only completes requests.
#pragma once

#include <cstdint>
#include <optional>

#include "drivers/virtio_mmio.h"
#include "drivers/virtqueue.h"
#include "fs/block_device.h"
#include "fs/format.h"
#include "lib/error_or.h"
#include "lib/own_ptr.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

struct MachineInfo;
struct Page;

// Whether a transfer's range is checked against the disk size before it is sent.
// LeaveToDevice exists for self-tests that need the device to reject a request.
enum class BoundsCheck : uint8_t { Enforce, LeaveToDevice };

enum class TransferDirection : uint8_t { Read, Write };

// Whether taking a request slot may sleep until one is free.
enum class SlotWait : uint8_t { Sleep, DontSleep };

// What the disk has been asked to read, since boot (vmstat).
struct DiskStatistics {
    uint64_t read_requests;
    uint64_t read_bytes;
};
DiskStatistics disk_statistics();

class VirtioBlk final : public BlockDevice {
public:
    static constexpr uint32_t kSectorSize = 512;
    static constexpr uint32_t kMaxRequestsInFlight = 64;
    static constexpr uint32_t kMaxPagesPerRequest = 32;
    static constexpr uint32_t kMaxRequestsPerWave = 8;

    // Brings up the block device behind `transport`, whose interrupt is PLIC source `irq`:
    // negotiates features, sets up request queue 0, reads the capacity, registers the
    // interrupt handler (on cpu 0) and sets DRIVER_OK. On failure the device is reset and
    // left alone. ENOTSUP (features), ENODEV (no queue, or an empty disk), ENOMEM, EBUSY.
    static ErrorOr<OwnPtr<VirtioBlk>> try_create(virtio::VirtioMmio transport, uint32_t irq);

    ~VirtioBlk() override;

    uint64_t block_count() const override { return m_sector_count / (fs::kBlockSize / kSectorSize); }
    ErrorOr<void> read_blocks(uint64_t block, uint32_t count, void* buffer) override;
    ErrorOr<void> write_blocks(uint64_t block, uint32_t count, const void* buffer) override;
    ErrorOr<void> flush() override;
    // One request per kMaxPagesPerRequest frames, each frame a descriptor of its own.
    ErrorOr<void> read_frames(uint64_t block, uint32_t count, void* const* frames) override;
    ErrorOr<void> write_frames(uint64_t block, uint32_t count, const void* const* frames) override;

    // The general form of read_blocks and write_blocks. `buffer` is contiguous, unless
    // `frames` is given: then block i of the transfer goes to frames[i] (`buffer` unused).
    ErrorOr<void> transfer(TransferDirection direction, uint64_t block, uint32_t count, void* buffer,
                           BoundsCheck bounds_check, void* const* frames = nullptr);

    uint64_t sector_count() const { return m_sector_count; }
    bool supports_flush() const { return m_features & kFeatureFlush; }
    bool is_read_only() const { return m_features & kFeatureReadOnly; }
    uint16_t queue_size() const { return m_queue->size(); }
    uint32_t irq() const { return m_irq; }
    uint64_t mmio_base_phys() const;
    virtio::VirtqueueStatistics queue_statistics() { return m_queue->statistics(); }
    // Requests the device completed with a status other than OK.
    uint64_t failed_request_count() const { return __atomic_load_n(&m_failed_requests, __ATOMIC_RELAXED); }

private:
    // Device feature bits (virtio specification, "Block Device").
    static constexpr uint64_t kFeatureSegmentMax = 1ull << 2;
    static constexpr uint64_t kFeatureReadOnly = 1ull << 5;
    static constexpr uint64_t kFeatureBlockSize = 1ull << 6;
    static constexpr uint64_t kFeatureFlush = 1ull << 9;

    // Configuration space offsets.
    static constexpr uint32_t kConfigCapacity = 0;
    static constexpr uint32_t kConfigSegmentMax = 12;

    // Request types and status values.
    static constexpr uint32_t kRequestIn = 0;
    static constexpr uint32_t kRequestOut = 1;
    static constexpr uint32_t kRequestFlush = 4;
    static constexpr uint8_t kStatusOk = 0;
    // What a status byte holds until the device writes it.
    static constexpr uint8_t kStatusNotWritten = 0xff;

    struct RequestHeader {
        uint32_t type;
        uint32_t reserved;
        uint64_t sector;
    };
    static_assert(sizeof(RequestHeader) == 16);

    // The slot page: headers first, then the status bytes.
    static constexpr size_t kStatusOffset = kMaxRequestsInFlight * sizeof(RequestHeader);

    // One request being built or in flight, on the submitter's stack.
    struct PendingRequest {
        uint32_t slot{0};
        virtio::Completion completion;
    };

    VirtioBlk(virtio::VirtioMmio transport, uint32_t irq, Page* slot_page);

    static void handle_interrupt(void* context);

    // A free slot, sleeping for one or (DontSleep) returning nullopt if there is none.
    std::optional<uint32_t> acquire_slot(SlotWait wait);
    void release_slot(uint32_t slot);
    RequestHeader& header(uint32_t slot);
    volatile uint8_t& status(uint32_t slot);
    uint64_t slot_phys(uint32_t slot) const;

    // Builds and submits one request; `data`/`pages` may be null/0 (flush). Takes a slot as
    // `slot_wait` says (EAGAIN if DontSleep finds none) and may sleep for descriptors. EFAULT
    // if the buffer is not memory the device can reach. On error nothing was submitted and no
    // slot is held.
    // `frames`, if not null, names one frame per page instead of the contiguous `data`.
    ErrorOr<void> start_request(PendingRequest& request, uint32_t type, uint64_t sector, uint8_t* data,
                                void* const* frames, uint32_t pages, TransferDirection direction,
                                SlotWait slot_wait);
    // Waits for a started request, frees its slot, and turns its status into EIO or success.
    ErrorOr<void> finish_request(PendingRequest& request);

    virtio::VirtioMmio m_transport;
    uint32_t m_irq;
    Page* m_slot_page;
    OwnPtr<virtio::Virtqueue> m_queue;
    uint64_t m_features{0};
    uint64_t m_sector_count{0};
    uint32_t m_pages_per_request{kMaxPagesPerRequest};
    bool m_irq_registered{false};

    Spinlock m_slot_lock{"virtio-blk slots", LockRank::Device};
    uint64_t m_free_slots{~0ull};  // Bit i set = slot i free. Guarded by m_slot_lock.
    WaitQueue m_slot_waiters{"virtio-blk slots"};
    static_assert(kMaxRequestsInFlight == 64, "m_free_slots is one 64-bit word");

    uint64_t m_failed_requests{0};  // Atomic adds; only a statistic.
};

// Looks at every virtio-mmio slot of the machine, brings up the first block device found as
// the root disk and prints one line about it (or that there is none). A slot with a legacy
// (version 1) interface is reported and skipped. Boot hart, once, after the IRQ registry and
// the heap work; never sleeps.
void virtio_init(const MachineInfo& machine);

// The root disk, or nullptr when the machine has none (the kernel still boots).
VirtioBlk* root_virtio_blk();
BlockDevice* root_block_device();
