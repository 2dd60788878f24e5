// The few libgcc helpers the compiler emits calls to in kernel code. Debian's cross libgcc
// is built for the hard-float ABI and cannot be linked into the soft-float kernel (see
// docs/build.md), so the ones we need live here. Without the Zbb extension, GCC turns
// std::countl_zero/countr_zero/popcount on 64-bit values into these calls.
//
// Written as straight-line bisection so that the compiler cannot recognize an idiom in them
// and turn them back into calls to themselves.
#include <cstdint>

extern "C" {

int __clzdi2(uint64_t value) {
    int count = 0;
    if (!(value >> 32)) { count += 32; value <<= 32; }
    if (!(value >> 48)) { count += 16; value <<= 16; }
    if (!(value >> 56)) { count += 8; value <<= 8; }
    if (!(value >> 60)) { count += 4; value <<= 4; }
    if (!(value >> 62)) { count += 2; value <<= 2; }
    if (!(value >> 63)) { count += 1; }
    return count;
}

int __ctzdi2(uint64_t value) {
    int count = 0;
    if (!(value & 0xffffffffull)) { count += 32; value >>= 32; }
    if (!(value & 0xffffull)) { count += 16; value >>= 16; }
    if (!(value & 0xffull)) { count += 8; value >>= 8; }
    if (!(value & 0xfull)) { count += 4; value >>= 4; }
    if (!(value & 0x3ull)) { count += 2; value >>= 2; }
    if (!(value & 0x1ull)) { count += 1; }
    return count;
}

int __popcountdi2(uint64_t value) {
    value = value - ((value >> 1) & 0x5555555555555555ull);
    value = (value & 0x3333333333333333ull) + ((value >> 2) & 0x3333333333333333ull);
    value = (value + (value >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return static_cast<int>((value * 0x0101010101010101ull) >> 56);
}

}

// Sub-word atomics. The A extension has only 32- and 64-bit atomic instructions, so GCC 12
// calls out for std::atomic<bool>/<uint8_t>/<uint16_t> operations (libatomic's job in user
// space). Each is a compare-and-swap loop on the aligned 32-bit word that holds the value.
namespace {

template<typename T>
struct SubwordSlot {
    uint32_t* word;
    unsigned shift;
    uint32_t mask;

    explicit SubwordSlot(volatile void* address) {
        auto raw = reinterpret_cast<uintptr_t>(address);
        word = reinterpret_cast<uint32_t*>(raw & ~uintptr_t(3));
        shift = static_cast<unsigned>(raw & 3) * 8;  // Little-endian: byte i is bits 8i..8i+7.
        mask = static_cast<uint32_t>((1ull << (8 * sizeof(T))) - 1) << shift;
    }
    T extract(uint32_t whole) const { return static_cast<T>((whole & mask) >> shift); }
    uint32_t insert(uint32_t whole, T value) const {
        return (whole & ~mask) | ((static_cast<uint32_t>(value) << shift) & mask);
    }
};

// Applies `op` atomically and returns the old value.
template<typename T, typename Op>
T subword_rmw(volatile void* address, Op op) {
    SubwordSlot<T> slot(address);
    uint32_t old_word = __atomic_load_n(slot.word, __ATOMIC_RELAXED);
    for (;;) {
        T old_value = slot.extract(old_word);
        uint32_t new_word = slot.insert(old_word, op(old_value));
        if (__atomic_compare_exchange_n(slot.word, &old_word, new_word, true, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            return old_value;
    }
}

template<typename T>
bool subword_cas(volatile void* address, void* expected, T desired) {
    SubwordSlot<T> slot(address);
    T wanted = *static_cast<T*>(expected);
    uint32_t old_word = __atomic_load_n(slot.word, __ATOMIC_RELAXED);
    for (;;) {
        T current = slot.extract(old_word);
        if (current != wanted) {
            *static_cast<T*>(expected) = current;
            return false;
        }
        uint32_t new_word = slot.insert(old_word, desired);
        if (__atomic_compare_exchange_n(slot.word, &old_word, new_word, true, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            return true;
    }
}

}  // namespace

#define ATLAS_SUBWORD_ATOMICS(size, T)                                                                           \
    T __atomic_exchange_##size(volatile void* p, T v, int) {                                                     \
        return subword_rmw<T>(p, [v](T) { return v; });                                                          \
    }                                                                                                            \
    bool __atomic_compare_exchange_##size(volatile void* p, void* expected, T desired, bool, int, int) {         \
        return subword_cas<T>(p, expected, desired);                                                             \
    }                                                                                                            \
    T __atomic_fetch_add_##size(volatile void* p, T v, int) { return subword_rmw<T>(p, [v](T o) { return T(o + v); }); } \
    T __atomic_fetch_sub_##size(volatile void* p, T v, int) { return subword_rmw<T>(p, [v](T o) { return T(o - v); }); } \
    T __atomic_fetch_and_##size(volatile void* p, T v, int) { return subword_rmw<T>(p, [v](T o) { return T(o & v); }); } \
    T __atomic_fetch_or_##size(volatile void* p, T v, int) { return subword_rmw<T>(p, [v](T o) { return T(o | v); }); }   \
    T __atomic_fetch_xor_##size(volatile void* p, T v, int) { return subword_rmw<T>(p, [v](T o) { return T(o ^ v); }); }

extern "C" {
ATLAS_SUBWORD_ATOMICS(1, uint8_t)
ATLAS_SUBWORD_ATOMICS(2, uint16_t)
}
