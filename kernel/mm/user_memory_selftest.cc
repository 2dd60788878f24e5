// Self-tests of copy_from_user / copy_to_user / copy_string_from_user: the fault pipeline
// behind them (demand-zero, copy-on-write) and EFAULT for every kind of bad pointer; the
// exact counts of the *_prefix copies and of UserCursor.
#include "arch/riscv64/layout.h"
#include "lib/assert.h"
#include "lib/ktest.h"
#include "lib/string.h"
#include "mm/address_space.h"
#include "mm/physical_allocator.h"
#include "mm/user_memory.h"

namespace {

constexpr uint64_t kBase = 0x300000;
constexpr uint64_t kPage = 4096;
constexpr Prot kReadWrite = Prot::Read | Prot::Write;

// Makes `space` the current thread's address space for the scope, as a process would.
class CurrentSpace {
public:
    explicit CurrentSpace(AddressSpace& space) { address_space_switch_current(&space); }
    ~CurrentSpace() { address_space_switch_current(nullptr); }
};

OwnPtr<AddressSpace> make_space() {
    auto space = AddressSpace::try_create();
    ASSERT(!space.is_error());
    auto result = space.release_value();
    // [kBase, +4 pages) read-write, then a hole, then a read-only page.
    ASSERT(!result->map_anonymous(kBase, 4 * kPage, kReadWrite, VmaKind::Data).is_error());
    ASSERT(!result->map_anonymous(kBase + 5 * kPage, kPage, Prot::Read, VmaKind::Text).is_error());
    return result;
}

int error_code(const ErrorOr<void>& result) { return result.is_error() ? result.error().code() : 0; }

}  // namespace

KTEST(UserMemory, CopiesRoundTripThroughLazyPages) {
    auto space = make_space();
    CurrentSpace current(*space);
    char message[64];
    for (unsigned i = 0; i < sizeof(message); ++i)
        message[i] = static_cast<char>('a' + i % 26);
    // Straddles a page boundary; neither page has been touched yet.
    uint64_t where = kBase + kPage - 20;
    KEXPECT_EQ(0, error_code(copy_to_user(where, message, sizeof(message))));
    KEXPECT_EQ(2u, space->resident_page_count());
    char back[64] = {};
    KEXPECT_EQ(0, error_code(copy_from_user(back, where, sizeof(back))));
    KEXPECT_EQ(0, klib::memcmp(message, back, sizeof(message)));
    // A never-touched page reads as zeros.
    uint64_t value = 1;
    KEXPECT_EQ(0, error_code(copy_from_user(value, kBase + 3 * kPage)));
    KEXPECT_EQ(0u, value);
    KEXPECT_EQ(0, error_code(clear_user(where, 8)));
    KEXPECT_EQ(0, error_code(copy_from_user(value, where)));
    KEXPECT_EQ(0u, value);
    // Unaligned word-sized copies take the byte path.
    KEXPECT_EQ(0, error_code(copy_to_user(kBase + 1, message, 15)));
    KEXPECT_EQ(0, error_code(copy_from_user(back, kBase + 1, 15)));
    KEXPECT_EQ(0, klib::memcmp(message, back, 15));
}

KTEST(UserMemory, BadPointersAreEfaultNotFatal) {
    auto space = make_space();
    CurrentSpace current(*space);
    char buffer[16] = {};
    // Kernel, non-canonical, wrapping and end-of-user-space pointers: rejected up front.
    KEXPECT_EQ(EFAULT, error_code(copy_from_user(buffer, reinterpret_cast<uint64_t>(buffer), 8)));
    KEXPECT_EQ(EFAULT, error_code(copy_to_user(kKernelImageBase + 0x200000, buffer, 8)));
    KEXPECT_EQ(EFAULT, error_code(copy_to_user(0x0000800000000000ull, buffer, 8)));
    KEXPECT_EQ(EFAULT, error_code(copy_from_user(buffer, ~0ull - 3, 8)));
    KEXPECT_EQ(EFAULT, error_code(copy_from_user(buffer, kUserSpaceEnd - 4, 8)));
    // Unmapped: NULL, the hole, past the end of a Vma.
    KEXPECT_EQ(EFAULT, error_code(copy_from_user(buffer, 0, 8)));
    KEXPECT_EQ(EFAULT, error_code(copy_from_user(buffer, kBase + 4 * kPage, 8)));
    KEXPECT_EQ(EFAULT, error_code(copy_to_user(kBase + 4 * kPage - 4, buffer, 8)));
    // Read-only: readable, not writable.
    KEXPECT_EQ(0, error_code(copy_from_user(buffer, kBase + 5 * kPage, 8)));
    KEXPECT_EQ(EFAULT, error_code(copy_to_user(kBase + 5 * kPage, buffer, 8)));
    // Zero length never faults.
    KEXPECT_EQ(0, error_code(copy_to_user(kBase + 4 * kPage, buffer, 0)));
}

