// The MIT 6.S081 mmap lab's grading program as fixed in late 2023 (b20ef9d), rewritten from
// what the published program checks (docs/mmap.md §17): the sub-tests and printed lines of
// the 2020 original (xv6_mmaptest_2020.c), with numbered error labels and more results
// checked: close() and unlink() of the two files, both munmap()s of "two files", and the
// unlink() and the child's munmap() of fork_test. Plain xv6 C against the compatibility
// headers only; tools/run-tests grades its output line by line as grade-lab-mmap does.
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/riscv.h"
#include "kernel/fs.h"
#include "user/user.h"

void mmap_test();
void fork_test();
char buf[BSIZE];

#define MAP_FAILED ((char *) -1)

int
main(int argc, char *argv[])
{
  mmap_test();
  fork_test();
  printf("mmaptest: all tests succeeded\n");
  exit(0);
}

char *testname = "???";

void
err(char *why)
{
  printf("mmaptest: %s failed: %s, pid=%d\n", testname, why, getpid());
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
    err("open (1)");
  memset(buf, 'A', BSIZE);
  for (i = 0; i < n + n/2; i++) {
    if (write(fd, buf, BSIZE) != BSIZE)
      err("write 0 makefile");
  }
  if (close(fd) == -1)
    err("close (1)");
}

void
mmap_test(void)
{
  int fd;
  int i;
  const char * const f = "mmap.dur";
  printf("mmap_test starting\n");
  testname = "mmap_test";

  makefile(f);
  if ((fd = open(f, O_RDONLY)) == -1)
    err("open (2)");

  // a read-only private mapping longer than the file; the
  // kernel picks the address.
  printf("test mmap f\n");
  char *p = mmap(0, PGSIZE*2, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    err("mmap (1)");
  _v1(p);
  if (munmap(p, PGSIZE*2) == -1)
    err("munmap (1)");
  printf("test mmap f: OK\n");

  // a writable private mapping of a file opened read-only is fine;
  // it must outlive close(), and its stores stay in this process.
  printf("test mmap private\n");
  p = mmap(0, PGSIZE*2, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    err("mmap (2)");
  if (close(fd) == -1)
    err("close (2)");
  _v1(p);
  for (i = 0; i < PGSIZE*2; i++)
    p[i] = 'Z';
  if (munmap(p, PGSIZE*2) == -1)
    err("munmap (2)");
  printf("test mmap private: OK\n");

  // a writable shared mapping needs a file opened for writing.
  printf("test mmap read-only\n");
  if ((fd = open(f, O_RDONLY)) == -1)
    err("open (3)");
  p = mmap(0, PGSIZE*3, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
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
  // the private stores above must not have reached the file.
  _v1(p);
  for (i = 0; i < PGSIZE*2; i++)
    p[i] = 'Z';
  if (munmap(p, PGSIZE*2) == -1)
    err("munmap (3)");
  printf("test mmap read/write: OK\n");

  // the file, read back with read(), holds the stores.
  printf("test mmap dirty\n");
  if ((fd = open(f, O_RDWR)) == -1)
    err("open (5)");
  for (i = 0; i < PGSIZE + (PGSIZE/2); i++) {
    char b;
    if (read(fd, &b, 1) != 1)
      err("read (1)");
    if (b != 'Z')
      err("file does not contain modifications");
  }
  if (close(fd) == -1)
    err("close (5)");
  printf("test mmap dirty: OK\n");

  // the third page was never touched: unmapping it must still work.
  printf("test not-mapped unmap\n");
  if (munmap(p+PGSIZE*2, PGSIZE) == -1)
    err("munmap (4)");
  printf("test not-mapped unmap: OK\n");

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
    err("munmap (5)");
  if (memcmp(p2, "67890", 5) != 0)
    err("mmap2 mismatch (2)");
  if (munmap(p2, PGSIZE) == -1)
    err("munmap (6)");

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

  printf("fork_test starting\n");
  testname = "fork_test";

  makefile(f);
  if ((fd = open(f, O_RDONLY)) == -1)
    err("open (6)");
  if (unlink(f) == -1)
    err("unlink (1)");
  char *p1 = mmap(0, PGSIZE*2, PROT_READ, MAP_SHARED, fd, 0);
  if (p1 == MAP_FAILED)
    err("mmap (4)");
  char *p2 = mmap(0, PGSIZE*2, PROT_READ, MAP_SHARED, fd, 0);
  if (p2 == MAP_FAILED)
    err("mmap (5)");

  // fault in only the second page before fork.
  if (*(p1+PGSIZE) != 'A')
    err("fork mismatch (1)");

  if ((pid = fork()) < 0)
    err("fork");
  if (pid == 0) {
    _v1(p1);
    if (munmap(p1, PGSIZE) == -1)
      err("munmap (7)");
    exit(0);
  }

  int status = -1;
  wait(&status);

  if (status != 0) {
    printf("fork_test failed\n");
    exit(1);
  }

  // the child's munmap and exit must have left the parent's alone.
  _v1(p1);
  _v1(p2);

  printf("fork_test OK\n");
}
