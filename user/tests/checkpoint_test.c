/* checkpoint_test: the copy-on-access checkpoint of user/checkpoint (checkpoint.h): a
 * restore puts back exactly the contents the region had, only the first store to a page
 * saves it, a commit keeps the writes and starts the next epoch from them, faults outside
 * the region stay fatal, and many epochs leave no memory behind. Each test runs in a child
 * of its own (TEST_IN_CHILD): the checkpoint is one per process.
 *
 *   checkpoint_test            run every test
 *   checkpoint_test NAME...    run the tests whose names contain one of the NAMEs */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"
#include "../checkpoint/checkpoint.h"
#include "harness.h"

enum { kPages = 64, kBytes = kPages * 4096 };

static uint64_t g_random = 0x2545F4914F6CDD1Dull;

static uint64_t next_random(void)
{
    g_random ^= g_random << 13;
    g_random ^= g_random >> 7;
    g_random ^= g_random << 17;
    return g_random;
}

static unsigned char* region_with_pattern(void)
{
    unsigned char* region = mmap(NULL, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED)
        return NULL;
    for (size_t i = 0; i < kBytes; i++)
        region[i] = (unsigned char)(i * 131 + (i >> 12));
    return region;
}

static int restore_rolls_back_every_written_page_exactly(void)
{
    unsigned char* region = region_with_pattern();
    static unsigned char copy[kBytes];
    CHECK(region);
    memcpy(copy, region, kBytes);
    CHECK(checkpoint_begin(region, kBytes) == 0);
    for (int epoch = 0; epoch < 5; epoch++) {
        for (int i = 0; i < 2000; i++)
            region[next_random() % kBytes] ^= (unsigned char)(1 + next_random() % 255);
        CHECK(memcmp(copy, region, kBytes) != 0);
        CHECK(checkpoint_saved_pages() > 0 && checkpoint_saved_pages() <= kPages);
        CHECK(checkpoint_restore() == 0);
        CHECK(memcmp(copy, region, kBytes) == 0);
        CHECK(checkpoint_saved_pages() == 0);
    }
    CHECK(checkpoint_end() == 0);
    region[5] = 1;  /* Writable again, without a handler. */
    return 0;
}

static int only_the_first_store_to_a_page_saves_it(void)
{
    unsigned char* region = region_with_pattern();
    CHECK(region);
    CHECK(checkpoint_begin(region, kBytes) == 0);
    CHECK(checkpoint_saved_pages() == 0);
    volatile unsigned char sum = 0;
    for (size_t i = 0; i < kBytes; i += 512)
        sum += region[i];  /* Loads save nothing. */
    CHECK(checkpoint_saved_pages() == 0);
    for (int round = 0; round < 3; round++)
        for (int page = 0; page < kPages; page += 4)
            region[page * 4096 + 100 + round] = 0xAA;
    CHECK(checkpoint_saved_pages() == kPages / 4);
    CHECK(checkpoint_restore() == 0);
    CHECK(region[100] == (unsigned char)(100 * 131));
    CHECK(checkpoint_end() == 0);
    return 0;
}

static int commit_keeps_the_writes_and_the_next_restore_returns_to_them(void)
{
    unsigned char* region = region_with_pattern();
    CHECK(region);
    CHECK(checkpoint_begin(region, kBytes) == 0);
    memset(region + 3 * 4096, 0x11, 4096);
    CHECK(checkpoint_commit() == 0);
    CHECK(checkpoint_saved_pages() == 0);
    static unsigned char committed[kBytes];
    memcpy(committed, region, kBytes);
    memset(region, 0x22, kBytes);
    CHECK(checkpoint_saved_pages() == kPages);
    CHECK(checkpoint_restore() == 0);
    CHECK(memcmp(committed, region, kBytes) == 0 && region[3 * 4096 + 7] == 0x11);
    CHECK(checkpoint_end() == 0);
    return 0;
}

static int bad_regions_are_einval_and_a_second_checkpoint_is_ebusy(void)
{
    unsigned char* region = region_with_pattern();
    CHECK(region);
    CHECK_ERRNO(checkpoint_begin(region + 1, 4096), EINVAL);
    CHECK_ERRNO(checkpoint_begin(region, 100), EINVAL);
    CHECK_ERRNO(checkpoint_begin(region, 0), EINVAL);
    CHECK_ERRNO(checkpoint_restore(), EINVAL);
    CHECK(checkpoint_begin(region, kBytes) == 0);
    CHECK_ERRNO(checkpoint_begin(region, kBytes), EBUSY);
    CHECK(checkpoint_end() == 0);
    CHECK_ERRNO(checkpoint_end(), EINVAL);
    return 0;
}

static int a_store_outside_the_region_still_kills_the_process(void)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        unsigned char* region = region_with_pattern();
        char* other = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (!region || other == MAP_FAILED || checkpoint_begin(region, kBytes) != 0)
            _exit(2);
        region[0] = 1;
        *(volatile char*)other = 1;
        _exit(3);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    return 0;
}

static struct atlas_vmstat vm(void)
{
    struct atlas_vmstat stats;
    memset(&stats, 0, sizeof(stats));
    syscall(SYS_vmstat, &stats);
    return stats;
}

static int epoch(unsigned char* region)
{
    CHECK(checkpoint_begin(region, kBytes) == 0);
    for (int i = 0; i < 200; i++) {
        for (int page = 0; page < kPages; page += 3)
            region[page * 4096 + i] = (unsigned char)i;
        CHECK(i % 2 ? checkpoint_commit() == 0 : checkpoint_restore() == 0);
    }
    CHECK(checkpoint_end() == 0);
    return 0;
}

static int many_epochs_leave_no_memory_behind(void)
{
    unsigned char* region = region_with_pattern();
    CHECK(region);
    CHECK(epoch(region) == 0);  /* Warm-up. */
    /* No write-back may run meanwhile: a file an earlier test left dirty sits on the
     * flusher's queue, holding its page cache, which the flusher lets go when it writes it
     * back, changing the heap under the count. sync() empties the queue now. */
    sync();
    struct atlas_vmstat before = vm();
    for (int i = 0; i < 5; i++)
        CHECK(epoch(region) == 0);
    struct atlas_vmstat after = vm();
    CHECK(after.kernel_heap_bytes == before.kernel_heap_bytes);
    CHECK(after.free_frames + 8 >= before.free_frames);
    return 0;
}

static const struct TestCase kTests[] = {
    TEST(restore_rolls_back_every_written_page_exactly),
    TEST(only_the_first_store_to_a_page_saves_it),
    TEST(commit_keeps_the_writes_and_the_next_restore_returns_to_them),
    TEST(bad_regions_are_einval_and_a_second_checkpoint_is_ebusy),
    TEST(a_store_outside_the_region_still_kills_the_process),
    TEST(many_epochs_leave_no_memory_behind),
};

int main(int argc, char** argv)
{
    return run_tests(kTests, sizeof(kTests) / sizeof(kTests[0]), argc, argv, TEST_IN_CHILD);
}
