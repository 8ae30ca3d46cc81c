/* test_varcomp.c — variable-composition search (src/search/varcomp.c):
 *  1. `nacre search --composition-range Co,Al --natoms 1:4` with the Co-Al
 *     EAM of Debian's LAMMPS finds the hull that separate fixed-composition
 *     searches of every cell content of 1 to 4 atoms find (14 runs of 60
 *     relaxations, their hull by nacre hull), in fewer relaxations (500 <
 *     840): the same stable compositions, each at most 1 meV/atom above
 *     the separate searches' formation enthalpy; B2 CoAl among them, the
 *     potential's known ground state at 50 % (Pun & Mishin's Co-Al EAM);
 *  2. its report writes nacre hull's files (hull.csv, hull.json, hull.svg)
 *     and the run file keeps the range (composition_range, min_natoms,
 *     max_natoms);
 *  3. a run resumed to a larger budget, and one killed (SIGKILL) in the
 *     middle of a generation and resumed, hold the same candidates, with
 *     the same enthalpies, as an uninterrupted run of that budget;
 *  4. resuming with another range or other atoms per cell is refused
 *     naming the option; bad ranges are usage errors, and settings a range
 *     does not apply (--stall, the swarm engine) are refused;
 *  5. --saturation stops a range run once the hull and the minima near it
 *     stopped changing;
 *  6. the report of a range run (summary.json, the text, --report) ranks
 *     the minima by their height above the hull, checked against the
 *     hull of the minima computed in the test, and counts the relaxations
 *     since a new minimum near the hull as --saturation does. */
#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iotest.h"
#include "nacre/search.h"
#include "nacre/thermo.h"
#include "testing.h"

#define COAL "/usr/share/lammps/potentials/CoAl.eam.alloy"
#define RANGE "--composition-range Co,Al --natoms 1:4 -p " COAL " -q"

static char dir[200], out[512];

/* paths are built from a short temporary folder */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* `cd dir && nacre ARGS`, stdout and stderr in `out`. */
static int cli(const char *args) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "cd %s && %s %s >%s 2>&1", dir, NACRE_CLI, args, out);
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int output_has(const char *what) {
  char *t = test_read_all(out, NULL);
  int yes = t && strstr(t, what);
  if (!yes) printf("  output: %s\n", t ? t : "(none)");
  free(t);
  return yes;
}

static cJSON *read_json(const char *path) {
  char *t = test_read_all(path, NULL);
  cJSON *j = t ? cJSON_Parse(t) : NULL;
  free(t);
  return j;
}

/* The stable entries of a hull JSON: x(second element) and formation
 * enthalpy per atom, sorted by x. */
typedef struct phase {
  double x, ef;
  char name[96];
} phase;

static int stable_phases(const cJSON *hull, const char *second, phase *p, int max) {
  const cJSON *els = cJSON_GetObjectItem(hull, "elements");
  int k2 = -1;
  for (int k = 0; k < cJSON_GetArraySize(els); k++)
    if (!strcmp(cJSON_GetArrayItem(els, k)->valuestring, second)) k2 = k;
  int n = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(hull, "entries")) {
    if (!cJSON_IsTrue(cJSON_GetObjectItem(e, "stable")) || n == max || k2 < 0) continue;
    p[n].x = cJSON_GetArrayItem(cJSON_GetObjectItem(e, "fractions"), k2)->valuedouble;
    p[n].ef = cJSON_GetObjectItem(e, "formation_energy_per_atom_ev")->valuedouble;
    snprintf(p[n].name, sizeof p[n].name, "%s", cJSON_GetObjectItem(e, "name")->valuestring);
    n++;
  }
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && p[j].x < p[j - 1].x; j--) {
      phase t = p[j];
      p[j] = p[j - 1];
      p[j - 1] = t;
    }
  return n;
}

