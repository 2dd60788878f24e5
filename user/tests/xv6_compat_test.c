// The xv6 behaviours the compatibility layer emulates, each as an xv6 program relies on
// it: built like xv6_style_test (the compatibility headers only, xv6's flags).
//   - kernel/riscv.h's user-mode accessors (r_sp, r_time) and usertests' stacktest;
//   - unlink() of an empty directory removes it, of a non-empty one fails;
//   - read() of a directory gives struct dirent records, as xv6's ls reads them;
//   - exec("echo") and open("echo", 0) by bare name from a directory without them;
//   - a parent's wait() sees only its own children, never an orphan it did not create
//     (under atlas-run the program is a child of init, not init).
// Prints "PASS name" / "FAIL name" per check and "N passed, N failed".
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "kernel/riscv.h"
#include "user/user.h"

static int passed, failed;

static void check(int ok, char *what)
{
  if(ok){
    printf("PASS %s\n", what);
    passed++;
  } else {
    printf("FAIL %s\n", what);
    failed++;
  }
}

static void make_file(char *path)
{
  int fd = open(path, O_CREATE | O_RDWR);
  if(fd >= 0){
    write(fd, "x", 1);
    close(fd);
  }
}

// --- kernel/riscv.h ---

static void riscv_accessors(void)
{
  int local = 0;
  uint64 sp = r_sp();
  uint64 here = (uint64)&local;
  check(sp % 16 == 0 && sp < MAXVA && sp <= here && here - sp < PGSIZE,
        "r_sp_points_into_the_callers_stack_frame");

  uint64 before = r_time();
  sleep(2);
  check(r_time() > before, "r_time_reads_an_advancing_counter");

  pagetable_t table = 0;
  pte_t pte = PA2PTE(0x80001000L) | PTE_V | PTE_R;
  check(table == 0 && PTE2PA(pte) == 0x80001000L && PTE_FLAGS(pte) == (PTE_V | PTE_R)
        && PX(0, 0x3000) == 3 && PX(2, MAXVA - 1) == 255,
        "page_table_arithmetic_is_xv6s");
}

// xv6 usertests' stacktest: USERSTACK pages below the stack pointer there must be no
// stack, so that reading it kills the process.
static void stack_guard(void)
{
  int status;
  int pid = fork();
  if(pid == 0){
    char *sp = (char *)r_sp();
    sp -= USERSTACK * PGSIZE;
    printf("read below the stack gave %d\n", *(volatile char *)sp);
    exit(1);
  }
  check(pid > 0 && wait(&status) == pid && status == -1,
        "read_userstack_pages_below_sp_is_killed");
}

// --- unlink ---

static void unlink_directories(void)
{
  struct stat st;

  check(mkdir("empty") == 0 && unlink("empty") == 0 && stat("empty", &st) < 0,
        "unlink_removes_an_empty_directory");

  mkdir("full");
  make_file("full/f");
  check(unlink("full") < 0 && stat("full", &st) == 0 && st.type == T_DIR,
        "unlink_of_a_non_empty_directory_fails");
  check(unlink("full/f") == 0 && unlink("full") == 0, "unlink_of_a_directory_emptied_after");
}

// --- read() of a directory ---

// Reads every record of `path` with reads of `chunk` bytes into `out` (up to `max` bytes);
// the number of bytes, or -1.
static int read_all(char *path, char *out, int max, int chunk)
{
  int fd = open(path, O_RDONLY);
  int total = 0, n = 0;
  if(fd < 0)
    return -1;
  while(total + chunk <= max && (n = read(fd, out + total, chunk)) > 0)
    total += n;
  close(fd);
  return n < 0 ? -1 : total;
}

// Whether the records hold a live entry called `name`; its inum in *inum.
static int has_entry(char *records, int size, char *name, int *inum)
{
  struct dirent de;
  char buf[DIRSIZ + 1];
  for(int i = 0; i + (int)sizeof(de) <= size; i += sizeof(de)){
    memmove(&de, records + i, sizeof(de));
    if(de.inum == 0)
      continue;
    memmove(buf, de.name, DIRSIZ);
    buf[DIRSIZ] = 0;
    if(strcmp(buf, name) == 0){
      *inum = de.inum;
      return 1;
    }
  }
  return 0;
}

static char whole[2048], pieces[2048], big[2048];

