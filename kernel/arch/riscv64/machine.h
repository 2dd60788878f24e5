// What the kernel knows about the board it runs on, read once from the device tree.
//
// parse_machine_info() is the only place where the kernel learns the board: how much RAM
// there is and where, which ranges firmware keeps for itself, which harts exist, and where
// the UART, PLIC, power-off device and virtio-mmio slots are. Everything after boot reads
// MachineInfo and never looks at the device tree again, so the blob's memory may be reused
// once parsing is done (every string worth keeping is copied in).
//
// MachineInfo is a plain struct of fixed-capacity arrays because it is filled before any
// allocator exists, typically into a static. Invariants after a successful parse:
// - memory_count >= 1 and hart_count >= 1, and no count exceeds its array's capacity;
// - entries beyond a count are zero;
// - memory and reserved ranges have non-zero sizes and are sorted by base address
//   (they are as the tree lists them otherwise: not merged, not clipped);
// - virtio slots are sorted by base address;
// - strings are NUL-terminated; `truncated` says whether anything did not fit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/fdt.h"

struct MemoryRange {
    uint64_t base{0};
    uint64_t size{0};

    uint64_t end() const { return base + size; }
    bool operator==(const MemoryRange&) const = default;
};

enum class MmuType : uint8_t {
    // No mmu-type property: the hart may still page, the tree just does not say.
    Unknown,
    // "riscv,none": a hart without paging (firmware-only cores on some SoCs).
    None,
    Sv32,
    Sv39,
    Sv48,
    Sv57,
};

// A hart as described under /cpus.
struct HartInfo {
    // The hart id SBI and mhartid use (the cpu node's reg).
    uint32_t hart_id{0};
    // Status absent, "okay" or "ok"; a disabled hart is listed but must not be started.
    bool usable{false};
    MmuType mmu_type{MmuType::Unknown};
    // The phandle of the hart's "riscv,cpu-intc" interrupt controller, 0 if none.
    uint32_t intc_phandle{0};
    // The PLIC context that delivers supervisor external interrupts to this hart, or -1
    // when the PLIC routes none here.
    int32_t plic_supervisor_context{-1};
};

// The NS16550-compatible console UART.
struct UartInfo {
    bool present{false};
    uint64_t base{0};
    uint64_t size{0};
    // The PLIC interrupt source, 0 if the tree names none.
    uint32_t irq{0};
    uint32_t clock_frequency{0};
    // Registers are (1 << reg_shift) bytes apart and reg_io_width bytes wide.
    uint32_t reg_shift{0};
    uint32_t reg_io_width{1};
};

// The platform-level interrupt controller.
struct PlicInfo {
    bool present{false};
    uint64_t base{0};
    uint64_t size{0};
    // The number of interrupt sources; valid source ids are 1..ndev.
    uint32_t ndev{0};
    uint32_t phandle{0};
    // The number of contexts its interrupts-extended lists (hart-mode pairs).
    uint32_t context_count{0};
};

// The SiFive test device, which powers QEMU off with an exit status.
struct TestDeviceInfo {
    bool present{false};
    uint64_t base{0};
};

struct VirtioMmioInfo {
    uint64_t base{0};
    uint64_t size{0};
    uint32_t irq{0};
};

struct MachineInfo {
    static constexpr size_t kMaxMemoryRanges = 16;
    static constexpr size_t kMaxReservedRanges = 16;
    static constexpr size_t kMaxHarts = 8;
    static constexpr size_t kMaxVirtioDevices = 16;
    static constexpr size_t kMaxBootargs = 512;
    static constexpr size_t kMaxStdoutPath = 128;

    // RAM from every node whose device_type is "memory".
    MemoryRange memory[kMaxMemoryRanges];
    size_t memory_count{0};

    // RAM the kernel must not allocate from: /reserved-memory children (OpenSBI keeps
    // its own image there) and the blob's memory-reservation block. The kernel image and
    // the blob itself are not included; the boot code knows those.
    MemoryRange reserved[kMaxReservedRanges];
    size_t reserved_count{0};

    HartInfo harts[kMaxHarts];
    size_t hart_count{0};
    // Ticks per second of the time CSR, from /cpus (or, failing that, a cpu node).
    uint64_t timebase_frequency{0};

    UartInfo uart;
    PlicInfo plic;
    TestDeviceInfo test_device;

    VirtioMmioInfo virtio[kMaxVirtioDevices];
    size_t virtio_count{0};

    // /chosen bootargs and stdout-path, "" when absent.
    char bootargs[kMaxBootargs]{};
    char stdout_path[kMaxStdoutPath]{};

    // Some array or string above was too small for what the tree describes.
    bool truncated{false};

    std::span<const MemoryRange> memory_ranges() const { return {memory, memory_count}; }
    std::span<const MemoryRange> reserved_ranges() const { return {reserved, reserved_count}; }
    std::span<const HartInfo> hart_list() const { return {harts, hart_count}; }
    std::span<const VirtioMmioInfo> virtio_devices() const { return {virtio, virtio_count}; }
    uint64_t total_memory() const;
    // The entry for `hart_id`, or nullptr if the tree does not list it.
    const HartInfo* find_hart(uint32_t hart_id) const;
};

// Fills `out` (reset first) from the device tree and returns true. Returns false when
// the tree describes no RAM or no usable hart, the two things the kernel cannot boot
// without, and then stores in *reason (if `reason` is not null) a static sentence saying
// what is missing, suitable for a panic message. Everything else is optional and marked
// by its `present` flag or a zero count.
[[nodiscard]] bool parse_machine_info(const Fdt& fdt, MachineInfo& out, const char** reason = nullptr);