static void hull_against_fixed(void) {
  /* the separate searches: every cell content of 1..4 atoms */
  static const char *const cells[] = {"Co",    "Co2",    "Co3",   "Co4",  "Al",
                                      "Al2",   "Al3",    "Al4",   "CoAl", "Co2Al2",
                                      "Co2Al", "CoAl2",  "Co3Al", "CoAl3"};
  int ncells = (int)(sizeof cells / sizeof cells[0]), fixed = 0;
  char args[4096], list[2048] = "";
  for (int k = 0; k < ncells; k++) {
    snprintf(args, sizeof args,
             "search --composition %s -p " COAL " --budget 60 --db fixed_%s.db "
             "-o fixed_%s -q --json",
             cells[k], cells[k], cells[k]);
    CHECK(cli(args) == 0, "fixed-composition search of %s", cells[k]);
    fixed += 60;
    size_t len = strlen(list);
    snprintf(list + len, sizeof list - len, " fixed_%s.db", cells[k]);
  }
  snprintf(args, sizeof args, "hull%s --top 1 --json", list);
  CHECK(cli(args) == 0, "nacre hull of the fixed-composition runs");
  cJSON *ref = read_json(out);
  int budget = 500;
  snprintf(args, sizeof args, "search " RANGE " --budget %d --db vc.db -o vc", budget);
  CHECK(cli(args) == 0, "variable-composition search");
  CHECK(budget < fixed, "fewer relaxations: %d against %d", budget, fixed);
  char path[512];
  snprintf(path, sizeof path, "%s/vc/hull.json", dir);
  cJSON *got = read_json(path);
  CHECK(ref && got, "both hulls read");
  if (!ref || !got) return;
  phase a[16], b[16];
  int na = stable_phases(ref, "Al", a, 16), nb = stable_phases(got, "Al", b, 16);
  CHECK(na == nb && na >= 5, "stable phases: %d separate, %d in one search", na, nb);
  int b2 = 0;
  for (int k = 0; k < na && k < nb; k++) {
    printf("  x(Al) %.4f: %-20s %.6f eV/atom, %-20s %.6f eV/atom\n", a[k].x,
           a[k].name, a[k].ef, b[k].name, b[k].ef);
    CHECK_CLOSE(b[k].x, a[k].x, 1e-9, "composition of a hull phase");
    /* at least as low as the separate searches found it (the same
     * structures relaxed to 0.01 eV/Å agree well within 1 meV/atom) */
    CHECK(b[k].ef <= a[k].ef + 1e-3 && isfinite(b[k].ef),
          "formation enthalpy of a hull phase: %.6f eV/atom, separate searches %.6f",
          b[k].ef, a[k].ef);
    b2 |= fabs(b[k].x - 0.5) < 1e-9 && strstr(b[k].name, "cP2") != NULL;
  }
  CHECK(b2, "B2 CoAl (cP2) is on the hull");
  cJSON_Delete(ref);
  cJSON_Delete(got);
  static const char *const files[] = {"hull.csv", "hull.svg", "summary.json"};
  for (int k = 0; k < 3; k++) {
    snprintf(path, sizeof path, "%s/vc/%s", dir, files[k]);
    CHECK(access(path, R_OK) == 0, "the report writes %s", files[k]);
  }
  /* the run file keeps the range */
  nacre_run *run;
  nacre_error err;
  snprintf(path, sizeof path, "%s/vc.db", dir);
  CHECK_OK(nacre_run_open_readonly(path, &run, &err), &err);
  const nacre_search_config *c = nacre_run_config(run);
  CHECK(!strcmp(c->composition_range, "Co,Al") && c->min_natoms == 1 &&
            c->max_natoms == 4,
        "stored range '%s' %d:%d", c->composition_range, c->min_natoms, c->max_natoms);
  nacre_run_close(run);
}

