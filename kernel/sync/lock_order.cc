// The lock-order checker: see lock_order.h.
#include "sync/lock_order.h"

#include "lib/assert.h"
#include "lib/panic.h"

const char* lock_rank_name(LockRank rank) {
    switch (rank) {
    case LockRank::None: return "None";
    case LockRank::Process: return "Process";
    case LockRank::FileWriters: return "FileWriters";
    case LockRank::AddressSpace: return "AddressSpace";
    case LockRank::VmObject: return "VmObject";
    case LockRank::FilePages: return "FilePages";
    case LockRank::Inode: return "Inode";
    case LockRank::InodeTable: return "InodeTable";
    case LockRank::Log: return "Log";
    case LockRank::BlockCache: return "BlockCache";
    case LockRank::PageQueue: return "PageQueue";
    case LockRank::PageTable: return "PageTable";
    case LockRank::Device: return "Device";
    case LockRank::PhysicalMemory: return "PhysicalMemory";
    case LockRank::KernelHeap: return "KernelHeap";
    case LockRank::ProcessTable: return "ProcessTable";
    case LockRank::Signal: return "Signal";
    case LockRank::BlockedPipe: return "BlockedPipe";
    case LockRank::Pipe: return "Pipe";
    case LockRank::Test: return "Test";
    case LockRank::ThreadExit: return "ThreadExit";
    case LockRank::SleepingLockState: return "SleepingLockState";
    case LockRank::SleepQueue: return "SleepQueue";
    case LockRank::WaitQueue: return "WaitQueue";
    case LockRank::Scheduler: return "Scheduler";
    case LockRank::Console: return "Console";
    case LockRank::Count: break;
    }
    return "?";
}

LockRank HeldLockRanks::highest_rank(uint32_t held) {
    unsigned highest_index = 0;
    // A loop rather than std::bit_width: the kernel has no Zbb and links no libgcc, and the
    // mask has fewer than 32 bits.
    for (uint32_t rest = held >> 1; rest; rest >>= 1)
        ++highest_index;
    return static_cast<LockRank>(highest_index);
}

void HeldLockRanks::check_acquire_slow(LockRank rank, uint32_t held, const char* lock_name) const {
    // The highest rank held is the one that matters: everything below it is fine.
    LockRank highest = highest_rank(held);
    if (highest < rank || (highest == rank && lock_rank_nests(rank)))
        return;
    panic("lock order violated: taking %s (rank %s) while holding a lock of rank %s", lock_name,
          lock_rank_name(rank), lock_rank_name(highest));
}

void HeldLockRanks::released_unheld(LockRank rank) {
    panic("lock order: a lock of rank %s released, but none is held", lock_rank_name(rank));
}

void HeldLockRanks::check_acquire_nested(LockRank rank, const char* lock_name) const {
    if (rank == LockRank::None)
        return;
    if (m_counts[static_cast<unsigned>(rank)] != 1)
        panic("lock order violated: taking %s (rank %s) nested, as the second of a pair, while holding %u of "
              "that rank",
              lock_name, lock_rank_name(rank), unsigned(m_counts[static_cast<unsigned>(rank)]));
    LockRank highest = highest_rank(m_mask);
    if (highest <= rank)
        return;
    panic("lock order violated: taking %s (rank %s, nested) while holding a lock of rank %s", lock_name,
          lock_rank_name(rank), lock_rank_name(highest));
}
