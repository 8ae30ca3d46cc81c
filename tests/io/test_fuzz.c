/* test_fuzz.c — mutation fuzzing of every reader: each valid fixture of
 * tests/data/io (and a gzip copy of the extended XYZ one) is mutated 1000
 * times (random byte changes biased to syntax characters, deletions,
 * duplications of runs and of whole lines, insertions of long digit
 * strings, truncations; seeded nacre_rng so runs repeat) and parsed; so
 * are the files of a MAISE data folder (dat.dat, POSCAR.0) and of a
 * DeePMD-kit folder (type.raw, type_map.raw, the .npy arrays) read through
 * nacre_read_frames. The property checked: every parse returns (OK or an
 * error with a non-empty message), and every frame handed out has finite
 * labels — no crash, and under the sanitize preset no memory error or
 * leak. */
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "iotest.h"
#include "nacre/io.h"
#include "testing.h"

static const char *fixtures[] = {
    "POSCAR_vasp4",   "POSCAR_volume",      "POSCAR_3scale",
    "labels.extxyz",  "rutile_TiO2.cif",    "NaCl_Fm-3m.cif",
    "OUTCAR_NaCl_2steps"};
/* rounds per fixture; NACRE_FUZZ_ROUNDS=N (and NACRE_FUZZ_SEED) for a
 * longer campaign by hand */
static int rounds = 1000;
static uint64_t seed = 20261121;

static const char syntax[] = " \n\t0123456789.-+eE\"';#=:_/()[]{}TFx,\r\0";

/* Copies a random line to the start of another random line (repeated
 * headers, counts, blocks). */
static size_t copy_line(nacre_rng *rng, char *buf, size_t len, size_t cap) {
  if (len == 0) return len;
  size_t from = (size_t)nacre_rng_int(rng, (int)len);
  while (from > 0 && buf[from - 1] != '\n') from--;
  size_t end = from;
  while (end < len && buf[end] != '\n') end++;
  if (end < len) end++;
  size_t n = end - from, to = (size_t)nacre_rng_int(rng, (int)len);
  while (to > 0 && buf[to - 1] != '\n') to--;
  if (len + n > cap || n > 4096) return len;
  char line[4096];
  memcpy(line, buf + from, n);
  memmove(buf + to + n, buf + to, len - to);
  memcpy(buf + to, line, n);
  return len + n;
}

static size_t mutate_once(nacre_rng *rng, char *buf, size_t len, size_t cap) {
  size_t at = len ? (size_t)nacre_rng_int(rng, (int)len) : 0;
  switch (nacre_rng_int(rng, 7)) {
  case 6:
    return copy_line(rng, buf, len, cap);
  case 0: /* replace a byte */
    if (len) buf[at] = nacre_rng_int(rng, 4) ? syntax[nacre_rng_int(rng, sizeof syntax)]
                                             : (char)nacre_rng_int(rng, 256);
    return len;
  case 1: { /* delete a run */
    size_t n = (size_t)nacre_rng_int(rng, 16) + 1;
    if (at + n > len) n = len - at;
    memmove(buf + at, buf + at + n, len - at - n);
    return len - n;
  }
  case 2: { /* duplicate a run (repeats lines, tags, values) */
    size_t n = (size_t)nacre_rng_int(rng, 80) + 1;
    if (at + n > len) n = len - at;
    if (len + n > cap) return len;
    memmove(buf + at + n, buf + at, len - at);
    return len + n;
  }
  case 3: { /* insert a long number (forged counts) */
    const char *big[] = {"99999999", "2147483648", "-1", "1e308", "0", "nan"};
    const char *ins = big[nacre_rng_int(rng, 6)];
    size_t n = strlen(ins);
    if (len + n > cap) return len;
    memmove(buf + at + n, buf + at, len - at);
    memcpy(buf + at, ins, n);
    return len + n;
  }
  case 4: /* truncate */
    return nacre_rng_int(rng, 4) ? len : at;
  default: /* swap two bytes */
    if (len) {
      size_t b = (size_t)nacre_rng_int(rng, (int)len);
      char t = buf[at];
      buf[at] = buf[b];
      buf[b] = t;
    }
    return len;
  }
}

