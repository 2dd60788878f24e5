// Signals: dispositions, masks, delivery and rt_sigreturn. See signal.h.
#include "proc/signal.h"

#include <cstddef>

#include "arch/riscv64/fp_state.h"
#include "arch/riscv64/trap_cause.h"
#include "arch/riscv64/trap_frame.h"
#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/user_memory.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "syscall/abi.h"

namespace {

// The frame is written in two parts, as Linux writes it: [0, kHeadEnd) holds the siginfo
// and the ucontext up to its mask; from kRegistersStart, a SavedRegisters: the registers
// (copied to and from the trap frame directly), the FP registers and fcsr. The 120 unused bytes after the mask and the FP area's tail are
// never written nor read (they hold whatever the user stack held).
constexpr size_t kHeadEnd = offsetof(atlas_signal_frame, uc) + offsetof(atlas_ucontext, unused);
constexpr size_t kRegistersStart = offsetof(atlas_signal_frame, uc) + offsetof(atlas_ucontext, uc_mcontext);

// What push_frame writes and sigreturn reads of the registers: the pc, x1..x31, f0..f31
// and fcsr (a doubleword whose high half is fp_reserved[0], always 0 when written), laid
// out as in atlas_sigcontext.
struct SavedRegisters {
    uint64_t regs[32];
    FpRegisters fp;
};
static_assert(sizeof(SavedRegisters) == offsetof(atlas_sigcontext, fp_reserved) + sizeof(uint32_t));
static_assert(offsetof(SavedRegisters, fp) + offsetof(FpRegisters, f) == offsetof(atlas_sigcontext, fpregs));
static_assert(offsetof(SavedRegisters, fp) + offsetof(FpRegisters, fcsr) == offsetof(atlas_sigcontext, fcsr));

struct FrameHead {
    atlas_siginfo info;
    uint64_t uc_flags;
    uint64_t uc_link;
    atlas_stack uc_stack;
    uint64_t uc_sigmask;
};
static_assert(sizeof(FrameHead) == kHeadEnd);
static_assert(offsetof(FrameHead, uc_sigmask) - sizeof(atlas_siginfo) == offsetof(atlas_ucontext, uc_sigmask));

// A frame's head for `signal` with `code`: the siginfo's other fields zero. The caller
// fills in the rest of the siginfo, uc_stack and uc_sigmask. The head is zeroed by 22
// stores in line (the loop is unrolled and kept from becoming a memset call, which would
// cost twice that on the path of every fault a handler resolves).
using ZeroWord = uint64_t __attribute__((may_alias));
static_assert(sizeof(FrameHead) % sizeof(ZeroWord) == 0);

[[gnu::optimize("no-tree-loop-distribute-patterns")]] FrameHead make_head(int signal, int code) {
    FrameHead head;
    auto* words = reinterpret_cast<ZeroWord*>(&head);
#pragma GCC unroll 32
    for (size_t i = 0; i < sizeof(head) / sizeof(ZeroWord); ++i)
        words[i] = 0;
    head.info.si_signo = signal;
    head.info.si_code = code;
    return head;
}

// Writes the frame for `head.info.si_signo`'s handler below `stack.top` (the user sp, or
// the top of the alternate stack) and points the registers at the handler. False if the
// frame cannot be written, or would reach below `stack.limit` (nothing is changed then).
// The registers go to the user stack straight from the trap frame, the pc in the slot of
// x0 (x[0], which trap_return never loads) for the copy: SavedRegisters' regs[0] is the pc.
bool push_frame(TrapFrame& frame, const FrameHead& head, uint64_t handler, uint64_t restorer, FrameStack stack) {
    static_assert(offsetof(SavedRegisters, regs) == 0 && sizeof(SavedRegisters::regs) == sizeof(TrapFrame::x));
    uint64_t sp = stack.top;
    uint64_t address = (sp - sizeof(atlas_signal_frame)) & ~uint64_t { 15 };
    if (address > sp || address < stack.limit)
        return false;
    FpRegisters fp;
    fp_capture_current(fp);
    frame.x[0] = frame.sepc;
    bool written = !copy_to_user(address, &head, sizeof(head)).is_error()
                   && !copy_to_user(address + kRegistersStart, frame.x, sizeof(frame.x)).is_error()
                   && !copy_to_user(address + kRegistersStart + offsetof(SavedRegisters, fp), &fp, sizeof(fp))
                           .is_error();
    frame.x[0] = 0;
    if (!written)
        return false;
    frame.sepc = handler;
    frame.reg(Reg::ra) = restorer;
    frame.reg(Reg::sp) = address;
    frame.reg(Reg::a0) = static_cast<uint64_t>(head.info.si_signo);
    frame.reg(Reg::a1) = address + offsetof(atlas_signal_frame, info);
    frame.reg(Reg::a2) = address + offsetof(atlas_signal_frame, uc);
    return true;
}

// Makes the system call that `frame` returns from run again: the pc back on its ecall (4
// bytes: an ecall is never compressed) and its first argument back in a0, where its
// result had gone.
void rewind_call(TrapFrame& frame, uint64_t first_argument) {
    frame.sepc -= 4;
    frame.reg(Reg::a0) = first_argument;
}

}  // namespace

