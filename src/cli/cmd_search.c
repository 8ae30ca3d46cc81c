/* cmd_search.c — `nacre search`: global structure search for a composition
 * with a potential (random, evolutionary, particle-swarm engines over one
 * pool), kept in a resumable SQLite run; `--report` ranks a run's minima. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "nacre/io.h"
#include "nacre/search.h"

static const char *CMD = "search";

static void help(void) {
  printf(
      "Usage: nacre search --composition FORMULA --potential SPEC [options]\n"
      "       nacre search --resume RUN.db [--budget N] [--time T] [--jobs N]\n"
      "       nacre search --report RUN.db [--json] [-o DIR] [--top K]\n"
      "\n"
      "Searches for the lowest-enthalpy structures of a composition: random\n"
      "symmetric structures (any of the 230 space groups, Wyckoff positions\n"
      "chosen to give the composition exactly), an evolutionary algorithm\n"
      "(cut-and-splice heredity, lattice strain, displacements, swaps of\n"
      "unlike atoms, soft modes) and a particle swarm, all sharing\n"
      "one pool. Every candidate is relaxed (L-BFGS, atoms and cell, at the\n"
      "given pressure) and compared with the pool by fingerprint, enthalpy and\n"
      "volume; duplicates are counted, not kept. Everything is stored in an\n"
      "SQLite run file after each relaxation, so a killed search continues\n"
      "with --resume and gives the same pool as an uninterrupted one (same\n"
      "seed and --jobs).\n"
      "\n"
      "Search:\n"
      "  --composition F   atoms in the cell, e.g. Na16, Li12Sn4 (required)\n"
      "  --potential SPEC  potential file (EAM, MAISE, nacre) or inline\n"
      "                    lj:epsilon=E,sigma=S,cutoff=RC (required)\n"
      "  --pressure P      GPa (default 0)\n"
      "  --engine E        random, evolution, swarm or auto (default auto:\n"
      "                    40%% heredity, 20%% mutation, 20%% swarm, 20%%\n"
      "                    random per generation after the first; clusters:\n"
      "                    50%% heredity, 30%% mutation, 20%% random)\n"
      "  --heredity F      --engine evolution: share of each generation made\n"
      "                    by heredity (default 0.5)\n"
      "  --mutation F      --engine evolution: share made by mutation\n"
      "                    (default 0.3); the rest are random structures\n"
      "  --swarm W,C1,C2   particle swarm: inertia W of a particle's previous\n"
      "                    move and pulls C1 toward its own best and C2\n"
      "                    toward the swarm's best, v' = W v + C1 r1 (pbest -\n"
      "                    x) + C2 r2 (gbest - x) with r1, r2 in [0, 1)\n"
      "                    (default 0.5,1,1; with --swarm-move operators the\n"
      "                    weights of a mutation and of heredity with pbest\n"
      "                    and gbest, default 1,1,1)\n"
      "  --swarm-move M    how a particle moves: velocity (default; CALYPSO:\n"
      "                    atoms by the velocity above, the cell toward the\n"
      "                    bests) or operators (USPEX's corrected PSO: a\n"
      "                    mutation of the particle with weight W, or\n"
      "                    heredity with pbest or gbest with weight C1 r1 Dp\n"
      "                    or C2 r2 Dg, Dp and Dg its fingerprint distances\n"
      "                    to them, in [0, 1])\n"
      "  --swarm-renew F   share of the particles replaced by new random\n"
      "                    structures each generation (default 0.4)\n"
      "  --budget N        relaxations in total (default 100)\n"
      "  --time T          stop after T of wall time: 90s, 30m, 2h (default:\n"
      "                    none); the run can be resumed\n"
      "  --stall G         stop after G generations without a lower enthalpy\n"
      "                    (default 0: never)\n"
      "  --population N    candidates per generation (default 20)\n"
      "  --jobs N          worker processes relaxing in parallel (default 1)\n"
      "                    MPI builds (-DNACRE_MPI=ON): mpirun -np N nacre\n"
      "                    search ... relaxes on ranks 1..N-1, rank 0 keeps\n"
      "                    the run (same pool as --jobs N-1, same seed)\n"
      "  --seed S          random seed (default 1)\n"
      "  --groups LIST     space groups for random structures, e.g. 1-230,\n"
      "                    194,225,229 (default 1-230)\n"
      "  --cluster         search clusters (no periodicity) instead\n"
      "  --volume V        starting volume per atom, Å^3 (default: from\n"
      "                    covalent radii and pressure)\n"
      "  --dmin-factor F   minimum distance = F × sum of covalent radii\n"
      "                    (default 0.7)\n"
      "  --dmin A-B=D      minimum distance between elements A and B in Å\n"
      "                    (repeatable)\n"
      "  --fmax F          relaxation force tolerance, eV/Å (default 0.01)\n"
      "  --smax S          relaxation stress tolerance, GPa (default 0.01)\n"
      "  --max-steps N     relaxation steps (default 1000)\n"
      "  --similarity X    fingerprint similarity above which two minima with\n"
      "                    enthalpies within 5 meV/atom are the same (0.95)\n"
      "  --reject-closer F reject relaxed minima with two atoms closer than\n"
      "                    F × the sum of their covalent radii (or F × the\n"
      "                    --dmin of the pair when given): spurious minima\n"
      "                    of machine-learned potentials (default 0.8; 0:\n"
      "                    keep all)\n"
      "\n"
      "Files and output:\n"
      "  --db RUN.db       run file to create (default search.db; refuses an\n"
      "                    existing run)\n"
      "  --resume RUN.db   continue a run (its settings; --budget, --time,\n"
      "                    --jobs and --potential may be given again)\n"
      "  --report RUN.db   rank the minima of a run (it may still be running)\n"
      "  -o, --output DIR  results directory (default search-results):\n"
      "                    rankNN.cif and rankNN.POSCAR for the top minima,\n"
      "                    minima.extxyz with every unique minimum, summary.json\n"
      "  --top K           minima in the table and as CIF/POSCAR (default 10)\n"
      "  --json            print the JSON summary instead of the table\n"
      "  -q, --quiet       no progress line\n"
      "  -h, --help        this text\n"
      "\n"
      "The table lists rank, enthalpy per atom H (eV/atom), ΔH to the best\n"
      "(meV/atom), space group (spglib, 0.05 Å), Pearson symbol, volume per\n"
      "atom (Å^3), how often the minimum was found and which candidate found\n"
      "it first (relaxation number, generation, engine and operator). Of the\n"
      "copies of one minimum the lowest-enthalpy one is listed and written.\n"
      "\n"
      "Exit status: 0 success; 1 failure or interrupted (resume it); 2 usage\n"
      "error.\n");
}

static int parse_time(const char *text, double *out) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || errno || !(v >= 0)) return -1;
  double mult = 1;
  if (!strcmp(end, "s") || !*end) mult = 1;
  else if (!strcmp(end, "m")) mult = 60;
  else if (!strcmp(end, "h")) mult = 3600;
  else if (!strcmp(end, "d")) mult = 86400;
  else return -1;
  *out = v * mult;
  return 0;
}

typedef struct progress_state {
  int quiet, tty;
  long last_printed;
} progress_state;

static int on_progress(void *user, const nacre_search_progress *p) {
  progress_state *ps = user;
  if (ps->quiet) return 0;
  if (!ps->tty && p->done - ps->last_printed < 10 && p->done < p->budget)
    return 0;
  ps->last_printed = p->done;
  int el = (int)p->elapsed_s;
  fprintf(stderr,
          "%sgen %d  %ld/%ld relaxed  %ld unique  best %.5f eV/atom (%s)  "
          "%.0f relax/h  %d:%02d:%02d%s",
          ps->tty ? "\r" : "", p->generation, p->done, p->budget, p->unique,
          p->best_h_atom, p->best_pearson, p->relax_per_hour, el / 3600,
          el / 60 % 60, el % 60, ps->tty ? "   " : "\n");
  fflush(stderr);
  return 0;
}

/* ---- results ---- */

