// Tests for MachineInfo extraction (kernel/arch/riscv64/machine.h) over DTBs dumped from
// QEMU's virt machine: the plain dumps (-machine virt,dumpdtb=...) and one read back from
// guest memory after OpenSBI had added its /reserved-memory node (with bootargs set).
#include "arch/riscv64/machine.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

std::vector<uint8_t> load_dtb(const char* name) {
    std::string path = std::string(ATLAS_TEST_DATA_DIR) + "/" + name;
    std::ifstream file(path, std::ios::binary);
    EXPECT_TRUE(file.good()) << "cannot open " << path;
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// MachineInfo is large; tests keep it off the stack like the kernel does.
struct Parsed {
    std::vector<uint8_t> blob;
    MachineInfo info;
    bool ok{false};
    // Why parsing failed; nullptr when it succeeded.
    const char* error{nullptr};
};

std::unique_ptr<Parsed> parse_blob(std::vector<uint8_t> blob) {
    auto parsed = std::make_unique<Parsed>();
    parsed->blob = std::move(blob);
    auto fdt = Fdt::from_blob(parsed->blob.data(), parsed->blob.size());
    if (!fdt) {
        ADD_FAILURE() << "blob rejected: " << Fdt::diagnose(parsed->blob.data(), parsed->blob.size());
        parsed->error = "blob rejected";
        return parsed;
    }
    parsed->ok = parse_machine_info(*fdt, parsed->info, &parsed->error);
    return parsed;
}

std::unique_ptr<Parsed> parse_file(const char* name) {
    return parse_blob(load_dtb(name));
}

// Replaces every occurrence of `from` with `to` (same length) in the blob, so that a
// real tree can be bent into a broken one without re-encoding it.
int replace_bytes(std::vector<uint8_t>& blob, const char* from, const char* to, size_t length) {
    int count = 0;
    for (size_t i = 0; i + length <= blob.size(); ++i) {
        if (memcmp(blob.data() + i, from, length) == 0) {
            memcpy(blob.data() + i, to, length);
            ++count;
        }
    }
    return count;
}

void expect_virt_devices(const MachineInfo& info) {
    EXPECT_TRUE(info.uart.present);
    EXPECT_EQ(info.uart.base, 0x10000000u);
    EXPECT_EQ(info.uart.size, 0x100u);
    EXPECT_EQ(info.uart.irq, 10u);
    EXPECT_EQ(info.uart.clock_frequency, 0x384000u);
    EXPECT_EQ(info.uart.reg_shift, 0u);
    EXPECT_EQ(info.uart.reg_io_width, 1u);

    EXPECT_TRUE(info.plic.present);
    EXPECT_EQ(info.plic.base, 0xc000000u);
    EXPECT_EQ(info.plic.size, 0x600000u);
    EXPECT_EQ(info.plic.ndev, 0x60u);
    EXPECT_EQ(info.plic.context_count, 2 * info.hart_count);

    EXPECT_TRUE(info.test_device.present);
    EXPECT_EQ(info.test_device.base, 0x100000u);

    ASSERT_EQ(info.virtio_count, 8u);
    for (size_t i = 0; i < info.virtio_count; ++i) {
        EXPECT_EQ(info.virtio[i].base, 0x10001000u + 0x1000u * i) << i;
        EXPECT_EQ(info.virtio[i].size, 0x1000u) << i;
        EXPECT_EQ(info.virtio[i].irq, 1u + i) << i;
    }

    EXPECT_EQ(info.timebase_frequency, 10000000u);
    EXPECT_STREQ(info.stdout_path, "/soc/serial@10000000");
    EXPECT_FALSE(info.truncated);
}

void expect_harts(const MachineInfo& info, size_t count) {
    ASSERT_EQ(info.hart_count, count);
    for (size_t i = 0; i < count; ++i) {
        const HartInfo& hart = info.harts[i];
        EXPECT_EQ(hart.hart_id, i);
        EXPECT_TRUE(hart.usable);
        // QEMU 7.2 advertises Sv48 (and so Sv39) for its default cpu.
        EXPECT_EQ(hart.mmu_type, MmuType::Sv48);
        EXPECT_NE(hart.intc_phandle, 0u);
        // Context 2n is hart n's M-mode, 2n + 1 its S-mode.
        EXPECT_EQ(hart.plic_supervisor_context, static_cast<int32_t>(2 * i + 1)) << "hart " << i;
        EXPECT_EQ(info.find_hart(static_cast<uint32_t>(i)), &hart);
    }
    EXPECT_EQ(info.find_hart(static_cast<uint32_t>(count)), nullptr);
}

TEST(MachineInfo, OneHart128M) {
    auto parsed = parse_file("virt-1cpu-128m.dtb");
    ASSERT_TRUE(parsed->ok) << parsed->error;
    const MachineInfo& info = parsed->info;
    ASSERT_EQ(info.memory_count, 1u);
    EXPECT_EQ(info.memory[0], (MemoryRange{0x80000000, 128u << 20}));
    EXPECT_EQ(info.total_memory(), 128u << 20);
    EXPECT_EQ(info.reserved_count, 0u);
    expect_harts(info, 1);
    expect_virt_devices(info);
    EXPECT_STREQ(info.bootargs, "");
}

TEST(MachineInfo, TwoHarts128M) {
    auto parsed = parse_file("virt-2cpu-128m.dtb");
    ASSERT_TRUE(parsed->ok) << parsed->error;
    const MachineInfo& info = parsed->info;
    ASSERT_EQ(info.memory_count, 1u);
    EXPECT_EQ(info.memory[0], (MemoryRange{0x80000000, 128u << 20}));
    expect_harts(info, 2);
    expect_virt_devices(info);
}

TEST(MachineInfo, FourHarts256M) {
    auto parsed = parse_file("virt-4cpu-256m.dtb");
    ASSERT_TRUE(parsed->ok) << parsed->error;
    const MachineInfo& info = parsed->info;
    ASSERT_EQ(info.memory_count, 1u);
    EXPECT_EQ(info.memory[0], (MemoryRange{0x80000000, 256u << 20}));
    EXPECT_EQ(info.memory[0].end(), 0x90000000u);
    expect_harts(info, 4);
    // Spelled out for the four-hart machine: S-mode contexts 1, 3, 5, 7.
    EXPECT_EQ(info.harts[0].plic_supervisor_context, 1);
    EXPECT_EQ(info.harts[1].plic_supervisor_context, 3);
    EXPECT_EQ(info.harts[2].plic_supervisor_context, 5);
    EXPECT_EQ(info.harts[3].plic_supervisor_context, 7);
    expect_virt_devices(info);
}

TEST(MachineInfo, AfterOpenSbiWithBootargs) {
    auto parsed = parse_file("virt-2cpu-128m-opensbi.dtb");
    ASSERT_TRUE(parsed->ok) << parsed->error;
    const MachineInfo& info = parsed->info;
    EXPECT_STREQ(info.bootargs, "selftest foo");
    // OpenSBI keeps its own image at the bottom of RAM.
    ASSERT_EQ(info.reserved_count, 1u);
    EXPECT_EQ(info.reserved[0], (MemoryRange{0x80000000, 0x80000}));
    ASSERT_EQ(info.memory_count, 1u);
    EXPECT_EQ(info.memory[0], (MemoryRange{0x80000000, 128u << 20}));
    expect_harts(info, 2);
    expect_virt_devices(info);
}

TEST(MachineInfo, SpansMatchCounts) {
    auto parsed = parse_file("virt-4cpu-256m.dtb");
    ASSERT_TRUE(parsed->ok);
    const MachineInfo& info = parsed->info;
    EXPECT_EQ(info.memory_ranges().size(), info.memory_count);
    EXPECT_EQ(info.reserved_ranges().size(), info.reserved_count);
    EXPECT_EQ(info.hart_list().size(), 4u);
    EXPECT_EQ(info.virtio_devices().size(), 8u);
}

TEST(MachineInfo, RejectsTreeWithoutMemory) {
    auto blob = load_dtb("virt-2cpu-128m.dtb");
    // device_type = "memory" becomes "memorx": no node describes RAM any more.
    ASSERT_EQ(replace_bytes(blob, "memory\0", "memorx\0", 7), 1);
    auto parsed = parse_blob(std::move(blob));
    EXPECT_FALSE(parsed->ok);
    ASSERT_NE(parsed->error, nullptr);
    EXPECT_STREQ(parsed->error, "the device tree describes no memory");
}

TEST(MachineInfo, RejectsTreeWithoutHarts) {
    auto blob = load_dtb("virt-2cpu-128m.dtb");
    // device_type = "cpu" becomes "cpx" on both cpu nodes (and the cpu-map's "cpu"
    // property name in the strings block, which does not matter here).
    ASSERT_GE(replace_bytes(blob, "cpu\0", "cpx\0", 4), 2);
    auto parsed = parse_blob(std::move(blob));
    EXPECT_FALSE(parsed->ok);
    EXPECT_STREQ(parsed->error, "the device tree describes no harts");
}

TEST(MachineInfo, DisabledHartsAreListedButNotUsable) {
    auto blob = load_dtb("virt-2cpu-128m.dtb");
    // Every status = "okay" on the cpus becomes "fail".
    ASSERT_EQ(replace_bytes(blob, "okay\0", "fail\0", 5), 2);
    auto parsed = parse_blob(blob);
    EXPECT_FALSE(parsed->ok);
    EXPECT_STREQ(parsed->error, "every hart in the device tree is disabled");

    // Only the first one disabled: the machine is still bootable.
    auto one = load_dtb("virt-2cpu-128m.dtb");
    for (size_t i = 0; i + 5 <= one.size(); ++i) {
        if (memcmp(one.data() + i, "okay\0", 5) == 0) {
            memcpy(one.data() + i, "fail\0", 5);
            break;
        }
    }
    auto partly = parse_blob(std::move(one));
    ASSERT_TRUE(partly->ok) << partly->error;
    ASSERT_EQ(partly->info.hart_count, 2u);
    EXPECT_FALSE(partly->info.harts[0].usable);
    EXPECT_TRUE(partly->info.harts[1].usable);
}

TEST(MachineInfo, MissingDevicesAreNotPresent) {
    auto blob = load_dtb("virt-1cpu-128m.dtb");
    ASSERT_EQ(replace_bytes(blob, "ns16550a\0", "xx16550a\0", 9), 1);
    ASSERT_EQ(replace_bytes(blob, "sifive,test", "sifive,xxxx", 11), 2);
    auto parsed = parse_blob(std::move(blob));
    ASSERT_TRUE(parsed->ok) << parsed->error;
    EXPECT_FALSE(parsed->info.uart.present);
    EXPECT_EQ(parsed->info.uart.base, 0u);
    EXPECT_FALSE(parsed->info.test_device.present);
    EXPECT_TRUE(parsed->info.plic.present);
}

TEST(MachineInfo, ResetsOutputBeforeParsing) {
    auto parsed = parse_file("virt-4cpu-256m.dtb");
    ASSERT_TRUE(parsed->ok);
    // Parsing a smaller machine into the same struct leaves nothing of the larger one.
    auto blob = load_dtb("virt-1cpu-128m.dtb");
    auto fdt = Fdt::from_blob(blob.data(), blob.size());
    ASSERT_TRUE(fdt.has_value());
    // The reason pointer is optional.
    ASSERT_TRUE(parse_machine_info(*fdt, parsed->info));
    EXPECT_EQ(parsed->info.hart_count, 1u);
    EXPECT_EQ(parsed->info.harts[1].hart_id, 0u);
    EXPECT_EQ(parsed->info.harts[1].intc_phandle, 0u);
}

TEST(MachineInfo, SurvivesRandomCorruption) {
    // parse_machine_info on corrupted but structurally valid trees: wrong cell counts,
    // dangling phandles, odd lengths. It must not crash or read out of bounds.
    const auto original = load_dtb("virt-2cpu-128m-opensbi.dtb");
    ASSERT_FALSE(original.empty());
    std::mt19937 random(7);
    auto info = std::make_unique<MachineInfo>();
    int parsed = 0;
    for (int round = 0; round < 2000; ++round) {
        auto blob = original;
        int mutations = 1 + static_cast<int>(random() % 4);
        for (int m = 0; m < mutations; ++m) {
            size_t offset = 40 + random() % (blob.size() - 40);
            blob[offset] =
                random() % 2 ? static_cast<uint8_t>(random()) : static_cast<uint8_t>(blob[offset] ^ 1);
        }
        auto fdt = Fdt::from_blob(blob.data(), blob.size());
        if (!fdt)
            continue;
        const char* error = "not set";
        if (parse_machine_info(*fdt, *info, &error)) {
            EXPECT_EQ(error, nullptr);
            ++parsed;
            EXPECT_GE(info->memory_count, 1u);
            EXPECT_GE(info->hart_count, 1u);
            EXPECT_LE(info->hart_count, MachineInfo::kMaxHarts);
            EXPECT_LE(info->virtio_count, MachineInfo::kMaxVirtioDevices);
            EXPECT_LT(strlen(info->bootargs), MachineInfo::kMaxBootargs);
        } else {
            EXPECT_NE(error, nullptr);
        }
    }
    EXPECT_GT(parsed, 100);
}

}  // namespace
