/* gc.c: the generational collector of gc.h: allocation, the remembered set both barriers
 * fill, the page barrier's fault handler, and minor and major collections (Cheney's
 * copying scan, with the to-space in the old generation). */
#include "gc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct gc_barrier_view gc_view;

enum { kDefaultNursery = 256 * 1024, kDefaultOld = 8 * 1024 * 1024, kForwarded = 1 };

/* The heap. Old-generation offsets are bytes from the current semispace's base. */
static struct {
    int ready;
    enum gc_barrier barrier;
    void (*on_collection)(const struct gc_collection*);

    char* nursery;
    size_t nursery_capacity;
    size_t nursery_used;

    char* old;                 /* The current semispace (gc_view.old_base). */
    char* spare;               /* The other one: empty between collections. */
    size_t old_capacity;
    size_t old_used;
    size_t old_pages;
    uint32_t* first_object;    /* Per old page: offset of the object covering its first byte. */
    unsigned char* recorded;   /* Per old page: 1 if in the remembered set (gc_view.recorded). */
    uint32_t* recorded_list;   /* The remembered set's pages, in the order recorded. */
    size_t recorded_count;
    size_t tables_bytes;       /* Of the one mapping holding the three tables. */
    size_t major_trigger;      /* Old bytes past which the next collection is major. */

    /* During a collection: the old semispace being evacuated (major), else NULL. A nursery
       pointer is always evacuated. */
    char* from_old;
    uint64_t copied;

    gc_object** roots[kGcRootsMax];
    size_t root_count;

    struct gc_stats stats;
    struct sigaction previous; /* The SIGSEGV action gc_init replaced. */
} heap;

static size_t round_up(size_t value, size_t unit) { return (value + unit - 1) / unit * unit; }

static size_t object_size_of(uint64_t header)
{
    return sizeof(gc_object) + 8 * (size_t)(header >> 32) + round_up((header & 0xffffffffu) >> 1, 8);
}

__attribute__((noreturn)) static void gc_fatal(const char* what)
{
    fprintf(stderr, "gc: %s\n", what);
    abort();
}

/* Old pages [first, end) of the current semispace get `protection`. */
static void protect_pages(size_t first, size_t end, int protection)
{
    if (end > first && mprotect(heap.old + first * kGcPageSize, (end - first) * kGcPageSize, protection) != 0)
        gc_fatal("mprotect of the old generation failed");
}

void gc_record_page(size_t page)
{
    heap.recorded[page] = 1;
    heap.recorded_list[heap.recorded_count++] = (uint32_t)page;
    heap.stats.pages_recorded++;
}

/* --- The page barrier --- */

/* A store hit a read-only old page: record it, make it writable, return to run the store
   again. Any other SIGSEGV goes where it would have gone without the collector. */
static void barrier_fault(int signal, siginfo_t* info, void* context)
{
    uintptr_t offset = (uintptr_t)info->si_addr - (uintptr_t)heap.old;
    if (heap.ready && info->si_code == SEGV_ACCERR && offset < heap.old_used) {
        size_t page = offset / kGcPageSize;
        heap.stats.barrier_faults++;
        if (!heap.recorded[page])
            gc_record_page(page);
        protect_pages(page, page + 1, PROT_READ | PROT_WRITE);
        return;
    }
    if (heap.previous.sa_flags & SA_SIGINFO) {
        if (heap.previous.sa_sigaction) {
            heap.previous.sa_sigaction(signal, info, context);
            return;
        }
    } else if (heap.previous.sa_handler != SIG_DFL && heap.previous.sa_handler != SIG_IGN) {
        heap.previous.sa_handler(signal);
        return;
    }
    /* The default (a fault signal cannot be ignored): the instruction faults again, and
       the process dies of it as it would have. */
    sigaction(SIGSEGV, &heap.previous, NULL);
}

/* --- Allocation in the old generation (by collections only) --- */

