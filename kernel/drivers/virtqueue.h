// Virtqueue: one split virtqueue (virtio 1.x, section "Split Virtqueues"), the ring through
// which a driver hands buffers to a device and gets them back, with a completion per request.
//
// Three areas of memory, shared with the device, each in its own zeroed page frame:
//
//   descriptor table  size x {addr u64, len u32, flags u16, next u16}    driver writes
//   available ring    {flags u16, idx u16, ring[size] u16}                driver writes
//   used ring         {flags u16, idx u16, ring[size] {id u32, len u32}}  device writes
//
// A request is a chain of descriptors linked by NEXT (buffers the device reads first, then
// the ones it writes). The driver puts the chain's head index into the available ring and
// bumps avail.idx; the device later puts {head, bytes written} into the used ring and bumps
// used.idx, then raises an interrupt.
//
// Descriptors not in any chain form a free list linked through their own `next` fields
// (the device never reads a descriptor that is not in a published chain), so allocating a
// chain of n is n pops and freeing it is one splice: O(n), no scan.
//
// Completion: the submitter passes a Completion, which lives on its own stack until wait()
// returns. The interrupt handler (handle_used_buffers) marks it done and wakes the one
// thread sleeping on it; a submitter that finds too few free descriptors sleeps on the
// queue's space wait queue until a completion frees some. Nothing busy-waits.
//
// Memory ordering (RISC-V, device sees physical memory as another hart would):
//   submit: descriptors and ring slot written -> fence w,w -> avail.idx written
//           -> fence w,o -> notify (an MMIO write)
//   interrupt: InterruptStatus acknowledged (fence o,r) -> used.idx read -> fence r,r ->
//           used elements and the data the device wrote are read
//
// Invariants (under m_lock): m_free_count is the length of the free list; every descriptor
// is either on the free list or in exactly one chain published and not yet used; a head
// index with a non-null m_completions entry is exactly a chain in flight; m_in_flight is
// the number of those.
//
// Locking: m_lock (rank Device) guards everything above; it is taken by submitters and by
// the interrupt handler, never held across sleeping except through WaitQueue::sleep.
// submit() and wait() must be called from a thread holding no spinlock (they may sleep);
// handle_used_buffers() from the interrupt handler or any context that may take m_lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "lib/error_or.h"
#include "lib/own_ptr.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

struct Page;

namespace virtio {

class VirtioMmio;

// Whether the device reads a buffer (data we send) or writes it (data we receive).
enum class BufferDirection : uint8_t { DeviceReads, DeviceWrites };

// One physically contiguous piece of a request.
struct Buffer {
    uint64_t phys;
    uint32_t length;
    BufferDirection direction;
};

// The physical address of kernel memory the device may access: direct-mapped memory, the
// kernel image, or a mapped page of the kernel virtual area (a kernel stack or a large heap
// block; only up to the end of that page is contiguous). nullopt for anything else.
std::optional<uint64_t> dma_address(const void* pointer);

// What a request's submitter waits on. Touched by the virtqueue under its lock only.
class Completion {
public:
    Completion() = default;
    Completion(const Completion&) = delete;
    Completion& operator=(const Completion&) = delete;

    // Bytes the device reported writing into the chain's device-writable buffers. Valid
    // once Virtqueue::wait() has returned.
    uint32_t used_length() const { return m_used_length; }

private:
    friend class Virtqueue;

    bool m_done{false};
    uint32_t m_used_length{0};
    WaitQueue m_waiters{"virtio completion"};
};

struct VirtqueueStatistics {
    uint64_t submitted;
    uint64_t completed;
    uint32_t in_flight;
    // The most requests ever in flight at once, and how often a submitter had to sleep
    // for descriptors: evidence for tests that requests really overlap.
    uint32_t peak_in_flight;
    uint64_t descriptor_waits;
};

class Virtqueue {
public:
    // Largest size used: each of the three areas then fits in one page frame (the page
    // allocator hands out single frames, never contiguous runs).
    static constexpr uint16_t kMaxSize = 256;

    // Allocates and zeroes the rings for queue `index` of `transport`, sized
    // min(device maximum, kMaxSize) rounded down to a power of two, and enables the queue.
    // ENODEV if the device has no such queue, ENOMEM, or the transport's errors.
    static ErrorOr<OwnPtr<Virtqueue>> try_create(VirtioMmio& transport, uint16_t index);

    // The device must have been reset first (it may otherwise still use the rings).
    ~Virtqueue();

    Virtqueue(const Virtqueue&) = delete;
    Virtqueue& operator=(const Virtqueue&) = delete;

    uint16_t size() const { return m_size; }
    uint16_t index() const { return m_index; }

    // Publishes `chain` as one request and notifies the device; `completion` must stay alive
    // until wait(completion) returns. Sleeps while fewer than chain.size() descriptors are
    // free. EINVAL for an empty chain or one longer than size(). Call with no spinlock held.
    ErrorOr<void> submit(std::span<const Buffer> chain, Completion& completion);

    // Sleeps until the request of `completion` has been used by the device. Call with no
    // spinlock held.
    void wait(Completion& completion);

    // Completes every chain the device has put in the used ring since the last call: frees
    // its descriptors, marks its Completion done and wakes its waiter. Called by the device's
    // interrupt handler after the transport acknowledged the interrupt. Takes m_lock.
    void handle_used_buffers();

    VirtqueueStatistics statistics();

private:
    struct Descriptor {
        uint64_t address;
        uint32_t length;
        uint16_t flags;
        uint16_t next;
    };
    static_assert(sizeof(Descriptor) == 16);

    struct UsedElement {
        uint32_t id;
        uint32_t length;
    };

    static constexpr uint16_t kDescriptorNext = 1;
    static constexpr uint16_t kDescriptorWrite = 2;
    // Offsets in the ring page: the available ring first, the used ring (4-byte aligned,
    // 6 + 8 * size bytes) after it.
    static constexpr size_t kUsedRingOffset = 1024;

    Virtqueue(VirtioMmio& transport, uint16_t index, uint16_t size, Page* descriptor_page, Page* ring_page);

    volatile uint16_t& available_index();
    volatile uint16_t& available_slot(uint16_t position);
    volatile uint16_t& used_index();
    volatile UsedElement& used_slot(uint16_t position);

    VirtioMmio& m_transport;
    uint16_t m_index;
    uint16_t m_size;
    Page* m_descriptor_page;
    Page* m_ring_page;
    Descriptor* m_descriptors;  // The descriptor table, through the direct map.

    Spinlock m_lock{"virtqueue", LockRank::Device};
    // Guarded by m_lock.
    uint16_t m_free_head{0};
    uint16_t m_free_count{0};
    uint16_t m_next_available{0};           // The driver's copy of avail.idx.
    uint16_t m_last_used{0};                // used.idx as of the last handle_used_buffers().
    Completion* m_completions[kMaxSize]{};  // By head index; null when not in flight.
    uint32_t m_in_flight{0};
    uint32_t m_peak_in_flight{0};
    uint64_t m_submitted{0};
    uint64_t m_completed{0};
    uint64_t m_descriptor_waits{0};
    WaitQueue m_space_waiters{"virtqueue space"};
};

}  // namespace virtio
