// A reader for the flattened device tree (DTB) that the firmware hands the kernel.
//
// The blob is read in place: Fdt holds a pointer to it and never copies or modifies it,
// so the memory must stay untouched for as long as the Fdt (or any string or byte span
// obtained from it) is in use. Everything in the blob is big-endian.
//
//   +------------------+ 0
//   | header (40 B)    |  magic 0xd00dfeed, total size, block offsets, versions
//   +------------------+ off_mem_rsvmap (8-byte aligned)
//   | reservations     |  (address, size) u64 pairs ending with (0, 0)
//   +------------------+ off_dt_struct (4-byte aligned)
//   | structure block  |  tokens: BEGIN_NODE name, PROP len nameoff value, END_NODE,
//   |                  |  NOP, and one END; every token starts 4-byte aligned
//   +------------------+ off_dt_strings
//   | strings block    |  property names, NUL-terminated, referenced by nameoff
//   +------------------+ totalsize
//
// The blob may come from anywhere, so it is treated as hostile. from_blob() checks the
// header and then walks the whole structure block once before it hands out an Fdt: every
// token lies inside the block, every node name and property name is NUL-terminated
// inside its block, every property value lies inside the block, nodes nest properly and
// no deeper than kMaxDepth, and the reservation list ends before totalsize. A blob that
// fails any check is rejected. On top of that, every accessor bounds-checks each read
// again, so a reader bug degrades to "not found", never to an out-of-bounds read.
//
// Nodes are named by FdtNode handles (the offset of their BEGIN_NODE token). A handle is
// only meaningful for the Fdt that produced it. Lookups that may fail return
// std::optional; nothing here allocates, so it works before the kernel has a heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

// A node of the tree: the offset of its BEGIN_NODE token within the structure block.
struct FdtNode {
    uint32_t offset{0};
    bool operator==(const FdtNode&) const = default;
};

// A property as stored in the blob. `name` is NUL-terminated; `value` may be empty.
struct FdtProperty {
    const char* name{nullptr};
    std::span<const uint8_t> value;
    // The offset of the PROP token, so that iteration can continue from here.
    uint32_t offset{0};

    // A property that is exactly one cell (or, for as_u64, two cells or one cell).
    std::optional<uint32_t> as_u32() const;
    std::optional<uint64_t> as_u64() const;
    // The value as a string, if it is non-empty and its last byte is the only NUL
    // terminator needed (a stringlist yields its first string).
    const char* as_string() const;
    // Whether the value is a well-formed stringlist that contains `string`.
    bool string_list_contains(const char* string) const;
};

// Walks a stringlist property ("a\0bb\0c\0"): each next() returns the following string,
// or nullptr at the end or at a string that is not NUL-terminated inside the value.
class FdtStringList {
public:
    explicit FdtStringList(std::span<const uint8_t> value) : m_value(value) {}

    const char* next();

private:
    std::span<const uint8_t> m_value;
    size_t m_position{0};
};

// Reads a property value as a sequence of big-endian 32-bit cells, one or two at a time.
class FdtCellReader {
public:
    explicit FdtCellReader(std::span<const uint8_t> value) : m_value(value) {}

    // Reads `count` cells (0, 1 or 2) as one number, most significant cell first. Zero
    // cells read as 0. Returns nullopt when the count is larger than two or the value has
    // fewer cells left; the position does not move then.
    std::optional<uint64_t> read(uint32_t count);
    size_t remaining_cells() const { return (m_value.size() - m_position) / 4; }
    bool at_end() const { return m_position + 4 > m_value.size(); }

private:
    std::span<const uint8_t> m_value;
    size_t m_position{0};
};

struct FdtRegEntry {
    uint64_t address{0};
    uint64_t size{0};
    bool operator==(const FdtRegEntry&) const = default;
};

// Decodes a "reg" property with the #address-cells and #size-cells of the node's parent.
class FdtRegReader {
public:
    FdtRegReader(std::span<const uint8_t> value, uint32_t address_cells, uint32_t size_cells)
        : m_cells(value), m_address_cells(address_cells), m_size_cells(size_cells) {}

    // The next (address, size) pair, or nullopt after the last one.
    std::optional<FdtRegEntry> next();
    size_t count() const {
        uint32_t entry_cells = m_address_cells + m_size_cells;
        return entry_cells == 0 ? 0 : m_cells.remaining_cells() / entry_cells;
    }

private:
    FdtCellReader m_cells;
    uint32_t m_address_cells;
    uint32_t m_size_cells;
};

// One entry of the memory-reservation block.
struct FdtReservation {
    uint64_t address{0};
    uint64_t size{0};
};

class Fdt {
public:
    static constexpr uint32_t kMagic = 0xd00dfeed;
    static constexpr uint32_t kHeaderSize = 40;
    // Deepest nesting accepted. QEMU's trees are 4 levels deep; parent() needs a stack.
    static constexpr uint32_t kMaxDepth = 32;
    // The largest blob the boot code will accept when it only has the pointer from a1
    // and does not know the size yet; the header's own totalsize is what gets read.
    static constexpr size_t kMaxBootBlobSize = 2 * 1024 * 1024;

