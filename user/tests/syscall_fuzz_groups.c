/* syscall_fuzz_groups: the generators of the process-group calls (setpgid, getpgid,
 * getsid, setsid) and of ioctl (syscall_fuzz.h). A worker may move itself or its minions
 * between groups and start a session: nothing in the fuzzer signals a group, so that
 * changes no one's fate. ioctl may set the console's foreground group to one of the
 * worker's session, which only Ctrl-C would notice. */
#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "../../kernel/syscall/abi.h"
#include "syscall_fuzz.h"

/* A pid for a group call: ourselves (0 or our pid), a minion, init, or none at all
   (*none set: the call must fail with ESRCH, or EINVAL first where a bad pgid says so). */
static long pick_group_pid(Fuzz* f, int* none)
{
    *none = 0;
    int slot = (int)fz_below(f, FZ_MAX_KIDS);
    switch (fz_below(f, 6)) {
    case 0: return 0;
    case 1: return fz_call(f, SYS_getpid, 0, 0, 0, 0, 0, 0);
    case 2:
        if (f->kids[slot].pid)
            return f->kids[slot].pid;
        *none = 1;
        return 99999;
    case 3: return 1;
    case 4: *none = 1; return 99999;
    default: *none = 1; return -(long)fz_below(f, 100) - 1;
    }
}

void gen_setpgid(Fuzz* f)
{
    int none;
    long pid = pick_group_pid(f, &none);
    long pgid;
    switch (fz_below(f, 4)) {
    case 0: pgid = 0; break;
    case 1: pgid = pid > 0 ? pid : fz_call(f, SYS_getpid, 0, 0, 0, 0, 0, 0); break;
    case 2: pgid = fz_chance(f, 50) ? -1 : -(long)fz_below(f, 1000); break;
    default: pgid = fz_chance(f, 50) ? 99999 : fz_call(f, SYS_getpgid, 0, 0, 0, 0, 0, 0); break;
    }
    fz_note(f, "pid=%ld pgid=%ld", pid, pgid);
    if (pgid < 0)
        f->strict = EB(EINVAL);
    else if (none || pid == 1)
        f->strict = EB(ESRCH);
    fz_call(f, SYS_setpgid, pid, pgid, 0, 0, 0, 0);
}

static void gen_group_query(Fuzz* f, long number)
{
    int none;
    long pid = pick_group_pid(f, &none);
    fz_note(f, "pid=%ld", pid);
    if (none)
        f->strict = EB(ESRCH);
    fz_call(f, number, pid, 0, 0, 0, 0, 0);
}

void gen_getpgid(Fuzz* f) { gen_group_query(f, SYS_getpgid); }
void gen_getsid(Fuzz* f) { gen_group_query(f, SYS_getsid); }
void gen_setsid(Fuzz* f) { fz_call(f, SYS_setsid, 0, 0, 0, 0, 0, 0); }

void gen_ioctl(Fuzz* f)
{
    int bad_fd;
    int fd = pick_fd(f, ANY_KIND, 1, &bad_fd);
    int kind = bad_fd ? FD_CLOSED : f->fds[fd];
    static const unsigned long requests[] = {TIOCGPGRP, TIOCSPGRP, 0x5401, 0, 0xffffffff0000540ful};
    unsigned long request = requests[fz_below(f, 5)];
    int bad = 0;
    static int value;
    uintptr_t argument = pick_pointer(f, "arg", sizeof(int), request == TIOCGPGRP, &bad, NULL);
    if (!bad) {
        argument = (uintptr_t)&value;
        /* Our own group, a group of nobody, or a negative one. */
        value = fz_chance(f, 60) ? (int)fz_call(f, SYS_getpgid, 0, 0, 0, 0, 0, 0)
                                 : (fz_chance(f, 50) ? 99999 : -1);
    }
    fz_note(f, " request=%#lx", request);
    if (bad_fd)
        f->strict = EB(EBADF);
    else if (kind != FD_CONSOLE || ((uint32_t)request != TIOCGPGRP && (uint32_t)request != TIOCSPGRP))
        f->strict = EB(ENOTTY);
    else if (bad)
        f->strict = EB(EFAULT);
    fz_call(f, SYS_ioctl, fd, (long)request, (long)argument, 0, 0, 0);
}
