/* test_text.c — nacre_format_double: every double reads back exactly, and
 * one that reads back from 15 or fewer significant digits is written with
 * as few as the shortest %.Pg (P = 1..15) that reads back, found here by
 * trying every P. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testing.h"

/* Significant digits of a %g text: the mantissa's digits from the first
 * non-zero one to the last non-zero one (an integer such as 525659052436480
 * is printed without an exponent but has 14). */
static int digits(const char *t) {
  int first = -1, last = -1, k = 0;
  for (const char *p = t; *p && *p != 'e'; p++) {
    if (*p < '0' || *p > '9') continue;
    if (*p != '0') {
      if (first < 0) first = k;
      last = k;
    }
    k++;
  }
  return first < 0 ? 1 : last - first + 1;
}

static int shortest_digits(double v) {
  char t[64];
  for (int p = 1; p <= 17; p++) {
    snprintf(t, sizeof t, "%.*g", p, v);
    if (strtod(t, NULL) == v) return digits(t);
  }
  return -1;
}

int main(void) {
  char t[NACRE_DOUBLE_TEXT];
  const struct { double v; const char *text; } known[] = {
      {3.2, "3.2"},           {0.1, "0.1"},       {-1.0, "-1"},
      {0.0, "0"},             {1e-300, "1e-300"}, {4.0 / 3.0, "1.3333333333333333"},
      {0.8 * 3, "2.4000000000000004"}, {525659052436480.0, "525659052436480"},
      {1e-7, "1e-07"}, {123456789012345.6, "123456789012345.59"},
      {0.1 + 0.2, "0.30000000000000004"}, {-2.5e23, "-2.5e+23"},
  };
  for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
    nacre_format_double(known[k].v, t);
    CHECK(!strcmp(t, known[k].text), "%.17g is written as '%s' (got '%s')", known[k].v,
          known[k].text, t);
  }
  nacre_format_double(NAN, t);
  CHECK(strstr(t, "nan") != NULL, "NaN is written as printf writes it ('%s')", t);
  nacre_format_double(-INFINITY, t);
  CHECK(!strcmp(t, "-inf"), "-inf is written as '-inf' ('%s')", t);

  /* random bit patterns (every exponent) and random numbers of the sizes
   * nacre writes (coordinates, energies) */
  nacre_rng rng;
  nacre_rng_init(&rng, 7, 0);
  int exact = 1, shortest = 1, n = 0, short_ones = 0;
  for (int k = 0; k < 200000; k++) {
    double v;
    if (k % 2) {
      uint64_t bits = nacre_rng_u64(&rng);
      memcpy(&v, &bits, sizeof v);
      if (!isfinite(v)) continue;
    } else {
      v = (nacre_rng_uniform(&rng) - 0.5) * pow(10.0, nacre_rng_int(&rng, 9) - 3);
      if (k % 4 == 0) v = round(v * 1e4) / 1e4; /* a number typed by hand */
    }
    nacre_format_double(v, t);
    n++;
    if (strtod(t, NULL) != v) {
      if (exact) fprintf(stderr, "  %.17g written as %s\n", v, t);
      exact = 0;
    }
    int shortest_p = shortest_digits(v);
    /* subnormals hold fewer digits; they may keep more than they need */
    int normal = isnormal(v) || v == 0;
    if (shortest_p <= 15 && normal ? digits(t) != shortest_p : digits(t) > 17) {
      if (shortest) fprintf(stderr, "  %.17g written as %s, shorter exists\n", v, t);
      shortest = 0;
    }
    short_ones += shortest_p <= 15 && normal;
  }
  CHECK(exact, "all %d finite doubles read back exactly", n);
  CHECK(shortest && short_ones > 40000,
        "the %d that read back from <= 15 digits are written that short", short_ones);
  TEST_DONE();
}
