/* test_resume.c — a run is its stored settings:
 *  1. every setting is in the run file (fmax, smax, max-steps, symprec,
 *     pressure, the output directory made absolute) and a resumed run
 *     relaxes with them;
 *  2. `--resume` refuses an option that contradicts the run, naming it
 *     (--pressure, --seed, --fmax, --reject-closer), and applies the
 *     budget, time limit, jobs and a potential of the same elements;
 *  3. a potential that does not know the composition's elements is refused
 *     before any run file is written (Li4 with the MAISE Na model);
 *  4. `--resume RUN --budget N` below what the run holds keeps its pool
 *     (no duplicate becomes unique again, stored or reported), and the
 *     report of a running search lists each minimum once;
 *  5. `--resume` and `--report` write into the run's own output directory
 *     when no -o is given, from any working directory;
 *  6. a search whose minima all fail says why (counts per reason in the
 *     table and summary.json), and compositions above NACRE_MAX_ATOMS are
 *     refused as usage errors. */
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iotest.h"
#include "nacre/search.h"
#include "testing.h"

#define LJ "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5"
#define AR4 "--composition Ar4 -p " LJ " --population 4 --dmin Ar-Ar=3.0 --volume 45 -q"

static char out[512];

/* `cd DIR && nacre search ARGS`, stdout and stderr in `out`. */
static int cli_in(const char *dir, const char *args) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "cd %s && %s search %s >%s 2>&1", dir, NACRE_CLI,
           args, out);
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

static int file_exists(const char *path) { return access(path, R_OK) == 0; }

/* The stored duplicate_of of every candidate, in id order. */
static long stored_duplicates(const char *db, long *dup, long max) {
  sqlite3 *h;
  long n = 0;
  if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    return -1;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(h, "SELECT duplicate_of FROM candidates ORDER BY id",
                         -1, &q, NULL) == SQLITE_OK) {
    while (sqlite3_step(q) == SQLITE_ROW && n < max)
      dup[n++] = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
  }
  sqlite3_close(h);
  return n;
}

/* No two minima of a report are duplicates of each other. */
static int pool_is_unique(const nacre_search_report *r,
                          const nacre_duplicate_options *o) {
  for (long a = 0; a < r->nminima; a++)
    for (long b = 0; b < a; b++) {
      const nacre_candidate *x = r->minima[a].c, *y = r->minima[b].c;
      nacre_minimum_key kx = {x->fp, r->minima[a].h_atom_ev,
                              r->minima[a].v_atom_a3, x->sg},
                        ky = {y->fp, r->minima[b].h_atom_ev,
                              r->minima[b].v_atom_a3, y->sg};
      if (nacre_is_duplicate(&kx, &ky, o)) return 0;
    }
  return 1;
}

/* 4: the stand-in relaxation gives every candidate the same fcc Ar4
 * minimum, each call 0.01 meV/atom lower than the one before (user: a call
 * counter, or NULL), so the last copy represents the minimum. */
typedef struct live {
  const char *db;
  long reports, worst_unique;
} live;

static nacre_status same_minimum(void *user, nacre_structure *s, double p,
                                 nacre_search_relaxed *o, nacre_error *err) {
  (void)p, (void)err;
  int *calls = user, k = calls ? (*calls)++ : 0;
  double a = 5.26;
  memset(s->cell, 0, sizeof s->cell);
  for (int k = 0; k < 3; k++) s->cell[k][k] = a;
  const double f[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 3; k++) s->positions[3 * i + k] = a * f[i][k];
  memset(o, 0, sizeof *o);
  o->ok = 1;
  o->energy = o->enthalpy = -0.3 - 4e-5 * k;
  snprintf(o->outcome, sizeof o->outcome, "converged");
  return NACRE_OK;
}

static int live_report(void *user, const nacre_search_progress *p) {
  live *l = user;
  if (p->finished % 4 != 2) return 0; /* in the middle of a generation */
  nacre_run *r;
  nacre_search_report *rep;
  nacre_error err;
  if (nacre_run_open_readonly(l->db, &r, &err)) return 0;
  if (!nacre_search_report_new(r, &rep, &err)) {
    l->reports++;
    if (rep->nminima > l->worst_unique) l->worst_unique = rep->nminima;
    nacre_search_report_free(rep);
  }
  nacre_run_close(r);
  return 0;
}

