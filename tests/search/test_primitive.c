/* test_primitive.c — random crystals of centred groups in their primitive
 * cell (nacre_search_config.primitive_cells):
 *   - Ar4 in R-3m alone: no conventional (hexagonal) cell holds 4 atoms,
 *     so a run that counts atoms per conventional cell is refused naming
 *     the group and the composition, and one that counts them per
 *     primitive cell makes every start as `random:166/primitive`, with 4
 *     atoms whose group spglib finds R-3m or above;
 *   - the same seed gives the same pool, and a run stopped after 4
 *     relaxations and resumed gives the pool of the uninterrupted one;
 *   - the setting is stored in the run, and a run file written before it
 *     existed reads as 0 (its random starts stay those it made);
 *   - `nacre search --primitive-cells` sets it, and is off by default;
 *   - a crystal run stores the supercell mutations' share (0.5) and the
 *     default walker share (-1), and a crystal run file written before
 *     them reads 0 for both (no supercell mutations, the swarm's whole
 *     share, as it ran). */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/search.h"
#include "nacre/sym.h"
#include "testing.h"

#define LJ "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5"

static void config(nacre_search_config *c, int primitive) {
  nacre_search_config_init(c);
  nacre_composition_parse("Ar4", &c->composition, NULL);
  c->engine = NACRE_ENGINE_RANDOM;
  c->seed = 7;
  c->population = 4;
  c->budget = 8;
  c->primitive_cells = primitive;
  snprintf(c->groups, sizeof c->groups, "166");
  snprintf(c->potential, sizeof c->potential, LJ);
  c->random.volume_per_atom = 45;
  nacre_random_options_set_distance(&c->random, 18, 18, 3.0, NULL);
}

static int stop_after_4(void *user, const nacre_search_progress *p) {
  (void)user;
  return p->finished >= 4;
}

/* Runs (or resumes, when the file exists and resume is set) the search;
 * the enthalpies by id in h[8] (NAN where none). */
static nacre_status run(const char *path, const nacre_search_config *c,
                        int resume, int stop, nacre_search_relaxer *rel,
                        double h[8], nacre_error *err) {
  nacre_run *r;
  nacre_status st = resume ? nacre_run_open(path, &r, err)
                           : (unlink(path), nacre_run_create(path, c, &r, err));
  if (st) return st;
  st = nacre_search_run(r, nacre_search_relax_potential, rel,
                        stop ? stop_after_4 : NULL, NULL, NULL, err);
  for (int k = 0; k < 8; k++) h[k] = NAN;
  nacre_candidate *cand = NULL;
  long n = 0;
  if (!st) st = nacre_run_load_done(r, &cand, &n, err);
  for (long k = 0; k < n; k++) {
    if (cand[k].id < 8) h[cand[k].id] = cand[k].enthalpy;
    CHECK(!strcmp(cand[k].op, "random:166/primitive"),
          "candidate %ld made by %s", cand[k].id, cand[k].op);
    CHECK(cand[k].relaxed->natoms == 4, "candidate %ld: %d atoms",
          cand[k].id, cand[k].relaxed->natoms);
  }
  nacre_candidates_free(cand, n);
  nacre_run_close(r);
  return st;
}

static int same_pool(const double a[8], const double b[8]) {
  for (int k = 0; k < 8; k++)
    if (!(a[k] == b[k]) && !(isnan(a[k]) && isnan(b[k]))) return 0;
  return 1;
}

