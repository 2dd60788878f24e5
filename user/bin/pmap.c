/* pmap: prints the mappings of process PID, one per line, in the shape of Linux's
 * /proc/PID/maps:
 *
 *   0000000010000-0000000012000 r-xp 00000000 usertests
 *   start-end     rwx + p(rivate)/s(hared)  byte offset in the backing object  name
 *
 * The name is the program for its text and data (as the kernel knows it: the last part of
 * the path exec was given), and [heap], [stack], [guard], [file] (a file mapping: the kernel
 * keeps no path for it) or [anon] otherwise. The list comes from the procmaps system call (kernel/syscall/abi.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kernel/syscall/abi.h"
#include "../../kernel/syscall/numbers.h"

static const char *bracketed_name(const struct atlas_map_entry *entry)
{
    switch (entry->kind) {
    case ATLAS_MAP_KIND_TEXT: return "[text]";
    case ATLAS_MAP_KIND_DATA: return "[data]";
    case ATLAS_MAP_KIND_HEAP: return "[heap]";
    case ATLAS_MAP_KIND_STACK: return "[stack]";
    case ATLAS_MAP_KIND_GUARD: return "[guard]";
    case ATLAS_MAP_KIND_FILE: return "[file]";
    default: return "[anon]";
    }
}

static void print_entry(const struct atlas_map_entry *entry)
{
    /* Heap, stack and anonymous memory have no name of their own; text, data and files
     * are named when the kernel knows the name. */
    const char *name = entry->name[0] != '\0' ? entry->name : bracketed_name(entry);
    printf("%013lx-%013lx %c%c%c%c %08lx %s\n", (unsigned long)entry->start, (unsigned long)entry->end,
           (entry->prot & 1) ? 'r' : '-', (entry->prot & 2) ? 'w' : '-', (entry->prot & 4) ? 'x' : '-',
           (entry->flags & ATLAS_MAP_FLAG_SHARED) ? 's' : 'p', (unsigned long)entry->offset, name);
}

int main(int argc, char **argv)
{
    char *end = NULL;
    long pid = argc == 2 ? strtol(argv[1], &end, 10) : 0;
    if (argc != 2 || argv[1][0] == '\0' || *end != '\0' || pid <= 0) {
        fprintf(stderr, "usage: pmap pid\n");
        return 1;
    }
    /* The list may grow between asking and reading: retry until it fits. */
    long capacity = 32;
    for (;;) {
        struct atlas_map_entry *entries = malloc((size_t)capacity * sizeof(*entries));
        if (!entries) {
            fprintf(stderr, "pmap: out of memory\n");
            return 1;
        }
        long count = syscall(SYS_procmaps, pid, entries, capacity);
        if (count < 0) {
            fprintf(stderr, "pmap: %ld: %s\n", pid, strerror(errno));
            free(entries);
            return 1;
        }
        if (count <= capacity) {
            for (long i = 0; i < count; i++)
                print_entry(&entries[i]);
            free(entries);
            return 0;
        }
        free(entries);
        capacity = count + 16;
    }
}
