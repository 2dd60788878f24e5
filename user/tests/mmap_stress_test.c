/* mmap_stress_test: races between processes on several harts at once: both faulting one
 * file page at the same moment, munmap in one racing the other's stores to the same file,
 * stores seen by the other process at once (mapping to mapping, and mapping to
 * read()/write()), and read faults on cached pages (which take no lock of the file but its
 * page tree's read lock) racing truncation, the cache's drops, write-back and munmap. The two sides of each test run in step through a shared Rendezvous page
 * (barriers with no clock: a dead partner ends a wait, a slow one does not). The scale and
 * limit tests (fork chain, 100,000 mappings, out of memory) are mmap_scale_test's.
 * Each test runs in a child (the harness's TEST_IN_CHILD); a test passes if its child exits
 * 0. Prints "PASS name" or "FAIL name: why" per test and ends with "N passed, N failed".
 *
 *   mmap_stress_test            run every test
 *   mmap_stress_test NAME...    run the tests whose names contain one of the NAMEs
 *
 * The test files hold PATTERN (file_helpers.h), lower-case letters, never 0x80 or more: a
 * test's stores, which all have the top bit set, can never be mistaken for them. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file_helpers.h"
#include "harness.h"

#define ANON_SHARED (MAP_ANONYMOUS | MAP_SHARED)


/* --- two processes in step --- */

/* The page a parent and its child share in a two-process test (a MAP_SHARED anonymous
 * mapping made before fork): a barrier count, a flag either side raises when it gives up,
 * and where the child's failed check was. */
struct Rendezvous {
    long arrivals;   /* Barrier arrivals of both sides, ever growing. */
    long give_up;    /* Non-zero once either side has failed: the other stops waiting. */
    long child_line; /* The line of the child's failed check, 0 if none. */
    long child_errno;
    long parent_pid;
    long word[8]; /* For the test's own use. */
};

static struct Rendezvous* new_rendezvous(void)
{
    struct Rendezvous* r = (struct Rendezvous*)map_anon(PG, RW, ANON_SHARED);
    if (r)
        r->parent_pid = getpid();
    return r;
}

/* Ends the child of a pair after a failed check at `line`, telling the parent. */
__attribute__((noreturn)) static void child_fails(struct Rendezvous* r, int line)
{
    __atomic_store_n(&r->child_errno, errno, __ATOMIC_RELAXED);
    __atomic_store_n(&r->child_line, line, __ATOMIC_RELAXED);
    __atomic_store_n(&r->give_up, 1, __ATOMIC_RELEASE);
    _exit(1);
}

/* CHECK for the child of a pair: it cannot return a failure, so it reports the line. */
#define CHILD_CHECK(r, condition)             \
    do {                                      \
        if (!(condition))                     \
            child_fails((r), __LINE__);       \
    } while (0)

/* Whether the other side of the pair can still answer. The parent passes its child's pid
 * (kill(pid, 0) fails once the child is a zombie); the child passes 0 and asks whether its
 * parent is still the one that forked it. */
static int partner_alive(const struct Rendezvous* r, int partner)
{
    if (__atomic_load_n(&r->give_up, __ATOMIC_ACQUIRE))
        return 0;
    if (partner > 0)
        return kill(partner, 0) == 0;
    return getppid() == r->parent_pid;
}

/* Where a waiting side reads the value it waits for: a word in memory (`words`, through
 * a mapping), or the file behind `fd` at offset index * 8 with read() when `words` is NULL. */
struct Channel {
    volatile long* words;
    int fd;
};

static long channel_load(const struct Channel* c, int index)
{
    if (c->words)
        return __atomic_load_n(&c->words[index], __ATOMIC_ACQUIRE);
    long value = -1;
    if (lseek(c->fd, index * 8, SEEK_SET) != index * 8 || read(c->fd, &value, 8) != 8)
        return -1;
    return value;
}

static int channel_store(const struct Channel* c, int index, long value)
{
    if (c->words) {
        __atomic_store_n(&c->words[index], value, __ATOMIC_RELEASE);
        return 0;
    }
    if (lseek(c->fd, index * 8, SEEK_SET) != index * 8 || write(c->fd, &value, 8) != 8)
        return -1;
    return 0;
}

/* Spins until word `index` of `c` is at least `target`. Returns 0, or -1 if the partner
 * (see partner_alive) gave up or died before it got there. No clock is involved: a dead
 * partner ends the wait, a slow one does not. */
