// VmObject, AnonObject and SharedAnonObject: see vm_object.h.
#include "mm/vm_object.h"

#include "lib/assert.h"
#include "mm/physical_allocator.h"

VmObject::~VmObject() {
    // Each frame loses this object's reference; frames shared with another object (fork)
    // live on there. The others go back to the allocator in one batch.
    FreeBatch freed;
    m_pages.for_each([&freed](uint64_t, Page* page) { page_unref_into(page, freed); });
    m_pages.clear();
    free_page_batch(freed);
}

void VmObject::remove_pages(uint64_t first, uint64_t count) {
    uint64_t end = first + count;
    uint64_t index = first;
    FreeBatch freed;
    while (auto entry = m_pages.find_next(index)) {
        if (entry->index >= end)
            break;
        m_pages.erase(entry->index);
        page_unref_into(entry->value, freed);
        index = entry->index + 1;
    }
    free_page_batch(freed);
}

ErrorOr<Page*> VmObject::page_for_fault(uint64_t index) {
    PagePlace place = m_pages.place(index);
    if (Page* page = page_at(place))
        return page;
    if (Page* page = zero_fill_at(place, index))
        return page;
    return Error::from_errno(ENOMEM);
}

ErrorOr<RefPtr<VmObject>> VmObject::clone_for_fork(uint64_t, uint64_t) const {
    // A shared object: the child maps the very same object, so stores on either side land
    // in the same frames, and the object outlives whichever side goes first. (Private
    // kinds override this.)
    ASSERT(is_shared());
    return RefPtr<VmObject>(const_cast<VmObject*>(this));
}

ErrorOr<void> VmObject::share_pages_with(VmObject& clone, uint64_t first, uint64_t count) const {
    ASSERT(!is_shared() && clone.m_pages.size() == 0);
    // The tree is copied node by node, and only once the copy is whole does each frame get
    // the clone's reference, so a failure has no references to give back: the clone dies
    // empty. The reference is page_ref()'s relaxed atomic add, written out here because a
    // call per page is a measurable share of fork: the count must stay atomic, since the
    // frame may be shared already and another address space may drop its reference now.
    return clone.m_pages.try_clone_from(m_pages, first, count, [](Page* page) {
        uint32_t old = page->ref_count.fetch_add(1, std::memory_order_relaxed);
        ASSERT(old > 0);
    });
}

ErrorOr<RefPtr<AnonObject>> AnonObject::try_create() {
    auto* object = new (std::nothrow) AnonObject();
    if (!object)
        return Error::from_errno(ENOMEM);
    return adopt_ref(*object);
}

ErrorOr<RefPtr<VmObject>> AnonObject::clone_for_fork(uint64_t first, uint64_t count) const {
    auto clone = TRY(AnonObject::try_create());
    TRY(share_pages_with(*clone, first, count));
    return RefPtr<VmObject>(std::move(clone));
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
