/* signal_helpers: see signal_helpers.h. */
#include "signal_helpers.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

volatile int g_count;
volatile int g_signo;
volatile int g_code;
volatile int g_pid;
void* volatile g_addr;
volatile unsigned long g_pc;
volatile int g_skip;
void* volatile g_fix;

void counting_handler(int signo)
{
    g_signo = signo;
    g_count++;
}

void info_handler(int signo, siginfo_t* info, void* context)
{
    ucontext_t* uc = (ucontext_t*)context;
    g_signo = signo;
    g_code = info->si_code;
    g_addr = info->si_addr;
    g_pid = info->si_pid;
    g_pc = uc->uc_mcontext.__gregs[REG_PC];
    g_count++;
    if (g_fix)
        mprotect(g_fix, PG, PROT_READ | PROT_WRITE);
    if (g_skip)
        uc->uc_mcontext.__gregs[REG_PC] += 4;
}

int install(int signo, void (*handler)(int), int flags)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = handler;
    action.sa_flags = flags;
    return sigaction(signo, &action, NULL);
}

int install_info(int signo, int flags)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_sigaction = info_handler;
    action.sa_flags = SA_SIGINFO | flags;
    return sigaction(signo, &action, NULL);
}

int status_of(void (*body)(void))
{
    int pid = fork();
    if (pid == 0) {
        body();
        _exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

int killed_by(int status, int signo) { return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == signo; }

char* map(int prot)
{
    void* p = mmap(0, PG, prot, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    return p == MAP_FAILED ? NULL : (char*)p;
}
