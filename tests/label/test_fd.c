// labels: slow nosan
/* test_fd.c — the labels are derivatives of the DFT energy: one force
 * component and the xx and yz stress against central finite differences,
 * for ABINIT (Na2) and pw.x (Li2) with the cheapest settings that keep the
 * tolerances of labelcheck.h (7 SCFs per code, ~100 s of CPU in all, several
 * minutes on a loaded machine: hence the label slow). Skipped with a
 * message for a code that is not installed. label.fd_full checks more
 * components. In the default suite label.live runs one SCF per code through
 * the same chain and label.parse checks units and signs on recorded
 * outputs. Not run under the sanitizers (label nosan): the time is the DFT
 * codes'. */
#include "labelcheck.h"
#include "testing.h"

int main(void) {
  if (!labelcheck_fd_suite(0)) TEST_SKIP("neither abinit nor pw.x is installed");
  TEST_DONE();
}
