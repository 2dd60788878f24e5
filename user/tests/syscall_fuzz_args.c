/* syscall_fuzz_args: the argument classes the generators draw from, and the table of the
 * errnos each system call may give (Linux's and POSIX's lists for the call; a failure with
 * any other errno is a bug):
 *
 *   pointers     valid, NULL, kernel, non-canonical, unmapped, PROT_NONE, read-only (bad
 *                only as an output), straddling a mapped/unmapped boundary, past the end
 *                of a file mapping, and for strings one with no terminator before an
 *                unmapped page;
 *   descriptors  open ones of each kind (file, directory, pipe end, console), -1, closed,
 *                64 and beyond;
 *   paths        names in the sandbox, empty, 4096 bytes or more, a 255-byte and a 256-byte
 *                component, ".", "..", "/", a trailing slash, through a file, FILE/. and
 *                FILE/.., a 4094-byte path that resolves;
 *   sizes        0, 1, small, a page, larger, negative, huge, ones that overflow an address;
 *   ranges       for munmap and friends: the playground, the worker's own mappings, or an
 *                address nothing can own (see syscall_fuzz.h for why no other).
 *
 * Where an argument decides the answer, the picker adds that errno to the strict set the
 * caller passes on in f->strict (a bad path pointer is EFAULT, an empty path ENOENT, a
 * path of 4096 bytes or more ENAMETOOLONG). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../../kernel/syscall/abi.h"
#include "syscall_fuzz.h"

#define PATHS (EB(EACCES) | EB(EFAULT) | EB(EIO) | EB(ELOOP) | EB(ENAMETOOLONG) | EB(ENOENT) | EB(ENOMEM) | EB(ENOTDIR))
#define CREATES (EB(EEXIST) | EB(ENOSPC) | EB(EPERM) | EB(EROFS) | EB(EMLINK))


static const struct FzSyscallInfo kInfo[SYS_count] = {
    [SYS_fork] = {"fork", 0, EB(EAGAIN) | EB(ENOMEM)},
    [SYS_exit] = {"exit", 1, 0},
    [SYS_wait] = {"wait", 1, EB(ECHILD) | EB(EFAULT) | EB(EINTR)},
    [SYS_pipe] = {"pipe", 1, EB(EFAULT) | EB(EMFILE) | EB(ENFILE) | EB(ENOMEM)},
    [SYS_read] = {"read", 3, EB(EAGAIN) | EB(EBADF) | EB(EFAULT) | EB(EINTR) | EB(EINVAL) | EB(EIO) | EB(EISDIR)},
    [SYS_kill] = {"kill", 2, EB(EINVAL) | EB(EPERM) | EB(ESRCH)},
    [SYS_exec] = {"exec", 3, PATHS | EB(E2BIG) | EB(EINVAL) | EB(ENOEXEC) | EB(ETXTBSY)},
    [SYS_fstat] = {"fstat", 2, EB(EBADF) | EB(EFAULT) | EB(ENOMEM) | EB(EOVERFLOW)},
    [SYS_chdir] = {"chdir", 1, PATHS},
    [SYS_dup] = {"dup", 1, EB(EBADF) | EB(EMFILE)},
    [SYS_getpid] = {"getpid", 0, 0},
    [SYS_sbrk] = {"sbrk", 1, EB(ENOMEM)},
    [SYS_sleep] = {"sleep", 1, EB(EINTR) | EB(EINVAL)},
    [SYS_uptime] = {"uptime", 0, 0},
    [SYS_open] = {"open", 3,
                  PATHS | CREATES | EB(EINVAL) | EB(EISDIR) | EB(EMFILE) | EB(ENFILE) | EB(ENXIO) | EB(ENODEV) |
                      EB(EOVERFLOW) | EB(ETXTBSY) | EB(EFBIG)},
    [SYS_write] = {"write", 3,
                   EB(EAGAIN) | EB(EBADF) | EB(EFAULT) | EB(EFBIG) | EB(EINTR) | EB(EINVAL) | EB(EIO) | EB(ENOSPC) |
                       EB(EPIPE)},
    [SYS_mknod] = {"mknod", 3, PATHS | CREATES | EB(EINVAL)},
    [SYS_unlink] = {"unlink", 1, PATHS | EB(EBUSY) | EB(EISDIR) | EB(EPERM) | EB(EROFS)},
    [SYS_link] = {"link", 2, PATHS | CREATES | EB(EXDEV)},
    [SYS_mkdir] = {"mkdir", 2, PATHS | CREATES},
    [SYS_close] = {"close", 1, EB(EBADF) | EB(EINTR) | EB(EIO)},
    [SYS_waitpid] = {"waitpid", 3, EB(ECHILD) | EB(EFAULT) | EB(EINTR) | EB(EINVAL)},
    [SYS_getppid] = {"getppid", 0, 0},
    [SYS_lseek] = {"lseek", 3, EB(EBADF) | EB(EINVAL) | EB(ENXIO) | EB(EOVERFLOW) | EB(ESPIPE)},
    [SYS_dup2] = {"dup2", 2, EB(EBADF) | EB(EBUSY) | EB(EINTR) | EB(EMFILE)},
    [SYS_rmdir] = {"rmdir", 1, PATHS | EB(EBUSY) | EB(EEXIST) | EB(EINVAL) | EB(ENOTEMPTY) | EB(EPERM) | EB(EROFS)},
    [SYS_ftruncate] = {"ftruncate", 2,
                       EB(EBADF) | EB(EFBIG) | EB(EINTR) | EB(EINVAL) | EB(EIO) | EB(EPERM) | EB(EROFS) | EB(ETXTBSY) |
                           EB(ENOSPC)},
    [SYS_fsync] = {"fsync", 1, EB(EBADF) | EB(EINTR) | EB(EIO) | EB(EINVAL) | EB(EROFS) | EB(ENOSPC)},
    [SYS_fdatasync] = {"fdatasync", 1, EB(EBADF) | EB(EINTR) | EB(EIO) | EB(EINVAL) | EB(EROFS) | EB(ENOSPC)},
    [SYS_sync] = {"sync", 0, 0},
    [SYS_stat] = {"stat", 2, PATHS | EB(EOVERFLOW)},
    [SYS_mmap] = {"mmap", 6,
                  EB(EACCES) | EB(EAGAIN) | EB(EBADF) | EB(EEXIST) | EB(EINVAL) | EB(ENFILE) | EB(ENODEV) | EB(ENOMEM) |
                      EB(EOVERFLOW) | EB(EPERM) | EB(ETXTBSY)},
    [SYS_munmap] = {"munmap", 2, EB(EINVAL) | EB(ENOMEM)},
    [SYS_mprotect] = {"mprotect", 3, EB(EACCES) | EB(EINVAL) | EB(ENOMEM)},
    [SYS_msync] = {"msync", 3, EB(EBUSY) | EB(EINVAL) | EB(ENOMEM) | EB(EIO)},
    [SYS_madvise] = {"madvise", 3, EB(EACCES) | EB(EAGAIN) | EB(EBADF) | EB(EINVAL) | EB(EIO) | EB(ENOMEM) | EB(EPERM)},
    [SYS_getdents] = {"getdents", 3, EB(EBADF) | EB(EFAULT) | EB(EINVAL) | EB(ENOENT) | EB(ENOTDIR)},
    [SYS_vmstat] = {"vmstat", 1, EB(EFAULT)},
    [SYS_procmaps] = {"procmaps", 3, EB(EFAULT) | EB(EINVAL) | EB(ESRCH)},
    [SYS_fadvise] = {"fadvise", 4, EB(EBADF) | EB(EINVAL) | EB(ESPIPE)},
    [SYS_rt_sigaction] = {"rt_sigaction", 4, EB(EFAULT) | EB(EINVAL)},
    [SYS_rt_sigprocmask] = {"rt_sigprocmask", 4, EB(EFAULT) | EB(EINVAL)},
    [SYS_rt_sigpending] = {"rt_sigpending", 2, EB(EFAULT) | EB(EINVAL)},
    [SYS_setpgid] = {"setpgid", 2, EB(EACCES) | EB(EINVAL) | EB(ENOMEM) | EB(EPERM) | EB(ESRCH)},
    [SYS_getpgid] = {"getpgid", 1, EB(ESRCH)},
    [SYS_getsid] = {"getsid", 1, EB(EPERM) | EB(ESRCH)},
    [SYS_setsid] = {"setsid", 0, EB(ENOMEM) | EB(EPERM)},
    [SYS_ioctl] = {"ioctl", 3, EB(EBADF) | EB(EFAULT) | EB(EINVAL) | EB(ENOTTY) | EB(EPERM) | EB(ESRCH)},
    [SYS_rt_sigsuspend] = {"rt_sigsuspend", 2, EB(EFAULT) | EB(EINVAL) | EB(EINTR)},
    [SYS_sigaltstack] = {"sigaltstack", 2, EB(EFAULT) | EB(EINVAL) | EB(ENOMEM) | EB(EPERM)},
    [SYS_linux_kill] = {"kill", 2, EB(EINVAL) | EB(EPERM) | EB(ESRCH)},
    [SYS_tgkill] = {"tgkill", 3, EB(EINVAL) | EB(EPERM) | EB(ESRCH)},
    [SYS_getitimer] = {"getitimer", 2, EB(EFAULT) | EB(EINVAL)},
    [SYS_setitimer] = {"setitimer", 3, EB(EFAULT) | EB(EINVAL) | EB(ENOMEM)},
    [SYS_pread] = {"pread", 4, EB(EBADF) | EB(EFAULT) | EB(EINVAL) | EB(EIO) | EB(EISDIR) | EB(ESPIPE)},
    [SYS_pwrite] = {"pwrite", 4,
                    EB(EBADF) | EB(EFAULT) | EB(EFBIG) | EB(EINVAL) | EB(EIO) | EB(ENOSPC) | EB(ESPIPE)},
    [SYS_readv] = {"readv", 3, EB(EBADF) | EB(EFAULT) | EB(EINVAL) | EB(EIO) | EB(EISDIR)},
    [SYS_writev] = {"writev", 3, EB(EBADF) | EB(EFAULT) | EB(EFBIG) | EB(EINVAL) | EB(EIO) | EB(ENOSPC) | EB(EPIPE)},
};

const struct FzSyscallInfo* fz_syscall_info(int number)
{
    static const struct FzSyscallInfo unknown = {"syscall", 6, 0};
    return number > 0 && number < SYS_count && kInfo[number].name ? &kInfo[number] : &unknown;
}

/* ---- Pointers ---- */

