// Split virtqueues: see virtqueue.h.
#include "drivers/virtqueue.h"

#include <bit>

#include "arch/riscv64/layout.h"
#include "drivers/virtio_mmio.h"
#include "lib/kprintf.h"
#include "mm/kernel_page_table.h"
#include "mm/kernel_virtual_area.h"
#include "mm/physical_allocator.h"

namespace virtio {

std::optional<uint64_t> dma_address(const void* pointer) {
    auto address = reinterpret_cast<uint64_t>(pointer);
    if (address >= kDirectMapBase && address < kDirectMapBase + kDirectMapSize)
        return virt_to_phys(pointer);
    if (address >= reinterpret_cast<uint64_t>(kernel_start) &&
        address < reinterpret_cast<uint64_t>(kernel_end))
        return kernel_image_phys(pointer);
    if (address >= kKernelVirtualAreaBase && address < kKernelVirtualAreaEnd) {
        auto translation = kernel_page_table().translate(address);
        if (translation)
            return translation->phys;
    }
    return std::nullopt;
}

ErrorOr<OwnPtr<Virtqueue>> Virtqueue::try_create(VirtioMmio& transport, uint16_t index) {
    uint32_t max = transport.queue_max_size(index);
    if (max == 0)
        return Error::from_errno(ENODEV);
    auto size = static_cast<uint16_t>(std::bit_floor(max < kMaxSize ? max : uint32_t{kMaxSize}));
    static_assert(kMaxSize * sizeof(Descriptor) <= kPageSize);
    static_assert(4 + 2 * kMaxSize + 2 <= kUsedRingOffset);
    static_assert(kUsedRingOffset + 4 + kMaxSize * sizeof(UsedElement) + 2 <= kPageSize);

    Page* descriptor_page = TRY(allocate_page(ZeroFill::Yes));
    auto ring_page_or_error = allocate_page(ZeroFill::Yes);
    if (ring_page_or_error.is_error()) {
        free_page(descriptor_page);
        return ring_page_or_error.release_error();
    }
    Page* ring_page = ring_page_or_error.release_value();
    auto* queue = new (std::nothrow) Virtqueue(transport, index, size, descriptor_page, ring_page);
    if (!queue) {
        free_page(descriptor_page);
        free_page(ring_page);
        return Error::from_errno(ENOMEM);
    }
    auto owned = adopt_own(queue);
    uint64_t ring_phys = page_to_phys(ring_page);
    TRY(transport.set_up_queue(index, size, page_to_phys(descriptor_page), ring_phys,
                               ring_phys + kUsedRingOffset));
    return owned;
}

Virtqueue::Virtqueue(VirtioMmio& transport, uint16_t index, uint16_t size, Page* descriptor_page,
                     Page* ring_page)
    : m_transport(transport)
    , m_index(index)
    , m_size(size)
    , m_descriptor_page(descriptor_page)
    , m_ring_page(ring_page)
    , m_descriptors(static_cast<Descriptor*>(page_to_virt(descriptor_page))) {
    // Every descriptor starts on the free list: 0 -> 1 -> ... -> size - 1.
    for (uint16_t i = 0; i < size; ++i)
        m_descriptors[i].next = static_cast<uint16_t>(i + 1);
    m_free_head = 0;
    m_free_count = size;
}

Virtqueue::~Virtqueue() {
    ASSERT(m_in_flight == 0);
    free_page(m_descriptor_page);
    free_page(m_ring_page);
}

volatile uint16_t& Virtqueue::available_index() {
    return *reinterpret_cast<volatile uint16_t*>(static_cast<uint8_t*>(page_to_virt(m_ring_page)) + 2);
}

volatile uint16_t& Virtqueue::available_slot(uint16_t position) {
    auto* ring = reinterpret_cast<volatile uint16_t*>(static_cast<uint8_t*>(page_to_virt(m_ring_page)) + 4);
    return ring[position & (m_size - 1)];
}

volatile uint16_t& Virtqueue::used_index() {
    return *reinterpret_cast<volatile uint16_t*>(static_cast<uint8_t*>(page_to_virt(m_ring_page)) +
                                                 kUsedRingOffset + 2);
}

volatile Virtqueue::UsedElement& Virtqueue::used_slot(uint16_t position) {
    auto* ring = reinterpret_cast<volatile UsedElement*>(static_cast<uint8_t*>(page_to_virt(m_ring_page)) +
                                                         kUsedRingOffset + 4);
    return ring[position & (m_size - 1)];
}

ErrorOr<void> Virtqueue::submit(std::span<const Buffer> chain, Completion& completion) {
    if (chain.empty() || chain.size() > m_size)
        return Error::from_errno(EINVAL);
    {
        SpinlockLocker locker(m_lock);
        if (m_free_count < chain.size()) {
            ++m_descriptor_waits;
            m_space_waiters.wait_until(m_lock, [&] { return m_free_count >= chain.size(); });
        }

        // Pop the chain off the free list. Consecutive free-list entries are already linked
        // through `next`, so only the flags of the last one end the chain.
        uint16_t head = m_free_head;
        uint16_t current = head;
        for (size_t i = 0; i < chain.size(); ++i) {
            Descriptor& descriptor = m_descriptors[current];
            descriptor.address = chain[i].phys;
            descriptor.length = chain[i].length;
            uint16_t flags = chain[i].direction == BufferDirection::DeviceWrites ? kDescriptorWrite : 0;
            if (i + 1 < chain.size())
                flags |= kDescriptorNext;
            descriptor.flags = flags;
            if (i + 1 < chain.size())
                current = descriptor.next;
        }
        m_free_head = m_descriptors[current].next;
        m_free_count = static_cast<uint16_t>(m_free_count - chain.size());

        completion.m_done = false;
        completion.m_used_length = 0;
        m_completions[head] = &completion;
        available_slot(m_next_available) = head;
        ++m_next_available;
        // The device may look at the ring as soon as it sees the new index, so the index
        // is written last.
        asm volatile("fence w, w" ::: "memory");
        available_index() = m_next_available;

        ++m_submitted;
        if (++m_in_flight > m_peak_in_flight)
            m_peak_in_flight = m_in_flight;
    }
    // Outside the lock: the notification only says "look at the ring", which now holds our
    // chain; if another submitter's notification gets there first, the device sees ours too.
    m_transport.notify(m_index);
    return {};
}

void Virtqueue::wait(Completion& completion) {
    SpinlockLocker locker(m_lock);
    completion.m_waiters.wait_until(m_lock, [&] { return completion.m_done; });
}

void Virtqueue::handle_used_buffers() {
    SpinlockLocker locker(m_lock);
    bool freed = false;
    for (;;) {
        uint16_t device_index = used_index();
        if (device_index == m_last_used)
            break;
        // The element (and the data the device wrote before it) must be read after the
        // index that published it.
        asm volatile("fence r, r" ::: "memory");
        while (m_last_used != device_index) {
            volatile UsedElement& element = used_slot(m_last_used);
            uint32_t head = element.id;
            uint32_t length = element.length;
            ++m_last_used;
            if (head >= m_size || !m_completions[head]) {
                // A device that returns a chain we never gave it is broken; ignoring the
                // element keeps our own bookkeeping intact.
                kprintf("virtqueue %u: device used unknown descriptor %u\n", m_index, head);
                continue;
            }
            // Give the whole chain back: walk to its last descriptor and splice.
            uint16_t last = static_cast<uint16_t>(head);
            uint16_t count = 1;
            while (m_descriptors[last].flags & kDescriptorNext) {
                last = m_descriptors[last].next;
                ++count;
            }
            m_descriptors[last].next = m_free_head;
            m_free_head = static_cast<uint16_t>(head);
            m_free_count = static_cast<uint16_t>(m_free_count + count);
            freed = true;

            Completion* completion = m_completions[head];
            m_completions[head] = nullptr;
            completion->m_used_length = length;
            completion->m_done = true;
            // Under m_lock: the waiter cannot return from wait() (and destroy the
            // Completion) before it gets m_lock back, which is after this call.
            completion->m_waiters.wake_one();
            --m_in_flight;
            ++m_completed;
        }
    }
    if (freed)
        m_space_waiters.wake_all();
}

VirtqueueStatistics Virtqueue::statistics() {
    SpinlockLocker locker(m_lock);
    return {m_submitted, m_completed, m_in_flight, m_peak_in_flight, m_descriptor_waits};
}

}  // namespace virtio