static gc_object* old_allocate(size_t size)
{
    if (size > heap.old_capacity - heap.old_used)
        gc_fatal("the old generation is full (the live data does not fit in it)");
    size_t at = heap.old_used;
    size_t end = at + size;
    for (size_t page = round_up(at, kGcPageSize) / kGcPageSize; page * kGcPageSize < end; page++)
        heap.first_object[page] = (uint32_t)at;
    heap.old_used = end;
    return (gc_object*)(heap.old + at);
}

static int in_nursery(const gc_object* object)
{
    return (uintptr_t)object - (uintptr_t)heap.nursery < heap.nursery_used;
}

/* The object's address after this collection: its copy, made now if need be. */
static gc_object* evacuate(gc_object* object)
{
    if (!object)
        return object;
    if (!in_nursery(object) &&
        !(heap.from_old && (uintptr_t)object - (uintptr_t)heap.from_old < heap.old_capacity))
        return object;
    if (object->header & kForwarded)
        return (gc_object*)(uintptr_t)(object->header & ~(uint64_t)kForwarded);
    size_t size = object_size_of(object->header);
    gc_object* copy = old_allocate(size);
    memcpy(copy, object, size);
    object->header = (uint64_t)(uintptr_t)copy | kForwarded;
    heap.copied++;
    return copy;
}

static void evacuate_fields(gc_object** first, gc_object** end)
{
    for (gc_object** field = first; field < end; field++)
        *field = evacuate(*field);
}

static void evacuate_roots(void)
{
    for (size_t i = 0; i < heap.root_count; i++)
        *heap.roots[i] = evacuate(*heap.roots[i]);
}

/* Cheney's scan: the fields of every object copied from offset `scan` on, including
   those its own copying adds. */
static void scan_copies(size_t scan)
{
    while (scan < heap.old_used) {
        gc_object* object = (gc_object*)(heap.old + scan);
        evacuate_fields(gc_fields(object), gc_fields(object) + gc_field_count(object));
        scan += object_size_of(object->header);
    }
}

/* The fields of old objects that lie in old page `page`, below offset `limit`. */
static void scan_old_page(size_t page, size_t limit)
{
    size_t start = page * kGcPageSize;
    size_t end = start + kGcPageSize < limit ? start + kGcPageSize : limit;
    for (size_t at = heap.first_object[page]; at < end;) {
        gc_object* object = (gc_object*)(heap.old + at);
        size_t fields_at = at + sizeof(gc_object);
        size_t fields_end = fields_at + 8 * (size_t)gc_field_count(object);
        size_t from = fields_at > start ? fields_at : start;
        size_t to = fields_end < end ? fields_end : end;
        if (from < to)
            evacuate_fields((gc_object**)(heap.old + from), (gc_object**)(heap.old + to));
        at += object_size_of(object->header);
    }
}

static int compare_pages(const void* a, const void* b)
{
    uint32_t x = *(const uint32_t*)a, y = *(const uint32_t*)b;
    return x < y ? -1 : x > y;
}

/* Empties the remembered set; under page protection, protects again its pages and the old
   pages from `first_page` on (the ones a collection wrote), one mprotect per run. */
static void forget_recorded(size_t first_page)
{
    size_t end_page = round_up(heap.old_used, kGcPageSize) / kGcPageSize;
    if (heap.barrier == GC_BARRIER_PAGE_PROTECTION) {
        qsort(heap.recorded_list, heap.recorded_count, sizeof(uint32_t), compare_pages);
        for (size_t i = 0; i < heap.recorded_count;) {
            size_t run = heap.recorded_list[i], next = i + 1;
            while (next < heap.recorded_count && heap.recorded_list[next] == run + (next - i))
                next++;
            size_t run_end = run + (next - i);
            if (run_end > first_page)
                run_end = first_page;  /* From first_page on, the last call protects it. */
            protect_pages(run, run_end, PROT_READ);
            i = next;
        }
        protect_pages(first_page, end_page, PROT_READ);
    }
    for (size_t i = 0; i < heap.recorded_count; i++)
        heap.recorded[heap.recorded_list[i]] = 0;
    heap.recorded_count = 0;
}

static void report(int major, uint64_t survivors, uint64_t freed, uint64_t dirty_pages)
{
    if (heap.on_collection) {
        struct gc_collection collection = {major, survivors, freed, dirty_pages, heap.old_used};
        heap.on_collection(&collection);
    }
}