static int parse_all_frames(const char *path) {
  nacre_frame f;
  nacre_frame_init(&f);
  nacre_error err;
  nacre_error_clear(&err);
  int ok = 1;
  if (nacre_format_guess(path) == NACRE_FORMAT_EXTXYZ) {
    nacre_xyz_reader *r = nacre_xyz_open(path, &err);
    int eof = 0;
    nacre_status st = NACRE_ERR_IO;
    while (r && !(st = nacre_xyz_next(r, &f, &eof, &err))) {
    }
    nacre_xyz_close(r);
    ok = !r || eof || (st && err.message[0]);
  }
  nacre_status st = nacre_read_frame(path, &f, &err);
  ok &= st == NACRE_OK ? f.s != NULL : err.message[0] != '\0';
  nacre_frame_clear(&f);
  return ok;
}

static void fuzz_bytes(const char *name, const char *orig, size_t len,
                       uint64_t stream) {
  size_t cap = 2 * len + 256;
  char *buf = malloc(cap);
  char path[4200];
  snprintf(path, sizeof path, "%s", test_tmp_path(name));
  nacre_rng rng;
  nacre_rng_init(&rng, seed, stream);
  int bad = 0;
  for (int round = 0; round < rounds; round++) {
    memcpy(buf, orig, len);
    size_t n = len;
    int nmut = 1 + nacre_rng_int(&rng, 8);
    for (int m = 0; m < nmut; m++) n = mutate_once(&rng, buf, n, cap);
    FILE *fp = fopen(path, "wb");
    fwrite(buf, 1, n, fp);
    fclose(fp);
    bad += !parse_all_frames(path);
  }
  CHECK(bad == 0, "%s: %d mutated files gave neither a result nor a message",
        name, bad);
  free(buf);
}

static void fuzz_fixture(const char *name, uint64_t stream) {
  char rel[256];
  snprintf(rel, sizeof rel, "tests/data/io/%s", name);
  size_t len;
  char *orig = test_read_all(test_source_path(rel), &len);
  CHECK(orig != NULL, "fixture %s", name);
  if (orig) fuzz_bytes(name, orig, len, stream);
  free(orig);
}

/* The extended XYZ fixture gzip-compressed: damaged streams must end in
 * an error from zlib, not a crash. */
static void fuzz_gzip(uint64_t stream) {
  size_t len;
  char *text = test_read_all(test_source_path("tests/data/io/labels.extxyz"), &len);
  const char *path = test_tmp_path("labels.xyz.gz");
  gzFile gz = gzopen(path, "wb");
  if (gz) {
    gzwrite(gz, text, (unsigned)len);
    gzclose(gz);
  }
  size_t glen;
  char *gzdata = test_read_all(path, &glen);
  CHECK(gzdata != NULL, "gzip copy of the fixture");
  if (gzdata) fuzz_bytes("labels.xyz.gz", gzdata, glen, stream);
  free(gzdata);
  free(text);
}

/* ---- labelled-data folders through nacre_read_frames ---- */

static nacre_status check_frame(void *user, nacre_frame *f, const char *source,
                                nacre_error *err) {
  int *garbage = user;
  (void)source, (void)err;
  int ok = f->s && f->s->natoms > 0 && isfinite(f->energy);
  for (int k = 0; ok && f->forces && k < 3 * f->s->natoms; k++)
    ok = isfinite(f->forces[k]);
  for (int k = 0; ok && k < 6; k++) ok = isfinite(f->stress[k]);
  *garbage += !ok;
  return NACRE_OK;
}

/* Copies src (relative to the source tree) into the temporary folder. */
static void copy_into(const char *src, const char *dst) {
  size_t len;
  char *text = test_read_all(test_source_path(src), &len);
  FILE *fp = fopen(test_tmp_path(dst), "wb");
  if (text && fp) fwrite(text, 1, len, fp);
  if (fp) fclose(fp);
  free(text);
}

/* Mutates the file `victim` of the folder `dir` (under the temporary
 * folder) `rounds` times, reading the folder after each. */
