// Process: a user program in execution: an AddressSpace, a file table, a working directory
// and one thread, with its place in the tree of processes.
//
//            init (pid 1)
//           /            \            children lists (parent -> child), each child
//       sh (pid 2)     [zombie 7]     with a raw m_parent pointer back up
//        |
//     ls (pid 9)
//
// The process table is an AVL tree keyed by pid (process_table.h; no fixed array: the count
// is bounded by memory, and by ProcessTable::limit(), which fork turns into EAGAIN). Pids
// count up from 1 and skip any still in use.
//
// Life cycle (fork.cc, exec.cc, exit.cc):
//
//   fork ──> Running ──exit / killed──> Zombie ──parent's wait──> reaped (freed)
//              exec replaces the AddressSpace in place
//
// A zombie has released everything but this object: its address space, files and working
// directory are gone, and its thread has ended (or is about to, without touching the
// Process again). Its exit status waits for the parent. When a process exits, its children
// are handed to init, which reaps them.
//
// References: the table holds one reference to each process it lists and the parent's
// children list another; both are dropped when the parent reaps the zombie. The Process
// owns its Thread (RefPtr); the thread points back with a raw pointer (Thread::process())
// that it clears itself before the process becomes a zombie, so the pointer is valid
// whenever it is not null.
//
// Signals (proc/signal.h, docs/signals.md): kill() posts a signal to the process's
// SignalState; the process takes it at its next return to user mode
// (process_deliver_signals). A signal that must end the process at once (SIGKILL, or a
// default action that terminates) sets its kill signal; it and a handled signal that is not
// blocked wake the process if it sleeps interruptibly (wait, sleep, pause, sigsuspend, a
// pipe, the console: interrupt_sleep_locked), and the call returns EINTR or restarts. A
// process's exit sends SIGCHLD to its parent; its alarm (proc/alarm.h) sends SIGALRM.
//
// Process groups and sessions (process_group.h): each process is a member of one group,
// from fork until it is reaped; kill() of a group visits only the group's member list.
//
// Locking: the table lock (process_table.h), a Spinlock held only for short list and tree
// updates, guards the table, every m_parent, m_children, m_state and m_exit_status, the
// group links (m_group, m_group_node, m_did_exec) and the armed alarms (alarm.h), and is the
// lock m_child_exited sleeps on; signals are posted and sleepers woken under it
// (post_signal_locked). Everything else (address space, files, cwd, name) is
// touched only by the process's own thread, so it needs no lock (one thread per process),
// with one exception: procmaps reads another process's address space and name, so the
// owner changes those two (exec, exit) under m_image_lock (a Mutex, rank Process, taken
// before the address space's lock), and that reader takes it too.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "lib/error_or.h"
#include "lib/intrusive_list.h"
#include "lib/intrusive_tree.h"
#include "lib/own_ptr.h"
#include "lib/ref_ptr.h"
#include "mm/fault.h"
#include "proc/alarm.h"
#include "proc/file_table.h"
#include "proc/signal.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"
#include "syscall/signal_abi.h"

class AddressSpace;
class Pipe;
class ProcessGroup;
class Thread;
struct TrapFrame;
namespace fs {
class Inode;
}

enum class ProcessState : uint8_t { Running, Zombie };

// What exec builds before it touches the calling process: a complete new address space
// and the registers to start it with (exec.cc).
struct LoadedImage {
    OwnPtr<AddressSpace> address_space;
    uint64_t entry { 0 };
    uint64_t stack_pointer { 0 };
    uint64_t argc { 0 };
    uint64_t argv { 0 };  // User address of the argv array.
};

// Arguments for exec, in kernel memory: `count` NUL-terminated strings.
struct ExecArguments {
    const char* const* strings { nullptr };
    size_t count { 0 };
};

class Process : public RefCounted<Process> {
public:
    static constexpr size_t kMaxNameLength = 31;

    Process();
    ~Process();