static nacre_status write_extxyz(const char *path, const nacre_candidate *c,
                                 const long *order, long m, nacre_error *err) {
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  for (long r = 0; r < m && !st; r++) {
    const nacre_candidate *x = &c[order[r]];
    nacre_frame f;
    nacre_frame_init(&f);
    f.s = x->relaxed;
    f.has = NACRE_FRAME_ENERGY;
    f.energy = x->energy;
    char buf[64];
    snprintf(buf, sizeof buf, "%.10f", x->enthalpy);
    st = nacre_frame_set_info(&f, "enthalpy", buf, err);
    snprintf(buf, sizeof buf, "%ld", r + 1);
    if (!st) st = nacre_frame_set_info(&f, "rank", buf, err);
    snprintf(buf, sizeof buf, "%ld", x->id);
    if (!st) st = nacre_frame_set_info(&f, "candidate", buf, err);
    snprintf(buf, sizeof buf, "%d", x->sg);
    if (!st) st = nacre_frame_set_info(&f, "spacegroup", buf, err);
    if (!st) st = nacre_frame_set_info(&f, "pearson", x->pearson, err);
    if (!st) st = nacre_xyz_write(af.fp, &f, err);
    f.s = NULL;
    nacre_frame_clear(&f);
  }
  if (st) {
    nacre_atomic_abort(&af);
    return st;
  }
  return nacre_atomic_commit(&af, err);
}

