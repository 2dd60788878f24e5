// The data shapes of the system-call ABI that are not plain integers: the structures the
// kernel writes into user memory (stat, directory records, vmstat), the open flags, the
// lseek whence values, the wait-status encoding and the signal numbers used in it.
//
// The layouts are Linux's (riscv64 uses asm-generic), so that the user library's POSIX
// headers (user/include/sys/stat.h, dirent.h, fcntl.h, sys/wait.h) can declare the usual
// names with the usual types; user/lib/abi_check.cc checks at compile time that their
// struct stat and struct dirent have the sizes and offsets here. This header compiles as C and C++ and needs no other header
// (it uses the compiler's __UINT64_TYPE__-style types); the structs carry an atlas_ prefix
// and every macro is #ifndef-guarded, so it can sit next to the user headers.
//
// System-call signatures (number in a7, arguments a0..a5, result in a0, -errno on failure;
// numbers in numbers.h). Pointers are user addresses; every pointer may be bad (EFAULT).
//
//   fork()                                 -> child pid in the parent, 0 in the child
//   exit(int code)                         never returns
//   wait(int* status)                      -> pid; *status encoded as below (status may be 0)
//   waitpid(int pid, int* status, int options)  pid -1 = any child, 0 = any in our group,
//                                          < -1 = any in group -pid; options WNOHANG
//   pipe(int fds[2])                       fds[0] reads, fds[1] writes
//   read(fd, buf, n) / write(fd, buf, n)   -> bytes moved, read 0 at end of file
//   pread(fd, buf, n, long offset) / pwrite(fd, buf, n, long offset)  at `offset`, which
//                                          stays unmoved; ESPIPE on pipes and the console,
//                                          EINVAL for a negative offset
//   readv(fd, const struct atlas_iovec* iov, int count) / writev(...)  one read or write
//                                          over the segments in order; EINVAL for count < 0
//                                          or > ATLAS_IOV_MAX or a total beyond 2^63 - 1
//   kill(int pid, int signal)              signal 0 only checks that pid exists; 1..31
//                                          kill it, and a wait status reports `signal`;
//                                          any other signal is EINVAL
//   exec(const char* path, char* const argv[], char* const envp[])  envp is ignored
//   fstat(int fd, struct stat* st)         stat(const char* path, struct stat* st)
//   chdir(path)  dup(fd)  dup2(old, new)  getpid()  getppid()
//   sbrk(long increment)                   -> the old break (an address below 2^38)
//   sleep(long ticks)                      ticks of 10 ms; -EINTR if killed while asleep
//   uptime()                               -> ticks of 10 ms since boot
//   open(const char* path, int flags, int mode)  mode is accepted and ignored (no owners)
//   mknod(const char* path, int major, int minor)  a device node (xv6's shape)
//   unlink(path)  link(old, new)  mkdir(path, mode)  rmdir(path)  close(fd)
//   lseek(int fd, long offset, int whence) -> the new offset
//   ftruncate(int fd, long length)  fsync(int fd)  fdatasync(int fd) (= fsync)  sync()
//   getdents(int fd, void* buf, size_t n)  -> bytes of whole atlas_dirent64 records, 0 at
//                                          the end of the directory, EINVAL if n is too
//                                          small for the next record
//   vmstat(struct atlas_vmstat* out)       fills the counters below
//   drop_caches()                          gives back every clean cache the kernel can
//                                          rebuild (see docs/vm.md); returns 0
//   procmaps(int pid, struct atlas_map_entry* buffer, long count)  -> mappings; see below
//   ioctl(int fd, unsigned request, long arg)  the console only (else ENOTTY): TIOCGPGRP
//                                          stores the foreground group at (int*)arg,
//                                          TIOCSPGRP sets it from there
//   setpgid(pid, pgid)  getpgid(pid)  getsid(pid)  setsid()  (Linux's numbers, 154..157)
#ifndef ATLAS_SYSCALL_ABI_H
#define ATLAS_SYSCALL_ABI_H

// --- open() flags (Linux values, octal) ---
#ifndef O_RDONLY
#define O_RDONLY 00
#endif
#ifndef O_WRONLY
#define O_WRONLY 01
#endif
#ifndef O_RDWR
#define O_RDWR 02
#endif
#ifndef O_ACCMODE
#define O_ACCMODE 03
#endif
#ifndef O_CREAT
#define O_CREAT 0100
#endif
#ifndef O_EXCL
#define O_EXCL 0200
#endif
#ifndef O_TRUNC
#define O_TRUNC 01000
#endif
#ifndef O_APPEND
#define O_APPEND 02000
#endif
#ifndef O_DIRECTORY
#define O_DIRECTORY 0200000
#endif

