/* test_rerank.c — nacre_rerank with a potential as the "DFT" code (a
 * Morse potential re-ranking minima of a Lennard-Jones one): every end
 * point is a minimum of the second potential at the target pressure
 * (forces and stress against its own evaluation), H = E + PV per atom,
 * ranks sorted by enthalpy, Kendall's τ-b against a direct count; a
 * second run reads everything back bit for bit; a cut-off last frame is
 * relaxed again; another pressure or other settings are refused. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "nacre/label.h"
#include "nacre/opt.h"
#include "nacre/pot.h"
#include "testing.h"

#define SEARCH_POT "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5"
#define DFT_POT "morse:D=0.0104,alpha=1.2,r0=3.8,cutoff=8.5"
#define P_GPA 1.0
#define N 4

static nacre_status relax_fn(void *user, const nacre_potential *p,
                             const nacre_label_options *opt,
                             nacre_structure *s, int *steps, int *converged,
                             nacre_error *err) {
  (void)user;
  nacre_calc *c = nacre_calc_new(p, -1, err);
  nacre_relax_options ro;
  nacre_relax_options_init(&ro);
  ro.pressure_gpa = opt->relax_pressure_gpa;
  ro.fmax = opt->relax_fmax_ev_a;
  ro.smax_gpa = opt->relax_smax_gpa;
  ro.max_steps = opt->relax_max_steps;
  nacre_relax_result res;
  nacre_status st = nacre_relax(c, s, &ro, NULL, &res, err);
  nacre_calc_free(c);
  *steps = res.steps;
  *converged = !st && res.outcome == NACRE_RELAX_CONVERGED;
  return st;
}

/* Ar-like fcc, hcp, bcc and sc relaxed with the search potential. */
static void make_minima(nacre_structure *s[N], double h[N]) {
  const char *kinds[N] = {"fcc", "hcp", "bcc", "sc"};
  const double a[N] = {5.3, 3.75, 4.2, 3.4};
  const int one[3] = {1, 1, 1};
  nacre_error err;
  nacre_potential *p = NULL;
  nacre_potential_load(SEARCH_POT, &p, &err);
  nacre_calc *c = nacre_calc_new(p, -1, &err);
  for (int k = 0; k < N; k++) {
    s[k] = build_bulk(kinds[k], 18, a[k], one);
    build_rattle(s[k], 0.02, 7 + (uint64_t)k);
    nacre_relax_options ro;
    nacre_relax_options_init(&ro);
    ro.pressure_gpa = P_GPA;
    ro.smax_gpa = 0.01;
    nacre_relax_result res;
    CHECK_OK(nacre_relax(c, s[k], &ro, NULL, &res, &err), &err);
    h[k] = res.enthalpy / s[k]->natoms;
  }
  nacre_calc_free(c);
  nacre_potential_free(p);
}

static void entries(nacre_rerank_entry e[N], nacre_structure *s[N],
                    const double h[N]) {
  memset(e, 0, sizeof(nacre_rerank_entry) * N);
  for (int k = 0; k < N; k++) {
    e[k].structure = s[k];
    e[k].index = 10 + k;
    snprintf(e[k].name, sizeof e[k].name, "#%d", 10 + k);
    e[k].potential_enthalpy_per_atom_ev = h[k];
  }
}

/* Kendall's τ-b by direct count of pairs (no ties here). */
static double tau(const nacre_rerank_entry e[N]) {
  int c = 0, d = 0;
  for (int i = 0; i < N; i++)
    for (int j = i + 1; j < N; j++) {
      double x = e[i].potential_enthalpy_per_atom_ev -
                 e[j].potential_enthalpy_per_atom_ev;
      double y = e[i].enthalpy_per_atom_ev - e[j].enthalpy_per_atom_ev;
      if (x * y > 0) c++;
      else d++;
    }
  return (double)(c - d) / (c + d);
}

