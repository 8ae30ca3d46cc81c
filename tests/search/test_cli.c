/* test_cli.c — `nacre search`: --help and exit codes for usage errors;
 * --report of a run ranks its unique minima by enthalpy, writes CIF, POSCAR,
 * extxyz and a JSON summary whose counts match the run database, and each
 * structure file carries the H, E, V and P of its minimum (the CIF data
 * block, the POSCAR title line, the extxyz info line) as summary.json lists
 * them, with H = E + PV; the last progress line shows the unique count
 * the run holds; a full
 * search on Lennard-Jones when the build can relax (opt/), else that part is
 * skipped with a message. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iotest.h"
#include "nacre/io.h"
#include "nacre/search.h"
#include "searchtest.h"
#include "testing.h"

static int cli(const char *args, const char *out) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s search %s >%s 2>&1", NACRE_CLI, args, out);
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int file_exists(const char *path) { return access(path, R_OK) == 0; }

static double num(const cJSON *o, const char *key) {
  const cJSON *x = cJSON_GetObjectItem(o, key);
  return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

/* The number after `key` in text (NAN when absent). */
static double after(const char *text, const char *key) {
  const char *p = text ? strstr(text, key) : NULL;
  double v;
  return p && sscanf(p + strlen(key), "%lf", &v) == 1 ? v : NAN;
}

/* Every structure file of a report carries its minimum's H, E, V (per atom)
 * and P, the figures summary.json lists. Tolerances: the files print 10
 * decimals of eV/atom and 6 of Å^3/atom (POSCAR titles 8 and 5). */
static void files_carry_hevp(const char *dir, int nfiles) {
  char path[700];
  snprintf(path, sizeof path, "%s/summary.json", dir);
  char *text = test_read_all(path, NULL);
  cJSON *sum = text ? cJSON_Parse(text) : NULL;
  free(text);
  double p = num(sum, "pressure_gpa");
  CHECK(p > 0, "the run is under pressure (%g GPa)", p);
  snprintf(path, sizeof path, "%s/minima.extxyz", dir);
  nacre_xyz_reader *xr = nacre_xyz_open(path, NULL);
  nacre_frame f;
  nacre_frame_init(&f);
  int eof = 0, k = 0;
  const cJSON *m;
  cJSON_ArrayForEach(m, cJSON_GetObjectItem(sum, "minima")) {
    double h = num(m, "enthalpy_per_atom_ev"), e = num(m, "energy_per_atom_ev"),
           v = num(m, "volume_per_atom_a3");
    CHECK(fabs(h - (e + p * NACRE_GPA_TO_EV_A3 * v)) < 1e-9,
          "rank %d: H = E + PV (%.10f vs %.10f)", k + 1, h,
          e + p * NACRE_GPA_TO_EV_A3 * v);
    CHECK(xr && nacre_xyz_next(xr, &f, &eof, NULL) == NACRE_OK,
          "minima.extxyz has frame %d", k + 1);
    const char *xh = nacre_frame_get_info(&f, "enthalpy_per_atom_ev"),
               *xe = nacre_frame_get_info(&f, "energy_per_atom_ev"),
               *xv = nacre_frame_get_info(&f, "volume_per_atom_a3"),
               *xp = nacre_frame_get_info(&f, "pressure_gpa");
    CHECK(xh && xe && xv && xp && fabs(atof(xh) - h) < 1e-9 &&
              fabs(atof(xe) - e) < 1e-9 && fabs(atof(xv) - v) < 1e-6 &&
              fabs(atof(xp) - p) < 1e-9 && f.s &&
              fabs(f.energy / f.s->natoms - e) < 1e-9,
          "minima.extxyz frame %d: H, E, V, P of summary.json", k + 1);
    if (k < nfiles) {
      snprintf(path, sizeof path, "%s/rank%02d.cif", dir, k + 1);
      char *cif = test_read_all(path, NULL);
      CHECK(fabs(after(cif, "_nacre_enthalpy_per_atom_ev") - h) < 1e-9 &&
                fabs(after(cif, "_nacre_energy_per_atom_ev") - e) < 1e-9 &&
                fabs(after(cif, "_nacre_volume_per_atom_a3") - v) < 1e-6 &&
                fabs(after(cif, "_nacre_pressure_gpa") - p) < 1e-9,
            "%s: H, E, V, P of summary.json in its data block", path);
      free(cif);
      snprintf(path, sizeof path, "%s/rank%02d.POSCAR", dir, k + 1);
      char *pos = test_read_all(path, NULL);
      CHECK(fabs(after(pos, " H ") - h) < 1e-8 && fabs(after(pos, " E ") - e) < 1e-8 &&
                fabs(after(pos, " V ") - v) < 1e-5 && fabs(after(pos, " P ") - p) < 1e-9,
            "%s: H, E, V, P of summary.json in its title line", path);
      free(pos);
    }
    k++;
  }
  CHECK(k >= nfiles, "summary.json lists %d minima", k);
  nacre_frame_clear(&f);
  nacre_xyz_close(xr);
  cJSON_Delete(sum);
}