KTEST(UserMemory, PrefixCopiesCountExactlyTheBytesBeforeTheFault) {
    auto space = make_space();
    CurrentSpace current(*space);
    uint8_t buffer[64];
    for (unsigned i = 0; i < sizeof(buffer); ++i)
        buffer[i] = static_cast<uint8_t>(i + 1);
    uint64_t hole = kBase + 4 * kPage;
    // Aligned (doubleword path) and unaligned (byte path) copies running into the hole.
    KEXPECT_EQ(16u, copy_to_user_prefix(hole - 16, buffer, 64));
    KEXPECT_EQ(13u, copy_to_user_prefix(hole - 13, buffer, 64));
    KEXPECT_EQ(13u, copy_from_user_prefix(buffer, hole - 13, 64));
    KEXPECT_EQ(0u, copy_to_user_prefix(hole, buffer, 8));
    // Writes into a read-only page stop at it; whole successes return the length.
    KEXPECT_EQ(0u, copy_to_user_prefix(kBase + 5 * kPage, buffer, 8));
    KEXPECT_EQ(64u, copy_to_user_prefix(kBase + kPage - 32, buffer, 64));
    // Page 0 and kernel addresses fail the up-front check: nothing is copied.
    KEXPECT_EQ(0u, copy_from_user_prefix(buffer, 0, 8));
    KEXPECT_EQ(0u, copy_from_user_prefix(buffer, 100, 8));
    KEXPECT(!is_user_buffer(0, 1));
    KEXPECT(is_user_buffer(0, 0));
    KEXPECT(!is_user_buffer(reinterpret_cast<uint64_t>(buffer), 8));
}

KTEST(UserMemory, CursorAdvancesByWhatCrossedAndStopsAtAFault) {
    auto space = make_space();
    CurrentSpace current(*space);
    uint8_t buffer[32] = {};
    uint64_t hole = kBase + 4 * kPage;
    UserCursor cursor(hole - 40, 100);
    KEXPECT_EQ(30u, cursor.copy_out(buffer, 30));
    KEXPECT_EQ(10u, cursor.copy_out(buffer, 30));
    KEXPECT(cursor.faulted());
    KEXPECT_EQ(0u, cursor.copy_out(buffer, 30));
    KEXPECT_EQ(40u, cursor.done());
    KEXPECT_EQ(60u, cursor.remaining());
    ErrorOr<size_t> moved = cursor.result();
    KEXPECT(!moved.is_error() && moved.value() == 40u);

    UserCursor nothing(hole, 16);
    KEXPECT_EQ(0u, nothing.copy_in(buffer, 16));
    ErrorOr<size_t> none = nothing.result();
    KEXPECT(none.is_error() && none.error().code() == EFAULT);

    // Never more than the cursor holds.
    UserCursor small(kBase, 8);
    KEXPECT_EQ(8u, small.copy_in(buffer, 32));
    KEXPECT(!small.faulted());
    // An error after bytes moved gives way to the count.
    ErrorOr<size_t> some = small.result(Error::from_errno(EIO));
    KEXPECT(!some.is_error() && some.value() == 8u);
}

KTEST(UserMemory, UnrolledCopyStopsExactlyAtTheBadPage) {
    // The bulk loop moves 256 bytes at a time; a fault inside it must still report the
    // bytes up to the bad page exactly, whichever side faults and however the buffer lies.
    auto space = make_space();
    CurrentSpace current(*space);
    alignas(64) static uint8_t kernel[2 * kPage];
    for (unsigned i = 0; i < sizeof(kernel); ++i)
        kernel[i] = static_cast<uint8_t>(i * 7 + 3);
    uint64_t hole = kBase + 4 * kPage;
    for (uint64_t before : { 8ul, 96ul, 1000ul, 4000ul, 4088ul }) {
        KEXPECT_EQ(before, copy_to_user_prefix(hole - before, kernel, 2 * kPage));
        alignas(64) static uint8_t back[2 * kPage];
        klib::memset(back, 0, sizeof(back));
        KEXPECT_EQ(before, copy_from_user_prefix(back, hole - before, 2 * kPage));
        KEXPECT_EQ(0, klib::memcmp(back, kernel, before));
        KEXPECT_EQ(0u, back[before]);  // Nothing stored past the count.
    }
}

