// An intrusive doubly linked list: ListNode hooks embedded in the elements.
//
// Kernel objects (pages on a reclaim queue, threads on a run queue, Vmas on their
// object's mapping list) link themselves into lists without any allocation, so list
// operations cannot fail and an element can unlink itself in O(1) from its hook alone.
//
//     struct Page { ListNode m_queue_node; ... };
//     IntrusiveList<Page, &Page::m_queue_node> inactive;
//
// Shape: the list owns a sentinel ListNode; the elements and the sentinel form one
// circle, so insertion and removal have no special cases for the ends.
//
//     sentinel <-> first <-> ... <-> last <-> (back to sentinel)
//
// Invariants:
//   - A hook is linked (both pointers non-null) exactly while its element is in a
//     list, and an element is in at most one list per hook. Inserting a linked hook
//     or removing an unlinked one is an assertion failure.
//   - size() equals the number of linked elements and is kept in O(1).
//   - The list does not own its elements: destroying or clearing it only unlinks them.
//     A ListNode must be unlinked before its element is destroyed (asserted).
//   - A list holds pointers into itself (the sentinel), so it cannot be copied or moved.
//
// Removing while iterating: range-for reads the next element before the loop body
// runs, so the body may remove (or move to another list) the element it is visiting.
// Removing any other element during the loop, in particular the next one, is not
// allowed. The same holds for explicit iterator loops.
//
// Locking is the owner's business: the list itself is not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lib/assert.h"

namespace detail {

// Recovers the element from a pointer to its embedded hook ("container_of"). The
// Itanium C++ ABI, used by GCC on both x86-64 and RISC-V, represents a pointer to data
// member as the member's byte offset, which avoids fabricating an object at address 0
// (undefined behaviour that the sanitizers rightly report).
template<typename T, typename Node, Node T::*Member>
T* owner_of_member(Node* node)
{
    auto member = Member;
    static_assert(sizeof(member) == sizeof(std::ptrdiff_t));
    std::ptrdiff_t offset;
    __builtin_memcpy(&offset, &member, sizeof(offset));
    return reinterpret_cast<T*>(reinterpret_cast<char*>(node) - offset);
}

} // namespace detail

template<typename T, auto Member>
class IntrusiveList;

class ListNode {
public:
    ListNode() = default;
    ListNode(const ListNode&) = delete;
    ListNode& operator=(const ListNode&) = delete;

    ~ListNode() { ASSERT(!is_linked()); }

    bool is_linked() const { return m_next != nullptr; }

private:
    template<typename T, auto Member>
    friend class IntrusiveList;

    ListNode* m_prev { nullptr };
    ListNode* m_next { nullptr };
};

template<typename T, auto Member>
class IntrusiveList {
    static_assert(std::is_same_v<decltype(Member), ListNode T::*>, "Member must be a ListNode member of T");

public:
    class Iterator {
    public:
        Iterator(ListNode* node)
            : m_node(node)
            , m_next(node->m_next)
        {
        }

        T& operator*() const { return *owner_of(m_node); }
        T* operator->() const { return owner_of(m_node); }

        Iterator& operator++()
        {
            // Step to the remembered successor, not m_node->m_next: m_node may have
            // been unlinked by the loop body.
            m_node = m_next;
            m_next = m_node->m_next;
            return *this;
        }

        bool operator==(const Iterator& other) const { return m_node == other.m_node; }

    private:
        ListNode* m_node;
        ListNode* m_next;
    };

    IntrusiveList()
    {
        m_sentinel.m_prev = &m_sentinel;
        m_sentinel.m_next = &m_sentinel;
    }

    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;

    ~IntrusiveList()
    {
        clear();
        // The sentinel's destructor asserts it is unlinked.
        m_sentinel.m_prev = nullptr;
        m_sentinel.m_next = nullptr;
    }

    bool empty() const { return m_size == 0; }
    size_t size() const { return m_size; }

    T* first() const { return empty() ? nullptr : owner_of(m_sentinel.m_next); }
    T* last() const { return empty() ? nullptr : owner_of(m_sentinel.m_prev); }

    // The neighbours of an element in this list, or nullptr at either end.
    T* next(T& element) const
    {
        ListNode* node = hook(element)->m_next;
        ASSERT(node);
        return node == &m_sentinel ? nullptr : owner_of(node);
    }

    T* prev(T& element) const
    {
        ListNode* node = hook(element)->m_prev;
        ASSERT(node);
        return node == &m_sentinel ? nullptr : owner_of(node);
    }

    void push_front(T& element) { link_after(&m_sentinel, hook(element)); }
    void push_back(T& element) { link_after(m_sentinel.m_prev, hook(element)); }

    // Inserts element immediately before position, which must be in this list.
    void insert_before(T& position, T& element)
    {
        ListNode* node = hook(position);
        ASSERT(node->is_linked());
        link_after(node->m_prev, hook(element));
    }

    // Inserts element immediately after position, which must be in this list.
    void insert_after(T& position, T& element)
    {
        ListNode* node = hook(position);
        ASSERT(node->is_linked());
        link_after(node, hook(element));
    }

    // Unlinks an element, which must be in this list (only its being linked is checked).
    void remove(T& element)
    {
        ListNode* node = hook(element);
        ASSERT(node->is_linked());
        ASSERT(m_size > 0);
        node->m_prev->m_next = node->m_next;
        node->m_next->m_prev = node->m_prev;
        node->m_prev = nullptr;
        node->m_next = nullptr;
        --m_size;
    }

    // Unlinks and returns the first element, or nullptr if the list is empty.
    T* pop_front()
    {
        T* element = first();
        if (element)
            remove(*element);
        return element;
    }

    T* pop_back()
    {
        T* element = last();
        if (element)
            remove(*element);
        return element;
    }

    // Unlinks every element without destroying any.
    void clear()
    {
        while (pop_front()) {
        }
    }

    Iterator begin() { return Iterator(m_sentinel.m_next); }
    Iterator end() { return Iterator(&m_sentinel); }

    // Walks the circle both ways and checks the links and the size; for tests and
    // debug builds. O(n).
    bool validate() const
    {
        size_t count = 0;
        const ListNode* node = &m_sentinel;
        do {
            if (!node->m_next || !node->m_prev || node->m_next->m_prev != node)
                return false;
            node = node->m_next;
            if (node != &m_sentinel && ++count > m_size)
                return false;
        } while (node != &m_sentinel);
        return count == m_size;
    }

private:
    static ListNode* hook(T& element) { return &(element.*Member); }
    static T* owner_of(ListNode* node) { return detail::owner_of_member<T, ListNode, Member>(node); }
    static T* owner_of(const ListNode* node) { return owner_of(const_cast<ListNode*>(node)); }

    void link_after(ListNode* before, ListNode* node)
    {
        ASSERT(!node->is_linked());
        node->m_prev = before;
        node->m_next = before->m_next;
        before->m_next->m_prev = node;
        before->m_next = node;
        ++m_size;
    }

    ListNode m_sentinel;
    size_t m_size { 0 };
};
