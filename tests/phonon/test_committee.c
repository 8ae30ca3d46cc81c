/* test_committee.c — phonons with a committee of potentials and the spread
 * of its force constants, against an analytic case: the Lennard-Jones
 * energy is linear in ε, so Φ(ε) = ε Φ(1) exactly. A committee of ε = 0.3
 * and 0.5 eV (σ = 2.277 Å, cutoff 5.5 Å; fcc, a = 3.615 Å, conventional
 * cell in a 2×2×2 supercell) must give
 *  - the force constants of ε = 0.4 (the members' mean) to 1e-12 of the
 *    largest element, and the same as the committee potential evaluated as
 *    one potential (nacre_phonon_compute_forces with its mean forces);
 *  - a population standard deviation of |0.5 − 0.3|/2 · |Φ(1)| = ¼ |Φ(0.4)|
 *    for every element: largest and rms deviation equal ¼ of the largest
 *    and rms force constant of ε = 0.4 to 1e-10 relative;
 *  - through `nacre phonon -p COMMITTEE --json`: committee_size 2 and the
 *    same two deviations (1e-12 relative), the same frequencies at X as ε =
 *    0.4 (1e-9 THz), and the human summary's committee line;
 *  - a potential that is not a committee is refused by
 *    nacre_phonon_compute_committee with a message. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "iotest.h"
#include "mdtest.h"
#include "nacre/io.h"
#include "nacre/phonon.h"
#include "testing.h"

static nacre_potential *lj(double eps) {
  nacre_potential *p = NULL;
  nacre_error err;
  CHECK_OK(nacre_lj_new(eps, 2.277, 5.5, 1, &p, &err), &err);
  return p;
}

static nacre_phonon *prepared(const nacre_structure *unit) {
  nacre_phonon_options o;
  nacre_phonon_options_init(&o);
  for (int k = 0; k < 3; k++) o.supercell[k][k] = 2;
  nacre_phonon *ph = NULL;
  nacre_error err;
  CHECK_OK(nacre_phonon_new(unit, NULL, &o, &ph, &err), &err);
  return ph;
}

/* Force constants of unit with one potential (a committee evaluated as one). */
static nacre_phonon *single(const nacre_structure *unit, const nacre_potential *p) {
  nacre_error err;
  nacre_phonon *ph = prepared(unit);
  nacre_calc *c = nacre_calc_new(p, -1.0, &err);
  if (ph && c) {
    CHECK_OK(nacre_phonon_compute_forces(ph, c, NULL, NULL, NULL, &err), &err);
    CHECK_OK(nacre_phonon_produce_force_constants(ph, &err), &err);
  }
  nacre_calc_free(c);
  return ph;
}

static size_t fc_count(const nacre_phonon *ph) {
  return (size_t)nacre_phonon_natoms(ph) * nacre_phonon_supercell(ph)->natoms * 9;
}

static double max_abs_diff(const double *a, const double *b, size_t n) {
  double d = 0;
  for (size_t k = 0; k < n; k++) d = fmax(d, fabs(a[k] - (b ? b[k] : 0)));
  return d;
}

static double rms(const double *a, size_t n) {
  double s = 0;
  for (size_t k = 0; k < n; k++) s += a[k] * a[k];
  return sqrt(s / n);
}

