// Signal system calls: rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigreturn,
// rt_sigsuspend, sigaltstack, tgkill, getitimer and setitimer (kill is in sys_proc.cc). They check and copy arguments; the state and delivery are in
// proc/signal.h. Every pointer is read before anything changes and every result written
// before the change is made, so EFAULT always leaves the process's signal state as it was.
#include "lib/errno.h"
#include "lib/kprintf.h"
#include "proc/process.h"
#include "syscall/abi.h"
#include "syscall/handlers.h"
#include "syscall/signal_abi.h"

namespace {

constexpr size_t kSigsetSize = sizeof(uint64_t);

bool valid_signal(int signal) { return signal >= 1 && signal <= ATLAS_SIGNAL_COUNT; }

}  // namespace

ErrorOr<void> sys_rt_sigaction(int signal, UserPtr<atlas_sigaction> action, UserPtr<atlas_sigaction> old,
                               size_t set_size) {
    if (set_size != kSigsetSize || !valid_signal(signal))
        return Error::from_errno(EINVAL);
    atlas_sigaction new_action {};
    if (!action.is_null()) {
        // SIGKILL and SIGSTOP can be neither caught nor ignored (asking is fine).
        if (signal == SIGKILL || signal == SIGSTOP)
            return Error::from_errno(EINVAL);
        new_action = TRY(action.read());
    }
    SignalState& signals = current_process()->signals();
    if (!old.is_null()) {
        atlas_sigaction previous;
        TRY(signals.exchange_action(signal, nullptr, &previous));
        TRY(old.write(previous));
    }
    if (!action.is_null())
        TRY(signals.exchange_action(signal, &new_action, nullptr));
    return {};
}

ErrorOr<void> sys_rt_sigprocmask(int how, UserPtr<uint64_t> set, UserPtr<uint64_t> old, size_t set_size) {
    if (set_size != kSigsetSize)
        return Error::from_errno(EINVAL);
    uint64_t new_set = 0;
    if (!set.is_null()) {
        if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
            return Error::from_errno(EINVAL);
        new_set = TRY(set.read());
    }
    SignalState& signals = current_process()->signals();
    if (!old.is_null())
        TRY(old.write(signals.blocked()));
    if (!set.is_null())
        signals.change_mask(how, new_set);
    return {};
}

ErrorOr<void> sys_rt_sigpending(UserPtr<uint64_t> set, size_t set_size) {
    if (set_size != kSigsetSize)
        return Error::from_errno(EINVAL);
    SignalState& signals = current_process()->signals();
    return set.write(signals.pending() & signals.blocked());
}

// The registers come back from the frame at sp; a0 is the restored one, returned so that
// the dispatcher's store of the result leaves it as it was. A frame that cannot be read
// ends the process with SIGSEGV, as on Linux.
ErrorOr<uint64_t> sys_rt_sigreturn(TrapFrame& frame) {
    Process* self = current_process();
    uint64_t frame_address = frame.sp();  // A failed sigreturn may have changed the registers.
    if (self->signals().sigreturn(frame).is_error()) {
        kprintf("pid %d (%s): killed by signal %d: unreadable signal frame at %p in rt_sigreturn\n", self->pid(),
                self->name(), SIGSEGV, reinterpret_cast<void*>(frame_address));
        Process::exit_current(ATLAS_W_SIGNALED(SIGSEGV));
    }
    return frame.reg(Reg::a0);
}

// The mask holds until a handled signal comes; the first handler's frame saves the mask from
// before, and the call always returns EINTR (a handler never restarts it).
ErrorOr<void> sys_rt_sigsuspend(UserPtr<uint64_t> mask, size_t set_size) {
    if (set_size != kSigsetSize)
        return Error::from_errno(EINVAL);
    uint64_t new_mask = TRY(mask.read());
    TRY(current_process()->signals().begin_suspend(new_mask));
    return Process::pause_until_signal();
}

ErrorOr<void> sys_sigaltstack(TrapFrame& frame, UserPtr<atlas_stack> stack, UserPtr<atlas_stack> old) {
    atlas_stack new_stack {};
    if (!stack.is_null()) {
        new_stack = TRY(stack.read());
        // SS_ONSTACK is accepted as 0, as Linux accepts it; nothing else is.
        if (new_stack.ss_flags & ~(ATLAS_SS_DISABLE | ATLAS_SS_ONSTACK))
            return Error::from_errno(EINVAL);
        if (!(new_stack.ss_flags & ATLAS_SS_DISABLE) && new_stack.ss_size < ATLAS_MINSIGSTKSZ)
            return Error::from_errno(ENOMEM);
    }
    SignalState& signals = current_process()->signals();
    uint64_t user_sp = frame.sp();
    if (!old.is_null()) {
        atlas_stack previous;
        TRY(signals.alternate_stack(user_sp, nullptr, &previous));
        TRY(old.write(previous));
    }
    if (!stack.is_null())
        TRY(signals.alternate_stack(user_sp, &new_stack, nullptr));
    return {};
}

// One thread per process: its id is the pid, so tid must name the process tgid names.
ErrorOr<void> sys_tgkill(int tgid, int tid, int signal) {
    if (tgid <= 0 || tid <= 0 || signal < 0 || signal > ATLAS_SIGNAL_COUNT)
        return Error::from_errno(EINVAL);
    if (tid != tgid)
        return Error::from_errno(ESRCH);
    return Process::kill(tid, signal);
}

ErrorOr<void> sys_getitimer(int which, UserPtr<atlas_itimerval> value) {
    if (which != ATLAS_ITIMER_REAL)
        return Error::from_errno(EINVAL);
    atlas_itimerval current = TRY(current_process()->real_timer());
    return value.write(current);
}

// A null `value` disarms, as on Linux. `old` is written after the change (as Linux does):
// EFAULT for it leaves the new timer set.
ErrorOr<void> sys_setitimer(int which, UserPtr<atlas_itimerval> value, UserPtr<atlas_itimerval> old) {
    if (which != ATLAS_ITIMER_REAL)
        return Error::from_errno(EINVAL);
    atlas_itimerval new_value {};
    if (!value.is_null())
        new_value = TRY(value.read());
    atlas_itimerval previous = TRY(current_process()->set_real_timer(new_value));
    if (!old.is_null())
        TRY(old.write(previous));
    return {};
}
