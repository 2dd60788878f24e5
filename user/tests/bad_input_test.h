/* bad_input_test.h: what the table of bad inputs (bad_input_test.c) and its fixture
 * (bad_input_fixture.c) share: the argument tokens that stand for what exists only once
 * the fixture does, the paths, and the fixture itself. */
#ifndef BAD_INPUT_TEST_H
#define BAD_INPUT_TEST_H

#include <stddef.h>


#define PAGE 4096l
#define OK (-1000)   /* The call must succeed (any result). */
#define CUSTOM (-1001) /* The row's check function decides. */

/* Tokens: arguments that exist only once the fixture does. */
#define TOK(n) (0x7eadbeef00000000l + (n))
enum {
    T_FD_FILE = 1, T_FD_RDONLY, T_FD_WRONLY, T_FD_DIR, T_FD_PIPE_R, T_FD_PIPE_W, T_FD_PIPE_W_ALONE, T_FD_CLOSED,
    T_UNMAPPED, T_PROTNONE, T_RO, T_STRADDLE, T_EOF, T_UNTERM, T_BUF, T_MAPPED, T_MAPPED_RO_FILE, T_LONGPATH,
    T_COMP256, T_MAPPED_PLUS_1, T_DOTDOT_FROM_REMOVED, T_ARGV_VALID, T_ARGV_KSTRING, T_ARGV_UNTERM, T_ARGV_HUGE, T_CHILD, T_ZOMBIE, T_SELF, T_BIGLEN,
    T_PATH, /* T_PATH + i: kPaths[i] */
};
#define FD_FILE TOK(T_FD_FILE)
#define FD_RDONLY TOK(T_FD_RDONLY)
#define FD_WRONLY TOK(T_FD_WRONLY)
#define FD_DIR TOK(T_FD_DIR)
#define FD_PIPE_R TOK(T_FD_PIPE_R)
#define FD_PIPE_W TOK(T_FD_PIPE_W)
#define FD_PIPE_W_ALONE TOK(T_FD_PIPE_W_ALONE)
#define FD_CLOSED TOK(T_FD_CLOSED)
#define FD_CONSOLE 1l
#define FD_NEG (-1l)
#define FD_HUGE 1000000l
#define P_NULL 0l
#define P_KERNEL ((long)0xffffffc000000000ul)
#define P_NONCANON 0x0000800000000000l
#define P_UNMAPPED TOK(T_UNMAPPED)
#define P_PROTNONE TOK(T_PROTNONE)
#define P_RO TOK(T_RO)
#define P_STRADDLE TOK(T_STRADDLE)
#define P_EOF TOK(T_EOF)
#define P_UNTERM TOK(T_UNTERM)
#define P_BUF TOK(T_BUF)
#define M_MAPPED TOK(T_MAPPED)
#define M_RO_FILE TOK(T_MAPPED_RO_FILE)
#define M_UNALIGNED TOK(T_MAPPED_PLUS_1)
#define S_DOTDOT_FROM_REMOVED TOK(T_DOTDOT_FROM_REMOVED)
#define S_LONG TOK(T_LONGPATH)
#define S_COMP256 TOK(T_COMP256)
#define ARGV_VALID TOK(T_ARGV_VALID)
#define ARGV_KSTRING TOK(T_ARGV_KSTRING)
#define ARGV_UNTERM TOK(T_ARGV_UNTERM)
#define ARGV_HUGE TOK(T_ARGV_HUGE)
#define PID_CHILD TOK(T_CHILD)
#define PID_ZOMBIE TOK(T_ZOMBIE)
#define PID_SELF TOK(T_SELF)
#define BIG_LEN TOK(T_BIGLEN)

static const char* const kPaths[] = {
#define S_FILE TOK(T_PATH + 0)
    "file",
#define S_DIR TOK(T_PATH + 1)
    "dir",
#define S_EMPTY TOK(T_PATH + 2)
    "",
#define S_DOT TOK(T_PATH + 3)
    ".",
#define S_DOTDOT TOK(T_PATH + 4)
    "..",
#define S_ROOT TOK(T_PATH + 5)
    "/",
#define S_MISSING TOK(T_PATH + 6)
    "missing",
#define S_MISSING_PARENT TOK(T_PATH + 7)
    "missing/x",
#define S_THROUGH_FILE TOK(T_PATH + 8)
    "file/x",
#define S_FILE_DOT TOK(T_PATH + 9)
    "file/.",
#define S_FILE_DOTDOT TOK(T_PATH + 10)
    "file/..",
#define S_FILE_SLASH TOK(T_PATH + 11)
    "file/",
#define S_NEW TOK(T_PATH + 12)
    "new",
#define S_NEW_SLASH TOK(T_PATH + 13)
    "new/",
#define S_DIR_SLASH TOK(T_PATH + 14)
    "dir/",
#define S_DIR_DOT TOK(T_PATH + 15)
    "dir/.",
#define S_FULL TOK(T_PATH + 16)
    "full",
#define S_TEXT TOK(T_PATH + 17)
    "text",
#define S_NODE TOK(T_PATH + 18)
    "node",
#define S_DIR_NEW TOK(T_PATH + 19)
    "dir/new",
#define S_ROOT_NEW TOK(T_PATH + 20)
    "/x-bad-input",
#define S_PROGRAM TOK(T_PATH + 21)
    "/bin/syscall_fuzz",
};

struct Row {
    const char* name;
    int number;
    long args[6];
    long expect; /* An errno, OK, or CUSTOM. */
    int (*check)(long result, char* why, size_t size);
};


/* What a row's child builds before its call (build_fixture). */
struct Fixture {
    int fd[T_FD_CLOSED + 1];
    unsigned char* rw_end; /* A read-write page followed by an unmapped page. */
    unsigned char* none;
    unsigned char* ro;
    unsigned char* eof_map;
    unsigned char* buffer;
    unsigned char* mapped;
    unsigned char* ro_file_map;
    char* long_path;
    char* component;
    char* huge_arg;
    char* argv_valid[2];
    char* argv_kstring[3];
    int child, zombie;
};
extern struct Fixture fx;

/* Builds the fixture for row `index` (the rarer files only for the rows that name them);
 * 0 or -1. */
int build_fixture(int index);
/* The value of argument `arg`: a token resolved against the fixture, or the literal. */
long resolve(long arg);
/* The lowest free descriptor, to see that a failed call left none behind. */
int lowest_free_fd(void);

#endif
