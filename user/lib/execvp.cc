// execvp: execv with a search of /bin for names without a slash (Atlas has no PATH).
#include <errno.h>
#include <string.h>
#include <unistd.h>

extern "C" int execvp(const char* file, char* const argv[])
{
    if (strchr(file, '/'))
        return execv(file, argv);
    char path[256];
    size_t length = strlen(file);
    if (length + sizeof("/bin/") > sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, "/bin/", 5);
    memcpy(path + 5, file, length + 1);
    return execv(path, argv);
}
