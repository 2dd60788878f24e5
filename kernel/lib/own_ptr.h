// Single ownership: OwnPtr<T>, adopt_own, try_make.
//
// OwnPtr<T> is the one owner of a heap object and deletes it when it goes away. It is
// move-only, so ownership transfers are visible in the code (std::move at each hand-off).
//
// Invariants: a non-null OwnPtr owns its object exclusively; no other OwnPtr points to
// it; moving leaves the source null. Objects must come from `new` (try_make uses
// new (std::nothrow)), because they are freed with `delete`.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

#include "lib/assert.h"
#include "lib/error_or.h"

template<typename T>
class OwnPtr {
public:
    OwnPtr() = default;
    OwnPtr(std::nullptr_t) { }

    // Takes ownership of an object allocated with new. Explicit, so that a raw
    // pointer never silently becomes owned.
    explicit OwnPtr(T* object)
        : m_ptr(object)
    {
    }

    OwnPtr(const OwnPtr&) = delete;
    OwnPtr& operator=(const OwnPtr&) = delete;

    OwnPtr(OwnPtr&& other)
        : m_ptr(other.leak_ptr())
    {
    }

    template<typename U>
        requires std::is_convertible_v<U*, T*>
    OwnPtr(OwnPtr<U>&& other)
        : m_ptr(other.leak_ptr())
    {
    }

    ~OwnPtr() { clear(); }

    OwnPtr& operator=(OwnPtr&& other)
    {
        OwnPtr moved(std::move(other));
        swap(moved);
        return *this;
    }

    template<typename U>
        requires std::is_convertible_v<U*, T*>
    OwnPtr& operator=(OwnPtr<U>&& other)
    {
        OwnPtr moved(std::move(other));
        swap(moved);
        return *this;
    }

    OwnPtr& operator=(std::nullptr_t)
    {
        clear();
        return *this;
    }

    // Deletes the object (if any) and leaves this OwnPtr null.
    void clear()
    {
        T* ptr = m_ptr;
        m_ptr = nullptr;
        delete ptr;
    }

    // Gives up ownership; the caller becomes responsible for deleting the object.
    [[nodiscard]] T* leak_ptr()
    {
        T* ptr = m_ptr;
        m_ptr = nullptr;
        return ptr;
    }

    void swap(OwnPtr& other) { std::swap(m_ptr, other.m_ptr); }

    T* ptr() const { return m_ptr; }

    T* operator->() const
    {
        ASSERT(m_ptr);
        return m_ptr;
    }

    T& operator*() const
    {
        ASSERT(m_ptr);
        return *m_ptr;
    }

    explicit operator bool() const { return m_ptr != nullptr; }
    bool is_null() const { return m_ptr == nullptr; }

    bool operator==(const T* other) const { return m_ptr == other; }
    bool operator==(std::nullptr_t) const { return m_ptr == nullptr; }

private:
    T* m_ptr { nullptr };
};

template<typename T>
OwnPtr<T> adopt_own(T* object)
{
    return OwnPtr<T>(object);
}

// Allocates and constructs a T, returning ENOMEM if memory runs out.
template<typename T, typename... Args>
ErrorOr<OwnPtr<T>> try_make(Args&&... args)
{
    T* object = new (std::nothrow) T(std::forward<Args>(args)...);
    if (!object)
        return Error::from_errno(ENOMEM);
    return OwnPtr<T>(object);
}
