// Checks an Atlas file-system image: see check.h for what is checked and why.
#include "check.h"

#include <cstdio>
#include <cstring>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "fs/format.h"

namespace fsck {

namespace {

using fs::BlockNumber;
using fs::InodeNumber;

std::string type_name(fs::InodeType type) {
    switch (type) {
        case fs::InodeType::Directory:
            return "directory";
        case fs::InodeType::File:
            return "file";
        case fs::InodeType::Device:
            return "device";
        default:
            return "type " + std::to_string(unsigned(type));
    }
}

bool valid_type(fs::InodeType type) {
    return type == fs::InodeType::Directory || type == fs::InodeType::File || type == fs::InodeType::Device;
}

// A name from the image, made printable: control bytes and non-ASCII bytes are escaped so
// that a garbage name cannot mangle the report.
std::string printable(std::string_view name) {
    std::string out = "\"";
    for (unsigned char c : name) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            out += char(c);
        } else {
            char escape[8];
            std::snprintf(escape, sizeof(escape), "\\x%02x", c);
            out += escape;
        }
    }
    return out + "\"";
}

std::string range_text(uint64_t first, uint64_t last) {
    return first == last ? "block " + std::to_string(first)
                         : "blocks " + std::to_string(first) + "-" + std::to_string(last);
}

// The bookkeeping of one check. Reads go through block(), which sees the replayed log.
class Checker {
public:
    Checker(const uint8_t* image, size_t size, Report& report)
        : m_image(image), m_size(size), m_report(report) {}

    void run();

private:
    // A data block of a directory, by its index within the directory.
    struct DirectoryBlock {
        uint64_t index;
        BlockNumber block;
    };

    void problem(const std::string& text);
    void note(const std::string& text) { m_report.notes.push_back(text); }

    const uint8_t* block(BlockNumber number) const;
    bool inode_bit(InodeNumber inode) const;
    bool block_bit(BlockNumber number) const;
    fs::DiskInode read_inode(InodeNumber inode) const;

    const char* regions_cover_counts() const;
    bool replay_log();
    void check_inode_table();
    void walk_block_map(InodeNumber inode, const fs::DiskInode& disk_inode);
    // What a block pointer is, for messages; built only when there is something to report.
    struct Use {
        enum class Kind { Data, Indirect, DoubleIndirect, DoubleIndirectEntry } kind;
        uint64_t index;  // The file block (Data) or the entry of the double-indirect block.
        std::string text() const;
    };
    bool claim(InodeNumber inode, BlockNumber number, Use use);
    bool full() const { return m_report.problems.size() >= kMaxProblems; }
    void check_block_bitmap();
    void walk_directories();
    void scan_directory(InodeNumber directory, InodeNumber parent, std::deque<InodeNumber>& queue);
    void check_link_counts();

    const uint8_t* m_image;
    size_t m_size;
    Report& m_report;
    size_t m_dropped_problems = 0;

    fs::Superblock m_superblock{};
    // Home block -> its replayed contents inside the log, for a committed transaction.
    std::unordered_map<BlockNumber, const uint8_t*> m_replayed;

    // Per inode: whether it is in use (bit set and a valid type), its type, how many entries
    // of reachable directories name it, and for directories whether the walk reached it.
    std::vector<uint8_t> m_in_use;
    std::vector<fs::InodeType> m_type;
    std::vector<uint32_t> m_names;
    std::vector<uint8_t> m_reached;
    std::vector<InodeNumber> m_parent;  // For reached directories: the directory naming it.
    std::unordered_map<InodeNumber, std::vector<DirectoryBlock>> m_directory_blocks;
    // Per block: the inode that references it, 0 if none.
    std::vector<InodeNumber> m_owner;
};

std::string Checker::Use::text() const {
    switch (kind) {
        case Kind::Data:
            return "file block " + std::to_string(index);
        case Kind::Indirect:
            return "indirect block";
        case Kind::DoubleIndirect:
            return "double-indirect block";
        case Kind::DoubleIndirectEntry:
            return "double-indirect entry " + std::to_string(index);
    }
    return "block";
}