static const char* const kPtrNames[] = {"valid",     "null",      "kernel",   "noncanonical", "unmapped",
                                        "prot-none", "read-only", "straddle", "beyond-eof"};

const uintptr_t kKernelAddresses[] = {0xffffffc000000000ul, 0xffffffff80000000ul, 0xffffffc000200000ul,
                                             0xfffffffffffff000ul};
static const uintptr_t kNonCanonical[] = {0x0000004000000000ul, 0x0000800000000000ul, 0x8000000000000000ul,
                                          0x1234567800000000ul};

/* A pointer to `want` bytes of class `kind`; *usable is how many bytes may be accessed
   (read-only counts for inputs only). */
uintptr_t pointer_of(Fuzz* f, int kind, size_t want, int output, size_t* usable)
{
    size_t scratch = FZ_SCRATCH_PAGES * FZ_PAGE;
    *usable = 0;
    switch (kind) {
    case P_VALID: {
        size_t fit = want < scratch ? want : scratch;
        *usable = scratch;
        size_t offset = fz_below(f, scratch - fit + 1) & ~7ul;
        *usable = scratch - offset;
        return (uintptr_t)f->scratch + offset;
    }
    case P_NULL: return fz_chance(f, 80) ? 0 : 8;
    case P_KERNEL: return kKernelAddresses[fz_below(f, 4)];
    case P_NONCANON: return kNonCanonical[fz_below(f, 4)];
    case P_UNMAPPED: return f->hole + (fz_below(f, 256) & ~7ul);
    case P_NONE: return (uintptr_t)f->none + (fz_below(f, 256) & ~7ul);
    case P_RO:
        *usable = output ? 0 : FZ_PAGE;
        return (uintptr_t)f->ro;
    case P_STRADDLE: {
        size_t limit = want > 1 && want <= FZ_PAGE ? want - 1 : 64;
        size_t k = 1 + fz_below(f, limit);
        *usable = k;
        return (uintptr_t)f->rw_end + FZ_PAGE - k;
    }
    default: return (uintptr_t)f->eof_map + FZ_PAGE + (fz_below(f, 256) & ~7ul);
    }
}

