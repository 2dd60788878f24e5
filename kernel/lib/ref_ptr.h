// Intrusive reference counting: RefCounted<T>, RefPtr<T>, adopt_ref, try_make_ref_counted.
//
// An object shared by several owners (a VmObject mapped by many Vmas, an open file in
// several descriptor tables) derives from RefCounted<T> and is held through RefPtr<T>.
// The count lives in the object, so a raw T& can always be turned back into a RefPtr.
//
// Invariants:
//   - A RefCounted object is born with a count of one. That first reference belongs
//     to whoever created it and must be taken over with adopt_ref() (which the factory
//     try_make_ref_counted() does), never by constructing a RefPtr from a raw pointer,
//     which would add a second reference and leak the object.
//   - The count changes atomically, so RefPtrs to one object may be copied and dropped
//     on different harts. Dropping the last reference deletes the object through T*,
//     so a class hierarchy needs a virtual destructor or T must be the most derived type.
//   - A non-null RefPtr always owns exactly one reference to its object.
//
// Construction that can run out of memory goes through try_make_ref_counted<T>(...),
// which uses new (std::nothrow) and reports ENOMEM instead of failing silently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

#include "lib/assert.h"
#include "lib/error_or.h"

template<typename T>
class RefCounted {
public:
    RefCounted(const RefCounted&) = delete;
    RefCounted& operator=(const RefCounted&) = delete;

    void ref() const
    {
        // Relaxed is enough to take a reference: the caller already holds one, which
        // keeps the object alive and orders everything before it.
        uint32_t old = __atomic_fetch_add(&m_ref_count, 1, __ATOMIC_RELAXED);
        ASSERT(old > 0);
    }

    // Takes a reference unless the count has already reached zero (the object is being
    // destroyed): for finding objects through a raw pointer kept alive by a lock that the
    // destructor also takes (the page queues find a page's FileObject this way).
    bool try_ref() const
    {
        uint32_t count = __atomic_load_n(&m_ref_count, __ATOMIC_RELAXED);
        while (count != 0) {
            if (__atomic_compare_exchange_n(&m_ref_count, &count, count + 1, true, __ATOMIC_ACQUIRE,
                                            __ATOMIC_RELAXED))
                return true;
        }
        return false;
    }

    void unref() const
    {
        // Release publishes this owner's writes; the acquire in the final decrement
        // makes every owner's writes visible to the destructor.
        uint32_t old = __atomic_fetch_sub(&m_ref_count, 1, __ATOMIC_ACQ_REL);
        ASSERT(old > 0);
        if (old == 1)
            delete static_cast<const T*>(this);
    }

    // A snapshot for assertions and debug dumps; it may be stale as soon as it is read.
    uint32_t ref_count() const { return __atomic_load_n(&m_ref_count, __ATOMIC_RELAXED); }

protected:
    RefCounted() = default;
    ~RefCounted() = default;

private:
    mutable uint32_t m_ref_count { 1 };
};

template<typename T>
class RefPtr {
public:
    enum class AdoptTag { Adopt };

    RefPtr() = default;
    RefPtr(std::nullptr_t) { }

    // Takes a new reference to an object someone else already owns.
    RefPtr(T& object)
        : m_ptr(&object)
    {
        m_ptr->ref();
    }

    RefPtr(T* object)
        : m_ptr(object)
    {
        if (m_ptr)
            m_ptr->ref();
    }

    // Takes over a reference the caller already owns; see adopt_ref().
    RefPtr(AdoptTag, T& object)
        : m_ptr(&object)
    {
    }

    RefPtr(const RefPtr& other)
        : RefPtr(other.m_ptr)
    {
    }

    RefPtr(RefPtr&& other)
        : m_ptr(other.leak_ref())
    {
    }

    template<typename U>
        requires std::is_convertible_v<U*, T*>
    RefPtr(const RefPtr<U>& other)
        : RefPtr(other.ptr())
    {
    }

    template<typename U>
        requires std::is_convertible_v<U*, T*>
    RefPtr(RefPtr<U>&& other)
        : m_ptr(other.leak_ref())
    {
    }

    ~RefPtr() { clear(); }

    RefPtr& operator=(const RefPtr& other)
    {
        // Copy first, so that assigning a RefPtr to itself or to an alias of its own
        // object never drops the last reference in between.
        RefPtr copy(other);
        swap(copy);
        return *this;
    }

    RefPtr& operator=(RefPtr&& other)
    {
        RefPtr moved(std::move(other));
        swap(moved);
        return *this;
    }

    template<typename U>
        requires std::is_convertible_v<U*, T*>
    RefPtr& operator=(RefPtr<U>&& other)
    {
        RefPtr moved(std::move(other));
        swap(moved);
        return *this;
    }

    RefPtr& operator=(std::nullptr_t)
    {
        clear();
        return *this;
    }

    // Drops this RefPtr's reference (if any) and leaves it null.
    void clear()
    {
        T* ptr = m_ptr;
        m_ptr = nullptr;
        if (ptr)
            ptr->unref();
    }

    // Gives up ownership without dropping the reference; the caller must eventually
    // hand it back with adopt_ref() or call unref() itself.
    [[nodiscard]] T* leak_ref()
    {
        T* ptr = m_ptr;
        m_ptr = nullptr;
        return ptr;
    }

    void swap(RefPtr& other) { std::swap(m_ptr, other.m_ptr); }

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

    template<typename U>
    bool operator==(const RefPtr<U>& other) const
    {
        return m_ptr == other.ptr();
    }
    bool operator==(const T* other) const { return m_ptr == other; }
    bool operator==(std::nullptr_t) const { return m_ptr == nullptr; }

private:
    T* m_ptr { nullptr };
};

// Wraps the reference an object was born with (or one leaked with leak_ref()).
template<typename T>
RefPtr<T> adopt_ref(T& object)
{
    return RefPtr<T>(RefPtr<T>::AdoptTag::Adopt, object);
}

// Allocates and constructs a T, returning ENOMEM if memory runs out.
template<typename T, typename... Args>
ErrorOr<RefPtr<T>> try_make_ref_counted(Args&&... args)
{
    T* object = new (std::nothrow) T(std::forward<Args>(args)...);
    if (!object)
        return Error::from_errno(ENOMEM);
    return adopt_ref(*object);
}
