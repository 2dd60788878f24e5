/* <sys/time.h>: struct timeval and the real-time interval timer (setitimer, getitimer).
 *
 * Only ITIMER_REAL exists: it sends SIGALRM when it expires, then every it_interval if that
 * is not zero. The kernel counts in ticks of 1/100 s and rounds a value up to whole ticks
 * (docs/signals.md, "Alarms"). ITIMER_VIRTUAL and ITIMER_PROF are EINVAL. */
#ifndef _ATLAS_SYS_TIME_H
#define _ATLAS_SYS_TIME_H

#include <sys/cdefs.h>
#include <sys/types.h>

struct timeval {
    long tv_sec;
    long tv_usec;
};

struct itimerval {
    struct timeval it_interval;
    struct timeval it_value;
};

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

__ATLAS_BEGIN_DECLS
int getitimer(int which, struct itimerval* value);
int setitimer(int which, const struct itimerval* value, struct itimerval* old);
__ATLAS_END_DECLS

#endif