void Checker::problem(const std::string& text) {
    if (m_report.problems.size() < kMaxProblems)
        m_report.problems.push_back(text);
    else
        ++m_dropped_problems;
}

const uint8_t* Checker::block(BlockNumber number) const {
    if (!m_replayed.empty()) {
        auto it = m_replayed.find(number);
        if (it != m_replayed.end())
            return it->second;
    }
    return m_image + uint64_t(number) * fs::kBlockSize;
}

bool Checker::inode_bit(InodeNumber inode) const {
    const uint8_t* bitmap = block(m_superblock.inode_bitmap_start + inode / fs::kBitsPerBlock);
    uint32_t bit = inode % fs::kBitsPerBlock;
    return (bitmap[bit / 8] >> (bit % 8)) & 1;
}

bool Checker::block_bit(BlockNumber number) const {
    const uint8_t* bitmap = block(m_superblock.block_bitmap_start + number / fs::kBitsPerBlock);
    uint32_t bit = number % fs::kBitsPerBlock;
    return (bitmap[bit / 8] >> (bit % 8)) & 1;
}

fs::DiskInode Checker::read_inode(InodeNumber inode) const {
    fs::DiskInode result;
    const uint8_t* table = block(m_superblock.inode_table_start + inode / fs::kInodesPerBlock);
    std::memcpy(&result, table + (inode % fs::kInodesPerBlock) * sizeof(fs::DiskInode), sizeof(result));
    return result;
}

void Checker::run() {
    if (m_size < 2 * uint64_t(fs::kBlockSize)) {
        problem("the image is " + std::to_string(m_size) + " bytes, too small to hold a superblock");
        return;
    }
    if (m_size % fs::kBlockSize != 0)
        note("the image size is not a multiple of 4096; the partial last block is ignored");
    std::memcpy(&m_superblock, m_image + fs::kSuperblockBlock * fs::kBlockSize, sizeof(m_superblock));
    if (const char* why = fs::validate_superblock(m_superblock, m_size / fs::kBlockSize)) {
        problem(std::string("superblock (block 1): ") + why);
        return;
    }
    if (const char* why = regions_cover_counts()) {
        problem(std::string("superblock (block 1): ") + why);
        return;
    }
    if (!replay_log())
        return;

    uint32_t inode_count = m_superblock.inode_count;
    m_in_use.assign(inode_count, 0);
    m_type.assign(inode_count, fs::InodeType::Free);
    m_names.assign(inode_count, 0);
    m_reached.assign(inode_count, 0);
    m_parent.assign(inode_count, 0);
    m_owner.assign(m_superblock.block_count, 0);

    check_inode_table();
    check_block_bitmap();
    walk_directories();
    check_link_counts();
    if (m_dropped_problems)
        m_report.problems.push_back("... and " + std::to_string(m_dropped_problems) +
                                    " more problems not listed");
}

// Redoes in 64 bits what compute_layout() does in 32: an inode count near 2^32 makes the
// table size wrap around to almost nothing while validate_superblock() still agrees with it,
// and every later read of the inode table would then run off the image. Returns a sentence
// if the regions cannot hold what the counts say.
const char* Checker::regions_cover_counts() const {
    const fs::Superblock& s = m_superblock;
    if (uint64_t(s.inode_table_blocks) * fs::kInodesPerBlock < s.inode_count)
        return "the inode table is too small for the inode count (a wrapped-around layout)";
    if (uint64_t(s.inode_bitmap_blocks) * fs::kBitsPerBlock < s.inode_count)
        return "the inode bitmap is too small for the inode count";
    if (uint64_t(s.block_bitmap_blocks) * fs::kBitsPerBlock < s.block_count)
        return "the block bitmap is too small for the block count";
    uint64_t end = uint64_t(s.log_start) + s.log_blocks + s.inode_bitmap_blocks + s.inode_table_blocks +
                   s.block_bitmap_blocks;
    if (end != s.data_start || end >= s.block_count)
        return "the metadata regions overlap or run past the end of the file system";
    return nullptr;
}

