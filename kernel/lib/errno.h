// The error vocabulary of the kernel: errno codes with Linux's numeric values.
//
// Kernel functions report failure as an Error (lib/error_or.h) holding one of these
// positive codes; the system-call boundary negates it, and the user library turns it
// into errno. Using Linux's numbers keeps strace-like tooling and the host tests honest.
//
// Each constant is a macro guarded by #ifndef because on the host the C library
// defines the same names. The values must be identical; tests/host/errno_test.cc checks
// every entry of ATLAS_ERRNO_LIST against the host's <cerrno>, and the static_asserts
// below check that a macro defined before this header agrees with the list.
//
// Invariant: every code in ATLAS_ERRNO_LIST is positive, unique and fits in an int.
#pragma once

#ifndef EPERM
#    define EPERM 1
#endif
#ifndef ENOENT
#    define ENOENT 2
#endif
#ifndef ESRCH
#    define ESRCH 3
#endif
#ifndef EINTR
#    define EINTR 4
#endif
#ifndef EIO
#    define EIO 5
#endif
#ifndef ENXIO
#    define ENXIO 6
#endif
#ifndef E2BIG
#    define E2BIG 7
#endif
#ifndef ENOEXEC
#    define ENOEXEC 8
#endif
#ifndef EBADF
#    define EBADF 9
#endif
#ifndef ECHILD
#    define ECHILD 10
#endif
#ifndef EAGAIN
#    define EAGAIN 11
#endif
#ifndef ENOMEM
#    define ENOMEM 12
#endif
#ifndef EACCES
#    define EACCES 13
#endif
#ifndef EFAULT
#    define EFAULT 14
#endif
#ifndef ENOTBLK
#    define ENOTBLK 15
#endif
#ifndef EBUSY
#    define EBUSY 16
#endif
#ifndef EEXIST
#    define EEXIST 17
#endif
#ifndef EXDEV
#    define EXDEV 18
#endif
#ifndef ENODEV
#    define ENODEV 19
#endif
#ifndef ENOTDIR
#    define ENOTDIR 20
#endif
#ifndef EISDIR
#    define EISDIR 21
#endif
#ifndef EINVAL
#    define EINVAL 22
#endif
#ifndef ENFILE
#    define ENFILE 23
#endif
#ifndef EMFILE
#    define EMFILE 24
#endif
#ifndef ENOTTY
#    define ENOTTY 25
#endif
#ifndef ETXTBSY
#    define ETXTBSY 26
#endif
#ifndef EFBIG
#    define EFBIG 27
#endif
#ifndef ENOSPC
#    define ENOSPC 28
#endif
#ifndef ESPIPE
#    define ESPIPE 29
#endif
#ifndef EROFS
#    define EROFS 30
#endif
#ifndef EMLINK
#    define EMLINK 31
#endif
#ifndef EPIPE
#    define EPIPE 32
#endif
#ifndef EDOM
#    define EDOM 33
#endif
#ifndef ERANGE
#    define ERANGE 34
#endif
#ifndef EDEADLK
#    define EDEADLK 35
#endif
#ifndef ENAMETOOLONG
#    define ENAMETOOLONG 36
#endif
#ifndef ENOLCK
#    define ENOLCK 37
#endif
#ifndef ENOSYS
#    define ENOSYS 38
#endif
#ifndef ENOTEMPTY
#    define ENOTEMPTY 39
#endif
#ifndef ELOOP
#    define ELOOP 40
#endif
#ifndef EOVERFLOW
#    define EOVERFLOW 75
#endif
#ifndef EOPNOTSUPP
#    define EOPNOTSUPP 95
#endif
#ifndef ETIMEDOUT
#    define ETIMEDOUT 110
#endif
#ifndef ECANCELED
#    define ECANCELED 125
#endif
#ifndef EWOULDBLOCK
#    define EWOULDBLOCK EAGAIN
#endif
#ifndef ENOTSUP
#    define ENOTSUP EOPNOTSUPP
#endif

// X-macro list of every code above: X(name, value, description). errno.cc builds its
// name table from it, and the host test compares it with the C library's values.
#define ATLAS_ERRNO_LIST(X) \
    X(EPERM, 1, "Operation not permitted") \
    X(ENOENT, 2, "No such file or directory") \
    X(ESRCH, 3, "No such process") \
    X(EINTR, 4, "Interrupted system call") \
    X(EIO, 5, "Input/output error") \
    X(ENXIO, 6, "No such device or address") \
    X(E2BIG, 7, "Argument list too long") \
    X(ENOEXEC, 8, "Exec format error") \
    X(EBADF, 9, "Bad file descriptor") \
    X(ECHILD, 10, "No child processes") \
    X(EAGAIN, 11, "Resource temporarily unavailable") \
    X(ENOMEM, 12, "Cannot allocate memory") \
    X(EACCES, 13, "Permission denied") \
    X(EFAULT, 14, "Bad address") \
    X(ENOTBLK, 15, "Block device required") \
    X(EBUSY, 16, "Device or resource busy") \
    X(EEXIST, 17, "File exists") \
    X(EXDEV, 18, "Invalid cross-device link") \
    X(ENODEV, 19, "No such device") \
    X(ENOTDIR, 20, "Not a directory") \
    X(EISDIR, 21, "Is a directory") \
    X(EINVAL, 22, "Invalid argument") \
    X(ENFILE, 23, "Too many open files in system") \
    X(EMFILE, 24, "Too many open files") \
    X(ENOTTY, 25, "Inappropriate ioctl for device") \
    X(ETXTBSY, 26, "Text file busy") \
    X(EFBIG, 27, "File too large") \
    X(ENOSPC, 28, "No space left on device") \
    X(ESPIPE, 29, "Illegal seek") \
    X(EROFS, 30, "Read-only file system") \
    X(EMLINK, 31, "Too many links") \
    X(EPIPE, 32, "Broken pipe") \
    X(EDOM, 33, "Numerical argument out of domain") \
    X(ERANGE, 34, "Numerical result out of range") \
    X(EDEADLK, 35, "Resource deadlock avoided") \
    X(ENAMETOOLONG, 36, "File name too long") \
    X(ENOLCK, 37, "No locks available") \
    X(ENOSYS, 38, "Function not implemented") \
    X(ENOTEMPTY, 39, "Directory not empty") \
    X(ELOOP, 40, "Too many levels of symbolic links") \
    X(EOVERFLOW, 75, "Value too large for defined data type") \
    X(EOPNOTSUPP, 95, "Operation not supported") \
    X(ETIMEDOUT, 110, "Connection timed out") \
    X(ECANCELED, 125, "Operation canceled")

#define ATLAS_ERRNO_CHECK_(name, value, description) \
    static_assert(name == value, "errno " #name " disagrees with Linux's value");
ATLAS_ERRNO_LIST(ATLAS_ERRNO_CHECK_)
#undef ATLAS_ERRNO_CHECK_

// Returns the symbolic name of an errno code ("ENOENT" for ENOENT). Codes not in the
// list give "E?"; the result is never null, so it can be passed straight to a format.
const char* errno_name(int code);

// Returns a short English description ("No such file or directory"), or
// "Unknown error" for codes not in the list. Never null.
const char* errno_description(int code);