    int pid() const { return m_pid; }
    const char* name() const { return m_name; }
    AddressSpace* address_space() { return m_address_space.ptr(); }
    FileTable& files() { return m_files; }
    fs::Inode* cwd() { return m_cwd.ptr(); }
    void set_cwd(RefPtr<fs::Inode> cwd);
    Thread* thread() { return m_thread.ptr(); }

    // The parent's pid (0 for init). Takes the table lock.
    int parent_pid() const;

    // --- Creation (fork.cc) ---

    // The first user process, pid 1: fds 0, 1 and 2 on the console, cwd "/", running
    // `path` with `arguments`. Its thread is started. The errors are exec's.
    static ErrorOr<RefPtr<Process>> create_first(const char* path, const ExecArguments& arguments);

    // fork: a copy of the calling process (copy-on-write memory, shared open files, same
    // cwd) whose thread returns to user mode from `frame` with a0 = 0. Returns the child's
    // pid. EAGAIN at the process limit, ENOMEM.
    ErrorOr<int> fork(const TrapFrame& frame);

    // --- exec (exec.cc) ---

    // Loads `path` into a new address space with `arguments` on its stack. Touches nothing
    // of the calling process, so any failure leaves it intact. ENOENT, EACCES (not a
    // regular file), ENOEXEC (not a valid static RISC-V ELF64), E2BIG, ENOMEM, EIO.
    static ErrorOr<LoadedImage> load_image(const char* path, const ExecArguments& arguments);

    // Makes `image` this process's memory: swaps the address space in (and frees the old
    // one), renames the process after `path`, and, if `frame` is given, sets the user
    // registers so that the return from the trap starts the program. Cannot fail. Called
    // by the process's own thread.
    void install_image(LoadedImage image, const char* path, TrapFrame* frame);

    // --- Exit, wait, kill (exit.cc) ---

    // Ends the calling process with `status` (a wait status word, syscall/abi.h): closes
    // its files, frees its memory, hands its children to init, becomes a zombie, wakes the
    // parent and ends the thread. No lock may be held.
    [[noreturn]] static void exit_current(int status);

    // waitpid: reaps a zombie child (any child if pid == -1, one of the caller's group if
    // 0, one of group -pid if below -1), storing its status at
    // `user_status` if not 0. Returns its pid, or 0 with WNOHANG if none has exited yet
    // (then the status is left untouched, as on Linux). ECHILD if there is no such child,
    // EFAULT (the child is then not reaped), EINTR if a signal interrupts (restartable).
    static ErrorOr<int> wait(int pid, uint64_t user_status, int options);

    // Sends `signal` to process `pid` (0: only checks that it exists); see signal.h for
    // what becomes of it. A signal that ends the process, or has a handler and is not
    // blocked, wakes it from an interruptible sleep. ESRCH if there is no live process,
    // EPERM for init. `signal` is 0..31 (the caller checks).
    static ErrorOr<void> kill(int pid, int signal);

    // With the table lock held: posts `signal` from `sender_pid` (0: the kernel) and, if it
    // interrupts or kills, wakes the process from an interruptible sleep. Any thread, all
    // without sleeping or allocating: kill() and the group sends (process_group.h), the
    // console's Ctrl-C from its interrupt handler included.
    void post_signal_locked(int signal, int sender_pid);
    // With the table lock held: wakes the process if it sleeps in wait, pause, sigsuspend or
    // on a pipe (sleep and console reads look every tick). Any thread.
    void interrupt_sleep_locked();
    // True when a blocked call should give up: a signal is to be delivered or the process
    // is killed (the attention flag). The process's own thread.
    bool signal_interrupts() const { return m_signals.attention(); }
    // pause and sigsuspend: sleeps until signal_interrupts(); then EINTR (never restarted).
    static ErrorOr<void> pause_until_signal();

    // setitimer(ITIMER_REAL): arms (a zero it_value disarms) and returns the timer as it
    // was. EINVAL (a negative or out-of-range field), ENOMEM. The process's own thread.
    ErrorOr<atlas_itimerval> set_real_timer(const atlas_itimerval& value);
    // getitimer(ITIMER_REAL): the time left and the interval.
    ErrorOr<atlas_itimerval> real_timer();

