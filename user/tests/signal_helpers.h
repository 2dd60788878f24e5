/* signal_helpers: what the signal test programs share (signal_test, signal_frame_test,
 * signal_wait_test): handlers that record what they saw in the g_ variables, installing
 * them, one-instruction loads and stores a handler can step over, and running a body in a
 * child for its wait status. Each test runs in a child of its own, so the variables start
 * at zero in every test. */
#ifndef ATLAS_USER_TESTS_SIGNAL_HELPERS_H
#define ATLAS_USER_TESTS_SIGNAL_HELPERS_H

#include <signal.h>

#define PG 4096ul
#define KERNEL_ADDRESS 0xffffffc000000000ul

extern volatile int g_count;
extern volatile int g_signo;
extern volatile int g_code;
extern volatile int g_pid;
extern void* volatile g_addr;
extern volatile unsigned long g_pc;
/* Set: info_handler steps over the (4-byte) faulting instruction. */
extern volatile int g_skip;
/* Set: info_handler makes [g_fix, g_fix + PG) read-write. */
extern void* volatile g_fix;

/* One 4-byte load or store, so that a handler knows how far to skip. */
static inline long load_word(const volatile void* address)
{
    long value = 0;
    __asm__ volatile(".option push\n.option norvc\nld %0, 0(%1)\n.option pop"
                     : "+r"(value) : "r"(address) : "memory");
    return value;
}

static inline void store_word(volatile void* address, long value)
{
    __asm__ volatile(".option push\n.option norvc\nsd %1, 0(%0)\n.option pop"
                     : : "r"(address), "r"(value) : "memory");
}

/* Counts the signal in g_count and records it in g_signo. */
void counting_handler(int signo);
/* An SA_SIGINFO handler: records signo, si_code, si_addr, si_pid and the saved pc, counts,
   and applies g_fix and g_skip. */
void info_handler(int signo, siginfo_t* info, void* context);
int install(int signo, void (*handler)(int), int flags);
int install_info(int signo, int flags);
/* The wait status of a child that runs `body` and then exits 0, or -1. */
int status_of(void (*body)(void));
int killed_by(int status, int signo);
/* One anonymous private page with `prot`, or NULL. */
char* map(int prot);

#endif
