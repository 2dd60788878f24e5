/* spin: a job for the console test (tools/console-test). "spin" prints "spin: running"
 * and then loops forever without a system call, so only a signal can end it; "spin -w FILE
 * WORD" waits (a tenth of a second at a time) until FILE exists, then prints WORD and exits
 * 0: a background job that must outlive every Ctrl-C typed before the test creates FILE. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    if (argc == 4 && strcmp(argv[1], "-w") == 0) {
        struct stat status;
        while (stat(argv[2], &status) < 0)
            usleep(100000);
        printf("%s\n", argv[3]);
        return 0;
    }
    printf("spin: running\n");
    fflush(stdout);
    volatile unsigned long counter = 0;
    for (;;)
        counter++;
}