// --- lseek() whence ---
#ifndef SEEK_SET
#define SEEK_SET 0
#endif
#ifndef SEEK_CUR
#define SEEK_CUR 1
#endif
#ifndef SEEK_END
#define SEEK_END 2
#endif

// --- File types in st_mode (Linux values). Permission bits are always 0777 or 0666. ---
#ifndef S_IFMT
#define S_IFMT 0170000
#endif
#ifndef S_IFDIR
#define S_IFDIR 0040000
#endif
#ifndef S_IFCHR
#define S_IFCHR 0020000
#endif
#ifndef S_IFREG
#define S_IFREG 0100000
#endif
#ifndef S_IFIFO
#define S_IFIFO 0010000
#endif

// What fstat() and stat() fill in: Linux's generic (asm-generic/stat.h) layout, 128 bytes.
// st_dev is 1 for the root file system, 0 for pipes and the console; st_rdev is
// (major << 8) | minor for device nodes; the file system keeps only mtime, and all three
// times report it.
struct atlas_stat {
    __UINT64_TYPE__ st_dev;
    __UINT64_TYPE__ st_ino;
    __UINT32_TYPE__ st_mode;
    __UINT32_TYPE__ st_nlink;
    __UINT32_TYPE__ st_uid;
    __UINT32_TYPE__ st_gid;
    __UINT64_TYPE__ st_rdev;
    __UINT64_TYPE__ pad1;
    __INT64_TYPE__ st_size;
    __INT32_TYPE__ st_blksize;
    __INT32_TYPE__ pad2;
    __INT64_TYPE__ st_blocks;  // 512-byte units.
    __INT64_TYPE__ st_atime_sec;
    __UINT64_TYPE__ st_atime_nsec;
    __INT64_TYPE__ st_mtime_sec;
    __UINT64_TYPE__ st_mtime_nsec;
    __INT64_TYPE__ st_ctime_sec;
    __UINT64_TYPE__ st_ctime_nsec;
    __UINT32_TYPE__ unused4;
    __UINT32_TYPE__ unused5;
};

// --- Directory records of getdents(): Linux's linux_dirent64. ---
//   [d_ino u64][d_off i64][d_reclen u16][d_type u8][d_name ... NUL][pad to 8]
// d_reclen is the record's whole size, offsetof(d_name) (19) + name length + 1 rounded up to
// a multiple of 8, as Linux makes it: step to the next by it. getdents on a removed
// directory is ENOENT.
struct atlas_dirent64 {
    __UINT64_TYPE__ d_ino;
    __INT64_TYPE__ d_off;
    __UINT16_TYPE__ d_reclen;
    __UINT8_TYPE__ d_type;
    char d_name[];
};
#ifndef DT_UNKNOWN
#define DT_UNKNOWN 0
#endif
#ifndef DT_FIFO
#define DT_FIFO 1
#endif
#ifndef DT_CHR
#define DT_CHR 2
#endif
#ifndef DT_DIR
#define DT_DIR 4
#endif
#ifndef DT_REG
#define DT_REG 8
#endif

// --- Signals that can appear in a wait status (Linux numbers). ---
#ifndef SIGBUS
#define SIGBUS 7
#endif
#ifndef SIGKILL
#define SIGKILL 9
#endif
#ifndef SIGSEGV
#define SIGSEGV 11
#endif

// --- The wait status word (Linux's encoding) ---
//   normal exit:          (code & 0xff) << 8
//   killed by the kernel: the signal number, in the low 7 bits
#define ATLAS_W_EXITCODE(code) (((code) & 0xff) << 8)
#define ATLAS_W_SIGNALED(signal) ((signal) & 0x7f)
// --- ioctl() requests of the console (Linux's values) ---
#ifndef TIOCGPGRP
#define TIOCGPGRP 0x540F
#endif
#ifndef TIOCSPGRP
#define TIOCSPGRP 0x5410
#endif

