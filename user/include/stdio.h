/* <stdio.h>: buffered streams over file descriptors, and the printf family.
 *
 * Buffering: stdout is line-buffered when it is a character device (the console) and
 * fully buffered otherwise; stderr is unbuffered; stdin reads through a buffer. exit()
 * and returning from main flush every stream; _exit() does not.
 *
 * Formatting is the kernel's printf engine (kernel/lib/format.h), so the conversions are
 * %d %i %u %x %X %o %p %s %c %% with hh h l ll z j t, flags - 0 + space #, width and
 * precision (also as *). Differences from glibc: there is no floating point (%f is
 * printed literally, like any unknown conversion); %p prints 0x and 16 hex digits. */
#ifndef _ATLAS_STDIO_H
#define _ATLAS_STDIO_H

#include <stdarg.h>
#include <sys/cdefs.h>
#include <sys/types.h>

#define EOF (-1)
#define BUFSIZ 1024

#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif

#define _IOFBF 0
#define _IOLBF 1
#define _IONBF 2

typedef struct AtlasFile FILE;

__ATLAS_BEGIN_DECLS
extern FILE* stdin;
extern FILE* stdout;
extern FILE* stderr;

int printf(const char* format, ...) __ATLAS_PRINTF(1, 2);
int fprintf(FILE* stream, const char* format, ...) __ATLAS_PRINTF(2, 3);
int dprintf(int fd, const char* format, ...) __ATLAS_PRINTF(2, 3);
int sprintf(char* buffer, const char* format, ...) __ATLAS_PRINTF(2, 3);
int snprintf(char* buffer, size_t size, const char* format, ...) __ATLAS_PRINTF(3, 4);
int vprintf(const char* format, va_list args);
int vfprintf(FILE* stream, const char* format, va_list args);
int vdprintf(int fd, const char* format, va_list args);
int vsprintf(char* buffer, const char* format, va_list args);
int vsnprintf(char* buffer, size_t size, const char* format, va_list args);

int fputc(int c, FILE* stream);
int putc(int c, FILE* stream);
int putchar(int c);
int fputs(const char* string, FILE* stream);
int puts(const char* string);
int fgetc(FILE* stream);
int getc(FILE* stream);
int getchar(void);
int ungetc(int c, FILE* stream);
char* fgets(char* buffer, int size, FILE* stream);
size_t fread(void* buffer, size_t size, size_t count, FILE* stream);
size_t fwrite(const void* buffer, size_t size, size_t count, FILE* stream);

FILE* fopen(const char* path, const char* mode);
FILE* fdopen(int fd, const char* mode);
int fclose(FILE* stream);
int fflush(FILE* stream);
int fileno(FILE* stream);
int feof(FILE* stream);
int ferror(FILE* stream);
void clearerr(FILE* stream);
int setvbuf(FILE* stream, char* buffer, int mode, size_t size);
int fseek(FILE* stream, long offset, int whence);
long ftell(FILE* stream);

/* Prints "prefix: strerror(errno)" (or just the description) on stderr. */
void perror(const char* prefix);
int remove(const char* path);
__ATLAS_END_DECLS

#endif
