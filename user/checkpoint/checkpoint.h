/* checkpoint.h: a copy-on-access checkpoint of a region of memory, made with page
 * protection and a SIGSEGV handler: the second, simpler user of user-level fault handling
 * beside the collector of user/gc (docs/vm.md, "User-level fault handling").
 *
 * checkpoint_begin(region, bytes) makes the region (page-aligned, read-write) read-only and
 * opens an epoch. The first store to each page of it faults; the handler copies the page's
 * contents as they were into a shadow region of the same size, makes the page writable and
 * returns, so the store runs again. Later stores to the page cost nothing. Then:
 *
 *   checkpoint_restore()  copies every saved page back: the region is exactly as it was
 *                         when the epoch opened; a new epoch opens (all read-only again)
 *   checkpoint_commit()   keeps the writes, forgets the saved copies (their frames go back
 *                         to the kernel) and opens a new epoch from the current contents
 *   checkpoint_end()      keeps the writes, makes the region read-write and uninstalls the
 *                         handler
 *
 * Invariant within an epoch: a page of the region is writable exactly when its old contents
 * are saved. One checkpoint per process (the handler's state is global); a SIGSEGV that is
 * not a first store into the region goes to the handler installed before, or kills the
 * process if there was none. Only stores by the process itself are caught: a system call
 * that writes into a read-only page of the region (read() into it) fails with EFAULT. */
#ifndef ATLAS_USER_CHECKPOINT_H
#define ATLAS_USER_CHECKPOINT_H

#include <stddef.h>

/* Returns 0, or -1 with errno: EINVAL (not page-aligned, empty), EBUSY (a checkpoint is
   open), or what mmap, mprotect or sigaction gave. */
int checkpoint_begin(void* region, size_t bytes);
int checkpoint_restore(void);
int checkpoint_commit(void);
int checkpoint_end(void);

/* Pages saved in this epoch (pages written since it opened). */
size_t checkpoint_saved_pages(void);

#endif
