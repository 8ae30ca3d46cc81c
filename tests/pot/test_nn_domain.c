/* test_nn_domain.c — the training domain of network models (issue: a
 * model used far outside its data gave 951 GPa for fcc Na without a word):
 * (1) MAISE's nn_Na_d3_v0 takes its domain from the file (component ranges,
 * and its repulsion range as the shortest distance): bcc Na at 0 GPa is
 * inside, fcc Na at 10.55 Å^3/atom outside, and the calculator counts both
 * evaluations; (2) a model trained by nacre records the descriptor ranges,
 * the volume and pressure ranges and the shortest distances of its
 * training data exactly, keeps them through its JSON file, finds its
 * training structures inside and a compressed one outside; (3) a committee
 * is outside when a member is; (4) `nacre eval` warns once, with counts;
 * (5) `nacre search` warns once with the counts its worker processes
 * report (Na at 150 GPa with nn_Na_d3_v0: every relaxation leaves the
 * data; at 0 GPa none does). */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builders.h"
#include "nacre/nn.h"
#include "nacre/pot.h"
#include "nacre/train.h"
#include "testing.h"

static nacre_structure *cubic(const char *kind, double v_atom) {
  int n[3] = {1, 1, 1}, per = !strcmp(kind, "bcc") ? 2 : 4;
  return build_bulk(kind, 11, cbrt(per * v_atom), n);
}

static nacre_result eval(nacre_calc *c, const nacre_structure *s) {
  nacre_error err;
  nacre_result r;
  nacre_result_init(&r, s->natoms, &err);
  CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ALL, &r, &err), &err);
  return r;
}

static void maise_domain(void) {
  const char *path = test_shared_path("maise/models/nn_Na_d3_v0");
  if (!path) return;
  nacre_error err;
  nacre_potential *p = NULL;
  CHECK_OK(nacre_potential_load(path, &p, &err), &err);
  if (!p) return;
  const nacre_nn_model *m = nacre_nn_potential_model(p);
  CHECK(m && m->domain.source == NACRE_NN_DOMAIN_MAISE && m->domain.g_max[0] > 47.3 &&
            m->domain.g_max[0] < 47.33 && fabs(m->domain.pair_min[0][0] - 2.532) < 1e-12,
        "MAISE domain: the file's ranges (G2_1 max 47.3266) and 2 x 1.266 A");
  nacre_calc *c = nacre_calc_new(p, -1.0, &err);
  nacre_structure *in = cubic("bcc", 37.0), *out = cubic("fcc", 10.55);
  nacre_result a = eval(c, in), b = eval(c, out);
  CHECK(a.domain.known && !nacre_domain_report_outside(&a.domain),
        "bcc Na at 37 A^3/atom is inside (%d atoms out, excess %.3g, distance ratio %.3f)",
        a.domain.atoms_outside, a.domain.excess, a.domain.distance_ratio);
  /* fcc at 10.55 A^3/atom: nearest neighbours at 2.46 A < 2.532 A */
  CHECK(nacre_domain_report_outside(&b.domain) && b.domain.atoms_too_close == out->natoms &&
            fabs(b.domain.distance_ratio - cbrt(4 * 10.55) / sqrt(2) / 2.532) < 1e-9,
        "fcc Na at 10.55 A^3/atom is outside: every atom too close (ratio %.4f)",
        b.domain.distance_ratio);
  nacre_domain_counts dc;
  nacre_calc_domain_counts(c, &dc);
  char msg[1024];
  CHECK(dc.evaluations == 2 && dc.outside == 1 && dc.atoms_too_close == out->natoms &&
            nacre_domain_counts_message(&dc, "structures", msg, sizeof msg) &&
            strstr(msg, "1 of 2 structures"),
        "calculator counts: %ld of %ld outside ('%s')", dc.outside, dc.evaluations, msg);
  nacre_calc_reset_domain_counts(c);
  nacre_calc_domain_counts(c, &dc);
  CHECK(dc.evaluations == 0 && !nacre_domain_counts_message(&dc, "structures", msg, sizeof msg),
        "counts reset: no message");
  nacre_result_free(&a);
  nacre_result_free(&b);
  nacre_structure_free(in);
  nacre_structure_free(out);
  nacre_calc_free(c);
  nacre_potential_free(p);
}

