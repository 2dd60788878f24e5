// Process system calls: fork, exit, wait, waitpid, kill, exec, getpid, getppid, sleep,
// uptime, and the process-group calls setpgid, getpgid, getsid, setsid. They check and copy arguments; the work is in kernel/proc.
#include "arch/riscv64/timer.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/address_space.h"
#include "mm/kernel_heap.h"
#include "proc/process.h"
#include "proc/process_group.h"
#include "syscall/abi.h"
#include "syscall/handlers.h"

ErrorOr<int> sys_fork(TrapFrame& frame) { return current_process()->fork(frame); }

ErrorOr<void> sys_exit(int code) { Process::exit_current(ATLAS_W_EXITCODE(code)); }

ErrorOr<int> sys_wait(UserPtr<int> status) { return Process::wait(-1, status.address(), 0); }

ErrorOr<int> sys_waitpid(int pid, UserPtr<int> status, int options) {
    return Process::wait(pid, status.address(), options);
}

// Signals are 1..31 (Linux's classic set; there are no real-time ones); 0 only checks that
// the process exists. Anything else is EINVAL, as POSIX says, and signals nobody. What a
// signal does to its target is proc/signal.h's business.
ErrorOr<void> sys_kill(int pid, int signal) {
    if (signal < 0 || signal > 31)
        return Error::from_errno(EINVAL);
    return Process::kill(pid, signal);
}

namespace {

// exec's arguments in the kernel: one heap block holding the pointer array and the strings.
class ArgumentCopy {
public:
    ArgumentCopy() = default;
    ~ArgumentCopy() { kfree(m_block); }
    ArgumentCopy(const ArgumentCopy&) = delete;
    ArgumentCopy& operator=(const ArgumentCopy&) = delete;

    // E2BIG beyond ATLAS_MAX_ARGS strings or ATLAS_MAX_ARG_BYTES bytes; EFAULT; ENOMEM.
    ErrorOr<void> copy_from(UserPtr<uint64_t> argv) {
        constexpr size_t kPointerBytes = (ATLAS_MAX_ARGS + 1) * sizeof(char*);
        m_block = static_cast<char*>(kmalloc(kPointerBytes + ATLAS_MAX_ARG_BYTES));
        if (!m_block)
            return Error::from_errno(ENOMEM);
        auto** strings = reinterpret_cast<char**>(m_block);
        char* cursor = m_block + kPointerBytes;
        size_t room = ATLAS_MAX_ARG_BYTES;
        if (argv.is_null())
            return {};  // No argv at all: argc 0, as Linux allows.
        for (;;) {
            uint64_t pointer = TRY(argv.at(m_count).read());
            if (pointer == 0)
                break;
            if (m_count == ATLAS_MAX_ARGS || room == 0)
                return Error::from_errno(E2BIG);
            auto length = copy_string_from_user(cursor, pointer, room);
            if (length.is_error())
                return Error::from_errno(length.error().code() == ENAMETOOLONG ? E2BIG : length.error().code());
            strings[m_count++] = cursor;
            cursor += length.value() + 1;
            room -= length.value() + 1;
        }
        return {};
    }

    ExecArguments arguments() const { return ExecArguments { reinterpret_cast<const char* const*>(m_block), m_count }; }

private:
    char* m_block { nullptr };
    size_t m_count { 0 };
};

}  // namespace

ErrorOr<uint64_t> sys_exec(TrapFrame& frame, UserString path, UserPtr<uint64_t> argv, uint64_t) {
    KernelPath kernel_path = TRY(KernelPath::copy_from(path));
    ArgumentCopy arguments;
    TRY(arguments.copy_from(argv));
    LoadedImage image = TRY(Process::load_image(kernel_path.c_str(), arguments.arguments()));
    uint64_t argc = image.argc;
    current_process()->install_image(std::move(image), kernel_path.c_str(), &frame);
    // The dispatcher stores this in a0, which is where the new program finds argc.
    return argc;
}

ErrorOr<int> sys_getpid() { return current_process()->pid(); }

ErrorOr<int> sys_getppid() { return current_process()->parent_pid(); }

ErrorOr<void> sys_sleep(int64_t ticks) {
    if (ticks < 0)
        return Error::from_errno(EINVAL);
    return Process::sleep_ticks(static_cast<uint64_t>(ticks));
}

ErrorOr<uint64_t> sys_uptime() { return timer_ticks(); }

ErrorOr<void> sys_setpgid(int pid, int pgid) {
    if (pgid < 0)
        return Error::from_errno(EINVAL);  // Checked first, as Linux does.
    if (pid < 0)
        return Error::from_errno(ESRCH);  // Linux: no process has a negative pid.
    return ProcessGroup::set_group(pid, pgid);
}

ErrorOr<int> sys_getpgid(int pid) {
    if (pid < 0)
        return Error::from_errno(ESRCH);
    return ProcessGroup::group_of(pid);
}

ErrorOr<int> sys_getsid(int pid) {
    if (pid < 0)
        return Error::from_errno(ESRCH);
    return ProcessGroup::session_of(pid);
}

ErrorOr<int> sys_setsid() { return ProcessGroup::create_session(); }
