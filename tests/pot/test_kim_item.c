/* test_kim_item.c — nacre_kim_model_write (behind `nacre kim`): the KIM
 * portable-model folder holds the model file (byte for byte), a
 * CMakeLists.txt naming the driver nacre_driver and the parameter files, and
 * a README with the LAMMPS commands; for committee:A,B the member files and
 * a committee file naming them, which loads from the folder to the same
 * energy as the committee; names that are not C identifiers, potentials the
 * driver cannot run and a committee file naming members by paths the
 * folder lacks are refused with a message. Needs no KIM installation. */
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "nacre/pot.h"
#include "testing.h"

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  if (buf) buf[n] = '\0';
  fclose(f);
  if (len) *len = (size_t)n;
  return buf;
}

static double energy_of(const char *spec) {
  nacre_error err;
  nacre_error_clear(&err);
  nacre_potential *p = NULL;
  if (nacre_potential_load(spec, &p, &err)) {
    printf("loading %s: %s\n", spec, err.message);
    return NAN;
  }
  const int n2[3] = {2, 2, 2};
  nacre_structure *s = build_bulk("bcc", 11, 4.23, n2);
  build_rattle(s, 0.1, 2);
  nacre_calc *c = nacre_calc_new(p, -1.0, &err);
  nacre_result r;
  nacre_result_init(&r, s->natoms, &err);
  double e = nacre_calc_compute(c, s, NACRE_WANT_ENERGY, &r, &err) ? NAN : r.energy;
  nacre_result_free(&r);
  nacre_calc_free(c);
  nacre_structure_free(s);
  nacre_potential_free(p);
  return e;
}

int main(void) {
  const char *path = test_shared_path("maise/models/nn_Na_d3_v0");
  if (!path) TEST_SKIP("../shared/data/maise is absent");
  char model[1024], dir[64], file[1200];
  snprintf(model, sizeof model, "%s", path);
  snprintf(dir, sizeof dir, "/tmp/nacre_kim_item_XXXXXX");
  if (!mkdtemp(dir)) TEST_SKIP("no temporary folder");
  nacre_error err;
  nacre_error_clear(&err);

  char item[128];
  snprintf(item, sizeof item, "%s/one", dir);
  CHECK_OK(nacre_kim_model_write(model, "nacre_nn_Na", item, &err), &err);
  size_t n1, n2;
  char *orig = slurp(model, &n1);
  snprintf(file, sizeof file, "%s/nn_Na_d3_v0", item);
  char *copy = slurp(file, &n2);
  CHECK(orig && copy && n1 == n2 && !memcmp(orig, copy, n1),
        "the model file is not copied byte for byte");
  free(orig);
  free(copy);
  snprintf(file, sizeof file, "%s/CMakeLists.txt", item);
  char *cm = slurp(file, NULL);
  CHECK(cm && strstr(cm, "project(nacre_nn_Na)") &&
            strstr(cm, "DRIVER_NAME \"nacre_driver\"") &&
            strstr(cm, "PARAMETER_FILES \"nn_Na_d3_v0\""),
        "CMakeLists.txt: %s", cm ? cm : "(missing)");
  free(cm);
  snprintf(file, sizeof file, "%s/README", item);
  char *readme = slurp(file, NULL);
  CHECK(readme && strstr(readme, "kim init nacre_nn_Na metal") &&
            strstr(readme, "kim interactions Na"),
        "README: %s", readme ? readme : "(missing)");
  free(readme);

  /* A committee of the model and itself. */
  char spec[2200];
  snprintf(spec, sizeof spec, "committee:%s,%s", model, model);
  snprintf(item, sizeof item, "%s/two", dir);
  CHECK_OK(nacre_kim_model_write(spec, "nacre_committee", item, &err), &err);
  snprintf(file, sizeof file, "%s/CMakeLists.txt", item);
  cm = slurp(file, NULL);
  CHECK(cm && strstr(cm, "PARAMETER_FILES \"committee.json\" \"nn_Na_d3_v0\" "
                         "\"nn_Na_d3_v0_2\""),
        "committee CMakeLists.txt: %s", cm ? cm : "(missing)");
  free(cm);
  snprintf(file, sizeof file, "%s/committee.json", item);
  double e_item = energy_of(file), e_ref = energy_of(spec);
  CHECK(fabs(e_item - e_ref) < 1e-12, "committee from the folder %.15g vs %.15g",
        e_item, e_ref);

  /* Refusals. */
  nacre_status st = nacre_kim_model_write(model, "1bad", item, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "C identifier"),
        "bad name: %s", err.message);
  st = nacre_kim_model_write("lj:epsilon=0.2,sigma=2.3,cutoff=6", "lj", item, &err);
  CHECK(st == NACRE_ERR_UNSUPPORTED, "pair potential: %s", err.message);
  /* A committee file naming a member by a path outside its folder. */
  snprintf(file, sizeof file, "%s/byname.json", dir);
  const char *member = model;
  CHECK_OK(nacre_committee_write_specs(file, &member, 1, &err), &err);
  snprintf(item, sizeof item, "%s/three", dir);
  st = nacre_kim_model_write(file, "nacre_byname", item, &err);
  if (member[0] == '/') /* an absolute path still loads from anywhere */
    CHECK(st == NACRE_OK, "absolute member path: %s", err.message);
  char rel[128];
  snprintf(rel, sizeof rel, "%s/rel.json", dir);
  snprintf(file, sizeof file, "cp %s %s/member_model", model, dir);
  CHECK(system(file) == 0, "copying the model");
  const char *relmember = "member_model";
  CHECK_OK(nacre_committee_write_specs(rel, &relmember, 1, &err), &err);
  snprintf(item, sizeof item, "%s/four", dir);
  st = nacre_kim_model_write(rel, "nacre_rel", item, &err);
  CHECK(st != NACRE_OK && strstr(err.message, "committee:A,B"),
        "a committee file with a relative member path was accepted: %s",
        err.message);

  snprintf(file, sizeof file, "rm -rf %s", dir);
  if (!testing_failed && system(file)) printf("could not remove %s\n", dir);
  TEST_DONE();
}
