// The virtio block driver: see virtio_blk.h.
#include "drivers/virtio_blk.h"

#include <algorithm>
#include <atomic>
#include <bit>

#include "arch/riscv64/layout.h"
#include "arch/riscv64/machine.h"
#include "drivers/irq.h"
#include "lib/kprintf.h"
#include "mm/physical_allocator.h"

namespace {

OwnPtr<VirtioBlk> s_root_disk;

// Read requests sent and the bytes they asked for (disk_statistics()).
std::atomic<uint64_t> g_read_requests { 0 };
std::atomic<uint64_t> g_read_bytes { 0 };

}  // namespace

VirtioBlk::VirtioBlk(virtio::VirtioMmio transport, uint32_t irq, Page* slot_page)
    : m_transport(transport), m_irq(irq), m_slot_page(slot_page) {}

VirtioBlk::~VirtioBlk() {
    if (m_irq_registered)
        irq_unregister(m_irq);
    // After the reset the device no longer touches the rings or the slot page, so both may
    // be freed (the rings when m_queue is destroyed, right after this body).
    m_transport.reset();
    free_page(m_slot_page);
}

ErrorOr<OwnPtr<VirtioBlk>> VirtioBlk::try_create(virtio::VirtioMmio transport, uint32_t irq) {
    Page* slot_page = TRY(allocate_page(ZeroFill::Yes));
    auto* raw = new (std::nothrow) VirtioBlk(transport, irq, slot_page);
    if (!raw) {
        free_page(slot_page);
        return Error::from_errno(ENOMEM);
    }
    // From here on, an early return destroys the object, which resets the device.
    auto device = adopt_own(raw);
    virtio::VirtioMmio& mmio = device->m_transport;

    device->m_features = TRY(mmio.negotiate_features(
        kFeatureFlush | kFeatureSegmentMax | kFeatureReadOnly | kFeatureBlockSize, 0));
    device->m_queue = TRY(virtio::Virtqueue::try_create(mmio, 0));

    device->m_sector_count = mmio.read_config64(kConfigCapacity);
    if (device->block_count() == 0)
        return Error::from_errno(ENODEV);

    // A block may straddle a page boundary in an unaligned buffer and take two descriptors,
    // so a request of n pages needs up to 2 n data descriptors plus the header and status.
    uint32_t pages = kMaxPagesPerRequest;
    pages = std::min<uint32_t>(pages, (device->m_queue->size() - 2u) / 2u);
    if (device->m_features & kFeatureSegmentMax)
        pages = std::min<uint32_t>(pages, mmio.read_config32(kConfigSegmentMax) / 2u);
    if (pages == 0)
        return Error::from_errno(ENOTSUP);
    device->m_pages_per_request = pages;

    TRY(irq_register(irq, &VirtioBlk::handle_interrupt, device.ptr(), 0));
    device->m_irq_registered = true;
    mmio.set_driver_ok();
    return device;
}

void VirtioBlk::handle_interrupt(void* context) {
    auto* self = static_cast<VirtioBlk*>(context);
    self->m_transport.take_interrupt_status();
    // Looked at whatever the status says: finding nothing new in the used ring is cheap,
    // and a configuration-change interrupt needs no action from a block driver that reads
    // the capacity once.
    self->m_queue->handle_used_buffers();
}

uint64_t VirtioBlk::mmio_base_phys() const {
    return virt_to_phys(reinterpret_cast<void*>(m_transport.base()));
}

VirtioBlk::RequestHeader& VirtioBlk::header(uint32_t slot) {
    return static_cast<RequestHeader*>(page_to_virt(m_slot_page))[slot];
}

volatile uint8_t& VirtioBlk::status(uint32_t slot) {
    return static_cast<volatile uint8_t*>(page_to_virt(m_slot_page))[kStatusOffset + slot];
}

uint64_t VirtioBlk::slot_phys(uint32_t slot) const {
    return page_to_phys(m_slot_page) + slot * sizeof(RequestHeader);
}

std::optional<uint32_t> VirtioBlk::acquire_slot(SlotWait wait) {
    SpinlockLocker locker(m_slot_lock);
    if (m_free_slots == 0) {
        if (wait == SlotWait::DontSleep)
            return std::nullopt;
        m_slot_waiters.wait_until(m_slot_lock, [&] { return m_free_slots != 0; });
    }
    auto slot = static_cast<uint32_t>(std::countr_zero(m_free_slots));
    m_free_slots &= ~(1ull << slot);
    return slot;
}

