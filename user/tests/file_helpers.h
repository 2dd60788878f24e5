/* file_helpers: what the mapping test programs (mmap_file_test, mmap_spec_test, mmap_life_test,
 * mmap_stress_test, mmap_scale_test) share:
 * files with a known pattern, reading bytes back through read(), mapping a descriptor or
 * anonymous memory, comparing buffers, probing whether an access kills a child, and the VM
 * counters.
 *
 * Every file make_file() creates holds PATTERN(i) at offset i, so any byte can be checked
 * without keeping a copy. */
#ifndef ATLAS_USER_TESTS_FILE_HELPERS_H
#define ATLAS_USER_TESTS_FILE_HELPERS_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "../../kernel/syscall/abi.h"

#define PG 4096ul
#define RW (PROT_READ | PROT_WRITE)

/* The file byte at offset i of every file make_file creates. */
#define PATTERN(i) ((char)('a' + (size_t)(i) % 26))

#define EXITED_OK(status) (WIFEXITED(status) && WEXITSTATUS(status) == 0)
#define KILLED_BY(status, sig) (WIFSIGNALED(status) && WTERMSIG(status) == (sig))

/* A fresh file named `name` holding `size` bytes of PATTERN. Returns an O_RDWR descriptor,
 * or -1. */
int make_file(const char* name, size_t size);

/* Drops the cached pages of the file `name` (posix_fadvise DONTNEED writes them back
 * first), so that the next access to them reads the disk. */
void drop_cache(const char* name);

/* The byte at `offset` of the file `name`, read with read() through a new descriptor; -1 on
 * error or at the end of file. */
int byte_in_file(const char* name, off_t offset);

/* The size of the file `name`, or -1. */
long file_size(const char* name);

/* Whether the bytes [from, to) of the file `name`, read with read(), are all zero and there
 * are exactly that many. */
int file_bytes_are_zero(const char* name, off_t from, off_t to);

/* Whether `length` bytes at `p` are all zero. */
int bytes_are_zero(const volatile char* p, size_t length);

/* mmap of `fd`, or NULL where mmap answers MAP_FAILED. */
char* map_fd(size_t length, int prot, int flags, int fd, off_t offset);

/* An anonymous mapping (map_fd with no descriptor), or NULL. */
char* map_anon(size_t length, int prot, int flags);

/* Reads `size` bytes of the file `name` from its start into `buffer` with read(), through a
 * new descriptor. Returns 0, or -1 if it could not read them all. */
int read_file(const char* name, unsigned char* buffer, size_t size);

/* Compares `size` bytes of `got` with `expected`; on a difference, writes the first one into
 * the harness's `failure` (naming `what`) and returns 1. */
int differs(const char* what, const unsigned char* got, const unsigned char* expected, size_t size);

/* Whether touching `address` (a read, or a store if `store`) in a child kills it with
 * `signal`. */
int access_kills_with(volatile char* address, int store, int signal);

/* A snapshot of the VM counters (the vmstat system call). */
struct atlas_vmstat counters(void);

#endif
