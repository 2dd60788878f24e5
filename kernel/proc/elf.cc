// ELF64 validation: see elf.h.
#include "proc/elf.h"

#include "arch/riscv64/layout.h"
#include "lib/string.h"

namespace elf {

ErrorOr<void> check_header(const ElfHeader& header, uint64_t file_size) {
    if (klib::memcmp(header.ident, kMagic, sizeof(kMagic)) != 0)
        return Error::from_errno(ENOEXEC);
    if (header.ident[4] != kClass64 || header.ident[5] != kDataLittleEndian || header.ident[6] != kVersionCurrent)
        return Error::from_errno(ENOEXEC);
    if (header.type != kTypeExecutable || header.machine != kMachineRiscv || header.version != kVersionCurrent)
        return Error::from_errno(ENOEXEC);
    if (header.program_header_size != sizeof(ProgramHeader) || header.program_header_count == 0
        || header.program_header_count > kMaxProgramHeaders)
        return Error::from_errno(ENOEXEC);
    uint64_t table_bytes = uint64_t(header.program_header_count) * sizeof(ProgramHeader);
    if (header.program_header_offset > file_size || table_bytes > file_size - header.program_header_offset)
        return Error::from_errno(ENOEXEC);
    return {};
}

static Prot prot_from_flags(uint32_t flags) {
    Prot prot = Prot::None;
    if (flags & kFlagRead)
        prot |= Prot::Read;
    // Sv39 has no write-only pages (W without R is reserved), so write brings read, as
    // mmap's PROT_WRITE does: a Vma with Write but not Read would make fork's
    // write-protect ask the page table for a leaf without any permission, and panic.
    if (flags & kFlagWrite)
        prot |= Prot::Read | Prot::Write;
    if (flags & kFlagExecute)
        prot |= Prot::Exec;
    return prot;
}

ErrorOr<Image> parse_image(const ElfHeader& header, const ProgramHeader* program_headers, uint64_t file_size,
                           uint64_t user_limit) {
    Image image {};
    image.entry = header.entry;
    bool entry_is_executable = false;
    for (size_t i = 0; i < header.program_header_count; ++i) {
        const ProgramHeader& ph = program_headers[i];
        if (ph.type == kSegmentInterpreter)
            return Error::from_errno(ENOEXEC);
        if (ph.type != kSegmentLoad || ph.memory_size == 0)
            continue;
        if (ph.file_size > ph.memory_size)
            return Error::from_errno(ENOEXEC);
        uint64_t end;
        if (__builtin_add_overflow(ph.vaddr, ph.memory_size, &end))
            return Error::from_errno(ENOEXEC);
        if (ph.vaddr < kPageSize || end > user_limit)
            return Error::from_errno(ENOEXEC);
        if (ph.offset > file_size || ph.file_size > file_size - ph.offset)
            return Error::from_errno(ENOEXEC);
        uint64_t first_page = page_round_down(ph.vaddr);
        uint64_t end_page = page_round_up(end);
        for (size_t j = 0; j < image.segment_count; ++j) {
            const Segment& other = image.segments[j];
            uint64_t other_first = page_round_down(other.vaddr);
            uint64_t other_end = page_round_up(other.vaddr + other.memory_size);
            if (first_page < other_end && other_first < end_page)
                return Error::from_errno(ENOEXEC);
        }
        if (image.segment_count == kMaxSegments)
            return Error::from_errno(ENOEXEC);
        Prot prot = prot_from_flags(ph.flags);
        image.segments[image.segment_count++] = Segment { ph.vaddr, ph.offset, ph.file_size, ph.memory_size, prot };
        if (end_page > image.highest_end)
            image.highest_end = end_page;
        if (has_any(prot, Prot::Exec) && header.entry >= ph.vaddr && header.entry < end)
            entry_is_executable = true;
    }
    if (image.segment_count == 0 || !entry_is_executable)
        return Error::from_errno(ENOEXEC);
    return image;
}

}  // namespace elf