// Sets up the replay of a committed transaction. Returns false if the superblock the
// transaction leaves behind is unusable, so nothing more can be checked.
bool Checker::replay_log() {
    fs::LogHeader header;
    std::memcpy(&header, block(m_superblock.log_start), sizeof(header));
    if (header.magic != fs::kLogMagic) {
        problem("log header (block " + std::to_string(m_superblock.log_start) + ") has a bad magic number");
        return true;
    }
    if (header.count == 0)
        return true;
    // validate_superblock() bounds log_blocks by the header's capacity, so this also keeps
    // the checksum from reading past the header.
    if (header.count > m_superblock.log_blocks - 1) {
        problem("log header claims " + std::to_string(header.count) + " blocks but the log holds only " +
                std::to_string(m_superblock.log_blocks - 1));
        return true;
    }
    if (header.checksum != fs::log_header_checksum(header)) {
        note(
            "the log header's checksum does not match (a torn commit); it was not replayed, as mount would "
            "not");
        return true;
    }
    uint64_t log_end = uint64_t(m_superblock.log_start) + m_superblock.log_blocks;
    for (uint32_t i = 0; i < header.count; ++i) {
        BlockNumber home = header.blocks[i];
        if (home < fs::kSuperblockBlock || home >= m_superblock.block_count ||
            (home >= m_superblock.log_start && home < log_end)) {
            problem("committed log entry " + std::to_string(i) + " names home block " + std::to_string(home) +
                    ", which is outside the file system or inside the log; the log was not replayed");
            m_replayed.clear();
            return true;
        }
        // A later copy of the same block wins, as it would when replayed in order.
        m_replayed[home] = m_image + (uint64_t(m_superblock.log_start) + 1 + i) * fs::kBlockSize;
    }
    note("replayed a committed log transaction (sequence " + std::to_string(header.sequence) + ", " +
         std::to_string(header.count) + " blocks) on a private copy before checking");
    if (m_replayed.count(fs::kSuperblockBlock)) {
        std::memcpy(&m_superblock, block(fs::kSuperblockBlock), sizeof(m_superblock));
        if (const char* why = fs::validate_superblock(m_superblock, m_size / fs::kBlockSize)) {
            problem(std::string("superblock after replaying the log: ") + why);
            return false;
        }
        if (const char* why = regions_cover_counts()) {
            problem(std::string("superblock after replaying the log: ") + why);
            return false;
        }
    }
    return true;
}

void Checker::check_inode_table() {
    if (!inode_bit(0))
        problem("inode 0 is reserved but not marked in use in the inode bitmap");
    for (InodeNumber inode = 1; inode < m_superblock.inode_count; ++inode) {
        fs::DiskInode disk_inode = read_inode(inode);
        bool marked = inode_bit(inode);
        bool typed = valid_type(disk_inode.type);
        if (marked && disk_inode.type == fs::InodeType::Free) {
            problem("inode " + std::to_string(inode) +
                    " is marked in use in the inode bitmap but has no type");
        } else if (!typed && disk_inode.type != fs::InodeType::Free) {
            problem("inode " + std::to_string(inode) + " has an invalid " + type_name(disk_inode.type));
        } else if (typed && !marked) {
            problem("inode " + std::to_string(inode) + " is a " + type_name(disk_inode.type) +
                    " but is not marked in use in the inode bitmap");
        }
        if (!marked || !typed)
            continue;
        m_in_use[inode] = 1;
        m_type[inode] = disk_inode.type;
        walk_block_map(inode, disk_inode);
    }
    const fs::DiskInode root = read_inode(fs::kRootInode);
    if (!m_in_use[fs::kRootInode] || root.type != fs::InodeType::Directory)
        problem("the root (inode 1) is not an in-use directory");
}