void VirtioBlk::release_slot(uint32_t slot) {
    SpinlockLocker locker(m_slot_lock);
    ASSERT(!(m_free_slots & (1ull << slot)));
    m_free_slots |= 1ull << slot;
    m_slot_waiters.wake_one();
}

ErrorOr<void> VirtioBlk::start_request(PendingRequest& request, uint32_t type, uint64_t sector, uint8_t* data,
                                       void* const* frames, uint32_t pages, TransferDirection direction,
                                       SlotWait slot_wait) {
    ASSERT(pages <= m_pages_per_request);
    virtio::Buffer chain[2 * kMaxPagesPerRequest + 2];
    size_t length = 1;  // chain[0] is the header, filled in once the slot is known.
    auto data_direction = direction == TransferDirection::Read ? virtio::BufferDirection::DeviceWrites
                                                               : virtio::BufferDirection::DeviceReads;
    uint64_t bytes = static_cast<uint64_t>(pages) * fs::kBlockSize;
    for (uint64_t done = 0; done < bytes;) {
        uint8_t* at = frames ? static_cast<uint8_t*>(frames[done / fs::kBlockSize]) + done % fs::kBlockSize : data + done;
        uint64_t to_page_end = kPageSize - (reinterpret_cast<uint64_t>(at) & (kPageSize - 1));
        auto piece = static_cast<uint32_t>(std::min(to_page_end, bytes - done));
        auto phys = virtio::dma_address(at);
        if (!phys)
            return Error::from_errno(EFAULT);
        virtio::Buffer& previous = chain[length - 1];
        if (length > 1 && previous.phys + previous.length == *phys)
            previous.length += piece;
        else
            chain[length++] = {*phys, piece, data_direction};
        done += piece;
    }

    auto slot = acquire_slot(slot_wait);
    if (!slot)
        return Error::from_errno(EAGAIN);
    request.slot = *slot;
    header(*slot) = {type, 0, sector};
    status(*slot) = kStatusNotWritten;
    chain[0] = {slot_phys(*slot), sizeof(RequestHeader), virtio::BufferDirection::DeviceReads};
    chain[length++] = {page_to_phys(m_slot_page) + kStatusOffset + *slot, 1,
                       virtio::BufferDirection::DeviceWrites};

    auto submitted = m_queue->submit({chain, length}, request.completion);
    if (submitted.is_error())
        release_slot(*slot);
    return submitted;
}

ErrorOr<void> VirtioBlk::finish_request(PendingRequest& request) {
    m_queue->wait(request.completion);
    uint8_t result = status(request.slot);
    release_slot(request.slot);
    if (result != kStatusOk) {
        __atomic_fetch_add(&m_failed_requests, 1, __ATOMIC_RELAXED);
        return Error::from_errno(EIO);
    }
    return {};
}

ErrorOr<void> VirtioBlk::transfer(TransferDirection direction, uint64_t block, uint32_t count, void* buffer,
                                  BoundsCheck bounds_check, void* const* frames) {
    if (count == 0)
        return {};
    if (direction == TransferDirection::Write && is_read_only())
        return Error::from_errno(EROFS);
    if (bounds_check == BoundsCheck::Enforce && (block >= block_count() || count > block_count() - block))
        return Error::from_errno(EINVAL);

    constexpr uint64_t kSectorsPerBlock = fs::kBlockSize / kSectorSize;
    uint32_t type = direction == TransferDirection::Read ? kRequestIn : kRequestOut;
    auto* data = static_cast<uint8_t*>(buffer);
    uint64_t sector = block * kSectorsPerBlock;
    uint32_t remaining = count;
    ErrorOr<void> result;
    while (remaining > 0 && !result.is_error()) {
        // One wave: start up to kMaxRequestsPerWave requests, then wait for them all. Only
        // the first request of a wave may sleep for a slot; a later one that finds none ends
        // the wave instead, because this thread must not sleep while holding slots that only
        // it can release (enough such threads would hold every slot and wait forever).
        PendingRequest requests[kMaxRequestsPerWave];
        uint32_t started = 0;
        while (started < kMaxRequestsPerWave && remaining > 0) {
            uint32_t pages = std::min(remaining, m_pages_per_request);
            auto slot_wait = started == 0 ? SlotWait::Sleep : SlotWait::DontSleep;
            auto start = start_request(requests[started], type, sector, data, frames, pages, direction, slot_wait);
            if (start.is_error()) {
                if (start.error().code() != EAGAIN || started == 0)
                    result = start;
                break;
            }
            ++started;
            if (direction == TransferDirection::Read) {
                g_read_requests.fetch_add(1, std::memory_order_relaxed);
                g_read_bytes.fetch_add(static_cast<uint64_t>(pages) * fs::kBlockSize, std::memory_order_relaxed);
            }
            if (frames)
                frames += pages;
            else
                data += static_cast<uint64_t>(pages) * fs::kBlockSize;
            sector += pages * kSectorsPerBlock;
            remaining -= pages;
        }
        // Every started request is waited for, even after an error: the device still owns
        // its buffers until it says otherwise.
        for (uint32_t i = 0; i < started; ++i) {
            auto finished = finish_request(requests[i]);
            if (finished.is_error() && !result.is_error())
                result = finished;
        }
    }
    return result;
}