static int wait_for(struct Rendezvous* r, const struct Channel* c, int index, long target,
                    int partner)
{
    for (unsigned long spins = 1;; spins++) {
        if (channel_load(c, index) >= target)
            return 0;
        if (spins % 256 == 0 && !partner_alive(r, partner))
            return channel_load(c, index) >= target ? 0 : -1;
    }
}

/* Barrier number `barrier` (0, 1, 2, ...) of the pair: returns once both sides have arrived
 * at it, 0, or -1 if the partner gave up or died. */
static int meet(struct Rendezvous* r, long barrier, int partner)
{
    __atomic_add_fetch(&r->arrivals, 1, __ATOMIC_ACQ_REL);
    struct Channel c = {&r->arrivals, -1};
    return wait_for(r, &c, 0, 2 * (barrier + 1), partner);
}

/* Ends a pair on the parent's side: with `result` the parent's verdict, reaps the child
 * (killing it first if the parent failed) and returns 0 only if both sides passed. */
static int finish_pair(struct Rendezvous* r, int child, int result)
{
    int status = 0;
    if (result != 0) {
        __atomic_store_n(&r->give_up, 1, __ATOMIC_RELEASE);
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
    } else if (waitpid(child, &status, 0) != child) {
        snprintf(failure, sizeof(failure), "could not reap the child");
        return 1;
    }
    long line = __atomic_load_n(&r->child_line, __ATOMIC_ACQUIRE);
    if (line != 0) {
        char parent[128];
        snprintf(parent, sizeof(parent), "%s", failure);
        snprintf(failure, sizeof(failure), "child: check at line %ld failed (errno %ld)%s%s",
                 line, r->child_errno, parent[0] ? "; parent: " : "", parent);
        return 1;
    }
    if (result != 0)
        return 1;
    if (WIFSIGNALED(status)) {
        snprintf(failure, sizeof(failure), "child killed by signal %d", WTERMSIG(status));
        return 1;
    }
    if (WEXITSTATUS(status) != 0) {
        snprintf(failure, sizeof(failure), "child exited %d", WEXITSTATUS(status));
        return 1;
    }
    return 0;
}

/* --- 1: two processes fault one file page at the same moment --- */

enum { kFaultRounds = 300 };

/* The byte that side `role` (0 parent, 1 child) stores in round `round`, at offset
 * 2 * round + role of the page. */
static unsigned char fault_byte(int round, int role)
{
    return (unsigned char)(0x80 | ((2 * round + role) & 0x7f));
}

/* One side of same_file_page_faulted_by_two_processes_at_once_loses_no_store. Each round:
 * map the page afresh, meet, touch it at once (half the rounds reading first, half writing
 * first), unmap, meet again; every other round the parent then drops the page from the cache
 * (posix_fadvise DONTNEED), so that both sides' next faults race to read it in. Returns 0 or
 * the line of the first failed check. */
static int fault_race_side(struct Rendezvous* r, const char* name, int role, int partner)
{
    int fd = open(name, O_RDWR);
    if (fd < 0)
        return __LINE__;
    int other = 1 - role;
    long barrier = 0;
    for (int round = 0; round < kFaultRounds; round++) {
        volatile unsigned char* p = (volatile unsigned char*)map_fd(PG, RW, MAP_SHARED, fd, 0);
        if (!p)
            return __LINE__;
        if (meet(r, barrier++, partner) != 0)
            return __LINE__;
        if (round % 2 == 0) {
            if (round > 0 && p[2 * (round - 1) + other] != fault_byte(round - 1, other))
                return __LINE__;
            p[2 * round + role] = fault_byte(round, role);
        } else {
            p[2 * round + role] = fault_byte(round, role);
            if (p[2 * (round - 1) + other] != fault_byte(round - 1, other))
                return __LINE__;
        }
        if (p[2 * round + role] != fault_byte(round, role))
            return __LINE__;
        if (munmap((void*)p, PG) != 0)
            return __LINE__;
        if (meet(r, barrier++, partner) != 0)
            return __LINE__;
        if (role == 0 && round % 2 == 0 && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0)
            return __LINE__;
    }
    /* Both sides are done: each sees every store of both, through a fresh mapping. */
    if (meet(r, barrier++, partner) != 0)
        return __LINE__;
    volatile unsigned char* p = (volatile unsigned char*)map_fd(PG, PROT_READ, MAP_SHARED, fd, 0);
    if (!p)
        return __LINE__;
    for (int round = 0; round < kFaultRounds; round++)
        for (int side = 0; side < 2; side++)
            if (p[2 * round + side] != fault_byte(round, side))
                return __LINE__;
    munmap((void*)p, PG);
    close(fd);
    return 0;
}

