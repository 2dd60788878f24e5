// Self-tests of the ELF program-header checks that exec relies on.
#include "lib/ktest.h"
#include "proc/elf.h"

// A PT_LOAD segment flagged write-only must come out readable too: Sv39 has no write-only
// pages, and a Vma with Write but not Read made fork's write-protect ask the page table for
// a leaf without any permission (a kernel panic any user could cause by exec'ing such a
// file and calling fork).
KTEST(Elf, WriteOnlySegmentIsAlsoReadable) {
    elf::ElfHeader header {};
    header.entry = 0x10000;
    header.program_header_count = 2;
    elf::ProgramHeader program_headers[2] {};
    program_headers[0] = { elf::kSegmentLoad, elf::kFlagRead | elf::kFlagExecute, 0, 0x10000, 0x10000, 0x100, 0x100, 0x1000 };
    program_headers[1] = { elf::kSegmentLoad, elf::kFlagWrite, 0x1000, 0x20000, 0x20000, 0x100, 0x2000, 0x1000 };
    auto image = elf::parse_image(header, program_headers, 0x2000, 0x100000000ull);
    KASSERT(!image.is_error());
    KEXPECT_EQ(size_t(2), image.value().segment_count);
    KEXPECT(image.value().segments[1].prot == (Prot::Read | Prot::Write));
    KEXPECT(image.value().segments[0].prot == (Prot::Read | Prot::Exec));
}
