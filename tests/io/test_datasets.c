/* test_datasets.c — the labelled-data readers of io refuse corrupt numbers
 * with the file named: a DeePMD-kit folder whose energy.npy or force.npy
 * holds NaN, inf or 1e308 (accepted before, then a training loss overflowed
 * naming no file); a MAISE folder whose structure has two atoms at one
 * place; and nacre_read_frames hands every frame of a good folder over
 * with its source name. */
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "iotest.h"
#include "nacre/io.h"
#include "testing.h"

static nacre_status count(void *user, nacre_frame *f, const char *source,
                          nacre_error *err) {
  (void)f, (void)err;
  int *n = user;
  if (*n == 0) CHECK(strstr(source, "set.000@0") != NULL, "source %s", source);
  (*n)++;
  return NACRE_OK;
}

/* A DeePMD folder of two frames of 2 Na atoms; value `bad` is written at
 * index `at` of the array `which` ("energy" or "force"). */
static const char *deepmd(const char *which, int at, double bad) {
  const char *dir = test_tmp_path("dp");
  char p[4300];
  mkdir(dir, 0755);
  snprintf(p, sizeof p, "%s/set.000", dir);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/type.raw", dir);
  test_write_text(p, "0 0\n");
  snprintf(p, sizeof p, "%s/type_map.raw", dir);
  test_write_text(p, "Na\n");
  double box[18] = {4, 0, 0, 0, 4, 0, 0, 0, 4, 4, 0, 0, 0, 4, 0, 0, 0, 4};
  double coord[12] = {0, 0, 0, 2, 2, 2, 0, 0, 0, 2.1, 2, 2};
  double energy[2] = {-2.5, -2.4}, force[12] = {0.1, 0, 0, -0.1, 0, 0,
                                                0.2, 0, 0, -0.2, 0, 0};
  if (!strcmp(which, "energy")) energy[at] = bad;
  if (!strcmp(which, "force")) force[at] = bad;
  long s9[2] = {2, 9}, s6[2] = {2, 6}, s1[1] = {2};
  nacre_error err;
  snprintf(p, sizeof p, "%s/set.000/box.npy", dir);
  nacre_npy_write(p, box, 2, s9, &err);
  snprintf(p, sizeof p, "%s/set.000/coord.npy", dir);
  nacre_npy_write(p, coord, 2, s6, &err);
  snprintf(p, sizeof p, "%s/set.000/energy.npy", dir);
  nacre_npy_write(p, energy, 1, s1, &err);
  snprintf(p, sizeof p, "%s/set.000/force.npy", dir);
  nacre_npy_write(p, force, 2, s6, &err);
  return dir;
}

static void deepmd_numbers(void) {
  nacre_error err;
  int n = 0;
  CHECK_OK(nacre_read_frames(deepmd("", 0, 0), count, &n, &err), &err);
  CHECK(n == 2, "a good folder gives its 2 frames (%d)", n);
  const double bad[3] = {NAN, INFINITY, 1e308};
  const char *which[2] = {"energy", "force"};
  for (int w = 0; w < 2; w++)
    for (int b = 0; b < 3; b++) {
      n = 0;
      nacre_error_clear(&err);
      nacre_status st = nacre_read_frames(deepmd(which[w], 1, bad[b]), count,
                                          &n, &err);
      char file[32];
      snprintf(file, sizeof file, "%s.npy", which[w]);
      CHECK(st == NACRE_ERR_PARSE && strstr(err.message, file) && n == 0,
            "%s %g refused naming %s before any frame: %s", which[w], bad[b],
            file, err.message);
    }
}

static void maise_coincident(void) {
  mkdir(test_tmp_path("maise"), 0755);
  mkdir(test_tmp_path("maise/a"), 0755);
  test_write_text(test_tmp_path("maise/a/POSCAR.0"),
                  "Na2\n1.0\n4 0 0\n0 4 0\n0 0 4\nNa\n2\nDirect\n0 0 0\n"
                  "0 0 0\n");
  test_write_text(test_tmp_path("maise/a/dat.dat"), "-2.0\n");
  nacre_error err;
  int n = 0;
  nacre_status st = nacre_read_frames(test_tmp_path("maise"), count, &n, &err);
  CHECK(st == NACRE_ERR_PARSE && strstr(err.message, "POSCAR.0:10") &&
            strstr(err.message, "same position"),
        "two atoms at one place refused with file:line: %s", err.message);
}

int main(void) {
  deepmd_numbers();
  maise_coincident();
  test_tmp_cleanup();
  TEST_DONE();
}