static int same_file_page_faulted_by_two_processes_at_once_loses_no_store(void)
{
    const char* name = "mst_fault_race";
    int fd = make_file(name, PG);
    CHECK(fd >= 0);
    close(fd);
    struct Rendezvous* r = new_rendezvous();
    CHECK(r != NULL);
    int child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        int line = fault_race_side(r, name, 1, 0);
        if (line != 0)
            child_fails(r, line);
        _exit(0);
    }
    int line = fault_race_side(r, name, 0, child);
    if (line != 0)
        snprintf(failure, sizeof(failure), "parent: check at line %d failed (errno %d)", line,
                 errno);
    if (finish_pair(r, child, line != 0))
        return 1;

    /* The file holds both sides' bytes, and the rest of the page is untouched. */
    static unsigned char expected[PG], got[PG];
    for (size_t i = 0; i < PG; i++)
        expected[i] = (unsigned char)PATTERN(i);
    for (int round = 0; round < kFaultRounds; round++)
        for (int side = 0; side < 2; side++)
            expected[2 * round + side] = fault_byte(round, side);
    CHECK(read_file(name, got, PG) == 0);
    if (differs("read() of the file", got, expected, PG))
        return 1;

    /* One frame: two mappings of the page show one store at once, and the same bytes. */
    fd = open(name, O_RDWR);
    CHECK(fd >= 0);
    volatile unsigned char* a = (volatile unsigned char*)map_fd(PG, RW, MAP_SHARED, fd, 0);
    volatile unsigned char* b = (volatile unsigned char*)map_fd(PG, RW, MAP_SHARED, fd, 0);
    CHECK(a != NULL && b != NULL && a != b);
    if (differs("second mapping", (const unsigned char*)b, expected, PG))
        return 1;
    a[PG - 1] = 0xee;
    CHECK(b[PG - 1] == 0xee);
    close(fd);
    unlink(name);
    return 0;
}

/* --- 2: munmap in one process while another stores to the same file --- */

enum {
    kRacePages = 4,     /* Range A, pages 0..3: the child's mapping, the parent's maps. */
    kParentRounds = 200,
    kMinChildPasses = 8,
    kChunk = 512,       /* Range B, pages 4..7: the parent's write()s, a chunk at a time. */
};

/* The child stores the even bytes of range A, pass after pass; the parent the odd bytes of
 * one page per round, through a mapping it makes and unmaps that round. */
static unsigned char child_pass_byte(long pass, size_t offset)
{
    return (unsigned char)(0x80 | ((pass * 5 + offset / 2) & 0x7f));
}

static unsigned char parent_round_byte(int round, size_t offset)
{
    return (unsigned char)(0x80 | ((round * 3 + offset) & 0x7f));
}

static void munmap_race_child(struct Rendezvous* r, const char* name)
{
    int fd = open(name, O_RDWR);
    CHILD_CHECK(r, fd >= 0);
    volatile unsigned char* p =
        (volatile unsigned char*)map_fd(kRacePages * PG, RW, MAP_SHARED, fd, 0);
    CHILD_CHECK(r, p != NULL);
    CHILD_CHECK(r, meet(r, 0, 0) == 0);
    long pass = 0;
    for (;; pass++) {
        for (size_t i = 0; i < kRacePages * PG; i += 2)
            p[i] = child_pass_byte(pass, i);
        /* No store of this pass was lost, whatever the parent's munmaps did meanwhile. */
        for (size_t i = 0; i < kRacePages * PG; i += 2)
            CHILD_CHECK(r, p[i] == child_pass_byte(pass, i));
        if (pass + 1 >= kMinChildPasses && __atomic_load_n(&r->word[0], __ATOMIC_ACQUIRE))
            break;
        CHILD_CHECK(r, partner_alive(r, 0));
    }
    __atomic_store_n(&r->word[1], pass + 1, __ATOMIC_RELEASE);
    CHILD_CHECK(r, munmap((void*)p, kRacePages * PG) == 0);
    close(fd);
    _exit(0);
}

