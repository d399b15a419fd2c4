// The timing harness the int8 benchmark programs share (bench_int8.c, bench_xnnpack.c,
// bench_gemmlowp.cc, pack_cost.c): a monotonic clock, a seeded generator, aligned zeroed
// allocations, and best-of-N timing that, with QUIET=1, discards a measurement during which
// another process used a CPU. C11 and C++ both include it; each program is one translation unit.
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t rng = 12345;
// Uniform in [-1, 1), from a fixed seed, so every program and run sees the same operands.
static inline float rand_float(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)((rng >> 11) & 0xFFFFFF) / 16777216.0f * 2.0f - 1.0f;
}

// 64-byte aligned, zeroed, with 64 bytes of slack for kernels that read a little past the end.
static inline void *alloc(size_t bytes) {
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes + 64)) abort();
    memset(p, 0, bytes + 64);
    return p;
}

// CPU time (clock ticks) of the whole machine that other processes used: busy ticks of all CPUs
// minus this process's own (its spinning worker included).
static inline long long other_ticks(void) {
    long long user, nice, system, idle, iowait, irq, softirq, steal, own_user = 0, own_system = 0;
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return 0;
    if (fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &user, &nice, &system, &idle, &iowait, &irq, &softirq,
               &steal) != 8) user = nice = system = irq = softirq = steal = 0;
    fclose(f);
    f = fopen("/proc/self/stat", "r");
    if (f) {
        // Fields 14 and 15 (utime, stime) follow the command name in parentheses.
        char buf[1024];
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        buf[len] = 0;
        fclose(f);
        char *p = strrchr(buf, ')');
        if (p) sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &own_user, &own_system);
    }
    return user + nice + system + irq + softirq + steal - own_user - own_system;
}

// With QUIET=1 (run.sh sets it), a measurement counts only if no other process used a CPU tick
// while it ran (the machine is shared with builds); before each, wait for a quiet 100 ms.
static int quiet_mode = 0;
static inline void wait_quiet(void) {
    for (int tries = 0; tries < 600; tries++) {
        long long before = other_ticks();
        struct timespec pause = {0, 100 * 1000 * 1000};
        nanosleep(&pause, NULL);
        if (other_ticks() - before <= 1) return;  // a tick of kernel threads is noise
    }
}

// Best of `runs` measurements, each long enough (≥ 20 ms, repeating the call) to time well.
typedef void (*work_fn)(void *);
static inline double best_time(work_fn fn, void *arg, int runs) {
    fn(arg);  // warm up
    double t0 = now();
    fn(arg);
    double once = now() - t0;
    int reps = once > 0.02 ? 1 : (int)(0.02 / (once > 1e-7 ? once : 1e-7)) + 1;
    double best = 1e30;
    int contended = 0;
    for (int r = 0, attempts = 0; r < runs && attempts < 20 * runs; attempts++) {
        if (quiet_mode && contended) {
            wait_quiet();
            fn(arg);  // the caches again after the wait
        }
        long long others = quiet_mode ? other_ticks() : 0;
        t0 = now();
        for (int i = 0; i < reps; i++) fn(arg);
        double elapsed = now() - t0, t = elapsed / reps;
        // Shared the CPUs (more than a tick, or 5% of the run, of other processes): discard.
        long long allowed = 1 + (long long)(elapsed * 100 * 0.05);
        contended = quiet_mode && other_ticks() - others > allowed;
        if (contended) continue;
        r++;
        if (t < best) best = t;
    }
    return best;
}

#endif
