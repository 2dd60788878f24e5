// exec: loading an ELF executable into a new address space, then swapping it in.
//
// The two halves are separate on purpose. load_image() builds everything the new program
// needs (every segment mapped and filled, the heap placed, the stack with its guard page,
// argv laid out on it) in an AddressSpace nobody runs yet; any failure simply destroys it.
// install_image() cannot fail: it swaps the new space in and drops the old one. So a failed
// exec returns to the caller with its memory untouched.
//
// The new stack, from the stack's top down:
//
//   top            ->  +---------------------------+
//                      | "arg0\0arg1\0..."         |  the strings
//   strings_base   ->  +---------------------------+  (16-byte aligned)
//                      | argv[0] ... argv[argc-1]  |
//                      | NULL                      |
//   sp = argv      ->  +---------------------------+  (16-byte aligned)
//                      | (grows down, lazily)      |
#include "arch/riscv64/trap_frame.h"
#include "arch/riscv64/user_trap.h"
#include "fs/file_system.h"
#include "fs/root_file_system.h"
#include "lib/string.h"
#include "mm/address_space.h"
#include "mm/file_object.h"
#include "mm/kernel_heap.h"
#include "proc/elf.h"
#include "proc/process.h"
#include "proc/process_table.h"
#include "proc/thread.h"
#include "syscall/abi.h"

namespace {

// A kmalloc'd scratch buffer that frees itself.
class KernelBuffer {
public:
    explicit KernelBuffer(size_t size)
        : m_data(static_cast<uint8_t*>(kmalloc(size)))
    {
    }
    ~KernelBuffer() { kfree(m_data); }
    KernelBuffer(const KernelBuffer&) = delete;
    KernelBuffer& operator=(const KernelBuffer&) = delete;
    uint8_t* data() { return m_data; }
    explicit operator bool() const { return m_data != nullptr; }

private:
    uint8_t* m_data;
};

constexpr size_t kCopyChunk = 4096;

// Reads exactly `length` bytes at `offset`, or ENOEXEC if the file is shorter.
ErrorOr<void> read_exact(fs::FileSystem& fs, fs::Inode& inode, uint64_t offset, void* buffer, size_t length) {
    size_t count = TRY(fs.read(inode, offset, buffer, length));
    if (count != length)
        return Error::from_errno(ENOEXEC);
    return {};
}

ErrorOr<void> load_segment(fs::FileSystem& fs, fs::Inode& inode, AddressSpace& space, const elf::Segment& segment,
                           uint8_t* chunk) {
    uint64_t first_page = page_round_down(segment.vaddr);
    uint64_t end_page = page_round_up(segment.vaddr + segment.memory_size);
    VmaKind kind = has_any(segment.prot, Prot::Exec) ? VmaKind::Text : VmaKind::Data;
    auto mapped = space.map_anonymous(first_page, end_page - first_page, segment.prot, kind);
    if (mapped.is_error()) {
        int code = mapped.error().code();
        return Error::from_errno(code == EEXIST || code == EINVAL ? ENOEXEC : code);
    }
    // The file's bytes; the rest of the segment (bss) stays demand-zero.
    for (uint64_t done = 0; done < segment.file_size;) {
        size_t piece = segment.file_size - done < kCopyChunk ? segment.file_size - done : kCopyChunk;
        TRY(read_exact(fs, inode, segment.file_offset + done, chunk, piece));
        TRY(space.write_initial(segment.vaddr + done, chunk, piece));
        done += piece;
    }
    return {};
}

// Lays argv out below `top` and returns the address of the argv array (also the new sp).
ErrorOr<uint64_t> lay_out_arguments(AddressSpace& space, uint64_t top, const ExecArguments& arguments) {
    if (arguments.count > ATLAS_MAX_ARGS)
        return Error::from_errno(E2BIG);
    size_t string_bytes = 0;
    for (size_t i = 0; i < arguments.count; ++i)
        string_bytes += klib::strlen(arguments.strings[i]) + 1;
    if (string_bytes > ATLAS_MAX_ARG_BYTES)
        return Error::from_errno(E2BIG);
    uint64_t strings_base = (top - string_bytes) & ~uint64_t(15);
    uint64_t array_base = (strings_base - (arguments.count + 1) * sizeof(uint64_t)) & ~uint64_t(15);
    size_t total = top - array_base;
    KernelBuffer buffer(total);
    if (!buffer)
        return Error::from_errno(ENOMEM);
    klib::memset(buffer.data(), 0, total);
    auto* pointers = reinterpret_cast<uint64_t*>(buffer.data());
    uint64_t cursor = strings_base;
    for (size_t i = 0; i < arguments.count; ++i) {
        size_t length = klib::strlen(arguments.strings[i]) + 1;
        klib::memcpy(buffer.data() + (cursor - array_base), arguments.strings[i], length);
        pointers[i] = cursor;
        cursor += length;
    }
    pointers[arguments.count] = 0;
    TRY(space.write_initial(array_base, buffer.data(), total));
    return array_base;
}

}  // namespace