static int munmap_race_parent(struct Rendezvous* r, const char* name, int child,
                              unsigned char* expected)
{
    int fd = open(name, O_RDWR);
    CHECK(fd >= 0);
    CHECK(meet(r, 0, child) == 0);
    for (int round = 0; round < kParentRounds; round++) {
        volatile unsigned char* q =
            (volatile unsigned char*)map_fd(kRacePages * PG, RW, MAP_SHARED, fd, 0);
        CHECK(q != NULL);
        /* Fault in every page (so munmap has translations to drop), then store odd bytes. */
        for (int page = 0; page < kRacePages; page++)
            (void)q[page * PG];
        size_t base = (size_t)(round % kRacePages) * PG;
        for (size_t i = 1; i < PG; i += 2) {
            q[base + i] = parent_round_byte(round, i);
            expected[base + i] = parent_round_byte(round, i);
        }
        if (round % 2 == 0) {
            CHECK(munmap((void*)q, kRacePages * PG) == 0);
        } else {
            /* Piece by piece, in an order that splits the mapping first. */
            static const int order[kRacePages] = {2, 0, 3, 1};
            for (int k = 0; k < kRacePages; k++)
                CHECK(munmap((void*)(q + order[k] * PG), PG) == 0);
        }
        /* Every store of this round reached the file at once: read() sees it after munmap. */
        static unsigned char page[PG];
        CHECK(lseek(fd, (off_t)base, SEEK_SET) == (off_t)base && read(fd, page, PG) == (long)PG);
        for (size_t i = 1; i < PG; i += 2)
            CHECK(page[i] == parent_round_byte(round, i));
        /* write() into range B, meanwhile. */
        off_t at = (off_t)((kRacePages + round % kRacePages) * PG +
                           (size_t)((round * 7) % (PG / kChunk)) * kChunk);
        unsigned char chunk[kChunk];
        memset(chunk, 0x80 | (round & 0x7f), sizeof(chunk));
        CHECK(lseek(fd, at, SEEK_SET) == at && write(fd, chunk, kChunk) == kChunk);
        memcpy(expected + at, chunk, kChunk);
        CHECK(partner_alive(r, child));
    }
    __atomic_store_n(&r->word[0], 1, __ATOMIC_RELEASE);
    close(fd);
    return 0;
}

static int munmap_in_one_process_while_another_stores_to_the_file_loses_no_store(void)
{
    const char* name = "mst_munmap_race";
    enum { kSize = 2 * kRacePages * PG };
    int fd = make_file(name, kSize);
    CHECK(fd >= 0);
    close(fd);
    static unsigned char expected[kSize], got[kSize];
    for (size_t i = 0; i < kSize; i++)
        expected[i] = (unsigned char)PATTERN(i);
    struct Rendezvous* r = new_rendezvous();
    CHECK(r != NULL);
    int child = fork();
    CHECK(child >= 0);
    if (child == 0)
        munmap_race_child(r, name);
    if (finish_pair(r, child, munmap_race_parent(r, name, child, expected)))
        return 1;
    long passes = __atomic_load_n(&r->word[1], __ATOMIC_ACQUIRE);
    CHECK(passes >= kMinChildPasses);
    for (size_t i = 0; i < kRacePages * PG; i += 2)
        expected[i] = child_pass_byte(passes - 1, i);
    CHECK(read_file(name, got, kSize) == 0);
    if (differs("read() of the file", got, expected, kSize))
        return 1;
    unlink(name);
    return 0;
}

/* --- 3: stores are seen by the other process at once --- */

enum { kPingPongRounds = 200 };

/* Ping-pong over words 0 (ping) and 1 (pong) of a file: the parent stores ping = k and waits
 * for pong = k, the child waits for ping = k and answers pong = k. `parent_uses_fd` and
 * `child_uses_fd` say who goes through read()/write() instead of a MAP_SHARED mapping, for
 * each half of the rounds. */
struct PingPongPlan {
    int parent_uses_fd[2];
    int child_uses_fd[2];
};

