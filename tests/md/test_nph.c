/* test_nph.c — the NPH ensemble: Andersen's piston with no thermostat
 * conserves the enthalpy H = U + K + P0 V + ½ W ε̇² and drives the cell to
 * the target pressure. 108-atom fcc Cu with Cu_u3.eam (a Lennard-Jones
 * copper-like solid without it), 1 fs steps, from 600 K in a cell 1.5 %
 * too small along each axis, so that the piston has work to do.
 *   - piston-iso at 0 and at 5 GPa, piston-z at 0 GPa, 10 ps each: the
 *     conserved quantity moves by at most 2e-4 eV/atom (velocity Verlet's
 *     own O(dt²) fluctuation here is ~3e-5; a piston whose kinetic energy
 *     were left out would move it by the ~1e-3 eV/atom of the volume's
 *     oscillation) and drifts by at most 2e-6 eV/atom/ps; the enthalpy
 *     without the piston's energy does move (more than 1e-4 eV/atom: the
 *     piston works); the mean pressure (iso) or −σ_zz (z) over the last 6 ps
 *     equals the target within four standard errors plus 0.05 GPa; piston-z
 *     keeps the first two cell vectors to 1e-12 Å and changes the third.
 *   - a state written at step 1000 and read into a fresh run continues bit
 *     for bit (the piston's rate and mass are in the state).
 *   - nacre md --ensemble nph refuses a thermostat, --barostat aniso and
 *     --stress (exit status 2). */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdtest.h"
#include "nacre/md.h"
#include "testing.h"

typedef struct {
  double e0, dev, h0, hdev;
  mdtest_series p;
} watch;

static int observe(void *user, const nacre_md *md, const nacre_md_thermo *th) {
  watch *w = user;
  double n = nacre_md_structure(md)->natoms;
  if (th->step == 0) {
    w->e0 = th->conserved_ev / n;
    w->h0 = th->enthalpy_ev / n;
  }
  w->dev = fmax(w->dev, fabs(th->conserved_ev / n - w->e0));
  w->hdev = fmax(w->hdev, fabs(th->enthalpy_ev / n - w->h0));
  /* the piston's pressure: −σ_zz for piston-z, −tr σ / 3 for piston-iso */
  double p = nacre_md_get_options(md)->barostat == NACRE_MD_PISTON_Z ? -th->stress_gpa[2]
                                                                      : th->pressure_gpa;
  if (th->step > 4000) mdtest_series_add(&w->p, p);
  return 0;
}

static nacre_potential *load_potential(nacre_error *err) {
  nacre_potential *pot = NULL;
  const char *path = mdtest_cu_u3();
  if (path) {
    if (nacre_potential_load(path, &pot, err)) return NULL;
  } else {
    printf("Cu_u3.eam absent: Lennard-Jones copper-like solid instead\n");
    if (nacre_lj_new(0.415, 2.277, 5.5, 1, &pot, err)) return NULL;
  }
  return pot;
}

static void options(nacre_md_options *o, nacre_md_barostat b, double p_gpa) {
  nacre_md_options_init(o);
  o->temperature_k = 600.0;
  o->barostat = b;
  o->pressure_gpa = p_gpa;
  o->barostat_tau_fs = 500.0;
  o->compressibility_per_gpa = 1.0 / 140.0; /* Cu: B ≈ 140 GPa */
  o->thermo_every = 10;
  o->seed = 7;
}

static void run_case(nacre_calc *calc, const nacre_structure *s, nacre_md_barostat b,
                     double p_gpa) {
  nacre_error err;
  nacre_md_options o;
  options(&o, b, p_gpa);
  watch w = {0};
  o.observer = observe;
  o.observer_user = &w;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  if (!md) return;
  nacre_md_outcome outcome;
  CHECK_OK(nacre_md_run(md, 10000, NULL, &outcome, &err), &err);
  CHECK(outcome == NACRE_MD_COMPLETED, "outcome %s", nacre_md_outcome_name(outcome));
  nacre_md_summary sum;
  nacre_md_get_summary(md, &sum);
  double mean, se;
  mdtest_blocked_mean(w.p.x, w.p.n, &mean, &se);
  const char *name = nacre_md_barostat_name(b);
  printf("%s at %g GPa: conserved moved %.2e eV/atom, drift %.2e eV/atom/ps, enthalpy "
         "without the piston moved %.2e eV/atom; pressure %.3f +- %.3f GPa; <T> %.1f K; "
         "V/atom %.3f A^3\n",
         name, p_gpa, w.dev, sum.drift_ev_atom_ps, w.hdev, mean, se, sum.temperature_k.mean,
         sum.volume_per_atom_a3.mean);
  CHECK(w.dev <= 2e-4, "%s: conserved enthalpy moved by %g eV/atom", name, w.dev);
  CHECK(fabs(sum.drift_ev_atom_ps) <= 2e-6, "%s: drift %g eV/atom/ps", name,
        sum.drift_ev_atom_ps);
  CHECK(w.hdev > 1e-4, "%s: the piston did work (enthalpy alone moved %g eV/atom)", name,
        w.hdev);
  CHECK(fabs(mean - p_gpa) <= 4 * se + 0.05, "%s: pressure %.3f +- %.3f GPa, target %g",
        name, mean, se, p_gpa);
  if (b == NACRE_MD_PISTON_Z) {
    const nacre_structure *f = nacre_md_structure(md);
    double da = 0.0;
    for (int r = 0; r < 2; r++)
      for (int c = 0; c < 3; c++) da = fmax(da, fabs(f->cell[r][c] - s->cell[r][c]));
    CHECK(da <= 1e-12, "piston-z keeps a and b (moved %g A)", da);
    CHECK(fabs(f->cell[2][2] - s->cell[2][2]) > 1e-3, "piston-z moves c (%.4f -> %.4f A)",
          s->cell[2][2], f->cell[2][2]);
  }
  mdtest_series_free(&w.p);
  nacre_md_free(md);
}