bool SignalState::default_ignores(int signal) {
    switch (signal) {
    case SIGCHLD:
    case SIGURG:
    case SIGWINCH:
    // Stopping and continuing are not implemented: the stop signals' default action (and
    // SIGCONT's) does nothing (docs/signals.md).
    case SIGCONT:
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
        return true;
    default:
        return false;
    }
}

SignalState::Disposition SignalState::disposition_of(int signal, const Action& action) {
    if (action.handler == ATLAS_SIG_IGN)
        return Disposition::Ignore;
    if (action.handler == ATLAS_SIG_DFL)
        return default_ignores(signal) ? Disposition::Ignore : Disposition::Terminate;
    return Disposition::Handle;
}

void SignalState::update_attention_locked() {
    m_lock.assert_locked();
    bool attention = (m_pending & ~m_blocked) != 0 || m_kill_signal.load(std::memory_order_relaxed) != 0;
    m_attention.store(attention, std::memory_order_relaxed);
}

SignalState::PostResult SignalState::post(int signal, int sender_pid) {
    ASSERT(signal >= 1 && signal <= ATLAS_SIGNAL_COUNT);
    SpinlockLocker locker(m_lock);
    Disposition disposition = disposition_of(signal, action_locked(signal));
    if (disposition == Disposition::Ignore && signal != SIGKILL)
        return PostResult::Discarded;
    m_pending |= bit(signal);
    // Without a table no handler can ask who sent it.
    if (m_table)
        m_table->senders[signal] = sender_pid;
    bool blocked = (m_blocked & bit(signal)) != 0;
    bool fatal = signal == SIGKILL || (disposition == Disposition::Terminate && !blocked);
    if (fatal) {
        int expected = 0;
        m_kill_signal.compare_exchange_strong(expected, signal, std::memory_order_acq_rel);
    }
    update_attention_locked();
    if (fatal)
        return PostResult::Fatal;
    return blocked ? PostResult::Pending : PostResult::Interrupts;
}

Error SignalState::interrupt_call(bool restartable) {
    // The call's own trap frame, at the top of its kernel stack (trap_entry.S), still holds
    // the arguments: the dispatcher stores the result in a0 only after the call returns.
    Thread* thread = Thread::current();
    auto* call = reinterpret_cast<const TrapFrame*>(thread->stack().top - TRAP_FRAME_SIZE - TRAP_FRAME_RECORD_SIZE);
    // No lock: the callers hold a pipe's or the table's, and everything here is the owner's
    // own (only the owner installs the table).
    // Only a handler can restart a call, and a handler means a table.
    m_call_restartable = restartable && m_table && call->scause == trap_cause::kEcallFromUser;
    if (m_call_restartable)
        m_table->restart_argument = call->x[static_cast<int>(Reg::a0)];
    return Error::from_errno(EINTR);
}