static int pick_pointer_class(Fuzz* f) { return fz_chance(f, 45) ? P_VALID : 1 + (int)fz_below(f, P_COUNT - 1); }

/* A pointer for `role`, noted; *bad says that every access to `want` bytes must fault. */
uintptr_t pick_pointer(Fuzz* f, const char* role, size_t want, int output, int* bad, size_t* usable)
{
    int kind = pick_pointer_class(f);
    size_t room;
    uintptr_t pointer = pointer_of(f, kind, want, output, &room);
    fz_note(f, "%s%s=%s", f->note[0] ? " " : "", role, kPtrNames[kind]);
    *bad = room < want && want > 0;
    if (usable)
        *usable = room;
    return pointer;
}

/* ---- Sizes ---- */

long pick_size(Fuzz* f, const char* role)
{
    static const long huge[] = {-1, 1l << 62, 1l << 38, LONG_MIN, (long)INT_MAX + 1, -4096, LONG_MAX};
    long size;
    switch (fz_below(f, 8)) {
    case 0: size = 0; break;
    case 1: size = 1; break;
    case 2: size = 2 + (long)fz_below(f, 255); break;
    case 3: size = 4096; break;
    case 4:
    case 5: size = 1 + (long)fz_below(f, 20000); break;
    default: size = huge[fz_below(f, 7)]; break;
    }
    fz_note(f, "%s%s=%ld", f->note[0] ? " " : "", role, size);
    return size;
}

