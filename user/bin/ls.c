/* ls: lists directories (name, type, inode, size per line, like xv6's ls) or describes
 * files. With no argument, lists the current directory. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *type_name(mode_t mode)
{
    if (S_ISDIR(mode))
        return "dir";
    if (S_ISREG(mode))
        return "file";
    if (S_ISCHR(mode))
        return "dev";
    if (S_ISFIFO(mode))
        return "fifo";
    return "?";
}

static void describe(const char *name, const struct stat *status)
{
    printf("%-16s %-4s %4lu %8ld\n", name, type_name(status->st_mode), (unsigned long)status->st_ino,
           (long)status->st_size);
}

static int list(const char *path)
{
    struct stat status;
    if (stat(path, &status) < 0) {
        fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (!S_ISDIR(status.st_mode)) {
        describe(path, &status);
        return 0;
    }
    DIR *directory = opendir(path);
    if (!directory) {
        fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct dirent *entry;
    char full[512];
    while ((entry = readdir(directory)) != NULL) {
        snprintf(full, sizeof full, "%s/%s", path, entry->d_name);
        if (stat(full, &status) < 0) {
            fprintf(stderr, "ls: %s: %s\n", full, strerror(errno));
            continue;
        }
        describe(entry->d_name, &status);
    }
    closedir(directory);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return list(".");
    int status = 0;
    for (int i = 1; i < argc; i++) {
        if (argc > 2)
            printf("%s:\n", argv[i]);
        status |= list(argv[i]);
    }
    return status;
}
