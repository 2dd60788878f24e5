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

#include "arch/riscv64/user_copy.h"
#include "lib/error_or.h"

class AddressSpace;

// The current thread's address space, or nullptr for a kernel thread. The thread code keeps
// it, so it defines this (proc/thread_services.cc); mm/ only asks.
AddressSpace* current_address_space();

// Whether the current thread's process must die (a fatal signal is pending: SIGKILL, or
// one whose default action terminates and that is not blocked), so that a long transfer
// stops at its next batch boundary rather than running to the end first. False for a
// kernel thread. Defined by the thread code, like current_address_space().
bool current_process_must_die();

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

// One piece of user memory of a vectored transfer (readv, writev: struct iovec's layout).
struct UserSegment {
    uint64_t address;
    size_t length;
};

// A user buffer [address, address + length) that one read() fills, or one write() drains,
// from its start onwards: the file code hands it bytes as it goes and learns, from each
// copy, how many reached it. done() counts exactly the bytes that crossed, so the file
// can consume (advance its offset, drop pipe or line bytes) exactly that many. The first
// copy that falls short marks the cursor faulted; later copies move nothing.
//
//   address                 address + done()            address + length
//      |==== copied ===========|------- remaining() -------|
//
// A vectored cursor (readv, writev) walks several segments in order as if they were one
// buffer: a copy that ends one segment continues in the next, and a fault in any segment
// stops the whole transfer there (the bytes before it count; nothing after it moves).
// Segments of length 0 are skipped.
//
// The page cache copies straight between its frames and the cursor (mm/file_object.h), so
// a copy may fault on a page of the very file being read or written; the cursor itself
// holds no lock.
//
// Not thread-safe: one system call owns it. Not copyable (it may point into itself). May
// sleep (the copies do).
class UserCursor {
public:
    // The ranges are checked once, here (a current address space, is_user_buffer): a
    // cursor over a range that fails faults on its first copy, and the copies themselves
    // go straight to the copy routine.
    UserCursor(uint64_t address, size_t length);
    // Over `count` segments in kernel memory, which must outlive the cursor, of `total`
    // bytes in all (the caller has added them up without overflow).
    UserCursor(const UserSegment* segments, size_t count, size_t total);
    UserCursor(const UserCursor&) = delete;
    UserCursor& operator=(const UserCursor&) = delete;

    size_t done() const { return m_done; }
    size_t remaining() const { return m_length - m_done; }
    bool faulted() const { return m_faulted; }

    // Copy up to `length` bytes (never more than remaining()) from the kernel to the
    // cursor, or from the cursor to the kernel; return the bytes moved and advance by them.
    // Inline: one segment, wholly copied, is every cached read()'s and write()'s case.
    size_t copy_out(const void* kernel_src, size_t length) {
        if (m_segment_count == 1 && m_acceptable && !m_faulted && length <= remaining()) [[likely]]
            return advance(length, user_copy_bytes(reinterpret_cast<void*>(m_single.address + m_done), kernel_src, length));
        return copy(const_cast<void*>(kernel_src), length, Direction::Out);
    }
    size_t copy_in(void* kernel_dst, size_t length) {
        if (m_segment_count == 1 && m_acceptable && !m_faulted && length <= remaining()) [[likely]]
            return advance(length, user_copy_bytes(kernel_dst, reinterpret_cast<const void*>(m_single.address + m_done), length));
        return copy(kernel_dst, length, Direction::In);
    }

    // What the system call returns: the bytes moved; EFAULT if a fault stopped it before
    // any byte moved; `error` (which ended the transfer) if none moved otherwise.
    ErrorOr<size_t> result() const;
    ErrorOr<size_t> result(Error error) const;

private:
    enum class Direction : uint8_t { Out, In };
    // The single segment's bookkeeping after a copy of `length` bytes that ended as
    // `result` says; returns the bytes moved.
    size_t advance(size_t length, UserCopyResult result) {
        size_t copied = result.status == 0 ? length : length - result.left;
        m_done += copied;
        m_within = m_done;
        m_faulted = result.status != 0;
        return copied;
    }
    size_t copy(void* kernel, size_t length, Direction direction);

    UserSegment m_single { 0, 0 };       // The one segment of a plain read() or write().
    const UserSegment* m_segments;
    size_t m_segment_count;
    size_t m_segment { 0 };              // The segment the next byte goes to or comes from.
    size_t m_within { 0 };               // Bytes of that segment already moved.
    size_t m_length;                     // The sum of the segments' lengths.
    size_t m_done { 0 };
    bool m_faulted { false };
    bool m_acceptable { false };         // Every segment passed the up-front check.
};

// What the page cache copies to or from (mm/file_object.h): a UserCursor (read(), write(),
// their positioned and vectored forms) or a kernel buffer (the kernel's own readers, such
// as exec, and self-tests), behind one interface so that the cache has one copy loop. A
// kernel buffer never faults.
class TransferBuffer {
public:
    explicit TransferBuffer(UserCursor& user)
        : m_user(&user)
    {
    }
    TransferBuffer(void* kernel, size_t length)
        : m_kernel(static_cast<uint8_t*>(kernel))
        , m_length(length)
    {
    }
    TransferBuffer(const TransferBuffer&) = delete;
    TransferBuffer& operator=(const TransferBuffer&) = delete;

    size_t remaining() const { return m_user ? m_user->remaining() : m_length - m_done; }
    bool faulted() const { return m_user && m_user->faulted(); }
    // UserCursor::copy_out and copy_in, or a memcpy.
    size_t copy_out(const void* kernel_src, size_t length) {
        if (m_user) [[likely]]
            return m_user->copy_out(kernel_src, length);
        return kernel_copy(const_cast<void*>(kernel_src), length, true);
    }
    size_t copy_in(void* kernel_dst, size_t length) {
        if (m_user) [[likely]]
            return m_user->copy_in(kernel_dst, length);
        return kernel_copy(kernel_dst, length, false);
    }

private:
    size_t kernel_copy(void* kernel, size_t length, bool out);

    UserCursor* m_user { nullptr };
    uint8_t* m_kernel { nullptr };
    size_t m_length { 0 };
    size_t m_done { 0 };
};
