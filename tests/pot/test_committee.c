/* test_committee.c — committees of potentials (pot/committee.c): (1) a
 * committee of network models written as a committee file and loaded by
 * nacre_potential_load has forces = −∂E/∂r and stress = (1/V)∂E/∂ε by
 * finite differences, and an energy invariant under translation,
 * rotation, permutation and supercells; (2) its energy, forces and stress
 * are the means of the members evaluated one by one, and its deviations
 * (σ_f as DP-GEN defines it, per-atom force deviations, energy deviation
 * per atom) equal those computed by hand; a committee of identical
 * members has zero deviation; (3) "committee:A,B,C" and a committee file
 * naming its members by path give the same results; members of different
 * kinds and cutoffs (a network and Lennard-Jones) share one neighbour
 * list; (4) nacre eval and nacre relax report the deviations in their JSON
 * (committee_force_deviation_max_ev_a, committee_energy_deviation_per_atom_ev). */
#include <cjson/cJSON.h>
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "nacre/nn.h"
#include "nacre/pot.h"
#include "nnbuild.h"
#include "potcheck.h"
#include "testing.h"

#define RADIAL "radial:rc=4,n=4,eta_min=0.1,eta_max=1.2"

static nacre_nn_model *member(uint64_t seed) {
  const int z[2] = {11, 3}, hidden[2] = {6, 5};
  const double ref[2] = {-1.3, -1.9};
  return nnbuild_random(RADIAL, 2, z, 2, hidden, seed, 0.5, ref);
}

static void compute(const nacre_potential *p, const nacre_structure *s, nacre_result *r) {
  nacre_error err;
  nacre_calc *c = nacre_calc_new(p, 0.5, &err);
  nacre_result_init(r, s->natoms, &err);
  CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ALL, r, &err), &err);
  nacre_calc_free(c);
}

static char *temp_path(const char *tag) {
  static char buf[4][64];
  static int k;
  char *p = buf[k++ % 4];
  snprintf(p, 64, "/tmp/nacre_%s_XXXXXX", tag);
  int fd = mkstemp(p);
  close(fd);
  return p;
}