/* --- Collections --- */

/* The old generation may grow to twice what the last major collection kept (a quarter of
   it at least) before the next one, and never so far that a nursery could not fit. */
static void set_major_trigger(void)
{
    size_t trigger = 2 * heap.old_used > heap.old_capacity / 4 ? 2 * heap.old_used : heap.old_capacity / 4;
    size_t ceiling = heap.old_capacity - heap.nursery_capacity;
    heap.major_trigger = trigger < ceiling ? trigger : ceiling;
}

static void collect_minor(void)
{
    size_t start = heap.old_used;
    size_t first_page = start / kGcPageSize;
    /* The last, partly used page receives promoted objects: writable it must be. */
    if (heap.barrier == GC_BARRIER_PAGE_PROTECTION && start % kGcPageSize && !heap.recorded[first_page])
        protect_pages(first_page, first_page + 1, PROT_READ | PROT_WRITE);
    heap.from_old = NULL;
    heap.copied = 0;
    evacuate_roots();
    size_t dirty = heap.recorded_count;
    for (size_t i = 0; i < dirty; i++)
        scan_old_page(heap.recorded_list[i], start);
    scan_copies(start);

    uint64_t freed = heap.stats.nursery_objects - heap.copied;
    heap.stats.minor_collections++;
    heap.stats.promoted_objects += heap.copied;
    heap.stats.old_objects += heap.copied;
    heap.stats.freed_objects += freed;
    heap.stats.dirty_pages_scanned += dirty;
    heap.stats.nursery_objects = 0;
    heap.nursery_used = 0;
    forget_recorded(first_page);
    report(0, heap.copied, freed, dirty);
}

void gc_collect_major(void)
{
    size_t used_pages = round_up(heap.old_used, kGcPageSize) / kGcPageSize;
    /* Forwarding headers are written into the semispace being left. */
    if (heap.barrier == GC_BARRIER_PAGE_PROTECTION)
        protect_pages(0, used_pages, PROT_READ | PROT_WRITE);
    for (size_t i = 0; i < heap.recorded_count; i++)
        heap.recorded[heap.recorded_list[i]] = 0;
    heap.recorded_count = 0;

    char* from = heap.old;
    size_t from_used = heap.old_used;
    heap.from_old = from;
    heap.old = heap.spare;
    heap.spare = from;
    heap.old_used = 0;
    gc_view.old_base = (uintptr_t)heap.old;
    heap.copied = 0;
    evacuate_roots();
    scan_copies(0);
    heap.from_old = NULL;
    if (from_used && madvise(from, round_up(from_used, kGcPageSize), MADV_DONTNEED) != 0)
        gc_fatal("madvise of the old semispace failed");

    uint64_t freed = heap.stats.nursery_objects + heap.stats.old_objects - heap.copied;
    heap.stats.major_collections++;
    heap.stats.freed_objects += freed;
    heap.stats.old_objects = heap.copied;
    heap.stats.nursery_objects = 0;
    heap.nursery_used = 0;
    forget_recorded(0);
    set_major_trigger();
    report(1, heap.copied, freed, 0);
}

/* Before the nursery is emptied: a major collection when the old generation has passed
   its trigger or could not take every nursery object, else a minor one. */
static void collect(void)
{
    if (heap.old_used > heap.major_trigger || heap.old_capacity - heap.old_used < heap.nursery_used)
        gc_collect_major();
    else
        collect_minor();
}

void gc_collect_minor(void)
{
    if (heap.old_capacity - heap.old_used < heap.nursery_used)
        gc_collect_major();
    else
        collect_minor();
}

gc_object* gc_alloc(uint32_t fields, uint32_t data_bytes)
{
    uint64_t header = (uint64_t)fields << 32 | (uint64_t)(data_bytes & 0x7fffffffu) << 1;
    size_t size = object_size_of(header);
    if (!heap.ready || data_bytes > 0x7fffffffu || size > heap.nursery_capacity) {
        errno = ENOMEM;
        return NULL;
    }
    if (size > heap.nursery_capacity - heap.nursery_used)
        collect();
    gc_object* object = (gc_object*)(heap.nursery + heap.nursery_used);
    heap.nursery_used += size;
    memset(object, 0, size);
    object->header = header;
    heap.stats.allocated_objects++;
    heap.stats.nursery_objects++;
    return object;
}