ErrorOr<void> VirtioBlk::read_blocks(uint64_t block, uint32_t count, void* buffer) {
    return transfer(TransferDirection::Read, block, count, buffer, BoundsCheck::Enforce);
}

ErrorOr<void> VirtioBlk::read_frames(uint64_t block, uint32_t count, void* const* frames) {
    return transfer(TransferDirection::Read, block, count, nullptr, BoundsCheck::Enforce, frames);
}

ErrorOr<void> VirtioBlk::write_frames(uint64_t block, uint32_t count, const void* const* frames) {
    // The device only reads the frames; transfer() takes mutable pointers for both ways.
    return transfer(TransferDirection::Write, block, count, nullptr, BoundsCheck::Enforce,
                    const_cast<void* const*>(frames));
}

DiskStatistics disk_statistics() {
    return { g_read_requests.load(std::memory_order_relaxed), g_read_bytes.load(std::memory_order_relaxed) };
}

ErrorOr<void> VirtioBlk::write_blocks(uint64_t block, uint32_t count, const void* buffer) {
    // The device only reads the buffer; transfer() takes a mutable pointer for both ways.
    return transfer(TransferDirection::Write, block, count, const_cast<void*>(buffer), BoundsCheck::Enforce);
}

ErrorOr<void> VirtioBlk::flush() {
    if (!supports_flush())
        return {};
    PendingRequest request;
    TRY(start_request(request, kRequestFlush, 0, nullptr, nullptr, 0, TransferDirection::Write, SlotWait::Sleep));
    return finish_request(request);
}

void virtio_init(const MachineInfo& machine) {
    bool found = false;
    for (const VirtioMmioInfo& slot : machine.virtio_devices()) {
        auto transport = virtio::VirtioMmio::probe(reinterpret_cast<uint64_t>(phys_to_virt(slot.base)));
        if (transport.is_error()) {
            if (transport.error().code() == ENOTSUP)
                kprintf(
                    "virtio: device at %#lx uses the legacy interface (version 1), ignored; "
                    "start QEMU with -global virtio-mmio.force-legacy=false\n",
                    slot.base);
            continue;
        }
        if (transport.value().device_id() != virtio::DeviceId::Block)
            continue;
        if (found) {
            kprintf("virtio-blk: another disk at %#lx, ignored (only the root disk is used)\n", slot.base);
            continue;
        }
        auto device = VirtioBlk::try_create(transport.release_value(), slot.irq);
        if (device.is_error()) {
            kprintf("virtio-blk: the disk at %#lx cannot be used: %s\n", slot.base, device.error().name());
            continue;
        }
        found = true;
        s_root_disk = device.release_value();
        VirtioBlk& disk = *s_root_disk;
        kprintf("virtio-blk: %lu MiB disk (%lu blocks of 4 KiB) at %#lx, irq %u, queue of %u, %s%s\n",
                disk.sector_count() * VirtioBlk::kSectorSize >> 20, disk.block_count(), slot.base, disk.irq(),
                disk.queue_size(), disk.supports_flush() ? "write cache with flush" : "no flush",
                disk.is_read_only() ? ", read-only" : "");
    }
    if (!found)
        kprintf("virtio-blk: no disk attached\n");
}

VirtioBlk* root_virtio_blk() {
    return s_root_disk.ptr();
}

BlockDevice* root_block_device() {
    return s_root_disk.ptr();
}
