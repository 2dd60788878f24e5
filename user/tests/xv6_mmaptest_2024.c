// The MIT 6.S081 mmap lab's grading program as released in 2024 (6dd1443), rewritten from
// what the published program checks (docs/mmap.md §17): the late-2023 checks, write-back
// that must stop at the end of the file, plus lazy access (mmap must not read the file
// eagerly), munmap prevents access, and writes to read-only mapped memory (a killed child
// has wait status -1). Plain xv6 C against the compatibility headers only; tools/run-tests
// grades its output line by line as grade-lab-mmap does.
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/riscv.h"
#include "kernel/fs.h"
#include "user/user.h"

void mmap_test();
void fork_test();
void more_test();
char buf[PGSIZE];

#define MAP_FAILED ((char *) -1)

int
main(int argc, char *argv[])
{
  mmap_test();
  fork_test();
  more_test();
  printf("mmaptest: all tests succeeded\n");
  exit(0);
}

void
err(char *why)
{
  printf("mmaptest failure: %s, pid=%d\n", why, getpid());
  exit(1);
}

// the file holds 1.5 pages of 'A'; a 2-page mapping of it must show
// those bytes and then zeros up to the end of the second page.
void
_v1(char *p)
{
  int i;
  for (i = 0; i < PGSIZE*2; i++) {
    if (i < PGSIZE + (PGSIZE/2)) {
      if (p[i] != 'A') {
        printf("mismatch at %d, wanted 'A', got 0x%x\n", i, p[i]);
        err("v1 mismatch (1)");
      }
    } else {
      if (p[i] != 0) {
        printf("mismatch at %d, wanted zero, got 0x%x\n", i, p[i]);
        err("v1 mismatch (2)");
      }
    }
  }
}

// make a file of 1.5 pages of 'A', written BSIZE bytes at a time.
void
makefile(const char *f)
{
  int i;
  int n = PGSIZE/BSIZE;

  unlink(f);
  int fd = open(f, O_WRONLY | O_CREATE);
  if (fd == -1)
    err("open");
  memset(buf, 'A', BSIZE);
  for (i = 0; i < n + n/2; i++) {
    if (write(fd, buf, BSIZE) != BSIZE)
      err("write 0 makefile");
  }
  if (close(fd) == -1)
    err("close");
}

// read the next n bytes of fd into buf and check that each is c.
void
readall(int fd, int n, int want, char c, char *why)
{
  int i;
  if (read(fd, buf, n) != want)
    err(why);
  for (i = 0; i < want; i++) {
    if (buf[i] != c) {
      printf("mismatch at %d, wanted '%c', got 0x%x\n", i, c, buf[i]);
      err(why);
    }
  }
}

