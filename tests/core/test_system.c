/* test_system.c — the operating-system helpers of core: the monotonic
 * clock advances by the time slept (to within the scheduler's slack), the
 * epoch clock agrees with time(), and nacre_file_exists is true for a
 * regular file only (not for a directory, a missing path or NULL). */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "testing.h"

int main(void) {
  double t0 = nacre_now_s();
  struct timespec nap = {0, 50 * 1000 * 1000};
  nanosleep(&nap, NULL);
  double dt = nacre_now_s() - t0;
  /* nanosleep sleeps at least the time asked; a loaded machine may add
   * seconds, never take any away */
  CHECK(dt >= 0.05 && dt < 30, "monotonic clock: 50 ms sleep took %.4f s", dt);
  /* time() read before and after: a loaded machine may pause the process
   * between two reads for longer than the 1 s tolerance (it did) */
  double before = (double)time(NULL), e = nacre_epoch_s(), after = (double)time(NULL);
  CHECK(e >= before && e < after + 1,
        "epoch clock %.1f lies between time() before (%.0f) and after (%.0f)", e, before,
        after);

  char path[] = "/tmp/nacre-test-system-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0, "temporary file");
  if (fd >= 0) close(fd);
  CHECK(nacre_file_exists(path) == 1, "a regular file exists");
  unlink(path);
  CHECK(nacre_file_exists(path) == 0, "a removed file does not");
  CHECK(nacre_file_exists("/tmp") == 0, "a directory is not a file");
  CHECK(nacre_file_exists(NULL) == 0, "NULL is no file");
  TEST_DONE();
}
