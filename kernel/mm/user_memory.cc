// Copies between kernel and user memory: see user_memory.h.
#include "mm/user_memory.h"

#include "arch/riscv64/user_copy.h"
#include "mm/address_space.h"
#include "mm/vm_range.h"
#include "proc/thread.h"

AddressSpace* current_address_space() {
    Thread* thread = Thread::current();
    return thread ? thread->address_space() : nullptr;
}

namespace {

// The up-front check every copy makes: a current address space, and a range wholly in
// user space (kernel, non-canonical and wrapping pointers never reach the copy routine).
bool acceptable(uint64_t user_address, size_t length) {
    return current_address_space() && vm::is_user_range(user_address, length);
}

ErrorOr<void> from_status(long status) {
    if (status < 0)
        return Error::from_errno(static_cast<int>(-status));
    return {};
}

}  // namespace

ErrorOr<void> copy_from_user(void* kernel_dst, uint64_t user_src, size_t length) {
    if (length == 0)
        return {};
    if (!acceptable(user_src, length))
        return Error::from_errno(EFAULT);
    return from_status(user_copy_bytes(kernel_dst, reinterpret_cast<const void*>(user_src), length));
}

ErrorOr<void> copy_to_user(uint64_t user_dst, const void* kernel_src, size_t length) {
    if (length == 0)
        return {};
    if (!acceptable(user_dst, length))
        return Error::from_errno(EFAULT);
    return from_status(user_copy_bytes(reinterpret_cast<void*>(user_dst), kernel_src, length));
}

ErrorOr<void> clear_user(uint64_t user_dst, size_t length) {
    if (length == 0)
        return {};
    if (!acceptable(user_dst, length))
        return Error::from_errno(EFAULT);
    return from_status(user_clear_bytes(reinterpret_cast<void*>(user_dst), length));
}

ErrorOr<size_t> copy_string_from_user(char* kernel_dst, uint64_t user_src, size_t capacity) {
    if (capacity == 0)
        return Error::from_errno(ENAMETOOLONG);
    if (!current_address_space() || user_src >= kUserSpaceEnd)
        return Error::from_errno(EFAULT);
    // The string may end before user space does; only bytes up to the end of user space
    // are ever read (a string running into the kernel half is EFAULT).
    size_t readable = static_cast<size_t>(std::min<uint64_t>(capacity, kUserSpaceEnd - user_src));
    long status = user_copy_string(kernel_dst, reinterpret_cast<const char*>(user_src), readable);
    if (status < 0)
        return Error::from_errno(static_cast<int>(-status));
    if (static_cast<size_t>(status) == readable) {
        kernel_dst[readable - 1] = '\0';
        return Error::from_errno(readable < capacity ? EFAULT : ENAMETOOLONG);
    }
    return static_cast<size_t>(status);
}
