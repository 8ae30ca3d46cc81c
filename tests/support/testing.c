/* testing.c — shared state and path helpers of the test harness. */
#include "testing.h"

#include <string.h>
#include <unistd.h>

int testing_passed = 0, testing_failed = 0;

const char *test_shared_path(const char *relative) {
  static char buf[4096];
  snprintf(buf, sizeof buf, "%s/%s", NACRE_SHARED_DATA, relative);
  if (access(buf, R_OK) != 0) {
    printf("reference data ../shared/data/%s is absent\n", relative);
    return NULL;
  }
  return buf;
}

const char *test_source_path(const char *relative) {
  static char buf[4096];
  snprintf(buf, sizeof buf, "%s/%s", NACRE_SOURCE_DIR, relative);
  return buf;
}
