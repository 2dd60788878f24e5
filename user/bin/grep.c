/* grep: prints the lines that match a pattern. The pattern is a small regular expression,
 * as in Kernighan and Pike's matcher: c (literal), . (any character), ^ (start), $ (end)
 * and c* (zero or more). Exit status 0 if a line matched, 1 if none, 2 on error. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int match_here(const char *pattern, const char *text);

static int match_star(int c, const char *pattern, const char *text)
{
    do {
        if (match_here(pattern, text))
            return 1;
    } while (*text != '\0' && (*text++ == c || c == '.'));
    return 0;
}

static int match_here(const char *pattern, const char *text)
{
    if (pattern[0] == '\0')
        return 1;
    if (pattern[1] == '*')
        return match_star(pattern[0], pattern + 2, text);
    if (pattern[0] == '$' && pattern[1] == '\0')
        return *text == '\0';
    if (*text != '\0' && (pattern[0] == '.' || pattern[0] == *text))
        return match_here(pattern + 1, text + 1);
    return 0;
}

static int match(const char *pattern, const char *text)
{
    if (pattern[0] == '^')
        return match_here(pattern + 1, text);
    do {
        if (match_here(pattern, text))
            return 1;
    } while (*text++ != '\0');
    return 0;
}

/* Reads whole lines through a buffer; a line longer than the buffer is matched in pieces. */
static int grep(const char *pattern, int fd, const char *name, int show_name)
{
    static char buffer[8192];
    size_t used = 0;
    int matched = 0;
    for (;;) {
        ssize_t got = read(fd, buffer + used, sizeof buffer - 1 - used);
        if (got < 0) {
            fprintf(stderr, "grep: %s: %s\n", name, strerror(errno));
            return -1;
        }
        used += (size_t)got;
        buffer[used] = '\0';
        char *line = buffer;
        char *end;
        while ((end = strchr(line, '\n')) != NULL || (got == 0 && *line) || (used == sizeof buffer - 1 && line == buffer)) {
            int has_newline = end != NULL;
            if (end)
                *end = '\0';
            else
                end = buffer + used;
            if (match(pattern, line)) {
                matched = 1;
                if (show_name)
                    printf("%s:", name);
                printf("%s\n", line);
            }
            line = has_newline ? end + 1 : end;
            if (!has_newline)
                break;
        }
        used = (size_t)(buffer + used - line);
        memmove(buffer, line, used);
        if (got == 0)
            return matched;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: grep pattern [file...]\n");
        return 2;
    }
    int any = 0, failed = 0;
    if (argc == 2) {
        int result = grep(argv[1], 0, "standard input", 0);
        return result < 0 ? 2 : result ? 0 : 1;
    }
    for (int i = 2; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "grep: %s: %s\n", argv[i], strerror(errno));
            failed = 1;
            continue;
        }
        int result = grep(argv[1], fd, argv[i], argc > 3);
        close(fd);
        if (result < 0)
            failed = 1;
        else if (result)
            any = 1;
    }
    return failed ? 2 : any ? 0 : 1;
}