#ifndef WNOHANG
#define WNOHANG 1
#endif
#ifndef WIFEXITED
#define WIFEXITED(status) (((status) & 0x7f) == 0)
#endif
#ifndef WEXITSTATUS
#define WEXITSTATUS(status) (((status) >> 8) & 0xff)
#endif
#ifndef WTERMSIG
#define WTERMSIG(status) ((status) & 0x7f)
#endif

// --- Limits the kernel enforces ---
#define ATLAS_MAX_ARGS 64          // exec: more argv entries give E2BIG.
#define ATLAS_MAX_ARG_BYTES 65536  // exec: total bytes of the argv strings (E2BIG).
#define ATLAS_MAX_PATH 4096        // Paths of this many bytes or more: ENAMETOOLONG.
#define ATLAS_OPEN_MAX 64          // Descriptors per process (EMFILE beyond).
#define ATLAS_PIPE_BUFFER 4096     // Bytes a pipe holds before a writer blocks.
#define ATLAS_IOV_MAX 1024         // readv, writev: more segments give EINVAL.

// --- readv(), writev(): one segment (struct iovec's layout) ---
struct atlas_iovec {
    void* iov_base;
    __SIZE_TYPE__ iov_len;
};

// --- vmstat(): counters of the memory system, a snapshot ---
// The classes of locks in atlas_vmstat's locks[] (one lock rank of the kernel each, but
// ATLAS_LOCK_OTHER, which sums every other rank and the unranked locks).
#define ATLAS_LOCK_ADDRESS_SPACE 0      // An address space's rw-lock.
#define ATLAS_LOCK_FILE_WRITERS 1       // A file's writers-and-truncation lock.
#define ATLAS_LOCK_VM_OBJECT 2          // A file object's (or shared anonymous object's) lock.
#define ATLAS_LOCK_FILE_PAGES 3         // A file object's page-tree rw-lock.
#define ATLAS_LOCK_INODE 4              // An inode's lock.
#define ATLAS_LOCK_PAGE_QUEUE 5         // The reclaim queues.
#define ATLAS_LOCK_PAGE_TABLE 6         // An address space's page-table spinlock.
#define ATLAS_LOCK_PHYSICAL_MEMORY 7    // The frame allocator.
#define ATLAS_LOCK_KERNEL_HEAP 8        // The kernel heap.
#define ATLAS_LOCK_SLEEPING_LOCK_STATE 9 // The spinlock inside every Mutex and RwLock.
#define ATLAS_LOCK_WAIT_QUEUE 10        // The spinlock inside every WaitQueue.
#define ATLAS_LOCK_SCHEDULER 11         // The run queue.
#define ATLAS_LOCK_OTHER 12             // Every other lock.
#define ATLAS_LOCK_CLASSES 13
struct atlas_vmstat {
    __UINT64_TYPE__ page_size;
    __UINT64_TYPE__ total_frames;       // Physical frames the allocator manages.
    __UINT64_TYPE__ free_frames;        // Of those, free right now.
    __UINT64_TYPE__ processes;          // Live processes (zombies included).
    __UINT64_TYPE__ process_limit;      // fork() fails with EAGAIN at this many.
    __UINT64_TYPE__ kernel_heap_bytes;  // Bytes the kernel heap has handed out.
    __UINT64_TYPE__ page_cache_hits;    // read()/write() pages found in the page cache.
    __UINT64_TYPE__ page_cache_misses;  // Pages the page cache had to bring in.
    __UINT64_TYPE__ pages_written_back; // Dirty cached pages written to the disk.
    __UINT64_TYPE__ pages_reclaimed;    // Cached file pages evicted by page reclaim.
    __UINT64_TYPE__ cached_pages;       // Frames the page cache holds right now.
    __UINT64_TYPE__ disk_read_requests; // Read requests sent to the disk.
    __UINT64_TYPE__ disk_read_bytes;    // Bytes those requests read.
    __UINT64_TYPE__ readahead_pages;    // Pages read ahead of a sequential reader.
    __UINT64_TYPE__ idle_instret;       // Instructions retired in the idle loop, all harts
                                        // (under -icount, waiting for the disk counts).
    __UINT64_TYPE__ reserved[1];        // Zero; room for more of the VM's counters.
    // VM fault counters (since boot; see kernel/mm/fault.h).
    __UINT64_TYPE__ minor_faults;       // Faults resolved without I/O.
    __UINT64_TYPE__ major_faults;       // Faults that read the page in.
    __UINT64_TYPE__ cow_copies;         // Frames copied by a write to a shared private page.
    __UINT64_TYPE__ zero_fill_faults;   // Private anonymous pages zero-filled on first touch.
    // Lock statistics (since boot; kernel/sync/lock_statistics.h): for each class of lock,
    // indexed by ATLAS_LOCK_* below, the acquisitions that found the lock held and had to
    // wait (contended), and the time they waited in all, in ticks of the 10 MHz time CSR.
    // An acquisition that did not wait is not counted at all.
    struct {
        __UINT64_TYPE__ contended;
        __UINT64_TYPE__ wait_ticks;
    } locks[ATLAS_LOCK_CLASSES];
    // The kernel's caches, what each holds now (drop_caches() empties them).
    __UINT64_TYPE__ block_cache_buffers;  // File-system metadata buffers, one frame each,
    __UINT64_TYPE__ block_cache_unused;   // of which unused (clean, reclaimable),
    __UINT64_TYPE__ block_cache_capacity; // and how many the cache keeps before recycling.
    __UINT64_TYPE__ cached_inodes;        // In-memory inodes (in use, or unused with cached
                                          // pages; unused_inodes below counts those).
    __UINT64_TYPE__ heap_slab_frames;     // Frames of the heap's small-object slabs,
    __UINT64_TYPE__ heap_large_frames;    // and of its large blocks.
    __UINT64_TYPE__ heap_cached_objects;  // Free objects in the harts' heap caches,
    __UINT64_TYPE__ heap_cached_bytes;    // and their bytes (free: not in kernel_heap_bytes).
    __UINT64_TYPE__ heap_spare_slabs;     // Empty slabs the heap keeps (one per class at most).
    __UINT64_TYPE__ frame_cache_frames;   // Free frames in the harts' frame caches (counted
                                          // in free_frames too).
    __UINT64_TYPE__ kernel_stacks;        // Kernel stacks in use (4 frames each),
    __UINT64_TYPE__ kernel_stacks_pending;// and freed ones whose slots await a TLB flush.
    __UINT64_TYPE__ shrunk_frames;        // Frames the caches gave back to reclaim or to
                                          // drop_caches (since boot).
    __UINT64_TYPE__ unused_inodes;        // In-memory inodes nobody uses, kept for their
                                          // cached pages until the shrinker evicts them.
};