int main(void) {
  nacre_error err;
  nacre_nn_model *ms[3] = {member(1), member(2), member(3)};
  char *path = temp_path("committee");
  CHECK_OK(nacre_nn_committee_write((const nacre_nn_model *const *)ms, 3, path, &err), &err);
  nacre_potential *p = NULL;
  CHECK_OK(nacre_potential_load(path, &p, &err), &err);
  if (!p) TEST_DONE();
  CHECK(!strcmp(nacre_potential_kind(p), "committee") && nacre_committee_size(p) == 3,
        "loaded as kind 'committee' of 3");
  const int n[3] = {2, 1, 1};
  nacre_structure *s = build_bulk("bcc", 11, 4.2, n);
  s->numbers[1] = 3;
  s->numbers[2] = 3;
  build_rattle(s, 0.15, 9);
  const double eps[6] = {0.01, -0.02, 0.015, 0.01, 0.0, -0.01};
  build_strain(s, eps);
  double fbig;
  double df = potcheck_force_fd(p, s, 1e-4, &fbig);
  CHECK(df < 1e-5 * (1 + fbig), "committee forces vs finite differences: %.3g (max |F| %.3g)", df,
        fbig);
  double ds = potcheck_stress_fd(p, s, 1e-5);
  CHECK(ds < 1e-7, "committee stress vs finite strain: %.3g eV/A^3", ds);
  double inv = potcheck_invariance(p, s, 5);
  CHECK(inv < 1e-10, "invariances: %.3g eV/atom", inv);

  /* (2) mean and deviations by hand from the members */
  nacre_result rc, rk[3];
  compute(p, s, &rc);
  for (int k = 0; k < 3; k++) compute(nacre_committee_member(p, k), s, &rk[k]);
  double em = (rk[0].energy + rk[1].energy + rk[2].energy) / 3, sd = 0;
  for (int k = 0; k < 3; k++) sd += (rk[k].energy - em) * (rk[k].energy - em) / 3;
  sd = sqrt(sd);
  CHECK(rc.committee_size == 3, "result names a committee of 3");
  CHECK_CLOSE(rc.energy, em, 1e-12, "committee energy = mean of members");
  CHECK_CLOSE(rc.committee_energy_dev_per_atom, sd / s->natoms, 1e-12,
              "energy deviation per atom");
  double fdev = 0, worst_atom = 0;
  for (int i = 0; i < s->natoms; i++) {
    double v = 0;
    for (int k = 0; k < 3; k++)
      for (int a = 0; a < 3; a++) {
        double m = (rk[0].forces[3 * i + a] + rk[1].forces[3 * i + a] + rk[2].forces[3 * i + a]) / 3;
        v += (rk[k].forces[3 * i + a] - m) * (rk[k].forces[3 * i + a] - m) / 3;
        if (k == 0) CHECK_CLOSE(rc.forces[3 * i + a], m, 1e-12, "mean force");
      }
    worst_atom = fmax(worst_atom, fabs(rc.atom_force_dev[i] - sqrt(v)));
    if (sqrt(v) > fdev) fdev = sqrt(v);
  }
  CHECK(worst_atom < 1e-12, "per-atom force deviations (off by %.3g)", worst_atom);
  CHECK_CLOSE(rc.committee_force_dev_max, fdev, 1e-12, "max atomic force deviation");
  CHECK(rc.committee_force_dev_max > 1e-3, "distinct members disagree (%.3g eV/A)",
        rc.committee_force_dev_max);
  for (int v = 0; v < 6; v++)
    CHECK_CLOSE(rc.stress[v], (rk[0].stress[v] + rk[1].stress[v] + rk[2].stress[v]) / 3, 1e-12,
                "mean stress");
  for (int k = 0; k < 3; k++) nacre_result_free(&rk[k]);

  /* identical members: zero deviation */
  {
    nacre_nn_model *same[2] = {ms[0], ms[0]};
    char *p2 = temp_path("same");
    nacre_nn_committee_write((const nacre_nn_model *const *)same, 2, p2, &err);
    nacre_potential *c2 = NULL;
    CHECK_OK(nacre_potential_load(p2, &c2, &err), &err);
    remove(p2);
    nacre_result r2;
    compute(c2, s, &r2);
    CHECK(r2.committee_energy_dev_per_atom == 0 && r2.committee_force_dev_max == 0,
          "identical members: zero deviation");
    nacre_result_free(&r2);
    nacre_potential_free(c2);
  }

  /* (3) the inline form and a committee file naming its members */
  {
    char *a = temp_path("ma"), *b = temp_path("mb"), *c = temp_path("mc");
    const char *paths[3] = {a, b, c};
    for (int k = 0; k < 3; k++) nacre_nn_model_write(ms[k], paths[k], &err);
    char spec[512];
    snprintf(spec, sizeof spec, "committee:%s,%s,%s", a, b, c);
    nacre_potential *pi = NULL, *pf = NULL;
    CHECK_OK(nacre_potential_load(spec, &pi, &err), &err);
    /* member names relative to the committee file's folder */
    const char *rel[3] = {strrchr(a, '/') + 1, strrchr(b, '/') + 1, strrchr(c, '/') + 1};
    char *cf = temp_path("cf");
    CHECK_OK(nacre_committee_write_specs(cf, rel, 3, &err), &err);
    CHECK_OK(nacre_potential_load(cf, &pf, &err), &err);
    if (pi && pf) {
      nacre_result ri, rf;
      compute(pi, s, &ri);
      compute(pf, s, &rf);
      CHECK(ri.energy == rc.energy && rf.energy == rc.energy &&
                ri.committee_force_dev_max == rc.committee_force_dev_max &&
                rf.committee_force_dev_max == rc.committee_force_dev_max,
            "inline form, committee file of paths and embedded models agree");
      nacre_result_free(&ri);
      nacre_result_free(&rf);
    }
    nacre_potential_free(pi);
    nacre_potential_free(pf);
    /* a network and Lennard-Jones (longer cutoff): one shared list */
    snprintf(spec, sizeof spec, "committee:%s,lj:epsilon=0.01,sigma=2.5,cutoff=6", a);
    nacre_potential *mix = NULL, *lj = NULL, *nn = NULL;
    CHECK_OK(nacre_potential_load(spec, &mix, &err), &err);
    nacre_potential_load("lj:epsilon=0.01,sigma=2.5,cutoff=6", &lj, &err);
    nacre_potential_load(a, &nn, &err);
    if (mix && lj && nn) {
      CHECK(nacre_potential_cutoff(mix) == 6.0, "committee cutoff = largest member cutoff");
      nacre_result rm, rl, rn;
      compute(mix, s, &rm);
      compute(lj, s, &rl);
      compute(nn, s, &rn);
      CHECK_CLOSE(rm.energy, 0.5 * (rl.energy + rn.energy), 1e-12,
                  "mixed committee: mean of a network and LJ");
      double dmix = potcheck_force_fd(mix, s, 1e-4, &fbig);
      CHECK(dmix < 1e-5 * (1 + fbig), "mixed committee forces vs finite differences: %.3g",
            dmix);
      nacre_result_free(&rm);
      nacre_result_free(&rl);
      nacre_result_free(&rn);
    }
    nacre_potential_free(mix);
    nacre_potential_free(lj);
    nacre_potential_free(nn);
    /* (4) eval and relax print the deviations */
    char poscar[] = "/tmp/nacre_committee_poscar_XXXXXX", cmd[2048];
    int fd = mkstemp(poscar);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "mixed\n1.0\n");
    for (int k = 0; k < 3; k++) fprintf(f, "%.17g %.17g %.17g\n", s->cell[k][0], s->cell[k][1], s->cell[k][2]);
    int nna = 0;
    for (int i = 0; i < s->natoms; i++) nna += s->numbers[i] == 11;
    fprintf(f, "Na Li\n%d %d\nCartesian\n", nna, s->natoms - nna);
    for (int pass = 0; pass < 2; pass++)
      for (int i = 0; i < s->natoms; i++)
        if ((s->numbers[i] == 3) == pass)
          fprintf(f, "%.17g %.17g %.17g\n", s->positions[3 * i], s->positions[3 * i + 1],
                  s->positions[3 * i + 2]);
    fclose(f);
    const char *cmds[2] = {"eval", "relax"};
    for (int q = 0; q < 2; q++) {
      snprintf(cmd, sizeof cmd, "%s %s %s --potential committee:%s,%s,%s --json 2>/dev/null",
               NACRE_CLI, cmds[q], poscar, a, b, c);
      FILE *pp = popen(cmd, "r");
      static char buf[1 << 17];
      size_t got = pp ? fread(buf, 1, sizeof buf - 1, pp) : 0;
      buf[got] = '\0';
      if (pp) pclose(pp);
      cJSON *j = cJSON_Parse(buf);
      cJSON *fd_ = j ? cJSON_GetObjectItem(j, "committee_force_deviation_max_ev_a") : NULL;
      cJSON *ed = j ? cJSON_GetObjectItem(j, "committee_energy_deviation_per_atom_ev") : NULL;
      cJSON *ks = j ? cJSON_GetObjectItem(j, "committee_size") : NULL;
      CHECK(fd_ && ed && ks && ks->valuedouble == 3 && fd_->valuedouble > 0 && ed->valuedouble > 0,
            "nacre %s --json reports the committee deviations", cmds[q]);
      /* eval: the library's numbers (JSON keeps 17 digits) */
      if (q == 0 && fd_ && ed)
        CHECK(fabs(fd_->valuedouble - rc.committee_force_dev_max) < 1e-12 &&
                  fabs(ed->valuedouble - rc.committee_energy_dev_per_atom) < 1e-12,
              "eval's deviations equal the library's");
      cJSON_Delete(j);
    }
    remove(poscar);
    for (int k = 0; k < 3; k++) remove(paths[k]);
    remove(cf);
  }
  nacre_result_free(&rc);
  remove(path);
  nacre_structure_free(s);
  nacre_potential_free(p);
  for (int k = 0; k < 3; k++) nacre_nn_model_free(ms[k]);
  TEST_DONE();
}
