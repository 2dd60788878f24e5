/* kill: sends a signal to each process named by its pid.
 *
 *   kill [-SIGNAL] pid...     SIGNAL: a number (-15) or a name with or without SIG (-TERM,
 *                             -SIGUSR1); without one, SIGKILL (Atlas's kill predates
 *                             signals, and ends the process as it always did)
 *   kill -SIGNAL -PGID        a negative pid names a process group (0: our own); after
 *   kill -- -PGID             the signal, or after --, so that it is not read as one */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* const kNames[NSIG] = {
    [SIGHUP] = "HUP",   [SIGINT] = "INT",     [SIGQUIT] = "QUIT", [SIGILL] = "ILL",     [SIGTRAP] = "TRAP",
    [SIGABRT] = "ABRT", [SIGBUS] = "BUS",     [SIGFPE] = "FPE",   [SIGKILL] = "KILL",   [SIGUSR1] = "USR1",
    [SIGSEGV] = "SEGV", [SIGUSR2] = "USR2",   [SIGPIPE] = "PIPE", [SIGALRM] = "ALRM",   [SIGTERM] = "TERM",
    [SIGSTKFLT] = "STKFLT", [SIGCHLD] = "CHLD", [SIGCONT] = "CONT", [SIGSTOP] = "STOP", [SIGTSTP] = "TSTP",
    [SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU",   [SIGURG] = "URG",   [SIGXCPU] = "XCPU",   [SIGXFSZ] = "XFSZ",
    [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH", [SIGIO] = "IO",   [SIGPWR] = "PWR",
    [SIGSYS] = "SYS",
};

/* The signal `text` names (after the dash), or -1. */
static int parse_signal(const char* text)
{
    char* end;
    long number = strtol(text, &end, 10);
    if (*text != '\0' && *end == '\0')
        return number >= 0 && number < NSIG ? (int)number : -1;
    if (strncmp(text, "SIG", 3) == 0)
        text += 3;
    for (int signal = 1; signal < NSIG; signal++)
        if (kNames[signal] && strcmp(text, kNames[signal]) == 0)
            return signal;
    return -1;
}

int main(int argc, char **argv)
{
    int first = 1;
    int signal = SIGKILL;
    if (argc > 1 && strcmp(argv[1], "--") == 0) {
        first = 2;
    } else if (argc > 1 && argv[1][0] == '-' && argv[1][1] != '\0') {
        signal = parse_signal(argv[1] + 1);
        if (signal < 0) {
            fprintf(stderr, "kill: %s: not a signal\n", argv[1] + 1);
            return 1;
        }
        first = 2;
        if (argc > first && strcmp(argv[first], "--") == 0)
            first++;
    }
    if (argc <= first) {
        fprintf(stderr, "usage: kill [-SIGNAL] pid...\n");
        return 1;
    }
    int status = 0;
    for (int i = first; i < argc; i++) {
        char *end;
        long pid = strtol(argv[i], &end, 10);
        if (*argv[i] == '\0' || *end != '\0') {
            fprintf(stderr, "kill: %s: not a process id\nusage: kill [-SIGNAL] pid...\n", argv[i]);
            status = 1;
            continue;
        }
        if (kill((int)pid, signal) < 0) {
            fprintf(stderr, "kill: %ld: %s\n", pid, strerror(errno));
            status = 1;
        }
    }
    return status;
}