ErrorOr<void> SignalState::begin_suspend(uint64_t mask) {
    SpinlockLocker locker(m_lock);
    // Without a table no handler can run, so whatever ends the wait ends the process too:
    // there is no mask to put back.
    if (m_table) {
        m_table->suspend_saved_mask = m_blocked;
        m_restore_mask = true;
    }
    m_blocked = mask & kAllSignals & ~kUnblockable;
    update_attention_locked();
    return {};
}

ErrorOr<void> SignalState::alternate_stack(uint64_t user_sp, const atlas_stack* stack, atlas_stack* old) {
    if (stack && !(stack->ss_flags & ATLAS_SS_DISABLE))
        TRY(ensure_table());
    SpinlockLocker locker(m_lock);
    atlas_stack current { 0, ATLAS_SS_DISABLE, 0, 0 };
    if (m_table)
        current = m_table->alternate_stack;
    bool on_stack = !(current.ss_flags & ATLAS_SS_DISABLE) && user_sp > current.ss_sp
                    && user_sp - current.ss_sp <= current.ss_size;
    if (old) {
        *old = current;
        if (on_stack)
            old->ss_flags = ATLAS_SS_ONSTACK;
    }
    if (!stack)
        return {};
    if (on_stack)
        return Error::from_errno(EPERM);
    if (!m_table)
        return {};  // Disabling where there is no stack.
    if (stack->ss_flags & ATLAS_SS_DISABLE)
        m_table->alternate_stack = atlas_stack { 0, ATLAS_SS_DISABLE, 0, 0 };
    else
        m_table->alternate_stack = atlas_stack { stack->ss_sp, 0, 0, stack->ss_size };
    return {};
}

FrameStack SignalState::alternate_frame_stack_locked(const Action& action, uint64_t user_sp,
                                                     atlas_stack& reported) const {
    m_lock.assert_locked();
    const atlas_stack& alternate = m_table->alternate_stack;
    bool on_stack = user_sp > alternate.ss_sp && user_sp - alternate.ss_sp <= alternate.ss_size;
    reported = atlas_stack { alternate.ss_sp, on_stack ? ATLAS_SS_ONSTACK : 0, 0, alternate.ss_size };
    // A handler interrupted on the alternate stack: the frame goes below, but never beyond
    // the stack's bottom (an overflow kills rather than writes past it).
    if (on_stack)
        return FrameStack { user_sp, alternate.ss_sp };
    if (action.flags & SA_ONSTACK)
        return FrameStack { alternate.ss_sp + alternate.ss_size, alternate.ss_sp };
    return FrameStack { user_sp, 0 };
}

ErrorOr<void> SignalState::ensure_table() {
    {
        SpinlockLocker locker(m_lock);
        if (m_table)
            return {};
    }
    // Only the owner installs a table, so nobody else can have done it meanwhile.
    OwnPtr<Table> table(new (std::nothrow) Table());
    if (!table)
        return Error::from_errno(ENOMEM);
    SpinlockLocker locker(m_lock);
    m_table = std::move(table);
    return {};
}

ErrorOr<void> SignalState::exchange_action(int signal, const atlas_sigaction* action, atlas_sigaction* old) {
    if (action && action->handler != ATLAS_SIG_DFL)
        TRY(ensure_table());
    SpinlockLocker locker(m_lock);
    Action current = action_locked(signal);
    if (old)
        *old = atlas_sigaction { current.handler, current.flags, current.restorer, current.mask };
    if (!action || !m_table)
        return {};  // Nothing asked, or SIG_DFL where every disposition is SIG_DFL already.
    m_table->actions[signal] = Action { action->handler, action->restorer,
                                        static_cast<uint32_t>(action->mask & kAllSignals & ~kUnblockable),
                                        static_cast<uint32_t>(action->flags) };
    // POSIX: setting a disposition that ignores a pending signal discards it.
    if (disposition_of(signal, m_table->actions[signal]) == Disposition::Ignore)
        m_pending &= ~bit(signal);
    update_attention_locked();
    return {};
}

