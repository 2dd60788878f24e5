/* sh: the shell. Reads commands from the console (prompt "$ ") or from a script file
 * given as its argument, and runs them: pipelines with |, redirections < > >>, jobs
 * separated by ; or run in the background with &, and the built-ins cd and exit.
 * Programs are looked up in /bin when the name has no slash. Parsing is sh_parse.c.
 *
 * Job control, when reading the console: each job (a pipeline) runs in a process group
 * of its own, led by its first command; the shell gives the console to a foreground job
 * (tcsetpgrp) and takes it back when the job is over, so Ctrl-C and Ctrl-\ reach the job
 * and not the shell, which ignores SIGINT and SIGQUIT anyway. A job started with & keeps
 * its own group and never gets the console. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sh_parse.h"

#define LINE_MAX_LENGTH 1024

static int last_status;
/* Job control is on when the shell reads the console; shell_group is its own group. */
static int job_control;
static pid_t shell_group;

static void report(const char *what, const char *name)
{
    fprintf(stderr, "sh: %s: %s\n", name, what);
}

/* Applies the redirections of `command` in the child; exits on failure. */
static void redirect(struct sh_command *command)
{
    if (command->input) {
        int fd = open(command->input, O_RDONLY);
        if (fd < 0) {
            report(strerror(errno), command->input);
            _exit(1);
        }
        dup2(fd, 0);
        close(fd);
    }
    if (command->output) {
        int flags = O_WRONLY | O_CREAT | (command->append ? O_APPEND : O_TRUNC);
        int fd = open(command->output, flags, 0666);
        if (fd < 0) {
            report(strerror(errno), command->output);
            _exit(1);
        }
        dup2(fd, 1);
        close(fd);
    }
}

static int run_builtin(struct sh_command *command, int *handled)
{
    *handled = 1;
    if (strcmp(command->argv[0], "cd") == 0) {
        const char *target = command->argc > 1 ? command->argv[1] : "/";
        if (command->argc > 2) {
            fprintf(stderr, "usage: cd [directory]\n");
            return 1;
        }
        if (chdir(target) < 0) {
            fprintf(stderr, "sh: cd: %s: %s\n", target, strerror(errno));
            return 1;
        }
        return 0;
    }
    if (strcmp(command->argv[0], "exit") == 0) {
        exit(command->argc > 1 ? atoi(command->argv[1]) : last_status);
    }
    *handled = 0;
    return 0;
}

static void exec_command(struct sh_command *command)
{
    redirect(command);
    execvp(command->argv[0], command->argv);
    if (errno == ENOENT)
        report("command not found", command->argv[0]);
    else
        report(strerror(errno), command->argv[0]);
    _exit(127);
}

static int status_to_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

/* A foreground job that a signal ended: Ctrl-C's ^C and newline were echoed already, so
 * SIGINT says nothing more; SIGQUIT says "Quit", as other shells do. */
static void report_signal(int status)
{
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGQUIT)
        fprintf(stderr, "Quit\n");
}

/* Both the shell and the child put the child in the job's group (the first command's pid
 * for the first one, group 0 meaning "its own pid"), so the group exists before either
 * goes on, whichever runs first. A foreground job gets the console the same way. */
static void join_job_group(pid_t pid, pid_t *group, int foreground)
{
    if (!job_control)
        return;
    if (*group == 0)
        *group = pid;
    setpgid(pid, *group);
    if (foreground)
        tcsetpgrp(0, *group);
}

/* In the child for command `index` of `job`: joins the job's group, takes the default
 * action for Ctrl-C and Ctrl-\ back, reads from the previous pipe and writes to the next
 * (`fds`, or -1s for the last command), and runs the command. Never returns. */
