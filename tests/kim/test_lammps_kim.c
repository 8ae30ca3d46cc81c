// labels: nosan
/* test_lammps_kim.c — a nacre network in stock LAMMPS through KIM. nacre is
 * installed into a temporary prefix, `nacre kim` turns MAISE's nn_Na_d3_v0
 * into a KIM portable model and installs it (with the driver nacre_driver)
 * into a temporary KIM "environment" collection, and Debian's LAMMPS runs it
 * with `kim init` + `kim interactions`:
 *  - energy, forces and stress (LAMMPS' pressure tensor, its virial) for the
 *    six MAISE fixture cells and a rattled, strained Na1024 cell equal
 *    `nacre_calc_compute` to 1e-8 eV/atom, 1e-7 eV/Å and 1e-8 eV/atom of
 *    virial (V·σ/N), serially and with 2 MPI ranks (domain decomposition:
 *    ghost atoms are KIM padding particles); the fixtures' LAMMPS energies
 *    equal MAISE's own to 1e-8 eV/atom; the same for MAISE's two-element
 *    Na-Sn network on a Na36Sn18 cell (LAMMPS types → KIM species codes)
 *    and for a committee of networks (an item of several files);
 *  - NVE with the network (128 atoms, 300 K, 2 fs, 1 ps, 2 ranks)
 *    conserves the total energy: fluctuation below 5e-5 eV/atom, drift
 *    below 1e-5 eV/atom;
 *  - a cell compressed beyond the model's training data draws the driver's
 *    warning on standard error;
 *  - `nacre kim` refuses a potential the driver cannot run and a bad name.
 * Not under the sanitizers: LAMMPS cannot load an instrumented driver.
 * Skips when LAMMPS with the KIM package, kim-api-collections-management
 * or ../shared/data is absent. */
#include <libgen.h>
#include <string.h>
#include <sys/wait.h>

#include "builders.h"
#include "lammpsrun.h"
#include "nacre/io.h"
#include "nacre/pot.h"
#include "testing.h"

#define MODEL_NAME "nacre_test_nn_Na"
#define MODEL_NAME_NASN "nacre_test_nn_NaSn"
#define MODEL_NAME_COMMITTEE "nacre_test_committee"