/* ---- Descriptors ---- */


static const char* const kFdNames[] = {"closed", "file", "directory", "pipe-read", "pipe-write", "console"};

/* An open descriptor whose kind is in `kinds` (never the model's), or -1 if none. */
int open_fd_of(Fuzz* f, unsigned kinds, int allow_protected)
{
    int start = (int)fz_below(f, FZ_MAX_FD);
    for (int i = 0; i < FZ_MAX_FD; i++) {
        int fd = (start + i) % FZ_MAX_FD;
        if (f->fds[fd] == FD_CLOSED || !(kinds & KIND(f->fds[fd])) || fd == f->model_fd)
            continue;
        if (f->protected_fds[fd] && !allow_protected)
            continue;
        return fd;
    }
    return -1;
}

/* A descriptor: an open one of `kinds`, or a bad one (*bad set). */
int pick_fd(Fuzz* f, unsigned kinds, int allow_protected, int* bad)
{
    *bad = 0;
    if (fz_chance(f, 75)) {
        int fd = open_fd_of(f, kinds, allow_protected);
        if (fd >= 0) {
            fz_note(f, "%sfd=%s", f->note[0] ? " " : "", kFdNames[f->fds[fd]]);
            return fd;
        }
    }
    static const int bad_fds[] = {-1, 64, 1000, INT_MAX, -100, INT_MIN};
    int fd;
    if (fz_chance(f, 40)) {
        fd = 3 + (int)fz_below(f, FZ_MAX_FD - 3);
        while (f->fds[fd] != FD_CLOSED || fd == f->model_fd)
            fd = 3 + (fd - 3 + 1) % (FZ_MAX_FD - 3);
        fz_note(f, "%sfd=closed", f->note[0] ? " " : "");
    } else {
        fd = bad_fds[fz_below(f, 6)];
        fz_note(f, "%sfd=bad", f->note[0] ? " " : "");
    }
    *bad = 1;
    return fd;
}

/* ---- Paths ---- */

static char s_paths[2][4400];

static int is_directory_name(const char* name)
{
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, "/") == 0 || name[0] == 'd' ||
           strstr(name, "/.") != NULL;
}

/* The long shapes of path (rolls 75..83 of pick_path): over 4 KiB, 4,094 bytes of "./",
 * a 255- or 256-byte component. Returns the class's name. */
static const char* fill_long_path(Fuzz* f, char* path, int roll, uint64_t* strict)
{
    const char* kind;
    if (roll < 78) {
        kind = "too-long";
        size_t length = 4096 + fz_below(f, 200);
        for (size_t i = 0; i < length; i++)
            path[i] = (i % 8 == 7) ? '/' : 'a';
        path[length] = 0;
        *strict |= EB(ENAMETOOLONG);
    } else if (roll < 80) {
        kind = "4094-bytes";
        size_t i = 0;
        while (i < 4092) {
            path[i++] = '.';
            path[i++] = '/';
        }
        strcpy(path + i, "f0");
    } else {
        kind = fz_chance(f, 50) ? "component-256" : "component-255";
        size_t length = kind[10] == '6' ? 256 : 255;
        size_t prefix = fz_chance(f, 50) ? 3 : 0;
        memcpy(path, "d0/", prefix);
        memset(path + prefix, 'c', length);
        path[prefix + length] = 0;
    }
    return kind;
}

/* A path pointer of a bad shape (NULL, kernel, non-canonical, unmapped, PROT_NONE, a
 * string with no terminator, beyond the end of a file mapping): EFAULT. */
