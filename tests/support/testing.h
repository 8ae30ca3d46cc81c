/* testing.h — a minimal test harness: each CHECK prints what failed with the
 * property being checked; main() ends with TEST_DONE(), which prints
 * "N passed, M failed" and returns non-zero on failure. Exit code 77 marks a
 * skipped test (missing reference data or tool) for ctest. */
#ifndef NACRE_TESTING_H
#define NACRE_TESTING_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "nacre/core.h"

extern int testing_passed, testing_failed;

#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (cond) {                                                                \
      testing_passed++;                                                        \
    } else {                                                                   \
      testing_failed++;                                                        \
      printf("FAIL %s:%d: ", __FILE__, __LINE__);                              \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
    }                                                                          \
  } while (0)

/* |a − b| ≤ tol, with both values printed on failure. */
#define CHECK_CLOSE(a, b, tol, what)                                           \
  do {                                                                         \
    double ca_ = (a), cb_ = (b), ct_ = (tol);                                  \
    CHECK(fabs(ca_ - cb_) <= ct_ && isfinite(ca_) && isfinite(cb_),            \
          "%s: %.12g vs %.12g (|diff| %.3g > tol %.3g)", what, ca_, cb_,       \
          fabs(ca_ - cb_), ct_);                                               \
  } while (0)

#define CHECK_OK(status_expr, errp)                                            \
  do {                                                                         \
    nacre_status cs_ = (status_expr);                                          \
    const nacre_error *ce_ = (errp);                                           \
    CHECK(cs_ == NACRE_OK, "%s -> %s: %s", #status_expr,                       \
          nacre_status_name(cs_), ce_ ? ce_->message : "");                    \
  } while (0)

#define TEST_DONE()                                                            \
  do {                                                                         \
    printf("%d passed, %d failed\n", testing_passed, testing_failed);          \
    return testing_failed ? 1 : 0;                                             \
  } while (0)

#define TEST_SKIP(...)                                                         \
  do {                                                                         \
    printf("SKIP: ");                                                          \
    printf(__VA_ARGS__);                                                       \
    printf("\n");                                                              \
    return 77;                                                                 \
  } while (0)

/* Path of a file under ../shared/data, or NULL (with a message) when the
 * reference data is absent. Returned string is static storage. */
const char *test_shared_path(const char *relative);
/* Path of a file in the source tree (tests/data/...). */
const char *test_source_path(const char *relative);

#endif
