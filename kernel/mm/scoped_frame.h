// ScopedFrame: one zeroed page frame from the physical allocator that frees itself, for
// code (mostly self-tests) that needs a page-aligned 4 KiB buffer for the length of a scope.
//
// Invariant: ok() is false only if the allocation failed; data() is then not to be used.
#pragma once

#include <cstdint>

#include "mm/physical_allocator.h"

class ScopedFrame {
public:
    ScopedFrame() {
        auto page = allocate_page(ZeroFill::Yes);
        m_page = page.is_error() ? nullptr : page.value();
    }
    ~ScopedFrame() {
        if (m_page)
            free_page(m_page);
    }
    ScopedFrame(const ScopedFrame&) = delete;
    ScopedFrame& operator=(const ScopedFrame&) = delete;

    bool ok() const { return m_page != nullptr; }
    uint8_t* data() const { return static_cast<uint8_t*>(page_to_virt(m_page)); }

private:
    Page* m_page;
};
