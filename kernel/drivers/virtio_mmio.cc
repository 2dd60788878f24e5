// The virtio-mmio transport: see virtio_mmio.h.
#include "drivers/virtio_mmio.h"

namespace virtio {

uint32_t VirtioMmio::read32(uint32_t offset) const {
    return *reinterpret_cast<volatile uint32_t*>(m_base + offset);
}

void VirtioMmio::write32(uint32_t offset, uint32_t value) {
    *reinterpret_cast<volatile uint32_t*>(m_base + offset) = value;
}

void VirtioMmio::add_status(uint32_t bits) {
    write32(kStatus, read32(kStatus) | bits);
}

ErrorOr<VirtioMmio> VirtioMmio::probe(uint64_t base) {
    auto read = [base](uint32_t offset) { return *reinterpret_cast<volatile uint32_t*>(base + offset); };
    if (read(kMagicValue) != kMmioMagic)
        return Error::from_errno(ENODEV);
    // An empty slot reads as device id 0 under either interface version, so it is told
    // apart first: only a slot with a device behind it is worth a complaint about legacy.
    auto id = static_cast<DeviceId>(read(kDeviceId));
    if (id == DeviceId::None)
        return Error::from_errno(ENODEV);
    if (read(kVersion) != kMmioModernVersion)
        return Error::from_errno(ENOTSUP);
    return VirtioMmio(base, id);
}

ErrorOr<uint64_t> VirtioMmio::negotiate_features(uint64_t wanted, uint64_t required) {
    required |= kFeatureVersion1;
    wanted |= required;

    reset();
    add_status(kStatusAcknowledge);
    add_status(kStatusDriver);

    uint64_t offered = 0;
    for (uint32_t word = 0; word < 2; ++word) {
        write32(kDeviceFeaturesSel, word);
        offered |= static_cast<uint64_t>(read32(kDeviceFeatures)) << (32 * word);
    }
    if ((offered & required) != required) {
        set_failed();
        return Error::from_errno(ENOTSUP);
    }
    uint64_t accepted = offered & wanted;
    for (uint32_t word = 0; word < 2; ++word) {
        write32(kDriverFeaturesSel, word);
        write32(kDriverFeatures, static_cast<uint32_t>(accepted >> (32 * word)));
    }
    add_status(kStatusFeaturesOk);
    // The device clears FEATURES_OK again if it cannot work with the subset we took.
    if (!(read32(kStatus) & kStatusFeaturesOk)) {
        set_failed();
        return Error::from_errno(ENOTSUP);
    }
    return accepted;
}

uint32_t VirtioMmio::queue_max_size(uint16_t index) {
    write32(kQueueSel, index);
    return read32(kQueueNumMax);
}

ErrorOr<void> VirtioMmio::set_up_queue(uint16_t index, uint16_t size, uint64_t descriptors_phys,
                                       uint64_t driver_area_phys, uint64_t device_area_phys) {
    write32(kQueueSel, index);
    if (read32(kQueueReady) != 0)
        return Error::from_errno(EBUSY);
    uint32_t max = read32(kQueueNumMax);
    if (size == 0 || size > max)
        return Error::from_errno(EINVAL);
    write32(kQueueNum, size);
    write32(kQueueDescLow, static_cast<uint32_t>(descriptors_phys));
    write32(kQueueDescHigh, static_cast<uint32_t>(descriptors_phys >> 32));
    write32(kQueueDriverLow, static_cast<uint32_t>(driver_area_phys));
    write32(kQueueDriverHigh, static_cast<uint32_t>(driver_area_phys >> 32));
    write32(kQueueDeviceLow, static_cast<uint32_t>(device_area_phys));
    write32(kQueueDeviceHigh, static_cast<uint32_t>(device_area_phys >> 32));
    // The rings were zeroed in memory before this point; the fence makes sure the device
    // cannot see the queue enabled before it can see those zeros.
    asm volatile("fence w, o" ::: "memory");
    write32(kQueueReady, 1);
    return {};
}

void VirtioMmio::reset() {
    write32(kStatus, 0);
    while (read32(kStatus) != 0) {
    }
}

void VirtioMmio::set_driver_ok() {
    add_status(kStatusDriverOk);
}

void VirtioMmio::set_failed() {
    add_status(kStatusFailed);
}

void VirtioMmio::notify(uint16_t index) {
    // Descriptors and the available index are ordinary memory writes; they must be visible
    // to the device before the notification (an I/O write) reaches it.
    asm volatile("fence w, o" ::: "memory");
    write32(kQueueNotify, index);
}

uint32_t VirtioMmio::take_interrupt_status() {
    uint32_t status = read32(kInterruptStatus);
    if (status)
        write32(kInterruptAck, status);
    // The ring reads that follow must not be satisfied before the acknowledgement.
    asm volatile("fence o, r" ::: "memory");
    return status;
}

uint32_t VirtioMmio::read_config32(uint32_t offset) const {
    uint32_t generation, value;
    do {
        generation = read32(kConfigGeneration);
        value = read32(kConfig + offset);
    } while (generation != read32(kConfigGeneration));
    return value;
}

uint64_t VirtioMmio::read_config64(uint32_t offset) const {
    uint32_t generation;
    uint64_t value;
    do {
        generation = read32(kConfigGeneration);
        value = read32(kConfig + offset) | static_cast<uint64_t>(read32(kConfig + offset + 4)) << 32;
    } while (generation != read32(kConfigGeneration));
    return value;
}

}  // namespace virtio
