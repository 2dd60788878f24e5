// Signal system calls: rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigreturn (kill is
// in sys_proc.cc). They check and copy arguments; the state and delivery are in
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