/* Na cells labelled by Lennard-Jones at 30-40 A^3/atom. */
static nacre_dataset *lj_data(double *vmin, double *vmax, double *pmin, double *pmax,
                              double *dmin) {
  nacre_error err;
  nacre_potential *lj = NULL;
  nacre_potential_load("lj:epsilon=0.05,sigma=3.1,cutoff=6", &lj, &err);
  nacre_calc *c = nacre_calc_new(lj, 0.0, &err);
  nacre_dataset *d = nacre_dataset_new(&err);
  *vmin = *pmin = *dmin = INFINITY;
  *vmax = *pmax = -INFINITY;
  for (int q = 0; q < 24; q++) {
    double v = 30 + 10.0 * q / 23;
    nacre_structure *s = cubic(q % 2 ? "fcc" : "bcc", v);
    build_rattle(s, 0.08, 40 + q);
    nacre_result r = eval(c, s);
    nacre_sample sm;
    memset(&sm, 0, sizeof sm);
    sm.s = s;
    sm.has = NACRE_LABEL_ENERGY | NACRE_LABEL_FORCES | NACRE_LABEL_STRESS;
    sm.energy = r.energy;
    sm.forces = malloc(3 * (size_t)s->natoms * sizeof(double));
    memcpy(sm.forces, r.forces, 3 * (size_t)s->natoms * sizeof(double));
    memcpy(sm.stress, r.stress, sizeof sm.stress);
    double vol = nacre_structure_volume(s) / s->natoms, p = nacre_result_pressure_gpa(&r);
    *vmin = fmin(*vmin, vol), *vmax = fmax(*vmax, vol);
    *pmin = fmin(*pmin, p), *pmax = fmax(*pmax, p);
    for (int i = 0; i < s->natoms; i++) /* shortest image distance, brute force */
      for (int j = 0; j < s->natoms; j++)
        for (int a = -1; a <= 1; a++)
          for (int b = -1; b <= 1; b++)
            for (int e = -1; e <= 1; e++) {
              double x[3], r2 = 0;
              for (int k = 0; k < 3; k++) {
                x[k] = s->positions[3 * j + k] - s->positions[3 * i + k] + a * s->cell[0][k] +
                       b * s->cell[1][k] + e * s->cell[2][k];
                r2 += x[k] * x[k];
              }
              if (r2 > 0) *dmin = fmin(*dmin, sqrt(r2));
            }
    nacre_result_free(&r);
    nacre_dataset_take(d, &sm, &err);
  }
  nacre_calc_free(c);
  nacre_potential_free(lj);
  return d;
}

