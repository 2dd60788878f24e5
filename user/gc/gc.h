/* gc.h: a small generational garbage collector for user programs whose write barrier is,
 * at the program's choice, page protection (Appel and Li's scheme: the kernel's fault
 * signal records the pages the mutator writes) or software (gc_write records the page).
 * docs/vm.md's "User-level fault handling" describes it and compares the two barriers.
 *
 * One heap per process (the fault handler needs it global), made by gc_init and given back
 * by gc_shutdown. Two generations:
 *
 *   nursery   one region; gc_alloc bumps a pointer in it. A minor collection copies every
 *             nursery object reachable from the roots and from the remembered old pages
 *             into the old generation (all survivors are promoted) and empties the nursery.
 *   old       a bump-allocated semispace; a major collection copies everything reachable
 *             (nursery and old) into the other semispace, then hands the pages of the one
 *             it left back to the kernel (MADV_DONTNEED).
 *
 * The remembered set is a set of old pages ("cards" of one 4 KiB page each), the pages a
 * store may have put a young pointer in since the last collection. A minor collection
 * scans the roots, these pages (only the fields that lie in them) and the objects it
 * promotes; nothing else of the old generation. The two barriers fill it:
 *
 *   GC_BARRIER_PAGE_PROTECTION  after every collection the used old pages are read-only
 *             (mprotect). The first store to one of them faults; the collector's SIGSEGV
 *             handler (SA_SIGINFO, si_addr) records the page, makes it writable and
 *             returns, so the store runs again and lands. Later stores to that page cost
 *             nothing until the next collection protects it again. Plain stores into
 *             objects (gc_fields(o)[i] = v) are thus as safe as gc_write.
 *   GC_BARRIER_SOFTWARE  nothing is protected; every store into an object must go
 *             through gc_write, which records the page of an old field it writes.
 *
 * Invariants between collections: every old-to-young pointer lies in a recorded page;
 * under page protection a used old page is writable exactly when it is recorded; every
 * field holds NULL or a pointer to a live object of this heap; objects move at every
 * collection, and gc_alloc may collect, so a program keeps its pointers in root slots
 * (gc_push_root) or in objects and reloads them after each gc_alloc.
 *
 * Roots: gc_push_root(&variable) registers the address of a gc_object* variable (a slot)
 * on the root stack, whose entries the collector updates when it moves an object;
 * gc_pop_roots(n) drops the last n, in stack order. The stack holds kGcRootsMax slots.
 *
 * Limits, kept simple on purpose: one thread (a fault in another thread's store would be
 * taken the same way, but collections are not synchronized); the old generation must hold
 * the live data plus one nursery's survivors, else the program stops with a message; an
 * object larger than the nursery cannot be allocated (gc_alloc returns NULL, ENOMEM). A
 * SIGSEGV that is not a barrier fault goes to the handler installed before gc_init, or,
 * if that was the default, kills the process as it would have. Builds for Atlas and for
 * Linux (the benchmark gc_bench runs on both). */
#ifndef ATLAS_USER_GC_H
#define ATLAS_USER_GC_H

#include <stddef.h>
#include <stdint.h>

/* An object: a header word, `fields` pointer fields, then `data_bytes` raw bytes. */
typedef struct gc_object {
    uint64_t header;  /* fields << 32 | data_bytes << 1; bit 0 set: forwarded (internal). */
} gc_object;

enum gc_barrier {
    GC_BARRIER_PAGE_PROTECTION,
    GC_BARRIER_SOFTWARE,
};

enum { kGcPageSize = 4096, kGcRootsMax = 4096 };

/* What one collection did, for gc_config's on_collection. */
struct gc_collection {
    int major;                /* 0: minor collection, 1: major. */
    uint64_t survivors;       /* Objects copied: promoted (minor) or kept (major). */
    uint64_t freed;           /* Objects found dead: those allocated or old before it, less survivors. */
    uint64_t dirty_pages;     /* Remembered old pages scanned (minor). */
    uint64_t old_bytes;       /* Bytes in the old generation after it. */
};

struct gc_config {
    enum gc_barrier barrier;
    size_t nursery_bytes;     /* 0: 256 KiB. Rounded up to pages. */
    size_t old_bytes;         /* Each old semispace; 0: 8 MiB. Rounded up to pages; at least
                                 two nurseries. A major collection runs when the old
                                 generation has grown to twice what the last one kept (a
                                 quarter of old_bytes at least), or is nearly full. */
    /* Called after each collection (it must not allocate or store into objects). */
    void (*on_collection)(const struct gc_collection* collection);
};

struct gc_stats {
    uint64_t minor_collections;
    uint64_t major_collections;
    uint64_t allocated_objects;   /* Every gc_alloc that succeeded. */
    uint64_t freed_objects;       /* Found dead by collections, exactly. */
    uint64_t promoted_objects;    /* Copied from the nursery into the old generation. */
    uint64_t old_objects;         /* In the old generation now. */
    uint64_t old_bytes;
    uint64_t nursery_objects;     /* Allocated since the last collection. */
    uint64_t barrier_faults;      /* Page protection: stores that trapped. */
    uint64_t pages_recorded;      /* Pages added to the remembered set, by either barrier. */
    uint64_t dirty_pages_scanned; /* By minor collections. */
};

/* Makes the heap. Returns 0, or -1 with errno: EBUSY (there is one), EINVAL (an old
   semispace smaller than two nurseries), or what mmap or sigaction gave. Under page protection it installs the SIGSEGV handler. */
int gc_init(const struct gc_config* config);

/* Unmaps the whole heap (every object is gone) and puts back the SIGSEGV action gc_init
   found. */
void gc_shutdown(void);

/* A new object with every field NULL and every data byte 0, or NULL (ENOMEM) if it is
   larger than the nursery. May collect first: every object may move. */
gc_object* gc_alloc(uint32_t fields, uint32_t data_bytes);

void gc_push_root(gc_object** slot);
void gc_pop_roots(size_t count);

/* A minor collection, or a major one if the old generation could not take every nursery
   object. */
void gc_collect_minor(void);
void gc_collect_major(void);

void gc_get_stats(struct gc_stats* stats);
const char* gc_barrier_name(enum gc_barrier barrier);

static inline uint32_t gc_field_count(const gc_object* object) { return (uint32_t)(object->header >> 32); }
static inline uint32_t gc_data_bytes(const gc_object* object) { return (uint32_t)(object->header & 0xffffffffu) >> 1; }
static inline gc_object** gc_fields(gc_object* object) { return (gc_object**)(object + 1); }
static inline void* gc_data(gc_object* object) { return gc_fields(object) + gc_field_count(object); }
static inline gc_object* gc_read(gc_object* object, uint32_t field) { return gc_fields(object)[field]; }

/* Internal: what gc_write's inline path reads, and where it records a page. */
struct gc_barrier_view {
    uintptr_t old_base;
    uintptr_t old_capacity;
    unsigned char* recorded;   /* One byte per old page: 1 if in the remembered set. */
    int software;
};
extern struct gc_barrier_view gc_view;
void gc_record_page(size_t page);

/* Stores `value` into field `field` of `object`: the one way to store under the software
   barrier (under page protection it is a plain store, and the fault records the page). */
static inline void gc_write(gc_object* object, uint32_t field, gc_object* value)
{
    gc_object** slot = gc_fields(object) + field;
    *slot = value;
    if (gc_view.software) {
        uintptr_t offset = (uintptr_t)slot - gc_view.old_base;
        if (offset < gc_view.old_capacity && !gc_view.recorded[offset / kGcPageSize])
            gc_record_page(offset / kGcPageSize);
    }
}

#endif