static int report(nacre_run *run, const char *dir, int top, int json,
                  double elapsed_s) {
  nacre_error err;
  const nacre_search_config *cfg = nacre_run_config(run);
  nacre_candidate *c = NULL;
  long n = 0, pending, done, failed;
  if (nacre_run_load_done(run, &c, &n, &err) ||
      nacre_run_counts(run, &pending, &done, &failed, &err))
    return cli_fail(CMD, &err);
  long *order = malloc(sizeof(long) * (size_t)(n > 0 ? n : 1));
  long *found = calloc((size_t)(n > 0 ? n : 1), sizeof(long));
  if (!order || !found) {
    free(order);
    free(found);
    nacre_candidates_free(c, n);
    nacre_error_set(&err, NACRE_ERR_NOMEM, "out of memory");
    return cli_fail(CMD, &err);
  }
  long m = nacre_candidates_rank(c, n, order);
  /* times each minimum was found: itself plus its duplicates */
  /* and the first candidate that found it (the representative is its
   * lowest-enthalpy copy, which may have come later) */
  long *first = malloc(sizeof(long) * (size_t)(m > 0 ? m : 1));
  if (!first) {
    free(order);
    free(found);
    nacre_candidates_free(c, n);
    nacre_error_set(&err, NACRE_ERR_NOMEM, "out of memory");
    return cli_fail(CMD, &err);
  }
  for (long r = 0; r < m; r++) first[r] = order[r];
  for (long k = 0; k < n; k++) {
    long target = c[k].duplicate_of >= 0 ? c[k].duplicate_of : c[k].id;
    for (long r = 0; r < m; r++)
      if (c[order[r]].id == target) {
        found[r]++;
        if (c[k].id < c[first[r]].id) first[r] = k;
      }
  }
  int rc = CLI_OK;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    nacre_error_set(&err, NACRE_ERR_IO, "%s: %s", dir, strerror(errno));
    rc = cli_fail(CMD, &err);
    goto done;
  }
  char comp[128];
  nacre_composition_format(&cfg->composition, comp, sizeof comp);
  double h0 = m > 0 ? c[order[0]].enthalpy / c[order[0]].relaxed->natoms : 0;
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "composition", comp);
  cJSON_AddNumberToObject(root, "pressure_gpa", cfg->pressure_gpa);
  cJSON_AddStringToObject(root, "engine", nacre_engine_name(cfg->engine));
  cJSON_AddStringToObject(root, "potential", cfg->potential);
  cJSON_AddNumberToObject(root, "seed", (double)cfg->seed);
  cJSON_AddNumberToObject(root, "budget", cfg->budget);
  cJSON_AddNumberToObject(root, "relaxed", (double)done);
  cJSON_AddNumberToObject(root, "failed", (double)failed);
  cJSON_AddNumberToObject(root, "pending", (double)pending);
  cJSON_AddNumberToObject(root, "unique", (double)m);
  cJSON_AddStringToObject(root, "stop_reason", nacre_run_stop_reason(run));
  if (elapsed_s > 0) {
    cJSON_AddNumberToObject(root, "elapsed_s", elapsed_s);
  }
  cJSON *arr = cJSON_AddArrayToObject(root, "minima");
  if (!json && m > 0)
    printf("%4s %13s %9s %-12s %-9s %9s %6s  %s\n", "rank", "H (eV/atom)",
           "ΔH meV/at", "space group", "Pearson", "V (Å^3/at)", "found",
           "first found (relaxation, generation, engine:operator)");
  for (long r = 0; r < m; r++) {
    const nacre_candidate *x = &c[order[r]], *f = &c[first[r]];
    int na = x->relaxed->natoms;
    double h = x->enthalpy / na, dh = 1000 * (h - h0),
           v = x->volume / na;
    char sgtext[32];
    if (x->sg > 0) snprintf(sgtext, sizeof sgtext, "%s(%d)", x->sg_symbol, x->sg);
    else snprintf(sgtext, sizeof sgtext, "-");
    if (!json && r < top)
      printf("%4ld %13.6f %9.2f %-12s %-9s %9.3f %6ld  #%ld gen %d %s%s%s\n",
             r + 1, h, dh, sgtext, x->pearson, v, found[r], f->id,
             f->generation, strcmp(f->engine, "random") ? f->engine : "",
             strcmp(f->engine, "random") ? ":" : "", f->op);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rank", (double)(r + 1));
    cJSON_AddNumberToObject(o, "candidate", (double)x->id);
    cJSON_AddNumberToObject(o, "generation", x->generation);
    cJSON_AddStringToObject(o, "engine", x->engine);
    cJSON_AddStringToObject(o, "operator", x->op);
    cJSON_AddStringToObject(o, "parents", x->parents);
    cJSON_AddNumberToObject(o, "enthalpy_ev_atom", h);
    cJSON_AddNumberToObject(o, "delta_h_mev_atom", dh);
    cJSON_AddNumberToObject(o, "energy_ev_atom", x->energy / na);
    cJSON_AddNumberToObject(o, "volume_a3_atom", v);
    cJSON_AddNumberToObject(o, "spacegroup", x->sg);
    cJSON_AddStringToObject(o, "spacegroup_symbol", x->sg_symbol);
    cJSON_AddStringToObject(o, "pearson", x->pearson);
    cJSON_AddNumberToObject(o, "times_found", (double)found[r]);
    cJSON_AddNumberToObject(o, "first_found_candidate", (double)f->id);
    if (r < top) {
      char path[4096], name[64];
      snprintf(name, sizeof name, "rank%02ld", r + 1);
      snprintf(path, sizeof path, "%s/%s.cif", dir, name);
      int periodic = x->relaxed->pbc[0] && x->relaxed->pbc[1] && x->relaxed->pbc[2];
      if (periodic &&
          nacre_write_structure(path, x->relaxed, NACRE_FORMAT_CIF, &err)) {
        rc = cli_fail(CMD, &err);
        cJSON_Delete(o);
        break;
      }
      snprintf(path, sizeof path, "%s/%s.POSCAR", dir, name);
      if (nacre_write_structure(path, x->relaxed, NACRE_FORMAT_POSCAR, &err)) {
        rc = cli_fail(CMD, &err);
        cJSON_Delete(o);
        break;
      }
      cJSON_AddStringToObject(o, "file", name);
    }
    cJSON_AddItemToArray(arr, o);
  }
  if (!json && m == 0) printf("no minima yet\n");
  if (rc == CLI_OK) {
    char path[4096];
    snprintf(path, sizeof path, "%s/minima.extxyz", dir);
    if (write_extxyz(path, c, order, m, &err)) rc = cli_fail(CMD, &err);
  }
  char *text = cJSON_Print(root);
  if (rc == CLI_OK && text) {
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    nacre_atomic_file af;
    if (nacre_atomic_open(&af, path, &err) == NACRE_OK) {
      fputs(text, af.fp);
      fputc('\n', af.fp);
      if (nacre_atomic_commit(&af, &err)) rc = cli_fail(CMD, &err);
    } else {
      rc = cli_fail(CMD, &err);
    }
    if (json) printf("%s\n", text);
    else
      printf("%ld relaxed, %ld failed, %ld unique minima; results in %s/\n",
             done, failed, m, dir);
  }
  free(text);
  cJSON_Delete(root);
