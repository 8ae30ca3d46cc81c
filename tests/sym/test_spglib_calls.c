/* test_spglib_calls.c — sym is the only module that talks to spglib: no
 * source file under src/ outside src/sym calls an spg_ function or includes
 * spglib.h (the layer rule of the architecture). Comments are skipped, so a
 * remark that mentions spglib does not count. */
#include <ctype.h>
#include <string.h>

#include "codescan.h"
#include "testing.h"

static void visit(const char *path, const char *code, void *user) {
  (void)user;
  if (strstr(path, "/src/sym/")) return;
  for (const char *p = strstr(code, "spg_"); p; p = strstr(p + 1, "spg_")) {
    if (p > code && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) continue;
    const char *q = p;
    while (isalnum((unsigned char)*q) || *q == '_') q++;
    while (isspace((unsigned char)*q)) q++;
    CHECK(*q != '(', "%s calls spglib (%.24s...) outside src/sym", path, p);
  }
  /* the include's file name is a string literal or <...> */
  CHECK(!strstr(code, "<spglib.h>"), "%s includes spglib.h outside src/sym",
        path);
}

int main(void) {
  int files = test_scan_sources(visit, NULL);
  CHECK(files > 50, "read only %d source files", files);
  TEST_DONE();
}
