// PrivateFileObject: a MAP_PRIVATE file mapping's object. See private_file_object.h.
#include "mm/private_file_object.h"

#include <new>

#include "mm/file_object.h"

PrivateFileObject::PrivateFileObject(FileObject& file)
    : VmObject(Sharing::Private, &file)
{
    // The reference that keeps the file's cache alive as long as this object; dropped by
    // the destructor.
    file.ref();
}

PrivateFileObject::~PrivateFileObject() { file()->unref(); }

ErrorOr<RefPtr<PrivateFileObject>> PrivateFileObject::try_create(RefPtr<FileObject> file) {
    ASSERT(file);
    auto* object = new (std::nothrow) PrivateFileObject(*file);
    if (!object)
        return Error::from_errno(ENOMEM);
    return adopt_ref(*object);
}

ErrorOr<Page*> PrivateFileObject::page_for_fault(uint64_t index) {
    if (Page* copy = lookup_page(index))
        return copy;
    return file()->page_for_fault(index);
}

ErrorOr<RefPtr<VmObject>> PrivateFileObject::clone_for_fork(uint64_t first, uint64_t count) const {
    auto* clone = new (std::nothrow) PrivateFileObject(*file());
    if (!clone)
        return Error::from_errno(ENOMEM);
    RefPtr<PrivateFileObject> adopted = adopt_ref(*clone);
    TRY(share_pages_with(*clone, first, count));
    return RefPtr<VmObject>(std::move(adopted));
}

void PrivateFileObject::mapping_added(Vma& vma) { file()->mapping_added(vma); }

void PrivateFileObject::mapping_removed(Vma& vma) { file()->mapping_removed(vma); }

void PrivateFileObject::mappings_merged(Vma& lower, const Vma& upper) { file()->mappings_merged(lower, upper); }