done:
  free(order);
  free(found);
  free(first);
  nacre_candidates_free(c, n);
  return rc;
}

/* "Na-Cl=2.4" */
static int parse_dmin(const char *text, nacre_random_options *o) {
  char a[8], b[8];
  double d;
  int n = 0;
  if (sscanf(text, "%7[A-Za-z]-%7[A-Za-z]=%lf%n", a, b, &d, &n) != 3 ||
      text[n] != '\0')
    return -1;
  int za = nacre_element_z(a), zb = nacre_element_z(b);
  if (!za || !zb) return -1;
  return nacre_random_options_set_distance(o, za, zb, d, NULL) ? -1 : 0;
}

/* m: this is rank 0 of an MPI job (the other ranks serve). */
static int search_main(int argc, char **argv, nacre_search_mpi *m) {
  nacre_search_config cfg;
  nacre_search_config_init(&cfg);
  const char *db = "search.db", *resume = NULL, *report_db = NULL,
             *dir = "search-results", *potential = NULL, *composition = NULL;
  int json = 0, quiet = 0, top = 10, max_steps = 0, budget = 0, jobs = 0,
      swarm_given = 0;
  double fmax = 0, smax = 0, time_limit = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE()                                                           \
  do {                                                                         \
    if (!v) return cli_usage(CMD, "%s needs a value", a);                      \
    i++;                                                                       \
  } while (0)
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return CLI_OK;
    } else if (!strcmp(a, "--composition")) {
      NEED_VALUE();
      composition = v;
    } else if (!strcmp(a, "--potential")) {
      NEED_VALUE();
      potential = v;
    } else if (!strcmp(a, "--pressure")) {
      NEED_VALUE();
      if (cli_parse_double(CMD, a, v, &cfg.pressure_gpa)) return CLI_USAGE;
    } else if (!strcmp(a, "--engine")) {
      NEED_VALUE();
      nacre_error err;
      if (nacre_engine_parse(v, &cfg.engine, &err))
        return cli_usage(CMD, "%s", err.message);
    } else if (!strcmp(a, "--heredity") || !strcmp(a, "--mutation")) {
      NEED_VALUE();
      double *f = a[2] == 'h' ? &cfg.frac_heredity : &cfg.frac_mutation;
      if (cli_parse_double(CMD, a, v, f) || !(*f >= 0 && *f <= 1))
        return cli_usage(CMD, "%s must be in [0, 1]", a);
    } else if (!strcmp(a, "--swarm")) {
      NEED_VALUE();
      double w, c1, c2;
      char extra;
      if (sscanf(v, "%lf,%lf,%lf%c", &w, &c1, &c2, &extra) != 3 ||
          !(w >= 0 && w <= 4) || !(c1 >= 0 && c1 <= 4) || !(c2 >= 0 && c2 <= 4))
        return cli_usage(CMD, "--swarm expects W,C1,C2 with 0 ≤ W, C1, C2 ≤ 4, "
                              "got '%s'", v);
      cfg.swarm_inertia = w;
      cfg.swarm_c1 = c1;
      cfg.swarm_c2 = c2;
      swarm_given = 1;
    } else if (!strcmp(a, "--swarm-move")) {
      NEED_VALUE();
      if (strcmp(v, "velocity") && strcmp(v, "operators"))
        return cli_usage(CMD, "--swarm-move expects velocity or operators, got '%s'",
                         v);
      cfg.swarm_operators = !strcmp(v, "operators");
    } else if (!strcmp(a, "--swarm-renew")) {
      NEED_VALUE();
      if (cli_parse_double(CMD, a, v, &cfg.swarm_regenerate) ||
          !(cfg.swarm_regenerate >= 0 && cfg.swarm_regenerate <= 1))
        return cli_usage(CMD, "--swarm-renew must be in [0, 1]");
    } else if (!strcmp(a, "--budget")) {
      NEED_VALUE();
      if (cli_parse_int(CMD, a, v, &budget) || budget < 1)
        return cli_usage(CMD, "--budget must be a positive integer");
    } else if (!strcmp(a, "--time")) {
      NEED_VALUE();
      if (parse_time(v, &time_limit))
        return cli_usage(CMD, "--time expects e.g. 90s, 30m, 2h, got '%s'", v);
    } else if (!strcmp(a, "--stall")) {
      NEED_VALUE();
      if (cli_parse_int(CMD, a, v, &cfg.stall_generations) ||
          cfg.stall_generations < 0)
        return cli_usage(CMD, "--stall must be ≥ 0");
    } else if (!strcmp(a, "--population")) {
      NEED_VALUE();
      if (cli_parse_int(CMD, a, v, &cfg.population) || cfg.population < 1)
        return cli_usage(CMD, "--population must be ≥ 1");
    } else if (!strcmp(a, "--jobs")) {
      NEED_VALUE();
      if (cli_parse_int(CMD, a, v, &jobs) || jobs < 1 || jobs > 256)
        return cli_usage(CMD, "--jobs must be in 1..256");
    } else if (!strcmp(a, "--seed")) {
      NEED_VALUE();
      char *end;
      errno = 0;
      cfg.seed = strtoull(v, &end, 10);
      if (end == v || *end || errno)
        return cli_usage(CMD, "--seed expects a non-negative integer");
    } else if (!strcmp(a, "--groups")) {
      NEED_VALUE();
      int *g, ng;
      nacre_error err;
      if (nacre_spacegroup_list_parse(v, &g, &ng, &err))
        return cli_usage(CMD, "%s", err.message);
      free(g);
      snprintf(cfg.groups, sizeof cfg.groups, "%s", v);
    } else if (!strcmp(a, "--cluster")) {
      cfg.cluster = 1;
    } else if (!strcmp(a, "--volume")) {
      NEED_VALUE();
      if (cli_parse_double(CMD, a, v, &cfg.random.volume_per_atom) ||
          cfg.random.volume_per_atom <= 0)
        return cli_usage(CMD, "--volume must be > 0 Å^3");
    } else if (!strcmp(a, "--dmin-factor")) {
      NEED_VALUE();
      if (cli_parse_double(CMD, a, v, &cfg.random.distance_factor) ||
          cfg.random.distance_factor <= 0)
        return cli_usage(CMD, "--dmin-factor must be > 0");
    } else if (!strcmp(a, "--dmin")) {
      NEED_VALUE();
      if (parse_dmin(v, &cfg.random))
        return cli_usage(CMD, "--dmin expects A-B=DISTANCE (e.g. Na-Cl=2.4), "
                              "got '%s'", v);
    } else if (!strcmp(a, "--fmax")) {
      NEED_VALUE();
      if (cli_parse_double(CMD, a, v, &fmax) || fmax <= 0)
        return cli_usage(CMD, "--fmax must be > 0");
    } else if (!strcmp(a, "--smax")) {
      NEED_VALUE();
      if (cli_parse_double(CMD, a, v, &smax) || smax <= 0)
        return cli_usage(CMD, "--smax must be > 0");
    } else if (!strcmp(a, "--max-steps")) {
      NEED_VALUE();
      if (cli_parse_int(CMD, a, v, &max_steps) || max_steps < 1)
        return cli_usage(CMD, "--max-steps must be ≥ 1");
    } else if (!strcmp(a, "--similarity")) {
      NEED_VALUE();
      if (cli_parse_double(CMD, a, v, &cfg.duplicate.similarity) ||
          cfg.duplicate.similarity <= 0 || cfg.duplicate.similarity > 1)
        return cli_usage(CMD, "--similarity must be in (0, 1]");
    } else if (!strcmp(a, "--reject-closer")) {
      NEED_VALUE();
      if (cli_parse_double(CMD, a, v, &cfg.min_relaxed_factor) ||
          cfg.min_relaxed_factor < 0)
        return cli_usage(CMD, "--reject-closer must be ≥ 0");
    } else if (!strcmp(a, "--db")) {
      NEED_VALUE();
      db = v;
    } else if (!strcmp(a, "--resume")) {
      NEED_VALUE();
      resume = v;
    } else if (!strcmp(a, "--report")) {
      NEED_VALUE();
      report_db = v;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      NEED_VALUE();
      dir = v;
    } else if (!strcmp(a, "--top")) {
      NEED_VALUE();
      if (cli_parse_int(CMD, a, v, &top) || top < 0)
        return cli_usage(CMD, "--top must be ≥ 0");
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      quiet = 1;
    } else {
      return cli_usage(CMD, "unknown option '%s'", a);
    }
