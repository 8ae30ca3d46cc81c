// labels: nosan
/* test_nve_drift.c — energy conservation of velocity Verlet: 10 ps of NVE
 * (1 fs steps) of 256-atom fcc Cu with Cu_u3.eam from 600 K. The drift (the
 * least-squares slope of the total energy per atom) stays within 2e-6
 * eV/atom/ps (LAMMPS measures about 6e-7 for this run) and the total energy
 * never leaves its start by more than 2e-4 eV/atom (the O(dt²) fluctuation
 * of velocity Verlet at 1 fs is ~3e-5 eV/atom here). The summary's slope is
 * checked against a slope computed here from the observed energies.
 * Without Cu_u3.eam the same run uses a Lennard-Jones solid. Label nosan: a long statistical
 * run; md.unit and md.restart take the same code through the sanitizers. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "mdtest.h"
#include "nacre/md.h"
#include "testing.h"

typedef struct {
  double st, sy, stt, sty, e0, dev;
  long n;
} series;

static int observe(void *user, const nacre_md *md, const nacre_md_thermo *th) {
  series *s = user;
  double n = nacre_md_structure(md)->natoms;
  double t = th->time_fs * 1e-3, y = th->conserved_ev / n;
  if (s->n == 0) s->e0 = y;
  y -= s->e0;
  s->st += t;
  s->sy += y;
  s->stt += t * t;
  s->sty += t * y;
  s->n++;
  s->dev = fmax(s->dev, fabs(y));
  return 0;
}

int main(void) {
  omp_set_num_threads(1); /* 256 atoms: threads would only wait */
  nacre_error err;
  nacre_potential *pot = NULL;
  const char *path = mdtest_cu_u3();
  if (path) {
    CHECK_OK(nacre_potential_load(path, &pot, &err), &err);
  } else {
    printf("Cu_u3.eam absent: Lennard-Jones copper-like solid instead\n");
    CHECK_OK(nacre_lj_new(0.415, 2.277, 5.5, 1, &pot, &err), &err);
  }
  nacre_structure *s = mdtest_cu_fcc(4, 3.615);
  nacre_calc *calc = nacre_calc_new(pot, 1.0, &err);
  nacre_md_options o;
  nacre_md_options_init(&o);
  o.temperature_k = 600.0;
  o.thermo_every = 10;
  series ser = {0};
  o.observer = observe;
  o.observer_user = &ser;
  nacre_md *md = NULL;
  CHECK_OK(nacre_md_new(calc, s, NULL, NULL, &o, &md, &err), &err);
  nacre_md_outcome outcome;
  CHECK_OK(nacre_md_run(md, 10000, NULL, &outcome, &err), &err);
  CHECK(outcome == NACRE_MD_COMPLETED, "outcome %s", nacre_md_outcome_name(outcome));
  nacre_md_summary sum;
  nacre_md_get_summary(md, &sum);
  double n = ser.n;
  double slope = (n * ser.sty - ser.st * ser.sy) / (n * ser.stt - ser.st * ser.st);
  printf("10 ps NVE, 256 atoms, 1 fs: drift %.3e eV/atom/ps (direct fit %.3e), "
         "largest excursion %.3e eV/atom, <T> = %.1f K\n",
         sum.drift_ev_atom_ps, slope, ser.dev, sum.temperature_k.mean);
  CHECK(fabs(sum.drift_ev_atom_ps) <= 2e-6, "drift %g eV/atom/ps", sum.drift_ev_atom_ps);
  CHECK(fabs(sum.drift_ev_atom_ps - slope) <= 1e-9 + 1e-6 * fabs(slope),
        "summary slope %g vs direct fit %g", sum.drift_ev_atom_ps, slope);
  CHECK(ser.dev <= 2e-4, "total energy moved by %g eV/atom", ser.dev);
  nacre_md_free(md);
  nacre_calc_free(calc);
  nacre_structure_free(s);
  nacre_potential_free(pot);
  TEST_DONE();
}