/* A state written at step 1000 and read into a fresh run ends where an
 * uninterrupted run of 2000 steps ends, bit for bit. */
static void check_restart(nacre_calc *calc, const nacre_structure *s) {
  nacre_error err;
  nacre_md_options o;
  options(&o, NACRE_MD_PISTON_Z, 0.0);
  nacre_md *a = NULL, *b = NULL;
  nacre_md_outcome outcome;
  o.checkpoint_every = 1000;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &a, &err), &err);
  CHECK_OK(nacre_md_run(a, 1000, NULL, &outcome, &err), &err);
  char *text = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&text, &len);
  CHECK_OK(nacre_md_state_write(a, fp, &err), &err);
  fclose(fp);
  CHECK(strstr(text, "\npiston ") != NULL, "the state holds the piston");
  CHECK_OK(nacre_md_run(a, 1000, NULL, &outcome, &err), &err);
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &b, &err), &err);
  fp = fmemopen(text, len, "r");
  CHECK_OK(nacre_md_state_read(b, fp, "state", &err), &err);
  fclose(fp);
  CHECK_OK(nacre_md_run(b, 1000, NULL, &outcome, &err), &err);
  const nacre_structure *sa = nacre_md_structure(a), *sb = nacre_md_structure(b);
  CHECK(!memcmp(sa->positions, sb->positions, 3 * sizeof(double) * sa->natoms) &&
            !memcmp(sa->cell, sb->cell, sizeof sa->cell),
        "resumed NPH run equals the uninterrupted one bit for bit");
  nacre_md_thermo ta, tb;
  nacre_md_get_thermo(a, &ta);
  nacre_md_get_thermo(b, &tb);
  CHECK(ta.conserved_ev == tb.conserved_ev, "conserved %.17g vs %.17g", ta.conserved_ev,
        tb.conserved_ev);
  free(text);
  nacre_md_free(a);
  nacre_md_free(b);
}

static void check_cli(void) {
  const char *tmp = mdtest_tmpdir();
  char poscar[1100];
  snprintf(poscar, sizeof poscar, "%s/Cu.vasp", tmp);
  FILE *f = fopen(poscar, "w");
  if (!f) return;
  fprintf(f, "Cu\n3.615\n1 0 0\n0 1 0\n0 0 1\nCu\n4\nDirect\n0 0 0\n0 .5 .5\n.5 0 .5\n"
             ".5 .5 0\n");
  fclose(f);
  static const char *const bad[] = {"--thermostat bussi", "--barostat aniso",
                                    "--stress 0,0,0,0,0,0"};
  for (int k = 0; k < 3; k++) {
    int rc = mdtest_system("'%s' md '%s' -p lj:epsilon=0.4,sigma=2.3,cutoff=5 --ensemble nph "
                           "%s --steps 2 -q > /dev/null 2>&1",
                           NACRE_CLI, poscar, bad[k]);
    CHECK(rc == 2, "nph with %s refused as a usage error (status %d)", bad[k], rc);
  }
  int rc = mdtest_system("'%s' md '%s' -p lj:epsilon=0.4,sigma=2.3,cutoff=5 --ensemble nph "
                         "--barostat z --steps 20 -q --json | grep -q '\"piston-z\"'",
                         NACRE_CLI, poscar);
  CHECK(rc == 0, "nph --barostat z runs and names piston-z (status %d)", rc);
  mdtest_cleanup(tmp);
}

int main(void) {
  omp_set_num_threads(1); /* 108 atoms: threads would only wait */
  nacre_error err;
  nacre_potential *pot = load_potential(&err);
  CHECK(pot != NULL, "potential: %s", err.message);
  if (!pot) TEST_DONE();
  nacre_structure *s = mdtest_cu_fcc(3, 3.615 * 0.995);
  nacre_calc *calc = nacre_calc_new(pot, 1.0, &err);
  run_case(calc, s, NACRE_MD_PISTON_ISO, 0.0);
  run_case(calc, s, NACRE_MD_PISTON_ISO, 5.0);
  run_case(calc, s, NACRE_MD_PISTON_Z, 0.0);
  check_restart(calc, s);
  check_cli();
  nacre_calc_free(calc);
  nacre_structure_free(s);
  nacre_potential_free(pot);
  TEST_DONE();
}