#undef NEED_VALUE
  }
  /* a velocity needs w < 1 to stay bounded; operator weights are relative */
  if (!cfg.swarm_operators && !(cfg.swarm_inertia < 1))
    return cli_usage(CMD, "--swarm: the inertia W must be < 1 with velocity "
                          "moves, got %g", cfg.swarm_inertia);
  if (cfg.swarm_operators && !swarm_given)
    cfg.swarm_inertia = NACRE_SWARM_OPERATOR_W;
  nacre_error err;
  nacre_error_clear(&err);
  if (report_db) {
    nacre_run *run;
    if (nacre_run_open_readonly(report_db, &run, &err)) return cli_fail(CMD, &err);
    int rc = report(run, dir, top, json, 0);
    nacre_run_close(run);
    return rc;
  }
  nacre_run *run = NULL;
  if (resume) {
    if (composition)
      return cli_usage(CMD, "--resume takes the composition from the run");
    if (nacre_run_open(resume, &run, &err)) return cli_fail(CMD, &err);
    if (nacre_run_set_limits(run, budget, time_limit, jobs, &err)) {
      nacre_run_close(run);
      return cli_fail(CMD, &err);
    }
    if (!potential) potential = nacre_run_config(run)->potential;
  } else {
    if (!composition) return cli_usage(CMD, "--composition is required");
    if (!potential) return cli_usage(CMD, "--potential is required");
    if (cfg.frac_heredity + cfg.frac_mutation > 1 + 1e-12)
      return cli_usage(CMD, "--heredity + --mutation must not exceed 1 "
                            "(%g + %g)", cfg.frac_heredity, cfg.frac_mutation);
    if (nacre_composition_parse(composition, &cfg.composition, &err))
      return cli_usage(CMD, "%s", err.message);
    if (budget) cfg.budget = budget;
    if (jobs) cfg.jobs = jobs;
    if (time_limit >= 0) cfg.time_limit_s = time_limit;
    cfg.random.pressure_gpa = cfg.pressure_gpa;
    snprintf(cfg.potential, sizeof cfg.potential, "%s", potential);
  }
  nacre_search_relaxer *relaxer = NULL;
  if (nacre_search_relaxer_new(potential, fmax, smax, max_steps, &relaxer,
                               &err)) {
    nacre_run_close(run);
    nacre_error_prefix(&err, "potential '%s': ", potential);
    return cli_fail(CMD, &err);
  }
  if (m) {
    /* Every relaxing rank loads the potential before a new run is made. */
    if (jobs && !quiet)
      fprintf(stderr, "nacre search: --jobs is ignored under MPI: ranks "
                      "1..%d relax\n",
              nacre_search_mpi_size(m) - 1);
    nacre_search_mpi_settings ms;
    memset(&ms, 0, sizeof ms);
    snprintf(ms.potential, sizeof ms.potential, "%s", potential);
    ms.fmax = fmax;
    ms.smax_gpa = smax;
    ms.max_steps = max_steps;
    if (nacre_search_mpi_start(m, &ms, &err)) {
      nacre_run_close(run);
      nacre_search_relaxer_free(relaxer);
      return cli_fail(CMD, &err);
    }
  }
  if (!resume && nacre_run_create(db, &cfg, &run, &err)) {
    nacre_search_relaxer_free(relaxer);
    return cli_fail(CMD, &err);
  }
  nacre_ctx ctx;
  cli_ctx_init(&ctx, 0);
  cli_catch_interrupts(&ctx, 1);
  progress_state ps = {quiet, isatty(STDERR_FILENO), 0};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  nacre_status st =
      m ? nacre_search_run_mpi(m, run, on_progress, &ps, &ctx, &err)
        : nacre_search_run(run, nacre_search_relax_potential, relaxer,
                           on_progress, &ps, &ctx, &err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (!quiet && ps.tty) fputc('\n', stderr);
  cli_catch_interrupts(&ctx, 0);
  int rc = CLI_OK;
  if (st) {
    rc = cli_fail(CMD, &err);
    fprintf(stderr, "nacre search: finished relaxations are kept; continue "
                    "with --resume %s\n",
            resume ? resume : db);
  } else if (!quiet) {
    fprintf(stderr, "nacre search: stopped (%s)\n", nacre_run_stop_reason(run));
  }
  double elapsed = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
  int rc2 = report(run, dir, top, json, elapsed);
  nacre_run_close(run);
  nacre_search_relaxer_free(relaxer);
  return rc != CLI_OK ? rc : rc2;
}

