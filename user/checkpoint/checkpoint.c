/* checkpoint.c: the copy-on-access checkpoint of checkpoint.h. */
#include "checkpoint.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

enum { kPage = 4096 };

static struct {
    int open;
    char* region;
    size_t bytes;
    char* shadow;              /* Saved pages, at the same offsets as in the region. */
    uint32_t* saved_list;      /* Saved pages, in the order saved. */
    size_t saved_count;
    unsigned char* saved;      /* Per page: 1 if saved in this epoch. */
    size_t tables_bytes;
    struct sigaction previous;
} cp;

static void first_store(int signal, siginfo_t* info, void* context)
{
    uintptr_t offset = (uintptr_t)info->si_addr - (uintptr_t)cp.region;
    if (cp.open && info->si_code == SEGV_ACCERR && offset < cp.bytes) {
        size_t page = offset / kPage;
        if (!cp.saved[page]) {
            memcpy(cp.shadow + page * kPage, cp.region + page * kPage, kPage);
            cp.saved[page] = 1;
            cp.saved_list[cp.saved_count++] = (uint32_t)page;
        }
        if (mprotect(cp.region + page * kPage, kPage, PROT_READ | PROT_WRITE) == 0)
            return;
    }
    if (cp.previous.sa_flags & SA_SIGINFO) {
        if (cp.previous.sa_sigaction) {
            cp.previous.sa_sigaction(signal, info, context);
            return;
        }
    } else if (cp.previous.sa_handler != SIG_DFL && cp.previous.sa_handler != SIG_IGN) {
        cp.previous.sa_handler(signal);
        return;
    }
    sigaction(SIGSEGV, &cp.previous, NULL);  /* The store faults again and kills. */
}

/* Opens a new epoch: nothing saved, every page read-only. */
static int new_epoch(void)
{
    for (size_t i = 0; i < cp.saved_count; i++)
        cp.saved[cp.saved_list[i]] = 0;
    cp.saved_count = 0;
    return mprotect(cp.region, cp.bytes, PROT_READ);
}

int checkpoint_begin(void* region, size_t bytes)
{
    if (cp.open) {
        errno = EBUSY;
        return -1;
    }
    if (!bytes || (uintptr_t)region % kPage || bytes % kPage) {
        errno = EINVAL;
        return -1;
    }
    size_t pages = bytes / kPage;
    size_t tables = (pages * (sizeof(uint32_t) + 1) + kPage - 1) / kPage * kPage;
    void* shadow = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void* list = mmap(NULL, tables, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = first_store;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    if (shadow == MAP_FAILED || list == MAP_FAILED || sigaction(SIGSEGV, &action, &cp.previous) != 0) {
        int error = errno;
        if (shadow != MAP_FAILED)
            munmap(shadow, bytes);
        if (list != MAP_FAILED)
            munmap(list, tables);
        errno = error;
        return -1;
    }
    cp.region = (char*)region;
    cp.bytes = bytes;
    cp.shadow = (char*)shadow;
    cp.saved_list = (uint32_t*)list;
    cp.saved = (unsigned char*)(cp.saved_list + pages);
    cp.tables_bytes = tables;
    cp.saved_count = 0;
    cp.open = 1;
    if (new_epoch() != 0) {
        int error = errno;
        checkpoint_end();
        errno = error;
        return -1;
    }
    return 0;
}

int checkpoint_restore(void)
{
    if (!cp.open) {
        errno = EINVAL;
        return -1;
    }
    /* A saved page is writable (the handler made it so): copy its old contents back. */
    for (size_t i = 0; i < cp.saved_count; i++) {
        size_t page = cp.saved_list[i];
        memcpy(cp.region + page * kPage, cp.shadow + page * kPage, kPage);
    }
    return new_epoch();
}

int checkpoint_commit(void)
{
    if (!cp.open) {
        errno = EINVAL;
        return -1;
    }
    if (cp.saved_count && madvise(cp.shadow, cp.bytes, MADV_DONTNEED) != 0)
        return -1;
    return new_epoch();
}

int checkpoint_end(void)
{
    if (!cp.open) {
        errno = EINVAL;
        return -1;
    }
    int status = mprotect(cp.region, cp.bytes, PROT_READ | PROT_WRITE);
    sigaction(SIGSEGV, &cp.previous, NULL);
    munmap(cp.shadow, cp.bytes);
    munmap(cp.saved_list, cp.tables_bytes);
    memset(&cp, 0, sizeof(cp));
    return status;
}

size_t checkpoint_saved_pages(void)
{
    return cp.saved_count;
}
