// exit, wait and kill. See process.h for the life cycle and the references.
//
// exit runs on the exiting process's own thread and releases things in the order that
// keeps every pointer valid:
//   1. files and cwd (may sleep: the last reference to an inode may free it on disk);
//   2. the address space (the thread switches to the kernel page table first);
//   3. the thread forgets its process (Thread::set_process(nullptr));
//   4. under the table lock: children go to init, the process becomes a zombie with its
//      status, and the parent is woken;
//   5. the thread ends. From step 4 on, the parent may reap and free the Process at any
//      moment, so nothing after it touches the Process.
//
// pid 1 never becomes a zombie: in atlas-run mode its exit powers the machine off with its
// status (user_land.cc); otherwise init exiting is fatal, as on any Unix.
#include "fs/inode.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
#include "mm/address_space.h"
#include "mm/user_memory.h"
#include "proc/pipe.h"
#include "proc/process.h"
#include "proc/process_group.h"
#include "proc/process_table.h"
#include "proc/scheduler.h"
#include "proc/thread.h"
#include "proc/user_land.h"
#include "syscall/abi.h"

void Process::exit_current(int status) {
    Process* self = current_process();
    ASSERT(self);

    self->m_files.close_all();
    self->m_cwd = nullptr;
    self->set_blocked_pipe(nullptr);
    address_space_switch_current(nullptr);
    OwnPtr<AddressSpace> dying;
    {
        // procmaps may be reading it from another process.
        MutexLocker locker(self->m_image_lock);
        dying = std::move(self->m_address_space);
    }
    dying = nullptr;

    if (self->m_pid == 1)
        first_process_exited(status);

    Thread::current()->set_process(nullptr);
    {
        SpinlockLocker locker(ProcessTable::lock());
        Process* init = ProcessTable::init_locked();
        ASSERT(init && init != self);
        bool orphaned_zombie = false;
        while (Process* child = self->m_children.first()) {
            // The child's reference moves from this process's list to init's.
            self->m_children.remove(*child);
            child->m_parent = init;
            init->m_children.push_back(*child);
            if (child->m_state == ProcessState::Zombie)
                orphaned_zombie = true;
        }
        if (orphaned_zombie)
            init->m_child_exited.wake_all();
        self->cancel_alarm_locked();
        self->m_exit_status = status;
        self->m_state = ProcessState::Zombie;
        // The parent is alive: a parent that exits takes this lock to hand its children
        // on, so it cannot go away while we hold it. SIGCHLD is ignored unless it has a
        // handler (init has none).
        self->m_parent->post_signal_locked(SIGCHLD, self->m_pid);
        self->m_parent->m_child_exited.wake_all();
    }
    Thread::exit(0);
}

ErrorOr<int> Process::wait(int pid, uint64_t user_status, int options) {
    Process* self = current_process();
    ASSERT(self);
    if (options & ~WNOHANG)
        return Error::from_errno(EINVAL);

    // The status goes to the user before the child is reaped, so that EFAULT never loses
    // a child; the copy may sleep, so it happens with the table unlocked, and the search
    // runs again after it (only this process reaps its children, so it finds the same
    // zombie, unless another exited meanwhile: then that one's status is written). A call
    // that reaps nothing (WNOHANG, ECHILD, EINTR) never touches the status.
    Process* reaped = nullptr;
    int status_written_for = 0;
    for (;;) {
        int zombie_pid;
        int zombie_status;
        {
            SpinlockLocker locker(ProcessTable::lock());
            Process* zombie = TRY(self->wait_for_zombie_child_locked(pid, options));
            if (!zombie)
                return 0;
            if (!user_status || zombie->m_pid == status_written_for) {
                reaped = zombie;
                ProcessTable::remove_locked(*reaped);
                break;
            }
            zombie_pid = zombie->m_pid;
            zombie_status = zombie->m_exit_status;
        }
        TRY(copy_to_user(user_status, zombie_status));
        status_written_for = zombie_pid;
    }
    int reaped_pid = reaped->m_pid;
    // A zombie's thread may still be on its way out, and once it is gone the reaper frees
    // its kernel stack in the background. Waiting for both here means that when wait()
    // returns, everything the child held is back, so a parent counting free frames (tests,
    // vmstat) sees an exact number. Only this child's thread is waited for: other exits
    // under way elsewhere (a chain of orphans that init reaps, say) must not hold us up.
    if (Thread* thread = reaped->thread())
        thread->wait_until_reaped();
    // The table's and the parent's references, dropped without the lock: the last one
    // frees the Process (and, through it, its Thread reference).
    adopt_ref(*reaped).clear();
    adopt_ref(*reaped).clear();
    return reaped_pid;
}

