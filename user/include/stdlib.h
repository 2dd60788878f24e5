/* <stdlib.h>: memory allocation, number conversion, process exit, sorting.
 *
 * malloc is a size-class allocator over sbrk (user/lib/allocator.h): requests up to 2 KiB
 * come from per-class free lists carved from 64 KiB runs, larger ones are page-rounded
 * blocks that go back to a sorted free list and, at the top of the heap, to the kernel. */
#ifndef _ATLAS_STDLIB_H
#define _ATLAS_STDLIB_H

#include <stddef.h>
#include <sys/cdefs.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX 0x7fffffff

__ATLAS_BEGIN_DECLS
void* malloc(size_t size);
void free(void* pointer);
void* calloc(size_t count, size_t size);
void* realloc(void* pointer, size_t size);

int atoi(const char* string);
long atol(const char* string);
long long atoll(const char* string);
long strtol(const char* string, char** end, int base);
unsigned long strtoul(const char* string, char** end, int base);
long long strtoll(const char* string, char** end, int base);
unsigned long long strtoull(const char* string, char** end, int base);

int abs(int value);
long labs(long value);
long long llabs(long long value);

/* Runs the atexit handlers, flushes every stdio stream, then ends the process. */
__ATLAS_NORETURN void exit(int status);
__ATLAS_NORETURN void _Exit(int status);
__ATLAS_NORETURN void abort(void);
int atexit(void (*handler)(void));
/* Atlas has no environment: always NULL. */
char* getenv(const char* name);

void qsort(void* base, size_t count, size_t size, int (*compare)(const void*, const void*));
void* bsearch(const void* key, const void* base, size_t count, size_t size,
              int (*compare)(const void*, const void*));
int rand(void);
void srand(unsigned seed);
__ATLAS_END_DECLS

#endif
