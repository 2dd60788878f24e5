/* <sys/stat.h>: struct stat, the file-type bits and their S_IS* tests, and the calls that
 * fill or create inodes (stat, fstat, mkdir, mknod).
 *
 * struct stat has the layout of Linux's generic (asm-generic/stat.h) struct stat, which is
 * what RV64 Linux uses: 128 bytes, st_size at offset 48. The kernel fills exactly this
 * structure (kernel/syscall/abi.h must agree; user/lib/abi_check.cc checks the layout). */
#ifndef _ATLAS_SYS_STAT_H
#define _ATLAS_SYS_STAT_H

#include <sys/cdefs.h>
#include <sys/types.h>

struct timespec;

struct stat {
    dev_t st_dev;
    ino_t st_ino;
    mode_t st_mode;
    nlink_t st_nlink;
    uid_t st_uid;
    gid_t st_gid;
    dev_t st_rdev;
    unsigned long __pad1;
    off_t st_size;
    blksize_t st_blksize;
    int __pad2;
    blkcnt_t st_blocks;
    long st_atime;
    unsigned long st_atime_nsec;
    long st_mtime;
    unsigned long st_mtime_nsec;
    long st_ctime;
    unsigned long st_ctime_nsec;
    unsigned int __unused4;
    unsigned int __unused5;
};

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

#define S_ISREG(mode) (((mode) & S_IFMT) == S_IFREG)
#define S_ISDIR(mode) (((mode) & S_IFMT) == S_IFDIR)
#define S_ISCHR(mode) (((mode) & S_IFMT) == S_IFCHR)
#define S_ISBLK(mode) (((mode) & S_IFMT) == S_IFBLK)
#define S_ISFIFO(mode) (((mode) & S_IFMT) == S_IFIFO)
#define S_ISLNK(mode) (((mode) & S_IFMT) == S_IFLNK)
#define S_ISSOCK(mode) (((mode) & S_IFMT) == S_IFSOCK)

#define S_ISUID 04000
#define S_ISGID 02000
#define S_ISVTX 01000
#define S_IRWXU 00700
#define S_IRUSR 00400
#define S_IWUSR 00200
#define S_IXUSR 00100
#define S_IRWXG 00070
#define S_IRGRP 00040
#define S_IWGRP 00020
#define S_IXGRP 00010
#define S_IRWXO 00007
#define S_IROTH 00004
#define S_IWOTH 00002
#define S_IXOTH 00001

/* Device numbers: major in the bits above the low 8, minor in the low 8. */
#define makedev(major, minor) ((dev_t)(((major) << 8) | ((minor) & 0xff)))
#define major(dev) ((unsigned)((dev) >> 8))
#define minor(dev) ((unsigned)((dev) & 0xff))

__ATLAS_BEGIN_DECLS
int stat(const char* path, struct stat* result);
int fstat(int fd, struct stat* result);
int mkdir(const char* path, mode_t mode);
/* Creates a device node; only the major and minor of `dev` reach the kernel, which
 * (like xv6) knows device files only by their numbers. */
int mknod(const char* path, mode_t mode, dev_t dev);
__ATLAS_END_DECLS

#endif