/* Enthalpies of the candidates of a run, in id order (NAN: not done). */
static long enthalpies(const char *db, double *h, long max) {
  nacre_run *run;
  nacre_error err;
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, db);
  if (nacre_run_open_readonly(path, &run, &err)) return -1;
  nacre_candidate *c;
  long n;
  if (nacre_run_load_done(run, &c, &n, &err)) n = -1;
  for (long k = 0; k < n && k < max; k++) h[k] = c[k].enthalpy;
  if (n >= 0) nacre_candidates_free(c, n);
  nacre_run_close(run);
  return n;
}

/* x(Al) of a reduced formula such as "Co3Al" (−1 when unreadable). */
static double x_al(const char *formula) {
  double n[2] = {0, 0};
  for (const char *p = formula; *p;) {
    int k = !strncmp(p, "Al", 2) ? 1 : !strncmp(p, "Co", 2) ? 0 : -1;
    if (k < 0) return -1;
    p += 2;
    char *end;
    long c = strtol(p, &end, 10);
    n[k] += end == p ? 1 : (double)c;
    p = end;
  }
  return n[0] + n[1] > 0 ? n[1] / (n[0] + n[1]) : -1;
}

/* The report of a range run (summary.json of dir, and the text in out):
 * every minimum carries its height above the hull, which agrees within
 * 1e-6 eV/atom with the lower convex envelope of (x(Al), H per atom)
 * computed here from the minima themselves (in two dimensions the
 * envelope at x is the lowest chord between minima on either side);
 * the minima are ranked by it; relaxations_since_new_low counts from
 * the first finding of the latest minimum within 50 meV/atom of it. */
static void report_ranked_by_hull(const char *sub, long saturation) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s/summary.json", dir, sub);
  cJSON *j = read_json(path);
  CHECK(j != NULL, "%s read", path);
  if (!j) return;
  const cJSON *mins = cJSON_GetObjectItem(j, "minima");
  int n = cJSON_GetArraySize(mins);
  double *x = calloc((size_t)n + 1, sizeof *x), *h = calloc((size_t)n + 1, sizeof *h);
  int ok = n > 2 && x && h;
  for (int k = 0; k < n && ok; k++) {
    const cJSON *m = cJSON_GetArrayItem(mins, k);
    x[k] = x_al(cJSON_GetObjectItem(m, "formula")->valuestring);
    h[k] = cJSON_GetObjectItem(m, "enthalpy_per_atom_ev")->valuedouble;
    ok = x[k] >= 0 && cJSON_HasObjectItem(m, "energy_above_hull_per_atom_ev");
  }
  CHECK(ok, "%d minima, each with a composition and energy_above_hull_per_atom_ev", n);
  double prev = -1, worst = 0;
  long last = -1;
  int near = 0;
  for (int k = 0; k < n && ok; k++) {
    double env = INFINITY;
    for (int a = 0; a < n; a++)
      for (int b = 0; b < n; b++) {
        if (x[a] == x[k]) env = fmin(env, h[a]);
        if (x[a] < x[k] && x[k] < x[b])
          env = fmin(env, h[a] + (h[b] - h[a]) * (x[k] - x[a]) / (x[b] - x[a]));
      }
    const cJSON *m = cJSON_GetArrayItem(mins, k);
    double got = cJSON_GetObjectItem(m, "energy_above_hull_per_atom_ev")->valuedouble;
    worst = fmax(worst, fabs(got - (h[k] - env)));
    ok &= got >= prev - 1e-12;
    prev = got;
    if (h[k] - env <= 0.05) {
      near++;
      long f = (long)cJSON_GetObjectItem(m, "first_found_candidate")->valuedouble;
      if (f > last) last = f;
    }
  }
  CHECK(worst <= 1e-6, "heights above the hull: largest difference %.2g eV/atom "
        "from the envelope of the minima", worst);
  CHECK(ok, "minima ranked by their height above the hull");
  long relaxed = (long)cJSON_GetObjectItem(j, "relaxed")->valuedouble;
  long failed = (long)cJSON_GetObjectItem(j, "failed")->valuedouble;
  long since = (long)cJSON_GetObjectItem(j, "relaxations_since_new_low")->valuedouble;
  CHECK(near > 0 && since == relaxed + failed - 1 - last,
        "relaxations since a new minimum near the hull: %ld, recomputed %ld (%d near it)",
        since, relaxed + failed - 1 - last, near);
  if (saturation > 0)
    CHECK(since >= saturation && since < saturation + 10,
          "a saturated run: %ld relaxations since (at least --saturation %ld, "
          "less than one generation more)", since, saturation);
  free(x);
  free(h);
  cJSON_Delete(j);
}

