// Moving bytes between the kernel and the current process's user memory.
//
// Every function checks the whole user range up front (inside [0, kUserSpaceEnd), no
// wrap-around): a kernel or non-canonical pointer is EFAULT before anything is touched.
// The copy itself runs in arch/riscv64/user_copy.S with sstatus.SUM set; when it faults
// on a user page, the trap code asks the fault pipeline (mm/fault.h) to bring the page in
// (demand-zero, copy-on-write) and retries; if the pipeline says no (no Vma, read-only on a
// write, guard page, out of memory), the copy stops and the function returns EFAULT. The
// caller is never killed and the kernel never panics because of a user pointer.
//
// A partial copy may have happened when EFAULT is returned (as on Linux).
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

// The current thread's address space, or nullptr for a kernel thread.
AddressSpace* current_address_space();

ErrorOr<void> copy_from_user(void* kernel_dst, uint64_t user_src, size_t length);
ErrorOr<void> copy_to_user(uint64_t user_dst, const void* kernel_src, size_t length);

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
