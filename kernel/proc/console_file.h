// ConsoleFile: the console device (major kConsoleMajor) as an OpenFile.
//
// Writes go to the UART through kwrite (lib/kprintf.h). Reads are line-oriented with a little line
// discipline, since there is no terminal driver: typed bytes are echoed, backspace (DEL or
// ^H) erases the last byte of the line being typed, CR becomes LF, and a read returns once a
// whole line (ending in LF) is there, or at ^D (end of file on an empty line). One line
// buffer is shared by every reader (there is one console); a reader takes what it asked for
// and leaves the rest of the line for the next read. It takes exactly what reached its
// buffer: the line is copied straight to user memory, and bytes a fault kept out stay in the
// line (a read that copied none returns EFAULT and takes none).
//
// Waiting: the UART interrupt fills a ring (drivers/uart.h); a reader with nothing to take
// sleeps one timer tick at a time, checking between ticks whether its process was killed
// (EINTR), so a killed shell never hangs on its prompt.
//
// Job control (docs/signals.md, "The console and Ctrl-C"): the console has a foreground
// process group (TIOCSPGRP/TIOCGPGRP, sys_ioctl). Ctrl-C (0x03) and Ctrl-\ (0x1c) are
// seen by the receive interrupt itself (uart::set_input_hook), which echoes ^C or ^\ and
// sends SIGINT or SIGQUIT to that group at once (ProcessGroup::signal_group, which never
// sleeps), whether or not anyone is reading; the byte then reaches the line discipline
// like any other, which drops the unfinished line. There are no controlling terminals:
// any process may set the foreground group to a group of its own session.
//
// Locking: s_line_lock (console_file.cc), a Mutex of rank Process, serialises readers; it
// is held across the copy to user memory (the fault path takes no Process-rank lock).
#pragma once

#include "lib/error_or.h"
#include "lib/ref_ptr.h"
#include "proc/open_file.h"

class ConsoleFile final : public OpenFile {
public:
    static ErrorOr<RefPtr<OpenFile>> try_create(FileAccess access);

    // Installs the interrupt hook for Ctrl-C and Ctrl-\ (start_user_land calls it).
    static void start_job_control();
    // The foreground process group, 0 if none is set (never, or it has gone). The caller of
    // the setter has checked the group (ProcessGroup::check_foreground).
    static int foreground_group();
    static void set_foreground_group(int pgid);
    // Group `pgid` has gone (its last member was reaped): if it was in front, none is now,
    // so that a later group given the same number gets no Ctrl-C meant for nobody. Any
    // context (a single atomic compare-and-swap).
    static void forget_foreground_group(int pgid);

    explicit ConsoleFile(FileAccess access)
        : OpenFile(OpenFileKind::Console, access)
    {
    }

    ErrorOr<size_t> read(UserCursor& to) override;
    ErrorOr<size_t> write(UserCursor& from) override;
    ErrorOr<void> stat(atlas_stat& out) override;
};
