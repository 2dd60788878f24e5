// ProcessGroup: see process_group.h.
#include "proc/process_group.h"

#include "lib/errno.h"
#include "proc/console_file.h"
#include "proc/process_table.h"

namespace {

using GroupTree = IntrusiveTree<ProcessGroup, &ProcessGroup::m_tree_node, ProcessGroupTreeTraits>;

GroupTree s_groups;  // Guarded by the table lock.

// `group` has lost its last member: out of the tree (its number may be given again), and
// out of the console's front.
void retire_locked(ProcessGroup& group) {
    s_groups.erase(group);
    ConsoleFile::forget_foreground_group(group.pgid());
}

}  // namespace

ProcessGroup::~ProcessGroup() {
    ASSERT(!m_tree_node.is_linked());
    ASSERT(m_members.empty());
}

ProcessGroup* ProcessGroup::find_locked(int pgid) {
    ProcessTable::lock().assert_locked();
    return s_groups.find(pgid);
}

bool ProcessGroup::number_in_use_locked(int pid) { return find_locked(pid) != nullptr; }

RefPtr<ProcessGroup> ProcessGroup::move_locked(Process& process, ProcessGroup& group) {
    ProcessTable::lock().assert_locked();
    RefPtr<ProcessGroup> old = std::move(process.m_group);
    if (old) {
        old->m_members.remove(process);
        if (old->m_members.empty())
            retire_locked(*old);
    }
    group.m_members.push_back(process);
    process.m_group = &group;
    return old;
}

void ProcessGroup::join_parent_locked(Process& child, Process& parent) {
    ASSERT(parent.m_group);
    RefPtr<ProcessGroup> none = move_locked(child, *parent.m_group);
    ASSERT(!none);
}

void ProcessGroup::found_first_locked(Process& first, RefPtr<ProcessGroup> group) {
    group->m_pgid = first.m_pid;
    group->m_sid = first.m_pid;
    bool inserted = s_groups.insert(*group);
    ASSERT(inserted);
    RefPtr<ProcessGroup> none = move_locked(first, *group);
    ASSERT(!none);
}

void ProcessGroup::leave_locked(Process& process) {
    ProcessTable::lock().assert_locked();
    ProcessGroup* group = process.m_group.ptr();
    if (!group || !process.m_group_node.is_linked())
        return;
    group->m_members.remove(process);
    if (group->m_members.empty())
        retire_locked(*group);
}

ErrorOr<void> ProcessGroup::set_group(int pid, int pgid) {
    if (pgid < 0)
        return Error::from_errno(EINVAL);
    Process* self = current_process();
    int target_pid = pid ? pid : self->m_pid;
    // A new group is numbered after its leader: have one ready before the lock, in case.
    RefPtr<ProcessGroup> fresh;
    if (pgid == 0 || pgid == target_pid)
        fresh = TRY(try_make_ref_counted<ProcessGroup>());
    RefPtr<ProcessGroup> old;  // Dropped after the lock.
    SpinlockLocker locker(ProcessTable::lock());
    Process* target = ProcessTable::find_locked(target_pid);
    if (!target || (target != self && target->m_parent != self))
        return Error::from_errno(ESRCH);
    ProcessGroup& current = *target->m_group;
    int session = self->m_group->m_sid;
    if (target != self) {
        if (target->m_state == ProcessState::Zombie)
            return Error::from_errno(ESRCH);
        if (current.m_sid != session)
            return Error::from_errno(EPERM);
        if (target->m_did_exec)
            return Error::from_errno(EACCES);
    }
    if (current.m_sid == target->m_pid)
        return Error::from_errno(EPERM);  // A session leader stays in its group.
    if (pgid == 0)
        pgid = target->m_pid;
    if (pgid == current.m_pgid)
        return {};
    ProcessGroup* group = find_locked(pgid);
    if (group) {
        if (group->m_sid != session)
            return Error::from_errno(EPERM);
    } else {
        if (pgid != target->m_pid)
            return Error::from_errno(EPERM);
        group = fresh.ptr();
        group->m_pgid = pgid;
        group->m_sid = session;
        bool inserted = s_groups.insert(*group);
        ASSERT(inserted);
    }
    old = move_locked(*target, *group);
    locker.unlock();
    return {};
}

ErrorOr<int> ProcessGroup::group_of(int pid) {
    Process* self = current_process();
    SpinlockLocker locker(ProcessTable::lock());
    Process* target = pid ? ProcessTable::find_locked(pid) : self;
    if (!target)
        return Error::from_errno(ESRCH);
    return target->m_group->m_pgid;
}

ErrorOr<int> ProcessGroup::session_of(int pid) {
    Process* self = current_process();
    SpinlockLocker locker(ProcessTable::lock());
    Process* target = pid ? ProcessTable::find_locked(pid) : self;
    if (!target)
        return Error::from_errno(ESRCH);
    return target->m_group->m_sid;
}

ErrorOr<int> ProcessGroup::create_session() {
    Process* self = current_process();
    RefPtr<ProcessGroup> fresh = TRY(try_make_ref_counted<ProcessGroup>());
    RefPtr<ProcessGroup> old;  // Dropped after the lock.
    SpinlockLocker locker(ProcessTable::lock());
    if (find_locked(self->m_pid))
        return Error::from_errno(EPERM);
    fresh->m_pgid = self->m_pid;
    fresh->m_sid = self->m_pid;
    bool inserted = s_groups.insert(*fresh);
    ASSERT(inserted);
    old = move_locked(*self, *fresh);
    locker.unlock();
    return self->m_pid;
}

ErrorOr<void> ProcessGroup::signal_group(int pgid, int signal, int sender_pid) {
    SpinlockLocker locker(ProcessTable::lock());
    ProcessGroup* group = pgid > 0 ? find_locked(pgid) : nullptr;
    if (!group)
        return Error::from_errno(ESRCH);
    bool found = false;
    bool sent = false;
    for (Process& member : group->m_members) {
        if (member.m_state == ProcessState::Zombie)
            continue;
        found = true;
        if (member.m_pid == 1)
            continue;  // init cannot be signalled (Process::kill).
        sent = true;
        if (signal != 0)
            member.post_signal_locked(signal, sender_pid);
    }
    if (!found)
        return Error::from_errno(ESRCH);
    if (!sent)
        return Error::from_errno(EPERM);
    return {};
}

ErrorOr<void> ProcessGroup::signal_all(int signal, Process& sender) {
    SpinlockLocker locker(ProcessTable::lock());
    bool sent = false;
    for (ProcessGroup& group : s_groups) {
        for (Process& member : group.m_members) {
            if (member.m_state == ProcessState::Zombie || member.m_pid == 1 || &member == &sender)
                continue;
            sent = true;
            if (signal != 0)
                member.post_signal_locked(signal, sender.m_pid);
        }
    }
    if (!sent)
        return Error::from_errno(ESRCH);
    return {};
}

ErrorOr<void> ProcessGroup::check_foreground(int pgid, Process& caller) {
    SpinlockLocker locker(ProcessTable::lock());
    ProcessGroup* group = find_locked(pgid);
    if (!group)
        return Error::from_errno(ESRCH);
    if (group->m_sid != caller.m_group->m_sid)
        return Error::from_errno(EPERM);
    return {};
}