// waitpid's pid: -1 any child, > 0 that child, 0 a child in the caller's group, < -1 a
// child in group -pid (INT_MIN names none).
bool Process::waits_for_locked(const Process& child, int pid) const {
    if (pid == -1)
        return true;
    if (pid > 0)
        return child.m_pid == pid;
    int group = pid == 0 ? m_group->pgid() : (pid == INT32_MIN ? 0 : -pid);
    return child.m_group->pgid() == group;
}

ErrorOr<Process*> Process::wait_for_zombie_child_locked(int pid, int options) {
    ProcessTable::lock().assert_locked();
    for (;;) {
        bool any = false;
        for (Process& child : m_children) {
            if (!waits_for_locked(child, pid))
                continue;
            any = true;
            if (child.m_state == ProcessState::Zombie)
                return &child;
        }
        if (!any)
            return Error::from_errno(ECHILD);
        if (options & WNOHANG)
            return nullptr;
        if (signal_interrupts())
            return m_signals.interrupt_call(true);
        m_child_exited.sleep(ProcessTable::lock());
    }
}

ErrorOr<void> Process::kill(int pid, int signal) {
    ASSERT(signal >= 0 && signal <= 31);  // sys_kill refuses the others (EINVAL).
    Process* self = current_process();
    int sender = self ? self->m_pid : 0;
    // 0: the caller's group; -1: everyone; below -1: group -pid (INT_MIN names none).
    if (pid <= 0 && self) {
        if (pid == -1)
            return ProcessGroup::signal_all(signal, *self);
        if (pid == 0)
            return ProcessGroup::signal_group(TRY(ProcessGroup::group_of(0)), signal, sender);
        if (pid == INT32_MIN)
            return Error::from_errno(ESRCH);
        return ProcessGroup::signal_group(-pid, signal, sender);
    }
    SpinlockLocker locker(ProcessTable::lock());
    Process* target = ProcessTable::find_locked(pid);
    if (!target || target->m_state == ProcessState::Zombie)
        return Error::from_errno(ESRCH);
    if (signal == 0)
        return {};
    // init cannot be killed: its death would take the system with it (the kernel has no
    // one to hand orphans to), so kill() refuses, as Linux ignores signals to init.
    if (pid == 1)
        return Error::from_errno(EPERM);
    // A zombie-to-be (exiting, not yet a zombie) gets the signal recorded and never looks at
    // it: harmless.
    target->post_signal_locked(signal, sender);
    return {};
}

void Process::post_signal_locked(int signal, int sender_pid) {
    ProcessTable::lock().assert_locked();
    SignalState::PostResult result = m_signals.post(signal, sender_pid);
    if (result == SignalState::PostResult::Interrupts || result == SignalState::PostResult::Fatal)
        interrupt_sleep_locked();
}

void Process::interrupt_sleep_locked() {
    ProcessTable::lock().assert_locked();
    // wait, pause and sigsuspend check the attention flag under the table lock: waking under
    // it loses no wake-up.
    m_child_exited.wake_all();
    // The pipe is woken under the record's lock, so it cannot be dropped meanwhile (and no
    // reference is taken: nothing may be freed under these locks).
    SpinlockLocker locker(m_blocked_lock);
    if (m_blocked_pipe)
        m_blocked_pipe->wake_all_for_kill();
}

ErrorOr<void> Process::pause_until_signal() {
    Process* self = current_process();
    SpinlockLocker locker(ProcessTable::lock());
    while (!self->signal_interrupts())
        self->m_child_exited.sleep(ProcessTable::lock());
    return self->m_signals.interrupt_call(false);
}
