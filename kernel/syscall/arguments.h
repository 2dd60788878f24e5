// Typed system-call arguments: the registers a0..a5 turned into the parameter types of the
// handlers, so that no handler reads a raw register.
//
//   handler:   ErrorOr<size_t> sys_read(int fd, UserBuffer buffer, size_t length);
//   table:     [SYS_read] = &invoke<sys_read>
//   invoke:    sys_read(decode<int>(a0), decode<UserBuffer>(a1), decode<size_t>(a2))
//              a0 = the result, or -errno
//
// Decoding never fails: a register becomes an integer (an int keeps the low 32 bits, as the
// calling convention passes one) or a user address wrapped in a type that can only be used
// through copy_from_user/copy_to_user (mm/user_memory.h), which check it. A handler whose
// first parameter is TrapFrame& receives the caller's saved registers (fork copies them,
// exec rewrites them); the registers then map to the parameters after it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include "arch/riscv64/trap_frame.h"
#include "lib/error_or.h"
#include "mm/user_memory.h"

// A pointer to one T in user memory.
template<typename T>
class UserPtr {
public:
    explicit UserPtr(uint64_t address)
        : m_address(address)
    {
    }
    uint64_t address() const { return m_address; }
    bool is_null() const { return m_address == 0; }
    ErrorOr<T> read() const {
        T value;
        TRY(copy_from_user(value, m_address));
        return value;
    }
    ErrorOr<void> write(const T& value) const { return copy_to_user(m_address, value); }
    // The element `index` places further on (for arrays such as argv).
    UserPtr at(size_t index) const { return UserPtr(m_address + index * sizeof(T)); }

private:
    uint64_t m_address;
};

// A byte buffer in user memory (read, write, getdents); its length is another argument.
class UserBuffer {
public:
    explicit UserBuffer(uint64_t address)
        : m_address(address)
    {
    }
    uint64_t address() const { return m_address; }

private:
    uint64_t m_address;
};

// A NUL-terminated string in user memory (a path or an argument).
class UserString {
public:
    explicit UserString(uint64_t address)
        : m_address(address)
    {
    }
    uint64_t address() const { return m_address; }

private:
    uint64_t m_address;
};

// A path copied into the kernel: a heap buffer of ATLAS_MAX_PATH bytes, freed with it.
class KernelPath {
public:
    // ENAMETOOLONG if the string does not end within ATLAS_MAX_PATH bytes, EFAULT, ENOMEM,
    // ENOENT for the empty path.
    static ErrorOr<KernelPath> copy_from(UserString string);

    KernelPath(KernelPath&& other)
        : m_data(other.m_data)
    {
        other.m_data = nullptr;
    }
    KernelPath(const KernelPath&) = delete;
    KernelPath& operator=(const KernelPath&) = delete;
    KernelPath& operator=(KernelPath&&) = delete;
    ~KernelPath();

    const char* c_str() const { return m_data; }

private:
    explicit KernelPath(char* data)
        : m_data(data)
    {
    }
    char* m_data;
};

namespace syscall_detail {

template<typename T>
struct Decoder;

template<typename T>
    requires std::is_integral_v<T>
struct Decoder<T> {
    static T decode(uint64_t value) { return static_cast<T>(value); }
};

template<typename T>
struct Decoder<UserPtr<T>> {
    static UserPtr<T> decode(uint64_t value) { return UserPtr<T>(value); }
};

template<>
struct Decoder<UserBuffer> {
    static UserBuffer decode(uint64_t value) { return UserBuffer(value); }
};

template<>
struct Decoder<UserString> {
    static UserString decode(uint64_t value) { return UserString(value); }
};

template<typename Result>
int64_t to_register(ErrorOr<Result>& result) {
    if (result.is_error())
        return -static_cast<int64_t>(result.error().code());
    if constexpr (std::is_void_v<Result>)
        return 0;
    else
        return static_cast<int64_t>(result.value());
}

template<typename Function>
struct HandlerTraits;

template<typename Result, typename... Parameters>
struct HandlerTraits<Result (*)(Parameters...)> {
    using Tuple = std::tuple<Parameters...>;
    static constexpr size_t kCount = sizeof...(Parameters);
    static constexpr bool kTakesFrame = [] {
        if constexpr (sizeof...(Parameters) == 0)
            return false;
        else
            return std::is_same_v<std::tuple_element_t<0, Tuple>, TrapFrame&>;
    }();
};

}  // namespace syscall_detail

// Calls `Handler` with the arguments in `frame` decoded to its parameter types and returns
// what belongs in a0.
template<auto Handler>
int64_t invoke(TrapFrame& frame) {
    using Traits = syscall_detail::HandlerTraits<decltype(Handler)>;
    using Tuple = typename Traits::Tuple;
    constexpr size_t kSkip = Traits::kTakesFrame ? 1 : 0;
    static_assert(Traits::kCount - kSkip <= 6, "at most six arguments travel in registers");
    auto argument = [&frame](size_t index) { return frame.x[static_cast<unsigned>(Reg::a0) + index]; };
    auto call = [&]<size_t... I>(std::index_sequence<I...>) {
        if constexpr (Traits::kTakesFrame)
            return Handler(frame, syscall_detail::Decoder<std::tuple_element_t<I + 1, Tuple>>::decode(argument(I))...);
        else
            return Handler(syscall_detail::Decoder<std::tuple_element_t<I, Tuple>>::decode(argument(I))...);
    };
    auto result = call(std::make_index_sequence<Traits::kCount - kSkip> {});
    return syscall_detail::to_register(result);
}
