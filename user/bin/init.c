/* init: the first process. Makes sure /dev/console exists (major 1), opens it as
 * descriptors 0, 1 and 2, then runs /bin/sh and starts it again whenever it exits,
 * collecting every orphan that is handed to it in the meantime. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONSOLE_MAJOR 1

static int open_console(void)
{
    int fd = open("/dev/console", O_RDWR);
    if (fd >= 0)
        return fd;
    mkdir("/dev", 0755);
    if (mknod("/dev/console", S_IFCHR | 0666, makedev(CONSOLE_MAJOR, 0)) < 0 && errno != EEXIST)
        return -1;
    return open("/dev/console", O_RDWR);
}

int main(void)
{
    if (open_console() < 0)
        _exit(1);
    dup(0);
    dup(0);
    for (;;) {
        printf("init: starting sh\n");
        pid_t shell = fork();
        if (shell < 0) {
            printf("init: fork failed: %s\n", strerror(errno));
            sleep(1);
            continue;
        }
        if (shell == 0) {
            char *argv[] = {"sh", NULL};
            execv("/bin/sh", argv);
            printf("init: exec /bin/sh failed: %s\n", strerror(errno));
            _exit(1);
        }
        for (;;) {
            int status;
            pid_t pid = wait(&status);
            if (pid == shell)
                break;
            if (pid < 0 && errno == ECHILD)
                break;
        }
    }
}