static void read_directories(void)
{
  struct stat st;
  int inum = 0, dot = 0, dotdot = 0, fd, n, size;
  struct dirent de;

  mkdir("listed");
  make_file("listed/file1");
  make_file("listed/a_name_longer_than_fourteen");

  size = read_all("listed", whole, sizeof(whole), sizeof(struct dirent));
  check(size == 4 * sizeof(struct dirent), "read_of_a_directory_gives_one_record_per_entry");
  check(has_entry(whole, size, ".", &dot) && has_entry(whole, size, "..", &dotdot),
        "read_of_a_directory_lists_dot_and_dotdot");
  check(has_entry(whole, size, "file1", &inum) && stat("listed/file1", &st) == 0
        && inum == (ushort)st.ino,
        "read_of_a_directory_gives_a_created_files_name_and_inum");
  check(has_entry(whole, size, "a_name_longer_", &inum),
        "read_of_a_directory_cuts_long_names_to_dirsiz");

  // Any split of the byte stream gives the same records: 5 + 11 bytes at a time, or all
  // at once.
  check(size > 0 && read_all("listed", pieces, sizeof(pieces), 5) == size && memcmp(whole, pieces, size) == 0,
        "read_of_a_directory_in_pieces_continues_mid_record");
  check(size > 0 && read_all("listed", big, sizeof(big), sizeof(big)) == size && memcmp(whole, big, size) == 0,
        "read_of_a_directory_fills_a_big_buffer");

  // close() forgets the rest: the descriptor, reused, starts at the first record again.
  fd = open("listed", O_RDONLY);
  n = read(fd, &de, 3);
  close(fd);
  fd = open("listed", O_RDONLY);
  check(n == 3 && size > 0 && read(fd, &de, sizeof(de)) == sizeof(de) && memcmp(&de, whole, sizeof(de)) == 0,
        "close_of_a_directory_forgets_a_partial_record");
  close(fd);

  fd = open("listed/file1", O_RDONLY);
  check(fd >= 0 && read(fd, big, sizeof(big)) == 1 && big[0] == 'x',
        "read_of_a_file_is_unchanged");
  close(fd);

  unlink("listed/file1");
  unlink("listed/a_name_longer_than_fourteen");
  unlink("listed");
}

// --- programs by bare name ---

static void bare_names(void)
{
  int fds[2], pid, status, fd, n;
  char buf[8];
  char *argv[] = {"echo", "bare", 0};
  struct stat st;

  mkdir("nobin");
  if(chdir("nobin") < 0){
    check(0, "chdir_nobin");
    return;
  }
  pipe(fds);
  pid = fork();
  if(pid == 0){
    close(1);
    dup(fds[1]);
    close(fds[0]);
    close(fds[1]);
    exec("echo", argv);
    exit(1);
  }
  close(fds[1]);
  n = read(fds[0], buf, sizeof(buf));
  close(fds[0]);
  check(pid > 0 && wait(&status) == pid && status == 0 && n == 5 && memcmp(buf, "bare\n", 5) == 0,
        "exec_of_a_bare_name_runs_the_program_in_bin");
  check(exec("doesnotexist", argv) < 0, "exec_of_a_missing_bare_name_fails");

  fd = open("echo", 0);
  check(fd >= 0 && read(fd, buf, 4) == 4 && memcmp(buf, "\177ELF", 4) == 0,
        "open_of_a_bare_name_reads_the_program_in_bin");
  close(fd);
  fd = open("init", 0);
  check(fd >= 0, "open_of_init_by_bare_name");
  close(fd);
  check(open("doesnotexist", 0) < 0, "open_of_a_missing_bare_name_fails");
  check(open("echo", O_WRONLY) < 0, "open_for_writing_does_not_fall_back_to_bin");
  fd = open("echo", O_CREATE | O_RDWR);
  check(fd >= 0 && fstat(fd, &st) == 0 && st.size == 0 && unlink("echo") == 0,
        "open_create_of_a_bare_name_makes_a_local_file");
  close(fd);

  chdir("..");
  unlink("nobin");
}

// --- orphans ---

// A child forks a grandchild and exits; the grandchild exits with -1 later, an orphan.
// The parent's wait() must give its child's pid and status, and then report no children.
static void orphans(void)
{
  int status = 0, pid, first, second;
  pid = fork();
  if(pid == 0){
    if(fork() == 0){
      sleep(10);
      exit(-1);
    }
    exit(7);
  }
  first = wait(&status);
  check(pid > 0 && first == pid && status == 7, "wait_gives_the_childs_pid_and_status");
  sleep(30);  // The orphan has exited by now.
  status = 12345;
  second = wait(&status);
  check(second == -1 && status == 12345, "wait_never_reaps_an_orphan_of_a_child");
}

int
main(int argc, char *argv[])
{
  riscv_accessors();
  stack_guard();
  unlink_directories();
  read_directories();
  bare_names();
  orphans();
  printf("%d passed, %d failed\n", passed, failed);
  exit(failed == 0 ? 0 : 1);
}
