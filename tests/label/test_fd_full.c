// labels: slow
/* test_fd_full.c — label.fd with two force components and the xx, zz, yz
 * and xy stress (13 SCFs per code, ~2 min of CPU for ABINIT and pw.x). */
#include "labelcheck.h"
#include "testing.h"

int main(void) {
  if (!labelcheck_fd_suite(1)) TEST_SKIP("neither abinit nor pw.x is installed");
  TEST_DONE();
}