// Records that `inode` references `number`; false (with a problem) if the block is out of
// the data area, in which case the caller must not read it. Called once per block pointer,
// so messages are built only when needed: garbage can hold millions of bad pointers.
bool Checker::claim(InodeNumber inode, BlockNumber number, Use use) {
    if (number < m_superblock.data_start || number >= m_superblock.block_count) {
        if (full())
            ++m_dropped_problems;
        else
            problem("inode " + std::to_string(inode) + ": " + use.text() + " points to block " +
                    std::to_string(number) + ", outside the data area [" +
                    std::to_string(m_superblock.data_start) + ", " +
                    std::to_string(m_superblock.block_count) + ")");
        return false;
    }
    InodeNumber owner = m_owner[number];
    if (owner == 0) {
        m_owner[number] = inode;
    } else if (full()) {
        ++m_dropped_problems;
    } else if (owner == inode) {
        problem("block " + std::to_string(number) + " is used twice by inode " + std::to_string(inode) +
                " (again as " + use.text() + ")");
    } else {
        problem("block " + std::to_string(number) + " is used twice: by inode " + std::to_string(owner) +
                " and by inode " + std::to_string(inode) + " (as " + use.text() + ")");
    }
    return true;
}

void Checker::walk_block_map(InodeNumber inode, const fs::DiskInode& disk_inode) {
    std::string name = "inode " + std::to_string(inode);
    uint64_t size = disk_inode.size;
    if (size > fs::kMaxFileSize)
        problem(name + " has size " + std::to_string(size) + ", larger than the block map can describe");
    uint64_t blocks_in_size = size / fs::kBlockSize + (size % fs::kBlockSize != 0);
    bool is_directory = disk_inode.type == fs::InodeType::Directory;
    std::vector<DirectoryBlock>* directory_blocks = is_directory ? &m_directory_blocks[inode] : nullptr;

    auto data_block = [&](uint64_t index, BlockNumber number) {
        if (number == 0)
            return;
        if (!claim(inode, number, {Use::Kind::Data, index}))
            return;
        if (index >= blocks_in_size) {
            if (full())
                ++m_dropped_problems;
            else
                problem(name + " maps file block " + std::to_string(index) + " to block " +
                        std::to_string(number) + ", at or beyond the end of the file (size " +
                        std::to_string(size) + ")");
            return;
        }
        if (directory_blocks)
            directory_blocks->push_back({index, number});
    };
    // Claims an indirect block covering file blocks from `first`; false if it must not be read.
    auto indirect_block = [&](uint64_t first, BlockNumber number, Use use) {
        if (!claim(inode, number, use))
            return false;
        if (first >= blocks_in_size)
            problem(name + ": its " + use.text() + " (block " + std::to_string(number) +
                    ") lies wholly beyond the end of the file (size " + std::to_string(size) + ")");
        return true;
    };
    auto pointers = [&](BlockNumber number) { return reinterpret_cast<const uint8_t*>(block(number)); };
    auto entry = [](const uint8_t* table, uint32_t i) {
        BlockNumber value;
        std::memcpy(&value, table + i * sizeof(BlockNumber), sizeof(value));
        return value;
    };

    for (uint32_t i = 0; i < fs::kDirectBlocks; ++i)
        data_block(i, disk_inode.direct[i]);
    uint64_t first_indirect = fs::kDirectBlocks;
    if (disk_inode.indirect &&
        indirect_block(first_indirect, disk_inode.indirect, {Use::Kind::Indirect, 0})) {
        const uint8_t* table = pointers(disk_inode.indirect);
        for (uint32_t i = 0; i < fs::kPointersPerBlock; ++i)
            data_block(first_indirect + i, entry(table, i));
    }
    uint64_t first_double = first_indirect + fs::kPointersPerBlock;
    if (disk_inode.double_indirect &&
        indirect_block(first_double, disk_inode.double_indirect, {Use::Kind::DoubleIndirect, 0})) {
        // Copied, because the second-level tables are read through the same accessor.
        std::vector<uint8_t> top(pointers(disk_inode.double_indirect),
                                 pointers(disk_inode.double_indirect) + fs::kBlockSize);
        for (uint32_t i = 0; i < fs::kPointersPerBlock; ++i) {
            BlockNumber middle = entry(top.data(), i);
            uint64_t first = first_double + uint64_t(i) * fs::kPointersPerBlock;
            if (!middle || !indirect_block(first, middle, {Use::Kind::DoubleIndirectEntry, i}))
                continue;
            const uint8_t* table = pointers(middle);
            for (uint32_t j = 0; j < fs::kPointersPerBlock; ++j)
                data_block(first + j, entry(table, j));
        }
    }

    if (is_directory) {
        if (size % fs::kBlockSize != 0)
            problem("directory inode " + std::to_string(inode) + " has size " + std::to_string(size) +
                    ", not a whole number of blocks");
        else if (directory_blocks->size() != blocks_in_size)
            problem("directory inode " + std::to_string(inode) +
                    " has holes: " + std::to_string(directory_blocks->size()) + " of its " +
                    std::to_string(blocks_in_size) + " blocks are mapped");
    }
}