static int ping_pong_side(struct Rendezvous* r, const char* name, const struct PingPongPlan* plan,
                          int is_parent, int partner)
{
    int fd = open(name, O_RDWR);
    if (fd < 0)
        return __LINE__;
    volatile long* words = (volatile long*)map_fd(PG, RW, MAP_SHARED, fd, 0);
    if (!words)
        return __LINE__;
    for (long k = 1; k <= kPingPongRounds; k++) {
        int half = k > kPingPongRounds / 2;
        int use_fd = is_parent ? plan->parent_uses_fd[half] : plan->child_uses_fd[half];
        struct Channel c = {use_fd ? NULL : words, fd};
        /* Each side checks for exactly k: no round skipped, none answered twice. */
        if (is_parent) {
            if (channel_store(&c, 0, k) != 0)
                return __LINE__;
            if (wait_for(r, &c, 1, k, partner) != 0)
                return __LINE__;
            if (channel_load(&c, 0) != k || channel_load(&c, 1) != k)
                return __LINE__;
        } else {
            if (wait_for(r, &c, 0, k, partner) != 0)
                return __LINE__;
            if (channel_load(&c, 0) != k || channel_load(&c, 1) != k - 1)
                return __LINE__;
            if (channel_store(&c, 1, k) != 0)
                return __LINE__;
        }
    }
    munmap((void*)words, PG);
    close(fd);
    return 0;
}

static int run_ping_pong(const char* name, const struct PingPongPlan* plan)
{
    /* Words 0 and 1 start at zero. */
    int fd = make_file(name, PG);
    CHECK(fd >= 0);
    long zero[2] = {0, 0};
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && write(fd, zero, sizeof(zero)) == sizeof(zero));
    close(fd);
    struct Rendezvous* r = new_rendezvous();
    CHECK(r != NULL);
    int child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        int line = ping_pong_side(r, name, plan, 0, 0);
        if (line != 0)
            child_fails(r, line);
        _exit(0);
    }
    int line = ping_pong_side(r, name, plan, 1, child);
    if (line != 0)
        snprintf(failure, sizeof(failure), "parent: check at line %d failed (errno %d)", line,
                 errno);
    if (finish_pair(r, child, line != 0))
        return 1;
    long words[2];
    CHECK(read_file(name, (unsigned char*)words, sizeof(words)) == 0);
    CHECK(words[0] == kPingPongRounds && words[1] == kPingPongRounds);
    unlink(name);
    return 0;
}

static int stores_through_two_shared_mappings_are_seen_across_processes_at_once(void)
{
    const struct PingPongPlan plan = {{0, 0}, {0, 0}};
    return run_ping_pong("mst_pingpong_map", &plan);
}

static int stores_through_a_mapping_and_write_are_seen_by_the_other_process_at_once(void)
{
    /* First half: the parent through its mapping, the child with read()/write(); second half
     * the other way round. */
    const struct PingPongPlan plan = {{0, 1}, {1, 0}};
    return run_ping_pong("mst_pingpong_fd", &plan);
}

/* --- 4: read faults on cached pages racing what takes pages out of the cache --- */

/* A read fault on a cached file page maps it under the file's page-tree lock held for
 * reading, without the file's own lock (kernel/mm/fault.cc, file_read_fault), so many
 * processes fault one file side by side. These tests race such faults, from kReaders
 * processes that map the file and read every page over and over, with truncation,
 * posix_fadvise(DONTNEED) (the removal reclaim uses too), write-back (msync, munmap) and the
 * readers' own munmaps, all on one file, and check that no translation outlives its page in
 * the cache: a stale one would read bytes the file no longer holds, or keep reading a page
 * that truncation took away instead of raising SIGBUS. */

enum {
    kRaceFilePages = 64,  /* Four fault-around windows. */
    kReaders = 3,
    kTruncateRounds = 20,
    kDropRounds = 40,
    kSweepsPerMapping = 8,
    kWordsPerPage = PG / 8,
};

/* The first word of page `page` of the race file in version `version` (>= 1): never zero,
 * and neither PATTERN's bytes nor a store of the other tests. */
static unsigned long version_word(long version, size_t page)
{
    return 0x8000000000000000ul | ((unsigned long)version << 16) | page;
}

static long version_of(unsigned long word) { return (long)((word >> 16) & 0xffffffffl); }

/* Writes version `version` into the first word of every page of the race file with pwrite. */
static int write_version(int fd, long version)
{
    for (size_t page = 0; page < kRaceFilePages; page++) {
        unsigned long word = version_word(version, page);
        if (pwrite(fd, &word, sizeof(word), (off_t)(page * PG)) != (ssize_t)sizeof(word))
            return -1;
    }
    return 0;
}

