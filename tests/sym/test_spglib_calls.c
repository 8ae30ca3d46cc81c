/* test_spglib_calls.c — sym is the only module that talks to spglib: no
 * source file under src/ outside src/sym calls an spg_ function or includes
 * spglib.h (the layer rule of the architecture). Comments are skipped, so a
 * remark that mentions spglib does not count. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ctype.h>
#include <ftw.h>
#include <string.h>

#include "testing.h"

static int files_read;

/* The text of path without C comments and string literals (caller frees). */
static char *code_of(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *in = malloc((size_t)n + 1), *out = malloc((size_t)n + 1);
  if (!in || !out || fread(in, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(in);
    free(out);
    return NULL;
  }
  fclose(f);
  in[n] = '\0';
  long k = 0;
  for (long i = 0; i < n; i++) {
    if (in[i] == '/' && in[i + 1] == '*') {
      char *e = strstr(in + i + 2, "*/");
      i = e ? e - in + 1 : n;
    } else if (in[i] == '/' && in[i + 1] == '/') {
      while (i < n && in[i] != '\n') i++;
      out[k++] = '\n';
    } else if (in[i] == '"') {
      for (i++; i < n && in[i] != '"'; i++)
        if (in[i] == '\\') i++;
    } else {
      out[k++] = in[i];
    }
  }
  out[k] = '\0';
  free(in);
  return out;
}

static int visit(const char *path, const struct stat *sb, int flag,
                 struct FTW *ftw) {
  (void)sb, (void)ftw;
  size_t len = strlen(path);
  if (flag != FTW_F || len < 2 || path[len - 2] != '.' ||
      (path[len - 1] != 'c' && path[len - 1] != 'h'))
    return 0;
  if (strstr(path, "/src/sym/")) return 0;
  char *code = code_of(path);
  CHECK(code != NULL, "cannot read %s", path);
  if (!code) return 0;
  files_read++;
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
  free(code);
  return 0;
}

int main(void) {
  CHECK(nftw(NACRE_SOURCE_DIR "/src", visit, 16, FTW_PHYS) == 0,
        "cannot walk %s/src", NACRE_SOURCE_DIR);
  CHECK(files_read > 50, "read only %d source files", files_read);
  TEST_DONE();
}