// --- procmaps(): one process's mappings, for pmap ---
//   procmaps(int pid, struct atlas_map_entry* buffer, long count)
//     fills buffer[0 .. min(count, n)) with the process's first mappings in address order
//     and returns n, the number it has (so a caller retries with a larger buffer when n >
//     count; count 0 just asks for n). ESRCH: no such process (or a zombie); EFAULT: the
//     buffer is bad; EINVAL: count < 0.
#define ATLAS_MAP_KIND_TEXT 1
#define ATLAS_MAP_KIND_DATA 2
#define ATLAS_MAP_KIND_HEAP 3
#define ATLAS_MAP_KIND_STACK 4
#define ATLAS_MAP_KIND_GUARD 5       // The inaccessible page below the stack.
#define ATLAS_MAP_KIND_ANONYMOUS 6   // mmap(MAP_ANONYMOUS).
#define ATLAS_MAP_KIND_FILE 7        // mmap of a file.
#define ATLAS_MAP_FLAG_SHARED 1      // MAP_SHARED (stores reach every mapper); else private.
#define ATLAS_MAP_NAME_MAX 64
struct atlas_map_entry {
    __UINT64_TYPE__ start;          // First byte, page-aligned.
    __UINT64_TYPE__ end;            // One past the last byte, page-aligned.
    __UINT64_TYPE__ offset;         // Byte offset of `start` in the backing object.
    __UINT32_TYPE__ prot;           // PROT_READ | PROT_WRITE | PROT_EXEC (Linux values).
    __UINT32_TYPE__ flags;          // ATLAS_MAP_FLAG_*.
    __UINT32_TYPE__ kind;           // ATLAS_MAP_KIND_*.
    __UINT32_TYPE__ reserved;       // Zero.
    char name[ATLAS_MAP_NAME_MAX];  // NUL-terminated: the program for text and data, the
                                    // file for a file mapping, else empty.
};

#endif  // ATLAS_SYSCALL_ABI_H