/* --saturation N on a range: the run stops after the generation in which
 * N relaxations have passed since the last distinct minimum within 50
 * meV/atom of the hull (recomputed from the run's own minima by
 * report_ranked_by_hull), long before its budget, and says so; the text
 * and --report count the same. */
static void saturation(void) {
  CHECK(cli("search --composition-range Co,Al --natoms 1:2 -p " COAL
            " --budget 3000 --population 10 --seed 2 --saturation 60 "
            "--db sat.db -o sat") == 0,
        "range run with --saturation 60");
  CHECK(output_has("saturated"), "it stopped saturated");
  CHECK(output_has("relaxations since a new minimum within 50 meV/atom of the hull"),
        "the diversity line counts from the minima near the hull");
  double h[3000];
  long n = enthalpies("sat.db", h, 3000);
  CHECK(n >= 60 && n < 3000 && n % 10 == 0,
        "stopped after %ld relaxations (whole generations of 10)", n);
  report_ranked_by_hull("sat", 60);
  CHECK(cli("search --report sat.db -o satr") == 0 &&
            output_has("relaxations since a new minimum within 50 meV/atom of the hull"),
        "--report of the range run");
  report_ranked_by_hull("satr", 60);
}

static int die_after_fifteen(void *user, const nacre_search_progress *p) {
  (void)user;
  if (p->finished >= 15) raise(SIGKILL);
  return 0;
}

/* nacre search's hull: thermo's Qhull hull. */
static nacre_status qhull_heights(void *user, int nel, int n, const double *amounts,
                                  const double *h, double *above, nacre_error *err) {
  (void)user;
  nacre_hull *hull;
  nacre_status st = nacre_hull_new(nel, n, amounts, h, &hull, err);
  if (st) return st;
  for (int i = 0; i < n; i++) above[i] = nacre_hull_entry(hull, i)->e_above_hull_per_atom_ev;
  nacre_hull_free(hull);
  return NACRE_OK;
}

/* The same candidates relaxed to the same enthalpies (1e-9 relative: the
 * same arithmetic) as the uninterrupted run in full.db. */
static void same_as_full(const char *db, const char *what) {
  double a[64], b[64];
  long na = enthalpies("full.db", a, 64), nb = enthalpies(db, b, 64);
  CHECK(na == nb && na > 40, "%s: minima: %ld uninterrupted, %ld resumed", what, na, nb);
  int same = 1;
  for (long k = 0; k < na && k < nb; k++) same &= fabs(a[k] - b[k]) <= 1e-9 * fabs(a[k]);
  CHECK(same, "%s: the resumed run relaxed the same candidates to the same enthalpies", what);
}

/* The settings of full.db run into kill.db in a child process killed
 * (SIGKILL) after 15 relaxations, in the middle of the second generation
 * of 10; then resumed by nacre search --resume. */
