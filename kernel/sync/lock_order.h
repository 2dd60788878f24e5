// The global lock order of the kernel, written down once.
//
// A thread may take a lock only if every lock it already holds comes earlier in this
// list (has a smaller rank). Two locks of the same rank may be held together only where
// the rank says how they are ordered among themselves (two inodes, by the inode pair rule
// below). Following one order everywhere makes deadlock impossible.
//
//   outermost (taken first)
//     Process           per-process sleeping locks: an open file's offset, the console's
//                       line editor (sleeping)
//     FileWriters       a file's writers-and-truncation lock (FileObject): held by a
//                       truncation around the address-space locks a shrink takes, and by
//                       a write() around its copy from user memory, whose faults take
//                       address-space and object locks, this file's own included; taken
//                       inside an open file's offset lock (sleeping)
//     AddressSpace      AddressSpace rw-lock: the Vma tree and its generation (sleeping)
//     VmObject          the lock of a FileObject or SharedAnonObject (sleeping); never
//                       two at once (see lock_rank_nests)
//     FilePages         a FileObject's page-tree rw-lock: taken for writing (inside the
//                       object's lock) by whoever puts a page into the cache or takes one
//                       out, for reading (without the object's lock) by a read fault on a
//                       cached page while it maps it; nothing sleeping is taken under it
//                       (sleeping)
//     Inode             inode contents and block map (sleeping); two at most, by the
//                       inode pair rule below
//     InodeTable        a file system's in-memory inodes by number and the LRU of unused
//                       ones (spinlock): path lookups take it under a directory's lock;
//                       nothing is taken under it but the WaitQueue lock of a lookup that
//                       sleeps until an eviction of its inode is over
//     Log               the file-system log's transaction state (spinlock)
//     BlockCache        the block cache and its buffers (spinlock)
//     PageQueue         the reclaim queues (active, inactive) (spinlock)
//     PageTable         page-table pages of one address space (spinlock)
//     Device            driver state: virtio queues, the UART ring, the PLIC (spinlock)
//     PhysicalMemory    the physical page allocator's free list (spinlock); each hart's
//                       frame cache is a bare flag taken after it, with nothing inside
//     KernelHeap        the kernel heap and the kernel virtual area (spinlock)
//     ProcessTable      the process table: pids, parent/child links, states, exit
//                       statuses; wait() sleeps on it (spinlock)
//     Signal            a process's signal dispositions, mask and pending set (spinlock)
//     BlockedPipe       a process's record of the pipe it is blocked on, for kill (spinlock)
//     Pipe              one pipe's ring and end counts; readers and writers sleep on it
//                       (spinlock)
//     Test              locks that self-tests create (so tests exercise the checker)
//     ThreadExit        a thread's exit flag and code, for join (spinlock)
//     SleepingLockState the spinlock guarding a Mutex's or RwLock's own state
//     SleepQueue        threads sleeping until a timer tick (spinlock)
//     WaitQueue         the lock inside every WaitQueue (spinlock)
//     Scheduler         the run queue and every thread's state (spinlock)
//     Console           kprintf's lock: anything may print while holding anything
//   innermost (taken last)
//
// Sleeping locks (Mutex, RwLock) must come before every spinlock: a thread holding a
// spinlock may not sleep, so it can never wait for a sleeping lock. The Console lock is a
// bare test-and-set lock outside this checker (it must work inside panic()); it is listed
// so that nobody tries to take a lock while printing.
//
// The process locks come after the allocators on purpose: nothing allocates or frees
// memory under them (a Process, ProcessGroup or Pipe whose last reference goes away is
// dropped after the lock is released), and the checker enforces it. Under them come only
// the wait queues they sleep on and the scheduler. kill() nests all four, in this order
// (Process::post_signal_locked): find the process in the table, post the signal, read the
// pipe it is blocked on, wake that pipe's sleepers; so do exit's SIGCHLD and the alarms'
// SIGALRM. Being spinlocks only, they may be taken in an interrupt handler, and are: the
// alarms' SIGALRM from the timer interrupt, and the console's Ctrl-C, which signals the
// foreground group from the UART's receive interrupt (proc/console_file.h). There only
// sleeping locks of the interrupted thread can be held, all of them ranked before these
// (interrupts are off under every spinlock, so neither finds one of these held on its own
// hart).
//
// The inode pair rule. A thread holds at most two inode locks, and takes the second only
// through Mutex::lock_nested (NestedMutexLocker), never through a plain lock():
//   1. a directory before an inode it names: the parent before the child (create, link,
//      unlink, rmdir). A non-directory is never locked before a directory;
//   2. two directories only as parent and child, the parent first (rmdir, which checks the
//      child's ".." once it holds both). Two unrelated directories are never locked
//      together (a rename would first need a file-system-wide rename lock, as Linux has);
//   3. two non-directories (no operation does it today) by inode number, the lower first.
// An inode is never paired with itself: a name that resolves to its own directory ("."),
// to the directory's parent (".."), or to a directory at all where a non-directory is
// wanted (link's source) is refused before the second lock. fs::lock_second_inode
// (fs/inode.h) asserts the rule; the checker below panics on a second inode lock taken any
// other way.
//
// Checking: a Spinlock, Mutex or RwLock constructed with a rank other than LockRank::None
// is checked on every acquisition. Spinlocks held are counted per hart (a spinlock never
// migrates: interrupts are off while it is held), sleeping locks per thread. Taking a lock
// whose rank is not greater than that of a lock already held panics with both ranks,
// except for ranks listed as nestable below. Locks with LockRank::None are not checked:
// use them only for locks that are never held together with another lock.
#pragma once

