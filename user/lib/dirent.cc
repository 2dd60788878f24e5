// opendir/readdir/closedir over SYS_getdents (see <dirent.h> for the record format).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscall.h"
#include "syscall/abi.h"  // atlas_dirent64: the records getdents writes.

struct AtlasDirectory {
    int fd;
    long used;      // Bytes of records in buffer.
    long position;  // Offset of the next record.
    struct dirent entry;
    alignas(8) char buffer[4096];
};

extern "C" {

long getdents(int fd, void* buffer, size_t size) { return atlas::syscall(SYS_getdents, fd, buffer, size); }

DIR* opendir(const char* path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return nullptr;
    auto* directory = (DIR*)malloc(sizeof(DIR));
    if (!directory) {
        close(fd);
        errno = ENOMEM;
        return nullptr;
    }
    directory->fd = fd;
    directory->used = directory->position = 0;
    return directory;
}

struct dirent* readdir(DIR* directory)
{
    if (directory->position >= directory->used) {
        long got = getdents(directory->fd, directory->buffer, sizeof(directory->buffer));
        if (got <= 0)
            return nullptr;
        directory->used = got;
        directory->position = 0;
    }
    auto* raw = reinterpret_cast<atlas_dirent64*>(directory->buffer + directory->position);
    if (raw->d_reclen == 0) {
        directory->position = directory->used;
        return nullptr;
    }
    directory->position += raw->d_reclen;
    struct dirent* entry = &directory->entry;
    entry->d_ino = raw->d_ino;
    entry->d_off = raw->d_off;
    entry->d_reclen = raw->d_reclen;
    entry->d_type = raw->d_type;
    strlcpy(entry->d_name, raw->d_name, sizeof(entry->d_name));
    return entry;
}

int closedir(DIR* directory)
{
    int result = close(directory->fd);
    free(directory);
    return result;
}

} // extern "C"
