// The fault pipeline: the one place where user pages are brought in.
//
// Callers: the user trap path (scause 12/13/15 from user mode), the fault recovery of
// copy_from_user/copy_to_user (the same causes from kernel mode on a user address), and
// AddressSpace::write_initial (exec), which needs a private, present page to write into.
//
// mm/fault.cc, top down: handle_page_fault (and fault_in_for_kernel_write) take the
// address-space lock for writing and call the dispatcher, FaultHandler::resolve_locked:
//   1. vaddr must be a user address, else Segfault (checked before the lock).
//   2. The lookup (lookup_locked): the Vma containing vaddr (else NoMapping), not the
//      stack's guard (else GuardPage), whose prot allows the access (else Forbidden;
//      exec's writes ignore prot). Private anonymous memory gets its AnonObject on its
//      first fault (mm/vma.h).
//      The result, with the Vma, its object, the page and the access, is a FaultContext,
//      which every step below takes.
//   3. One step per kind of fault, picked from the object's two properties (is_shared(),
//      file(); mm/vm_object.h) and the page found in a private object's tree:
//        shared, no file       shared_anon_fault     the object's frame, zero-filled if new
//        shared, file, read    file_read_fault       the cached frame, read-only (+ around)
//        shared, file, write   file_write_fault      the cached frame, marked dirty, writable
//        private, page absent:
//          no file             zero_fill_fault       a zeroed frame inserted (zero_fill_at)
//          file, read          file_read_fault       the file's frame, read-only (+ around)
//          file, write         private_copy_fault    the file's frame copied into the tree
//        private, page present:
//          write, ref_count>1  copy_on_write_fault   copied into a fresh frame in its place
//          otherwise           map_private_page      mapped; writable when not shared
//      A step that maps the file's own frame holds a lock that keeps the file's page tree
//      still from the lookup of the page until its PTE is in place (the reverse map relies
//      on it; mm/file_object.h): file_read_fault, on a cached page, the tree's reader lock
//      only (FileObject::cached_page_for_fault), so that read faults on one file from
//      many address spaces do not wait for each other; a miss, and file_write_fault, the
//      file object's lock. private_copy_fault lets the lock go once it has copied the
//      frame: the PTE it installs names the copy, under the page table's lock.
//   4. install_pte_locked: the PTE is (re)installed with the Vma's permissions (minus Write
//      while the frame is shared or a file page is clean), in one page-table walk, and the
//      old translation flushed on every hart running the space if it named another frame
//      or allowed more (flush_replaced_locked). An entry that was invalid is not fenced at
//      all (arch/riscv64/page_table.h, "TLB"): a hart that cached the invalid entry takes
//      a spurious fault on the page, which runs this pipeline again; the install then
//      replaces a valid entry and fences this hart, and the access goes through. Every
//      step therefore (re)installs the PTE even when it finds it in place already.
//   5. Fault-around (file_read_fault): the other cached, not-busy pages of the aligned
//      16-page window around the page (clipped to the Vma, skipping a private mapping's
//      copies) are mapped read-only too, under the same lock as the page, in one walk;
//      they are not counted as faults.
// Each step asserts the locks it expects.
//
// The result is a FaultResult: Resolved, or why not, found by the lookup (NoMapping,
// GuardPage, Forbidden) or by the step (BusError, OutOfMemory). The caller turns anything
// but Resolved into killing the process (user faults; describe_fault words the reason) or
// into EFAULT (kernel copies), in one place each.
//
// Counters (vmstat): every resolved fault is counted once, by its kind: a zero-fill, a
// copy (copy_on_write_fault and private_copy_fault) or any other; it is minor or major
// (major: it waited for I/O, which only a file object's page_for_fault_locked() can do; it
// reports that through count_major_fault()). They are relaxed atomics, bumped without a
// lock: a snapshot may be a few faults behind, never torn. exec's
// fault_in_for_kernel_write() goes through the same pipeline and counts too.
#pragma once

#include <cstdint>

#include "lib/error_or.h"
#include "mm/page.h"

class AddressSpace;

// The outcome of a fault: Resolved, or why it was not.
enum class FaultResult : uint8_t {
    Resolved,
    Segfault,     // SIGSEGV, for no reason found by a lookup: not a user address, no
                  // address space, or an exception other than a page fault.
    NoMapping,    // SIGSEGV: no Vma contains the address.
    GuardPage,    // SIGSEGV: the guard page below the stack (a stack overflow).
    Forbidden,    // SIGSEGV: the Vma's protection does not allow the access.
    BusError,     // SIGBUS: a file page beyond the end of file, or a read error.
    OutOfMemory,  // SIGKILL: no frame could be had.
};
enum class Access : uint8_t { Read, Write, Execute };

// Resolves a fault at `vaddr`. May sleep (the address-space lock, frame allocation): call
// with no spinlock held, interrupts may be on or off.
FaultResult handle_page_fault(AddressSpace& space, uint64_t vaddr, Access access);

// A short description of a failed fault at `vaddr`, for the kill message, from its result
// alone (the lookup's reason is in it): "stack guard page (stack overflow)", "unmapped
// address", "null pointer dereference", "kernel or non-canonical address", "write to
// read-only memory", "execute of non-executable memory", "out of memory", ...
const char* describe_fault(uint64_t vaddr, Access access, FaultResult result);

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
    uint64_t cow_copies;    // Frames copied by a write: private frames found shared, and
                            // file pages a MAP_PRIVATE mapping writes first.
    uint64_t zero_fills;    // Private anonymous pages zero-filled on first touch.
};
FaultCounters fault_counters();

// Called by a file object whose page_for_fault_locked() had to wait for I/O to bring the
// page in.
void count_major_fault();

const char* fault_result_name(FaultResult result);
const char* access_name(Access access);