/* Waits until `count` readers have raised word `index` of the rendezvous, or one of them
 * (pids in `readers`) has died. Returns 0, or -1 if one died first. */
static int wait_for_readers(struct Rendezvous* r, int index, long count, const int* readers)
{
    for (unsigned long spins = 1; __atomic_load_n(&r->word[index], __ATOMIC_ACQUIRE) < count; spins++)
        if (spins % 256 == 0)
            for (int i = 0; i < kReaders; i++)
                if (kill(readers[i], 0) != 0)
                    return -1;
    return 0;
}

/* Reads the word at `address` of this process the way the kernel does for a system call
 * (write() from it into the pipe `fds`, then read back): 1 and the word in `*word`, or 0 if
 * the kernel's access faulted and could not be resolved (EFAULT) where a load would have
 * killed the process. A probe of a translation that does not kill the prober, though it
 * faults the page in through the same pipeline as a load. */
static int kernel_read(const int* fds, const volatile unsigned long* address, unsigned long* word)
{
    if (write(fds[1], (const void*)address, sizeof(*word)) != (ssize_t)sizeof(*word))
        return 0;
    return read(fds[0], word, sizeof(*word)) == (ssize_t)sizeof(*word) ? 1 : -1;
}

/* A reader of the truncation race: maps the file and sweeps it kSweepsPerMapping times per
 * mapping, from the last page down, checking each page against `version`: the first half,
 * which stays, with loads; the half the parent drops with ftruncate, with kernel_read, which
 * may find a page gone (EFAULT) at any time. Once the parent has said the file shrank (word
 * 0), no page of that half may be readable through the mapping it holds (which may carry a
 * translation a racing fault made), and then a load from one must kill it with SIGBUS.
 * Never returns normally. */
__attribute__((noreturn)) static void truncation_reader(struct Rendezvous* r, int fd, long version)
{
    int fds[2];
    CHILD_CHECK(r, pipe(fds) == 0);
    int announced = 0;
    for (;;) {
        volatile unsigned long* map =
            (volatile unsigned long*)map_fd(kRaceFilePages * PG, PROT_READ, MAP_SHARED, fd, 0);
        CHILD_CHECK(r, map != NULL);
        for (int sweep = 0; sweep < kSweepsPerMapping; sweep++) {
            /* From the end down: truncation drops pages from its new end up, so a sweep down
             * reaches the page being dropped before those already gone (whose faults wait
             * for the truncation to finish). */
            for (size_t page = kRaceFilePages; page-- > 0;) {
                int shrunk = __atomic_load_n(&r->word[0], __ATOMIC_ACQUIRE) != 0;
                unsigned long word;
                if (page < kRaceFilePages / 2) {
                    word = map[page * kWordsPerPage];
                } else {
                    int readable = kernel_read(fds, &map[page * kWordsPerPage], &word);
                    CHILD_CHECK(r, readable >= 0);
                    if (shrunk) {
                        CHILD_CHECK(r, !readable && errno == EFAULT);
                        if (page == kRaceFilePages / 2) {
                            (void)map[page * kWordsPerPage];
                            CHILD_CHECK(r, !"a load beyond the end of file did not raise SIGBUS");
                        }
                        continue;
                    }
                    if (!readable)
                        continue;  /* Dropped already, before the parent could say so. */
                }
                CHILD_CHECK(r, word == version_word(version, page));
            }
            if (!announced) {
                __atomic_add_fetch(&r->word[2], 1, __ATOMIC_ACQ_REL);
                announced = 1;
            }
        }
        CHILD_CHECK(r, munmap((void*)map, kRaceFilePages * PG) == 0);
    }
}

