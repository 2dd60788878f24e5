/* spin: a job for the console test (tools/console-test). "spin" prints "spin: running"
 * and then loops forever without a system call, so only a signal can end it; "spin -s N
 * WORD" sleeps N seconds, then prints WORD and exits 0 (a background job that must
 * outlive a Ctrl-C typed meanwhile). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    if (argc == 4 && strcmp(argv[1], "-s") == 0) {
        sleep((unsigned)atoi(argv[2]));
        printf("%s\n", argv[3]);
        return 0;
    }
    printf("spin: running\n");
    fflush(stdout);
    volatile unsigned long counter = 0;
    for (;;)
        counter++;
}
