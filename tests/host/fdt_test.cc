// Tests for the device tree reader (kernel/lib/fdt.h): lookups against DTBs dumped from
// QEMU's virt machine, hand-built blobs for what QEMU never produces, and malformed blobs,
// including thousands of random corruptions that must be rejected or read safely.
#include "lib/fdt.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace {

// A blob in a heap buffer of exactly its own size, so AddressSanitizer flags any read
// past its end. operator new's alignment satisfies the 8-byte rule.
std::vector<uint8_t> load_dtb(const char* name) {
    std::string path = std::string(ATLAS_TEST_DATA_DIR) + "/" + name;
    std::ifstream file(path, std::ios::binary);
    EXPECT_TRUE(file.good()) << "cannot open " << path;
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

Fdt open_dtb(const std::vector<uint8_t>& blob) {
    auto fdt = Fdt::from_blob(blob.data(), blob.size());
    if (!fdt)
        ADD_FAILURE() << "rejected: " << Fdt::diagnose(blob.data(), blob.size());
    return *fdt;
}

void store_be32(std::vector<uint8_t>& blob, size_t offset, uint32_t value) {
    blob[offset] = uint8_t(value >> 24);
    blob[offset + 1] = uint8_t(value >> 16);
    blob[offset + 2] = uint8_t(value >> 8);
    blob[offset + 3] = uint8_t(value);
}

uint32_t load_be32(const std::vector<uint8_t>& blob, size_t offset) {
    return (uint32_t(blob[offset]) << 24) | (uint32_t(blob[offset + 1]) << 16) |
           (uint32_t(blob[offset + 2]) << 8) | blob[offset + 3];
}

// Builds small blobs token by token, for the shapes QEMU's trees do not have and for
// precisely targeted corruption.
class BlobBuilder {
public:
    BlobBuilder& begin_node(const char* name) {
        token(1);
        bytes(name, strlen(name) + 1);
        return *this;
    }
    BlobBuilder& end_node() {
        token(2);
        return *this;
    }
    BlobBuilder& nop() {
        token(4);
        return *this;
    }
    BlobBuilder& property(const char* name, const void* value, size_t length) {
        token(3);
        token(static_cast<uint32_t>(length));
        token(string_offset(name));
        bytes(value, length);
        return *this;
    }
    BlobBuilder& property_string(const char* name, const char* value) {
        return property(name, value, strlen(value) + 1);
    }
    BlobBuilder& property_cells(const char* name, std::initializer_list<uint32_t> cells) {
        std::vector<uint8_t> value;
        for (uint32_t cell : cells) {
            value.push_back(uint8_t(cell >> 24));
            value.push_back(uint8_t(cell >> 16));
            value.push_back(uint8_t(cell >> 8));
            value.push_back(uint8_t(cell));
        }
        return property(name, value.data(), value.size());
    }
    BlobBuilder& reservation(uint64_t address, uint64_t size) {
        m_reservations.push_back({address, size});
        return *this;
    }
    BlobBuilder& raw_token(uint32_t value) {
        token(value);
        return *this;
    }

    std::vector<uint8_t> finish(bool add_end = true) {
        if (add_end)
            token(9);
        std::vector<uint8_t> blob(40, 0);
        uint32_t off_reservations = 40;
        for (auto [address, size] : m_reservations) {
            append_be64(blob, address);
            append_be64(blob, size);
        }
        append_be64(blob, 0);
        append_be64(blob, 0);
        uint32_t off_struct = static_cast<uint32_t>(blob.size());
        blob.insert(blob.end(), m_struct.begin(), m_struct.end());
        uint32_t off_strings = static_cast<uint32_t>(blob.size());
        blob.insert(blob.end(), m_strings.begin(), m_strings.end());
        store_be32(blob, 0, Fdt::kMagic);
        store_be32(blob, 4, static_cast<uint32_t>(blob.size()));
        store_be32(blob, 8, off_struct);
        store_be32(blob, 12, off_strings);
        store_be32(blob, 16, off_reservations);
        store_be32(blob, 20, 17);
        store_be32(blob, 24, 16);
        store_be32(blob, 28, 0);
        store_be32(blob, 32, static_cast<uint32_t>(m_strings.size()));
        store_be32(blob, 36, static_cast<uint32_t>(m_struct.size()));
        return blob;
    }

private:
    void token(uint32_t value) {
        for (int shift = 24; shift >= 0; shift -= 8)
            m_struct.push_back(uint8_t(value >> shift));
    }
    void bytes(const void* data, size_t length) {
        auto* p = static_cast<const uint8_t*>(data);
        m_struct.insert(m_struct.end(), p, p + length);
        while (m_struct.size() % 4 != 0)
            m_struct.push_back(0);
    }
    uint32_t string_offset(const char* name) {
        // Reuse an existing copy of the name, as dtc does.
        for (size_t i = 0; i < m_strings.size(); i += strlen(&m_strings[i]) + 1) {
            if (strcmp(&m_strings[i], name) == 0)
                return static_cast<uint32_t>(i);
        }
        uint32_t offset = static_cast<uint32_t>(m_strings.size());
        m_strings.insert(m_strings.end(), name, name + strlen(name) + 1);
        return offset;
    }
    static void append_be64(std::vector<uint8_t>& blob, uint64_t value) {
        for (int shift = 56; shift >= 0; shift -= 8)
            blob.push_back(uint8_t(value >> shift));
    }

    std::vector<uint8_t> m_struct;
    std::vector<char> m_strings;
    std::vector<std::pair<uint64_t, uint64_t>> m_reservations;
};

// A minimal valid tree, to which tests add their own twist.
BlobBuilder minimal_tree() {
    BlobBuilder builder;
    builder.begin_node("").property_cells("#address-cells", {2}).property_cells("#size-cells", {2});
    return builder;
}

bool accepts(const std::vector<uint8_t>& blob) {
    return Fdt::from_blob(blob.data(), blob.size()).has_value();
}

std::string reg_string(const Fdt& fdt, FdtNode node) {
    std::string text;
    auto reg = fdt.reg(node);
    if (!reg)
        return "none";
    while (auto entry = reg->next()) {
        char buffer[64];
        snprintf(buffer, sizeof(buffer), "<%llx %llx>", static_cast<unsigned long long>(entry->address),
                 static_cast<unsigned long long>(entry->size));
        text += buffer;
    }
    return text;
}

TEST(Fdt, AcceptsEveryQemuBlob) {
    for (const char* name :
         {"virt-1cpu-128m.dtb", "virt-2cpu-128m.dtb", "virt-4cpu-256m.dtb", "virt-2cpu-128m-opensbi.dtb"}) {
        auto blob = load_dtb(name);
        ASSERT_FALSE(blob.empty()) << name;
        auto fdt = Fdt::from_blob(blob.data(), blob.size());
        ASSERT_TRUE(fdt.has_value()) << name << ": " << Fdt::diagnose(blob.data(), blob.size());
        EXPECT_EQ(Fdt::diagnose(blob.data(), blob.size()), nullptr);
        EXPECT_EQ(fdt->total_size(), blob.size());
        EXPECT_EQ(fdt->version(), 17u);
        EXPECT_EQ(fdt->reservation_count(), 0u);
        EXPECT_EQ(fdt->blob(), blob.data());
    }
}

TEST(Fdt, BootPathReadsOnlyTotalSize) {
    // At boot the size is unknown, so the default bound (kMaxBootBlobSize) applies; it is
    // safe because only totalsize bytes are read. Here the buffer is exact, so ASan would catch a read past
    // totalsize.
    auto blob = load_dtb("virt-2cpu-128m.dtb");
    auto fdt = Fdt::from_blob(blob.data());
    ASSERT_TRUE(fdt.has_value());
    EXPECT_EQ(fdt->total_size(), blob.size());
}

TEST(Fdt, RootAndItsChildren) {
    auto blob = load_dtb("virt-2cpu-128m.dtb");
    Fdt fdt = open_dtb(blob);
    EXPECT_STREQ(fdt.node_name(fdt.root()), "");
    EXPECT_STREQ(fdt.property_string(fdt.root(), "model"), "riscv-virtio,qemu");
    EXPECT_EQ(fdt.address_cells(fdt.root()), 2u);
    EXPECT_EQ(fdt.size_cells(fdt.root()), 2u);
    EXPECT_FALSE(fdt.parent(fdt.root()).has_value());
    EXPECT_FALSE(fdt.next_sibling(fdt.root()).has_value());

    std::vector<std::string> names;
    for (auto child = fdt.first_child(fdt.root()); child; child = fdt.next_sibling(*child))
        names.push_back(fdt.node_name(*child));
    std::vector<std::string> expected{
        "pmu",    "fw-cfg@10100000",      "flash@20000000",  "chosen", "poweroff",
        "reboot", "platform-bus@4000000", "memory@80000000", "cpus",   "soc"};
    EXPECT_EQ(names, expected);
}

TEST(Fdt, FindNodeByPath) {
    auto blob = load_dtb("virt-4cpu-256m.dtb");
    Fdt fdt = open_dtb(blob);

    EXPECT_EQ(fdt.find_node("/"), fdt.root());
    auto cpus = fdt.find_node("/cpus");
    ASSERT_TRUE(cpus.has_value());
    EXPECT_STREQ(fdt.node_name(*cpus), "cpus");
    ASSERT_TRUE(fdt.find_node("/chosen").has_value());

    auto serial = fdt.find_node("/soc/serial@10000000");
    ASSERT_TRUE(serial.has_value());
    EXPECT_STREQ(fdt.node_name(*serial), "serial@10000000");
    // Without the unit address the name still matches, because it is unique.
    EXPECT_EQ(fdt.find_node("/soc/serial"), serial);
    EXPECT_EQ(fdt.find_node("//soc//serial@10000000/"), serial);
    // Eight virtio_mmio@... siblings: ambiguous without a unit address.
    EXPECT_FALSE(fdt.find_node("/soc/virtio_mmio").has_value());
    auto virtio = fdt.find_node("/soc/virtio_mmio@10003000");
    ASSERT_TRUE(virtio.has_value());
    EXPECT_STREQ(fdt.node_name(*virtio), "virtio_mmio@10003000");

    auto intc = fdt.find_node("/cpus/cpu@3/interrupt-controller");
    ASSERT_TRUE(intc.has_value());
    EXPECT_TRUE(fdt.is_compatible(*intc, "riscv,cpu-intc"));

    EXPECT_FALSE(fdt.find_node("/nonexistent").has_value());
    EXPECT_FALSE(fdt.find_node("/soc/serial@10000001").has_value());
    EXPECT_FALSE(fdt.find_node("/soc/serial@").has_value());
    EXPECT_FALSE(fdt.find_node("/so").has_value());
    EXPECT_FALSE(fdt.find_node("").has_value());
    // No /aliases in QEMU's tree, so an alias cannot resolve.
    EXPECT_FALSE(fdt.find_node("serial0").has_value());
}

TEST(Fdt, FindNodeWithLengthStopsBeforeOptions) {
    auto blob = load_dtb("virt-2cpu-128m.dtb");
    Fdt fdt = open_dtb(blob);
    const char* stdout_path = "/soc/serial@10000000:115200n8";
    auto node = fdt.find_node(stdout_path, strlen("/soc/serial@10000000"));
    ASSERT_TRUE(node.has_value());
    EXPECT_STREQ(fdt.node_name(*node), "serial@10000000");
    EXPECT_FALSE(fdt.find_node(stdout_path).has_value());
}

TEST(Fdt, AliasesResolve) {
    auto blob = minimal_tree()
                    .begin_node("aliases")
                    .property_string("serial0", "/soc/uart@1000")
                    .property_string("loop", "loop")
                    .end_node()
                    .begin_node("soc")
                    .begin_node("uart@1000")
                    .begin_node("port")
                    .end_node()
                    .end_node()
                    .end_node()
                    .end_node()
                    .finish();
    Fdt fdt = open_dtb(blob);
    auto uart = fdt.find_node("serial0");
    ASSERT_TRUE(uart.has_value());
    EXPECT_STREQ(fdt.node_name(*uart), "uart@1000");
    auto port = fdt.find_node("serial0/port");
    ASSERT_TRUE(port.has_value());
    EXPECT_STREQ(fdt.node_name(*port), "port");
    EXPECT_FALSE(fdt.find_node("loop").has_value());
    EXPECT_FALSE(fdt.find_node("serial1").has_value());
}

TEST(Fdt, PropertiesAndValues) {
    auto blob = load_dtb("virt-2cpu-128m.dtb");
    Fdt fdt = open_dtb(blob);
    auto serial = fdt.find_node("/soc/serial@10000000");
    ASSERT_TRUE(serial.has_value());
    EXPECT_EQ(fdt.property_u32(*serial, "clock-frequency"), 0x384000u);
    EXPECT_EQ(fdt.property_u64(*serial, "clock-frequency"), 0x384000u);
    EXPECT_EQ(fdt.property_u32(*serial, "interrupts"), 10u);
    EXPECT_STREQ(fdt.property_string(*serial, "compatible"), "ns16550a");
    EXPECT_FALSE(fdt.property(*serial, "no-such-property").has_value());
    EXPECT_EQ(fdt.property_string(*serial, "no-such-property"), nullptr);
    // reg is 16 bytes: neither a u32 nor a u64 property.
    EXPECT_FALSE(fdt.property_u32(*serial, "reg").has_value());
    EXPECT_FALSE(fdt.property_u64(*serial, "reg").has_value());
    // A property whose value is cells, not a string.
    EXPECT_EQ(fdt.property_string(*serial, "interrupts"), nullptr);

    auto fw_cfg = fdt.find_node("/fw-cfg@10100000");
    ASSERT_TRUE(fw_cfg.has_value());
    auto coherent = fdt.property(*fw_cfg, "dma-coherent");
    ASSERT_TRUE(coherent.has_value());
    EXPECT_TRUE(coherent->value.empty());

    auto cpus = fdt.find_node("/cpus");
    ASSERT_TRUE(cpus.has_value());
    std::vector<std::string> names;
    for (auto property = fdt.first_property(*cpus); property; property = fdt.next_property(*property))
        names.push_back(property->name);
    std::vector<std::string> expected{"#address-cells", "#size-cells", "timebase-frequency"};
    EXPECT_EQ(names, expected);
    EXPECT_EQ(fdt.property_u32(*cpus, "timebase-frequency"), 10000000u);
}

TEST(Fdt, StringLists) {
    auto blob = load_dtb("virt-2cpu-128m.dtb");
    Fdt fdt = open_dtb(blob);
    auto test = fdt.find_node("/soc/test@100000");
    ASSERT_TRUE(test.has_value());
    auto compatible = fdt.property(*test, "compatible");
    ASSERT_TRUE(compatible.has_value());
    FdtStringList list(compatible->value);
    std::vector<std::string> strings;
    while (const char* s = list.next())
        strings.push_back(s);
    std::vector<std::string> expected{"sifive,test1", "sifive,test0", "syscon"};
    EXPECT_EQ(strings, expected);
    EXPECT_TRUE(compatible->string_list_contains("syscon"));
    EXPECT_TRUE(compatible->string_list_contains("sifive,test0"));
    EXPECT_FALSE(compatible->string_list_contains("sifive,test"));
    EXPECT_FALSE(compatible->string_list_contains(""));
    EXPECT_STREQ(compatible->as_string(), "sifive,test1");

    // The last string lacks its NUL: the list stops instead of reading past the value.
    const uint8_t unterminated[] = {'a', 'b', 0, 'c', 'd'};
    FdtStringList broken(std::span<const uint8_t>(unterminated, sizeof(unterminated)));
    EXPECT_STREQ(broken.next(), "ab");
    EXPECT_EQ(broken.next(), nullptr);
    EXPECT_EQ(broken.next(), nullptr);
    FdtProperty property{"compatible", std::span<const uint8_t>(unterminated, sizeof(unterminated)), 0};
    EXPECT_EQ(property.as_string(), nullptr);
    EXPECT_FALSE(property.string_list_contains("cd"));
}

TEST(Fdt, FindCompatibleIterates) {
    auto blob = load_dtb("virt-4cpu-256m.dtb");
    Fdt fdt = open_dtb(blob);

    std::vector<std::string> virtio;
    for (auto node = fdt.find_compatible("virtio,mmio"); node;
         node = fdt.find_compatible("virtio,mmio", node))
        virtio.push_back(fdt.node_name(*node));
    ASSERT_EQ(virtio.size(), 8u);
    EXPECT_EQ(virtio.front(), "virtio_mmio@10008000");
    EXPECT_EQ(virtio.back(), "virtio_mmio@10001000");

    int intc_count = 0;
    for (auto node = fdt.find_compatible("riscv,cpu-intc"); node;
         node = fdt.find_compatible("riscv,cpu-intc", node))
        ++intc_count;
    EXPECT_EQ(intc_count, 4);

    auto plic = fdt.find_compatible("riscv,plic0");
    ASSERT_TRUE(plic.has_value());
    EXPECT_EQ(fdt.find_compatible("sifive,plic-1.0.0"), plic);
    EXPECT_STREQ(fdt.node_name(*plic), "plic@c000000");
    EXPECT_FALSE(fdt.find_compatible("riscv,plic0", plic).has_value());
    EXPECT_FALSE(fdt.find_compatible("no,such-device").has_value());
    EXPECT_TRUE(fdt.is_compatible(fdt.root(), "riscv-virtio"));
}

TEST(Fdt, PhandlesAndParents) {
    auto blob = load_dtb("virt-4cpu-256m.dtb");
    Fdt fdt = open_dtb(blob);
    auto serial = fdt.find_node("/soc/serial@10000000");
    ASSERT_TRUE(serial.has_value());
    auto parent_phandle = fdt.property_u32(*serial, "interrupt-parent");
    ASSERT_TRUE(parent_phandle.has_value());
    auto plic = fdt.node_by_phandle(*parent_phandle);
    ASSERT_TRUE(plic.has_value());
    EXPECT_STREQ(fdt.node_name(*plic), "plic@c000000");

    // Every cpu-intc is reachable by its phandle.
    for (auto node = fdt.find_compatible("riscv,cpu-intc"); node;
         node = fdt.find_compatible("riscv,cpu-intc", node)) {
        auto phandle = fdt.property_u32(*node, "phandle");
        ASSERT_TRUE(phandle.has_value());
        EXPECT_EQ(fdt.node_by_phandle(*phandle), node);
        auto cpu = fdt.parent(*node);
        ASSERT_TRUE(cpu.has_value());
        EXPECT_EQ(strncmp(fdt.node_name(*cpu), "cpu@", 4), 0);
        EXPECT_EQ(fdt.parent(*cpu), fdt.find_node("/cpus"));
    }
    EXPECT_FALSE(fdt.node_by_phandle(0).has_value());
    EXPECT_FALSE(fdt.node_by_phandle(0xffffffff).has_value());
    EXPECT_FALSE(fdt.node_by_phandle(12345).has_value());
    EXPECT_EQ(fdt.parent(*serial), fdt.find_node("/soc"));
    EXPECT_EQ(fdt.parent(*fdt.find_node("/soc")), fdt.root());
}

TEST(Fdt, TraversalsAgree) {
    // Depth-first next_node and the first_child/next_sibling recursion visit the same
    // nodes in the same order.
    auto blob = load_dtb("virt-4cpu-256m.dtb");
    Fdt fdt = open_dtb(blob);
    std::vector<uint32_t> flat;
    for (std::optional<FdtNode> node = fdt.root(); node; node = fdt.next_node(*node))
        flat.push_back(node->offset);
    std::vector<uint32_t> recursive;
    auto visit = [&](auto& self, FdtNode node) -> void {
        recursive.push_back(node.offset);
        for (auto child = fdt.first_child(node); child; child = fdt.next_sibling(*child))
            self(self, *child);
    };
    visit(visit, fdt.root());
    EXPECT_EQ(flat, recursive);
    // The root, 10 top-level nodes, 14 under /cpus (4 cpus with their intc, cpu-map,
    // cluster0, 4 cores) and 14 under /soc.
    EXPECT_EQ(flat.size(), 39u);
}

TEST(Fdt, RegDecoding) {
    auto blob = load_dtb("virt-2cpu-128m.dtb");
    Fdt fdt = open_dtb(blob);
    auto memory = fdt.find_node("/memory@80000000");
    ASSERT_TRUE(memory.has_value());
    auto reg = fdt.reg(*memory);
    ASSERT_TRUE(reg.has_value());
    EXPECT_EQ(reg->count(), 1u);
    EXPECT_EQ(reg->next(), (FdtRegEntry{0x80000000, 0x8000000}));
    EXPECT_FALSE(reg->next().has_value());

    EXPECT_EQ(reg_string(fdt, *fdt.find_node("/flash")), "<20000000 2000000><22000000 2000000>");
    EXPECT_EQ(reg_string(fdt, *fdt.find_node("/soc/plic")), "<c000000 600000>");
    // /cpus has #size-cells 0, so a hart's reg is an address alone.
    EXPECT_EQ(reg_string(fdt, *fdt.find_node("/cpus/cpu@1")), "<1 0>");
    EXPECT_EQ(fdt.reg_entry(*fdt.find_node("/cpus/cpu@1"), 0), (FdtRegEntry{1, 0}));
    EXPECT_FALSE(fdt.reg_entry(*fdt.find_node("/cpus/cpu@1"), 1).has_value());
    EXPECT_EQ(reg_string(fdt, *fdt.find_node("/chosen")), "none");
    EXPECT_EQ(fdt.size_cells(*fdt.find_node("/cpus")), 0u);
    EXPECT_EQ(fdt.address_cells(*fdt.find_node("/cpus")), 1u);
    // No #address-cells: the specification's defaults.
    EXPECT_EQ(fdt.address_cells(*fdt.find_node("/chosen")), 2u);
    EXPECT_EQ(fdt.size_cells(*fdt.find_node("/chosen")), 1u);
}

TEST(Fdt, RegRejectsUnsupportedShapes) {
    auto blob = minimal_tree()
                    .begin_node("pci")
                    .property_cells("#address-cells", {3})
                    .property_cells("#size-cells", {2})
                    .begin_node("dev@0")
                    .property_cells("reg", {0, 0, 0, 0, 0})
                    .end_node()
                    .end_node()
                    .begin_node("odd@0")
                    .property_cells("reg", {0, 1, 2})
                    .end_node()
                    .begin_node("bus")
                    .property_cells("#address-cells", {1})
                    .property_cells("#size-cells", {1})
                    .begin_node("dev@10")
                    .property_cells("reg", {0x10, 0x20, 0x30, 0x40})
                    .end_node()
                    .end_node()
                    .end_node()
                    .finish();
    Fdt fdt = open_dtb(blob);
    EXPECT_EQ(reg_string(fdt, *fdt.find_node("/pci/dev@0")), "none");
    EXPECT_EQ(reg_string(fdt, *fdt.find_node("/odd@0")), "none");
    EXPECT_EQ(reg_string(fdt, *fdt.find_node("/bus/dev@10")), "<10 20><30 40>");
}

TEST(Fdt, CellReader) {
    const uint8_t value[] = {0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff};
    FdtCellReader reader(std::span<const uint8_t>(value, sizeof(value)));
    EXPECT_EQ(reader.remaining_cells(), 3u);
    EXPECT_FALSE(reader.read(3).has_value());
    EXPECT_EQ(reader.read(0), 0u);
    EXPECT_EQ(reader.read(2), 0x100000002u);
    EXPECT_FALSE(reader.read(2).has_value());
    EXPECT_EQ(reader.read(1), 0xffffffffu);
    EXPECT_TRUE(reader.at_end());
    EXPECT_FALSE(reader.read(1).has_value());
}

TEST(Fdt, MemoryReservations) {
    auto blob =
        minimal_tree().reservation(0x80000000, 0x80000).reservation(0x87e00000, 0x2000).end_node().finish();
    Fdt fdt = open_dtb(blob);
    ASSERT_EQ(fdt.reservation_count(), 2u);
    EXPECT_EQ(fdt.reservation(0)->address, 0x80000000u);
    EXPECT_EQ(fdt.reservation(0)->size, 0x80000u);
    EXPECT_EQ(fdt.reservation(1)->address, 0x87e00000u);
    EXPECT_EQ(fdt.reservation(1)->size, 0x2000u);
    EXPECT_FALSE(fdt.reservation(2).has_value());
}

TEST(Fdt, NopsAreSkipped) {
    auto blob = minimal_tree()
                    .nop()
                    .begin_node("a")
                    .nop()
                    .property_cells("x", {7})
                    .nop()
                    .property_cells("y", {8})
                    .nop()
                    .end_node()
                    .nop()
                    .begin_node("b")
                    .end_node()
                    .end_node()
                    .nop()
                    .finish();
    Fdt fdt = open_dtb(blob);
    auto a = fdt.find_node("/a");
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(fdt.property_u32(*a, "x"), 7u);
    EXPECT_EQ(fdt.property_u32(*a, "y"), 8u);
    EXPECT_EQ(fdt.next_sibling(*a), fdt.find_node("/b"));
}

TEST(Fdt, RejectsBadHeaders) {
    auto good = load_dtb("virt-2cpu-128m.dtb");
    ASSERT_TRUE(accepts(good));

    EXPECT_FALSE(Fdt::from_blob(nullptr, 100).has_value());
    EXPECT_STREQ(Fdt::diagnose(nullptr, 100), "the device tree pointer is null");
    EXPECT_FALSE(Fdt::from_blob(good.data(), 39).has_value());
    // Truncated: the header promises more than the memory holds.
    EXPECT_FALSE(Fdt::from_blob(good.data(), good.size() - 1).has_value());
    EXPECT_STREQ(Fdt::diagnose(good.data(), good.size() - 1),
                 "the device tree's total size exceeds the memory it may occupy");

    auto patched = [&](size_t offset, uint32_t value) {
        auto blob = good;
        store_be32(blob, offset, value);
        return blob;
    };
    EXPECT_FALSE(accepts(patched(0, 0xd00dfeee)));
    EXPECT_STREQ(Fdt::diagnose(patched(0, 0).data(), good.size()), "the device tree has a bad magic number");
    EXPECT_FALSE(accepts(patched(4, 39)));
    EXPECT_FALSE(accepts(patched(4, 0xffffffff)));
    EXPECT_FALSE(accepts(patched(20, 15)));                       // version
    EXPECT_FALSE(accepts(patched(24, 18)));                       // last compatible version
    EXPECT_FALSE(accepts(patched(16, 0x2c)));                     // reservations misaligned
    EXPECT_FALSE(accepts(patched(16, 0)));                        // reservations inside the header
    EXPECT_FALSE(accepts(patched(16, 0xfffffff8)));               // reservations past the end
    EXPECT_FALSE(accepts(patched(8, 0x3a)));                      // structure misaligned
    EXPECT_FALSE(accepts(patched(8, 0xfffffff0)));                // structure past the end
    EXPECT_FALSE(accepts(patched(36, 0xfffffffc)));               // structure size huge
    EXPECT_FALSE(accepts(patched(36, load_be32(good, 36) + 2)));  // not whole tokens
    EXPECT_FALSE(accepts(patched(12, 0xffffff00)));               // strings past the end
    EXPECT_FALSE(accepts(patched(32, 0xffffffff)));               // strings size huge

    // A blob at an address that is 4 modulo 8 breaks the 8-byte alignment rule.
    std::vector<uint8_t> shifted(good.size() + 8);
    memcpy(shifted.data() + 4, good.data(), good.size());
    EXPECT_FALSE(Fdt::from_blob(shifted.data() + 4, good.size()).has_value());
    EXPECT_STREQ(Fdt::diagnose(shifted.data() + 4, good.size()), "the device tree is not 8-byte aligned");
}

TEST(Fdt, AcceptsVersion16WithoutStructSize) {
    auto blob = load_dtb("virt-2cpu-128m.dtb");
    store_be32(blob, 20, 16);
    // Version 16 has no size_dt_struct; whatever is in that slot must be ignored.
    store_be32(blob, 36, 0xffffffff);
    Fdt fdt = open_dtb(blob);
    EXPECT_TRUE(fdt.find_node("/soc/serial@10000000").has_value());
}

TEST(Fdt, RejectsUnterminatedReservationBlock) {
    auto blob = minimal_tree().end_node().finish();
    // Overwrite the terminating entry, and everything to the end, with non-zero bytes.
    for (size_t i = 40; i < blob.size(); ++i)
        blob[i] = 0xab;
    EXPECT_FALSE(accepts(blob));
}

TEST(Fdt, RejectsMalformedStructure) {
    // The structure does not start with a node.
    EXPECT_FALSE(accepts(BlobBuilder().property_cells("x", {1}).finish()));
    // Missing END token.
    EXPECT_FALSE(accepts(minimal_tree().end_node().finish(false)));
    // Node never closed.
    EXPECT_FALSE(accepts(minimal_tree().begin_node("a").end_node().finish()));
    // Too many END_NODEs.
    EXPECT_FALSE(accepts(minimal_tree().end_node().end_node().finish()));
    // Two roots.
    EXPECT_FALSE(accepts(minimal_tree().end_node().begin_node("").end_node().finish()));
    // An unknown token.
    EXPECT_FALSE(accepts(minimal_tree().raw_token(7).end_node().finish()));
    // A property with a huge length.
    EXPECT_FALSE(accepts(minimal_tree().raw_token(3).raw_token(0xfffffff0).raw_token(0).end_node().finish()));
    // A property whose length runs just past the block.
    EXPECT_FALSE(accepts(minimal_tree().raw_token(3).raw_token(12).raw_token(0).end_node().finish()));
    // A property name offset beyond the strings block.
    EXPECT_FALSE(accepts(minimal_tree().raw_token(3).raw_token(0).raw_token(0x10000).end_node().finish()));
    // Too deep.
    BlobBuilder deep;
    for (uint32_t i = 0; i <= Fdt::kMaxDepth; ++i)
        deep.begin_node("n");
    for (uint32_t i = 0; i <= Fdt::kMaxDepth; ++i)
        deep.end_node();
    EXPECT_FALSE(accepts(deep.finish()));
    // Just deep enough is fine, and parent() works at the bottom.
    BlobBuilder ok;
    ok.begin_node("");
    for (uint32_t i = 1; i < Fdt::kMaxDepth; ++i)
        ok.begin_node("n");
    for (uint32_t i = 0; i < Fdt::kMaxDepth; ++i)
        ok.end_node();
    auto ok_blob = ok.finish();
    Fdt fdt = open_dtb(ok_blob);
    std::optional<FdtNode> bottom = fdt.root();
    while (auto child = fdt.first_child(*bottom))
        bottom = child;
    EXPECT_TRUE(fdt.parent(*bottom).has_value());
}

TEST(Fdt, RejectsUnterminatedNames) {
    // A node name that runs to the end of the structure block without a NUL.
    auto blob = minimal_tree().begin_node("abc").end_node().end_node().finish();
    Fdt fdt = open_dtb(blob);
    auto node = fdt.find_node("/abc");
    ASSERT_TRUE(node.has_value());
    // Fill from the name to the end of the structure block with non-NUL bytes.
    uint32_t off_struct = load_be32(blob, 8);
    uint32_t size_struct = load_be32(blob, 36);
    for (size_t i = off_struct + node->offset + 4; i < off_struct + size_struct; ++i)
        blob[i] = 'x';
    EXPECT_FALSE(accepts(blob));

    // A property name at the very end of the strings block without its NUL.
    auto strings_blob = minimal_tree().end_node().finish();
    strings_blob.back() = 'x';
    EXPECT_FALSE(accepts(strings_blob));
}

// Every API entry point, run over a blob that passed validation. Nothing is checked about
// the answers; the point is that no call crashes, reads out of bounds (ASan) or loops.
void exercise(const Fdt& fdt) {
    size_t visited = 0;
    for (std::optional<FdtNode> node = fdt.root(); node && visited < 10000;
         node = fdt.next_node(*node), ++visited) {
        (void)strlen(fdt.node_name(*node));
        for (auto property = fdt.first_property(*node); property; property = fdt.next_property(*property)) {
            (void)strlen(property->name);
            (void)property->as_u32();
            (void)property->as_u64();
            if (const char* s = property->as_string())
                (void)strlen(s);
            FdtStringList list(property->value);
            while (const char* s = list.next())
                (void)strlen(s);
        }
        if (auto reg = fdt.reg(*node)) {
            while (reg->next()) {
            }
        }
        (void)fdt.parent(*node);
        (void)fdt.next_sibling(*node);
        (void)fdt.first_child(*node);
        (void)fdt.is_compatible(*node, "virtio,mmio");
        (void)fdt.address_cells(*node);
        if (auto phandle = fdt.property_u32(*node, "phandle"))
            (void)fdt.node_by_phandle(*phandle);
    }
    for (const char* path : {"/cpus", "/soc/serial", "/soc/serial@10000000", "/chosen",
                             "/cpus/cpu@0/interrupt-controller", "serial0", "/reserved-memory"}) {
        if (auto node = fdt.find_node(path))
            (void)fdt.node_name(*node);
    }
    for (auto node = fdt.find_compatible("virtio,mmio"); node;
         node = fdt.find_compatible("virtio,mmio", node)) {
    }
    (void)fdt.node_by_phandle(9);
    for (size_t i = 0; i < fdt.reservation_count() && i < 100; ++i)
        (void)fdt.reservation(i);
}

TEST(Fdt, SurvivesRandomCorruption) {
    std::mt19937 random(20240521);
    int accepted = 0;
    int iterations = 0;
    for (const char* name : {"virt-2cpu-128m-opensbi.dtb", "virt-4cpu-256m.dtb"}) {
        const auto original = load_dtb(name);
        ASSERT_FALSE(original.empty());
        for (int round = 0; round < 2500; ++round, ++iterations) {
            auto blob = original;
            size_t size = blob.size();
            int mutations = 1 + static_cast<int>(random() % 6);
            for (int m = 0; m < mutations; ++m) {
                size_t offset = random() % blob.size();
                switch (random() % 6) {
                    case 0:
                        blob[offset] = static_cast<uint8_t>(random());
                        break;
                    case 1:
                        blob[offset] ^= static_cast<uint8_t>(1u << (random() % 8));
                        break;
                    case 2: {
                        // A 32-bit word set to a value likely to hit an edge.
                        const uint32_t edges[] = {0,
                                                  1,
                                                  2,
                                                  3,
                                                  4,
                                                  9,
                                                  0x7fffffff,
                                                  0x80000000,
                                                  0xfffffffc,
                                                  0xffffffff,
                                                  static_cast<uint32_t>(blob.size()),
                                                  static_cast<uint32_t>(blob.size() - 4)};
                        size_t word = (offset & ~size_t(3));
                        if (word + 4 <= blob.size())
                            store_be32(blob, word, edges[random() % std::size(edges)]);
                        break;
                    }
                    case 3:
                        // A NUL removed or added, to unterminate or split names.
                        blob[offset] = blob[offset] == 0 ? 'x' : 0;
                        break;
                    case 4:
                        // A header field.
                        store_be32(blob, 4 * (random() % 10),
                                   static_cast<uint32_t>(random() % (blob.size() + 64)));
                        break;
                    case 5:
                        // Truncation: the memory ends before the header says.
                        size = random() % blob.size();
                        break;
                }
            }
            // An exact-size copy, so that ASan sees any read past the permitted size.
            std::vector<uint8_t> memory(blob.begin(), blob.begin() + static_cast<ptrdiff_t>(size));
            auto fdt = Fdt::from_blob(memory.data(), memory.size());
            if (!fdt) {
                EXPECT_NE(Fdt::diagnose(memory.data(), memory.size()), nullptr);
                continue;
            }
            ++accepted;
            exercise(*fdt);
        }
    }
    // Many corruptions hit property values and leave the blob well-formed; make sure the
    // accepted path was exercised as well as the rejecting one.
    EXPECT_GT(accepted, iterations / 10);
    EXPECT_LT(accepted, iterations);
}

}  // namespace
