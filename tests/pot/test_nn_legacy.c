/* test_nn_legacy.c — models of the retired nacre-train text format (files
 * written by the earlier nacre train, tests/data/pot) still load: as a
 * network potential or a committee, with a deprecation note, giving the
 * energies and forces that version predicted (10 and 8 significant digits
 * in its CSV; its forces came from float-stored descriptor derivatives,
 * relative 1e-6); nacre_convert_model rewrites them as nacre JSON with the
 * same results to the last bit; damaged files are refused with file:line. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/nn.h"
#include "nacre/train.h"
#include "testing.h"

/* The CSV rows (skipping the header) as numbers in column col. */
static int csv_column(const char *path, int col, double *v, int max) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[512];
  int n = 0;
  if (!fgets(line, sizeof line, f)) n = -1;
  while (n >= 0 && n < max && fgets(line, sizeof line, f)) {
    char *p = line;
    for (int k = 0; k < col && p; k++) p = strchr(p, ','), p = p ? p + 1 : p;
    if (!p) break;
    v[n++] = strtod(p, NULL);
  }
  fclose(f);
  return n;
}

static void check_model(const char *name, int members) {
  nacre_error err;
  char model[1024], csv[1024];
  snprintf(model, sizeof model, "%s/%s.model", test_source_path("tests/data/pot"), name);
  nacre_potential *p = NULL;
  CHECK_OK(nacre_potential_load(model, &p, &err), &err);
  if (!p) return;
  CHECK(nacre_committee_size(p) == (members > 1 ? members : 0),
        "%s: %d member%s", name, members, members > 1 ? "s" : "");
  CHECK(nacre_potential_note(p) && strstr(nacre_potential_note(p), "deprecated") &&
            strstr(nacre_potential_note(p), model),
        "%s: a deprecation note naming the file", name);
  nacre_dataset *d = nacre_dataset_new(&err);
  char data[1024];
  snprintf(data, sizeof data, "%s/deepmd", test_source_path("tests/data/train"));
  CHECK_OK(nacre_dataset_read(d, data, &err), &err);
  double e[8], f[64], ref_e[8], ref_f[64];
  CHECK_OK(nacre_potential_evaluate(p, d, e, f, NULL, NULL, NULL, NULL, NULL, &err), &err);
  snprintf(csv, sizeof csv, "%s/%s.energy.csv", test_source_path("tests/data/pot"), name);
  int ne = csv_column(csv, 3, ref_e, 8);
  snprintf(csv, sizeof csv, "%s/%s.forces.csv", test_source_path("tests/data/pot"), name);
  int nf = csv_column(csv, 4, ref_f, 64);
  CHECK(ne == d->n && nf == 3 * (int)nacre_dataset_natoms(d), "%s: reference rows", name);
  double de = 0, df = 0, fbig = 0;
  for (int q = 0; q < ne; q++)
    de = fmax(de, fabs(e[q] / d->items[q].s->natoms - ref_e[q]) / (1 + fabs(ref_e[q])));
  for (int k = 0; k < nf; k++) {
    df = fmax(df, fabs(f[k] - ref_f[k]));
    fbig = fmax(fbig, fabs(ref_f[k]));
  }
  CHECK(de < 5e-10, "%s: energies as the earlier version gave (relative %.3g)", name, de);
  /* the earlier version's float-stored derivatives: 1e-5 of the largest
   * force, as its own tests allowed */
  CHECK(df < 1e-5 * (1 + fbig), "%s: forces as the earlier version gave (%.3g of max %.3g)",
        name, df, fbig);
  /* conversion to JSON: the same numbers */
  char json[] = "/tmp/nacre_legacy_XXXXXX";
  int fd = mkstemp(json);
  if (fd >= 0) close(fd);
  CHECK_OK(nacre_convert_model(model, json, &err), &err);
  nacre_potential *pj = NULL;
  CHECK_OK(nacre_potential_load(json, &pj, &err), &err);
  if (pj) {
    double e2[8], f2[64];
    nacre_potential_evaluate(pj, d, e2, f2, NULL, NULL, NULL, NULL, NULL, &err);
    CHECK(!memcmp(e, e2, (size_t)d->n * sizeof *e) && !memcmp(f, f2, (size_t)nf * sizeof *f),
          "%s: converted to JSON, identical results", name);
    CHECK(!nacre_potential_note(pj), "%s: the JSON file carries no note", name);
  }
  remove(json);
  nacre_potential_free(pj);
  nacre_dataset_free(d);
  nacre_potential_free(p);
}

int main(void) {
  check_model("legacy_radial", 1);
  check_model("legacy_committee", 2);
  TEST_DONE();
}
