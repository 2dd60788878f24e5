// ConsoleFile: see console_file.h.
#include "proc/console_file.h"

#include <algorithm>
#include <atomic>

#include "drivers/uart.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/user_memory.h"
#include "proc/process.h"
#include "proc/process_group.h"
#include "proc/thread.h"
#include "sync/mutex.h"
#include "syscall/abi.h"

namespace {

constexpr size_t kLineCapacity = 1024;
constexpr int kControlC = 3;
constexpr int kControlD = 4;
constexpr int kControlBackslash = 0x1c;
constexpr int kBackspace = 8;
constexpr int kDelete = 127;

Mutex s_line_lock { "console line", LockRank::Process };
// The line being assembled, and how much of it is complete (ready for readers).
// Guarded by s_line_lock.
char s_line[kLineCapacity];
size_t s_line_length = 0;
size_t s_ready = 0;
bool s_end_of_file = false;

// The foreground process group (0: none yet). Read by the interrupt handler, so atomic.
std::atomic<int> s_foreground_group { 0 };

// The receive interrupt's hook (drivers/uart.h): Ctrl-C and Ctrl-\ echo and signal the
// foreground group at once, whoever reads or does not read the console. The byte still
// goes into the ring, where the reader's line discipline drops the unfinished line.
void console_input_hook(char c) {
    int signal = c == kControlC ? SIGINT : c == kControlBackslash ? SIGQUIT : 0;
    if (signal == 0)
        return;
    kwrite(signal == SIGINT ? "^C\n" : "^\\\n", 3);
    int group = s_foreground_group.load(std::memory_order_relaxed);
    if (group > 0)
        (void)ProcessGroup::signal_group(group, signal, 0);  // ESRCH: the group is gone.
}

// Takes one byte of input, sleeping a tick at a time until one arrives. EINTR (restartable)
// if a signal interrupts the calling process meanwhile.
ErrorOr<int> next_input_byte() {
    for (;;) {
        int c = uart::try_get_char();
        if (c >= 0)
            return c;
        Process* process = current_process();
        if (process && process->signal_interrupts())
            return process->signals().interrupt_call(true);
        Thread::sleep_for_us(10000);
    }
}

}  // namespace

void ConsoleFile::start_job_control() { uart::set_input_hook(&console_input_hook); }

int ConsoleFile::foreground_group() { return s_foreground_group.load(std::memory_order_relaxed); }

void ConsoleFile::set_foreground_group(int pgid) { s_foreground_group.store(pgid, std::memory_order_relaxed); }

void ConsoleFile::forget_foreground_group(int pgid) {
    s_foreground_group.compare_exchange_strong(pgid, 0, std::memory_order_relaxed);
}

ErrorOr<RefPtr<OpenFile>> ConsoleFile::try_create(FileAccess access) {
    auto file = TRY(try_make_ref_counted<ConsoleFile>(access));
    return RefPtr<OpenFile>(std::move(file));
}

ErrorOr<size_t> ConsoleFile::read(UserCursor& to) {
    if (!readable())
        return Error::from_errno(EBADF);
    if (to.remaining() == 0)
        return 0;
    MutexLocker locker(s_line_lock);
    while (s_ready == 0 && !s_end_of_file) {
        int c = TRY(next_input_byte());
        if (c == '\r')
            c = '\n';
        if (c == kControlC || c == kControlBackslash) {
            // The interrupt has echoed it and signalled the foreground group; the line
            // being typed is dropped, what was complete stays for its readers.
            s_line_length = s_ready;
            continue;
        }
        if (c == kControlD) {
            // ^D hands over the line as it is; on an empty line it is end of file.
            if (s_line_length == 0)
                s_end_of_file = true;
            s_ready = s_line_length;
            continue;
        }
        if (c == kBackspace || c == kDelete) {
            if (s_line_length > s_ready) {
                --s_line_length;
                kwrite("\b \b", 3);
            }
            continue;
        }
        if (s_line_length == kLineCapacity - 1 && c != '\n')
            continue;  // The line is full: only its end is accepted.
        s_line[s_line_length++] = static_cast<char>(c);
        char echo = static_cast<char>(c);
        kwrite(&echo, 1);
        if (c == '\n')
            s_ready = s_line_length;
    }
    if (s_ready == 0) {
        s_end_of_file = false;  // This read reports it; the next one waits for new input.
        return 0;
    }
    size_t count = std::min(to.remaining(), s_ready);
    size_t copied = to.copy_out(s_line, count);
    klib::memmove(s_line, s_line + copied, s_line_length - copied);
    s_line_length -= copied;
    s_ready -= copied;
    return to.result();
}

ErrorOr<size_t> ConsoleFile::write(UserCursor& from) {
    if (!writable())
        return Error::from_errno(EBADF);
    // A small stack buffer is enough: the UART is far slower than the copies.
    char chunk[256];
    while (from.remaining() > 0) {
        size_t taken = from.copy_in(chunk, sizeof(chunk));
        if (taken == 0)
            break;
        kwrite(chunk, taken);
    }
    return from.result();
}

ErrorOr<void> ConsoleFile::stat(atlas_stat& out) {
    klib::memset(&out, 0, sizeof(out));
    out.st_mode = S_IFCHR | 0666;
    out.st_nlink = 1;
    out.st_rdev = static_cast<uint64_t>(kConsoleMajor) << 8;
    return {};
}