static int truncation_racing_read_faults_leaves_no_translation_to_a_dropped_page(void)
{
    const char* name = "mst_truncate_race";
    int fd = make_file(name, kRaceFilePages * PG);
    CHECK(fd >= 0);
    struct Rendezvous* r = new_rendezvous();
    CHECK(r != NULL);
    for (long round = 1; round <= kTruncateRounds; round++) {
        /* The whole file again (the half dropped last round reads zeros), in this round's
         * version, cached. */
        CHECK(ftruncate(fd, (off_t)(kRaceFilePages * PG)) == 0);
        CHECK(write_version(fd, round) == 0);
        __atomic_store_n(&r->word[0], 0, __ATOMIC_RELEASE);
        __atomic_store_n(&r->word[2], 0, __ATOMIC_RELEASE);
        int readers[kReaders];
        for (int i = 0; i < kReaders; i++) {
            readers[i] = fork();
            CHECK(readers[i] >= 0);
            if (readers[i] == 0)
                truncation_reader(r, fd, round);
        }
        /* Every reader is sweeping; then the second half goes, under their faults. */
        int started = wait_for_readers(r, 2, kReaders, readers);
        CHECK(ftruncate(fd, (off_t)(kRaceFilePages / 2 * PG)) == 0);
        __atomic_store_n(&r->word[0], 1, __ATOMIC_RELEASE);
        for (int i = 0; i < kReaders; i++) {
            int status;
            CHECK(waitpid(readers[i], &status, 0) == readers[i]);
            long line = __atomic_load_n(&r->child_line, __ATOMIC_ACQUIRE);
            if (line != 0) {
                snprintf(failure, sizeof(failure), "round %ld: reader: check at line %ld failed", round, line);
                return 1;
            }
            if (!KILLED_BY(status, SIGBUS)) {
                snprintf(failure, sizeof(failure), "round %ld: reader ended with status %#x, not SIGBUS", round,
                         status);
                return 1;
            }
        }
        CHECK(started == 0);
        /* Grown back, the dropped half reads zeros: nothing of it stayed cached. */
        CHECK(ftruncate(fd, (off_t)(kRaceFilePages * PG)) == 0);
        CHECK(file_bytes_are_zero(name, (off_t)(kRaceFilePages / 2 * PG), (off_t)(kRaceFilePages * PG)));
        unsigned long word;
        CHECK(pread(fd, &word, sizeof(word), 0) == (ssize_t)sizeof(word) && word == version_word(round, 0));
    }
    close(fd);
    unlink(name);
    return 0;
}

/* A reader of the removal race: until the parent says stop (word 1), maps the file and
 * sweeps it until the parent has published two more versions (so that each mapping lives
 * through a whole round of drops and rewrites); every page must hold at least the version
 * the parent had published (word 0) before the read. A translation left to a page the cache
 * dropped would keep showing the older version once the parent writes the next. Counts its
 * sweeps in word 4 + `which`. */
__attribute__((noreturn)) static void removal_reader(struct Rendezvous* r, int fd, int which)
{
    while (!__atomic_load_n(&r->word[1], __ATOMIC_ACQUIRE)) {
        volatile unsigned long* map =
            (volatile unsigned long*)map_fd(kRaceFilePages * PG, PROT_READ, MAP_SHARED, fd, 0);
        CHILD_CHECK(r, map != NULL);
        long first = __atomic_load_n(&r->word[0], __ATOMIC_ACQUIRE);
        for (int sweep = 0;; sweep++) {
            for (size_t k = 0; k < kRaceFilePages; k++) {
                size_t page = (sweep & 1) ? kRaceFilePages - 1 - k : k;
                long published = __atomic_load_n(&r->word[0], __ATOMIC_ACQUIRE);
                unsigned long word = map[page * kWordsPerPage];
                CHILD_CHECK(r, (word & 0xffff) == page && version_of(word) >= published);
            }
            __atomic_add_fetch(&r->word[4 + which], 1, __ATOMIC_ACQ_REL);
            if (__atomic_load_n(&r->word[0], __ATOMIC_ACQUIRE) >= first + 2 ||
                __atomic_load_n(&r->word[1], __ATOMIC_ACQUIRE))
                break;
        }
        CHILD_CHECK(r, munmap((void*)map, kRaceFilePages * PG) == 0);
        CHILD_CHECK(r, partner_alive(r, 0));
    }
    _exit(0);
}

/* One round of removal_race's parent: version `version` into every page (through its own
 * shared mapping, then msync, which writes back and so unmaps the pages everywhere; or with
 * pwrite), published, then every page dropped from the cache under the readers' faults. */
