// The real-time interval timer of a process (setitimer's ITIMER_REAL, which alarm() uses):
// SIGALRM when it expires, then again every interval if one is set.
//
//   setitimer ──> Process::set_real_timer() ──> the process's ProcessAlarm, linked in
//                                                the tree of armed alarms by deadline
//   timer interrupt (any hart) ──> process_alarms_tick(): one load when none is due;
//                                  otherwise, under the table lock, each due alarm posts
//                                  SIGALRM, wakes the process's interruptible sleep and
//                                  is re-armed (interval) or unlinked
//
// Time is counted in timer ticks (10 ms, arch/riscv64/timer.h); a value is rounded up to
// whole ticks, so an alarm never fires early.
//
// Invariants: an alarm is linked exactly while armed; its process is alive then (exit
// unlinks it, under the table lock, before the process becomes a zombie), so the tick may
// use the process without a reference. The tree, and every alarm's deadline and interval,
// are guarded by the process table lock; the object is allocated by its process's own
// thread on its first setitimer and freed with the Process. fork does not copy it; exec
// keeps it (POSIX).
#pragma once

#include <cstdint>

#include "lib/intrusive_tree.h"

class Process;

class ProcessAlarm {
public:
    explicit ProcessAlarm(Process& process)
        : m_process(process)
    {
    }

    TreeNode m_node;            // In the tree of armed alarms (alarm.cc).
    uint64_t m_deadline { 0 };  // The tick it fires at, while linked.
    uint64_t m_interval { 0 };  // Ticks between firings; 0: once.
    Process& m_process;
};

// Called from the timer interrupt on every hart, interrupts off and no lock held: fires the
// alarms that are due.
void process_alarms_tick();