void Checker::check_block_bitmap() {
    // Walks runs of blocks with the same verdict, so that a large leak is one line.
    enum class Verdict { Fine, MetadataFree, UsedButFree, Leaked };
    auto verdict_of = [&](uint64_t number) {
        bool marked = block_bit(BlockNumber(number));
        if (number < m_superblock.data_start)
            return marked ? Verdict::Fine : Verdict::MetadataFree;
        bool used = m_owner[number] != 0;
        if (used && !marked)
            return Verdict::UsedButFree;
        if (!used && marked)
            return Verdict::Leaked;
        return Verdict::Fine;
    };
    uint64_t count = m_superblock.block_count;
    for (uint64_t number = 0; number < count;) {
        Verdict verdict = verdict_of(number);
        uint64_t end = number + 1;
        // A run of used-but-free blocks is split where the owning inode changes.
        while (end < count && verdict_of(end) == verdict &&
               (verdict != Verdict::UsedButFree || m_owner[end] == m_owner[number]))
            ++end;
        std::string blocks = range_text(number, end - 1);
        switch (verdict) {
            case Verdict::Fine:
                break;
            case Verdict::MetadataFree:
                problem("block bitmap: metadata " + blocks + " marked free");
                break;
            case Verdict::UsedButFree:
                problem("block bitmap: " + blocks + " used by inode " + std::to_string(m_owner[number]) +
                        " but marked free");
                break;
            case Verdict::Leaked:
                problem("block bitmap: " + blocks + " marked in use but referenced by no inode (leaked)");
                break;
        }
        number = end;
    }
}

void Checker::walk_directories() {
    if (!m_in_use[fs::kRootInode] || m_type[fs::kRootInode] != fs::InodeType::Directory)
        return;
    // Breadth first with an explicit queue: a deep tree cannot overflow the stack.
    std::deque<InodeNumber> queue;
    m_reached[fs::kRootInode] = 1;
    queue.push_back(fs::kRootInode);
    m_parent[fs::kRootInode] = fs::kRootInode;
    while (!queue.empty()) {
        InodeNumber directory = queue.front();
        queue.pop_front();
        scan_directory(directory, m_parent[directory], queue);
    }
}

