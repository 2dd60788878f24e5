// Copies between kernel and user memory: see user_memory.h.
#include "mm/user_memory.h"

#include <algorithm>

#include "arch/riscv64/user_copy.h"
#include "mm/address_space.h"
#include "lib/string.h"
#include "mm/vm_range.h"

namespace {

// The up-front check every copy makes: a current address space, and a range wholly in
// user space (kernel, non-canonical and wrapping pointers never reach the copy routine).
bool acceptable(uint64_t user_address, size_t length) {
    return current_address_space() && is_user_buffer(user_address, length);
}

ErrorOr<void> from_status(long status) {
    if (status < 0)
        return Error::from_errno(static_cast<int>(-status));
    return {};
}

// The bytes a user_copy_bytes call moved before it stopped.
size_t copied_of(UserCopyResult result, size_t length) { return result.status < 0 ? length - result.left : length; }

}  // namespace

bool is_user_buffer(uint64_t address, size_t length) {
    if (length == 0)
        return vm::is_user_range(address, 0);
    return address >= kUserLowestAddress && vm::is_user_range(address, length);
}

ErrorOr<void> copy_from_user(void* kernel_dst, uint64_t user_src, size_t length) {
    if (length == 0)
        return {};
    if (!acceptable(user_src, length))
        return Error::from_errno(EFAULT);
    return from_status(user_copy_bytes(kernel_dst, reinterpret_cast<const void*>(user_src), length).status);
}

ErrorOr<void> copy_to_user(uint64_t user_dst, const void* kernel_src, size_t length) {
    if (length == 0)
        return {};
    if (!acceptable(user_dst, length))
        return Error::from_errno(EFAULT);
    return from_status(user_copy_bytes(reinterpret_cast<void*>(user_dst), kernel_src, length).status);
}

size_t copy_from_user_prefix(void* kernel_dst, uint64_t user_src, size_t length) {
    if (length == 0 || !acceptable(user_src, length))
        return 0;
    return copied_of(user_copy_bytes(kernel_dst, reinterpret_cast<const void*>(user_src), length), length);
}

size_t copy_to_user_prefix(uint64_t user_dst, const void* kernel_src, size_t length) {
    if (length == 0 || !acceptable(user_dst, length))
        return 0;
    return copied_of(user_copy_bytes(reinterpret_cast<void*>(user_dst), kernel_src, length), length);
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

// --- UserCursor ---

UserCursor::UserCursor(uint64_t address, size_t length)
    : m_single { address, length }
    , m_segments(&m_single)
    , m_segment_count(1)
    , m_length(length)
    , m_acceptable(acceptable(address, length))
{
}

UserCursor::UserCursor(const UserSegment* segments, size_t count, size_t total)
    : m_segments(segments)
    , m_segment_count(count)
    , m_length(total)
    , m_acceptable(current_address_space() != nullptr)
{
    for (size_t i = 0; i < count && m_acceptable; ++i)
        m_acceptable = is_user_buffer(segments[i].address, segments[i].length);
    // One segment takes the inline copies' path, which reads m_single.
    if (count == 1) {
        m_single = segments[0];
        m_segments = &m_single;
    }
}

size_t UserCursor::copy(void* kernel, size_t length, Direction direction) {
    length = std::min(length, remaining());
    if (m_faulted || length == 0)
        return 0;
    if (!m_acceptable) {
        m_faulted = true;
        return 0;
    }
    auto* bytes = static_cast<uint8_t*>(kernel);
    size_t moved = 0;
    while (moved < length) {
        // remaining() > 0 guarantees a segment with room lies ahead.
        const UserSegment& segment = m_segments[m_segment];
        size_t room = segment.length - m_within;
        if (room == 0) {
            ++m_segment;
            m_within = 0;
            continue;
        }
        size_t piece = std::min(room, length - moved);
        auto* user = reinterpret_cast<uint8_t*>(segment.address + m_within);
        // Checked when the cursor was made: straight to the copy routine.
        UserCopyResult result = direction == Direction::Out ? user_copy_bytes(user, bytes + moved, piece)
                                                            : user_copy_bytes(bytes + moved, user, piece);
        size_t copied = copied_of(result, piece);
        moved += copied;
        m_within += copied;
        if (copied < piece) {
            m_faulted = true;
            break;
        }
    }
    m_done += moved;
    return moved;
}

ErrorOr<size_t> UserCursor::result() const {
    if (m_done == 0 && m_faulted)
        return Error::from_errno(EFAULT);
    return m_done;
}

ErrorOr<size_t> UserCursor::result(Error error) const {
    if (m_done > 0)
        return m_done;
    return error;
}

// --- TransferBuffer ---

size_t TransferBuffer::kernel_copy(void* kernel, size_t length, bool out) {
    length = std::min(length, remaining());
    if (out)
        klib::memcpy(m_kernel + m_done, kernel, length);
    else
        klib::memcpy(kernel, m_kernel + m_done, length);
    m_done += length;
    return length;
}