static void trained_domain(void) {
  nacre_error err;
  double vmin, vmax, pmin, pmax, dmin;
  nacre_dataset *d = lj_data(&vmin, &vmax, &pmin, &pmax, &dmin);
  nacre_fit_options o;
  nacre_fit_options_init(&o);
  snprintf(o.descriptors, sizeof o.descriptors, "radial:rc=5.5,n=4,eta_min=0.05,eta_max=0.8");
  o.nhidden = 1;
  o.hidden[0] = 4;
  o.train.epochs = 5;
  o.train.patience = 0;
  o.frac_train = 1;
  o.frac_valid = 0;
  nacre_nn_model **ms = NULL;
  nacre_fit_report rep;
  CHECK_OK(nacre_fit(d, NULL, NULL, &o, NULL, NULL, NULL, &ms, &rep, &err), &err);
  if (!ms) return;
  const nacre_nn_domain *dom = &ms[0]->domain;
  /* the same numbers as measured here: exact (min and max of the same
   * doubles), distances to 1e-12 (a sum of squares in another order) */
  CHECK(dom->source == NACRE_NN_DOMAIN_DATA && dom->volume_min == vmin &&
            dom->volume_max == vmax && dom->atoms[0] == nacre_dataset_natoms(d),
        "volume range %.6g..%.6g (expected %.6g..%.6g), %ld atoms", dom->volume_min,
        dom->volume_max, vmin, vmax, dom->atoms[0]);
  CHECK(fabs(dom->pressure_min_gpa - pmin) < 1e-9 * (1 + fabs(pmin)) &&
            fabs(dom->pressure_max_gpa - pmax) < 1e-9 * (1 + fabs(pmax)),
        "pressure range %.6g..%.6g GPa (expected %.6g..%.6g)", dom->pressure_min_gpa,
        dom->pressure_max_gpa, pmin, pmax);
  CHECK(fabs(dom->pair_min[0][0] - dmin) < 1e-12, "shortest distance %.12g (expected %.12g)",
        dom->pair_min[0][0], dmin);
  char path[] = "/tmp/nacre_domain_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  CHECK_OK(nacre_nn_model_write(ms[0], path, &err), &err);
  nacre_nn_model *back = NULL;
  CHECK_OK(nacre_nn_model_read(path, &back, &err), &err);
  if (back) {
    size_t D = (size_t)back->desc.dim;
    CHECK(back->domain.source == NACRE_NN_DOMAIN_DATA &&
              !memcmp(back->domain.g_min, dom->g_min, D * sizeof(double)) &&
              !memcmp(back->domain.g_max, dom->g_max, D * sizeof(double)) &&
              back->domain.volume_max == vmax && back->domain.pressure_min_gpa == dom->pressure_min_gpa &&
              back->domain.pair_min[0][0] == dom->pair_min[0][0],
          "the JSON file keeps the domain exactly");
  }
  nacre_potential *p = NULL;
  CHECK_OK(nacre_nn_potential_load(path, &p, &err), &err);
  if (p) {
    nacre_calc *c = nacre_calc_new(p, 0.0, &err);
    int out = 0;
    for (int q = 0; q < d->n; q++) {
      nacre_result r = eval(c, d->items[q].s);
      out += nacre_domain_report_outside(&r.domain);

      nacre_result_free(&r);
    }
    CHECK(out == 0, "every training structure is inside (%d outside)", out);
    nacre_structure *small = cubic("fcc", 18.0);
    nacre_result r = eval(c, small);
    CHECK(nacre_domain_report_outside(&r.domain) && r.domain.volume_outside &&
              r.domain.atoms_too_close == small->natoms && r.domain.excess > 0.05,
          "fcc at 18 A^3/atom is outside (volume, distances, descriptors %.3g widths)",
          r.domain.excess);
    nacre_result_free(&r);
    /* (3) a committee of a model with and a model without a domain */
    char spec[512];
    snprintf(spec, sizeof spec, "committee:%s,lj:epsilon=0.05,sigma=3.1,cutoff=6", path);
    nacre_potential *com = NULL;
    CHECK_OK(nacre_potential_load(spec, &com, &err), &err);
    if (com) {
      nacre_calc *cc = nacre_calc_new(com, 0.0, &err);
      nacre_result rc = eval(cc, small);
      CHECK(nacre_domain_report_outside(&rc.domain) && rc.committee_size == 2,
            "committee: outside when a member is");
      nacre_result_free(&rc);
      nacre_calc_free(cc);
      nacre_potential_free(com);
    }
    /* (4) nacre eval warns once, with counts */
    char poscar[] = "/tmp/nacre_domain_poscar_XXXXXX", cmd[1024];
    fd = mkstemp(poscar);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "fcc Na\n1.0\n");
    for (int k = 0; k < 3; k++)
      fprintf(f, "%.17g %.17g %.17g\n", small->cell[k][0], small->cell[k][1], small->cell[k][2]);
    fprintf(f, "Na\n%d\nCartesian\n", small->natoms);
    for (int i = 0; i < small->natoms; i++)
      fprintf(f, "%.17g %.17g %.17g\n", small->positions[3 * i], small->positions[3 * i + 1],
              small->positions[3 * i + 2]);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s eval %s --potential %s --json 2>&1 >/dev/null", NACRE_CLI,
             poscar, path);
    FILE *pp = popen(cmd, "r");
    char buf[4096] = "";
    size_t got = pp ? fread(buf, 1, sizeof buf - 1, pp) : 0;
    buf[got] = '\0';
    int rc = pp ? pclose(pp) : -1;
    int nwarn = 0;
    for (const char *w = buf; (w = strstr(w, "warning")); w++) nwarn++;
    CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0 && nwarn == 1 && strstr(buf, "1 of 1 structures") &&
              strstr(buf, "4 atoms closer"),
          "eval warns once with counts: '%s'", buf);
    remove(poscar);
    nacre_structure_free(small);
    nacre_calc_free(c);
    nacre_potential_free(p);
  }
  remove(path);
  nacre_nn_model_free(back);
  nacre_nn_model_free(ms[0]);
  free(ms);
  nacre_dataset_free(d);
}

/* nacre search with forked workers; the warning lines it printed. */
static int search_warnings(const char *model, double p_gpa, char *buf, size_t n) {
  char dir[] = "/tmp/nacre_domain_search_XXXXXX", cmd[2048];
  if (!mkdtemp(dir)) return -1;
  snprintf(cmd, sizeof cmd,
           "cd %s && %s search --composition Na2 --pressure %g --potential %s --budget 6 -j 2 "
           "--db s.db -o out -q 2>&1 >/dev/null | grep warning; rm -rf %s",
           dir, NACRE_CLI, p_gpa, model, dir);
  FILE *pp = popen(cmd, "r");
  size_t got = pp ? fread(buf, 1, n - 1, pp) : 0;
  buf[got] = '\0';
  if (pp) pclose(pp);
  int lines = 0;
  for (const char *c = buf; *c; c++) lines += *c == '\n';
  return lines;
}

static void search_domain(void) {
  const char *path = test_shared_path("maise/models/nn_Na_d3_v0");
  if (!path) return;
  char model[1024], buf[4096];
  snprintf(model, sizeof model, "%s", path);
  int n = search_warnings(model, 150, buf, sizeof buf);
  CHECK(n == 1 && strstr(buf, "6 of 6 relaxations left the training data"),
        "search at 150 GPa: one warning with the workers' counts: '%s'", buf);
  n = search_warnings(model, 0, buf, sizeof buf);
  CHECK(n == 0, "search at 0 GPa: no warning ('%s')", buf);
}

int main(void) {
  search_domain();
  maise_domain();
  trained_domain();
  TEST_DONE();
}
