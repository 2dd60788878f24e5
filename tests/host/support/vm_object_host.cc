// The out-of-line members of VmObject for host builds, where kernel/mm/vma.cc is compiled
// for the mapping-arithmetic tests (vm_mapping_model_test.cc). Those tests make Vmas
// without objects, so nothing here ever runs; the definitions exist because a Vma holds a
// RefPtr<VmObject>, whose type information the sanitizers' vptr checks refer to. The real
// ones (kernel/mm/vm_object.cc) need the physical allocator, which the host does not have.
#include <cstdlib>

#include "mm/vm_object.h"

VmObject::~VmObject() { m_pages.clear(); }

ErrorOr<Page*> VmObject::page_for_fault(uint64_t) {
    // No frames on the host: a test that gets here has made an object it should not have.
    std::abort();
}

ErrorOr<RefPtr<VmObject>> VmObject::clone_for_fork(uint64_t, uint64_t) const {
    // No fork on the host either.
    std::abort();
}
