// labels: nosan
/* test_fd.c — the labels are derivatives of the DFT energy: one force
 * component and the xx and yz stress against central finite differences,
 * for ABINIT (Na2) and pw.x (Li2) with cheap settings (7 SCFs of a few
 * seconds per code; tolerances and their reasons in labelcheck.h). Skipped
 * with a message for a code that is not installed. label.fd_full (slow)
 * checks more components. Not run under the sanitizers (label nosan): the
 * time is the DFT codes', and label.live drives the same code paths. */
#include "labelcheck.h"
#include "testing.h"

int main(void) {
  if (!labelcheck_fd_suite(0)) TEST_SKIP("neither abinit nor pw.x is installed");
  TEST_DONE();
}
