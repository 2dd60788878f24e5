// VirtioMmio: the virtio-mmio transport (the "modern" register interface, version 2) for
// one device slot: identification, feature negotiation, the status handshake, queue setup
// and notification, the interrupt status and the device-specific configuration space.
//
// Register map (offsets from the slot's base; every register is 32 bits and must be
// accessed with 32-bit loads and stores, except the configuration space):
//
//   0x000 MagicValue "virt"      0x030 QueueSel            0x080/0x084 QueueDesc lo/hi
//   0x004 Version (2 = modern)   0x034 QueueNumMax         0x090/0x094 QueueDriver lo/hi
//   0x008 DeviceID (0 = empty)   0x038 QueueNum            0x0a0/0x0a4 QueueDevice lo/hi
//   0x00c VendorID               0x044 QueueReady          0x0fc ConfigGeneration
//   0x010 DeviceFeatures         0x050 QueueNotify         0x100 device configuration ...
//   0x014 DeviceFeaturesSel      0x060 InterruptStatus
//   0x020 DriverFeatures         0x064 InterruptACK
//   0x024 DriverFeaturesSel      0x070 Status
//
// Bring-up follows the specification's order (section "Device Initialization"):
//
//   reset (Status = 0) -> ACKNOWLEDGE -> DRIVER -> read DeviceFeatures, write DriverFeatures
//   -> FEATURES_OK (re-read: the device may refuse) -> queue setup -> DRIVER_OK
//
// Anything that goes wrong before DRIVER_OK sets FAILED, so the device stops expecting us.
//
// Invariants: a VirtioMmio exists only for a slot whose magic is "virt", whose version is 2
// and whose device id is non-zero (a legacy version-1 slot is refused: QEMU must be started
// with -global virtio-mmio.force-legacy=false). The object does no locking of its own: the
// bring-up calls run once, on one thread, before the device is shared; afterwards only
// notify(), the interrupt registers and config reads are used, and those are single
// register accesses the device serializes itself.
#pragma once

#include <cstdint>

#include "lib/error_or.h"

namespace virtio {

constexpr uint32_t kMmioMagic = 0x74726976;  // "virt" read as a little-endian word.
constexpr uint32_t kMmioModernVersion = 2;

// Device ids (virtio specification, "Device Types").
enum class DeviceId : uint32_t {
    None = 0,
    Network = 1,
    Block = 2,
    Console = 3,
    Entropy = 4,
};

// Device status bits.
constexpr uint32_t kStatusAcknowledge = 1;
constexpr uint32_t kStatusDriver = 2;
constexpr uint32_t kStatusDriverOk = 4;
constexpr uint32_t kStatusFeaturesOk = 8;
constexpr uint32_t kStatusDeviceNeedsReset = 64;
constexpr uint32_t kStatusFailed = 128;

// Transport feature bits (the device-specific ones live with each driver).
constexpr uint64_t kFeatureVersion1 = 1ull << 32;

// InterruptStatus bits.
constexpr uint32_t kInterruptUsedBuffer = 1;
constexpr uint32_t kInterruptConfigChange = 2;

class VirtioMmio {
public:
    // Looks at the slot mapped at `base` (a kernel virtual address). Returns the transport
    // for a modern device, ENODEV for an empty slot or a bad magic, ENOTSUP for a legacy
    // (version 1) slot. Touches only identification registers.
    static ErrorOr<VirtioMmio> probe(uint64_t base);

    DeviceId device_id() const { return m_device_id; }
    uint32_t vendor_id() const { return read32(kVendorId); }
    uint64_t base() const { return m_base; }

    // Resets the device and announces a driver (ACKNOWLEDGE, DRIVER), then offers the
    // features in `wanted` that the device also has. Fails with ENOTSUP if the device lacks
    // one of `required` (VIRTIO_F_VERSION_1 is always required) or refuses FEATURES_OK; the
    // device is marked FAILED then. Returns the negotiated set.
    ErrorOr<uint64_t> negotiate_features(uint64_t wanted, uint64_t required);

    // The largest size the device allows for queue `index`; 0 if the queue does not exist.
    uint32_t queue_max_size(uint16_t index);

    // Gives queue `index` its size and the physical addresses of its three parts, and
    // enables it. EBUSY if the queue is already enabled, EINVAL if `size` exceeds the
    // device's maximum.
    ErrorOr<void> set_up_queue(uint16_t index, uint16_t size, uint64_t descriptors_phys,
                               uint64_t driver_area_phys, uint64_t device_area_phys);

    // Resets the device: it forgets features and queues and stops using driver memory, so
    // the rings may be freed afterwards. Writing 0 starts the reset; the specification has
    // the driver wait until Status reads 0, which QEMU does at once (the loop never spins).
    void reset();

    // Sets DRIVER_OK: the device may now use its queues.
    void set_driver_ok();

    // Sets FAILED, for a bring-up the driver abandons.
    void set_failed();

    uint32_t status() const { return read32(kStatus); }

    // Tells the device that queue `index` has new available buffers.
    void notify(uint16_t index);

    // Reads and acknowledges the pending interrupt reasons (kInterrupt* bits); returns them.
    // Called by the interrupt handler before it looks at the used rings, so that a buffer
    // the device uses afterwards raises a new interrupt instead of being missed.
    uint32_t take_interrupt_status();

    // Device-specific configuration, read consistently: the ConfigGeneration register is
    // read before and after, and the read is repeated if the device changed it meanwhile.
    uint32_t read_config32(uint32_t offset) const;
    uint64_t read_config64(uint32_t offset) const;

private:
    enum Register : uint32_t {
        kMagicValue = 0x000,
        kVersion = 0x004,
        kDeviceId = 0x008,
        kVendorId = 0x00c,
        kDeviceFeatures = 0x010,
        kDeviceFeaturesSel = 0x014,
        kDriverFeatures = 0x020,
        kDriverFeaturesSel = 0x024,
        kQueueSel = 0x030,
        kQueueNumMax = 0x034,
        kQueueNum = 0x038,
        kQueueReady = 0x044,
        kQueueNotify = 0x050,
        kInterruptStatus = 0x060,
        kInterruptAck = 0x064,
        kStatus = 0x070,
        kQueueDescLow = 0x080,
        kQueueDescHigh = 0x084,
        kQueueDriverLow = 0x090,
        kQueueDriverHigh = 0x094,
        kQueueDeviceLow = 0x0a0,
        kQueueDeviceHigh = 0x0a4,
        kConfigGeneration = 0x0fc,
        kConfig = 0x100,
    };

    VirtioMmio(uint64_t base, DeviceId id) : m_base(base), m_device_id(id) {}

    uint32_t read32(uint32_t offset) const;
    void write32(uint32_t offset, uint32_t value);
    void add_status(uint32_t bits);

    uint64_t m_base;
    DeviceId m_device_id;
};

}  // namespace virtio