/* The starts of a finished run: 4 atoms, R-3m or a supergroup. */
static void check_starts(const char *path) {
  sqlite3 *db;
  CHECK(sqlite3_open(path, &db) == SQLITE_OK, "open %s", path);
  sqlite3_stmt *q;
  sqlite3_prepare_v2(db, "SELECT id, start FROM candidates", -1, &q, NULL);
  int n = 0;
  while (sqlite3_step(q) == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(q, 1);
    nacre_structure *s = NULL;
    nacre_error err;
    int ok = text && !nacre_structure_from_text(text, &s, &err);
    int sg = 0;
    if (ok) nacre_symmetry_identify(s, 1e-3, &sg, NULL, NULL, NULL);
    /* R-3m's supergroups: Pm-3m, Fm-3m, Im-3m, P6/mmm (rhombohedral cell
     * at a special shape), R-3m itself */
    CHECK(ok && s->natoms == 4 &&
              (sg == 166 || sg == 221 || sg == 225 || sg == 229 || sg == 191),
          "start %d: %d atoms, group %d", sqlite3_column_int(q, 0),
          s ? s->natoms : -1, sg);
    nacre_structure_free(s);
    n++;
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  CHECK(n == 8, "8 starts stored (%d)", n);
}

/* The stored configuration without the key, as runs before it were. */
static void drop_key(const char *path) {
  sqlite3 *db;
  CHECK(sqlite3_open(path, &db) == SQLITE_OK, "open %s", path);
  CHECK(sqlite3_exec(db,
                     "UPDATE meta SET value = replace(value, "
                     "',\"primitive_cells\":1', '') WHERE key = 'config'",
                     NULL, NULL, NULL) == SQLITE_OK &&
            sqlite3_changes(db) == 1,
        "configuration rewritten: %s", sqlite3_errmsg(db));
  sqlite3_close(db);
}

int main(void) {
  char dir[] = "/tmp/nacre-primitive-XXXXXX", path[256];
  if (!mkdtemp(dir)) TEST_SKIP("no temporary directory");
  snprintf(path, sizeof path, "%s/run.db", dir);
  nacre_error err;
  nacre_search_relaxer *rel = NULL;
  nacre_search_relax_settings rs = {0.01, 0.01, 500};
  CHECK_OK(nacre_search_relaxer_new(LJ, &rs, &rel, &err), &err);
  if (!rel) TEST_DONE();
  nacre_search_config c;
  double a[8], b[8], r[8];
  config(&c, 0);
  nacre_status st = run(path, &c, 0, 0, rel, a, &err);
  CHECK(st == NACRE_ERR_INVALID && strstr(err.message, "166") &&
            strstr(err.message, "Ar4"),
        "conventional cells only: refused (%s)", err.message);
  config(&c, 1);
  CHECK_OK(run(path, &c, 0, 0, rel, a, &err), &err);
  int done = 0;
  for (int k = 0; k < 8; k++) done += !isnan(a[k]);
  CHECK(done >= 6, "%d of 8 relaxed", done);
  check_starts(path);
  CHECK_OK(run(path, &c, 0, 0, rel, b, &err), &err);
  CHECK(same_pool(a, b), "same seed, same pool");
  CHECK_OK(run(path, &c, 0, 1, rel, r, &err), &err);
  CHECK_OK(run(path, &c, 1, 0, rel, r, &err), &err);
  CHECK(same_pool(a, r), "stopped after 4 and resumed: the same pool");
  nacre_run *h;
  CHECK_OK(nacre_run_open(path, &h, &err), &err);
  CHECK(h && nacre_run_config(h)->primitive_cells == 1, "stored in the run");
  nacre_run_close(h);
  drop_key(path);
  CHECK_OK(nacre_run_open(path, &h, &err), &err);
  CHECK(h && nacre_run_config(h)->primitive_cells == 0,
        "an older run file reads as 0");
  CHECK(h && nacre_run_config(h)->frac_supercell_mutation == 0.5 &&
            nacre_run_config(h)->walker_share == -1,
        "a crystal run stored now: supercell mutations 0.5, the default walker "
        "share (-1)");
  nacre_run_close(h);
  /* crystal runs stored before the supercell mutations and the crystals'
   * walkers keep their mix */
  sqlite3 *db;
  CHECK(sqlite3_open(path, &db) == SQLITE_OK, "open %s", path);
  CHECK(sqlite3_exec(db,
                     "UPDATE meta SET value = replace(replace(value, "
                     "',\"frac_supercell_mutation\":0.5', ''), "
                     "',\"walker_share\":-1', '') WHERE key = 'config'",
                     NULL, NULL, NULL) == SQLITE_OK &&
            sqlite3_changes(db) == 1,
        "configuration rewritten: %s", sqlite3_errmsg(db));
  sqlite3_close(db);
  CHECK_OK(nacre_run_open(path, &h, &err), &err);
  CHECK(h && nacre_run_config(h)->frac_supercell_mutation == 0 &&
            nacre_run_config(h)->walker_share == 0,
        "an older crystal run reads supercell mutations %g and walker share "
        "%g (want 0 and 0)",
        h ? nacre_run_config(h)->frac_supercell_mutation : -9,
        h ? nacre_run_config(h)->walker_share : -9);
  nacre_run_close(h);
  nacre_search_relaxer_free(rel);
  /* the command line */
  for (int flag = 0; flag < 2; flag++) {
    char cmd[2048];
    unlink(path);
    snprintf(cmd, sizeof cmd, "%s.lock", path);
    unlink(cmd);
    snprintf(cmd, sizeof cmd,
             "cd %s && %s search --composition Ar4 -p %s --groups 166,221 "
             "--engine random --population 4 --budget 4 --dmin Ar-Ar=3.0 "
             "--volume 45 -q -o out --db %s %s > /dev/null 2>&1",
             dir, NACRE_CLI, LJ, path, flag ? "--primitive-cells" : "");
    CHECK(system(cmd) == 0, "%s", cmd);
    CHECK_OK(nacre_run_open(path, &h, &err), &err);
    CHECK(h && nacre_run_config(h)->primitive_cells == flag,
          "--primitive-cells %s: stored %d", flag ? "given" : "left out",
          h ? nacre_run_config(h)->primitive_cells : -1);
    nacre_run_close(h);
  }
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) printf("could not remove %s\n", dir);
  TEST_DONE();
}
