// VmObject and AnonObject: see vm_object.h.
#include "mm/vm_object.h"

#include "lib/assert.h"
#include "mm/physical_allocator.h"

VmObject::~VmObject() {
    // Each frame loses this object's reference; frames shared with another object (fork)
    // live on there.
    m_pages.for_each([](uint64_t, Page* page) { page_unref(page); });
    m_pages.clear();
}

ErrorOr<void> VmObject::insert_page(uint64_t index, Page* page) {
    ASSERT(page && page->ref_count.load(std::memory_order_relaxed) >= 1);
    return m_pages.insert(index, page);
}

void VmObject::replace_page(uint64_t index, Page* page) {
    ASSERT(page);
    Page* old = m_pages.replace(index, page);
    ASSERT(old);
    page_unref(old);
}

void VmObject::remove_pages(uint64_t first, uint64_t count) {
    uint64_t end = first + count;
    uint64_t index = first;
    while (auto entry = m_pages.find_next(index)) {
        if (entry->index >= end)
            break;
        m_pages.erase(entry->index);
        page_unref(entry->value);
        index = entry->index + 1;
    }
}

ErrorOr<Page*> VmObject::page_for_fault(uint64_t index) {
    if (Page* page = m_pages.lookup(index))
        return page;
    // Demand-zero: the first touch of the page, whatever the access.
    Page* page = TRY(allocate_page(ZeroFill::Yes, PageUse::Anonymous));
    page->owner = this;
    page->index = index;
    if (auto inserted = m_pages.insert(index, page); inserted.is_error()) {
        free_page(page);
        return inserted.release_error();
    }
    return page;
}

ErrorOr<RefPtr<AnonObject>> AnonObject::try_create() {
    auto* object = new (std::nothrow) AnonObject();
    if (!object)
        return Error::from_errno(ENOMEM);
    return adopt_ref(*object);
}

ErrorOr<RefPtr<AnonObject>> AnonObject::try_clone_shared(uint64_t first, uint64_t count) const {
    auto clone = TRY(AnonObject::try_create());
    uint64_t end = first + count;
    uint64_t index = first;
    while (auto entry = m_pages.find_next(index)) {
        if (entry->index >= end)
            break;
        // The clone's reference is taken before the insert so that a failure can drop it
        // with the clone (whose destructor unrefs what it holds).
        page_ref(entry->value);
        auto inserted = clone->insert_page(entry->index, entry->value);
        if (inserted.is_error()) {
            page_unref(entry->value);
            return inserted.release_error();
        }
        index = entry->index + 1;
    }
    return clone;
}

ErrorOr<RefPtr<SharedAnonObject>> SharedAnonObject::try_create() {
    auto* object = new (std::nothrow) SharedAnonObject();
    if (!object)
        return Error::from_errno(ENOMEM);
    return adopt_ref(*object);
}

ErrorOr<Page*> SharedAnonObject::page_for_fault(uint64_t index) {
    MutexLocker locker(m_lock);
    return VmObject::page_for_fault(index);
}
