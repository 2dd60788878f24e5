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
// Interrupted calls: post() of a signal that is deliverable at once (a handler, not
// blocked) or fatal makes attention() true, and the caller wakes the process's
// interruptible sleep (Process::interrupt_sleep_locked). The sleeping call sees attention()
// and gives up with interrupt_call(): EINTR, remembering whether SA_RESTART may run it
// again. deliver_pending() then either leaves EINTR in a0 or rewinds the pc to the ecall
// with the first argument back in a0 (the call restarts), as the handler's SA_RESTART says.
// sigsuspend runs with a temporary mask (begin_suspend()); the first handler's frame saves
// the mask from before it, which rt_sigreturn puts back.
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
//     the many processes that never touch signals pay nothing for them. The alternate
//     signal stack, sigsuspend's saved mask and an interrupted call's first argument live
//     there too: each matters only to a handler, and a handler means a table.
// Nothing here sleeps with the lock held; user memory is touched only without it.
#pragma once

#include <atomic>
#include <cstdint>

#include "lib/error_or.h"
#include "lib/own_ptr.h"
#include "sync/spinlock.h"
#include "syscall/signal_abi.h"

struct TrapFrame;

// Where a handler's frame goes: below `top` (the interrupted sp, or the top of the
// alternate stack), and never below `limit` (0: anywhere).
struct FrameStack {
    uint64_t top;
    uint64_t limit;
};

class SignalState {
public:
    static constexpr uint64_t bit(int signal) { return 1ull << (signal - 1); }
    static constexpr uint64_t kUnblockable = (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1));
    static constexpr uint64_t kAllSignals = (1ull << ATLAS_SIGNAL_COUNT) - 1;

    // What sending `signal` did. Interrupts: it is pending, not blocked and has a handler,
    // so it interrupts a blocked system call (the caller wakes the process).
    enum class PostResult { Discarded, Pending, Interrupts, Fatal };

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

    // A blocked system call gives up because attention() is set: returns its EINTR. With
    // `restartable` (and a table), a handler with SA_RESTART makes the call run again, with
    // the first argument it was called with (read from the trap frame now). Takes no lock,
    // so any lock may be held.
    Error interrupt_call(bool restartable);

    // rt_sigsuspend: `mask` (less SIGKILL and SIGSTOP) becomes the mask until the next
    // delivery, whose first handler frame saves the mask from before. ENOMEM.
    ErrorOr<void> begin_suspend(uint64_t mask);

    // sigaltstack. `old` (if given) receives the stack as it is (ss_flags SS_ONSTACK if
    // `user_sp` is on it, SS_DISABLE if none); `stack` (if given) replaces it. The caller has
    // checked the flags and the size. EPERM if `user_sp` is on the stack being replaced;
    // ENOMEM (a stack needs the table). The caller asks for `old` first, writes it to the
    // user, and only then sets `stack`, so that EFAULT changes nothing.
    ErrorOr<void> alternate_stack(uint64_t user_sp, const atlas_stack* stack, atlas_stack* old);

    // fork: the child's state is a copy of `parent`'s dispositions and mask, nothing
    // pending. ENOMEM.
    ErrorOr<void> copy_for_fork(SignalState& parent);
    // exec: handlers go back to SIG_DFL and the alternate stack is gone; SIG_IGN, the mask
    // and pending signals stay.
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
        atlas_stack alternate_stack { 0, ATLAS_SS_DISABLE, 0, 0 };  // sigaltstack.
        uint64_t suspend_saved_mask { 0 };    // The mask before sigsuspend (m_restore_mask).
        uint64_t restart_argument { 0 };      // a0 of the interrupted call (m_call_restartable).
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
    // Where the frame of `action`'s handler goes, for the interrupted `user_sp`, and what
    // its uc_stack reports (`reported` is zeroed by the caller). Inline: the common case,
    // no alternate stack, is on the path of every fault a handler resolves.
    FrameStack frame_stack_locked(const Action& action, uint64_t user_sp, atlas_stack& reported) const {
        if (!m_table || (m_table->alternate_stack.ss_flags & ATLAS_SS_DISABLE)) [[likely]] {
            reported.ss_flags = ATLAS_SS_DISABLE;
            return FrameStack { user_sp, 0 };
        }
        return alternate_frame_stack_locked(action, user_sp, reported);
    }
    FrameStack alternate_frame_stack_locked(const Action& action, uint64_t user_sp, atlas_stack& reported) const;

    mutable Spinlock m_lock { "signals", LockRank::Signal };
    OwnPtr<Table> m_table;  // Null: every disposition is SIG_DFL. Set and read under m_lock.
    uint64_t m_blocked { 0 };
    uint64_t m_pending { 0 };
    std::atomic<int> m_kill_signal { 0 };
    std::atomic<bool> m_attention { false };
    // The owner's own: the call now returning EINTR may restart (table->restart_argument),
    // and the mask is sigsuspend's until the next handler (table->suspend_saved_mask).
    // Bytes that padding held: a Process must stay in the 1 KiB heap class.
    bool m_call_restartable { false };
    bool m_restore_mask { false };
};