/* The unique count of the last progress line is the run's: minima join the
 * pool when their generation is complete, after the last relaxation's
 * report (Ar8 with this seed: the last line said 14, the run held 15). */
static void last_progress_is_final(const char *dir) {
  char db[600], args[2048], out[700];
  snprintf(db, sizeof db, "%s/progress.db", dir);
  snprintf(out, sizeof out, "%s/progress.txt", dir);
  snprintf(args, sizeof args,
           "--composition Ar8 --potential lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=1 "
           "--budget 40 --population 5 --volume 45 --db %s -o %s/progress --json",
           db, dir);
  CHECK(cli(args, out) == 0, "Ar8 search with progress exits 0");
  char *text = test_read_all(out, NULL);
  const char *last = NULL;
  for (const char *p = text; p && (p = strstr(p, "gen ")); p++)
    if (p == text || p[-1] == '\n') last = p;
  long shown = -1;
  const char *u = last ? strstr(last, " unique") : NULL;
  if (u) {
    while (u > last && u[-1] >= '0' && u[-1] <= '9') u--;
    shown = atol(u);
  }
  const char *j = text ? strchr(text, '{') : NULL;
  cJSON *sum = j ? cJSON_Parse(j) : NULL;
  const cJSON *unique = cJSON_GetObjectItem(sum, "unique");
  CHECK(cJSON_IsNumber(unique) && shown == (long)unique->valuedouble,
        "the last progress line shows %ld unique minima, the run holds %g", shown,
        cJSON_IsNumber(unique) ? unique->valuedouble : -1.0);
  cJSON_Delete(sum);
  free(text);
}

