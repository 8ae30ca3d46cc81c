/* test_fuzz.c — the CSV reader, the formula parser and the model reader
 * survive damaged input: 3000 mutations each (bytes flipped, inserted,
 * deleted, lines cut short, quotes and NULs sprinkled) either parse or
 * fail with a message; nothing crashes (the sanitize build checks memory)
 * and a table that parses is self-consistent. */
#include <string.h>

#include "nacre/fit.h"
#include "testing.h"

static const char csv[] = "formula,is_perovskite,nA,rA,\"r, B\"\n"
                          "# comment\n"
                          "AgBrO3,0,1,1.28,0.31\n"
                          "\"CsPb\"\"I3\",1,1,1.88,1.19\n"
                          "\n"
                          "KMgF3,1,1,1.64,0.72\r\n";
static const char *formulas[] = {"rX/rB - nA*(nA - (rA/rB)/ln(rA/rB))", "|rA - rB|^2 + exp(-nA)",
                                 "sqrt(`r, B`)*(rA + 1.5e-3)", "1/(rA*(rB/nA))^3"};
static const char *model =
    "{\"format\": \"nacre-fit-model\", \"version\": 1, \"method\": \"sis\", "
    "\"predictor\": \"threshold\", \"target\": \"y\", \"columns\": [\"rA\", \"rB\"], "
    "\"descriptors\": [\"rA/rB\"], \"classes\": [0, 1], \"threshold\": {\"threshold\": 1.2, "
    "\"class_below\": 0, \"class_above\": 1}}";

static size_t mutate(nacre_rng *rng, const char *src, size_t len, char *out, size_t cap) {
  size_t n = len < cap ? len : cap;
  memcpy(out, src, n);
  int edits = 1 + nacre_rng_int(rng, 6);
  static const char special[] = "\",\n\r#`()|^/*-+.e0 \0\xff";
  for (int e = 0; e < edits && n > 0; e++) {
    size_t at = (size_t)nacre_rng_int(rng, (int)n);
    switch (nacre_rng_int(rng, 5)) {
    case 0: out[at] = (char)nacre_rng_int(rng, 256); break;
    case 1: out[at] = special[nacre_rng_int(rng, (int)sizeof special - 1)]; break;
    case 2: /* delete */
      memmove(out + at, out + at + 1, n - at - 1);
      n--;
      break;
    case 3: /* insert */
      if (n < cap) {
        memmove(out + at + 1, out + at, n - at);
        out[at] = special[nacre_rng_int(rng, (int)sizeof special - 1)];
        n++;
      }
      break;
    default: n = at; /* cut short */
    }
  }
  return n;
}

int main(void) {
  nacre_rng rng;
  nacre_rng_init(&rng, 2026, 0);
  char buf[1024];
  int parsed = 0, refused = 0;
  for (int k = 0; k < 3000; k++) {
    size_t n = mutate(&rng, csv, sizeof csv - 1, buf, sizeof buf);
    nacre_table *t = NULL;
    nacre_error err;
    nacre_error_clear(&err);
    nacre_status st = nacre_table_parse(buf, n, "fuzz.csv", &t, &err);
    if (st == NACRE_OK) {
      parsed++;
      CHECK(t && nacre_table_columns(t) >= 1, "a parsed table has columns");
      for (int r = 0; t && r < nacre_table_rows(t); r++)
        for (int c = 0; c < nacre_table_columns(t); c++)
          CHECK(nacre_table_cell(t, r, c) != NULL, "every cell exists");
      nacre_fit_data *d = NULL;
      if (nacre_fit_data_from_table(t, NULL, nacre_table_name(t, 0), NULL, 0, &d, &err) ==
          NACRE_OK)
        nacre_fit_data_free(d);
      else
        CHECK(err.message[0], "a refused data set says why");
    } else {
      refused++;
      CHECK(!t && strstr(err.message, "fuzz.csv"), "a refused table names the file: %s",
            err.message);
    }
    nacre_table_free(t);
  }
  printf("CSV: %d mutations parsed, %d refused with a message\n", parsed, refused);
  const char *names[] = {"rA", "rB", "rX", "nA", "r, B"};
  double x[5] = {1.5, 0.7, 2.0, 2, 0.7}, v;
  int fparsed = 0;
  for (int k = 0; k < 3000; k++) {
    const char *f = formulas[k % 4];
    size_t n = mutate(&rng, f, strlen(f), buf, sizeof buf - 1);
    buf[n] = '\0';
    nacre_fit_expr *e = NULL;
    nacre_error err;
    nacre_error_clear(&err);
    if (nacre_fit_expr_parse(buf, 5, names, &e, &err) == NACRE_OK) {
      fparsed++;
      CHECK(nacre_fit_expr_eval(e, 1, x, &v, &err) == NACRE_OK, "a parsed formula evaluates");
    } else {
      CHECK(!e && err.message[0], "a refused formula says why");
    }
    nacre_fit_expr_free(e);
  }
  printf("formulas: %d of 3000 mutations parsed\n", fparsed);
  int mparsed = 0;
  for (int k = 0; k < 3000; k++) {
    size_t n = mutate(&rng, model, strlen(model), buf, sizeof buf - 1);
    buf[n] = '\0';
    nacre_fit_model *m = NULL;
    nacre_error err;
    nacre_error_clear(&err);
    if (nacre_fit_model_from_json(buf, "fuzz.json", &m, &err) == NACRE_OK) {
      mparsed++;
      double dv = 1.0, pred;
      CHECK(nacre_fit_model_predict_values(m, 1, &dv, &pred, &err) == NACRE_OK,
            "a parsed model predicts");
      nacre_fit_model_free(m);
    } else {
      CHECK(!m && strstr(err.message, "fuzz.json"), "a refused model names its file: %s",
            err.message);
    }
  }
  printf("models: %d of 3000 mutations parsed\n", mparsed);
  TEST_DONE();
}
