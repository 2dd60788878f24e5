// The fault pipeline: the one place where user pages are brought in.
//
// Callers: the user trap path (scause 12/13/15 from user mode), the fault recovery of
// copy_from_user/copy_to_user (the same causes from kernel mode on a user address), and
// AddressSpace::write_initial (exec), which needs a private, present page to write into.
//
//   handle_page_fault(space, vaddr, access, origin)
//     1. vaddr must be a canonical user address, else Segfault.
//     2. Under the address-space lock: the Vma containing vaddr, else Segfault.
//     3. The access must be allowed by the Vma's prot (a Guard Vma allows nothing), else
//        Segfault.
//     4. The page in the Vma's object: absent -> a zeroed frame is inserted (OutOfMemory
//        if none); present and shared (ref_count > 1) on a write -> copied into a fresh
//        frame that replaces it in the object; present, shared, on a read -> mapped
//        without Write so that a later write faults again.
//     5. The PTE is (re)installed with the Vma's permissions (minus Write if the frame is
//        still shared), in one page-table walk, and the old translation flushed on every
//        hart running the space if it named another frame or allowed more.
//     6. Fault-around: after a read or execute fault on a file page (shared, or private
//        without a private copy there), the other cached, not-busy pages of the aligned
//        16-page window around it (clipped to the Vma, skipping private copies) are mapped
//        read-only too, under the file object's lock, in one walk; they are not counted
//        as faults.
//
// The result is a small enum; the caller turns anything but Resolved into killing the
// process (user faults) or into EFAULT (kernel copies), in one place each.
//
// Counters (vmstat): every resolved fault is minor or major (major: it waited for I/O,
// which only a file object's page_for_fault() can do; it reports that through
// count_major_fault()); zero-fill and copy-on-write faults are counted as well. They are
// relaxed atomics, bumped without a lock: a snapshot may be a few faults behind, never
// torn. exec's fault_in_for_kernel_write() goes through the same pipeline and counts too.
#pragma once

#include <cstdint>

#include "lib/error_or.h"
#include "mm/page.h"

class AddressSpace;

enum class FaultResult : uint8_t { Resolved, Segfault, BusError, OutOfMemory };
enum class Access : uint8_t { Read, Write, Execute };
// Who took the fault: user code, or the kernel copying to or from user memory.
enum class FaultOrigin : uint8_t { User, KernelCopy };

// Resolves a fault at `vaddr`. May sleep (the address-space lock, frame allocation): call
// with no spinlock held, interrupts may be on or off.
FaultResult handle_page_fault(AddressSpace& space, uint64_t vaddr, Access access, FaultOrigin origin);

// A short description of why the fault at `vaddr` failed, for the kill message:
// "stack guard page", "unmapped address", "kernel address", "write to read-only memory",
// "execute of non-executable memory", "out of memory", ... Takes the lock itself.
const char* describe_fault(AddressSpace& space, uint64_t vaddr, Access access, FaultResult result);

// exec's half of the pipeline (AddressSpace::write_initial): makes the page at `page_va`
// present and private to this address space, as a write fault would, but ignoring the
// Vma's protection, and returns its frame for the kernel to fill through the direct map.
// EFAULT if no Vma (or only a guard) covers it, ENOMEM. Takes the address-space lock
// itself. The frame stays valid only while nobody else changes this address space
// (exec builds a space that no other thread can see yet).
ErrorOr<Page*> fault_in_for_kernel_write(AddressSpace& space, uint64_t page_va);

// A snapshot of the fault counters since boot.
struct FaultCounters {
    uint64_t minor_faults;  // Resolved without I/O.
    uint64_t major_faults;  // Resolved after reading the page in.
    uint64_t cow_copies;    // Private frames copied because a write found them shared.
    uint64_t zero_fills;    // Private anonymous pages zero-filled on first touch.
};
FaultCounters fault_counters();

// Called by a VmObject whose page_for_fault() had to wait for I/O to bring the page in.
void count_major_fault();

const char* fault_result_name(FaultResult result);
const char* access_name(Access access);
