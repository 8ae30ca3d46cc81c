/* system.c — what the library asks of the operating system: clocks and
 * whether a file exists. */
#include <sys/stat.h>
#include <time.h>

#include "nacre/core.h"

static double clock_s(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

double nacre_now_s(void) { return clock_s(CLOCK_MONOTONIC); }

double nacre_epoch_s(void) { return clock_s(CLOCK_REALTIME); }

double nacre_cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

int nacre_file_exists(const char *path) {
  struct stat st;
  return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
