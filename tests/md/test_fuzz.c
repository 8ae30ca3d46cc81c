/* test_fuzz.c — mutation fuzzing of the readers md brings: LAMMPS text dumps
 * (nacre_lammps_dump_*, orthogonal and triclinic boxes, types or elements,
 * velocities) and MD checkpoints (nacre_md_state_read). Each valid text is
 * mutated 600 times (byte changes biased to syntax characters, deleted and
 * duplicated runs, repeated lines, long digit strings, truncations; seeded)
 * and parsed. The property: every parse returns OK or an error with a
 * non-empty message; every dump frame handed out has finite positions and
 * velocities; a state read back either fails with a message or leaves
 * finite positions — no crash, and under the sanitize preset no memory
 * error or leak. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdtest.h"
#include "nacre/io.h"
#include "nacre/md.h"
#include "testing.h"

static const int ROUNDS = 600;
static const char syntax[] = " \n\t0123456789.-+eE:ITEMxyzpf_abc\r";

static size_t mutate(nacre_rng *rng, char *buf, size_t len, size_t cap) {
  size_t at = len ? (size_t)nacre_rng_int(rng, (int)len) : 0;
  switch (nacre_rng_int(rng, 6)) {
  case 0: /* replace a byte */
    if (len) buf[at] = nacre_rng_int(rng, 4) ? syntax[nacre_rng_int(rng, sizeof syntax - 1)]
                                             : (char)nacre_rng_int(rng, 256);
    return len;
  case 1: { /* delete a run */
    size_t n = (size_t)nacre_rng_int(rng, 40);
    if (at + n > len) n = len - at;
    memmove(buf + at, buf + at + n, len - at - n);
    return len - n;
  }
  case 2: { /* duplicate a run */
    size_t n = (size_t)nacre_rng_int(rng, 60);
    if (at + n > len) n = len - at;
    if (len + n > cap) return len;
    memmove(buf + at + n, buf + at, len - at);
    return len + n;
  }
  case 3: { /* a long number */
    const char *big = "99999999999999999999999";
    size_t n = strlen(big);
    if (len + n > cap) return len;
    memmove(buf + at + n, buf + at, len - at);
    memcpy(buf + at, big, n);
    return len + n;
  }
  case 4: /* truncate */
    return at;
  default: { /* repeat a line */
    size_t from = at;
    while (from > 0 && buf[from - 1] != '\n') from--;
    size_t end = from;
    while (end < len && buf[end] != '\n') end++;
    if (end < len) end++;
    size_t n = end - from;
    if (len + n > cap || n > 512) return len;
    char line[512];
    memcpy(line, buf + from, n);
    memmove(buf + from + n, buf + from, len - from);
    memcpy(buf + from, line, n);
    return len + n;
  }
  }
}

static void write_file(const char *path, const char *buf, size_t n) {
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(buf, 1, n, f);
    fclose(f);
  }
}

static int parse_dump(const char *path, int with_types) {
  const int types[2] = {29, 47};
  nacre_error err;
  nacre_error_clear(&err);
  nacre_dump_reader *r = nacre_lammps_dump_open(path, types, with_types ? 2 : 0, &err);
  if (!r) return err.message[0] != '\0';
  nacre_frame f;
  nacre_frame_init(&f);
  int ok = 1, eof = 0;
  long step;
  nacre_status st;
  while (!(st = nacre_lammps_dump_next(r, &f, &step, &eof, &err))) {
    for (int k = 0; k < 3 * f.s->natoms; k++) ok &= isfinite(f.s->positions[k]);
    const nacre_column *v = nacre_frame_get_column(&f, "velocities");
    for (int k = 0; v && k < 3 * f.s->natoms; k++) ok &= isfinite(v->real[k]);
  }
  ok &= eof || err.message[0] != '\0';
  nacre_frame_clear(&f);
  nacre_lammps_dump_close(r);
  return ok;
}

static void fuzz_dump(const char *name, const char *text, int with_types,
                      const char *dir, uint64_t stream) {
  size_t len = strlen(text), cap = 4 * len + 256;
  char *buf = malloc(cap), path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  write_file(path, text, len);
  CHECK(parse_dump(path, with_types), "%s: the valid dump parses", name);
  nacre_rng rng;
  nacre_rng_init(&rng, 20261207, stream);
  int bad = 0;
  for (int round = 0; round < ROUNDS; round++) {
    memcpy(buf, text, len);
    size_t n = len;
    for (int m = 1 + nacre_rng_int(&rng, 6); m > 0; m--) n = mutate(&rng, buf, n, cap);
    write_file(path, buf, n);
    bad += !parse_dump(path, with_types);
  }
  CHECK(bad == 0, "%s: %d mutated dumps gave neither frames nor a message", name, bad);
  free(buf);
}