static char tmp[64];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...) {
  char cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

typedef struct {
  double de, df, dw; /* worst differences: eV/atom, eV/Å, eV/atom */
} worst;

typedef struct {
  const char *init, *interactions; /* LAMMPS commands */
  int tz[2], ntypes;               /* LAMMPS type → atomic number */
} kim_model;

static const kim_model na_model = {"kim init " MODEL_NAME " metal",
                                   "kim interactions Na", {11}, 1};
static const kim_model nasn_model = {"kim init " MODEL_NAME_NASN " metal",
                                     "kim interactions Na Sn", {11, 50}, 2};
static const kim_model committee_model = {"kim init " MODEL_NAME_COMMITTEE " metal",
                                          "kim interactions Na", {11}, 1};

static void compare(const kim_model *km, const nacre_potential *pot,
                    const nacre_structure *s, int nranks, const char *what,
                    worst *w, double *lmp_energy) {
  lammps_result lo = {0};
  if (lammps_run0(s, km->tz, km->ntypes, km->init, km->interactions, nranks,
                  &lo)) {
    CHECK(0, "%s: LAMMPS run failed", what);
    return;
  }
  nacre_error err;
  nacre_error_clear(&err);
  nacre_calc *c = nacre_calc_new(pot, -1.0, &err);
  nacre_result r;
  CHECK_OK(nacre_result_init(&r, s->natoms, &err), &err);
  CHECK_OK(nacre_calc_compute(c, s, NACRE_WANT_ALL, &r, &err), &err);
  int n = s->natoms;
  double vol = nacre_structure_volume(s);
  double de = fabs(r.energy - lo.energy) / n, df = 0.0, dw = 0.0;
  for (int k = 0; k < 3 * n; k++) df = fmax(df, fabs(r.forces[k] - lo.forces[k]));
  for (int q = 0; q < 6; q++) dw = fmax(dw, fabs(r.stress[q] - lo.stress[q]) * vol / n);
  printf("%-34s %d rank%s  E %.10f eV/atom  |dE| %.1e eV/atom  |dF| %.1e eV/Å  "
         "|dW| %.1e eV/atom\n",
         what, nranks ? nranks : 1, nranks > 1 ? "s" : " ", r.energy / n, de, df, dw);
  CHECK(de <= 1e-8, "%s: LAMMPS energy differs by %.3g eV/atom", what, de);
  CHECK(df <= 1e-7, "%s: LAMMPS forces differ by %.3g eV/Å", what, df);
  CHECK(dw <= 1e-8, "%s: LAMMPS virial differs by %.3g eV/atom", what, dw);
  w->de = fmax(w->de, de);
  w->df = fmax(w->df, df);
  w->dw = fmax(w->dw, dw);
  if (lmp_energy) *lmp_energy = lo.energy;
  free(lo.forces);
  nacre_result_free(&r);
  nacre_calc_free(c);
}

/* Total energy per atom along an NVE run, from LAMMPS' thermo lines. */
static void check_nve(int nranks) {
  const int n4[3] = {4, 4, 4};
  nacre_structure *s = build_bulk("bcc", 11, 4.23, n4);
  static const int tz[1] = {11};
  const char *script =
      "kim init " MODEL_NAME " metal\n"
      "read_data data.lmp\n"
      "kim interactions Na\n"
      "velocity all create 300 4928459 mom yes rot yes dist gaussian\n"
      "timestep 0.002\n"
      "fix 1 all nve\n"
      "thermo 5\n"
      "thermo_style custom step temp pe ke etotal\n"
      "thermo_modify format float %.15g norm yes\n"
      "run 500\n";
  char *log = lammps_run_script(s, tz, 1, script, nranks);
  CHECK(log != NULL, "NVE run failed");
  nacre_structure_free(s);
  if (!log) return;
  double e0 = 0.0, dev = 0.0, t_last = 0.0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  int count = 0;
  char *p = strstr(log, "Step Temp PotEng KinEng TotEng");
  for (char *line = p ? strchr(p, '\n') : NULL; line && *line; line = strchr(line + 1, '\n')) {
    long step;
    double t, pe, ke, et;
    if (sscanf(line + 1, "%ld %lf %lf %lf %lf", &step, &t, &pe, &ke, &et) != 5) break;
    if (!count) e0 = et;
    dev = fmax(dev, fabs(et - e0));
    t_last = t;
    sx += step;
    sy += et;
    sxx += (double)step * step;
    sxy += step * et;
    count++;
  }
  free(log);
  double slope = count > 2 ? (count * sxy - sx * sy) / (count * sxx - sx * sx) : 0.0;
  double drift = slope * 500;
  printf("NVE, 128 atoms, 300 K, 2 fs, 500 steps, %d rank%s: total energy "
         "fluctuation %.2e eV/atom, drift %.2e eV/atom, final T %.0f K\n",
         nranks ? nranks : 1, nranks > 1 ? "s" : "", dev, drift, t_last);
  CHECK(count == 101, "NVE: %d thermo lines, expected 101", count);
  CHECK(t_last > 50.0 && t_last < 400.0, "NVE: final temperature %.1f K", t_last);
  CHECK(dev < 5e-5, "NVE: total energy fluctuates by %.3g eV/atom", dev);
  CHECK(fabs(drift) < 1e-5, "NVE: total energy drifts by %.3g eV/atom", drift);
}

/* MAISE's Na-Sn network: the species codes of a two-element model. */
static void check_two_species(const char *nacre, int mpi, worst *w) {
  const char *path = test_shared_path("maise/models/nn_NaSn_d3_v1");
  if (!path) return;
  char model[1024];
  snprintf(model, sizeof model, "%s", path);
  int rc = sh("%s kim %s --name " MODEL_NAME_NASN " --collection environment "
              "-o %s/item_nasn >%s/kim_nasn.log 2>&1",
              nacre, model, tmp, tmp);
  CHECK(rc == 0, "nacre kim of the Na-Sn model failed (exit %d)", rc);
  if (rc) return;
  nacre_error err;
  nacre_error_clear(&err);
  nacre_potential *pot = NULL;
  CHECK_OK(nacre_potential_load(model, &pot, &err), &err);
  const int n3[3] = {3, 3, 3};
  nacre_structure *s = build_bulk("bcc", 11, 4.6, n3);
  for (int i = 0; i < s->natoms; i += 3) s->numbers[i] = 50; /* Na36Sn18 */
  build_rattle(s, 0.1, 23);
  const double eps[6] = {-0.01, 0.02, 0.0, 0.015, 0.01, -0.01};
  build_strain(s, eps);
  compare(&nasn_model, pot, s, 0, "Na36Sn18, rattled, strained", w, NULL);
  if (mpi) compare(&nasn_model, pot, s, 2, "Na36Sn18, rattled, strained", w, NULL);
  nacre_structure_free(s);
  nacre_potential_free(pot);
}

/* A committee (several parameter files in one KIM item). */
static void check_committee(const char *nacre, const char *model,
                            const char *fixture, worst *w) {
  char spec[2200];
  snprintf(spec, sizeof spec, "committee:%s,%s", model, model);
  int rc = sh("%s kim '%s' --name " MODEL_NAME_COMMITTEE " --collection "
              "environment -o %s/item_committee >%s/kim_committee.log 2>&1",
              nacre, spec, tmp, tmp);
  CHECK(rc == 0, "nacre kim of a committee failed (exit %d)", rc);
  if (rc) return;
  nacre_error err;
  nacre_error_clear(&err);
  nacre_potential *pot = NULL;
  CHECK_OK(nacre_potential_load(spec, &pot, &err), &err);
  nacre_structure *s = NULL;
  snprintf(spec, sizeof spec, "%s@4", fixture);
  CHECK_OK(nacre_read_structure(spec, &s, &err), &err);
  if (pot && s) compare(&committee_model, pot, s, 0, "committee, MAISE fixture 4", w, NULL);
  nacre_structure_free(s);
  nacre_potential_free(pot);
}

static void check_domain_warning(void) {
  const int n3[3] = {3, 3, 3};
  nacre_structure *s = build_bulk("bcc", 11, 2.7, n3); /* neighbours at 2.34 Å */
  static const int tz[1] = {11};
  char *out = lammps_run_script(s, tz, 1,
                                "kim init " MODEL_NAME " metal\n"
                                "read_data data.lmp\n"
                                "kim interactions Na\n"
                                "run 0\n",
                                0);
  CHECK(out && strstr(out, "nacre_driver: warning") &&
            strstr(out, "outside the training data"),
        "no warning for a cell outside the training data");
  free(out);
  nacre_structure_free(s);
}

static void check_refusals(const char *nacre) {
  int rc = sh("%s kim 'lj:epsilon=0.2,sigma=2.3,cutoff=6' --name lj_model "
              "--no-install -o %s/lj >%s/lj.log 2>&1",
              nacre, tmp, tmp);
  CHECK(rc == 1, "nacre kim of a pair potential: exit %d, expected 1", rc);
  CHECK(sh("grep -q 'cannot be evaluated' %s/lj.log", tmp) == 0,
        "nacre kim of a pair potential: no reason given");
  rc = sh("%s kim x --name 1bad >/dev/null 2>&1", nacre);
  CHECK(rc == 2, "nacre kim --name 1bad: exit %d, expected 2", rc);
}

int main(void) {
  if (!lammps_available("KIM"))
    TEST_SKIP("LAMMPS with the KIM package (Debian lammps) is not installed");
  if (sh("command -v kim-api-collections-management >/dev/null 2>&1"))
    TEST_SKIP("kim-api-collections-management (Debian libkim-api-dev) is absent");
  char model[1024], fixture[1024]; /* test_shared_path's storage is reused */
  const char *path = test_shared_path("maise/models/nn_Na_d3_v0");
  if (!path) TEST_SKIP("../shared/data/maise is absent");
  snprintf(model, sizeof model, "%s", path);
  path = test_shared_path("maise/fixtures/nn_Na_d3_v0.extxyz");
  if (!path) TEST_SKIP("../shared/data/maise is absent");
  snprintf(fixture, sizeof fixture, "%s", path);
  snprintf(tmp, sizeof tmp, "/tmp/nacre_kim_XXXXXX");
  if (!mkdtemp(tmp)) TEST_SKIP("no temporary folder");

  char cli[1024], build[1024], nacre[1200];
  snprintf(cli, sizeof cli, "%s", NACRE_CLI);
  snprintf(build, sizeof build, "%s", dirname(cli));
  snprintf(nacre, sizeof nacre, "%s/prefix/bin/nacre", tmp);
  if (sh("cmake --install %s --prefix %s/prefix >%s/install.log 2>&1", build, tmp,
         tmp)) {
    CHECK(0, "cmake --install %s failed (see %s/install.log)", build, tmp);
    TEST_DONE();
  }
  /* A private KIM collection: nothing touches ~/.kim-api. */
  char dir[256];
  const char *vars[4][2] = {{"KIM_API_MODEL_DRIVERS_DIR", "md"},
                            {"KIM_API_PORTABLE_MODELS_DIR", "pm"},
                            {"KIM_API_SIMULATOR_MODELS_DIR", "sm"},
                            {"KIM_API_CONFIGURATION_FILE", "config"}};
  for (int k = 0; k < 4; k++) {
    snprintf(dir, sizeof dir, "%s/kim/%s", tmp, vars[k][1]);
    if (k < 3 && sh("mkdir -p %s %s/kim/user/%s", dir, tmp, vars[k][1]))
      TEST_SKIP("cannot create %s", dir);
    setenv(vars[k][0], dir, 1);
  }
  /* The configuration file names the user collection too: without one the
   * KIM API writes a default that creates ~/.kim-api. */
  if (sh("printf 'model-drivers-dir = %s/kim/user/md\nportable-models-dir = "
         "%s/kim/user/pm\nsimulator-models-dir = %s/kim/user/sm\n' >%s/kim/config",
         tmp, tmp, tmp, tmp))
    TEST_SKIP("cannot write %s/kim/config", tmp);
  int rc = sh("%s kim %s --name " MODEL_NAME " --collection environment -o %s/item "
              ">%s/kim.log 2>&1",
              nacre, model, tmp, tmp);
  CHECK(rc == 0, "nacre kim failed (exit %d, see %s/kim.log)", rc, tmp);
  if (rc) TEST_DONE();
  check_refusals(nacre);
  check_domain_warning();

  nacre_error err;
  nacre_error_clear(&err);
  nacre_potential *pot = NULL;
  CHECK_OK(nacre_potential_load(model, &pot, &err), &err);
  int mpi = lammps_mpi_available();
  if (!mpi) printf("note: mpirun (openmpi-bin) is absent; serial runs only\n");
  worst w = {0, 0, 0};
  nacre_frame frame;
  nacre_frame_init(&frame);
  for (int k = 0; k < 6; k++) {
    char spec[1200], what[64];
    snprintf(spec, sizeof spec, "%s@%d", fixture, k);
    nacre_structure *s = NULL;
    CHECK_OK(nacre_read_structure(spec, &s, &err), &err);
    CHECK_OK(nacre_read_frame(spec, &frame, &err), &err);
    if (!s) continue;
    snprintf(what, sizeof what, "MAISE fixture %d (%d atoms)", k, s->natoms);
    double e_lmp = 0.0;
    compare(&na_model, pot, s, 0, what, &w, &e_lmp);
    CHECK((frame.has & NACRE_FRAME_ENERGY) &&
              fabs(frame.energy - e_lmp) / s->natoms < 1e-8,
          "%s: LAMMPS energy %.12g vs MAISE's %.12g", what, e_lmp, frame.energy);
    if (mpi && k == 0) compare(&na_model, pot, s, 2, what, &w, NULL);
    nacre_structure_free(s);
  }
  nacre_frame_clear(&frame);

  const int n8[3] = {8, 8, 8};
  nacre_structure *big = build_bulk("bcc", 11, 4.23, n8);
  build_rattle(big, 0.1, 17);
  const double eps[6] = {0.01, -0.015, 0.02, 0.01, -0.005, 0.015};
  build_strain(big, eps);
  compare(&na_model, pot, big, 0, "Na1024 bcc, rattled, strained", &w, NULL);
  if (mpi) compare(&na_model, pot, big, 2, "Na1024 bcc, rattled, strained", &w, NULL);
  nacre_structure_free(big);
  check_two_species(nacre, mpi, &w);
  check_committee(nacre, model, fixture, &w);
  printf("worst: |dE| %.1e eV/atom, |dF| %.1e eV/Å, |dW| %.1e eV/atom\n", w.de,
         w.df, w.dw);

  check_nve(mpi ? 2 : 0);
  nacre_potential_free(pot);
  if (!testing_failed) sh("rm -rf %s", tmp);
  TEST_DONE();
}