static void fuzz_folder(const char *dir, const char *victim, uint64_t stream) {
  char rel[300];
  snprintf(rel, sizeof rel, "%s/%s", dir, victim);
  size_t len;
  char *orig = test_read_all(test_tmp_path(rel), &len);
  CHECK(orig != NULL, "folder file %s", rel);
  if (!orig) return;
  size_t cap = 2 * len + 256;
  char *buf = malloc(cap);
  char root[4200];
  snprintf(root, sizeof root, "%s", test_tmp_path(dir));
  nacre_rng rng;
  nacre_rng_init(&rng, seed, stream);
  int silent = 0, garbage = 0;
  for (int round = 0; round < rounds; round++) {
    memcpy(buf, orig, len);
    size_t n = len;
    int nmut = 1 + nacre_rng_int(&rng, 8);
    for (int m = 0; m < nmut; m++) n = mutate_once(&rng, buf, n, cap);
    FILE *fp = fopen(test_tmp_path(rel), "wb");
    fwrite(buf, 1, n, fp);
    fclose(fp);
    nacre_error err;
    nacre_error_clear(&err);
    if (nacre_read_frames(root, check_frame, &garbage, &err))
      silent += !err.message[0];
  }
  FILE *fp = fopen(test_tmp_path(rel), "wb"); /* restored for the next */
  fwrite(orig, 1, len, fp);
  fclose(fp);
  CHECK(silent == 0 && garbage == 0,
        "%s: %d failures without a message, %d frames with non-finite labels",
        rel, silent, garbage);
  free(buf);
  free(orig);
}

static void fuzz_datasets(uint64_t stream) {
  /* a MAISE folder of one structure */
  mkdir(test_tmp_path("maise"), 0755);
  mkdir(test_tmp_path("maise/s1"), 0755);
  test_write_text(test_tmp_path("maise/s1/POSCAR.0"),
                  "NaCl\n1.0\n5.6 0 0\n0 5.6 0\n0 0 5.6\nNa Cl\n2 2\n"
                  "Direct\n0 0 0\n0.5 0.5 0\n0.5 0 0\n0 0.5 0\n");
  test_write_text(test_tmp_path("maise/s1/dat.dat"),
                  "-13.1\n in kB 12.3 10.0 8.0 1.0 2.0 3.0\n"
                  " POSITION                      TOTAL-FORCE (eV/Angst)\n"
                  " ----------------------------------------\n"
                  " 0 0 0 0.01 -0.02 0.03\n 2.8 2.8 0 -0.01 0.02 -0.03\n"
                  " 2.8 0 0 0.1 0.2 0.3\n 0 2.8 0 -0.1 -0.2 -0.3\n"
                  " ----------------------------------------\n");
  fuzz_folder("maise", "s1/dat.dat", stream);
  fuzz_folder("maise", "s1/POSCAR.0", stream + 1);
  /* the DeePMD fixture */
  const char *files[] = {"type.raw", "type_map.raw", "set.000/box.npy",
                         "set.000/coord.npy", "set.000/energy.npy",
                         "set.000/force.npy", "set.000/virial.npy"};
  mkdir(test_tmp_path("deepmd"), 0755);
  mkdir(test_tmp_path("deepmd/set.000"), 0755);
  for (int k = 0; k < 7; k++) {
    char src[300], dst[300];
    snprintf(src, sizeof src, "tests/data/train/deepmd/%s", files[k]);
    snprintf(dst, sizeof dst, "deepmd/%s", files[k]);
    copy_into(src, dst);
  }
  for (int k = 0; k < 7; k++)
    fuzz_folder("deepmd", files[k], stream + 2 + (uint64_t)k);
}

int main(void) {
  if (getenv("NACRE_FUZZ_ROUNDS")) rounds = atoi(getenv("NACRE_FUZZ_ROUNDS"));
  if (getenv("NACRE_FUZZ_SEED")) seed = strtoull(getenv("NACRE_FUZZ_SEED"), NULL, 10);
  int n = (int)(sizeof fixtures / sizeof fixtures[0]);
  for (int k = 0; k < n; k++) fuzz_fixture(fixtures[k], (uint64_t)k);
  fuzz_gzip((uint64_t)n);
  fuzz_datasets((uint64_t)n + 1);
  printf("%d mutated files parsed\n", (n + 10) * rounds);
  test_tmp_cleanup();
  TEST_DONE();
}