#include <cstdint>

enum class LockRank : uint8_t {
    None = 0,
    Process,
    FileWriters,
    AddressSpace,
    VmObject,
    FilePages,
    Inode,
    InodeTable,
    Log,
    BlockCache,
    PageQueue,
    PageTable,
    Device,
    PhysicalMemory,
    KernelHeap,
    ProcessTable,
    Signal,
    BlockedPipe,
    Pipe,
    Test,
    ThreadExit,
    SleepingLockState,
    SleepQueue,
    WaitQueue,
    Scheduler,
    Console,
    Count,
};

static_assert(static_cast<unsigned>(LockRank::Count) <= 32, "held ranks are tracked in a 32-bit mask");

// Ranks whose locks the checker lets a thread hold several at a time. Inode locks are not
// among them: the second one is taken with Mutex::lock_nested, which names the first (the
// inode pair rule above). VmObject is, though no code holds two object locks today:
// private memory is copy-on-write by per-frame reference counts (docs/vm.md), not chains
// of objects, AnonObjects have no lock of their own (their address space's lock guards
// them), and the page cache drops its lock before it copies to or from user memory, so no
// user page is faulted in under it (mm/file_object.h). A path that needs two must first
// write their order down here.
constexpr bool lock_rank_nests(LockRank rank) { return rank == LockRank::VmObject; }

const char* lock_rank_name(LockRank rank);

// The ranks a hart (spinlocks) or a thread (sleeping locks) holds right now: a count per
// rank and a mask of the ranks with a non-zero count, so that "is anything of this rank or
// later held" is one shift. Not thread-safe: each set is touched only by its owner.
class HeldLockRanks {
public:
    // Panics if taking a lock of `rank` would break the order, given also the ranks in
    // `other` (the spinlocks of this hart when a thread takes a sleeping lock, or the
    // sleeping locks of the current thread when a hart takes a spinlock).
    // Inline, because every lock acquisition asks: the common answer ("nothing of this
    // rank or later is held") is a shift and a test; only a possible violation (or a
    // nestable rank held again) goes out of line.
    void check_acquire(LockRank rank, const HeldLockRanks* other, const char* lock_name) const {
        uint32_t held = m_mask | (other ? other->m_mask : 0);
        if (rank == LockRank::None || (held >> static_cast<unsigned>(rank)) == 0)
            return;
        check_acquire_slow(rank, held, lock_name);
    }

    // check_acquire for the second lock of a pair of the same rank (Mutex::lock_nested,
    // whose caller has checked the pair against the rank's own rule): exactly one lock of
    // the rank must be held already, and none of a later rank. Out of line: only inode
    // pairs ask.
    void check_acquire_nested(LockRank rank, const char* lock_name) const;

    void note_acquired(LockRank rank) {
        if (rank == LockRank::None)
            return;
        auto index = static_cast<unsigned>(rank);
        ++m_counts[index];
        m_mask |= 1u << index;
    }

    void note_released(LockRank rank) {
        if (rank == LockRank::None)
            return;
        auto index = static_cast<unsigned>(rank);
        if (m_counts[index] == 0) [[unlikely]]
            released_unheld(rank);
        if (--m_counts[index] == 0)
            m_mask &= ~(1u << index);
    }

    uint32_t mask() const { return m_mask; }

private:
    // Some lock of `rank` or later is held (`held`): fine only for a nestable rank held
    // at the same rank; panics otherwise.
    void check_acquire_slow(LockRank rank, uint32_t held, const char* lock_name) const;
    // The highest rank in a non-empty mask.
    static LockRank highest_rank(uint32_t held);
    // A release of a rank with no lock counted as held: panics.
    [[noreturn]] static void released_unheld(LockRank rank);

    uint32_t m_mask { 0 };
    uint8_t m_counts[static_cast<unsigned>(LockRank::Count)] {};
};
