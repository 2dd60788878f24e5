// Process creation: fork, and the first process. See process.h.
//
// fork builds the whole child before anything becomes visible: the Process object, the
// copy-on-write address space, the thread and the saved registers. Only then does it take
// the table lock to give the child a pid and link it under the parent, and start its
// thread. A failure before that point frees what was built and leaves the parent as it was
// (apart from its writable pages now being write-protected, which the next write fault
// undoes).
#include "arch/riscv64/fp_state.h"
#include "arch/riscv64/trap_frame.h"
#include "arch/riscv64/user_trap.h"
#include "fs/file_system.h"
#include "fs/root_file_system.h"
#include "lib/string.h"
#include "mm/address_space.h"
#include "proc/console_file.h"
#include "proc/process.h"
#include "proc/process_group.h"
#include "proc/process_table.h"
#include "proc/thread.h"

namespace {

const char* path_tail(const char* path) {
    const char* tail = path;
    for (const char* p = path; *p; ++p)
        if (*p == '/' && p[1])
            tail = p + 1;
    return tail;
}

}  // namespace

void Process::fork_child_entry(void* argument) {
    auto* self = static_cast<Process*>(argument);
    address_space_switch_current(self->m_address_space.ptr());
    // Move the registers onto this stack and free the copy before leaving the kernel.
    TrapFrame frame = *self->m_fork_frame;
    self->m_fork_frame = nullptr;
    return_to_user_mode(frame);
}

ErrorOr<int> Process::fork(const TrapFrame& frame) {
    if (ProcessTable::count() >= ProcessTable::limit())
        return Error::from_errno(EAGAIN);

    auto child = TRY(try_make_ref_counted<Process>());
    klib::strlcpy(child->m_name, m_name, sizeof(child->m_name));
    child->m_fork_frame = OwnPtr<TrapFrame>(new (std::nothrow) TrapFrame(frame));
    if (!child->m_fork_frame)
        return Error::from_errno(ENOMEM);
    child->m_fork_frame->reg(Reg::a0) = 0;

    child->m_address_space = TRY(m_address_space->clone_for_fork());
    child->m_files.copy_from(m_files);
    child->m_cwd = m_cwd;
    TRY(child->m_signals.copy_for_fork(m_signals));

    auto thread = TRY(Thread::try_create(m_name, &Process::fork_child_entry, child.ptr()));
    thread->set_process(child.ptr());
    fp_state_copy_current_to(*thread);
    child->m_thread = thread;

    int pid;
    {
        SpinlockLocker locker(ProcessTable::lock());
        // A parent killed while it forked dies on its way out, and so must its fork: no
        // child may outlive a kill that came before the child existed (the child joins the
        // table only here, so a kill posted later is one the child was born before).
        auto inserted = is_killed() ? ErrorOr<void>(Error::from_errno(EINTR)) : ProcessTable::insert_locked(*child, this);
        if (inserted.is_error()) {
            locker.unlock();
            // Never started, so the thread simply goes away with the child.
            thread->set_process(nullptr);
            return inserted.release_error();
        }
        pid = child->m_pid;
        ProcessGroup::join_parent_locked(*child, *this);
    }
    thread->start();
    return pid;
}

void Process::first_process_entry(void* argument) {
    auto* self = static_cast<Process*>(argument);
    uint64_t entry = self->m_first_image.entry;
    uint64_t stack_pointer = self->m_first_image.stack_pointer;
    uint64_t argc = self->m_first_image.argc;
    uint64_t argv = self->m_first_image.argv;
    self->install_image(std::move(self->m_first_image), nullptr, nullptr);
    enter_user_mode(entry, stack_pointer, argc, argv);
}

ErrorOr<RefPtr<Process>> Process::create_first(const char* path, const ExecArguments& arguments) {
    fs::FileSystem* fs = root_file_system();
    if (!fs)
        return Error::from_errno(ENOENT);
    auto process = TRY(try_make_ref_counted<Process>());
    process->m_cwd = fs->root();
    for (int fd = 0; fd < 3; ++fd) {
        auto console = TRY(ConsoleFile::try_create(FileAccess::ReadWrite));
        TRY(process->m_files.install(fd, std::move(console)));
    }
    process->m_first_image = TRY(load_image(path, arguments));
    klib::strlcpy(process->m_name, path_tail(path), sizeof(process->m_name));

    auto group = TRY(try_make_ref_counted<ProcessGroup>());

    auto thread = TRY(Thread::try_create(process->m_name, &Process::first_process_entry, process.ptr()));
    thread->set_process(process.ptr());
    process->m_thread = thread;
    {
        SpinlockLocker locker(ProcessTable::lock());
        TRY(ProcessTable::insert_locked(*process, nullptr));
        ProcessGroup::found_first_locked(*process, std::move(group));
    }
    thread->start();
    return process;
}
