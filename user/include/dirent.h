/* <dirent.h>: reading directories (opendir, readdir, closedir), over SYS_getdents.
 *
 * SYS_getdents(fd, buffer, size) fills the buffer with Linux's struct linux_dirent64
 * records (d_ino u64, d_off i64, d_reclen u16, d_type u8, NUL-terminated d_name, each
 * record 8-byte aligned) and returns the bytes used, 0 at the end of the directory. */
#ifndef _ATLAS_DIRENT_H
#define _ATLAS_DIRENT_H

#include <sys/cdefs.h>
#include <sys/types.h>

#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10

struct dirent {
    ino_t d_ino;
    off_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[256];
};

typedef struct AtlasDirectory DIR;

__ATLAS_BEGIN_DECLS
DIR* opendir(const char* path);
struct dirent* readdir(DIR* directory);
int closedir(DIR* directory);
/* The raw call: returns bytes of linux_dirent64 records, 0 at the end, -1 on error. */
long getdents(int fd, void* buffer, size_t size);
__ATLAS_END_DECLS

#endif