int main(void) {
  nacre_error err;
  snprintf(out, sizeof out, "%s", test_tmp_path("out.txt"));
  char dir[512], db[600], args[2048], path[900];
  snprintf(dir, sizeof dir, "%s", test_tmp_path("runs"));
  snprintf(args, sizeof args, "mkdir -p %s/elsewhere", dir);
  CHECK(system(args) == 0, "work directories");

  /* 1. settings stored whole, output directory absolute */
  snprintf(db, sizeof db, "%s/a.db", dir);
  snprintf(args, sizeof args,
           AR4 " --budget 4 --fmax 0.05 --smax 0.2 --max-steps 7 --symprec "
               "0.02 --pressure 1.5 --db a.db -o resA");
  CHECK(cli_in(dir, args) == 0, "search with relaxation settings exits 0");
  nacre_run *run = NULL;
  CHECK_OK(nacre_run_open_readonly(db, &run, &err), &err);
  if (run) {
    const nacre_search_config *c = nacre_run_config(run);
    snprintf(path, sizeof path, "%s/resA", dir);
    CHECK(c->relax.fmax_ev_a == 0.05 && c->relax.smax_gpa == 0.2 &&
              c->relax.max_steps == 7 && c->symprec == 0.02 &&
              c->pressure_gpa == 1.5,
          "run file keeps fmax %g smax %g max-steps %d symprec %g pressure %g",
          c->relax.fmax_ev_a, c->relax.smax_gpa, c->relax.max_steps,
          c->symprec, c->pressure_gpa);
    CHECK(!strcmp(c->output_dir, path), "output directory stored absolute "
          "(%s)", c->output_dir);
    nacre_run_close(run);
  }

  /* 2. contradictions refused with the option's name; safe changes apply */
  const char *refused[][2] = {{"--pressure 50", "--pressure"},
                              {"--seed 7", "--seed"},
                              {"--fmax 0.1", "--fmax"},
                              {"--reject-closer 0.6", "--reject-closer"},
                              {"--max-steps 100", "--max-steps"},
                              {"--supercell-mutations 0.2", "--supercell-mutations"},
                              {"--walker-share 0.1", "--walker-share"}};
  for (int k = 0; k < 7; k++) {
    snprintf(args, sizeof args, "--resume a.db %s -q", refused[k][0]);
    CHECK(cli_in(dir, args) == 2 && output_has(refused[k][1]) &&
              output_has("contradicts"),
          "--resume with %s refused, naming %s", refused[k][0], refused[k][1]);
  }
  snprintf(args, sizeof args, "--resume a.db --pressure 1.5 --seed 1 -q");
  CHECK(cli_in(dir, args) == 0, "options equal to the run's are accepted");
  snprintf(args, sizeof args,
           "--resume a.db --budget 8 --time-limit 1h -j 2 -p "
           "lj:epsilon=0.0104,sigma=3.4,cutoff=8.0 -q");
  CHECK(cli_in(dir, args) == 0, "budget, time limit, jobs and potential apply");
  run = NULL;
  CHECK_OK(nacre_run_open_readonly(db, &run, &err), &err);
  if (run) {
    const nacre_search_config *c = nacre_run_config(run);
    long pending, done, failed;
    CHECK_OK(nacre_run_counts(run, &pending, &done, &failed, &err), &err);
    CHECK(c->budget == 8 && c->time_limit_s == 3600 && c->jobs == 2 &&
              strstr(c->potential, "cutoff=8.0") && done + failed == 8,
          "resumed with budget %d, time limit %g s, jobs %d, potential %s: "
          "%ld relaxations",
          c->budget, c->time_limit_s, c->jobs, c->potential, done + failed);
    nacre_candidate *cand;
    long n;
    CHECK_OK(nacre_run_load_done(run, &cand, &n, &err), &err);
    int within = 1;
    for (long k = 0; k < n; k++) within &= cand[k].steps <= 8;
    CHECK(within, "every relaxation kept the run's 7 steps");
    nacre_candidates_free(cand, n);
    nacre_run_close(run);
  }

  /* 3. species checked before anything is written */
  const char *na = test_shared_path("maise/models/nn_Na_d3_v0");
  if (na) {
    snprintf(args, sizeof args, "--composition Li4 -p %s --db li.db -q", na);
    CHECK(cli_in(dir, args) == 1 && output_has("Li"),
          "Li4 with the Na model refused, naming Li");
    snprintf(path, sizeof path, "%s/li.db", dir);
    CHECK(!file_exists(path), "and no run file was made");
    snprintf(args, sizeof args, "--resume a.db -p %s -q", na);
    CHECK(cli_in(dir, args) == 1 && output_has("Ar"),
          "resuming an argon run with the Na model refused, naming Ar");
  }

  /* 4a. a smaller budget on resume keeps the pool */
  nacre_search_config c;
  nacre_search_config_init(&c);
  nacre_composition_parse("Ar4", &c.composition, &err);
  c.budget = 24;
  c.population = 6;
  c.engine = NACRE_ENGINE_RANDOM;
  c.random.volume_per_atom = 45;
  nacre_random_options_set_distance(&c.random, 18, 18, 3.0, &err);
  snprintf(db, sizeof db, "%s/b.db", dir);
  CHECK_OK(nacre_run_create(db, &c, &run, &err), &err);
  int calls = 0;
  CHECK_OK(nacre_search_run(run, same_minimum, &calls, NULL, NULL, NULL, &err),
           &err);
  nacre_run_close(run);
  long before[64], after[64];
  long nb = stored_duplicates(db, before, 64);
  nacre_search_report *rep;
  long unique_before = -1;
  CHECK_OK(nacre_run_open(db, &run, &err), &err);
  if (run) {
    CHECK_OK(nacre_search_report_new(run, &rep, &err), &err);
    unique_before = rep->nminima;
    nacre_search_report_free(rep);
    CHECK(unique_before == 1, "24 copies of one minimum: one unique (%ld)",
          unique_before);
    CHECK_OK(nacre_run_set_limits(run, 12, -1, 0, &err), &err);
    CHECK_OK(nacre_search_run(run, same_minimum, &calls, NULL, NULL, NULL,
                              &err),
             &err);
    CHECK_OK(nacre_search_report_new(run, &rep, &err), &err);
    CHECK(rep->nminima == unique_before && pool_is_unique(rep, &c.duplicate),
          "resumed with budget 12 of 24: %ld unique minima, as before (%ld)",
          rep->nminima, unique_before);
    nacre_search_report_free(rep);
    nacre_run_close(run);
  }
  long na2 = stored_duplicates(db, after, 64);
  CHECK(nb == 24 && na2 == nb && !memcmp(before, after, sizeof(long) * nb),
        "the stored pool is unchanged by the resume");

  /* 4b. the report of a running search lists a minimum once */
  snprintf(db, sizeof db, "%s/live.db", dir);
  c.budget = 12;
  c.population = 4;
  CHECK_OK(nacre_run_create(db, &c, &run, &err), &err);
  live l = {db, 0, 0};
  CHECK_OK(nacre_search_run(run, same_minimum, NULL, live_report, &l, NULL,
                            &err),
           &err);
  nacre_run_close(run);
  CHECK(l.reports >= 2 && l.worst_unique == 1,
        "%ld live reports, each with one minimum (at most %ld)", l.reports,
        l.worst_unique);

  /* 5. the run's own output directory, from anywhere */
  snprintf(args, sizeof args, "--report ../a.db --top 1");
  snprintf(path, sizeof path, "%s/elsewhere", dir);
  CHECK(cli_in(path, args) == 0, "--report from another directory exits 0");
  snprintf(path, sizeof path, "%s/resA/summary.json", dir);
  CHECK(file_exists(path), "--report wrote into the run's own directory");
  snprintf(path, sizeof path, "%s/elsewhere/search-results", dir);
  CHECK(!file_exists(path), "and not into ./search-results");

  /* 6. failures explained; composition cap */
  snprintf(args, sizeof args,
           "--composition Ar4 -p " LJ " --population 4 --volume 45 --budget 4 "
           "--dmin Ar-Ar=3.0 --reject-closer 2 --db f.db -o resF --json");
  CHECK(cli_in(dir, args) == 0, "a search whose minima all fail exits 0");
  char *t = test_read_all(out, NULL);
  const char *js = t ? strchr(t, '{') : NULL;
  cJSON *j = js ? cJSON_Parse(js) : NULL;
  cJSON *fl = j ? cJSON_GetObjectItem(j, "failures") : NULL;
  cJSON *tc = fl ? cJSON_GetObjectItem(fl, "too-close") : NULL;
  CHECK(cJSON_IsNumber(tc) && tc->valuedouble == 4,
        "summary.json counts 4 too-close failures");
  CHECK(t && strstr(t, "4 failed (too-close 4)"),
        "the progress line counts them by reason");
  cJSON_Delete(j);
  free(t);
  snprintf(args, sizeof args, "--report f.db");
  CHECK(cli_in(dir, args) == 0 && output_has("no minima yet") &&
            output_has("4 failed (too-close 4)"),
        "the table says why there are no minima");
  snprintf(args, sizeof args,
           "--composition Na10000 -p " LJ " --budget 1 --db big.db");
  CHECK(cli_in(dir, args) == 2 && output_has("1000"),
        "Na10000 refused as a usage error naming the 1000-atom limit");
  test_tmp_cleanup();
  TEST_DONE();
}