uint64_t SignalState::change_mask(int how, uint64_t set) {
    SpinlockLocker locker(m_lock);
    uint64_t old = m_blocked;
    switch (how) {
    case SIG_BLOCK: m_blocked |= set; break;
    case SIG_UNBLOCK: m_blocked &= ~set; break;
    default: m_blocked = set; break;
    }
    m_blocked &= kAllSignals & ~kUnblockable;
    update_attention_locked();
    return old;
}

uint64_t SignalState::blocked() {
    SpinlockLocker locker(m_lock);
    return m_blocked;
}

uint64_t SignalState::pending() {
    SpinlockLocker locker(m_lock);
    return m_pending;
}

ErrorOr<void> SignalState::copy_for_fork(SignalState& parent) {
    // The parent is the calling thread: only it could install a table, so the test holds.
    bool has_table;
    {
        SpinlockLocker locker(parent.m_lock);
        has_table = parent.m_table.ptr() != nullptr;
    }
    OwnPtr<Table> table;
    if (has_table) {
        table = OwnPtr<Table>(new (std::nothrow) Table());
        if (!table)
            return Error::from_errno(ENOMEM);
    }
    uint64_t blocked;
    {
        SpinlockLocker locker(parent.m_lock);
        if (table) {
            for (int signal = 1; signal <= ATLAS_SIGNAL_COUNT; ++signal)
                table->actions[signal] = parent.m_table->actions[signal];
            table->alternate_stack = parent.m_table->alternate_stack;
        }
        blocked = parent.m_blocked;
    }
    SpinlockLocker locker(m_lock);
    m_table = std::move(table);
    m_blocked = blocked;
    update_attention_locked();
    return {};
}

void SignalState::reset_for_exec() {
    SpinlockLocker locker(m_lock);
    if (!m_table)
        return;
    for (int signal = 1; signal <= ATLAS_SIGNAL_COUNT; ++signal) {
        if (m_table->actions[signal].handler != ATLAS_SIG_IGN)
            m_table->actions[signal] = Action {};
    }
    m_table->alternate_stack = atlas_stack { 0, ATLAS_SS_DISABLE, 0, 0 };
}

void SignalState::enter_handler_locked(int signal, const Action& action) {
    m_lock.assert_locked();
    m_blocked |= action.mask;
    if (!(action.flags & SA_NODEFER))
        m_blocked |= bit(signal);
    m_blocked &= ~kUnblockable;
    // A handler means a table.
    if (action.flags & SA_RESETHAND)
        m_table->actions[signal] = Action {};
    update_attention_locked();
}

