// Extracting MachineInfo from the device tree. See machine.h for what is gathered.
#include "arch/riscv64/machine.h"

namespace {

// The cause number of a supervisor external interrupt in a hart's local interrupt
// controller; a PLIC context wired to it serves S-mode (11 would be M-mode).
constexpr uint32_t kSupervisorExternalInterrupt = 9;

bool strings_equal(const char* a, const char* b) {
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

// Copies `source` into `destination` (capacity bytes, NUL included). Returns false when
// it had to cut the string short.
bool copy_string(char* destination, size_t capacity, const char* source) {
    size_t i = 0;
    for (; i + 1 < capacity && source[i] != '\0'; ++i)
        destination[i] = source[i];
    destination[i] = '\0';
    return source[i] == '\0';
}

// A node is in use when its status is absent, "okay" or the older "ok".
bool node_is_enabled(const Fdt& fdt, FdtNode node) {
    auto status = fdt.property(node, "status");
    if (!status)
        return true;
    const char* value = status->as_string();
    return value != nullptr && (strings_equal(value, "okay") || strings_equal(value, "ok"));
}

// The first enabled node compatible with any of `candidates`, trying them in order of
// preference.
std::optional<FdtNode> find_first_compatible(const Fdt& fdt, std::span<const char* const> candidates) {
    for (const char* compatible : candidates) {
        for (auto node = fdt.find_compatible(compatible); node;
             node = fdt.find_compatible(compatible, node)) {
            if (node_is_enabled(fdt, *node))
                return node;
        }
    }
    return std::nullopt;
}

// A device's node and its first register window.
struct DeviceNode {
    FdtNode node;
    FdtRegEntry reg;
};

// The node find_first_compatible() picks, with its first register window. Nothing when
// there is no such node or it has no "reg"; the next candidate is not tried then.
std::optional<DeviceNode> find_device(const Fdt& fdt, std::span<const char* const> candidates) {
    auto node = find_first_compatible(fdt, candidates);
    if (!node)
        return std::nullopt;
    auto reg = fdt.reg_entry(*node, 0);
    if (!reg)
        return std::nullopt;
    return DeviceNode{*node, *reg};
}

// The node's first interrupt number: the first cell of "interrupts", or the first cell
// after the controller's phandle in "interrupts-extended". 0 when neither exists.
uint32_t first_irq(const Fdt& fdt, FdtNode node) {
    if (auto interrupts = fdt.property(node, "interrupts")) {
        FdtCellReader cells(interrupts->value);
        return static_cast<uint32_t>(cells.read(1).value_or(0));
    }
    if (auto extended = fdt.property(node, "interrupts-extended")) {
        FdtCellReader cells(extended->value);
        if (!cells.read(1))
            return 0;
        return static_cast<uint32_t>(cells.read(1).value_or(0));
    }
    return 0;
}

// Sorts by base address. The arrays hold a handful of entries, so insertion sort it is.
template <typename T>
void sort_by_base(T* items, size_t count) {
    for (size_t i = 1; i < count; ++i) {
        T item = items[i];
        size_t j = i;
        for (; j > 0 && items[j - 1].base > item.base; --j)
            items[j] = items[j - 1];
        items[j] = item;
    }
}

MmuType parse_mmu_type(const char* value) {
    if (value == nullptr)
        return MmuType::Unknown;
    if (strings_equal(value, "riscv,none"))
        return MmuType::None;
    if (strings_equal(value, "riscv,sv32"))
        return MmuType::Sv32;
    if (strings_equal(value, "riscv,sv39"))
        return MmuType::Sv39;
    if (strings_equal(value, "riscv,sv48"))
        return MmuType::Sv48;
    if (strings_equal(value, "riscv,sv57"))
        return MmuType::Sv57;
    return MmuType::Unknown;
}

void add_range(MemoryRange* ranges, size_t capacity, size_t& count, bool& truncated, uint64_t base,
               uint64_t size) {
    if (size == 0)
        return;
    // A range that wraps past the top of the address space is nonsense; drop it.
    if (base + size < base)
        return;
    if (count == capacity) {
        truncated = true;
        return;
    }
    ranges[count++] = MemoryRange{base, size};
}

void parse_memory(const Fdt& fdt, MachineInfo& out) {
    for (std::optional<FdtNode> node = fdt.root(); node; node = fdt.next_node(*node)) {
        const char* device_type = fdt.property_string(*node, "device_type");
        if (device_type == nullptr || !strings_equal(device_type, "memory") || !node_is_enabled(fdt, *node))
            continue;
        auto reg = fdt.reg(*node);
        if (!reg)
            continue;
        while (auto entry = reg->next())
            add_range(out.memory, MachineInfo::kMaxMemoryRanges, out.memory_count, out.truncated,
                      entry->address, entry->size);
    }
    sort_by_base(out.memory, out.memory_count);
}

void parse_reserved(const Fdt& fdt, MachineInfo& out) {
    if (auto reserved_memory = fdt.find_node("/reserved-memory")) {
        for (auto child = fdt.first_child(*reserved_memory); child; child = fdt.next_sibling(*child)) {
            if (!node_is_enabled(fdt, *child))
                continue;
            auto reg = fdt.reg(*child);
            if (!reg)
                continue;
            while (auto entry = reg->next())
                add_range(out.reserved, MachineInfo::kMaxReservedRanges, out.reserved_count, out.truncated,
                          entry->address, entry->size);
        }
    }
    for (size_t i = 0; i < fdt.reservation_count(); ++i) {
        auto entry = fdt.reservation(i);
        if (entry)
            add_range(out.reserved, MachineInfo::kMaxReservedRanges, out.reserved_count, out.truncated,
                      entry->address, entry->size);
    }
    sort_by_base(out.reserved, out.reserved_count);
}

void parse_harts(const Fdt& fdt, FdtNode cpus, MachineInfo& out) {
    for (auto node = fdt.first_child(cpus); node; node = fdt.next_sibling(*node)) {
        const char* device_type = fdt.property_string(*node, "device_type");
        if (device_type == nullptr || !strings_equal(device_type, "cpu"))
            continue;
        auto id = fdt.reg_entry(*node, 0);
        if (!id || id->address > UINT32_MAX)
            continue;
        if (out.hart_count == MachineInfo::kMaxHarts) {
            out.truncated = true;
            break;
        }
        HartInfo& hart = out.harts[out.hart_count++];
        hart.hart_id = static_cast<uint32_t>(id->address);
        hart.usable = node_is_enabled(fdt, *node);
        hart.mmu_type = parse_mmu_type(fdt.property_string(*node, "mmu-type"));
        for (auto child = fdt.first_child(*node); child; child = fdt.next_sibling(*child)) {
            if (fdt.is_compatible(*child, "riscv,cpu-intc")) {
                hart.intc_phandle = fdt.property_u32(*child, "phandle").value_or(0);
                break;
            }
        }
        if (out.timebase_frequency == 0)
            out.timebase_frequency = fdt.property_u64(*node, "timebase-frequency").value_or(0);
    }
}

void parse_plic(const Fdt& fdt, MachineInfo& out) {
    static constexpr const char* kCompatible[] = {"sifive,plic-1.0.0", "riscv,plic0"};
    auto device = find_device(fdt, kCompatible);
    if (!device)
        return;
    FdtNode node = device->node;
    PlicInfo& plic = out.plic;
    plic.present = true;
    plic.base = device->reg.address;
    plic.size = device->reg.size;
    plic.ndev = fdt.property_u32(node, "riscv,ndev").value_or(0);
    plic.phandle = fdt.property_u32(node, "phandle").value_or(0);

    // interrupts-extended lists the PLIC's contexts in order, each as the phandle of a
    // hart's local controller followed by that controller's #interrupt-cells cells (the
    // first being the cause: 11 for M-mode, 9 for S-mode). The position is the context.
    auto extended = fdt.property(node, "interrupts-extended");
    if (!extended)
        return;
    FdtCellReader cells(extended->value);
    for (uint32_t context = 0; !cells.at_end(); ++context) {
        auto phandle = cells.read(1);
        if (!phandle)
            break;
        auto controller = fdt.node_by_phandle(static_cast<uint32_t>(*phandle));
        uint32_t cell_count = controller ? fdt.property_u32(*controller, "#interrupt-cells").value_or(1) : 1;
        if (cell_count == 0)
            break;
        auto cause = cells.read(1);
        if (!cause)
            break;
        // Skip any further cells of this entry.
        bool complete = true;
        for (uint32_t i = 1; i < cell_count && complete; ++i)
            complete = cells.read(1).has_value();
        if (!complete)
            break;
        plic.context_count = context + 1;
        if (*cause != kSupervisorExternalInterrupt)
            continue;
        for (size_t i = 0; i < out.hart_count; ++i) {
            HartInfo& hart = out.harts[i];
            if (hart.intc_phandle != 0 && hart.intc_phandle == *phandle && hart.plic_supervisor_context < 0)
                hart.plic_supervisor_context = static_cast<int32_t>(context);
        }
    }
}

void parse_uart(const Fdt& fdt, MachineInfo& out) {
    static constexpr const char* kCompatible[] = {"ns16550a", "ns16550"};
    auto device = find_device(fdt, kCompatible);
    if (!device)
        return;
    FdtNode node = device->node;
    UartInfo& uart = out.uart;
    uart.present = true;
    uart.base = device->reg.address;
    uart.size = device->reg.size;
    uart.irq = first_irq(fdt, node);
    uart.clock_frequency = static_cast<uint32_t>(fdt.property_u64(node, "clock-frequency").value_or(0));
    uart.reg_shift = fdt.property_u32(node, "reg-shift").value_or(0);
    uart.reg_io_width = fdt.property_u32(node, "reg-io-width").value_or(1);
}

void parse_test_device(const Fdt& fdt, MachineInfo& out) {
    static constexpr const char* kCompatible[] = {"sifive,test1", "sifive,test0"};
    auto device = find_device(fdt, kCompatible);
    if (!device)
        return;
    out.test_device.present = true;
    out.test_device.base = device->reg.address;
}

void parse_virtio(const Fdt& fdt, MachineInfo& out) {
    for (auto node = fdt.find_compatible("virtio,mmio"); node;
         node = fdt.find_compatible("virtio,mmio", node)) {
        if (!node_is_enabled(fdt, *node))
            continue;
        auto reg = fdt.reg_entry(*node, 0);
        if (!reg)
            continue;
        if (out.virtio_count == MachineInfo::kMaxVirtioDevices) {
            out.truncated = true;
            break;
        }
        out.virtio[out.virtio_count++] = VirtioMmioInfo{reg->address, reg->size, first_irq(fdt, *node)};
    }
    // QEMU lists the slots from the highest address down; probe order should not depend
    // on that.
    sort_by_base(out.virtio, out.virtio_count);
}

void parse_chosen(const Fdt& fdt, MachineInfo& out) {
    auto chosen = fdt.find_node("/chosen");
    if (!chosen)
        return;
    if (const char* bootargs = fdt.property_string(*chosen, "bootargs")) {
        if (!copy_string(out.bootargs, MachineInfo::kMaxBootargs, bootargs))
            out.truncated = true;
    }
    const char* stdout_path = fdt.property_string(*chosen, "stdout-path");
    if (stdout_path == nullptr)
        stdout_path = fdt.property_string(*chosen, "linux,stdout-path");
    if (stdout_path != nullptr && !copy_string(out.stdout_path, MachineInfo::kMaxStdoutPath, stdout_path))
        out.truncated = true;
}

}  // namespace

uint64_t MachineInfo::total_memory() const {
    uint64_t total = 0;
    for (const MemoryRange& range : memory_ranges())
        total += range.size;
    return total;
}

const HartInfo* MachineInfo::find_hart(uint32_t hart_id) const {
    for (const HartInfo& hart : hart_list()) {
        if (hart.hart_id == hart_id)
            return &hart;
    }
    return nullptr;
}

namespace {

// The body of parse_machine_info: nullptr on success, else why the tree is unusable.
const char* fill_machine_info(const Fdt& fdt, MachineInfo& out) {
    out = MachineInfo{};

    parse_memory(fdt, out);
    if (out.memory_count == 0)
        return "the device tree describes no memory";
    parse_reserved(fdt, out);

    auto cpus = fdt.find_node("/cpus");
    if (!cpus)
        return "the device tree has no /cpus node";
    out.timebase_frequency = fdt.property_u64(*cpus, "timebase-frequency").value_or(0);
    parse_harts(fdt, *cpus, out);
    if (out.hart_count == 0)
        return "the device tree describes no harts";
    bool any_usable = false;
    for (const HartInfo& hart : out.hart_list())
        any_usable |= hart.usable;
    if (!any_usable)
        return "every hart in the device tree is disabled";

    // The PLIC's contexts refer to the harts, so harts come first.
    parse_plic(fdt, out);
    parse_uart(fdt, out);
    parse_test_device(fdt, out);
    parse_virtio(fdt, out);
    parse_chosen(fdt, out);
    return nullptr;
}

}  // namespace

bool parse_machine_info(const Fdt& fdt, MachineInfo& out, const char** reason) {
    const char* failure = fill_machine_info(fdt, out);
    if (reason != nullptr)
        *reason = failure;
    return failure == nullptr;
}
