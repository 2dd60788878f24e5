// Signals: a process's dispositions, blocked mask and pending set, and delivery (the
// signal frame on the user stack, rt_sigreturn). The ABI is in syscall/signal_abi.h, the
// whole story in docs/signals.md.
//
//   kill() ──post()──> pending ──(return to user mode, not blocked)──> deliver_pending()
//                        │                                 default: terminate or ignore
//                        └─ fatal now (SIGKILL, or a default      handler: push a frame,
//                           action that terminates and is not     sepc = handler,
//                           blocked): the process's kill signal   ra = sa_restorer
//                           is set, so sleepers wake and it dies
//   a fault the VM cannot resolve ──deliver_fault()──> a frame for the handler at once, or
//                                                      death if none (or it is blocked)
//   the handler returns to its restorer ──rt_sigreturn──> sigreturn(): registers and mask
//                                                         back from the frame
//
// Invariants:
//   - SIGKILL and SIGSTOP are never blocked and never have a handler or SIG_IGN.
//   - A signal whose disposition ignores it is discarded when it is sent (and when the
//     disposition becomes "ignore"), so it is never pending.
//   - attention() is true whenever a pending signal is not blocked or the process must
//     die (kill signal set): the return to user mode tests only it, one load.
//   - Only the owning thread (one per process) changes dispositions and the mask and
//     takes signals off the pending set; other processes only add to it (post()). All of
//     it is guarded by the lock; the attention flag is also read without it.
//   - The dispositions live in a table of their own (about 900 bytes), allocated when the
//     process first sets one that is not SIG_DFL (or inherits one through fork): until
//     then every disposition is SIG_DFL. So a Process stays in the heap's 1 KiB class, and
//     the many processes that never touch signals pay nothing for them.
// Nothing here sleeps with the lock held; user memory is touched only without it.
#pragma once

#include <atomic>
#include <cstdint>

#include "lib/error_or.h"
#include "lib/own_ptr.h"
#include "sync/spinlock.h"
#include "syscall/signal_abi.h"

struct TrapFrame;

class SignalState {
public:
    static constexpr uint64_t bit(int signal) { return 1ull << (signal - 1); }
    static constexpr uint64_t kUnblockable = (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1));
    static constexpr uint64_t kAllSignals = (1ull << ATLAS_SIGNAL_COUNT) - 1;

    // What sending `signal` did.
    enum class PostResult { Discarded, Pending, Fatal };

    // Records `signal` (1..31) sent by process `sender_pid`. Fatal: the process must die
    // with it at once (the caller wakes it); it is then also recorded as the kill signal
    // (the first fatal signal wins). Any thread.
    PostResult post(int signal, int sender_pid);

    // The signal the process dies of, or 0. Any thread.
    int kill_signal() const { return m_kill_signal.load(std::memory_order_acquire); }
    // True if the owner has work on its way back to user mode (see the invariants).
    bool attention() const { return m_attention.load(std::memory_order_relaxed); }

    // --- The owning thread only ---

    // rt_sigaction: `old` (if given) receives the disposition before `action` (if given)
    // replaces it. The caller has checked `signal` (1..31, not SIGKILL/SIGSTOP with an
    // action). ENOMEM if the table of dispositions cannot be had (nothing changes then).
    ErrorOr<void> exchange_action(int signal, const atlas_sigaction* action, atlas_sigaction* old);
    // rt_sigprocmask, after the caller checked `how`: returns the old mask.
    uint64_t change_mask(int how, uint64_t set);
    uint64_t blocked();
    uint64_t pending();

    // fork: the child's state is a copy of `parent`'s dispositions and mask, nothing
    // pending. ENOMEM.
    ErrorOr<void> copy_for_fork(SignalState& parent);
    // exec: handlers go back to SIG_DFL; SIG_IGN, the mask and pending signals stay.
    void reset_for_exec();

    // Before a return to user mode: delivers every deliverable signal, by its disposition,
    // pushing a frame per handled one onto `frame`'s user stack (each new frame on top of
    // the last, so the lowest-numbered signal's handler runs last). Exits the process for a
    // terminating signal or an unwritable frame. Interrupts on, no lock held.
    void deliver_pending(TrapFrame& frame);

    // A synchronous fault: `signal` with `code` at `address`. Pushes a frame for its handler
    // and returns true; false if the process must die instead (no handler, the signal
    // blocked or ignored, or the frame could not be written). Interrupts on, no lock held.
    bool deliver_fault(TrapFrame& frame, int signal, int code, uint64_t address);

    // rt_sigreturn: restores the registers (never sstatus) and the mask from the frame at
    // the user sp. EFAULT if it cannot be read (the caller then kills the process: the
    // integer registers may then hold part of the frame).
    ErrorOr<void> sigreturn(TrapFrame& frame);

private:
    struct Action {
        uint64_t handler { ATLAS_SIG_DFL };
        uint64_t restorer { 0 };
        uint32_t mask { 0 };   // Signals 1..31 fit in 32 bits.
        uint32_t flags { 0 };  // Every SA_* flag is in the low 32 bits.
    };
    struct Table {
        Action actions[ATLAS_SIGNAL_COUNT + 1];  // Indexed by signal number; [0] unused.
        int senders[ATLAS_SIGNAL_COUNT + 1] {};  // si_pid of each pending signal.
    };
    enum class Disposition { Ignore, Terminate, Handle };

    Action action_locked(int signal) const {
        m_lock.assert_locked();
        return m_table ? m_table->actions[signal] : Action {};
    }
    // Makes sure the table exists (the owner only; allocates without the lock). ENOMEM.
    ErrorOr<void> ensure_table();

    static bool default_ignores(int signal);
    static Disposition disposition_of(int signal, const Action& action);
    void update_attention_locked();
    // Takes the handler's entry into account: the mask grows, SA_RESETHAND resets.
    void enter_handler_locked(int signal, const Action& action);

    mutable Spinlock m_lock { "signals", LockRank::Signal };
    OwnPtr<Table> m_table;  // Null: every disposition is SIG_DFL. Set and read under m_lock.
    uint64_t m_blocked { 0 };
    uint64_t m_pending { 0 };
    std::atomic<int> m_kill_signal { 0 };
    std::atomic<bool> m_attention { false };
};
