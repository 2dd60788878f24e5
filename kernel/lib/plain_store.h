// Atomic stores as plain RISC-V stores, for the hot paths of the kernel.
//
// Debian 12's cross compiler (GCC 12) compiles every std::atomic store to an AMO: a
// relaxed store becomes `amoswap zero`, a release store `fence; amoswap zero`. The RISC-V
// memory model needs neither. An aligned store of up to 8 bytes is single-copy atomic,
// and a release store is `fence rw,w` followed by a plain store (the mapping of C++
// atomics in the ISA manual's memory-model appendix; GCC 13 switched to it). The AMO is
// not free under QEMU with more than one hart: it runs as a helper call around a host
// atomic instruction, and each one costs as much as a few dozen plain instructions
// (docs/performance.md has the figures). A fault and a munmap make several such stores
// per page, so they use these instead:
//
//   store_relaxed(a, v)   a.store(v, relaxed), as one plain store
//   store_release(a, v)   a.store(v, release), as `fence rw,w` and one plain store
//
// Both work on a std::atomic<T> and on a plain T that other harts read atomically (a page
// table entry, which the hardware walker reads). T is an integer or pointer type of at
// most 8 bytes, naturally aligned, so the plain store is single-copy atomic. Loads need no
// such help: GCC already makes a relaxed load one plain load.
//
// Built for the host (the unit tests), the functions are the standard atomic stores.
#pragma once

#include <atomic>
#include <type_traits>

namespace klib {

namespace plain_store_detail {

template<typename T>
constexpr bool kPlainStorable = (std::is_integral_v<T> || std::is_pointer_v<T>) && sizeof(T) <= 8;

// The one volatile store: the compiler emits exactly one store instruction of T's width
// and neither drops nor splits it.
template<typename T>
[[gnu::always_inline]] inline void store_once(T* where, T value) {
    *static_cast<volatile T*>(where) = value;
}

template<typename T>
[[gnu::always_inline]] inline T* value_of(std::atomic<T>& object) {
    // std::atomic<T> holds nothing but its T (checked below), so its address is the T's.
    static_assert(sizeof(std::atomic<T>) == sizeof(T) && alignof(std::atomic<T>) == alignof(T));
    static_assert(std::atomic<T>::is_always_lock_free);
    return reinterpret_cast<T*>(&object);
}

}  // namespace plain_store_detail

template<typename T>
[[gnu::always_inline]] inline void store_relaxed(T& object, std::type_identity_t<T> value) {
    static_assert(plain_store_detail::kPlainStorable<T>);
#if defined(__riscv)
    plain_store_detail::store_once(&object, value);
#else
    __atomic_store_n(&object, value, __ATOMIC_RELAXED);
#endif
}

template<typename T>
[[gnu::always_inline]] inline void store_release(T& object, std::type_identity_t<T> value) {
    static_assert(plain_store_detail::kPlainStorable<T>);
#if defined(__riscv)
    // Every load and store before it is ordered before the store.
    __asm__ volatile("fence rw,w" ::: "memory");
    plain_store_detail::store_once(&object, value);
#else
    __atomic_store_n(&object, value, __ATOMIC_RELEASE);
#endif
}

template<typename T>
[[gnu::always_inline]] inline void store_relaxed(std::atomic<T>& object, std::type_identity_t<T> value) {
#if defined(__riscv)
    store_relaxed(*plain_store_detail::value_of(object), value);
#else
    object.store(value, std::memory_order_relaxed);
#endif
}

template<typename T>
[[gnu::always_inline]] inline void store_release(std::atomic<T>& object, std::type_identity_t<T> value) {
#if defined(__riscv)
    store_release(*plain_store_detail::value_of(object), value);
#else
    object.store(value, std::memory_order_release);
#endif
}

}  // namespace klib
