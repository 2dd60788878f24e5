/* wc: counts lines, words and bytes of each file (or standard input), with a total
 * line when there are several files. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static long total_lines, total_words, total_bytes;

static int count(int fd, const char *name)
{
    char buffer[4096];
    long lines = 0, words = 0, bytes = 0;
    int in_word = 0;
    ssize_t got;
    while ((got = read(fd, buffer, sizeof buffer)) > 0) {
        for (ssize_t i = 0; i < got; i++) {
            if (buffer[i] == '\n')
                lines++;
            if (isspace((unsigned char)buffer[i])) {
                in_word = 0;
            } else if (!in_word) {
                in_word = 1;
                words++;
            }
        }
        bytes += got;
    }
    if (got < 0) {
        fprintf(stderr, "wc: %s: %s\n", name, strerror(errno));
        return 1;
    }
    printf("%ld %ld %ld %s\n", lines, words, bytes, name);
    total_lines += lines;
    total_words += words;
    total_bytes += bytes;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return count(0, "");
    int status = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        status |= count(fd, argv[i]);
        close(fd);
    }
    if (argc > 2)
        printf("%ld %ld %ld total\n", total_lines, total_words, total_bytes);
    return status;
}
