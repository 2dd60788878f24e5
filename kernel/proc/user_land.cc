// Booting into user land: see user_land.h.
#include "proc/user_land.h"

#include "drivers/poweroff.h"
#include "fs/root_file_system.h"
#include "lib/command_line.h"
#include "lib/kprintf.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "proc/console_file.h"
#include "proc/process.h"
#include "syscall/abi.h"

namespace {

bool s_run_mode = false;

constexpr const char kRunKey[] = "atlas.run";
constexpr const char kInitPath[] = "/bin/init";
constexpr const char kInitRunFlag[] = "--atlas-run";  // user/bin/init.c's.

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Decodes "a%20b,c" into the strings "a b" and "c" (in `storage`, NUL-separated; it must
// hold length + 1 bytes) and points `argv` at them. Returns the count, or -1 if malformed.
int decode_command(const char* value, size_t length, char* storage, const char** argv, int max_args) {
    int argc = 0;
    size_t out = 0;
    argv[argc++] = storage;
    for (size_t i = 0; i < length; ++i) {
        char c = value[i];
        if (c == ',') {
            storage[out++] = '\0';
            if (argc == max_args)
                return -1;
            argv[argc++] = storage + out;
            continue;
        }
        if (c == '%') {
            if (i + 2 >= length)
                return -1;
            int high = hex_value(value[i + 1]);
            int low = hex_value(value[i + 2]);
            if (high < 0 || low < 0)
                return -1;
            c = static_cast<char>(high * 16 + low);
            i += 2;
        }
        storage[out++] = c;
    }
    storage[out] = '\0';
    return argc;
}

}  // namespace

bool start_user_land(const char* bootargs) {
    // init's argv: "init", and in atlas-run mode "--atlas-run" and the command after it.
    static char storage[512];
    static const char* argv[ATLAS_MAX_ARGS];
    constexpr int kInitArgs = 2;
    argv[0] = "init";
    int argc = 1;

    // "atlas.run" without a value is not a command, so it leaves the boot normal.
    auto command = command_line_find(bootargs, kRunKey);
    if (command && command->has_value()) {
        s_run_mode = true;
        size_t length = command->value_length;
        int count = 0;
        if (length >= sizeof(storage)
            || (count = decode_command(command->value, length, storage, argv + kInitArgs,
                                       ATLAS_MAX_ARGS - kInitArgs)) <= 0
            || argv[kInitArgs][0] == '\0') {
            kprintf("atlas-run: malformed atlas.run= value\n");
            power_off(PowerOffStatus::TestsFailed);
        }
        argv[1] = kInitRunFlag;
        argc = kInitArgs + count;
    }

    if (!root_file_system()) {
        kprintf("%s: no root file system, so no user land\n", s_run_mode ? "atlas-run" : "init");
        if (s_run_mode)
            power_off(PowerOffStatus::TestsFailed);
        return false;
    }
    if (s_run_mode)
        kprintf("atlas-run: start\n");
    ConsoleFile::start_job_control();
    ExecArguments arguments { argv, static_cast<size_t>(argc) };
    auto first = Process::create_first(kInitPath, arguments);
    if (first.is_error()) {
        if (s_run_mode) {
            kprintf("atlas-run: cannot run %s: %s\n", kInitPath, first.error().name());
            power_off(PowerOffStatus::TestsFailed);
        }
        kprintf("init: cannot run %s: %s\n", kInitPath, first.error().name());
        return false;
    }
    return true;
}

void first_process_exited(int status) {
    if (!s_run_mode)
        panic("init exited with status %#x", status);
    // init has printed the command's verdict and exits with its code; a killed init has
    // printed nothing, and the host sees a run without a verdict.
    if (!WIFEXITED(status))
        kprintf("atlas-run: init killed by signal %d\n", WTERMSIG(status));
    power_off(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? PowerOffStatus::Success : PowerOffStatus::TestsFailed);
}