static void kill_and_resume(void) {
  nacre_search_job job;
  nacre_search_job_init(&job);
  nacre_error err;
  char full[512], killed[512];
  snprintf(full, sizeof full, "%s/full.db", dir);
  snprintf(killed, sizeof killed, "%s/kill.db", dir);
  CHECK_OK(nacre_search_job_resume(&job, full, &err), &err);
  snprintf(job.config.potential, sizeof job.config.potential, "%s", COAL);
  snprintf(job.config.output_dir, sizeof job.config.output_dir, "%s/k", dir);
  job.db = killed;
  job.resume = 0;
  job.progress = die_after_fifteen;
  job.hull = qhull_heights;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    nacre_ctx ctx;
    nacre_ctx_init(&ctx);
    nacre_run *run = NULL;
    nacre_search_job_run(&job, NULL, &ctx, &run, NULL, &err);
    _exit(3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
        "the range run was killed (status %d)", status);
  double h[64];
  long n = enthalpies("kill.db", h, 64);
  CHECK(n >= 10 && n < 20, "the killed run kept %ld minima of its first 15 relaxations", n);
  CHECK(cli("search --resume kill.db -q") == 0, "killed run resumed");
  same_as_full("kill.db", "killed at relaxation 15");
}

static void resume_and_refusals(void) {
  CHECK(cli("search " RANGE " --budget 60 --population 10 --seed 3 --db full.db -o f") == 0,
        "uninterrupted run");
  CHECK(cli("search " RANGE " --budget 30 --population 10 --seed 3 --db part.db -o p") == 0,
        "first part");
  CHECK(cli("search --resume part.db --budget 60 -q") == 0, "resumed to 60");
  same_as_full("part.db", "stopped at its budget of 30");
  kill_and_resume();
  /* contradictions name the option */
  CHECK(cli("search --resume fixed_CoAl.db --composition-range Co,Al --natoms 1:4") == 2 &&
            output_has("--composition-range"),
        "a range refused on a fixed-composition run");
  CHECK(cli("search --resume part.db --composition-range Co,Ni --natoms 1:4") != 0 &&
            output_has("Ni"),
        "a range of other elements refused");
  CHECK(cli("search --resume part.db --composition-range Co,Al --natoms 2:4") == 2 &&
            output_has("--natoms"),
        "other atoms per cell refused");
  CHECK(cli("search --resume part.db --composition-range Co,Al --natoms 1:4 "
            "--budget 61 -q") == 0,
        "the same range given again is accepted");
  /* usage errors */
  CHECK(cli("search --composition-range Co -p " COAL " --natoms 1:4") == 2 &&
            output_has("two to four"),
        "one element refused");
  CHECK(cli("search --composition-range Co,Xx -p " COAL " --natoms 1:4") == 2 &&
            output_has("Xx"),
        "unknown element refused");
  CHECK(cli("search --composition-range Co,Al -p " COAL) == 2 &&
            output_has("--natoms"),
        "a range without --natoms refused");
  CHECK(cli("search --composition-range Co,Al --natoms 4:2 -p " COAL) == 2,
        "--natoms 4:2 refused");
  CHECK(cli("search --composition CoAl --composition-range Co,Al --natoms 1:4 -p " COAL) == 2,
        "--composition with a range refused");
  char st[512];
  snprintf(st, sizeof st, "%s/st.db", dir);
  CHECK(cli("search " RANGE " --stall 3 --db st.db") != 0 && output_has("stall") &&
            access(st, F_OK) != 0,
        "--stall refused with a range (it counts one composition), no run file left");
  CHECK(cli("search " RANGE " --engine swarm --db sw.db") != 0 && output_has("swarm"),
        "the swarm engine refused with a range");
}

int main(void) {
  if (access(COAL, R_OK) != 0) TEST_SKIP("%s not installed (lammps-data)", COAL);
  snprintf(dir, sizeof dir, "/tmp/nacre_varcomp_%d", (int)getpid());
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", dir, dir);
  if (system(cmd) != 0) return 1;
  snprintf(out, sizeof out, "%s/out.txt", dir);
  hull_against_fixed();
  resume_and_refusals();
  saturation();
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (!testing_failed && system(cmd) != 0) return 1;
  TEST_DONE();
}
