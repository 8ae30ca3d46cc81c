/* iotest.c — file helpers for tests (see iotest.h). */
#define _XOPEN_SOURCE 700
#include "iotest.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testing.h"

static char tmpdir[256];

const char *test_tmp_path(const char *name) {
  static char buf[4096];
  if (!tmpdir[0]) {
    /* tmpfs when there is one: tests that write thousands of small files
     (fuzzing) are dominated by file creation on a slow disk */
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(tmpdir, sizeof tmpdir, "%s/nacre-test-XXXXXX", base);
    if (!mkdtemp(tmpdir)) {
      perror("mkdtemp");
      exit(1);
    }
  }
  snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
  return buf;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

void test_tmp_cleanup(void) {
  if (tmpdir[0]) nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  tmpdir[0] = '\0';
}

int test_write_text(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  if (!fp) return -1;
  int bad = fputs(text, fp) < 0;
  bad |= fclose(fp) != 0;
  return bad ? -1 : 0;
}

char *test_read_all(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n - 1, fp)) > 0) {
    n += got;
    if (cap - n < 2) {
      char *b = realloc(buf, 2 * cap);
      if (!b) free(buf);
      buf = b;
      cap *= 2;
    }
  }
  fclose(fp);
  if (!buf) return NULL;
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

void test_check_same_structure(const nacre_structure *a,
                               const nacre_structure *b, double tol,
                               const char *what) {
  CHECK(a && b, "%s: both structures exist", what);
  if (!a || !b) return;
  CHECK(a->natoms == b->natoms, "%s: %d vs %d atoms", what, a->natoms,
        b->natoms);
  if (a->natoms != b->natoms) return;
  double dmax = 0.0;
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++)
      dmax = fmax(dmax, fabs(a->cell[i][k] - b->cell[i][k]));
  CHECK(dmax <= tol, "%s: cell differs by %.3g Å (tol %.3g)", what, dmax, tol);
  int same_numbers = 1, same_fixed = 1;
  dmax = 0.0;
  for (int i = 0; i < a->natoms; i++) {
    same_numbers &= a->numbers[i] == b->numbers[i];
    for (int k = 0; k < 3; k++) {
      dmax = fmax(dmax, fabs(a->positions[3 * i + k] - b->positions[3 * i + k]));
      if (a->fixed || b->fixed)
        same_fixed &= a->fixed && b->fixed &&
                      a->fixed[3 * i + k] == b->fixed[3 * i + k];
    }
  }
  CHECK(same_numbers, "%s: atomic numbers differ", what);
  CHECK(same_fixed, "%s: fixed flags differ", what);
  CHECK(dmax <= tol, "%s: positions differ by %.3g Å (tol %.3g)", what, dmax,
        tol);
  CHECK(a->pbc[0] == b->pbc[0] && a->pbc[1] == b->pbc[1] &&
            a->pbc[2] == b->pbc[2],
        "%s: pbc differ", what);
}

int test_have_ase(void) {
  return access("/usr/bin/python3", X_OK) == 0 &&
         system("/usr/bin/python3 -c 'import ase' >/dev/null 2>&1") == 0;
}