static int removal_round(struct Rendezvous* r, int fd, long version, volatile unsigned long** mapping)
{
    if (version % 2) {
        if (!*mapping) {
            *mapping = (volatile unsigned long*)map_fd(kRaceFilePages * PG, RW, MAP_SHARED, fd, 0);
            if (!*mapping)
                return __LINE__;
        }
        for (size_t page = 0; page < kRaceFilePages; page++)
            (*mapping)[page * kWordsPerPage] = version_word(version, page);
        if (msync((void*)*mapping, kRaceFilePages * PG, MS_SYNC) != 0)
            return __LINE__;
        if (version % 3 == 0) {
            /* munmap's write-back, too, every third odd round. */
            if (munmap((void*)*mapping, kRaceFilePages * PG) != 0)
                return __LINE__;
            *mapping = NULL;
        }
    } else if (write_version(fd, version) != 0) {
        return __LINE__;
    }
    __atomic_store_n(&r->word[0], version, __ATOMIC_RELEASE);
    if (posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0)
        return __LINE__;
    return 0;
}

static int drop_and_write_back_racing_read_faults_leave_no_stale_page(void)
{
    const char* name = "mst_removal_race";
    int fd = make_file(name, kRaceFilePages * PG);
    CHECK(fd >= 0);
    CHECK(write_version(fd, 0) == 0);
    struct Rendezvous* r = new_rendezvous();
    CHECK(r != NULL);
    int readers[kReaders];
    for (int i = 0; i < kReaders; i++) {
        readers[i] = fork();
        CHECK(readers[i] >= 0);
        if (readers[i] == 0)
            removal_reader(r, fd, i);
    }
    volatile unsigned long* mapping = NULL;
    int line = 0;
    for (long version = 1; version <= kDropRounds && line == 0; version++) {
        line = removal_round(r, fd, version, &mapping);
        for (int i = 0; i < kReaders && line == 0; i++)
            if (kill(readers[i], 0) != 0)
                line = __LINE__;
    }
    /* The readers keep going until each has swept the file a few times after the last
     * round, so that a stale translation from the last drops is read too. */
    long target[kReaders];
    for (int i = 0; i < kReaders; i++)
        target[i] = __atomic_load_n(&r->word[4 + i], __ATOMIC_ACQUIRE) + 2 * kSweepsPerMapping;
    for (int i = 0; i < kReaders && line == 0; i++)
        if (wait_for_readers(r, 4 + i, target[i], readers) != 0)
            line = __LINE__;
    __atomic_store_n(&r->word[1], 1, __ATOMIC_RELEASE);
    if (line != 0) {
        __atomic_store_n(&r->give_up, 1, __ATOMIC_RELEASE);
        snprintf(failure, sizeof(failure), "parent: check at line %d failed (errno %d)", line, errno);
    }
    int statuses[kReaders];
    for (int i = 0; i < kReaders; i++)
        CHECK(waitpid(readers[i], &statuses[i], 0) == readers[i]);
    /* A reader's failed check is the news (the parent's is then only that a reader died). */
    long child_line = __atomic_load_n(&r->child_line, __ATOMIC_ACQUIRE);
    if (child_line != 0) {
        snprintf(failure, sizeof(failure), "reader: check at line %ld failed (published version %ld)", child_line,
                 r->word[0]);
        return 1;
    }
    if (line != 0)
        return 1;
    for (int i = 0; i < kReaders; i++) {
        if (!EXITED_OK(statuses[i])) {
            snprintf(failure, sizeof(failure), "reader ended with status %#x", statuses[i]);
            return 1;
        }
    }
    /* The file holds the last version, read back from the disk. */
    if (mapping)
        CHECK(munmap((void*)mapping, kRaceFilePages * PG) == 0);
    drop_cache(name);
    for (size_t page = 0; page < kRaceFilePages; page++) {
        unsigned long word;
        CHECK(pread(fd, &word, sizeof(word), (off_t)(page * PG)) == (ssize_t)sizeof(word));
        CHECK(word == version_word(kDropRounds, page));
    }
    close(fd);
    unlink(name);
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(same_file_page_faulted_by_two_processes_at_once_loses_no_store),
    TEST(munmap_in_one_process_while_another_stores_to_the_file_loses_no_store),
    TEST(stores_through_two_shared_mappings_are_seen_across_processes_at_once),
    TEST(stores_through_a_mapping_and_write_are_seen_by_the_other_process_at_once),
    TEST(truncation_racing_read_faults_leaves_no_translation_to_a_dropped_page),
    TEST(drop_and_write_back_racing_read_faults_leave_no_stale_page),
};

int main(int argc, char** argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
