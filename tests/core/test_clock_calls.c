/* test_clock_calls.c — core owns the clocks: no source file under src/ but
 * src/core/system.c reads a clock itself (clock_gettime, gettimeofday,
 * clock); everything else asks nacre_now_s (elapsed time), nacre_epoch_s
 * (timestamps) or nacre_cpu_s (CPU time). Copies had crept into nacre
 * relax, nacre search, nacre phonon, the MPI transport and the descriptor
 * search. time() for a coarse progress interval is not a clock copy. Also
 * checks the three clocks themselves: the monotonic and CPU clocks never go
 * back, the epoch is after 2017. */
#include <string.h>

#include "codescan.h"
#include "testing.h"

static void visit(const char *path, const char *code, void *user) {
  (void)user;
  if (strstr(path, "/src/core/system.c")) return;
  static const char *const clocks[] = {"clock_gettime", "gettimeofday", "clock"};
  for (int k = 0; k < 3; k++)
    CHECK(!test_code_calls(code, clocks[k]),
          "%s calls %s (use nacre_now_s, nacre_epoch_s or nacre_cpu_s)", path,
          clocks[k]);
}

int main(void) {
  int files = test_scan_sources(visit, NULL);
  CHECK(files > 50, "read only %d source files", files);
  CHECK(test_code_calls("x = clock_gettime (a);", "clock_gettime") &&
            !test_code_calls("x = my_clock_gettime(a);", "clock_gettime") &&
            !test_code_calls("clock_gettimes(a);", "clock_gettime"),
        "a call is the name as a whole word before '('");
  double t0 = nacre_now_s(), c0 = nacre_cpu_s();
  volatile double x = 0;
  for (int i = 0; i < 1000000; i++) x += 1e-6 * i;
  CHECK(nacre_now_s() >= t0 && nacre_cpu_s() >= c0 && c0 >= 0,
        "the monotonic and CPU clocks do not go back");
  CHECK(nacre_epoch_s() > 1.5e9, "the epoch clock is after 2017 (%g)", nacre_epoch_s());
  TEST_DONE();
}
