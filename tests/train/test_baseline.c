/* test_baseline.c — nacre train --baseline fits the residual: on compressed
 * Na cells labelled by the ZBL baseline itself (so the residual is zero), a
 * network trained with the baseline reproduces the labels (energy per
 * atom within 1 meV, 0.2 % of the labels' spread) and a network trained
 * without it, with the same settings, cannot (its error is 5 times larger
 * at least);
 * the model file records the baseline, loads as the sum network + ZBL, and
 * MAISE export is refused. Energies are compared by evaluating the written
 * model, not by the trainer's own figures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "builders.h"
#include "nacre/pot.h"
#include "nacre/train.h"
#include "testing.h"

#define BASELINE "zbl:r_inner=1.4,r_outer=2.3"
#define NSET 40

static char dir[] = "/tmp/nacre_baseline_XXXXXX";

static int run(const char *args) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s %s >%s/out.txt 2>&1", NACRE_CLI, args, dir);
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Cells of 1–4 atoms at 7–12 Å^3/atom, rattled: neighbours from ~1.7 Å. */
static nacre_structure *cell(int q) {
  const int one[3] = {1, 1, 1};
  const char *kind = q % 3 == 0 ? "bcc" : q % 3 == 1 ? "fcc" : "hcp";
  double v = 7.0 + 5.0 * (q % 7) / 6.0;
  double a = strcmp(kind, "bcc") == 0 ? cbrt(2 * v)
             : strcmp(kind, "fcc") == 0 ? cbrt(4 * v)
                                        : cbrt(2 * v / (sqrt(3) / 2 * 1.633));
  nacre_structure *s = build_bulk(kind, 11, a, one);
  build_rattle(s, 0.12, 100 + (uint64_t)q);
  return s;
}

static void write_set(const char *path, const char *truth) {
  nacre_error err;
  nacre_potential *p = NULL;
  CHECK_OK(nacre_potential_load(truth, &p, &err), &err);
  nacre_calc *c = nacre_calc_new(p, 0.0, &err);
  nacre_dataset *d = nacre_dataset_new(&err);
  for (int q = 0; q < NSET; q++) {
    nacre_structure *s = cell(q);
    nacre_result r;
    nacre_result_init(&r, s->natoms, &err);
    CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ALL, &r, &err), &err);
    nacre_sample sm;
    memset(&sm, 0, sizeof sm);
    sm.s = s;
    sm.has = NACRE_LABEL_ENERGY | NACRE_LABEL_FORCES | NACRE_LABEL_STRESS;
    sm.energy = r.energy;
    sm.forces = malloc(3 * (size_t)s->natoms * sizeof(double));
    memcpy(sm.forces, r.forces, 3 * (size_t)s->natoms * sizeof(double));
    memcpy(sm.stress, r.stress, sizeof sm.stress);
    nacre_result_free(&r);
    nacre_dataset_take(d, &sm, &err);
  }
  CHECK_OK(nacre_dataset_save_extxyz(d, path, &err), &err);
  nacre_dataset_free(d);
  nacre_calc_free(c);
  nacre_potential_free(p);
}

/* RMS energy error per atom of the model file over the set, and the RMS
 * spread of the labels. */
static double rmse(const char *model, const char *truth, double *spread) {
  nacre_error err;
  nacre_potential *m = NULL, *t = NULL;
  if (nacre_potential_load(model, &m, &err)) {
    CHECK(0, "%s: %s", model, err.message);
    return NAN;
  }
  nacre_potential_load(truth, &t, &err);
  nacre_calc *cm = nacre_calc_new(m, 0.0, &err), *ct = nacre_calc_new(t, 0.0, &err);
  double se = 0, sl = 0, sl2 = 0;
  for (int q = 0; q < NSET; q++) {
    nacre_structure *s = cell(q);
    nacre_result a, b;
    nacre_result_init(&a, s->natoms, &err);
    nacre_result_init(&b, s->natoms, &err);
    nacre_calc_compute(cm, s, NACRE_WANT_ENERGY, &a, &err);
    nacre_calc_compute(ct, s, NACRE_WANT_ENERGY, &b, &err);
    double d = (a.energy - b.energy) / s->natoms, l = b.energy / s->natoms;
    se += d * d;
    sl += l;
    sl2 += l * l;
    nacre_result_free(&a);
    nacre_result_free(&b);
    nacre_structure_free(s);
  }
  *spread = sqrt(fmax(0, sl2 / NSET - (sl / NSET) * (sl / NSET)));
  nacre_calc_free(cm);
  nacre_calc_free(ct);
  nacre_potential_free(m);
  nacre_potential_free(t);
  return sqrt(se / NSET);
}

int main(void) {
  if (!mkdtemp(dir)) TEST_SKIP("no temporary folder");
  const char *truth = BASELINE;
  char data[600], with[600], without[600], args[2400];
  snprintf(data, sizeof data, "%s/set.extxyz", dir);
  snprintf(with, sizeof with, "%s/with.json", dir);
  snprintf(without, sizeof without, "%s/without.json", dir);
  write_set(data, truth);
  const char *common = "--hidden 6 --epochs 150 --fractions 1,0 --seed 3 -q "
                       "--descriptors maise:rc=5";
  snprintf(args, sizeof args, "train %s %s --baseline %s -o %s", data, common,
           BASELINE, with);
  CHECK(run(args) == 0, "train --baseline exits 0");
  snprintf(args, sizeof args, "train %s %s -o %s", data, common, without);
  CHECK(run(args) == 0, "train without a baseline exits 0");
  double spread, e_with = rmse(with, truth, &spread),
                 e_without = rmse(without, truth, &spread);
  printf("energy RMSE per atom: %.4f eV with the baseline, %.4f eV without; "
         "labels spread %.4f eV/atom\n",
         e_with, e_without, spread);
  CHECK(spread > 0.5, "the baseline dominates the labels (spread %g eV/atom)",
        spread);
  CHECK(e_with < 1e-3, "with the baseline: %g eV/atom", e_with);
  CHECK(e_without > 5 * e_with, "without: %g eV/atom, 5 x more at least",
        e_without);

  nacre_error err;
  nacre_potential *p = NULL;
  CHECK_OK(nacre_potential_load(with, &p, &err), &err);
  if (p) {
    CHECK(!strcmp(nacre_potential_kind(p), "sum") &&
              !strcmp(nacre_potential_kind(nacre_sum_term(p, 1)), "zbl"),
          "the model loads as network + zbl (%s)", nacre_potential_kind(p));
    nacre_potential_free(p);
  }
  FILE *f = fopen(with, "r");
  char buf[1 << 16];
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  buf[n] = '\0';
  if (f) fclose(f);
  CHECK(strstr(buf, "\"baseline\":\t\"" BASELINE "\"") != NULL,
        "the model file records the baseline");
  snprintf(args, sizeof args, "train %s %s --baseline %s --hidden 4,4 -o %s "
           "--maise %s/m.maise", data, common, BASELINE, with, dir);
  CHECK(run(args) != 0, "--maise with a baseline is refused");
  snprintf(args, sizeof args, "rm -rf %s", dir);
  CHECK(system(args) == 0, "clean up");
  TEST_DONE();
}