static int run(int argc, char **argv) {
  int launched = nacre_search_mpi_launched();
  if (!launched) return search_main(argc, argv, NULL);
  if (!nacre_search_mpi_built()) {
    /* Each rank would otherwise run its own search on the same file. */
    if (launched > 1)
      return cli_usage(CMD, "started by an MPI launcher with %d processes, "
                            "but this build has no MPI (configure with "
                            "-DNACRE_MPI=ON); use --jobs N instead",
                       launched);
    return search_main(argc, argv, NULL);
  }
  nacre_error err;
  nacre_search_mpi *m;
  if (nacre_search_mpi_init(&m, &err)) return cli_fail(CMD, &err);
  int rc;
  if (nacre_search_mpi_rank(m) > 0) {
    /* Rank 0 reports every error, these ranks' included. */
    rc = nacre_search_mpi_serve(m, &err) ? CLI_FAILED : CLI_OK;
  } else if (nacre_search_mpi_size(m) < 2) {
    rc = cli_usage(CMD, "under MPI, give at least 2 processes (mpirun -np N, "
                        "N ≥ 2): rank 0 keeps the run, the others relax");
  } else {
    rc = search_main(argc, argv, m);
  }
  nacre_search_mpi_finish(m, rc != CLI_OK);
  return rc;
}

const nacre_command nacre_cmd_search = {
    "search", "global structure search (random, evolutionary, swarm)", run};
