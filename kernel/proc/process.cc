// Process and ProcessTable: the table, pids, and the small per-process services. fork is
// in fork.cc, exec in exec.cc, exit/wait/kill in exit.cc.
#include "proc/process.h"

#include <algorithm>

#include "arch/riscv64/timer.h"
#include "arch/riscv64/trap_frame.h"
#include "arch/riscv64/user_trap.h"
#include "fs/inode.h"
#include "lib/kprintf.h"
#include "mm/address_space.h"
#include "mm/physical_allocator.h"
#include "mm/size_class.h"
#include "proc/pipe.h"
#include "proc/process_group.h"
#include "proc/process_table.h"
#include "proc/thread.h"
#include "syscall/abi.h"

namespace {

using ProcessTree = IntrusiveTree<Process, &Process::m_table_node, ProcessTreeTraits>;

Spinlock s_table_lock { "process table", LockRank::ProcessTable };
ProcessTree s_tree;          // Guarded by s_table_lock.
int s_next_pid = 1;          // Guarded by s_table_lock.
Process* s_init = nullptr;   // Guarded by s_table_lock.
std::atomic<size_t> s_count { 0 };

}  // namespace

// --- ProcessTable ---

Spinlock& ProcessTable::lock() { return s_table_lock; }

size_t ProcessTable::count() { return s_count.load(std::memory_order_relaxed); }

// Each process costs at least a kernel stack (4 frames), a page-table root and a few
// page-table pages, a stack page and the frames its first writes copy: about 16 frames.
// Allowing one process per 64 frames keeps fork's EAGAIN well ahead of memory running out
// (which would be ENOMEM, or a process killed at its next fault).
size_t ProcessTable::limit() { return std::clamp<size_t>(total_page_count() / 64, 16, 4096); }

ErrorOr<void> ProcessTable::insert_locked(Process& process, Process* parent) {
    s_table_lock.assert_locked();
    if (s_count.load(std::memory_order_relaxed) >= limit())
        return Error::from_errno(EAGAIN);
    // Find a pid not in use, as a process's or as a living group's number, starting
    // after the last one handed out. The limit is far below kMaxPid, so the search ends.
    int pid = s_next_pid;
    while (s_tree.find(pid) || ProcessGroup::number_in_use_locked(pid))
        pid = pid >= kMaxPid ? 2 : pid + 1;
    s_next_pid = pid >= kMaxPid ? 2 : pid + 1;
    process.m_pid = pid;
    bool inserted = s_tree.insert(process);
    ASSERT(inserted);
    process.ref();  // The table's reference.
    process.m_parent = parent;
    if (parent) {
        parent->m_children.push_back(process);
        process.ref();  // The parent's reference.
    } else {
        ASSERT(!s_init);
        s_init = &process;
    }
    s_count.fetch_add(1, std::memory_order_relaxed);
    return {};
}

void ProcessTable::remove_locked(Process& process) {
    s_table_lock.assert_locked();
    s_tree.erase(process);
    ProcessGroup::leave_locked(process);
    if (process.m_parent)
        process.m_parent->m_children.remove(process);
    process.m_parent = nullptr;
    s_count.fetch_sub(1, std::memory_order_relaxed);
}

Process* ProcessTable::find_locked(int pid) {
    s_table_lock.assert_locked();
    return s_tree.find(pid);
}

Process* ProcessTable::init_locked() {
    s_table_lock.assert_locked();
    return s_init;
}

// --- Process ---

// A Process comes from one of the heap's size classes: a larger one would be a large
// block, whose allocation and free cost fork and exit (and init's reaping) many times more.
// Signal dispositions live in a table of their own for this reason (proc/signal.h).
static_assert(sizeof(Process) <= kLargestSizeClass, "a Process must fit a heap size class");

Process::Process() = default;

Process::~Process() {
    ASSERT(!m_table_node.is_linked());
    ASSERT(m_children.empty());
    ASSERT(!m_alarm || !m_alarm->m_node.is_linked());
}

void Process::set_cwd(RefPtr<fs::Inode> cwd) { m_cwd = std::move(cwd); }

int Process::parent_pid() const {
    SpinlockLocker locker(s_table_lock);
    return m_parent ? m_parent->m_pid : 0;
}

void Process::set_blocked_pipe(Pipe* pipe) {
    RefPtr<Pipe> old;
    {
        SpinlockLocker locker(m_blocked_lock);
        old = std::move(m_blocked_pipe);
        m_blocked_pipe = pipe;
    }
    // `old` is dropped here, outside the lock: it may be the last reference.
}

ErrorOr<void> Process::sleep_ticks(uint64_t ticks) {
    Process* self = current_process();
    uint64_t deadline = timer_ticks() + ticks;
    // One tick at a time, so that a kill is noticed within 10 ms.
    while (timer_ticks() < deadline) {
        if (self && self->signal_interrupts())
            return self->signals().interrupt_call(false);  // A sleep is never restarted.
        Thread::sleep_for_us(1000000 / kTimerHz);
    }
    return {};
}

RefPtr<Process> Process::find_live(int pid) {
    SpinlockLocker locker(ProcessTable::lock());
    Process* found = ProcessTable::find_locked(pid);
    if (!found || found->m_state == ProcessState::Zombie)
        return nullptr;
    return RefPtr<Process>(found);
}

size_t Process::count() { return ProcessTable::count(); }

size_t Process::process_limit() { return ProcessTable::limit(); }

Process* current_process() {
    Thread* thread = Thread::current();
    return thread ? thread->process() : nullptr;
}

void process_deliver_signals(TrapFrame& frame) {
    if (Process* process = current_process())
        process->signals().deliver_pending(frame);
}

void process_fault_signal(TrapFrame& frame, const FaultSignal& fault) {
    Process* process = current_process();
    ASSERT(process);
    if (fault.signal != SIGKILL && process->signals().deliver_fault(frame, fault.signal, fault.code, fault.address))
        return;
    kprintf("pid %d (%s): killed by signal %d: %s at %p\n", process->pid(), process->name(), fault.signal,
            fault.cause, reinterpret_cast<void*>(fault.address));
    Process::exit_current(ATLAS_W_SIGNALED(fault.signal));
}
