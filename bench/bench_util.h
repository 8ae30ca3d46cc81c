/* bench_util.h — clocks and memory figures shared by the benchmarks. Header
 * only: CMake builds every bench/bench_*.c as its own executable, so the
 * helpers are static inline and each benchmark includes what it uses. */
#ifndef NACRE_BENCH_UTIL_H
#define NACRE_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Wall clock, s (monotonic). */
static inline double bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* CPU time of the whole process (all threads), s. On one thread it is
 * immune to other jobs on a shared machine. */
static inline double bench_cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* Peak resident memory so far (VmHWM), kB; −1 where /proc is absent. */
static inline long bench_vm_hwm_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "VmHWM:", 6)) kb = atol(line + 6);
  fclose(f);
  return kb;
}

#endif
