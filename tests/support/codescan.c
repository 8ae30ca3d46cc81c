/* codescan.c — nacre's sources as code, without comments and strings (see
 * codescan.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "codescan.h"

#include <ctype.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testing.h"

char *test_code_of(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *in = n >= 0 ? malloc((size_t)n + 1) : NULL, *out = in ? malloc((size_t)n + 1) : NULL;
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

int test_code_calls(const char *code, const char *name) {
  size_t len = strlen(name);
  for (const char *p = strstr(code, name); p; p = strstr(p + 1, name)) {
    if (p > code && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) continue;
    const char *q = p + len;
    if (isalnum((unsigned char)*q) || *q == '_') continue;
    while (isspace((unsigned char)*q)) q++;
    if (*q == '(') return 1;
  }
  return 0;
}

static void (*scan_visit)(const char *, const char *, void *);
static void *scan_user;
static int scan_files;

static int visit(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)ftw;
  size_t len = strlen(path);
  if (flag != FTW_F || len < 2 || path[len - 2] != '.' ||
      (path[len - 1] != 'c' && path[len - 1] != 'h'))
    return 0;
  char *code = test_code_of(path);
  CHECK(code != NULL, "cannot read %s", path);
  if (!code) return 0;
  scan_files++;
  scan_visit(path, code, scan_user);
  free(code);
  return 0;
}

int test_scan_sources(void (*fn)(const char *path, const char *code, void *user),
                      void *user) {
  scan_visit = fn;
  scan_user = user;
  scan_files = 0;
  CHECK(nftw(NACRE_SOURCE_DIR "/src", visit, 16, FTW_PHYS) == 0,
        "cannot walk %s/src", NACRE_SOURCE_DIR);
  return scan_files;
}