    // Validates the blob and returns a reader for it. `max_size` is how many bytes at
    // `blob` may be read: only the header is read before its totalsize has been checked
    // against it, so at boot, where only the pointer from a1 is known, the default
    // kMaxBootBlobSize is right. Returns nullopt for anything malformed; diagnose() then
    // says why.
    static std::optional<Fdt> from_blob(const void* blob, size_t max_size = kMaxBootBlobSize);

    // Why from_blob() would reject this blob, as a static sentence, or nullptr if it
    // would accept it. For panic messages; it repeats the whole validation.
    static const char* diagnose(const void* blob, size_t max_size = kMaxBootBlobSize);

    const void* blob() const { return m_blob; }
    size_t total_size() const { return m_total_size; }
    uint32_t version() const { return m_version; }
    uint32_t boot_cpuid() const { return m_boot_cpuid; }

    // The memory-reservation block.
    size_t reservation_count() const { return m_reservation_count; }
    std::optional<FdtReservation> reservation(size_t index) const;

    // Structure.
    FdtNode root() const { return FdtNode{m_root_offset}; }
    // The node's name with its unit address ("serial@10000000"); "" for the root.
    const char* node_name(FdtNode node) const;
    std::optional<FdtNode> first_child(FdtNode node) const;
    std::optional<FdtNode> next_sibling(FdtNode node) const;
    std::optional<FdtNode> parent(FdtNode node) const;
    // The next node after `node` in document order (depth first), or nullopt at the end.
    std::optional<FdtNode> next_node(FdtNode node) const;

    // Finds a node by absolute path ("/soc/serial@10000000"). A component without a unit
    // address ("serial") also matches a child named "serial@..." if exactly one child
    // does. A path that does not start with '/' starts with an alias from /aliases. The
    // path ends at its first NUL or after `length` characters, so stdout-path values such
    // as "serial0:115200n8" can be looked up without their options.
    std::optional<FdtNode> find_node(const char* path) const;
    std::optional<FdtNode> find_node(const char* path, size_t length) const;

    // The next node after `start_after` (or from the root when nullopt) in document
    // order whose "compatible" stringlist contains `compatible`.
    std::optional<FdtNode> find_compatible(const char* compatible,
                                           std::optional<FdtNode> start_after = std::nullopt) const;
    bool is_compatible(FdtNode node, const char* compatible) const;

    // The node whose "phandle" property is `phandle`; 0 and 0xffffffff name no node.
    std::optional<FdtNode> node_by_phandle(uint32_t phandle) const;

    // Properties.
    std::optional<FdtProperty> property(FdtNode node, const char* name) const;
    std::optional<FdtProperty> first_property(FdtNode node) const;
    std::optional<FdtProperty> next_property(const FdtProperty& property) const;
    std::optional<uint32_t> property_u32(FdtNode node, const char* name) const;
    std::optional<uint64_t> property_u64(FdtNode node, const char* name) const;
    const char* property_string(FdtNode node, const char* name) const;

    // The node's own #address-cells and #size-cells, which describe its children's reg:
    // 2 and 1 when absent, as the specification says.
    uint32_t address_cells(FdtNode node) const;
    uint32_t size_cells(FdtNode node) const;

    // The node's "reg" decoded with its parent's cell counts. Returns nullopt if there is
    // no reg, the parent's counts exceed two cells each (PCI's three-cell addresses), or
    // the length is not a whole number of entries.
    std::optional<FdtRegReader> reg(FdtNode node) const;
    std::optional<FdtRegEntry> reg_entry(FdtNode node, size_t index) const;

private:
    Fdt() = default;

    struct Token;
    static const char* validate(const void* blob, size_t max_size, Fdt& out);
    const char* validate_structure();
    std::optional<Token> token_at(uint32_t offset) const;
    std::optional<Token> skip_nops(uint32_t offset) const;
    // The property whose token comes first at `offset`, NOPs skipped; nullopt when the
    // token there is anything else, which ends a node's properties.
    std::optional<FdtProperty> property_at(uint32_t offset) const;
    std::optional<uint32_t> end_of_subtree(FdtNode node) const;
    std::optional<FdtNode> find_child(FdtNode parent, const char* name, size_t length) const;

    const uint8_t* m_blob{nullptr};
    size_t m_total_size{0};
    uint32_t m_version{0};
    uint32_t m_boot_cpuid{0};
    const uint8_t* m_reservations{nullptr};
    size_t m_reservation_count{0};
    const uint8_t* m_struct{nullptr};
    uint32_t m_struct_size{0};
    const char* m_strings{nullptr};
    uint32_t m_strings_size{0};
    uint32_t m_root_offset{0};
};
