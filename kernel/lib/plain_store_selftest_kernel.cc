// Self-tests of lib/plain_store.h on the hart: each store writes its value with exactly
// its type's width (a volatile store the compiler widened or split would show in the
// bytes around it), on plain objects and on std::atomic ones.
#include <atomic>
#include <cstdint>

#include "lib/ktest.h"
#include "lib/plain_store.h"
#include "lib/string.h"

namespace {

constexpr uint8_t kFill = 0xee;

// Stores `value` (as T) in the middle of a filled buffer, with store_relaxed or
// store_release, and says whether the buffer then holds exactly the value there and the
// fill everywhere else.
template<typename T>
bool stores_exactly(T value, bool release)
{
    alignas(16) uint8_t buffer[32];
    klib::memset(buffer, kFill, sizeof(buffer));
    T& target = *reinterpret_cast<T*>(buffer + 16);
    if (release)
        klib::store_release(target, value);
    else
        klib::store_relaxed(target, value);
    uint8_t expected[32];
    klib::memset(expected, kFill, sizeof(expected));
    klib::memcpy(expected + 16, &value, sizeof(T));
    return klib::memcmp(buffer, expected, sizeof(buffer)) == 0;
}

}  // namespace

KTEST(PlainStore, StoresWriteTheValueWithTheTypesWidthOnly)
{
    for (bool release : { false, true }) {
        KEXPECT(stores_exactly<uint8_t>(0x12, release));
        KEXPECT(stores_exactly<uint16_t>(0x1234, release));
        KEXPECT(stores_exactly<uint32_t>(0x12345678u, release));
        KEXPECT(stores_exactly<uint64_t>(0x123456789abcdef0ull, release));
        KEXPECT(stores_exactly<int32_t>(-2, release));
        KEXPECT(stores_exactly<void*>(reinterpret_cast<void*>(0xffffffc000001000ull), release));
    }
}

KTEST(PlainStore, StoresToAtomicsAreSeenByTheirLoads)
{
    std::atomic<uint32_t> word { 7 };
    klib::store_relaxed(word, 0xdeadbeefu);
    KEXPECT_EQ(0xdeadbeefu, word.load());
    klib::store_release(word, 3u);
    KEXPECT_EQ(3u, word.load(std::memory_order_acquire));
    KEXPECT_EQ(3u, word.exchange(4));

    int object = 0;
    std::atomic<int*> pointer { nullptr };
    klib::store_release(pointer, &object);
    KEXPECT(pointer.load() == &object);
    klib::store_relaxed(pointer, nullptr);
    KEXPECT(pointer.load() == nullptr);
}