ErrorOr<LoadedImage> Process::load_image(const char* path, const ExecArguments& arguments) {
    fs::FileSystem* fs = root_file_system();
    if (!fs)
        return Error::from_errno(ENOENT);
    Process* self = current_process();
    RefPtr<fs::Inode> start = self && self->m_cwd ? self->m_cwd : fs->root();
    RefPtr<fs::Inode> inode = TRY(fs->lookup(*start, path));
    if (!inode->is_file())
        return Error::from_errno(EACCES);
    // The image is read through the file's page cache (FileSystem::read goes through the
    // cache once one is attached), which outlives this exec: the next exec of the same
    // program reads nothing from the disk.
    TRY(FileObject::for_inode(*inode));
    uint64_t file_size = fs->stat(*inode).size;

    elf::ElfHeader header;
    TRY(read_exact(*fs, *inode, 0, &header, sizeof(header)));
    TRY(elf::check_header(header, file_size));
    elf::ProgramHeader program_headers[elf::kMaxProgramHeaders];
    TRY(read_exact(*fs, *inode, header.program_header_offset, program_headers,
                   header.program_header_count * sizeof(elf::ProgramHeader)));
    elf::Image image = TRY(elf::parse_image(header, program_headers, file_size,
                                            kUserStackBottom - kUserStackGuardSize));

    OwnPtr<AddressSpace> space = TRY(AddressSpace::try_create());
    {
        KernelBuffer chunk(kCopyChunk);
        if (!chunk)
            return Error::from_errno(ENOMEM);
        for (size_t i = 0; i < image.segment_count; ++i)
            TRY(load_segment(*fs, *inode, *space, image.segments[i], chunk.data()));
    }
    space->set_heap(image.highest_end);
    uint64_t top = TRY(space->map_stack());
    uint64_t argv = TRY(lay_out_arguments(*space, top, arguments));

    LoadedImage loaded;
    loaded.address_space = std::move(space);
    loaded.entry = image.entry;
    loaded.stack_pointer = argv;
    loaded.argc = arguments.count;
    loaded.argv = argv;
    return loaded;
}

void Process::install_image(LoadedImage image, const char* path, TrapFrame* frame) {
    OwnPtr<AddressSpace> old;
    {
        // procmaps may be reading the old space and the name from another process.
        MutexLocker locker(m_image_lock);
        old = std::move(m_address_space);
        m_address_space = std::move(image.address_space);
        address_space_switch_current(m_address_space.ptr());
        if (path) {
            const char* tail = path;
            for (const char* p = path; *p; ++p)
                if (*p == '/' && p[1])
                    tail = p + 1;
            klib::strlcpy(m_name, tail, sizeof(m_name));
        }
    }
    old = nullptr;  // Nothing runs in it any more, and no reader can reach it.
    // The handlers were in the old image: back to SIG_DFL (SIG_IGN and the mask stay).
    m_signals.reset_for_exec();
    if (frame && !m_did_exec) {
        // From now on the parent's setpgid on this process is EACCES.
        SpinlockLocker locker(ProcessTable::lock());
        m_did_exec = true;
    }
    if (frame) {
        for (auto& reg : frame->x)
            reg = 0;
        frame->sepc = image.entry;
        frame->reg(Reg::sp) = image.stack_pointer;
        frame->reg(Reg::a0) = image.argc;
        frame->reg(Reg::a1) = image.argv;
        fp_state_reset_for_exec(*frame);
    }
}
