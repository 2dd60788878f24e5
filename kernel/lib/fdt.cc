// The flattened device tree reader. See fdt.h for the blob layout and the checks made.
#include "lib/fdt.h"

namespace {

constexpr uint32_t kTokenBeginNode = 1;
constexpr uint32_t kTokenEndNode = 2;
constexpr uint32_t kTokenProp = 3;
constexpr uint32_t kTokenNop = 4;
constexpr uint32_t kTokenEnd = 9;

// Header field offsets, in bytes.
constexpr size_t kHeaderMagic = 0;
constexpr size_t kHeaderTotalSize = 4;
constexpr size_t kHeaderOffStruct = 8;
constexpr size_t kHeaderOffStrings = 12;
constexpr size_t kHeaderOffReservations = 16;
constexpr size_t kHeaderVersion = 20;
constexpr size_t kHeaderLastCompatibleVersion = 24;
constexpr size_t kHeaderBootCpuid = 28;
constexpr size_t kHeaderSizeStrings = 32;
constexpr size_t kHeaderSizeStruct = 36;

// The versions this reader understands: 17 adds only size_dt_struct to 16.
constexpr uint32_t kOldestVersion = 16;
constexpr uint32_t kNewestVersion = 17;

uint32_t load_be32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

uint64_t load_be64(const uint8_t* p) {
    return (uint64_t(load_be32(p)) << 32) | load_be32(p + 4);
}

constexpr uint64_t align_up_4(uint64_t value) {
    return (value + 3) & ~uint64_t(3);
}

// The length of the NUL-terminated string at `s`, if its NUL lies within `limit` bytes.
std::optional<size_t> bounded_length(const char* s, size_t limit) {
    for (size_t i = 0; i < limit; ++i) {
        if (s[i] == '\0')
            return i;
    }
    return std::nullopt;
}

size_t string_length(const char* s) {
    size_t n = 0;
    while (s[n] != '\0')
        ++n;
    return n;
}

bool strings_equal(const char* a, const char* b) {
    while (*a != '\0' && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

// Whether the NUL-terminated `name` equals the first `length` characters of `text`.
bool name_equals(const char* name, const char* text, size_t length) {
    for (size_t i = 0; i < length; ++i) {
        if (name[i] != text[i] || name[i] == '\0')
            return false;
    }
    return name[length] == '\0';
}

}  // namespace

// One decoded token of the structure block, with the payload already bounds-checked.
struct Fdt::Token {
    uint32_t kind{0};
    uint32_t offset{0};
    // Where the following token starts.
    uint32_t next{0};
    // The node name for BEGIN_NODE, the property name for PROP.
    const char* name{nullptr};
    uint32_t value_offset{0};
    uint32_t value_length{0};
};

std::optional<uint32_t> FdtProperty::as_u32() const {
    if (value.size() != 4)
        return std::nullopt;
    return load_be32(value.data());
}

std::optional<uint64_t> FdtProperty::as_u64() const {
    if (value.size() == 8)
        return load_be64(value.data());
    if (value.size() == 4)
        return load_be32(value.data());
    return std::nullopt;
}

const char* FdtProperty::as_string() const {
    if (value.empty() || value.back() != 0)
        return nullptr;
    return reinterpret_cast<const char*>(value.data());
}

bool FdtProperty::string_list_contains(const char* string) const {
    FdtStringList list(value);
    while (const char* entry = list.next()) {
        if (strings_equal(entry, string))
            return true;
    }
    return false;
}

const char* FdtStringList::next() {
    if (m_position >= m_value.size())
        return nullptr;
    const char* start = reinterpret_cast<const char*>(m_value.data()) + m_position;
    auto length = bounded_length(start, m_value.size() - m_position);
    if (!length) {
        // A last string without its NUL is malformed; stop rather than read past it.
        m_position = m_value.size();
        return nullptr;
    }
    m_position += *length + 1;
    return start;
}

std::optional<uint64_t> FdtCellReader::read(uint32_t count) {
    if (count > 2 || m_position + size_t(count) * 4 > m_value.size())
        return std::nullopt;
    uint64_t value = 0;
    for (uint32_t i = 0; i < count; ++i) {
        value = (value << 32) | load_be32(m_value.data() + m_position);
        m_position += 4;
    }
    return value;
}

std::optional<FdtRegEntry> FdtRegReader::next() {
    uint32_t entry_cells = m_address_cells + m_size_cells;
    if (entry_cells == 0 || m_cells.remaining_cells() < entry_cells)
        return std::nullopt;
    auto address = m_cells.read(m_address_cells);
    auto size = m_cells.read(m_size_cells);
    if (!address || !size)
        return std::nullopt;
    return FdtRegEntry{*address, *size};
}

std::optional<Fdt> Fdt::from_blob(const void* blob, size_t max_size) {
    Fdt fdt;
    if (validate(blob, max_size, fdt) != nullptr)
        return std::nullopt;
    return fdt;
}

const char* Fdt::diagnose(const void* blob, size_t max_size) {
    Fdt fdt;
    return validate(blob, max_size, fdt);
}

const char* Fdt::validate(const void* blob, size_t max_size, Fdt& out) {
    if (blob == nullptr)
        return "the device tree pointer is null";
    // The specification places the blob on an 8-byte boundary; the reservation block's
    // 64-bit entries rely on it.
    if (reinterpret_cast<uintptr_t>(blob) % 8 != 0)
        return "the device tree is not 8-byte aligned";
    if (max_size < kHeaderSize)
        return "the device tree is smaller than its header";

    auto* bytes = static_cast<const uint8_t*>(blob);
    if (load_be32(bytes + kHeaderMagic) != kMagic)
        return "the device tree has a bad magic number";
    uint32_t total_size = load_be32(bytes + kHeaderTotalSize);
    if (total_size < kHeaderSize)
        return "the device tree's total size is smaller than its header";
    if (total_size > max_size)
        return "the device tree's total size exceeds the memory it may occupy";
    uint32_t version = load_be32(bytes + kHeaderVersion);
    if (version < kOldestVersion)
        return "the device tree's version is older than 16";
    if (load_be32(bytes + kHeaderLastCompatibleVersion) > kNewestVersion)
        return "the device tree is not compatible with version 17";

    uint32_t off_reservations = load_be32(bytes + kHeaderOffReservations);
    uint32_t off_struct = load_be32(bytes + kHeaderOffStruct);
    uint32_t off_strings = load_be32(bytes + kHeaderOffStrings);
    uint32_t size_strings = load_be32(bytes + kHeaderSizeStrings);
    if (off_struct > total_size)
        return "the structure block is misplaced";
    // Version 16 has no size_dt_struct. The structure block then runs up to the strings
    // block if that follows it, or else to the end, in whole tokens.
    uint64_t size_struct;
    if (version >= 17) {
        size_struct = load_be32(bytes + kHeaderSizeStruct);
    } else {
        uint32_t struct_end = off_strings > off_struct ? off_strings : total_size;
        size_struct = (struct_end - off_struct) & ~uint64_t(3);
    }

    if (off_reservations % 8 != 0 || off_reservations < kHeaderSize || off_reservations >= total_size)
        return "the memory reservation block is misplaced";
    if (off_struct % 4 != 0 || off_struct < kHeaderSize || uint64_t(off_struct) + size_struct > total_size ||
        size_struct % 4 != 0)
        return "the structure block is misplaced";
    if (off_strings < kHeaderSize || uint64_t(off_strings) + size_strings > total_size)
        return "the strings block is misplaced";

    // The reservation list ends with an all-zero entry that must lie inside the blob.
    size_t reservation_count = 0;
    for (uint64_t offset = off_reservations;; offset += 16) {
        if (offset + 16 > total_size)
            return "the memory reservation block is not terminated";
        if (load_be64(bytes + offset) == 0 && load_be64(bytes + offset + 8) == 0)
            break;
        ++reservation_count;
    }

    out.m_blob = bytes;
    out.m_total_size = total_size;
    out.m_version = version;
    out.m_boot_cpuid = load_be32(bytes + kHeaderBootCpuid);
    out.m_reservations = bytes + off_reservations;
    out.m_reservation_count = reservation_count;
    out.m_struct = bytes + off_struct;
    out.m_struct_size = static_cast<uint32_t>(size_struct);
    out.m_strings = reinterpret_cast<const char*>(bytes + off_strings);
    out.m_strings_size = size_strings;
    return out.validate_structure();
}

const char* Fdt::validate_structure() {
    auto first = skip_nops(0);
    if (!first || first->kind != kTokenBeginNode)
        return "the structure block does not start with the root node";
    m_root_offset = first->offset;

    uint32_t depth = 0;
    bool root_closed = false;
    uint32_t offset = first->offset;
    // Every token advances the offset by at least 4 bytes, so the walk ends.
    for (;;) {
        auto token = token_at(offset);
        if (!token)
            return "a structure token is truncated, unknown or names a string out of bounds";
        switch (token->kind) {
            case kTokenBeginNode:
                if (root_closed)
                    return "the structure block has more than one root node";
                if (++depth > kMaxDepth)
                    return "the device tree nests too deeply";
                break;
            case kTokenEndNode:
                if (depth == 0)
                    return "the structure block closes a node that was never opened";
                if (--depth == 0)
                    root_closed = true;
                break;
            case kTokenProp:
                if (depth == 0)
                    return "a property lies outside every node";
                break;
            case kTokenNop:
                break;
            case kTokenEnd:
                if (!root_closed)
                    return "the structure block ends inside a node";
                return nullptr;
        }
        offset = token->next;
    }
}

std::optional<Fdt::Token> Fdt::token_at(uint32_t offset) const {
    if (offset % 4 != 0 || uint64_t(offset) + 4 > m_struct_size)
        return std::nullopt;
    Token token;
    token.kind = load_be32(m_struct + offset);
    token.offset = offset;
    switch (token.kind) {
        case kTokenBeginNode: {
            auto* name = reinterpret_cast<const char*>(m_struct + offset + 4);
            auto length = bounded_length(name, m_struct_size - (offset + 4));
            if (!length)
                return std::nullopt;
            token.name = name;
            // The block size is a multiple of 4, so rounding up stays inside it.
            token.next = static_cast<uint32_t>(align_up_4(uint64_t(offset) + 4 + *length + 1));
            return token;
        }
        case kTokenProp: {
            if (uint64_t(offset) + 12 > m_struct_size)
                return std::nullopt;
            uint32_t length = load_be32(m_struct + offset + 4);
            uint32_t name_offset = load_be32(m_struct + offset + 8);
            uint64_t value_end = uint64_t(offset) + 12 + length;
            if (value_end > m_struct_size || name_offset >= m_strings_size)
                return std::nullopt;
            auto* name = m_strings + name_offset;
            if (!bounded_length(name, m_strings_size - name_offset))
                return std::nullopt;
            token.name = name;
            token.value_offset = offset + 12;
            token.value_length = length;
            token.next = static_cast<uint32_t>(align_up_4(value_end));
            return token;
        }
        case kTokenEndNode:
        case kTokenNop:
        case kTokenEnd:
            token.next = offset + 4;
            return token;
        default:
            return std::nullopt;
    }
}

std::optional<Fdt::Token> Fdt::skip_nops(uint32_t offset) const {
    for (;;) {
        auto token = token_at(offset);
        if (!token || token->kind != kTokenNop)
            return token;
        offset = token->next;
    }
}

std::optional<FdtReservation> Fdt::reservation(size_t index) const {
    if (index >= m_reservation_count)
        return std::nullopt;
    const uint8_t* entry = m_reservations + index * 16;
    return FdtReservation{load_be64(entry), load_be64(entry + 8)};
}

const char* Fdt::node_name(FdtNode node) const {
    auto token = token_at(node.offset);
    if (!token || token->kind != kTokenBeginNode)
        return "";
    return token->name;
}

std::optional<FdtNode> Fdt::first_child(FdtNode node) const {
    auto token = token_at(node.offset);
    if (!token || token->kind != kTokenBeginNode)
        return std::nullopt;
    // Properties come first; the first BEGIN_NODE after them is the first child.
    for (uint32_t offset = token->next;;) {
        token = token_at(offset);
        if (!token)
            return std::nullopt;
        if (token->kind == kTokenBeginNode)
            return FdtNode{token->offset};
        if (token->kind != kTokenProp && token->kind != kTokenNop)
            return std::nullopt;
        offset = token->next;
    }
}

std::optional<uint32_t> Fdt::end_of_subtree(FdtNode node) const {
    uint32_t depth = 0;
    for (uint32_t offset = node.offset;;) {
        auto token = token_at(offset);
        if (!token)
            return std::nullopt;
        if (token->kind == kTokenBeginNode) {
            ++depth;
        } else if (token->kind == kTokenEndNode) {
            if (depth == 0)
                return std::nullopt;
            if (--depth == 0)
                return token->next;
        } else if (token->kind == kTokenEnd) {
            return std::nullopt;
        }
        offset = token->next;
    }
}

std::optional<FdtNode> Fdt::next_sibling(FdtNode node) const {
    auto end = end_of_subtree(node);
    if (!end)
        return std::nullopt;
    auto token = skip_nops(*end);
    if (!token || token->kind != kTokenBeginNode || node.offset == m_root_offset)
        return std::nullopt;
    return FdtNode{token->offset};
}

std::optional<FdtNode> Fdt::parent(FdtNode node) const {
    // The format has no parent links, so walk down from the root keeping the chain of
    // open nodes. Validation bounded the depth, so the stack cannot overflow.
    uint32_t open[kMaxDepth];
    uint32_t depth = 0;
    for (uint32_t offset = m_root_offset;;) {
        auto token = token_at(offset);
        if (!token)
            return std::nullopt;
        if (token->kind == kTokenBeginNode) {
            if (token->offset == node.offset) {
                if (depth == 0)
                    return std::nullopt;
                return FdtNode{open[depth - 1]};
            }
            if (depth == kMaxDepth)
                return std::nullopt;
            open[depth++] = token->offset;
        } else if (token->kind == kTokenEndNode) {
            if (depth == 0)
                return std::nullopt;
            --depth;
        } else if (token->kind == kTokenEnd) {
            return std::nullopt;
        }
        offset = token->next;
    }
}

std::optional<FdtNode> Fdt::next_node(FdtNode node) const {
    auto token = token_at(node.offset);
    if (!token || token->kind != kTokenBeginNode)
        return std::nullopt;
    for (uint32_t offset = token->next;;) {
        token = token_at(offset);
        if (!token || token->kind == kTokenEnd)
            return std::nullopt;
        if (token->kind == kTokenBeginNode)
            return FdtNode{token->offset};
        offset = token->next;
    }
}

std::optional<FdtNode> Fdt::find_child(FdtNode parent, const char* name, size_t length) const {
    bool has_unit_address = false;
    for (size_t i = 0; i < length; ++i)
        has_unit_address |= name[i] == '@';

    std::optional<FdtNode> candidate;
    size_t candidates = 0;
    for (auto child = first_child(parent); child; child = next_sibling(*child)) {
        const char* child_name = node_name(*child);
        if (name_equals(child_name, name, length))
            return child;
        // "serial" matches "serial@10000000", but only if no other child also does.
        if (!has_unit_address) {
            size_t i = 0;
            while (i < length && child_name[i] == name[i])
                ++i;
            if (i == length && child_name[i] == '@') {
                candidate = child;
                ++candidates;
            }
        }
    }
    if (candidates == 1)
        return candidate;
    return std::nullopt;
}

std::optional<FdtNode> Fdt::find_node(const char* path) const {
    return find_node(path, string_length(path));
}

std::optional<FdtNode> Fdt::find_node(const char* path, size_t length) const {
    // The path ends at its first NUL even if `length` says more.
    for (size_t i = 0; i < length; ++i) {
        if (path[i] == '\0') {
            length = i;
            break;
        }
    }
    if (length == 0)
        return std::nullopt;

    FdtNode node = root();
    size_t position = 0;
    if (path[0] != '/') {
        // An alias: its value in /aliases is the absolute path of the node it stands for.
        size_t alias_length = 0;
        while (alias_length < length && path[alias_length] != '/')
            ++alias_length;
        auto aliases = find_child(root(), "aliases", 7);
        if (!aliases)
            return std::nullopt;
        const char* target = nullptr;
        for (auto property = first_property(*aliases); property; property = next_property(*property)) {
            if (name_equals(property->name, path, alias_length)) {
                target = property->as_string();
                break;
            }
        }
        // An alias that points at another alias is not followed, which bounds the work.
        if (target == nullptr || target[0] != '/')
            return std::nullopt;
        auto aliased = find_node(target);
        if (!aliased)
            return std::nullopt;
        node = *aliased;
        position = alias_length;
    }

    while (position < length) {
        if (path[position] == '/') {
            ++position;
            continue;
        }
        size_t end = position;
        while (end < length && path[end] != '/')
            ++end;
        auto child = find_child(node, path + position, end - position);
        if (!child)
            return std::nullopt;
        node = *child;
        position = end;
    }
    return node;
}

bool Fdt::is_compatible(FdtNode node, const char* compatible) const {
    auto property = this->property(node, "compatible");
    return property && property->string_list_contains(compatible);
}

std::optional<FdtNode> Fdt::find_compatible(const char* compatible,
                                            std::optional<FdtNode> start_after) const {
    std::optional<FdtNode> node = start_after ? next_node(*start_after) : std::optional<FdtNode>(root());
    for (; node; node = next_node(*node)) {
        if (is_compatible(*node, compatible))
            return node;
    }
    return std::nullopt;
}

std::optional<FdtNode> Fdt::node_by_phandle(uint32_t phandle) const {
    if (phandle == 0 || phandle == 0xffffffff)
        return std::nullopt;
    for (std::optional<FdtNode> node = root(); node; node = next_node(*node)) {
        auto value = property_u32(*node, "phandle");
        // Old trees spell it "linux,phandle".
        if (!value)
            value = property_u32(*node, "linux,phandle");
        if (value == phandle)
            return node;
    }
    return std::nullopt;
}

std::optional<FdtProperty> Fdt::first_property(FdtNode node) const {
    auto token = token_at(node.offset);
    if (!token || token->kind != kTokenBeginNode)
        return std::nullopt;
    return property_at(token->next);
}

std::optional<FdtProperty> Fdt::next_property(const FdtProperty& property) const {
    auto token = token_at(property.offset);
    if (!token || token->kind != kTokenProp)
        return std::nullopt;
    return property_at(token->next);
}

std::optional<FdtProperty> Fdt::property_at(uint32_t offset) const {
    auto token = skip_nops(offset);
    if (!token || token->kind != kTokenProp)
        return std::nullopt;
    return FdtProperty{token->name, {m_struct + token->value_offset, token->value_length}, token->offset};
}

std::optional<FdtProperty> Fdt::property(FdtNode node, const char* name) const {
    for (auto property = first_property(node); property; property = next_property(*property)) {
        if (strings_equal(property->name, name))
            return property;
    }
    return std::nullopt;
}

std::optional<uint32_t> Fdt::property_u32(FdtNode node, const char* name) const {
    auto property = this->property(node, name);
    if (!property)
        return std::nullopt;
    return property->as_u32();
}

std::optional<uint64_t> Fdt::property_u64(FdtNode node, const char* name) const {
    auto property = this->property(node, name);
    if (!property)
        return std::nullopt;
    return property->as_u64();
}

const char* Fdt::property_string(FdtNode node, const char* name) const {
    auto property = this->property(node, name);
    if (!property)
        return nullptr;
    return property->as_string();
}

uint32_t Fdt::address_cells(FdtNode node) const {
    return property_u32(node, "#address-cells").value_or(2);
}

uint32_t Fdt::size_cells(FdtNode node) const {
    return property_u32(node, "#size-cells").value_or(1);
}

std::optional<FdtRegReader> Fdt::reg(FdtNode node) const {
    auto property = this->property(node, "reg");
    if (!property)
        return std::nullopt;
    // The root has no parent; its reg (rare) uses the default cell counts.
    auto parent = this->parent(node);
    uint32_t address_cells = parent ? this->address_cells(*parent) : 2;
    uint32_t size_cells = parent ? this->size_cells(*parent) : 1;
    if (address_cells > 2 || size_cells > 2 || address_cells + size_cells == 0)
        return std::nullopt;
    if (property->value.size() % ((address_cells + size_cells) * 4) != 0)
        return std::nullopt;
    return FdtRegReader(property->value, address_cells, size_cells);
}

std::optional<FdtRegEntry> Fdt::reg_entry(FdtNode node, size_t index) const {
    auto reader = reg(node);
    if (!reader)
        return std::nullopt;
    for (size_t i = 0; i < index; ++i) {
        if (!reader->next())
            return std::nullopt;
    }
    return reader->next();
}