void Checker::scan_directory(InodeNumber directory, InodeNumber parent, std::deque<InodeNumber>& queue) {
    std::string where = "directory inode " + std::to_string(directory);
    std::unordered_set<std::string> seen;
    uint64_t position = 0;  // Entries in use so far, to find "." and "..".
    for (const DirectoryBlock& directory_block : m_directory_blocks[directory]) {
        const uint8_t* data = block(directory_block.block);
        std::string block_where = where + ", block " + std::to_string(directory_block.block) +
                                  " (file block " + std::to_string(directory_block.index) + ")";
        uint32_t offset = 0;
        while (offset < fs::kBlockSize) {
            fs::DirEntry entry;
            std::memcpy(&entry, data + offset, sizeof(entry));
            std::string at = block_where + ", offset " + std::to_string(offset);
            if (entry.record_length < sizeof(fs::DirEntry) ||
                entry.record_length % fs::kDirEntryAlignment != 0 ||
                offset + entry.record_length > fs::kBlockSize) {
                problem(at + ": bad record length " + std::to_string(entry.record_length) +
                        " (the record lengths of a block must add up to 4096)");
                break;
            }
            uint32_t record_offset = offset;
            offset += entry.record_length;
            if (entry.inode == 0)
                continue;
            if (entry.name_length == 0 || entry.record_length < fs::dir_entry_size(entry.name_length)) {
                problem(at + ": record length " + std::to_string(entry.record_length) +
                        " cannot hold a name of " + std::to_string(entry.name_length) + " bytes");
                continue;
            }
            std::string_view name(reinterpret_cast<const char*>(data + record_offset + sizeof(fs::DirEntry)),
                                  entry.name_length);
            std::string entry_where = where + ": entry " + printable(name);
            if (name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos)
                problem(entry_where + " contains '/' or NUL");
            if (!seen.insert(std::string(name)).second)
                problem(entry_where + " appears more than once");

            uint64_t index = position++;
            bool is_dot = name == ".";
            bool is_dotdot = name == "..";
            if (index == 0 && !is_dot)
                problem(where + " does not start with \".\" (its first entry is " + printable(name) + ")");
            if (index == 1 && !is_dotdot)
                problem(where + " does not have \"..\" as its second entry (found " + printable(name) + ")");
            if ((is_dot && index != 0) || (is_dotdot && index != 1))
                problem(entry_where + " is out of place (\".\" and \"..\" must be the first two entries)");
            if (is_dot && entry.inode != directory)
                problem(entry_where + " names inode " + std::to_string(entry.inode) +
                        " instead of the directory itself");
            if (is_dotdot && entry.inode != parent)
                problem(entry_where + " names inode " + std::to_string(entry.inode) +
                        " instead of the parent, inode " + std::to_string(parent));

            InodeNumber target = entry.inode;
            if (target >= m_superblock.inode_count) {
                problem(entry_where + " names inode " + std::to_string(target) + ", beyond the inode count " +
                        std::to_string(m_superblock.inode_count));
                continue;
            }
            if (!m_in_use[target]) {
                problem(entry_where + " points to inode " + std::to_string(target) + ", which is free");
                continue;
            }
            ++m_names[target];
            if (entry.type != fs::dir_entry_type_for(m_type[target]))
                problem(entry_where + " has entry type " + std::to_string(unsigned(entry.type)) +
                        " but inode " + std::to_string(target) + " is a " + type_name(m_type[target]));
            if (is_dot || is_dotdot || m_type[target] != fs::InodeType::Directory)
                continue;
            if (m_reached[target]) {
                problem(entry_where + " names directory inode " + std::to_string(target) +
                        ", which already has a name elsewhere (directories cannot be hard-linked)");
                continue;
            }
            m_reached[target] = 1;
            m_parent[target] = directory;
            queue.push_back(target);
        }
    }
    if (position < 2)
        problem(where + " lacks \".\" or \"..\" (it has " + std::to_string(position) + " entries)");
}

void Checker::check_link_counts() {
    for (InodeNumber inode = 1; inode < m_superblock.inode_count; ++inode) {
        if (!m_in_use[inode])
            continue;
        fs::DiskInode disk_inode = read_inode(inode);
        bool reachable =
            m_type[inode] == fs::InodeType::Directory ? m_reached[inode] != 0 : m_names[inode] != 0;
        if (!reachable) {
            problem("inode " + std::to_string(inode) + " (" + type_name(m_type[inode]) + ", link count " +
                    std::to_string(disk_inode.link_count) + ", size " + std::to_string(disk_inode.size) +
                    ") is in use but not reachable from the root (orphan)");
            continue;
        }
        if (disk_inode.link_count != m_names[inode])
            problem("inode " + std::to_string(inode) + " has link count " +
                    std::to_string(disk_inode.link_count) + " but " + std::to_string(m_names[inode]) +
                    " directory entries name it");
    }
}

}  // namespace

std::string Report::text() const {
    std::string out;
    for (const std::string& line : notes)
        out += "note: " + line + "\n";
    for (const std::string& line : problems)
        out += "problem: " + line + "\n";
    if (clean())
        out += "clean: no problems found\n";
    else
        out +=
            std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems") + " found\n";
    return out;
}

Report check_image(const uint8_t* image, size_t size) {
    Report report;
    if (!image)
        size = 0;
    Checker(image, size, report).run();
    return report;
}

}  // namespace fsck