/* --- Roots, statistics, set-up --- */

void gc_push_root(gc_object** slot)
{
    if (heap.root_count == kGcRootsMax)
        gc_fatal("the root stack is full");
    heap.roots[heap.root_count++] = slot;
}

void gc_pop_roots(size_t count)
{
    if (count > heap.root_count)
        gc_fatal("gc_pop_roots: more roots popped than pushed");
    heap.root_count -= count;
}

void gc_get_stats(struct gc_stats* stats)
{
    *stats = heap.stats;
    stats->old_bytes = heap.old_used;
}

const char* gc_barrier_name(enum gc_barrier barrier)
{
    return barrier == GC_BARRIER_SOFTWARE ? "software" : "page-protection";
}

static void* map_anonymous(size_t bytes)
{
    void* address = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return address == MAP_FAILED ? NULL : address;
}

static void unmap_all(void)
{
    if (heap.nursery)
        munmap(heap.nursery, heap.nursery_capacity);
    if (heap.old)
        munmap(heap.old < heap.spare ? heap.old : heap.spare, 2 * heap.old_capacity);
    if (heap.first_object)
        munmap(heap.first_object, heap.tables_bytes);
}

int gc_init(const struct gc_config* config)
{
    if (heap.ready) {
        errno = EBUSY;
        return -1;
    }
    memset(&heap, 0, sizeof(heap));
    heap.barrier = config->barrier;
    heap.on_collection = config->on_collection;
    heap.nursery_capacity = round_up(config->nursery_bytes ? config->nursery_bytes : kDefaultNursery, kGcPageSize);
    heap.old_capacity = round_up(config->old_bytes ? config->old_bytes : kDefaultOld, kGcPageSize);
    if (heap.old_capacity < 2 * heap.nursery_capacity) {
        memset(&heap, 0, sizeof(heap));
        errno = EINVAL;
        return -1;
    }
    heap.old_pages = heap.old_capacity / kGcPageSize;
    heap.tables_bytes = round_up(heap.old_pages * (2 * sizeof(uint32_t) + 1), kGcPageSize);
    heap.nursery = map_anonymous(heap.nursery_capacity);
    heap.old = map_anonymous(2 * heap.old_capacity);
    heap.first_object = map_anonymous(heap.tables_bytes);
    if (!heap.nursery || !heap.old || !heap.first_object) {
        int error = errno;
        unmap_all();
        memset(&heap, 0, sizeof(heap));
        errno = error;
        return -1;
    }
    heap.spare = heap.old + heap.old_capacity;
    heap.recorded_list = heap.first_object + heap.old_pages;
    heap.recorded = (unsigned char*)(heap.recorded_list + heap.old_pages);
    gc_view = (struct gc_barrier_view){(uintptr_t)heap.old, heap.old_capacity, heap.recorded,
                                       heap.barrier == GC_BARRIER_SOFTWARE};
    if (heap.barrier == GC_BARRIER_PAGE_PROTECTION) {
        struct sigaction action;
        memset(&action, 0, sizeof(action));
        action.sa_sigaction = barrier_fault;
        action.sa_flags = SA_SIGINFO;
        sigemptyset(&action.sa_mask);
        if (sigaction(SIGSEGV, &action, &heap.previous) != 0) {
            int error = errno;
            unmap_all();
            memset(&heap, 0, sizeof(heap));
            errno = error;
            return -1;
        }
    }
    set_major_trigger();
    heap.ready = 1;
    return 0;
}

void gc_shutdown(void)
{
    if (!heap.ready)
        return;
    heap.ready = 0;
    if (heap.barrier == GC_BARRIER_PAGE_PROTECTION)
        sigaction(SIGSEGV, &heap.previous, NULL);
    unmap_all();
    memset(&heap, 0, sizeof(heap));
    memset(&gc_view, 0, sizeof(gc_view));
}
