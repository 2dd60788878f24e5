// An xv6-style program: only the compatibility headers (-Iuser/include/xv6), xv6's
// flags (-Wall -Werror -O), and xv6's meanings: wait() gives the plain exit code and -1
// for a killed child, O_CREATE/O_TRUNC are xv6's values, fstat fills xv6's struct stat.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "kernel/memlayout.h"
#include "kernel/fs.h"
#include "kernel/riscv.h"
#include "user/user.h"

static int failures;

static void check(int ok, char *what)
{
  if(ok){
    printf("PASS %s\n", what);
  } else {
    printf("FAIL %s\n", what);
    failures++;
  }
}

int
main(int argc, char *argv[])
{
  int pid, status, fd;
  struct stat st;
  char buf[16];

  pid = fork();
  if(pid == 0)
    exit(-1);
  check(wait(&status) == pid && status == -1, "xv6_wait_returns_plain_exit_code");

  pid = fork();
  if(pid == 0){
    // Reading kernel memory kills the child; xv6 programs see status -1.
    volatile char *p = (char *)KERNBASE;
    printf("%d\n", *p);
    exit(0);
  }
  check(wait(&status) == pid && status == -1, "xv6_killed_child_has_status_minus_one");

  fd = open("xv6file", O_CREATE | O_RDWR);
  check(fd >= 0 && write(fd, "xv6!", 4) == 4, "xv6_open_create_and_write");
  close(fd);
  fd = open("xv6file", O_RDONLY);
  check(fd >= 0 && fstat(fd, &st) == 0 && st.type == T_FILE && st.size == 4, "xv6_fstat_fills_xv6_stat");
  check(read(fd, buf, sizeof(buf)) == 4 && buf[0] == 'x', "xv6_read");
  close(fd);
  fd = open("xv6file", O_CREATE | O_TRUNC | O_WRONLY);
  close(fd);
  check(stat("xv6file", &st) == 0 && st.size == 0, "xv6_o_trunc_truncates");
  check(unlink("xv6file") == 0, "xv6_unlink");
  check(sbrk(PGSIZE) != (char *)-1 && BSIZE == 1024 && MAXARG >= 32, "xv6_constants_and_sbrk");
  check(uptime() >= 0 && getpid() > 0, "xv6_uptime_and_getpid");

  printf("%d passed, %d failed\n", 9 - failures, failures);
  exit(failures == 0 ? 0 : 1);
}