void SignalState::deliver_pending(TrapFrame& frame) {
    // A call that gave up with EINTR for this delivery (interrupt_call) restarts if the first
    // handler has SA_RESTART, or if no handler runs at all.
    bool restart_call = false;
    uint64_t restart_argument = 0;
    for (;;) {
        int signal = 0;
        Action action;
        Disposition disposition;
        FrameHead head = make_head(0, SI_USER);
        FrameStack stack {};
        {
            SpinlockLocker locker(m_lock);
            if (m_call_restartable) {
                m_call_restartable = false;
                restart_call = frame.reg(Reg::a0) == static_cast<uint64_t>(-EINTR);
                restart_argument = m_table ? m_table->restart_argument : 0;
            }
            if (int kill = m_kill_signal.load(std::memory_order_relaxed)) {
                signal = kill;
                disposition = Disposition::Terminate;
            } else {
                uint64_t deliverable = m_pending & ~m_blocked;
                if (!deliverable && m_restore_mask) {
                    // sigsuspend ended with no handler to run: its mask goes now.
                    m_restore_mask = false;
                    m_blocked = m_table->suspend_saved_mask;
                    deliverable = m_pending & ~m_blocked;
                }
                if (!deliverable) {
                    update_attention_locked();
                    break;
                }
                signal = __builtin_ctzll(deliverable) + 1;
                m_pending &= ~bit(signal);
                action = action_locked(signal);
                disposition = disposition_of(signal, action);
                head.info.si_signo = signal;
                head.info.fields.kill.pid = m_table ? m_table->senders[signal] : 0;
                head.uc_sigmask = m_blocked;
                if (disposition == Disposition::Handle) {
                    if (m_restore_mask) {
                        // The first handler after sigsuspend returns to the mask before it.
                        m_restore_mask = false;
                        head.uc_sigmask = m_table->suspend_saved_mask;
                    }
                    stack = frame_stack_locked(action, frame.sp(), head.uc_stack);
                    enter_handler_locked(signal, action);
                } else {
                    update_attention_locked();
                }
            }
        }
        if (disposition == Disposition::Ignore)
            continue;
        if (disposition == Disposition::Handle) {
            if (restart_call) {
                // The frame saves the registers the handler returns to: the ecall again, or
                // its EINTR.
                restart_call = false;
                if (action.flags & SA_RESTART)
                    rewind_call(frame, restart_argument);
            }
            if (push_frame(frame, head, action.handler, action.restorer, stack)) {
                // The flag was brought up to date under the lock: most often nothing is
                // left, and the lock need not be taken again to see it.
                if (!attention())
                    return;
                continue;
            }
        }
        // A terminating signal, or a handled one whose frame could not be written.
        Process::exit_current(ATLAS_W_SIGNALED(signal));
    }
    if (restart_call)
        rewind_call(frame, restart_argument);
}

bool SignalState::deliver_fault(TrapFrame& frame, int signal, int code, uint64_t address) {
    Action action;
    uint64_t old_mask;
    FrameHead head = make_head(signal, code);
    FrameStack stack;
    {
        SpinlockLocker locker(m_lock);
        action = action_locked(signal);
        old_mask = m_blocked;
        // A fault cannot wait, nor be ignored: with its handler blocked, or none, it kills.
        if (disposition_of(signal, action) != Disposition::Handle || (m_blocked & bit(signal)))
            return false;
        stack = frame_stack_locked(action, frame.sp(), head.uc_stack);
        enter_handler_locked(signal, action);
    }
    head.info.fields.addr = address;
    head.uc_sigmask = old_mask;
    if (push_frame(frame, head, action.handler, action.restorer, stack))
        return true;
    // Put the mask back: the process dies anyway, but nothing should look half-done.
    SpinlockLocker locker(m_lock);
    m_blocked = old_mask;
    update_attention_locked();
    return false;
}

ErrorOr<void> SignalState::sigreturn(TrapFrame& frame) {
    uint64_t address = frame.sp();
    uint64_t mask;
    FpRegisters fp;
    TRY(copy_from_user(mask, address + offsetof(FrameHead, uc_sigmask)));
    TRY(copy_from_user(fp, address + kRegistersStart + offsetof(SavedRegisters, fp)));
    // Only user state comes from the frame: the pc, x1..x31, the FP registers and the
    // mask. sstatus (privilege, interrupt enable, SUM) stays the kernel's own. The pc and
    // x1..x31 go straight into the trap frame, the pc through x0's slot (x[0], never loaded
    // back), last: if that copy fails halfway the caller ends the process, whose registers
    // then no longer matter.
    if (auto copied = copy_from_user(frame.x, address + kRegistersStart, sizeof(frame.x)); copied.is_error()) {
        frame.x[0] = 0;
        return copied.release_error();
    }
    frame.sepc = frame.x[0];
    frame.x[0] = 0;
    fp_load_current(fp, frame);
    SpinlockLocker locker(m_lock);
    m_blocked = mask & kAllSignals & ~kUnblockable;
    update_attention_locked();
    return {};
}