static uintptr_t bad_path_pointer(Fuzz* f, const char* role, uint64_t* strict)
{
    static const char* const bad[] = {"null", "kernel", "noncanonical", "unmapped", "prot-none",
                                      "unterminated", "beyond-eof"};
    int which = (int)fz_below(f, 7);
    fz_note(f, "%s%s=%s", f->note[0] ? " " : "", role, bad[which]);
    *strict |= EB(EFAULT);
    size_t ignored;
    switch (which) {
    case 0: return 0;
    case 1: return pointer_of(f, P_KERNEL, 1, 0, &ignored);
    case 2: return pointer_of(f, P_NONCANON, 1, 0, &ignored);
    case 3: return f->hole;
    case 4: return (uintptr_t)f->none;
    case 5: {
        size_t length = 1 + fz_below(f, 200);
        memset(f->rw_end + FZ_PAGE - length, 'a', length);
        return (uintptr_t)f->rw_end + FZ_PAGE - length;
    }
    default: return (uintptr_t)f->eof_map + FZ_PAGE;
    }
}

/* A path in slot `slot`; adds to *strict the errno it forces (bad pointer, empty, too long). */
uintptr_t pick_path(Fuzz* f, int slot, const char* role, uint64_t* strict, int for_link_source)
{
    static const char* const names[] = {"f0", "f1", "f2", "d0", "d1", "n0", "n1", "x0", "d0/f0",
                                        "d0/f1", "d1/f0", "d0/d1", "l0", "l1", "d1/d0",
                                        /* Shared by the seed's workers: races. */
                                        "../sh/f0", "../sh/d0", "../sh/d0/f1", "../sh/f1"};
    char* path = s_paths[slot];
    const char* kind = "name";
    for (int attempt = 0; attempt < 8; attempt++) {
        int roll = (int)fz_below(f, 100);
        kind = "name";
        if (roll < 50) {
            strcpy(path, names[fz_below(f, sizeof(names) / sizeof(names[0]))]);
            if (fz_chance(f, 10)) {
                char relative[24];
                strcpy(relative, path);
                snprintf(path, 4400, "%s/%s", f->sandbox, relative);
            }
        } else if (roll < 54) {
            kind = "empty";
            path[0] = 0;
            *strict |= EB(ENOENT);
        } else if (roll < 58) {
            strcpy(path, ".");
        } else if (roll < 61) {
            strcpy(path, "..");
        } else if (roll < 63) {
            strcpy(path, "/");
        } else if (roll < 68) {
            kind = "trailing-slash";
            if (f->avoid & AVOID_TRAILING_SLASH)
                continue;
            snprintf(path, 4400, "%s%s", names[fz_below(f, 8)], fz_chance(f, 50) ? "/" : "//");
        } else if (roll < 72) {
            kind = "through-file";
            static const char* const through[] = {"f0/x", "x0/d0", "n0/x", "f1/f0/f0"};
            strcpy(path, through[fz_below(f, 4)]);
        } else if (roll < 75) {
            kind = "file-dots";
            if (f->avoid & AVOID_FILE_DOTS)
                continue;
            strcpy(path, fz_chance(f, 50) ? "f0/." : "f0/..");
        } else if (roll < 84) {
            kind = fill_long_path(f, path, roll, strict);
        } else {
            return bad_path_pointer(f, role, strict);
        }
        if (for_link_source && (f->avoid & AVOID_LINK_DIR) && is_directory_name(path))
            continue;
        break;
    }
    if (for_link_source && (f->avoid & AVOID_LINK_DIR) && is_directory_name(path))
        strcpy(path, "f1");
    fz_note(f, "%s%s=%s", f->note[0] ? " " : "", role, kind);
    return (uintptr_t)path;
}

/* ---- Memory regions ---- */

/* The worker's own regions (the playground aside), each with an unmapped page on both sides. */
struct FzRegion {
    uintptr_t base;
    size_t pages;
};

static size_t own_regions(const Fuzz* f, struct FzRegion* out)
{
    const struct FzRegion regions[] = {
        {(uintptr_t)f->scratch, FZ_SCRATCH_PAGES}, {(uintptr_t)f->rw_end, 1}, {(uintptr_t)f->none, 1},
        {(uintptr_t)f->ro, 1}, {(uintptr_t)f->anon, FZ_ANON_PAGES}, {(uintptr_t)f->eof_map, 2},
    };
    memcpy(out, regions, sizeof(regions));
    return sizeof(regions) / sizeof(regions[0]);
}

static int overlaps(uintptr_t start, size_t length, uintptr_t base, size_t bytes)
{
    return start < base + bytes && base < start + length;
}

