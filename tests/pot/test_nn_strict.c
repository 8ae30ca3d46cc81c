/* test_nn_strict.c — every model reader parses numbers strictly and checks
 * counts both ways: MAISE files with one weight line or input-range row
 * too many, and weights or banner numbers written "0.5abc", "0.5.3" or
 * "1e"; the same damage in the retired nacre-train text format (weights,
 * normalisation, a trailing extra weight) and in nacre JSON files. Each is
 * refused with a message naming the file and the line. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/nn.h"
#include "nacre/train.h"
#include "testing.h"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  size_t got = fread(b, 1, (size_t)n, f);
  b[got] = '\0';
  fclose(f);
  return b;
}

/* Copy of text with line ln (1-based) replaced (NULL: deleted) or, when
 * insert, with a new line inserted before it. */
static char *edit_line(const char *text, int ln, const char *with, int insert) {
  size_t n = strlen(text);
  char *out = malloc(n + strlen(with ? with : "") + 2), *o = out;
  int line = 1;
  for (const char *p = text; *p; line++) {
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p + 1) : strlen(p);
    if (line == ln && (with || !insert)) {
      if (with) o += sprintf(o, "%s\n", with);
      if (insert) {
        memcpy(o, p, len);
        o += len;
      }
    } else {
      memcpy(o, p, len);
      o += len;
    }
    p += len;
  }
  *o = '\0';
  return out;
}

static int line_of(const char *text, const char *needle) {
  const char *p = strstr(text, needle);
  if (!p) return -1;
  int ln = 1;
  for (const char *q = text; q < p; q++) ln += *q == '\n';
  return ln;
}

/* nacre_nn_model_read refuses text naming path:line. */
static void expect_refused(const char *text, int line, const char *what) {
  char path[] = "/tmp/nacre_strict_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return;
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  char expect[160];
  snprintf(expect, sizeof expect, "%s:%d:", path, line);
  nacre_error err;
  nacre_error_clear(&err);
  nacre_nn_model **ms = NULL;
  int k = 0;
  nacre_status st = nacre_nn_models_read(path, &ms, &k, &err);
  CHECK(st != NACRE_OK && strstr(err.message, expect),
        "%s refused naming %s: got %s '%s'", what, expect, nacre_status_name(st), err.message);
  for (int q = 0; q < k; q++) nacre_nn_model_free(ms[q]);
  free(ms);
  remove(path);
}

static const char *const bad_numbers[3] = {"0.5abc", "0.5.3", "1e"};

static void maise_checks(void) {
  const char *path = test_shared_path("maise/models/nn_Na_d3_v0");
  if (!path) return;
  char *text = slurp(path);
  int w0 = line_of(text, "neural network weights") + 2; /* first weight */
  int basis = line_of(text, "B2A") - 1;                 /* the line after the last */
  char *t = edit_line(text, basis, "  0.25", 1);
  expect_refused(t, basis, "MAISE: one weight line too many");
  free(t);
  for (int k = 0; k < 3; k++) {
    t = edit_line(text, w0 + 5, bad_numbers[k], 0);
    char what[64];
    snprintf(what, sizeof what, "MAISE: weight '%s'", bad_numbers[k]);
    expect_refused(t, w0 + 5, what);
    free(t);
  }
  int r0 = line_of(text, "minimum") + 1;
  t = edit_line(text, r0 + 3, "   0.0000000000000000       1.5   0.6666666666666666", 1);
  int last_range = line_of(text, "neural network weights") - 1;
  expect_refused(t, last_range, "MAISE: one input-range row too many");
  free(t);
  t = edit_line(text, r0 + 1, "   0.0   47.3266514328018175abc   0.0211297433840186", 0);
  expect_refused(t, r0 + 1, "MAISE: range row '...abc'");
  free(t);
  int nw = line_of(text, "number of weights");
  t = edit_line(text, nw, "|  number of weights    |  641x                                             |", 0);
  expect_refused(t, nw, "MAISE: banner count '641x'");
  free(t);
  int er = line_of(text, "train energy error");
  t = edit_line(text, er, "|  train energy error   |  0.000807.1  eV/atom                              |", 0);
  expect_refused(t, er, "MAISE: banner number '0.000807.1'");
  free(t);
  free(text);
}

static void legacy_checks(void) {
  char path[1024];
  snprintf(path, sizeof path, "%s/legacy_radial.model", test_source_path("tests/data/pot"));
  char *text = slurp(path);
  CHECK(text != NULL, "legacy fixture present");
  if (!text) return;
  int wl = line_of(text, "weights ");
  int nl = line_of(text, "normalization ");
  int nlines = line_of(text, "\n\n") > 0 ? 0 : 0;
  for (const char *p = text; *p; p++) nlines += *p == '\n';
  for (int k = 0; k < 3; k++) {
    char what[64];
    char *t = edit_line(text, wl + 3, bad_numbers[k], 0);
    snprintf(what, sizeof what, "nacre-train text: weight '%s'", bad_numbers[k]);
    expect_refused(t, wl + 3, what);
    free(t);
    char row[32];
    snprintf(row, sizeof row, "0 %.20s", bad_numbers[k]);
    t = edit_line(text, nl + 2, row, 0);
    snprintf(what, sizeof what, "nacre-train text: normalisation '%.24s'", row);
    expect_refused(t, nl + 2, what);
    free(t);
  }
  size_t n = strlen(text);
  char *t = malloc(n + 16);
  snprintf(t, n + 16, "%s0.125\n", text);
  expect_refused(t, nlines + 1, "nacre-train text: one weight line too many");
  free(t);
  t = edit_line(text, nlines, NULL, 0);
  expect_refused(t, nlines, "nacre-train text: a missing weight");
  free(t);
  free(text);
}

static void json_checks(void) {
  char path[1024], json[] = "/tmp/nacre_strict_json_XXXXXX";
  snprintf(path, sizeof path, "%s/legacy_radial.model", test_source_path("tests/data/pot"));
  int fd = mkstemp(json);
  if (fd >= 0) close(fd);
  nacre_error err;
  CHECK_OK(nacre_convert_model(path, json, &err), &err);
  char *text = slurp(json);
  remove(json);
  if (!text) return;
  int ln = line_of(text, "\"reference_energy_ev\"");
  for (int k = 0; k < 3; k++) {
    char row[96], what[64];
    snprintf(row, sizeof row, "\"reference_energy_ev\": %s", bad_numbers[k]);
    char *t = edit_line(text, ln, row, 0);
    snprintf(what, sizeof what, "JSON: number '%s'", bad_numbers[k]);
    expect_refused(t, ln, what);
    free(t);
  }
  free(text);
}

int main(void) {
  maise_checks();
  legacy_checks();
  json_checks();
  TEST_DONE();
}
