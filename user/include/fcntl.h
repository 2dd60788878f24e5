/* <fcntl.h>: open() and its flags, with Linux's values (octal, as Linux spells them). */
#ifndef _ATLAS_FCNTL_H
#define _ATLAS_FCNTL_H

#include <sys/cdefs.h>
#include <sys/types.h>

#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_ACCMODE 03
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000

#define AT_FDCWD (-100)

/* posix_fadvise() advice (Linux values). DONTNEED writes back and drops the file's cached
 * pages in the range, so that the next access reads the disk again. */
#define POSIX_FADV_NORMAL 0
#define POSIX_FADV_RANDOM 1
#define POSIX_FADV_SEQUENTIAL 2
#define POSIX_FADV_WILLNEED 3
#define POSIX_FADV_DONTNEED 4
#define POSIX_FADV_NOREUSE 5

__ATLAS_BEGIN_DECLS
/* The mode (permission bits) is passed on to the kernel when O_CREAT is given. */
int open(const char* path, int flags, ...);
int creat(const char* path, mode_t mode);
/* Returns 0 or an error number (not -1 and errno, as POSIX specifies): EBADF, ESPIPE
 * (not a regular file), EINVAL (bad advice or a negative length). A length of 0 means
 * "to the end of the file". */
int posix_fadvise(int fd, off_t offset, off_t length, int advice);
__ATLAS_END_DECLS

#endif