/* Whether [start, start + length) overlaps one of the worker's own regions. */
int overlaps_own(Fuzz* f, uintptr_t start, size_t length)
{
    struct FzRegion regions[8];
    size_t count = own_regions(f, regions);
    for (size_t i = 0; i < count; i++)
        if (overlaps(start, length, regions[i].base, regions[i].pages * FZ_PAGE))
            return 1;
    return 0;
}

/* Whether [start, start + length) covers an unmapped page beside a region of the worker's
   own (the hole after rw_end among them) or beside the playground. The pointer classes
   count on them: a buffer at the end of scratch has only the bytes up to its end. */
int touches_guard_page(Fuzz* f, uintptr_t start, size_t length)
{
    struct FzRegion regions[8];
    size_t count = own_regions(f, regions);
    regions[count].base = (uintptr_t)f->play;
    regions[count++].pages = FZ_PLAY_PAGES;
    for (size_t i = 0; i < count; i++) {
        uintptr_t end = regions[i].base + regions[i].pages * FZ_PAGE;
        if (overlaps(start, length, regions[i].base - FZ_PAGE, FZ_PAGE) ||
            overlaps(start, length, end, FZ_PAGE))
            return 1;
    }
    return 0;
}

/* An address for munmap/mprotect/msync/madvise and a length that keeps the call inside the
   playground or a mapping of our own, or at an address nothing can own. */
void pick_range(Fuzz* f, long* address, long* length)
{
    static const long huge[] = {-1, 1l << 38, 1l << 62, LONG_MIN, -4096};
    uintptr_t base = 0;
    size_t room = 0;
    int roll = (int)fz_below(f, 10);
    if (roll < 5) {
        size_t page = fz_below(f, FZ_PLAY_PAGES);
        base = (uintptr_t)f->play + page * FZ_PAGE;
        room = (FZ_PLAY_PAGES - page) * FZ_PAGE;
        fz_note(f, "addr=play");
    } else if (roll < 7) {
        int i = (int)fz_below(f, FZ_MAX_MAPS);
        if (f->maps[i].length) {
            base = f->maps[i].start;
            room = f->maps[i].length;
            fz_note(f, "addr=mapping");
        } else {
            base = (uintptr_t)f->play;
            room = FZ_PLAY_PAGES * FZ_PAGE;
            fz_note(f, "addr=play");
        }
    } else if (roll == 7) {
        /* NULL or an unmapped page, for at most a page: NULL with 2^38 bytes is all of
           user space, and valid. */
        base = fz_chance(f, 50) ? 0 : f->hole;
        room = FZ_PAGE;
        fz_note(f, base ? "addr=unmapped" : "addr=null");
        if (base == 0 && fz_chance(f, 30)) {
            static const long failing[] = {-1, 1l << 62, LONG_MIN, -4096};
            *address = 0;
            *length = failing[fz_below(f, 4)];
            fz_note(f, " len=%ld", *length);
            return;
        }
    } else {
        size_t ignored;
        base = pointer_of(f, fz_chance(f, 50) ? P_KERNEL : P_NONCANON, 1, 0, &ignored) & ~(FZ_PAGE - 1);
        room = 0;
        fz_note(f, "addr=kernel-or-noncanonical");
    }
    if (fz_chance(f, 10)) {
        base += 1 + fz_below(f, FZ_PAGE - 1);
        fz_note(f, " unaligned");
    }
    *address = (long)base;
    int pick = (int)fz_below(f, 10);
    if (pick == 0 || (room == 0 && pick < 6))
        *length = pick == 0 ? 0 : (long)fz_below(f, 8 * FZ_PAGE);
    else if (pick < 7 && room > 0)
        *length = (long)(1 + fz_below(f, room));
    else if (pick < 9 && base != 0)
        *length = huge[fz_below(f, 5)];
    else if (pick < 9)
        *length = (long)FZ_PAGE;
    else
        *length = (long)(0 - base + FZ_PAGE);  /* address + length wraps around. */
    if (room == 0 && base != 0)
        return;
    if (room > 0 && *length > 0 && (size_t)*length > room && (size_t)*length < (1ul << 38))
        *length = (long)room;
    fz_note(f, " len=%ld", *length);
}

void forget_mapping(Fuzz* f, uintptr_t start, size_t length)
{
    for (int i = 0; i < FZ_MAX_MAPS; i++)
        if (f->maps[i].length && f->maps[i].start >= start && f->maps[i].start + f->maps[i].length <= start + length)
            f->maps[i].length = 0;
}