void
mmap_test(void)
{
  int fd;
  int i;
  const char * const f = "mmap.dur";
  printf("mmap_test starting\n");

  makefile(f);
  if ((fd = open(f, O_RDONLY)) == -1)
    err("open (1)");

  // a read-only private mapping longer than the file; the
  // kernel picks the address.
  printf("test basic mmap\n");
  char *p = mmap(0, PGSIZE*2, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    err("mmap (1)");
  _v1(p);
  if (munmap(p, PGSIZE*2) == -1)
    err("munmap (1)");
  printf("test basic mmap: OK\n");

  // a writable private mapping of a file opened read-only is fine;
  // it must outlive close(), and its stores stay in this process:
  // the file still holds 1.5 pages of 'A' afterwards.
  printf("test mmap private\n");
  p = mmap(0, PGSIZE*2, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    err("mmap (2)");
  if (close(fd) == -1)
    err("close (1)");
  _v1(p);
  for (i = 0; i < PGSIZE*2; i++)
    p[i] = 'Z';
  if (munmap(p, PGSIZE*2) == -1)
    err("munmap (2)");
  if ((fd = open(f, O_RDONLY)) == -1)
    err("open (2)");
  if (read(fd, buf, PGSIZE) != PGSIZE)
    err("read (1)");
  if (buf[0] != 'A')
    err("private write reached the file (1)");
  if (read(fd, buf, PGSIZE) != PGSIZE/2)
    err("read (2)");
  if (buf[0] != 'A')
    err("private write reached the file (2)");
  if (close(fd) == -1)
    err("close (2)");
  printf("test mmap private: OK\n");

  // a writable shared mapping needs a file opened for writing.
  printf("test mmap read-only\n");
  if ((fd = open(f, O_RDONLY)) == -1)
    err("open (3)");
  p = mmap(0, PGSIZE*2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p != MAP_FAILED)
    err("mmap call should have failed");
  if (close(fd) == -1)
    err("close (3)");
  printf("test mmap read-only: OK\n");

  // a writable shared mapping of three pages, used after close();
  // unmapping its first two pages must write the stores back.
  printf("test mmap read/write\n");
  if ((fd = open(f, O_RDWR)) == -1)
    err("open (4)");
  p = mmap(0, PGSIZE*3, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    err("mmap (3)");
  if (close(fd) == -1)
    err("close (4)");
  _v1(p);
  for (i = 0; i < PGSIZE; i++)
    p[i] = 'B';
  for (i = PGSIZE; i < PGSIZE*2; i++)
    p[i] = 'C';
  if (munmap(p, PGSIZE*2) == -1)
    err("munmap (3)");
  printf("test mmap read/write: OK\n");

  // the file, read back with read(), holds the stores, and is
  // still 1.5 pages long: write-back stops at the end of the file.
  printf("test mmap dirty\n");
  if ((fd = open(f, O_RDONLY)) == -1)
    err("open (5)");
  readall(fd, PGSIZE, PGSIZE, 'B', "file does not contain modifications (1)");
  readall(fd, PGSIZE, PGSIZE/2, 'C', "file does not contain modifications (2)");
  if (close(fd) == -1)
    err("close (5)");
  printf("test mmap dirty: OK\n");

  // the third page was never touched: unmapping it must still work.
  printf("test not-mapped unmap\n");
  if (munmap(p+PGSIZE*2, PGSIZE) == -1)
    err("munmap (4)");
  printf("test not-mapped unmap: OK\n");

  // mmap must not read the file at once: a write() after mmap and
  // before the first touch is what the mapping shows.
  printf("test lazy access\n");
  if (unlink(f) != 0)
    err("unlink (1)");
  makefile(f);
  if ((fd = open(f, O_RDWR)) == -1)
    err("open (6)");
  p = mmap(0, PGSIZE*2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    err("mmap (4)");
  if (close(fd) == -1)
    err("close (6)");
  if ((fd = open(f, O_RDWR)) == -1)
    err("open (7)");
  if (write(fd, "m", 1) != 1)
    err("write (1)");
  if (close(fd) == -1)
    err("close (7)");
  if (*p != 'm')
    err("read (3)");
  if (munmap(p, PGSIZE*2) != 0)
    err("munmap (5)");
  printf("test lazy access: OK\n");

  // two mappings of two files, first touched after close() and unlink().
  printf("test mmap two files\n");
  int fd1;
  if ((fd1 = open("mmap1", O_RDWR | O_CREATE)) < 0)
    err("open mmap1");
  if (write(fd1, "12345", 5) != 5)
    err("write mmap1");
  char *p1 = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd1, 0);
  if (p1 == MAP_FAILED)
    err("mmap mmap1");
  if (close(fd1) == -1)
    err("close mmap1");
  if (unlink("mmap1") == -1)
    err("unlink mmap1");

  int fd2;
  if ((fd2 = open("mmap2", O_RDWR | O_CREATE)) < 0)
    err("open mmap2");
  if (write(fd2, "67890", 5) != 5)
    err("write mmap2");
  char *p2 = mmap(0, PGSIZE, PROT_READ, MAP_PRIVATE, fd2, 0);
  if (p2 == MAP_FAILED)
    err("mmap mmap2");
  if (close(fd2) == -1)
    err("close mmap2");
  if (unlink("mmap2") == -1)
    err("unlink mmap2");

  if (memcmp(p1, "12345", 5) != 0)
    err("mmap1 mismatch");
  if (memcmp(p2, "67890", 5) != 0)
    err("mmap2 mismatch");

  if (munmap(p1, PGSIZE) == -1)
    err("munmap (6)");
  if (memcmp(p2, "67890", 5) != 0)
    err("mmap2 mismatch (2)");
  if (munmap(p2, PGSIZE) == -1)
    err("munmap (7)");

  printf("test mmap two files: OK\n");

  printf("mmap_test: ALL OK\n");
}

// two shared mappings of an unlinked file; a child inherits them,
// reads them and unmaps a page; the parent's must be intact after.
void
fork_test(void)
{
  int fd;
  int pid;
  const char * const f = "mmap.dur";

  printf("test fork\n");

  makefile(f);
  if ((fd = open(f, O_RDONLY)) == -1)
    err("open (8)");
  if (unlink(f) == -1)
    err("unlink (2)");
  char *p1 = mmap(0, PGSIZE*2, PROT_READ, MAP_SHARED, fd, 0);
  if (p1 == MAP_FAILED)
    err("mmap (5)");
  char *p2 = mmap(0, PGSIZE*2, PROT_READ, MAP_SHARED, fd, 0);
  if (p2 == MAP_FAILED)
    err("mmap (6)");

  // fault in only the second page before fork.
  if (*(p1+PGSIZE) != 'A')
    err("fork mismatch (1)");

  if ((pid = fork()) < 0)
    err("fork");
  if (pid == 0) {
    _v1(p1);
    if (munmap(p1, PGSIZE) == -1)
      err("munmap (8)");
    exit(0);
  }

  int status = -1;
  wait(&status);

  if (status != 0) {
    printf("test fork failed\n");
    exit(1);
  }

  // the child's munmap and exit must have left the parent's alone.
  _v1(p1);
  _v1(p2);

  printf("test fork: OK\n");
}

void
more_test(void)
{
  int fd;
  int pid;
  int status;
  const char * const f = "mmap.dur";

  // after munmap, touching the page kills the process; the stores
  // made before each munmap reach the file.
  printf("test munmap prevents access\n");
  makefile(f);
  if ((fd = open(f, O_RDWR)) == -1)
    err("open (9)");
  char *p = mmap(0, PGSIZE*2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED)
    err("mmap (7)");
  if (close(fd) == -1)
    err("close (8)");
  *p = 'X';
  *(p+PGSIZE) = 'Y';

  if ((pid = fork()) < 0)
    err("fork (1)");
  if (pid == 0) {
    *p = 'a';
    *(p+PGSIZE) = 'b';
    if (munmap(p+PGSIZE, PGSIZE) != 0)
      err("munmap (9)");
    printf("read unmapped memory, got 0x%x\n", *(p+PGSIZE));
    exit(0);
  }
  status = 0;
  wait(&status);
  if (status != -1)
    err("child #1 read unmapped memory");

  if ((pid = fork()) < 0)
    err("fork (2)");
  if (pid == 0) {
    *p = 'c';
    *(p+PGSIZE) = 'd';
    if (munmap(p, PGSIZE) != 0)
      err("munmap (10)");
    printf("read unmapped memory, got 0x%x\n", *p);
    exit(0);
  }
  status = 0;
  wait(&status);
  if (status != -1)
    err("child #2 read unmapped memory");

  *p = 'P';
  *(p+PGSIZE) = 'Q';
  if (munmap(p, PGSIZE) != 0)
    err("munmap (11)");
  *(p+PGSIZE) = 'R';
  if (munmap(p+PGSIZE, PGSIZE) != 0)
    err("munmap (12)");

  if ((fd = open(f, O_RDONLY)) == -1)
    err("open (10)");
  if (read(fd, buf, PGSIZE) != PGSIZE)
    err("read (4)");
  if (buf[0] != 'P')
    err("first page lost its last store");
  if (read(fd, buf, PGSIZE) != PGSIZE/2)
    err("read (5)");
  if (buf[0] != 'R')
    err("second page lost its last store");
  if (close(fd) == -1)
    err("close (9)");
  printf("test munmap prevents access: OK\n");

  // a store into a PROT_READ mapping kills the process, even when
  // the file is open for writing.
  printf("test writes to read-only mapped memory\n");
  if ((pid = fork()) < 0)
    err("fork (3)");
  if (pid == 0) {
    if ((fd = open(f, O_RDWR)) == -1)
      err("open (11)");
    p = mmap(0, PGSIZE*2, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
      err("mmap (8)");
    if (close(fd) == -1)
      err("close (10)");
    *p = 0;
    printf("wrote read-only mapped memory\n");
    exit(0);
  }
  status = 0;
  wait(&status);
  if (status != -1)
    err("child wrote read-only mapped memory");
  printf("test writes to read-only mapped memory: OK\n");
}
