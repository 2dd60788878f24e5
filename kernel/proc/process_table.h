// ProcessTable: the set of processes by pid, and the lock over the process tree.
//
// Internal to kernel/proc (process.cc, fork.cc, exit.cc); everything else goes through
// Process. See process.h for what the lock guards and who holds which reference.
//
//   tree (AVL by pid): [1 init] [2 sh] [7 zombie] [9 ls] ...
//   next pid: where the search for a free pid starts (wraps at kMaxPid back to 2)
#pragma once

#include <cstddef>

#include "lib/error_or.h"
#include "sync/spinlock.h"

class Process;

class ProcessTable {
public:
    static constexpr int kMaxPid = 1 << 22;

    // The lock of process.h. A spinlock: its critical sections are list and tree updates,
    // and wait() sleeps on a WaitQueue, which needs one. Rank LockRank::ProcessTable: under
    // it only the wait queues and the scheduler are taken, and nothing is allocated or freed.
    static Spinlock& lock();

    // Gives `process` a free pid, links it under `parent` (nullptr for init) and takes the
    // table's and the parent's references. EAGAIN at the process limit. Expects the lock.
    static ErrorOr<void> insert_locked(Process& process, Process* parent);

    // Unlinks a reaped zombie from the table and from its parent's children. The caller
    // takes over the two references (adopt_ref twice) and drops them without the lock.
    // Expects the lock.
    static void remove_locked(Process& process);

    // The process with `pid` (zombies included), or null. Expects the lock.
    static Process* find_locked(int pid);

    // Init, which adopts orphans; null before pid 1 exists. Expects the lock.
    static Process* init_locked();

    static size_t count();
    // The most processes that may exist at once, from the size of memory.
    static size_t limit();
};
