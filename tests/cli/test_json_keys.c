/* test_json_keys.c — one vocabulary: the JSON of `nacre search`
 * (summary.json), `nacre relax --json` and `nacre symmetry --json` has
 * exactly the keys of doc/search-json.md, doc/relax-json.md and
 * doc/symmetry-json.md (doc/vocabulary.md's names, units last), each key
 * named in its page; the old names (energy_ev_atom, spacegroup_symbol,
 * international, symprec without unit) are gone. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "iotest.h"
#include "testing.h"

#define LJ "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=1"

static char out[512];

static cJSON *run_json(const char *args) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s %s >%s 2>/dev/null", NACRE_CLI, args, out);
  int rc = system(cmd);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "nacre %s exits 0", args);
  char *t = test_read_all(out, NULL);
  cJSON *j = t ? cJSON_Parse(t) : NULL;
  CHECK(j != NULL, "nacre %s prints JSON", args);
  free(t);
  return j;
}

/* The keys of object o are exactly want[] (NULL-terminated), and each is
 * named in the doc page. */
static void check_keys(const char *what, const cJSON *o,
                       const char *const *want, const char *doc) {
  int nwant = 0;
  for (; want[nwant]; nwant++) {
    CHECK(cJSON_HasObjectItem(o, want[nwant]), "%s has \"%s\"", what,
          want[nwant]);
    char quoted[96];
    snprintf(quoted, sizeof quoted, "`%s`", want[nwant]);
    CHECK(doc && strstr(doc, quoted), "%s: \"%s\" documented", what,
          want[nwant]);
  }
  const cJSON *it;
  cJSON_ArrayForEach(it, o) {
    int known = 0;
    for (int k = 0; k < nwant && !known; k++) known = !strcmp(it->string, want[k]);
    CHECK(known, "%s: key \"%s\" is not in the documented set", what,
          it->string);
  }
}

static char *doc(const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/doc/%s", NACRE_SOURCE_DIR, name);
  return test_read_all(path, NULL);
}

int main(void) {
  snprintf(out, sizeof out, "%s", test_tmp_path("out.json"));
  char in[512], dir[512], args[2048];
  snprintf(in, sizeof in, "%s", test_tmp_path("ar.vasp"));
  snprintf(dir, sizeof dir, "%s", test_tmp_path("res"));
  FILE *f = fopen(in, "w");
  fputs("Ar fcc\n5.3\n0 .5 .5\n.5 0 .5\n.5 .5 0\nAr\n1\nDirect\n0 0 0\n", f);
  fclose(f);

  /* search */
  char *d = doc("search-json.md");
  snprintf(args, sizeof args,
           "search --composition Ar4 -p " LJ " --budget 4 --population 4 "
           "--dmin Ar-Ar=3.0 --volume 45 --db %s/s.db -o %s --top 1 --json -q",
           dir, dir);
  char mk[600];
  snprintf(mk, sizeof mk, "mkdir -p %s", dir);
  CHECK(system(mk) == 0, "result folder");
  cJSON *j = run_json(args);
  static const char *const top[] = {
      "composition", "natoms", "pressure_gpa", "engine", "potential", "seed",
      "budget", "fmax_ev_a", "smax_gpa", "max_steps", "symprec_a", "relaxed",
      "failed", "pending", "failures", "unique", "fingerprint_spread", "funnels",
      "relaxations_since_new_low", "saturation_relaxations", "tribes",
      "tribe_restarts", "stop_reason",
      "wall_s", "composition_range", "min_natoms", "max_natoms",
      "minima", NULL};
  static const char *const minimum[] = {
      "rank", "candidate", "generation", "engine", "operator", "parents",
      "natoms", "formula", "enthalpy_per_atom_ev", "delta_enthalpy_mev_atom",
      "energy_per_atom_ev", "volume_per_atom_a3", "space_group_number",
      "space_group", "pearson", "times_found", "first_found_candidate",
      "outcome", "steps", "file", NULL};
  if (j) {
    check_keys("search summary", j, top, d);
    check_keys("search minimum", cJSON_GetArrayItem(cJSON_GetObjectItem(j, "minima"), 0),
               minimum, d);
    cJSON_Delete(j);
  }
  free(d);

  /* relax */
  d = doc("relax-json.md");
  snprintf(args, sizeof args, "relax %s -p " LJ " --json -o %s/r.vasp", in, dir);
  j = run_json(args);
  static const char *const relax[] = {
      "file", "formula", "natoms", "outcome", "converged", "message", "mode",
      "steps", "force_calls", "energy_calls", "enthalpy_per_atom_ev",
      "energy_per_atom_ev", "enthalpy_ev", "energy_ev", "volume_per_atom_a3",
      "pressure_gpa", "stress_gpa", "target_stress_gpa", "target_change_gpa",
      "fmax_ev_a", "smax_gpa", "space_group_number", "space_group", "pearson",
      "symprec_a", "wall_s", "output", "trajectory_steps", NULL};
  static const char *const step[] = {"step", "enthalpy_per_atom_ev",
                                     "fmax_ev_a", "smax_gpa",
                                     "volume_per_atom_a3", NULL};
  if (j) {
    check_keys("relax", j, relax, d);
    check_keys("relax step",
               cJSON_GetArrayItem(cJSON_GetObjectItem(j, "trajectory_steps"), 0),
               step, d);
    cJSON_Delete(j);
  }
  free(d);

  /* symmetry */
  d = doc("symmetry-json.md");
  snprintf(args, sizeof args, "symmetry %s --json --scan", in);
  j = run_json(args);
  static const char *const stop[] = {"file", "formula", "natoms", "scan",
                                     "symmetry", NULL};
  static const char *const group[] = {
      "space_group_number", "space_group", "hall_number", "hall_symbol",
      "point_group", "crystal_system", "pearson", "symprec_a",
      "operations_count", "operations", "transformation", "origin_shift",
      "atoms", NULL};
  static const char *const scan[] = {
      "space_group_number", "space_group", "hall_number", "hall_symbol",
      "point_group", "crystal_system", "pearson", "symprec_a",
      "operations_count", NULL};
  static const char *const atom[] = {"index", "element", "wyckoff", "letter",
                                     "multiplicity", "site_symmetry",
                                     "equivalent", "frac", "frac_standard",
                                     NULL};
  if (j) {
    check_keys("symmetry", j, stop, d);
    const cJSON *g = cJSON_GetObjectItem(j, "symmetry");
    check_keys("symmetry group", g, group, d);
    check_keys("symmetry scan entry",
               cJSON_GetArrayItem(cJSON_GetObjectItem(j, "scan"), 0), scan, d);
    check_keys("symmetry atom",
               cJSON_GetArrayItem(cJSON_GetObjectItem(g, "atoms"), 0), atom, d);
    cJSON_Delete(j);
  }
  free(d);
  test_tmp_cleanup();
  TEST_DONE();
}
