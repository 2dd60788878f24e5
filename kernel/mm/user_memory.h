// Moving bytes between the kernel and the current process's user memory.
//
// Every function checks the whole user range up front (is_user_buffer: inside user space,
// no wrap-around, not in page 0, which nothing can map): a NULL, kernel or non-canonical
// pointer is EFAULT before anything is touched.
// The copy itself runs in arch/riscv64/user_copy.S with sstatus.SUM set; when it faults
// on a user page, the trap code asks the fault pipeline (mm/fault.h) to bring the page in
// (demand-zero, copy-on-write) and retries; if the pipeline says no (no Vma, read-only on a
// write, guard page, out of memory), the copy stops and the function returns EFAULT. The
// caller is never killed and the kernel never panics because of a user pointer.
//
// A partial copy may have happened when EFAULT is returned (as on Linux). Callers that
// must account for every byte (read, write, getdents: they consume from a file exactly
// what reached the user) use the *_prefix functions or a UserCursor, which report how far
// the copy got before the fault.
//
// Whose memory: the current thread's address space (Thread::address_space(), set by the
// process code). Without one (a kernel thread), every call is EFAULT.
//
// Context: may sleep; call with no spinlock held (interrupts enabled or not).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lib/error_or.h"

class AddressSpace;

// The current thread's address space, or nullptr for a kernel thread. The thread code keeps
// it, so it defines this (proc/thread_services.cc); mm/ only asks.
AddressSpace* current_address_space();

// The up-front check of every copy: whether [address, address + length) may be handed to
// one. A zero length is acceptable at any user address; otherwise the range must lie in
// user space above page 0 (which no mapping can take, so NULL always faults).
bool is_user_buffer(uint64_t address, size_t length);

ErrorOr<void> copy_from_user(void* kernel_dst, uint64_t user_src, size_t length);
ErrorOr<void> copy_to_user(uint64_t user_dst, const void* kernel_src, size_t length);

// Copy what they can from the start of the range and return how many bytes that was:
// `length` on success, fewer when a page could not be made present (every byte counted
// was copied; none after it was), 0 when the range fails is_user_buffer.
size_t copy_from_user_prefix(void* kernel_dst, uint64_t user_src, size_t length);
size_t copy_to_user_prefix(uint64_t user_dst, const void* kernel_src, size_t length);

// Zeroes [user_dst, user_dst + length) in user memory.
ErrorOr<void> clear_user(uint64_t user_dst, size_t length);

// Copies a NUL-terminated string of at most `capacity - 1` characters plus its NUL into
// `kernel_dst` (capacity >= 1) and returns its length (without the NUL). ENAMETOOLONG if
// no NUL is found within `capacity` bytes, EFAULT for a bad pointer.
ErrorOr<size_t> copy_string_from_user(char* kernel_dst, uint64_t user_src, size_t capacity);

// Typed conveniences for trivially copyable values.
template<typename T>
    requires std::is_trivially_copyable_v<T>
ErrorOr<void> copy_from_user(T& kernel_dst, uint64_t user_src) {
    return copy_from_user(&kernel_dst, user_src, sizeof(T));
}

template<typename T>
    requires std::is_trivially_copyable_v<T>
ErrorOr<void> copy_to_user(uint64_t user_dst, const T& kernel_src) {
    return copy_to_user(user_dst, &kernel_src, sizeof(T));
}

// A user buffer [address, address + length) that one read() fills, or one write() drains,
// from its start onwards: the file code hands it bytes as it goes and learns, from each
// copy, how many reached it. done() counts exactly the bytes that crossed, so the file
// can consume (advance its offset, drop pipe or line bytes) exactly that many. The first
// copy that falls short marks the cursor faulted; later copies move nothing.
//
//   address                 address + done()            address + length
//      |==== copied ===========|------- remaining() -------|
//
// Not thread-safe: one system call owns it. May sleep (the copies do).
class UserCursor {
public:
    UserCursor(uint64_t address, size_t length)
        : m_address(address)
        , m_length(length)
    {
    }

    size_t done() const { return m_done; }
    size_t remaining() const { return m_length - m_done; }
    bool faulted() const { return m_faulted; }

    // Copy up to `length` bytes (never more than remaining()) from the kernel to the
    // cursor, or from the cursor to the kernel; return the bytes moved and advance by them.
    size_t copy_out(const void* kernel_src, size_t length);
    size_t copy_in(void* kernel_dst, size_t length);

    // What the system call returns: the bytes moved; EFAULT if a fault stopped it before
    // any byte moved; `error` (which ended the transfer) if none moved otherwise.
    ErrorOr<size_t> result() const;
    ErrorOr<size_t> result(Error error) const;

private:
    uint64_t m_address;
    size_t m_length;
    size_t m_done { 0 };
    bool m_faulted { false };
};