int main(void) {
  char out[512], args[1536];
  snprintf(out, sizeof out, "%s", test_tmp_path("out.txt"));
  CHECK(cli("--help", out) == 0, "--help exits 0");
  char *text = test_read_all(out, NULL);
  CHECK(text && strstr(text, "--composition") && strstr(text, "--resume") &&
            strstr(text, "--report"),
        "--help documents the options");
  free(text);
  CHECK(cli("", out) == 2, "no composition: usage error");
  CHECK(cli("--composition Xx3 --potential lj:epsilon=1,sigma=1,cutoff=3",
            out) == 2,
        "unknown element: usage error");
  CHECK(cli("--composition Na4 --potential x --groups 0-5", out) == 2,
        "bad space-group list: usage error");
  CHECK(cli("--composition Na4 --potential x --bogus", out) == 2,
        "unknown option: usage error");
  const char *bad[] = {"--swarm 0.5,1", "--swarm 1,1,1", "--swarm 0.5,1,-1",
                       "--swarm 0.5,1,1,2", "--swarm-renew 1.5",
                       "--heredity -0.1", "--heredity 0.8 --mutation 0.3",
                       "--swarm-move sideways",
                       "--swarm 5,1,1 --swarm-move operators",
                       "--engine hopping", "--hop-restart 0",
                       "--hop-ediff 0", "--saturation -1", "--soft-modes phonons",
                       "--symmetric 1.5", "--point-groups Oh,Q3"};
  for (int k = 0; k < 16; k++) {
    snprintf(args, sizeof args, "--composition Na4 --potential x %s", bad[k]);
    CHECK(cli(args, out) == 2, "'%s': usage error", bad[k]);
  }
  CHECK(cli("--report /nonexistent/run.db", out) == 1,
        "missing run: failure exit");

  /* A run made through the library with the stand-in relaxation. */
  char db[512];
  snprintf(db, sizeof db, "%s", test_tmp_path("lj.db"));
  nacre_potential *pot;
  nacre_error err;
  CHECK_OK(nacre_lj_new(0.0104, 3.4, 8.5, 1, &pot, &err), &err);
  nacre_search_config c;
  nacre_search_config_init(&c);
  nacre_composition_parse("Ar4", &c.composition, &err);
  c.budget = 12;
  c.population = 6;
  c.pressure_gpa = 1.5;
  c.random.volume_per_atom = 45;
  nacre_random_options_set_distance(&c.random, 18, 18, 3.0, &err);
  nacre_run *run;
  CHECK_OK(nacre_run_create(db, &c, &run, &err), &err);
  CHECK_OK(nacre_search_run(run, test_sd_relax, pot, NULL, NULL, NULL, &err),
           &err);
  nacre_candidate *cand;
  long n;
  CHECK_OK(nacre_run_load_done(run, &cand, &n, &err), &err);
  long order[64];
  long unique = nacre_candidates_rank(cand, n, order);
  double best = cand[order[0]].enthalpy / 4,
         best_v = cand[order[0]].volume / 4;
  nacre_candidates_free(cand, n);
  nacre_run_close(run);

  char dir[512];
  snprintf(dir, sizeof dir, "%s", test_tmp_path("report"));
  snprintf(args, sizeof args, "--report %s -o %s --top 2 --json", db, dir);
  CHECK(cli(args, out) == 0, "--report exits 0");
  text = test_read_all(out, NULL);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  CHECK(j != NULL, "--json prints JSON");
  if (j) {
    cJSON *u = cJSON_GetObjectItem(j, "unique"),
          *m = cJSON_GetObjectItem(j, "minima");
    CHECK(cJSON_IsNumber(u) && u->valuedouble == unique,
          "JSON unique count = database (%ld)", unique);
    cJSON *first = cJSON_GetArrayItem(m, 0);
    cJSON *h = first ? cJSON_GetObjectItem(first, "enthalpy_per_atom_ev") : NULL;
    CHECK(cJSON_IsNumber(h) && fabs(h->valuedouble - best) < 1e-12,
          "rank 1 is the lowest enthalpy per atom");
    double prev = -1e300;
    int sorted = 1;
    cJSON *it;
    cJSON_ArrayForEach(it, m) {
      double v = cJSON_GetObjectItem(it, "enthalpy_per_atom_ev")->valuedouble;
      sorted &= v >= prev;
      prev = v;
    }
    CHECK(sorted, "minima sorted by enthalpy");
    cJSON_Delete(j);
  }
  free(text);
  char path[600];
  const char *files[] = {"rank01.cif", "rank01.POSCAR", "minima.extxyz",
                         "summary.json"};
  for (int k = 0; k < 4; k++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[k]);
    CHECK(file_exists(path), "report wrote %s", files[k]);
  }
  nacre_structure *s = NULL;
  snprintf(path, sizeof path, "%s/rank01.POSCAR", dir);
  CHECK_OK(nacre_read_structure(path, &s, &err), &err);
  /* the symmetrised standard cell of the minimum: argon only, at the
   * minimum's volume per atom (idealising moves atoms by < symprec) */
  int argon = s && s->natoms > 0;
  for (int i = 0; s && i < s->natoms; i++) argon &= s->numbers[i] == 18;
  CHECK(argon, "rank01.POSCAR holds the argon of the minimum");
  CHECK(s && fabs(fabs(nacre_structure_volume(s)) / s->natoms - best_v) <
                 1e-3 * best_v,
        "rank01.POSCAR at the minimum's volume per atom (%g vs %g)",
        s ? fabs(nacre_structure_volume(s)) / s->natoms : 0, best_v);
  nacre_structure_free(s);
  snprintf(path, sizeof path, "%s/rank03.cif", dir);
  CHECK(!file_exists(path), "--top 2 limits the structure files");
  files_carry_hevp(dir, 2);
  /* the table */
  snprintf(args, sizeof args, "--report %s -o %s", db, dir);
  CHECK(cli(args, out) == 0, "--report table exits 0");
  text = test_read_all(out, NULL);
  CHECK(text && strstr(text, "rank") && strstr(text, "Pearson"),
        "table printed");
  free(text);

  /* Creating over an existing run is refused. */
  snprintf(args, sizeof args,
           "--composition Ar4 --potential lj:epsilon=0.0104,sigma=3.4,cutoff=8.5"
           " --db %s -q",
           db);
  CHECK(cli(args, out) == 1, "existing run not overwritten");

  /* End to end when relaxation is available. */
  nacre_search_relaxer *rel;
  nacre_search_config dc;
  nacre_search_config_init(&dc);
  if (nacre_search_relaxer_new("lj:epsilon=0.0104,sigma=3.4,cutoff=8.5",
                               &dc.relax, &rel, &err) == NACRE_ERR_UNSUPPORTED) {
    printf("note: no opt module in this build, end-to-end search skipped\n");
  } else {
    nacre_search_relaxer_free(rel);
    char db2[512];
    snprintf(db2, sizeof db2, "%s", test_tmp_path("e2e.db"));
    snprintf(args, sizeof args,
             "--composition Ar4 --potential "
             "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5 --budget 8 --population "
             "4 --dmin Ar-Ar=3.0 --volume 45 --db %s -o %s/e2e -q --jobs 2",
             db2, dir);
    CHECK(cli(args, out) == 0, "end-to-end search exits 0");
    snprintf(path, sizeof path, "%s/e2e/rank01.cif", dir);
    CHECK(file_exists(path), "end-to-end search wrote rank01.cif");
    last_progress_is_final(dir);
    /* the engine settings reach the run file */
    char db3[512];
    snprintf(db3, sizeof db3, "%s", test_tmp_path("swarm.db"));
    snprintf(args, sizeof args,
             "--composition Ar4 --potential "
             "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5 --budget 4 --population "
             "2 --engine swarm --swarm 0.7,1.5,0.25 --swarm-renew 0.2 "
             "--heredity 0.6 --mutation 0.1 --dmin Ar-Ar=3.0 --volume 45 "
             "--db %s -o %s/sw -q",
             db3, dir);
    CHECK(cli(args, out) == 0, "search with engine settings exits 0");
    nacre_run *sr = NULL;
    CHECK_OK(nacre_run_open_readonly(db3, &sr, &err), &err);
    if (sr) {
      const nacre_search_config *sc = nacre_run_config(sr);
      CHECK(sc->swarm_inertia == 0.7 && sc->swarm_c1 == 1.5 &&
                sc->swarm_c2 == 0.25 && sc->swarm_regenerate == 0.2 &&
                sc->frac_heredity == 0.6 && sc->frac_mutation == 0.1,
            "run keeps --swarm %g,%g,%g --swarm-renew %g --heredity %g "
            "--mutation %g",
            sc->swarm_inertia, sc->swarm_c1, sc->swarm_c2, sc->swarm_regenerate,
            sc->frac_heredity, sc->frac_mutation);
      nacre_run_close(sr);
    }
    /* operator moves: W defaults to USPEX's 1 and may exceed 1 */
    char db4[512], db5[512];
    snprintf(db4, sizeof db4, "%s", test_tmp_path("ops.db"));
    snprintf(db5, sizeof db5, "%s", test_tmp_path("ops2.db"));
    snprintf(args, sizeof args,
             "--composition Ar4 --potential "
             "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5 --budget 4 --population "
             "2 --engine swarm --swarm-move operators --dmin Ar-Ar=3.0 "
             "--volume 45 --db %s -o %s/ops -q",
             db4, dir);
    CHECK(cli(args, out) == 0, "search with --swarm-move operators exits 0");
    sr = NULL;
    CHECK_OK(nacre_run_open_readonly(db4, &sr, &err), &err);
    if (sr) {
      const nacre_search_config *sc = nacre_run_config(sr);
      CHECK(sc->swarm_operators == 1 && sc->swarm_inertia == 1 &&
                sc->swarm_c1 == 1 && sc->swarm_c2 == 1,
            "run keeps --swarm-move operators with weights %g,%g,%g (%d)",
            sc->swarm_inertia, sc->swarm_c1, sc->swarm_c2, sc->swarm_operators);
      nacre_run_close(sr);
    }
    snprintf(args, sizeof args,
             "--composition Ar4 --potential "
             "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5 --budget 4 --population "
             "2 --engine swarm --swarm-move operators --swarm 2,1,3 --dmin "
             "Ar-Ar=3.0 --volume 45 --db %s -o %s/ops2 -q",
             db5, dir);
    CHECK(cli(args, out) == 0, "--swarm 2,1,3 --swarm-move operators exits 0");
    /* basin hopping with a saturation stop: the summary says why it
     * stopped and shows the diversity */
    char db6[512];
    snprintf(db6, sizeof db6, "%s", test_tmp_path("hop.db"));
    snprintf(args, sizeof args,
             "--cluster --composition Ar6 --potential "
             "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5 --budget 400 --population "
             "4 --engine basin-hopping --hop-ediff 0.02 --hop-restart 5 "
             "--saturation 12 --dmin Ar-Ar=3.0 --volume 45 --db %s -o %s/hop "
             "-q --json",
             db6, dir);
    CHECK(cli(args, out) == 0, "basin-hopping search exits 0");
    text = test_read_all(out, NULL);
    j = text ? cJSON_Parse(text) : NULL;
    cJSON *why = j ? cJSON_GetObjectItem(j, "stop_reason") : NULL;
    cJSON *since = j ? cJSON_GetObjectItem(j, "relaxations_since_new_low") : NULL;
    cJSON *eng = j ? cJSON_GetObjectItem(j, "engine") : NULL;
    CHECK(cJSON_IsString(why) && !strncmp(why->valuestring, "saturated", 9) &&
              cJSON_IsNumber(since) && since->valuedouble >= 12 &&
              cJSON_IsString(eng) &&
              !strcmp(eng->valuestring, "basin-hopping"),
          "--saturation 12 stopped the basin-hopping run (%s, %g since a new "
          "low minimum)",
          cJSON_IsString(why) ? why->valuestring : "?",
          cJSON_IsNumber(since) ? since->valuedouble : -1);
    cJSON_Delete(j);
    free(text);
    sr = NULL;
    CHECK_OK(nacre_run_open_readonly(db6, &sr, &err), &err);
    if (sr) {
      const nacre_search_config *sc = nacre_run_config(sr);
      CHECK(sc->hop_ediff_ev_atom == 0.02 && sc->hop_restart == 5 &&
                sc->saturation == 12,
            "run keeps --hop-ediff %g --hop-restart %d --saturation %d",
            sc->hop_ediff_ev_atom, sc->hop_restart, sc->saturation);
      nacre_run_close(sr);
    }
    /* soft modes of the potential: the job binds them, the run keeps them,
       a resume with the springs is refused naming the option */
    char db7[512];
    snprintf(db7, sizeof db7, "%s", test_tmp_path("modes.db"));
    snprintf(args, sizeof args,
             "--composition Ar4 --potential "
             "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5 --budget 8 --population "
             "4 --engine evolution --heredity 0 --mutation 1 --soft-modes potential "
             "--dmin Ar-Ar=3.0 --volume 45 --db %s -o %s/modes -q",
             db7, dir);
    CHECK(cli(args, out) == 0, "search with --soft-modes potential exits 0");
    sr = NULL;
    CHECK_OK(nacre_run_open_readonly(db7, &sr, &err), &err);
    if (sr) {
      CHECK(nacre_run_config(sr)->soft_modes == NACRE_SOFT_MODES_POTENTIAL,
            "run keeps --soft-modes potential");
      nacre_run_close(sr);
    }
    snprintf(args, sizeof args, "--resume %s --budget 12 --soft-modes springs -q", db7);
    int rc7 = cli(args, out);
    text = test_read_all(out, NULL);
    CHECK(rc7 != 0 && text && strstr(text, "--soft-modes"),
          "a resume with other soft modes is refused naming --soft-modes (exit %d): %.200s",
          rc7, text ? text : "");
    free(text);
    /* symmetric clusters: the run keeps the share and the groups */
    char db8[512];
    snprintf(db8, sizeof db8, "%s", test_tmp_path("sym.db"));
    snprintf(args, sizeof args,
             "--cluster --composition Ar13 --potential "
             "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5 --budget 4 --population "
             "4 --engine random --symmetric 1 --point-groups Ih,D5h "
             "--dmin Ar-Ar=3.0 --volume 45 --db %s -o %s/sym -q --json",
             db8, dir);
    CHECK(cli(args, out) == 0, "symmetric cluster search exits 0");
    sr = NULL;
    CHECK_OK(nacre_run_open_readonly(db8, &sr, &err), &err);
    if (sr) {
      const nacre_search_config *sc = nacre_run_config(sr);
      CHECK(sc->frac_symmetric == 1 && !strcmp(sc->point_groups, "Ih,D5h"),
            "run keeps --symmetric %g --point-groups %s", sc->frac_symmetric,
            sc->point_groups);
      nacre_run_close(sr);
    }
    snprintf(args, sizeof args,
             "--cluster --composition Ar5 --potential "
             "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5 --budget 4 --population "
             "4 --symmetric 1 --point-groups Ih --dmin Ar-Ar=3.0 --volume 45 "
             "--db %s -o %s/sym5 -q",
             test_tmp_path("sym5.db"), dir);
    CHECK(cli(args, out) == 1, "Ar5 of point group Ih: failure exit");
    text = test_read_all(out, NULL);
    CHECK(text && strstr(text, "Ih") && strstr(text, "Ar5"),
          "the message names the groups and the composition: %s",
          text ? text : "");
    free(text);
    /* resume with a larger budget continues the same run */
    snprintf(args, sizeof args, "--resume %s --budget 12 -o %s/e2e -q --json",
             db2, dir);
    CHECK(cli(args, out) == 0, "resume exits 0");
    text = test_read_all(out, NULL);
    j = text ? cJSON_Parse(text) : NULL;
    cJSON *rl = j ? cJSON_GetObjectItem(j, "relaxed") : NULL;
    cJSON *fl = j ? cJSON_GetObjectItem(j, "failed") : NULL;
    CHECK(cJSON_IsNumber(rl) && cJSON_IsNumber(fl) &&
              rl->valuedouble + fl->valuedouble == 12,
          "resumed run reached 12 relaxations");
    cJSON_Delete(j);
    free(text);
  }
  nacre_potential_free(pot);
  test_tmp_cleanup();
  TEST_DONE();
}
