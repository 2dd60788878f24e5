// ELF64 executables: the parts of the format exec needs, and their validation.
//
// Atlas runs static, non-PIE RISC-V executables (ET_EXEC, EM_RISCV, ELFCLASS64,
// little-endian), as the user build links them. A file is read as:
//
//   offset 0          ElfHeader (64 bytes): magic, class, machine, entry, phoff, phnum
//   phoff             phnum x ProgramHeader (56 bytes each)
//   p_offset ...      the bytes of each PT_LOAD segment (p_filesz of them)
//
// Each PT_LOAD segment becomes one Vma: [page_round_down(p_vaddr),
// page_round_up(p_vaddr + p_memsz)) with the protection of p_flags (write brings read, as
// Sv39 has no write-only pages); its first p_filesz bytes come from the file and the rest
// (the bss) reads as zeros.
//
// check_header and parse_image check everything before exec maps anything: the header
// fields, that the program headers lie inside the file, and for each loadable segment that
// p_filesz <= p_memsz, that it lies in user space above page 0 and below `user_limit` (the
// stack area, so never in the kernel half), that its file bytes lie inside the file, and
// that no two segments share a page. A program with an interpreter (dynamically linked) is
// refused. The entry point must lie in an executable segment. Every violation is ENOEXEC.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/error_or.h"
#include "mm/vm_range.h"

namespace elf {

constexpr uint8_t kMagic[4] = { 0x7f, 'E', 'L', 'F' };
constexpr uint8_t kClass64 = 2;
constexpr uint8_t kDataLittleEndian = 1;
constexpr uint8_t kVersionCurrent = 1;
constexpr uint16_t kTypeExecutable = 2;
constexpr uint16_t kMachineRiscv = 243;

constexpr uint32_t kSegmentLoad = 1;
constexpr uint32_t kSegmentInterpreter = 3;
constexpr uint32_t kFlagExecute = 1;
constexpr uint32_t kFlagWrite = 2;
constexpr uint32_t kFlagRead = 4;

struct ElfHeader {
    uint8_t ident[16];
    uint16_t type;
    uint16_t machine;
    uint32_t version;
    uint64_t entry;
    uint64_t program_header_offset;
    uint64_t section_header_offset;
    uint32_t flags;
    uint16_t header_size;
    uint16_t program_header_size;
    uint16_t program_header_count;
    uint16_t section_header_size;
    uint16_t section_header_count;
    uint16_t section_name_index;
};
static_assert(sizeof(ElfHeader) == 64);

struct ProgramHeader {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t file_size;
    uint64_t memory_size;
    uint64_t align;
};
static_assert(sizeof(ProgramHeader) == 56);

// More program headers or loadable segments than these is not what the user build makes.
constexpr size_t kMaxProgramHeaders = 32;
constexpr size_t kMaxSegments = 8;

struct Segment {
    uint64_t vaddr;
    uint64_t file_offset;
    uint64_t file_size;
    uint64_t memory_size;
    Prot prot;
};

struct Image {
    uint64_t entry;
    Segment segments[kMaxSegments];
    size_t segment_count;
    uint64_t highest_end;  // Page-aligned end of the highest segment: where the heap starts.
};

// Checks the ELF header of a file of `file_size` bytes.
ErrorOr<void> check_header(const ElfHeader& header, uint64_t file_size);

// Checks the program headers (header.program_header_count of them, read from
// header.program_header_offset) and returns the loadable segments.
ErrorOr<Image> parse_image(const ElfHeader& header, const ProgramHeader* program_headers, uint64_t file_size,
                           uint64_t user_limit);

}  // namespace elf