static void cli(const nacre_structure *unit, const nacre_phonon_committee_spread *want,
                const nacre_phonon *ref) {
  nacre_error err;
  char in[4096], pot[4096], cmd[16384];
  snprintf(in, sizeof in, "%s", test_tmp_path("fcc.vasp"));
  snprintf(pot, sizeof pot, "%s", test_tmp_path("committee.json"));
  CHECK_OK(nacre_write_structure(in, unit, NACRE_FORMAT_AUTO, &err), &err);
  const char *specs[2] = {"lj:epsilon=0.3,sigma=2.277,cutoff=5.5,shift=1",
                          "lj:epsilon=0.5,sigma=2.277,cutoff=5.5,shift=1"};
  CHECK_OK(nacre_committee_write_specs(pot, specs, 2, &err), &err);
  const char *common = "--supercell 2,2,2 --path none --mesh 4,4,4 --qpoints '0.5 0 0'";
  snprintf(cmd, sizeof cmd, "%s phonon %s -p %s %s --json > %s 2>/dev/null", NACRE_CLI, in, pot,
           common, test_tmp_path("out.json"));
  int rc = system(cmd);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "nacre phonon with a committee runs");
  char *text = test_read_all(test_tmp_path("out.json"), NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  CHECK(j != NULL, "JSON output: %.300s", text ? text : "(none)");
  const cJSON *size = cJSON_GetObjectItem(j, "committee_size");
  const cJSON *dmax = cJSON_GetObjectItem(j, "committee_force_constant_deviation_max_ev_a2");
  const cJSON *drms = cJSON_GetObjectItem(j, "committee_force_constant_deviation_rms_ev_a2");
  CHECK(cJSON_IsNumber(size) && size->valueint == 2, "committee_size 2");
  CHECK(cJSON_IsNumber(dmax) && cJSON_IsNumber(drms), "the deviations are in the JSON");
  if (cJSON_IsNumber(dmax) && cJSON_IsNumber(drms)) {
    CHECK_CLOSE(dmax->valuedouble, want->force_constant_deviation_max_ev_a2,
                1e-12 * want->force_constant_deviation_max_ev_a2, "CLI: largest deviation");
    CHECK_CLOSE(drms->valuedouble, want->force_constant_deviation_rms_ev_a2,
                1e-12 * want->force_constant_deviation_rms_ev_a2, "CLI: rms deviation");
  }
  const cJSON *q = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "qpoints"), 0);
  const cJSON *f = cJSON_GetObjectItem(q, "frequency_thz");
  double fx[12];
  nacre_error e2;
  CHECK_OK(nacre_phonon_at_q(ref, (double[3]){0.5, 0, 0}, fx, NULL, NULL, &e2), &e2);
  int nb = nacre_phonon_nbands(ref);
  CHECK(cJSON_GetArraySize(f) == nb, "%d frequencies at X", nb);
  double worst = 0;
  for (int b = 0; b < nb && b < cJSON_GetArraySize(f); b++)
    worst = fmax(worst, fabs(cJSON_GetArrayItem(f, b)->valuedouble - fx[b]));
  CHECK(worst <= 1e-9, "CLI frequencies at X equal those of ε = 0.4 (%.2g THz)", worst);
  cJSON_Delete(j);
  free(text);
  snprintf(cmd, sizeof cmd, "%s phonon %s -p %s %s > %s 2>&1", NACRE_CLI, in, pot, common,
           test_tmp_path("out.txt"));
  rc = system(cmd);
  text = test_read_all(test_tmp_path("out.txt"), NULL);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0 && text && strstr(text, "committee of 2"),
        "the summary names the committee's spread: %.400s", text ? text : "(none)");
  free(text);
}

int main(void) {
  nacre_error err;
  nacre_structure *unit = mdtest_cu_fcc(1, 3.615);
  nacre_potential *mid = lj(0.4);
  nacre_potential *members[2] = {lj(0.3), lj(0.5)};
  nacre_potential *committee = NULL;
  CHECK_OK(nacre_committee_new(members, 2, &committee, &err), &err);
  if (!mid || !committee) TEST_DONE();

  nacre_phonon *ref = single(unit, mid);
  nacre_phonon *as_one = single(unit, committee);
  nacre_phonon *ph = prepared(unit);
  nacre_phonon_committee_spread spread;
  CHECK_OK(nacre_phonon_compute_committee(ph, committee, NULL, NULL, NULL, &spread, &err), &err);
  if (!ref || !as_one || !ph || !nacre_phonon_force_constants(ph)) TEST_DONE();

  size_t n = fc_count(ref);
  const double *phi = nacre_phonon_force_constants(ref);
  double big = max_abs_diff(phi, NULL, n), scale_rms = rms(phi, n);
  double d_mid = max_abs_diff(nacre_phonon_force_constants(ph), phi, n);
  double d_one = max_abs_diff(nacre_phonon_force_constants(ph),
                              nacre_phonon_force_constants(as_one), n);
  printf("largest force constant %.6f eV/Å², rms %.6f; committee vs ε = 0.4: %.2g, vs the "
         "committee as one potential: %.2g; deviation largest %.6f, rms %.6f (members %d)\n",
         big, scale_rms, d_mid, d_one, spread.force_constant_deviation_max_ev_a2,
         spread.force_constant_deviation_rms_ev_a2, spread.members);
  CHECK(d_mid <= 1e-12 * big, "the committee's force constants are those of ε = 0.4 (%.2g)",
        d_mid);
  CHECK(d_one <= 1e-12 * big, "and those of the committee evaluated as one potential (%.2g)",
        d_one);
  CHECK(spread.members == 2, "two members");
  CHECK_CLOSE(spread.force_constant_deviation_max_ev_a2, 0.25 * big, 1e-10 * big,
              "largest deviation = ¼ largest Φ(0.4)");
  CHECK_CLOSE(spread.force_constant_deviation_rms_ev_a2, 0.25 * scale_rms, 1e-10 * scale_rms,
              "rms deviation = ¼ rms Φ(0.4)");
  CHECK_CLOSE(spread.force_constant_rms_ev_a2, scale_rms, 1e-10 * scale_rms,
              "rms force constant of the committee");

  nacre_phonon *plain = prepared(unit);
  nacre_phonon_committee_spread none;
  nacre_status st = nacre_phonon_compute_committee(plain, mid, NULL, NULL, NULL, &none, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "committee"),
        "a single potential is refused: %s", err.message);

  cli(unit, &spread, ref);

  nacre_phonon_free(plain);
  nacre_phonon_free(ph);
  nacre_phonon_free(as_one);
  nacre_phonon_free(ref);
  nacre_potential_free(committee);
  nacre_potential_free(mid);
  nacre_structure_free(unit);
  test_tmp_cleanup();
  TEST_DONE();
}
