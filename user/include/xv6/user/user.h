// xv6 compatibility: xv6's user/user.h, the system calls and ulib functions xv6 programs
// call, with xv6's prototypes and meanings:
//   wait(&status)  stores the plain exit code (exit(-1) gives -1), or -1 for a process the
//                  kernel killed; POSIX's wait in <sys/wait.h> stores an encoded word.
//   open(path, O_CREATE|...) takes xv6's flag values (kernel/fcntl.h), translated here.
//   sleep(n)       sleeps n ticks of 1/100 s (POSIX's sleep takes seconds).
//   printf/fprintf(fd, ...) are unbuffered, as in xv6, so output mixes safely with write().
//   fstat/stat     fill xv6's struct stat (kernel/stat.h).
//   read(fd, ...)  of a directory gives xv6's struct dirent records (kernel/fs.h), and
//   close(fd)      forgets what was left of them.
//   unlink(path)   also removes an empty directory.
//   exec(name, ...), open(name, O_RDONLY): a bare name (no '/') that is not in the working
//                  directory is looked up in /bin, where xv6's programs in / live on Atlas.
// Where xv6 and POSIX share a name but not a meaning, the name is a function-like macro
// onto an xv6_ function of user/lib, so `struct stat` and plain identifiers are untouched.
// Compiles on its own: it needs no other header.
#ifndef ATLAS_XV6_USER_USER_H
#define ATLAS_XV6_USER_USER_H

#ifdef __cplusplus
extern "C" {
#endif

struct stat;

// System calls.
int fork(void);
int exit(int) __attribute__((noreturn));
int xv6_wait(int*);
int pipe(int*);
int write(int, const void*, int);
int xv6_read(int, void*, int);
int xv6_close(int);
int xv6_kill(int);
int exec(const char*, char**);
int xv6_open(const char*, int);
int xv6_mknod(const char*, short, short);
int xv6_unlink(const char*);
int xv6_fstat(int fd, struct stat*);
int link(const char*, const char*);
int xv6_mkdir(const char*);
int chdir(const char*);
int dup(int);
int getpid(void);
char* xv6_sbrk(int);
int xv6_sleep(int);
int uptime(void);
void* mmap(void* addr, unsigned long length, int prot, int flags, int fd, long offset);
int munmap(void* addr, unsigned long length);

// ulib.
int xv6_stat(const char*, struct stat*);
char* strcpy(char*, const char*);
void* memmove(void*, const void*, int);
char* strchr(const char*, char c);
int strcmp(const char*, const char*);
void xv6_fprintf(int, const char*, ...);
void xv6_printf(const char*, ...);
char* gets(char*, int max);
unsigned int strlen(const char*);
void* memset(void*, int, unsigned int);
void* malloc(unsigned int);
void free(void*);
int atoi(const char*);
int memcmp(const void*, const void*, unsigned int);
void* memcpy(void*, const void*, unsigned int);

#ifdef __cplusplus
}
#endif

#define wait(status) xv6_wait(status)
#define read(fd, buffer, size) xv6_read(fd, buffer, size)
#define close(fd) xv6_close(fd)
#define unlink(path) xv6_unlink(path)
#define kill(pid) xv6_kill(pid)
#define open(path, flags) xv6_open(path, flags)
#define mknod(path, major, minor) xv6_mknod(path, major, minor)
#define fstat(fd, st) xv6_fstat(fd, st)
#define stat(path, st) xv6_stat(path, st)
#define mkdir(path) xv6_mkdir(path)
#define sbrk(n) xv6_sbrk(n)
#define sleep(ticks) xv6_sleep(ticks)
#define printf(...) xv6_printf(__VA_ARGS__)
#define fprintf(...) xv6_fprintf(__VA_ARGS__)

#endif
