/* syscall_fuzz_memory: the generators of the mapping calls (mmap, munmap, mprotect, msync,
 * madvise), which keep the worker's list of its own mappings in step, so that no call
 * unmaps or protects the memory the worker itself runs on (syscall_fuzz.h). The other
 * generators are in syscall_fuzz_calls.c. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "../../kernel/syscall/abi.h"
#include "syscall_fuzz.h"

static void remember_mapping(Fuzz* f, uintptr_t start, size_t length)
{
    int slot = (int)fz_below(f, FZ_MAX_MAPS);
    if (f->maps[slot].length)
        fz_call(f, SYS_munmap, (long)f->maps[slot].start, (long)f->maps[slot].length, 0, 0, 0, 0);
    f->maps[slot].start = start;
    f->maps[slot].length = length;
}

void gen_mmap(Fuzz* f)
{
    long address, length;
    int fixed_in_play = 0;
    int roll = (int)fz_below(f, 10);
    int flags = fz_chance(f, 50) ? MAP_PRIVATE : MAP_SHARED;
    if (fz_chance(f, 10))
        flags = (int)fz_below(f, 16);
    if (fz_chance(f, 50))
        flags |= MAP_ANONYMOUS;
    if (fz_chance(f, 5))
        flags |= 0x40 << fz_below(f, 8);  /* Flags Atlas does not know. */
    if (roll < 4) {
        size_t page = fz_below(f, FZ_PLAY_PAGES);
        address = (long)(f->play + page * FZ_PAGE);
        length = (long)(1 + fz_below(f, (FZ_PLAY_PAGES - page) * FZ_PAGE));
        flags |= fz_chance(f, 50) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
        fixed_in_play = 1;
        fz_note(f, "addr=play fixed");
    } else if (roll < 8) {
        address = fz_chance(f, 70) ? 0 : (long)kKernelAddresses[0];
        length = fz_chance(f, 70) ? (long)(1 + fz_below(f, 16 * FZ_PAGE)) : pick_size(f, "len");
        fz_note(f, " hint");
    } else {
        pick_range(f, &address, &length);
        flags |= MAP_FIXED;
        if (address != 0 && (uintptr_t)address < (1ul << 38)) {
            address = 0;  /* Only in the playground may MAP_FIXED replace anything. */
            flags |= MAP_FIXED_NOREPLACE;
            flags &= ~MAP_FIXED;
            if (length > 16 * (long)FZ_PAGE || length < 0)
                length = 16 * FZ_PAGE;
        } else if (address == 0 && (length < 0 || length > 16 * (long)FZ_PAGE)) {
            length = FZ_PAGE;
        }
    }
    static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_EXEC | PROT_READ, 8, -1};
    int prot = fz_chance(f, 80) ? prots[fz_below(f, 3)] : prots[fz_below(f, 6)];
    int bad_fd = 0;
    int fd = (flags & MAP_ANONYMOUS) ? -1 : pick_fd(f, ANY_KIND, 0, &bad_fd);
    static const long offsets[] = {0, 4096, 1, -4096, 1l << 62, LONG_MAX & ~4095l};
    long offset = fz_chance(f, 70) ? 0 : offsets[fz_below(f, 6)];
    fz_note(f, " prot=%d flags=%#x offset=%ld", prot, flags, offset);
    long result = fz_call(f, SYS_mmap, address, length, prot, flags, fd, offset);
    if (fz_failed(result))
        return;
    size_t size = ((size_t)length + FZ_PAGE - 1) & ~(FZ_PAGE - 1);
    if (result & (FZ_PAGE - 1) || (uintptr_t)result + size > (1ul << 38)) {
        fz_fail(f, "mmap returned %#lx for %zu bytes", result, size);
        return;
    }
    if (address == 0 && (uintptr_t)result < FZ_PAGE * 16 && (flags & MAP_FIXED)) {
        fz_call(f, SYS_munmap, result, (long)size, 0, 0, 0, 0);
        return;
    }
    if (!fixed_in_play && touches_guard_page(f, (uintptr_t)result, size)) {
        /* Free space, and legal to use; but the unmapped pages must stay unmapped. */
        fz_call(f, SYS_munmap, result, (long)size, 0, 0, 0, 0);
        return;
    }
    if (!fixed_in_play && overlaps_own(f, (uintptr_t)result, size)) {
        fz_fail(f, "mmap placed %zu bytes at %#lx, over a mapping of the worker's own", size, result);
        return;
    }
    if ((flags & MAP_ANONYMOUS) && (prot & PROT_READ) && prot > 0) {
        const volatile unsigned char* bytes = (const unsigned char*)result;
        if (bytes[0] != 0 || bytes[size - 1] != 0)
            fz_fail(f, "new anonymous memory at %#lx does not read as zero", result);
    }
    if (!fixed_in_play)
        remember_mapping(f, (uintptr_t)result, size);
}

static void gen_range_call(Fuzz* f, int number)
{
    long address, length;
    pick_range(f, &address, &length);
    long third = 0;
    if (number == SYS_mprotect) {
        static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_EXEC, 8, -1};
        third = prots[fz_below(f, 6)];
    } else if (number == SYS_msync) {
        third = fz_chance(f, 70) ? (long)fz_below(f, 8) : 0x100;
    } else if (number == SYS_madvise) {
        static const int advice[] = {0, 1, 2, 3, 4, 8, 9, 100, -1};
        third = advice[fz_below(f, 9)];
    }
    fz_note(f, " arg=%ld", third);
    long result = fz_call(f, number, address, length, third, 0, 0, 0);
    if (number == SYS_munmap && result == 0 && length > 0)
        forget_mapping(f, (uintptr_t)address, (size_t)length);
}

void gen_munmap(Fuzz* f) { gen_range_call(f, SYS_munmap); }
void gen_mprotect(Fuzz* f) { gen_range_call(f, SYS_mprotect); }
void gen_msync(Fuzz* f) { gen_range_call(f, SYS_msync); }
void gen_madvise(Fuzz* f) { gen_range_call(f, SYS_madvise); }
