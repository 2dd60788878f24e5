/* Built with the XV6 option: includes every compatibility header in the order mmaptest.c
 * uses (param.h and fcntl.h before types.h) and exercises the names xv6 programs depend on,
 * under xv6's -Wall -Werror, so that a broken compatibility header fails the build. */
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/riscv.h"
#include "kernel/fs.h"
#include "kernel/memlayout.h"
#include "kernel/syscall.h"
#include "user/user.h"

#define MAP_FAILED ((char *) -1)

char buf[(MAXOPBLOCKS + 2) * BSIZE];

int
main(int argc, char *argv[])
{
  struct stat st;
  int fd, xstatus, pid;
  char *p;

  fd = open("xv6check", O_CREATE | O_RDWR | O_TRUNC);
  if(fd < 0){
    printf("xv6check: open failed\n");
    exit(1);
  }
  if(write(fd, buf, BSIZE) != BSIZE || fstat(fd, &st) < 0 || st.type != T_FILE || st.size != BSIZE){
    fprintf(2, "xv6check: write/fstat failed\n");
    exit(1);
  }
  p = mmap(0, PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if(p != MAP_FAILED)
    munmap(p, PGSIZE);
  close(fd);
  unlink("xv6check");
  pid = fork();
  if(pid == 0)
    exit(-1);
  wait(&xstatus);
  if(xstatus != -1){
    printf("xv6check: wait gave %d, not -1\n", xstatus);
    exit(1);
  }
  if(stat("/", &st) < 0 || st.type != T_DIR)
    exit(1);
  printf("xv6check: ok (MAXFILE %d, MAXARG %d, KERNBASE %p, uptime %d)\n",
         (int)MAXFILE, MAXARG, (void*)KERNBASE, uptime());
  sleep(1);
  (void)sbrk(PGSIZE);
  (void)mkdir("xv6dir");
  (void)kill(-12345);
  (void)PGROUNDUP(st.size);
  (void)TRAPFRAME;
  (void)SYS_mmap;
  exit(0);
}
