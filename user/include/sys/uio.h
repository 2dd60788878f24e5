/* <sys/uio.h>: vectored I/O. readv() and writev() move the bytes of several buffers, in
 * order, in one call, as if they were one buffer: a short count (end of file, a fault in a
 * segment, a full disk) stops at the first segment that is not filled or drained.
 * struct iovec has Linux's layout (kernel/syscall/abi.h's atlas_iovec; user/lib/abi_check.cc
 * checks it). At most IOV_MAX (<limits.h>) segments per call, and a total length that fits
 * in ssize_t; EINVAL otherwise. */
#ifndef _ATLAS_SYS_UIO_H
#define _ATLAS_SYS_UIO_H

#include <sys/cdefs.h>
#include <sys/types.h>

struct iovec {
    void* iov_base;
    size_t iov_len;
};

__ATLAS_BEGIN_DECLS
ssize_t readv(int fd, const struct iovec* iov, int iovcnt);
ssize_t writev(int fd, const struct iovec* iov, int iovcnt);
__ATLAS_END_DECLS

#endif