int main(void) {
  nacre_error err;
  char dir[] = "/tmp/nacre-rerank-XXXXXX";
  if (!mkdtemp(dir)) TEST_SKIP("no temporary folder");
  char out[256];
  snprintf(out, sizeof out, "%s/rr.extxyz", dir);
  nacre_structure *s[N];
  double h[N];
  make_minima(s, h);

  nacre_label_options opt;
  nacre_label_options_init(&opt, 0);
  CHECK_OK(nacre_label_options_set_code(&opt, "potential:" DFT_POT, &err),
           &err);
  opt.relax_fmax_ev_a = 1e-4;
  opt.relax_smax_gpa = 1e-4;
  opt.relax_max_steps = 500;
  opt.relax_fn = relax_fn;
  char settings[1024];
  nacre_rerank_settings(&opt, settings, sizeof settings);
  CHECK(strstr(settings, DFT_POT) != NULL, "settings name the potential: %s",
        settings);

  nacre_rerank_entry e[N];
  entries(e, s, h);
  nacre_rerank_summary sum;
  CHECK_OK(nacre_rerank(&opt, P_GPA, settings, e, N, out, &sum, NULL, &err),
           &err);
  CHECK(sum.done == N && sum.resumed == 0 && sum.failed == 0,
        "all %d relaxed now (done %d, resumed %d, failed %d)", N, sum.done,
        sum.resumed, sum.failed);

  /* each end point: a minimum of the Morse potential at P (its own
   * forces below fmax, its pressure at P within smax), H = E + PV */
  nacre_potential *dft = NULL;
  CHECK_OK(nacre_potential_load(DFT_POT, &dft, &err), &err);
  nacre_calc *c = nacre_calc_new(dft, -1, &err);
  for (int k = 0; k < N; k++) {
    nacre_result r;
    nacre_result_init(&r, e[k].relaxed->natoms, &err);
    CHECK_OK(nacre_calc_compute(c, e[k].relaxed, NACRE_WANT_ALL, &r, &err),
             &err);
    int n = e[k].relaxed->natoms;
    double v = nacre_structure_volume(e[k].relaxed);
    CHECK_CLOSE(e[k].energy_per_atom_ev, r.energy / n, 1e-12,
                "energy of the end point by the potential (eV/atom)");
    CHECK_CLOSE(e[k].enthalpy_per_atom_ev,
                (r.energy + P_GPA * NACRE_GPA_TO_EV_A3 * v) / n, 1e-12,
                "H = E + PV (eV/atom)");
    CHECK_CLOSE(nacre_result_pressure_gpa(&r), P_GPA, 1e-4,
                "pressure of the end point (GPa; smax 1e-4)");
    CHECK_CLOSE(e[k].pressure_gpa, P_GPA, 1e-4, "reported pressure (GPa)");
    CHECK(e[k].fmax_ev_a <= 1e-4 && e[k].relax_converged,
          "converged end point (fmax %g eV/A)", e[k].fmax_ev_a);
    nacre_result_free(&r);
  }
  nacre_calc_free(c);
  nacre_potential_free(dft);

  /* ranks follow the enthalpies; τ by direct count */
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      if (e[i].potential_enthalpy_per_atom_ev < e[j].potential_enthalpy_per_atom_ev)
        CHECK(e[i].potential_rank < e[j].potential_rank, "potential ranks");
      if (e[i].enthalpy_per_atom_ev < e[j].enthalpy_per_atom_ev)
        CHECK(e[i].dft_rank < e[j].dft_rank, "DFT ranks");
    }
  CHECK_CLOSE(sum.kendall_tau, tau(e), 1e-12, "Kendall tau-b");
  int best_pot = 0, best_dft = 0;
  for (int k = 0; k < N; k++) {
    if (e[k].potential_rank == 1) best_pot = k;
    if (e[k].dft_rank == 1) best_dft = k;
  }
  CHECK(sum.best_changed == (best_pot != best_dft), "best_changed");

  /* a second run reads every end point back, to the last digit */
  nacre_rerank_entry again[N];
  entries(again, s, h);
  CHECK_OK(nacre_rerank(&opt, P_GPA, settings, again, N, out, &sum, NULL,
                        &err),
           &err);
  CHECK(sum.resumed == N && sum.done == N, "resumed %d of %d", sum.resumed, N);
  for (int k = 0; k < N; k++) {
    CHECK(again[k].enthalpy_per_atom_ev == e[k].enthalpy_per_atom_ev,
          "read-back enthalpy identical (%.17g vs %.17g)",
          again[k].enthalpy_per_atom_ev, e[k].enthalpy_per_atom_ev);
    CHECK(again[k].dft_rank == e[k].dft_rank, "read-back rank");
  }
  nacre_rerank_entries_clear(again, N);

  /* another pressure or other settings: refused, naming them */
  entries(again, s, h);
  nacre_status st =
      nacre_rerank(&opt, 2 * P_GPA, settings, again, N, out, &sum, NULL, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "GPa"),
        "another pressure refused: %s", err.message);
  nacre_rerank_entries_clear(again, N);
  entries(again, s, h);
  st = nacre_rerank(&opt, P_GPA, "potential:other", again, N, out, &sum, NULL,
                    &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "potential:other"),
        "other settings refused: %s", err.message);
  nacre_rerank_entries_clear(again, N);

  /* a run killed while writing its last frame: the part is cut off and
   * that minimum relaxed again, the others read back */
  FILE *f = fopen(out, "rb");
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fclose(f);
  CHECK(truncate(out, len - 40) == 0, "cut the last frame");
  entries(again, s, h);
  CHECK_OK(nacre_rerank(&opt, P_GPA, settings, again, N, out, &sum, NULL,
                        &err),
           &err);
  CHECK(sum.resumed == N - 1 && sum.done == N,
        "after a cut: %d read back, %d in all", sum.resumed, sum.done);
  for (int k = 0; k < N; k++)
    CHECK_CLOSE(again[k].enthalpy_per_atom_ev, e[k].enthalpy_per_atom_ev,
                1e-12, "same end points after the cut (eV/atom)");
  nacre_rerank_entries_clear(again, N);

  nacre_rerank_entries_clear(e, N);
  for (int k = 0; k < N; k++) nacre_structure_free(s[k]);
  unlink(out);
  rmdir(dir);
  TEST_DONE();
}
