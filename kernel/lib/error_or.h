// Errors as values: Error, ErrorOr<T>, ErrorOr<void>, and the TRY / MUST macros.
//
// The kernel has no exceptions. A function that can fail returns ErrorOr<T>: either a
// T or an Error holding a positive errno code (lib/errno.h). Callers propagate with
// TRY, which returns the error from the enclosing function and otherwise yields the
// value; code that knows an operation cannot fail says so with MUST, which asserts.
//
//     ErrorOr<OwnPtr<Inode>> Inode::try_create(...)
//     {
//         auto block = TRY(allocate_block());      // Returns the error if it failed.
//         auto inode = TRY(try_make<Inode>(block)); // Yields OwnPtr<Inode> otherwise.
//         TRY(inode->write_back());                 // ErrorOr<void> works the same way.
//         return inode;
//     }
//
// Invariants: an ErrorOr holds exactly one of a value or an Error, chosen at
// construction and never changed (release_value() moves the value out but the object
// still counts as holding a value). Error codes are always positive. Asking for the
// value of an error, or the error of a value, is an assertion failure.
//
// ErrorOr<T> is [[nodiscard]]: dropping an error on the floor is a bug. Storage is a
// union with placement new, not std::variant, because the freestanding build cannot
// rely on the latter. References are not supported as T.
#pragma once

#include <new>
#include <type_traits>
#include <utility>

#include "lib/assert.h"
#include "lib/errno.h"

class Error {
public:
    // Makes an Error from a positive errno code such as ENOMEM.
    static constexpr Error from_errno(int code)
    {
        ASSERT(code > 0);
        return Error(code);
    }

    constexpr int code() const { return m_code; }

    // The symbolic name of the code ("ENOMEM"), for messages.
    const char* name() const { return errno_name(m_code); }

    constexpr bool operator==(const Error&) const = default;

private:
    explicit constexpr Error(int code)
        : m_code(code)
    {
    }

    int m_code;
};

template<typename T>
class [[nodiscard]] ErrorOr {
    static_assert(!std::is_reference_v<T>, "ErrorOr does not hold references");
    static_assert(!std::is_same_v<std::remove_cv_t<T>, Error>, "use ErrorOr<void> to return only an error");

public:
    using ValueType = T;

    ErrorOr(const T& value)
        requires std::is_copy_constructible_v<T>
        : m_is_error(false)
    {
        new (&m_value) T(value);
    }

    ErrorOr(T&& value)
        : m_is_error(false)
    {
        new (&m_value) T(std::move(value));
    }

    // Accepts anything convertible to T, so that `return 0;` works for ErrorOr<size_t>
    // and `return adopt_own(*derived);` works for ErrorOr<OwnPtr<Base>>.
    template<typename U>
        requires(!std::is_same_v<std::remove_cvref_t<U>, T> && !std::is_same_v<std::remove_cvref_t<U>, Error>
                 && !std::is_same_v<std::remove_cvref_t<U>, ErrorOr> && std::is_convertible_v<U &&, T>)
    ErrorOr(U&& value)
        : m_is_error(false)
    {
        new (&m_value) T(std::forward<U>(value));
    }

    ErrorOr(Error error)
        : m_error(error)
        , m_is_error(true)
    {
    }

    ErrorOr(const ErrorOr& other)
        requires std::is_copy_constructible_v<T>
        : m_error(other.m_error)
        , m_is_error(other.m_is_error)
    {
        if (!m_is_error)
            new (&m_value) T(other.m_value);
    }

    ErrorOr(ErrorOr&& other)
        : m_error(other.m_error)
        , m_is_error(other.m_is_error)
    {
        if (!m_is_error)
            new (&m_value) T(std::move(other.m_value));
    }

    ErrorOr& operator=(const ErrorOr& other)
        requires std::is_copy_constructible_v<T>
    {
        if (this != &other) {
            destroy();
            construct_from(other);
        }
        return *this;
    }

    ErrorOr& operator=(ErrorOr&& other)
    {
        if (this != &other) {
            destroy();
            construct_from(std::move(other));
        }
        return *this;
    }

    ~ErrorOr() { destroy(); }

    bool is_error() const { return m_is_error; }

    Error error() const
    {
        ASSERT(m_is_error);
        return m_error;
    }

    // Same as error(); the name reads better in TRY's expansion.
    Error release_error() const { return error(); }

    T& value() &
    {
        ASSERT(!m_is_error);
        return m_value;
    }

    const T& value() const&
    {
        ASSERT(!m_is_error);
        return m_value;
    }

    // Moves the value out. The ErrorOr keeps a moved-from T, destroyed with it.
    T release_value()
    {
        ASSERT(!m_is_error);
        return std::move(m_value);
    }

private:
    template<typename Other>
    void construct_from(Other&& other)
    {
        m_error = other.m_error;
        m_is_error = other.m_is_error;
        if (!m_is_error)
            new (&m_value) T(std::forward<Other>(other).m_value);
    }

    void destroy()
    {
        if (!m_is_error)
            m_value.~T();
    }

    union {
        T m_value;
    };
    // Meaningful only when m_is_error; otherwise a placeholder code that is never read.
    Error m_error { Error::from_errno(EINVAL) };
    bool m_is_error;
};

template<>
class [[nodiscard]] ErrorOr<void> {
public:
    using ValueType = void;

    // The default ErrorOr<void> is success, so `return {};` reports success.
    ErrorOr() = default;

    ErrorOr(Error error)
        : m_error(error)
        , m_is_error(true)
    {
    }

    bool is_error() const { return m_is_error; }

    Error error() const
    {
        ASSERT(m_is_error);
        return m_error;
    }

    Error release_error() const { return error(); }

    // Exists so that TRY and MUST expand the same way for void as for values.
    void release_value() const { ASSERT(!m_is_error); }

private:
    Error m_error { Error::from_errno(EINVAL) };
    bool m_is_error = false;
};

// Evaluates an ErrorOr expression; on error, returns the Error from the enclosing
// function (whose return type must be constructible from Error, e.g. any ErrorOr);
// otherwise the whole TRY(...) expression is the released value (or void). Uses a GCC
// statement expression, so it works in any expression position but not in a
// constructor's member-initializer list.
#define TRY(expression)                                                               \
    ({                                                                                \
        auto&& _atlas_try_result = (expression);                                      \
        if (_atlas_try_result.is_error()) [[unlikely]]                                \
            return _atlas_try_result.release_error();                                 \
        _atlas_try_result.release_value();                                            \
    })

// Like TRY for operations that cannot fail in context: asserts success and yields the
// value. A failure means the caller's reasoning was wrong, so the kernel stops.
#define MUST(expression)                                                              \
    ({                                                                                \
        auto&& _atlas_must_result = (expression);                                     \
        ASSERT(!_atlas_must_result.is_error());                                       \
        _atlas_must_result.release_value();                                           \
    })
