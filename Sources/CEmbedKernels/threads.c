// Thread placement for the worker team (see WorkerTeam.swift). In C because cpu_set_t's
// macros (CPU_CLR, CPU_COUNT) do not import into Swift.
#define _GNU_SOURCE
#include <sched.h>
#include "embed_kernels.h"

int embed_current_cpu(void) {
#if defined(__linux__)
    return sched_getcpu();
#else
    return -1;
#endif
}

int embed_leave_cpu(int cpu) {
#if defined(__linux__)
    if (cpu < 0 || cpu >= CPU_SETSIZE) return 0;
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 0;
    cpu_set_t others = allowed;
    CPU_CLR(cpu, &others);
    if (CPU_COUNT(&others) == 0) return 0;
    // Narrowing the mask moves the thread now; widening it again does not move it back, so the
    // thread keeps every CPU it may run on, as the user or the container set them.
    if (sched_setaffinity(0, sizeof others, &others) != 0) return 0;
    sched_setaffinity(0, sizeof allowed, &allowed);
    return 1;
#else
    (void)cpu;
    return 0;
#endif
}
