// Signals: dispositions, masks, delivery and rt_sigreturn. See signal.h.
#include "proc/signal.h"

#include <cstddef>

#include "arch/riscv64/fp_state.h"
#include "arch/riscv64/trap_frame.h"
#include "lib/assert.h"
#include "lib/string.h"
#include "mm/user_memory.h"
#include "proc/process.h"
#include "proc/thread.h"
#include "syscall/abi.h"

namespace {

// The registers the frame holds and sigreturn restores: the pc and x1..x31.
void save_registers(const TrapFrame& frame, atlas_sigcontext& context) {
    context.regs[0] = frame.sepc;
    for (unsigned n = 1; n < 32; ++n)
        context.regs[n] = frame.x[n];
    FpState fp {};
    fp_capture_current(fp);
    for (unsigned n = 0; n < 32; ++n)
        context.fpregs[n] = fp.f[n];
    context.fcsr = static_cast<uint32_t>(fp.fcsr);
}

// Writes the frame for `signal`'s handler below the user sp and points the registers at
// the handler. False if the frame cannot be written (nothing is changed then).
bool push_frame(TrapFrame& frame, const atlas_siginfo& info, uint64_t handler, uint64_t restorer,
                uint64_t old_mask) {
    uint64_t sp = frame.sp();
    uint64_t address = (sp - sizeof(atlas_signal_frame)) & ~uint64_t { 15 };
    if (address > sp)
        return false;
    // A kernel copy (about 1 KiB of stack), so that the user stack is written in one go.
    atlas_signal_frame signal_frame;
    klib::memset(&signal_frame, 0, sizeof(signal_frame));
    signal_frame.info = info;
    signal_frame.uc.uc_stack.ss_flags = ATLAS_SS_DISABLE;
    signal_frame.uc.uc_sigmask = old_mask;
    save_registers(frame, signal_frame.uc.uc_mcontext);
    if (copy_to_user(address, &signal_frame, sizeof(signal_frame)).is_error())
        return false;
    frame.sepc = handler;
    frame.reg(Reg::ra) = restorer;
    frame.reg(Reg::sp) = address;
    frame.reg(Reg::a0) = static_cast<uint64_t>(info.si_signo);
    frame.reg(Reg::a1) = address + offsetof(atlas_signal_frame, info);
    frame.reg(Reg::a2) = address + offsetof(atlas_signal_frame, uc);
    return true;
}

atlas_siginfo make_info(int signal, int code) {
    atlas_siginfo info;
    klib::memset(&info, 0, sizeof(info));
    info.si_signo = signal;
    info.si_code = code;
    return info;
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
    const Action& action = m_actions[signal];
    Disposition disposition = disposition_of(signal, action);
    if (disposition == Disposition::Ignore && signal != SIGKILL)
        return PostResult::Discarded;
    m_pending |= bit(signal);
    m_senders[signal] = sender_pid;
    bool fatal = signal == SIGKILL || (disposition == Disposition::Terminate && !(m_blocked & bit(signal)));
    if (fatal) {
        int expected = 0;
        m_kill_signal.compare_exchange_strong(expected, signal, std::memory_order_acq_rel);
    }
    update_attention_locked();
    return fatal ? PostResult::Fatal : PostResult::Pending;
}

void SignalState::exchange_action(int signal, const atlas_sigaction* action, atlas_sigaction* old) {
    SpinlockLocker locker(m_lock);
    Action& slot = m_actions[signal];
    if (old)
        *old = atlas_sigaction { slot.handler, slot.flags, slot.restorer, slot.mask };
    if (!action)
        return;
    slot = Action { action->handler, action->restorer, action->mask & ~kUnblockable, action->flags };
    // POSIX: setting a disposition that ignores a pending signal discards it.
    if (disposition_of(signal, slot) == Disposition::Ignore)
        m_pending &= ~bit(signal);
    update_attention_locked();
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

void SignalState::copy_for_fork(SignalState& parent) {
    Action actions[ATLAS_SIGNAL_COUNT + 1];
    uint64_t blocked;
    {
        SpinlockLocker locker(parent.m_lock);
        for (int signal = 1; signal <= ATLAS_SIGNAL_COUNT; ++signal)
            actions[signal] = parent.m_actions[signal];
        blocked = parent.m_blocked;
    }
    SpinlockLocker locker(m_lock);
    for (int signal = 1; signal <= ATLAS_SIGNAL_COUNT; ++signal)
        m_actions[signal] = actions[signal];
    m_blocked = blocked;
    update_attention_locked();
}

void SignalState::reset_for_exec() {
    SpinlockLocker locker(m_lock);
    for (int signal = 1; signal <= ATLAS_SIGNAL_COUNT; ++signal) {
        if (m_actions[signal].handler != ATLAS_SIG_IGN)
            m_actions[signal] = Action {};
    }
}

void SignalState::enter_handler_locked(int signal, const Action& action) {
    m_lock.assert_locked();
    m_blocked |= action.mask;
    if (!(action.flags & SA_NODEFER))
        m_blocked |= bit(signal);
    m_blocked &= ~kUnblockable;
    if (action.flags & SA_RESETHAND)
        m_actions[signal] = Action {};
    update_attention_locked();
}

void SignalState::deliver_pending(TrapFrame& frame) {
    for (;;) {
        int signal = 0;
        Action action;
        uint64_t old_mask = 0;
        Disposition disposition;
        atlas_siginfo info = make_info(0, SI_USER);
        {
            SpinlockLocker locker(m_lock);
            if (int kill = m_kill_signal.load(std::memory_order_relaxed)) {
                signal = kill;
                disposition = Disposition::Terminate;
            } else {
                uint64_t deliverable = m_pending & ~m_blocked;
                if (!deliverable) {
                    update_attention_locked();
                    return;
                }
                signal = __builtin_ctzll(deliverable) + 1;
                m_pending &= ~bit(signal);
                action = m_actions[signal];
                disposition = disposition_of(signal, action);
                info.si_signo = signal;
                info.fields.kill.pid = m_senders[signal];
                old_mask = m_blocked;
                if (disposition == Disposition::Handle)
                    enter_handler_locked(signal, action);
                else
                    update_attention_locked();
            }
        }
        if (disposition == Disposition::Ignore)
            continue;
        if (disposition == Disposition::Handle && push_frame(frame, info, action.handler, action.restorer, old_mask))
            continue;
        // A terminating signal, or a handled one whose frame could not be written.
        Process::exit_current(ATLAS_W_SIGNALED(signal));
    }
}

bool SignalState::deliver_fault(TrapFrame& frame, int signal, int code, uint64_t address) {
    Action action;
    uint64_t old_mask;
    {
        SpinlockLocker locker(m_lock);
        action = m_actions[signal];
        old_mask = m_blocked;
        // A fault cannot wait, nor be ignored: with its handler blocked, or none, it kills.
        if (disposition_of(signal, action) != Disposition::Handle || (m_blocked & bit(signal)))
            return false;
        enter_handler_locked(signal, action);
    }
    atlas_siginfo info = make_info(signal, code);
    info.fields.addr = address;
    if (push_frame(frame, info, action.handler, action.restorer, old_mask))
        return true;
    // Put the mask back: the process dies anyway, but nothing should look half-done.
    SpinlockLocker locker(m_lock);
    m_blocked = old_mask;
    update_attention_locked();
    return false;
}

ErrorOr<void> SignalState::sigreturn(TrapFrame& frame) {
    uint64_t address = frame.sp();
    atlas_ucontext context;
    TRY(copy_from_user(context, address + offsetof(atlas_signal_frame, uc)));
    // Only user state comes from the frame: the pc, x1..x31, the FP registers and the
    // mask. sstatus (privilege, interrupt enable, SUM) stays the kernel's own.
    const atlas_sigcontext& saved = context.uc_mcontext;
    frame.sepc = saved.regs[0];
    for (unsigned n = 1; n < 32; ++n)
        frame.x[n] = saved.regs[n];
    FpState fp {};
    for (unsigned n = 0; n < 32; ++n)
        fp.f[n] = saved.fpregs[n];
    fp.fcsr = saved.fcsr;
    fp_load_current(fp, frame);
    SpinlockLocker locker(m_lock);
    m_blocked = context.uc_sigmask & kAllSignals & ~kUnblockable;
    update_attention_locked();
    return {};
}
