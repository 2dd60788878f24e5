// What runs around main: __atlas_start (called by crt0.S's _start) runs the global
// constructors and calls main; exit() runs the atexit handlers, flushes stdio and ends the
// process. Handlers registered with atexit run in reverse order, as C requires.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "stdio_internal.h"

extern "C" int main(int argc, char** argv);

using Constructor = void (*)();
// The default linker script provides these around .preinit_array and .init_array.
extern "C" Constructor __preinit_array_start[] __attribute__((weak));
extern "C" Constructor __preinit_array_end[] __attribute__((weak));
extern "C" Constructor __init_array_start[] __attribute__((weak));
extern "C" Constructor __init_array_end[] __attribute__((weak));

namespace {

// C guarantees room for 32 handlers; Atlas gives exactly that, statically, so that atexit
// works before (and without) malloc.
constexpr int kMaxExitHandlers = 32;
void (*s_exit_handlers[kMaxExitHandlers])();
int s_exit_handler_count;

void run_array(Constructor* begin, Constructor* end)
{
    for (Constructor* entry = begin; entry < end; ++entry)
        (*entry)();
}

} // namespace

extern "C" {

__attribute__((noreturn, used)) void __atlas_start(int argc, char** argv)
{
    run_array(__preinit_array_start, __preinit_array_end);
    run_array(__init_array_start, __init_array_end);
    exit(main(argc, argv));
}

int atexit(void (*handler)(void))
{
    if (s_exit_handler_count == kMaxExitHandlers)
        return -1;
    s_exit_handlers[s_exit_handler_count++] = handler;
    return 0;
}

__attribute__((noreturn)) void exit(int status)
{
    while (s_exit_handler_count > 0)
        s_exit_handlers[--s_exit_handler_count]();
    atlas::flush_all_streams();
    _exit(status);
}

__attribute__((noreturn)) void abort(void)
{
    atlas::flush_all_streams();
    // 128 + SIGABRT, what a shell reports for an aborted program.
    _exit(134);
}

__attribute__((noreturn)) void __atlas_assert_fail(const char* expression, const char* file, int line,
                                                   const char* function)
{
    fprintf(stderr, "%s:%d: %s: assertion failed: %s\n", file, line, function, expression);
    abort();
}

char* getenv(const char*) { return nullptr; }

} // extern "C"
