/* init: the first process (pid 1). Makes sure /dev/console exists (major 1) and that
 * descriptors 0, 1 and 2 are open on the console, then, as its arguments say:
 *
 *   init                       runs /bin/sh and starts it again whenever it exits;
 *   init --atlas-run PROG ARG...  (atlas-run mode, see kernel/proc/user_land.h) runs the one
 *                              command PROG ARG... as its child (PROG without '/' means
 *                              /bin/PROG), prints its verdict, "atlas-run: exit N" or
 *                              "atlas-run: killed by signal S" ("atlas-run: cannot run
 *                              PROG: WHY" first if exec failed), and exits with N (128 + S if
 *                              killed), which powers the machine off.
 *
 * Either way it collects every orphan handed to it meanwhile, so that a program's wait()
 * only ever sees its own children and no zombie holds memory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONSOLE_MAJOR 1
#define RUN_FLAG "--atlas-run"

/* The kernel starts pid 1 with the console as 0, 1 and 2; the node is made for programs
 * that open /dev/console by name, and opened only if those descriptors are missing. */
static int set_up_console(void)
{
    struct stat status;
    mkdir("/dev", 0755);
    if (mknod("/dev/console", S_IFCHR | 0666, makedev(CONSOLE_MAJOR, 0)) < 0 && errno != EEXIST)
        return -1;
    if (fstat(0, &status) == 0)
        return 0;
    if (open("/dev/console", O_RDWR) != 0)
        return -1;
    dup(0);
    dup(0);
    return 0;
}

/* Waits for `child`, reaping any other child (orphans) meanwhile; its status, or -1 if
 * there is nothing left to wait for. */
static int wait_for(pid_t child, int *status)
{
    for (;;) {
        pid_t pid = wait(status);
        if (pid == child)
            return 0;
        if (pid < 0 && errno == ECHILD)
            return -1;
    }
}

static void run_shells(void)
{
    for (;;) {
        printf("init: starting sh\n");
        pid_t shell = fork();
        if (shell < 0) {
            printf("init: fork failed: %s\n", strerror(errno));
            sleep(1);
            continue;
        }
        if (shell == 0) {
            /* Each shell leads a session and a process group of its own, and runs its
             * jobs in groups of that session (docs/signals.md). */
            setsid();
            char *argv[] = {"sh", NULL};
            execv("/bin/sh", argv);
            printf("init: exec /bin/sh failed: %s\n", strerror(errno));
            _exit(1);
        }
        int status;
        wait_for(shell, &status);
    }
}

/* atlas-run mode: `argv` is the command. Output goes straight to the descriptor, so that
 * nothing buffered is duplicated by fork or lost at exit. */
static int run_command(char **argv)
{
    char path[PATH_MAX];
    if (strchr(argv[0], '/'))
        snprintf(path, sizeof(path), "%s", argv[0]);
    else
        snprintf(path, sizeof(path), "/bin/%s", argv[0]);
    pid_t command = fork();
    if (command < 0) {
        dprintf(1, "atlas-run: cannot run %s: fork: %s\n", path, strerror(errno));
        return 127;
    }
    if (command == 0) {
        setsid(); /* As a shell started by init would be: a session of its own. */
        execv(path, argv);
        dprintf(1, "atlas-run: cannot run %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    int status = 0;
    if (wait_for(command, &status) < 0) {
        dprintf(1, "atlas-run: init lost its child\n");
        return 125;
    }
    if (WIFSIGNALED(status)) {
        dprintf(1, "atlas-run: killed by signal %d\n", WTERMSIG(status));
        return 128 + WTERMSIG(status);
    }
    dprintf(1, "atlas-run: exit %d\n", WEXITSTATUS(status));
    return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
    if (set_up_console() < 0)
        _exit(1);
    if (argc >= 3 && strcmp(argv[1], RUN_FLAG) == 0)
        return run_command(argv + 2);
    run_shells();
    return 0;
}