static void fuzz_state(const char *dir) {
  nacre_error err;
  nacre_potential *pot = NULL;
  CHECK_OK(nacre_lj_new(0.415, 2.277, 5.5, 1, &pot, &err), &err);
  nacre_calc *calc = nacre_calc_new(pot, 1.0, &err);
  nacre_structure *s = mdtest_cu_fcc(1, 3.615);
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.thermostat = NACRE_MD_NOSE_HOOVER;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  nacre_md_outcome out;
  CHECK_OK(nacre_md_run(md, 20, NULL, &out, &err), &err);
  char path[512];
  snprintf(path, sizeof path, "%s/state", dir);
  FILE *f = fopen(path, "w");
  CHECK_OK(nacre_md_state_write(md, f, &err), &err);
  fclose(f);
  size_t len;
  f = fopen(path, "rb");
  fseek(f, 0, SEEK_END);
  len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc(len), *buf = malloc(4 * len + 256);
  if (fread(text, 1, len, f) != len) len = 0;
  fclose(f);
  nacre_rng rng;
  nacre_rng_init(&rng, 20261207, 9);
  int bad = 0;
  for (int round = 0; round < ROUNDS; round++) {
    memcpy(buf, text, len);
    size_t n = len;
    for (int m = 1 + nacre_rng_int(&rng, 4); m > 0; m--) n = mutate(&rng, buf, n, 4 * len + 256);
    write_file(path, buf, n);
    f = fopen(path, "r");
    nacre_error_clear(&err);
    nacre_status st = nacre_md_state_read(md, f, path, &err);
    fclose(f);
    if (st) {
      bad += err.message[0] == '\0';
    } else {
      const nacre_structure *t = nacre_md_structure(md);
      for (int k = 0; k < 3 * t->natoms; k++) bad += !isfinite(t->positions[k]);
    }
  }
  CHECK(bad == 0, "MD state: %d mutated states crashed through or gave no message", bad);
  free(text);
  free(buf);
  nacre_md_free(md);
  nacre_structure_free(s);
  nacre_calc_free(calc);
  nacre_potential_free(pot);
}

int main(void) {
  const char *dir = mdtest_tmpdir();
  if (!dir) TEST_SKIP("no scratch directory");
  const char *ortho =
      "ITEM: TIMESTEP\n0\nITEM: NUMBER OF ATOMS\n4\n"
      "ITEM: BOX BOUNDS pp pp pp\n0 3.615\n0 3.615\n0 3.615\n"
      "ITEM: ATOMS id type x y z vx vy vz\n"
      "1 1 0 0 0 1 2 3\n2 1 1.8 1.8 0 -1 0 0\n3 2 1.8 0 1.8 0 -2 0\n"
      "4 1 0 1.8 1.8 0 0 -3\n"
      "ITEM: TIMESTEP\n10\nITEM: NUMBER OF ATOMS\n4\n"
      "ITEM: BOX BOUNDS pp pp pp\n0 3.615\n0 3.615\n0 3.615\n"
      "ITEM: ATOMS id type x y z vx vy vz\n"
      "2 1 1.81 1.8 0 -1 0 0\n1 1 0.01 0 0 1 2 3\n3 2 1.8 0 1.81 0 -2 0\n"
      "4 1 0 1.8 1.81 0 0 -3\n";
  const char *tri =
      "ITEM: TIMESTEP\n5\nITEM: NUMBER OF ATOMS\n3\n"
      "ITEM: BOX BOUNDS xy xz yz pp pp ff\n-0.5 4.2 0.3\n0 4 -0.4\n0 5 0.2\n"
      "ITEM: ATOMS id element xs ys zs\n"
      "1 Cu 0.1 0.2 0.3\n2 Ag 0.5 0.5 0.5\n3 Cu 0.9 0.1 0.7\n";
  fuzz_dump("ortho.lammpstrj", ortho, 1, dir, 1);
  fuzz_dump("tri.lammpstrj", tri, 0, dir, 2);
  fuzz_state(dir);
  mdtest_cleanup(dir);
  TEST_DONE();
}