KTEST(UserMemory, VectoredCursorWalksSegmentsAndStopsAtABadOne) {
    auto space = make_space();
    CurrentSpace current(*space);
    uint8_t buffer[64];
    for (unsigned i = 0; i < sizeof(buffer); ++i)
        buffer[i] = static_cast<uint8_t>(i + 1);
    uint64_t hole = kBase + 4 * kPage;
    UserSegment segments[] = { { kBase, 10 }, { kBase + 100, 0 }, { kBase + 200, 20 }, { hole, 8 }, { kBase, 8 } };
    UserCursor cursor(segments, 5, 46);
    KEXPECT_EQ(25u, cursor.copy_out(buffer, 25));  // 10, then 15 of the third segment.
    KEXPECT_EQ(5u, cursor.copy_out(buffer + 25, 30));  // The rest of it, then the hole.
    KEXPECT(cursor.faulted());
    KEXPECT_EQ(30u, cursor.done());
    uint8_t back[20];
    KEXPECT(!copy_from_user(back, kBase + 200, 20).is_error());
    KEXPECT_EQ(0, klib::memcmp(back, buffer + 10, 20));
    // A segment outside user space fails the cursor's up-front check: nothing moves.
    UserSegment bad[] = { { kBase, 8 }, { 0, 8 } };
    UserCursor refused(bad, 2, 16);
    KEXPECT_EQ(0u, refused.copy_in(buffer, 16));
    KEXPECT(refused.faulted());
}

KTEST(UserMemory, NoAddressSpaceMeansEfault) {
    char buffer[8];
    KEXPECT(current_address_space() == nullptr);
    KEXPECT_EQ(EFAULT, error_code(copy_from_user(buffer, kBase, 8)));
    KEXPECT(copy_string_from_user(buffer, kBase, sizeof(buffer)).is_error());
}

KTEST(UserMemory, CopyToUserBreaksCopyOnWrite) {
    auto parent = make_space();
    uint64_t original = 0x1111;
    KASSERT(!parent->write_initial(kBase, &original, sizeof(original)).is_error());
    auto cloned = parent->clone_for_fork();
    KASSERT(!cloned.is_error());
    auto child = cloned.release_value();
    {
        CurrentSpace current(*child);
        uint64_t changed = 0x2222;
        KEXPECT_EQ(0, error_code(copy_to_user(kBase, changed)));
        uint64_t seen = 0;
        KEXPECT_EQ(0, error_code(copy_from_user(seen, kBase)));
        KEXPECT_EQ(0x2222u, seen);
    }
    uint64_t parent_value = 0;
    KEXPECT(!parent->read_initial(kBase, &parent_value, sizeof(parent_value)).is_error());
    KEXPECT_EQ(0x1111u, parent_value);
}

KTEST(UserMemory, StringsStopAtNulOrCapacity) {
    auto space = make_space();
    CurrentSpace current(*space);
    const char path[] = "/bin/sh";
    KASSERT(!space->write_initial(kBase + 100, path, sizeof(path)).is_error());
    char buffer[32];
    auto length = copy_string_from_user(buffer, kBase + 100, sizeof(buffer));
    KASSERT(!length.is_error());
    KEXPECT_EQ(7u, length.value());
    KEXPECT_EQ(0, klib::strcmp(buffer, path));
    // Exactly fitting (7 characters + NUL in 8 bytes) works; one byte less does not.
    KEXPECT(!copy_string_from_user(buffer, kBase + 100, 8).is_error());
    auto too_long = copy_string_from_user(buffer, kBase + 100, 7);
    KASSERT(too_long.is_error());
    KEXPECT_EQ(ENAMETOOLONG, too_long.error().code());
    // A string running into unmapped memory is EFAULT.
    char filler[16];
    klib::memset(filler, 'x', sizeof(filler));
    KASSERT(!space->write_initial(kBase + 4 * kPage - 16, filler, sizeof(filler)).is_error());
    auto faulted = copy_string_from_user(buffer, kBase + 4 * kPage - 16, sizeof(buffer));
    KASSERT(faulted.is_error());
    KEXPECT_EQ(EFAULT, faulted.error().code());
    auto kernel = copy_string_from_user(buffer, reinterpret_cast<uint64_t>(path), sizeof(buffer));
    KASSERT(kernel.is_error());
    KEXPECT_EQ(EFAULT, kernel.error().code());
}
