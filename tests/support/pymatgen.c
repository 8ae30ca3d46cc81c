/* pymatgen.c — see pymatgen.h. */
#include "pymatgen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iotest.h"
#include "testing.h"

int test_have_pymatgen(void) {
  return access("/usr/bin/python3", X_OK) == 0 &&
         system("/usr/bin/python3 -c 'import pymatgen.core' >/dev/null 2>&1") ==
             0;
}

char *test_pymatgen(const char *what, const char *input) {
  char in[4096], out[4096], cmd[12288];
  snprintf(in, sizeof in, "%s", test_tmp_path("pymatgen_in.json"));
  snprintf(out, sizeof out, "%s", test_tmp_path("pymatgen_out.json"));
  if (test_write_text(in, input)) {
    printf("cannot write %s\n", in);
    return NULL;
  }
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 -W ignore %s %s %s %s",
           test_source_path("tests/support/pymatgen_ref.py"), what, in, out);
  if (system(cmd) != 0) {
    printf("failed: %s\n", cmd);
    return NULL;
  }
  return test_read_all(out, NULL);
}

/* Appends printf-formatted text to a growing buffer. */
static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int append(char **buf, size_t *len, size_t *cap, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    if ((size_t)n < *cap - *len) {
      *len += (size_t)n;
      return 0;
    }
    size_t nc = 2 * *cap + (size_t)n;
    char *b = realloc(*buf, nc);
    if (!b) return -1;
    *buf = b;
    *cap = nc;
  }
}

char *test_structure_json(const nacre_structure *s, const double *charges,
                          const char *extra) {
  size_t len = 0, cap = 1024;
  char *b = malloc(cap);
  if (!b) return NULL;
  b[0] = '\0';
  append(&b, &len, &cap, "{\"cell\": [");
  for (int i = 0; i < 3; i++)
    append(&b, &len, &cap, "%s[%.17g, %.17g, %.17g]", i ? ", " : "",
           s->cell[i][0], s->cell[i][1], s->cell[i][2]);
  append(&b, &len, &cap, "], \"numbers\": [");
  for (int i = 0; i < s->natoms; i++)
    append(&b, &len, &cap, "%s%d", i ? ", " : "", s->numbers[i]);
  append(&b, &len, &cap, "], \"positions\": [");
  for (int i = 0; i < s->natoms; i++)
    append(&b, &len, &cap, "%s[%.17g, %.17g, %.17g]", i ? ", " : "",
           s->positions[3 * i], s->positions[3 * i + 1],
           s->positions[3 * i + 2]);
  append(&b, &len, &cap, "]");
  if (charges) {
    append(&b, &len, &cap, ", \"charges\": [");
    for (int i = 0; i < s->natoms; i++)
      append(&b, &len, &cap, "%s%.17g", i ? ", " : "", charges[i]);
    append(&b, &len, &cap, "]");
  }
  if (extra) append(&b, &len, &cap, ", %s", extra);
  append(&b, &len, &cap, "}\n");
  return b;
}