static void run_in_child(struct sh_job *job, int index, pid_t *group, int previous_read, const int fds[2])
{
    join_job_group(getpid(), group, !job->background);
    if (job_control) {
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
    }
    if (previous_read >= 0) {
        dup2(previous_read, 0);
        close(previous_read);
    }
    if (fds[1] >= 0) {
        dup2(fds[1], 1);
        close(fds[1]);
        close(fds[0]);
    }
    int handled;
    int code = run_builtin(&job->commands[index], &handled);
    if (handled)
        _exit(code);
    exec_command(&job->commands[index]);
}

/* Waits for a foreground job's `started` processes: the last one's status is the job's, the
 * first signal death is reported; then the console goes back to the shell. */
static void wait_for_job(const pid_t *pids, int started)
{
    int reported = 0;
    for (int i = 0; i < started; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) != pids[i])
            continue;
        if (i == started - 1)
            last_status = status_to_code(status);
        if (WIFSIGNALED(status) && !reported) {
            report_signal(status);
            reported = 1;
        }
    }
    if (job_control)
        tcsetpgrp(0, shell_group);
}

static void run_job(struct sh_job *job)
{
    /* A lone built-in runs in the shell itself, so that cd changes the shell's directory. */
    if (job->count == 1 && !job->background) {
        int handled;
        int code = run_builtin(&job->commands[0], &handled);
        if (handled) {
            last_status = code;
            return;
        }
    }
    pid_t pids[SH_MAX_COMMANDS];
    pid_t group = 0;
    int started = 0;
    int previous_read = -1;
    for (int i = 0; i < job->count; i++) {
        int fds[2] = {-1, -1};
        if (i + 1 < job->count && pipe(fds) < 0) {
            report(strerror(errno), "pipe");
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            report(strerror(errno), "fork");
            if (fds[0] >= 0) {
                close(fds[0]);
                close(fds[1]);
            }
            break;
        }
        if (pid == 0)
            run_in_child(job, i, &group, previous_read, fds);
        join_job_group(pid, &group, !job->background);
        pids[started++] = pid;
        if (previous_read >= 0)
            close(previous_read);
        if (fds[1] >= 0)
            close(fds[1]);
        previous_read = fds[0];
    }
    if (previous_read >= 0)
        close(previous_read);
    if (job->background) {
        if (started > 0)
            printf("[%d]\n", pids[started - 1]);
        last_status = 0;
        return;
    }
    wait_for_job(pids, started);
}

static void run_line(char *line)
{
    static struct sh_line parsed;
    const char *error = sh_parse(line, &parsed);
    if (error) {
        fprintf(stderr, "sh: syntax error: %s\n", error);
        last_status = 2;
        return;
    }
    for (int i = 0; i < parsed.count; i++)
        run_job(&parsed.jobs[i]);
    /* Collect finished background jobs, so they do not linger as zombies. */
    int status;
    while (waitpid(-1, &status, WNOHANG) > 0) {
    }
}

int main(int argc, char **argv)
{
    FILE *input = stdin;
    int interactive = 1;
    if (argc > 2) {
        fprintf(stderr, "usage: sh [script]\n");
        return 2;
    }
    if (argc == 2) {
        input = fopen(argv[1], "r");
        if (!input) {
            fprintf(stderr, "sh: %s: %s\n", argv[1], strerror(errno));
            return 127;
        }
        interactive = 0;
    }
    if (interactive && isatty(0)) {
        /* init made this shell a session leader, so it leads its group already; a shell
         * started from another shell makes a group of its own first. */
        job_control = 1;
        if (getpgrp() != getpid())
            setpgid(0, 0);
        shell_group = getpgrp();
        signal(SIGINT, SIG_IGN);
        signal(SIGQUIT, SIG_IGN);
        tcsetpgrp(0, shell_group);
    }
    char line[LINE_MAX_LENGTH];
    for (;;) {
        if (interactive) {
            fputs("$ ", stdout);
            fflush(stdout);
        }
        if (!fgets(line, sizeof line, input))
            break;
        run_line(line);
        fflush(stdout);
    }
    return last_status;
}