    bool is_killed() const { return m_signals.kill_signal() != 0; }
    int kill_signal() const { return m_signals.kill_signal(); }
    SignalState& signals() { return m_signals; }

    // Blocking pipe calls register the pipe here, so that kill() can wake the sleeper.
    void set_blocked_pipe(Pipe* pipe);

    // Sleeps `ticks` timer ticks (10 ms); EINTR (never restarted) if a signal interrupts.
    static ErrorOr<void> sleep_ticks(uint64_t ticks);

    // The process `pid` with a reference, or null if there is none or it is a zombie.
    static RefPtr<Process> find_live(int pid);

    // Held by exec and exit while they replace or drop the address space and the name, and
    // by any thread but the owner while it reads them (procmaps). The owner's own reads
    // need no lock. Never held across a sleep on anything but the address-space lock.
    Mutex& image_lock() { return m_image_lock; }

    // Processes alive or zombie right now, and the most fork allows.
    static size_t count();
    static size_t process_limit();

    // The table's hooks and the tree links, guarded by the table lock. Public only so that
    // the intrusive containers can name them; nothing outside kernel/proc touches them.
    TreeNode m_table_node;
    ListNode m_sibling_node;
    Process* m_parent { nullptr };
    IntrusiveList<Process, &Process::m_sibling_node> m_children;
    ProcessState m_state { ProcessState::Running };
    int m_exit_status { 0 };
    // wait() sleeps here until a child exits; pause and sigsuspend until a signal comes
    // (interrupt_sleep_locked wakes it for them too). Under the table lock.
    WaitQueue m_child_exited { "child exited" };
    // The process group (process_group.h): the membership link and a reference to the
    // group, both guarded by the table lock; set from fork (or create_first) until reaped.
    ListNode m_group_node;
    RefPtr<ProcessGroup> m_group;
    // Set by the first exec: setpgid on a child that has exec'd is EACCES. Table lock.
    bool m_did_exec { false };

private:
    friend struct ProcessTreeTraits;
    friend class ProcessTable;
    friend class ProcessGroup;

    static void fork_child_entry(void* argument);
    static void first_process_entry(void* argument);
    // wait()'s search: a zombie child matching `pid`, sleeping until one exits; nullptr
    // with WNOHANG if none has. ECHILD, EINTR. Called with ProcessTable::lock() held.
    ErrorOr<Process*> wait_for_zombie_child_locked(int pid, int options);
    // Whether wait(pid) is for `child` (-1: any; 0 or below -1: a group). Table lock held.
    bool waits_for_locked(const Process& child, int pid) const;
    // The alarm (alarm.cc), with the table lock held.
    atlas_itimerval real_timer_locked(uint64_t now) const;
    void cancel_alarm_locked();

    int m_pid { 0 };
    char m_name[kMaxNameLength + 1] {};
    OwnPtr<AddressSpace> m_address_space;
    FileTable m_files;
    RefPtr<fs::Inode> m_cwd;
    RefPtr<Thread> m_thread;
    // The registers fork's child starts from (freed once it has started).
    OwnPtr<TrapFrame> m_fork_frame;
    // create_first's image, until pid 1's thread installs it.
    LoadedImage m_first_image;

    SignalState m_signals;
    Mutex m_image_lock { "process image", LockRank::Process };
    Spinlock m_blocked_lock { "blocked pipe", LockRank::BlockedPipe };
    RefPtr<Pipe> m_blocked_pipe;  // Guarded by m_blocked_lock.
    OwnPtr<ProcessAlarm> m_alarm;  // From the first setitimer on; see alarm.h.
};

struct ProcessTreeTraits {
    static int key(const Process& process) { return process.m_pid; }
};

// The process the calling thread runs, or nullptr for a kernel thread.
Process* current_process();
