// ProcessGroup: process groups and sessions, POSIX-shaped and minimal (docs/signals.md,
// "Process groups").
//
//   session 2 (sid 2) ─┬─ group 2  (pgid 2): sh (pid 2, the session leader)
//                      ├─ group 9  (pgid 9): cat (9) | wc (10)      <- the console's
//                      └─ group 12 (pgid 12): loop (12) &              foreground group
//
// Every process is in exactly one group from fork (the child joins its parent's) until
// its parent reaps it: a zombie stays a member, so its pid and its group's pgid are not
// handed out again meanwhile. A group lives while it has members; its leader (pid == pgid)
// may exit and be reaped without ending it. The groups are in a tree keyed by pgid (the
// pid allocator skips pgids in use), and each keeps the list of its members, so a signal
// sent to a group visits only the group. A session is a number (the sid of its groups),
// not an object: a session whose leader is gone can in principle see its sid reused as
// the pid of a new session leader; nothing here relies on sids being unique beyond that.
//
// Locking: the tree, every member list and every Process::m_group are guarded by the
// process table lock (process_table.h). Nothing is allocated or freed under it: setpgid
// and setsid allocate the group they may need first, and a group's last reference is
// dropped with the lock released (a reaped Process drops its own when it is freed).
// signal_group takes only spinlocks and never sleeps: the console calls it from its
// interrupt handler.
#pragma once

#include "lib/error_or.h"
#include "lib/intrusive_list.h"
#include "lib/intrusive_tree.h"
#include "lib/ref_ptr.h"
#include "proc/process.h"

class ProcessGroup : public RefCounted<ProcessGroup> {
public:
    ProcessGroup() = default;
    ~ProcessGroup();

    int pgid() const { return m_pgid; }
    int sid() const { return m_sid; }

    // --- The system calls (the caller is the current process) ---

    // setpgid: moves process `pid` (0: the caller) into group `pgid` (0: its own pid).
    // EINVAL: pgid < 0; ESRCH: no such process, or neither the caller nor its child;
    // EPERM: the target is a session leader, or in another session, or no group `pgid`
    // exists in the caller's session (and pgid is not the target's pid); EACCES: a child
    // that has exec'd; ENOMEM.
    static ErrorOr<void> set_group(int pid, int pgid);
    // getpgid and getsid (0: the caller). ESRCH.
    static ErrorOr<int> group_of(int pid);
    static ErrorOr<int> session_of(int pid);
    // setsid: the caller leads a new session and a new group, both numbered by its pid.
    // EPERM if a group with that number exists already (it leads a group); ENOMEM.
    static ErrorOr<int> create_session();

    // Sends `signal` (0..31; 0 only checks) to every live member of group `pgid` but
    // init. ESRCH if the group has no live member, EPERM if init was the only one. Never
    // sleeps: takes the table lock and the locks under it only (safe in an interrupt
    // handler).
    static ErrorOr<void> signal_group(int pgid, int signal, int sender_pid);
    // kill(-1, signal): every live process but init and `sender`. ESRCH if there is none.
    // A walk over the whole table, which is what "every process" means.
    static ErrorOr<void> signal_all(int signal, Process& sender);

    // Whether group `pgid` may become the console's foreground group for `caller`: ESRCH
    // if there is no such group, EPERM if it is in another session.
    static ErrorOr<void> check_foreground(int pgid, Process& caller);

    // --- kernel/proc's own hooks; the table lock held ---

    // `child` joins its parent's group (fork).
    static void join_parent_locked(Process& child, Process& parent);
    // `first` (init) leads group and session `first.pid()` through `group`, made by the
    // caller beforehand.
    static void found_first_locked(Process& first, RefPtr<ProcessGroup> group);
    // A reaped process leaves its group; the group leaves the tree if it is now empty.
    // The process keeps its reference (dropped when it is freed, without the lock).
    static void leave_locked(Process& process);
    // Whether `pid` is the number of a living group (the pid allocator skips these).
    static bool number_in_use_locked(int pid);

    // The tree's and the members' links, guarded by the table lock.
    TreeNode m_tree_node;
    IntrusiveList<Process, &Process::m_group_node> m_members;

private:
    friend struct ProcessGroupTreeTraits;

    static ProcessGroup* find_locked(int pgid);
    // Moves `process` into `group`; returns its old group's reference, for the caller to
    // drop once the lock is released.
    static RefPtr<ProcessGroup> move_locked(Process& process, ProcessGroup& group);

    int m_pgid { 0 };
    int m_sid { 0 };
};

struct ProcessGroupTreeTraits {
    static int key(const ProcessGroup& group) { return group.m_pgid; }
};
