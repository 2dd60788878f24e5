/* rm: removes each file named; with -d, also empty directories. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int first = 1;
    int directories = 0;
    if (first < argc && strcmp(argv[first], "-d") == 0) {
        directories = 1;
        first++;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: rm [-d] file...\n");
        return 1;
    }
    int status = 0;
    for (int i = first; i < argc; i++) {
        if (unlink(argv[i]) == 0)
            continue;
        if (directories && (errno == EISDIR || errno == EPERM) && rmdir(argv[i]) == 0)
            continue;
        fprintf(stderr, "rm: %s: %s\n", argv[i], strerror(errno));
        status = 1;
    }
    return status;
}
