/* cmd_search.c — `nacre search`: options into a nacre_search_job, the search
 * (nacre_search_job_run), the report (nacre_search_report_*), printed as a
 * table or JSON. `--resume` continues a run with its own settings;
 * `--report` ranks a run's minima. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hull_output.h"
#include "nacre/thermo.h"
#include "nacre/search.h"

static const char *CMD = "search";

static void help(const nacre_search_config *d) {
  printf(
      "Usage: nacre search --composition FORMULA -p SPEC [options]\n"
      "       nacre search --composition-range A,B[,C] --natoms N0:N1 -p SPEC\n"
      "                    [options]\n"
      "       nacre search --resume RUN.db [--budget N] [--time-limit T] [-j N]\n"
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
      "  --composition F   atoms in the cell, e.g. Na16, Li12Sn4 (required;\n"
      "                    at most %d atoms; an element given twice adds\n"
      "                    up: NaNa is Na2)\n"
      "  --composition-range A,B[,C,D]\n"
      "                    instead of --composition: search every mix of\n"
      "                    these two to four elements (the pure elements\n"
      "                    included) with --natoms atoms per cell in one\n"
      "                    pool, each minimum ranked by its height above the\n"
      "                    convex hull of the pool's formation enthalpies\n"
      "                    per atom (Qhull, as nacre hull), the hull updated\n"
      "                    every generation. Random structures go first to\n"
      "                    the least explored compositions; heredity cuts\n"
      "                    parents of any compositions; mutations add,\n"
      "                    remove or change the element of an atom. Parents:\n"
      "                    the best minimum of each composition and those\n"
      "                    within 50 meV/atom of the hull. Engines random,\n"
      "                    evolution or auto (--heredity, --mutation shares);\n"
      "                    it stops at --budget, --time-limit or\n"
      "                    --saturation (no new minimum within 50 meV/atom of\n"
      "                    the hull; --stall is refused).\n"
      "                    The report adds hull.csv, hull.json and hull.svg\n"
      "                    (nacre hull's files) and prints the hull\n"
      "  --natoms N0:N1    atoms per cell of --composition-range (required\n"
      "                    with it; a single N means 1:N)\n"
      "  -p, --potential SPEC\n"
      "                    potential file (EAM, MAISE, nacre) or inline\n"
      "                    lj:epsilon=E,sigma=S,cutoff=RC (required); it must\n"
      "                    know every element of the composition\n"
      "  --pressure P      GPa (default %g)\n"
      "  --engine E        random, evolution, swarm, basin-hopping,\n"
      "                    minima-hopping or auto\n"
      "                    (default %s: 40%% heredity, 20%% mutation, 20%%\n"
      "                    swarm, 20%% random per generation after the\n"
      "                    first; clusters: 50%% heredity, 30%% mutation,\n"
      "                    10%% basin hopping, 10%% random)\n"
      "  --heredity F      --engine evolution: share of each generation made\n"
      "                    by heredity (default %g)\n"
      "  --mutation F      --engine evolution: share made by mutation\n"
      "                    (default %g); the rest are random structures\n"
      "  --swarm W,C1,C2   particle swarm: inertia W of a particle's previous\n"
      "                    move and pulls C1 toward its own best and C2\n"
      "                    toward the swarm's best, v' = W v + C1 r1 (pbest -\n"
      "                    x) + C2 r2 (gbest - x) with r1, r2 in [0, 1)\n"
      "                    (default %g,%g,%g; with --swarm-move operators the\n"
      "                    weights of a mutation and of heredity with pbest\n"
      "                    and gbest, default %g,%g,%g)\n"
      "  --swarm-move M    how a particle moves: velocity (default; CALYPSO:\n"
      "                    atoms by the velocity above, the cell toward the\n"
      "                    bests) or operators (USPEX's corrected PSO: a\n"
      "                    mutation of the particle with weight W, or\n"
      "                    heredity with pbest or gbest with weight C1 r1 Dp\n"
      "                    or C2 r2 Dg, Dp and Dg its fingerprint distances\n"
      "                    to them, in [0, 1])\n"
      "  --soft-modes S    modes the soft-mode mutation follows: springs\n"
      "                    (default: the bond-hardness model, Lyakhov et al.\n"
      "                    2010) or potential (the potential's own modes at\n"
      "                    Gamma of the parent's cell, unstable ones first;\n"
      "                    a finite-difference Hessian, 6 evaluations per\n"
      "                    atom for each such mutation)\n"
      "  --swarm-renew F   share of the particles replaced by new random\n"
      "                    structures each generation (default %g)\n"
      "  --hop-ediff E     basin and minima hopping: a walker moves to a new\n"
      "                    minimum less than ediff above its current one;\n"
      "                    ediff starts at E eV/atom × atoms (default %g)\n"
      "                    and is divided by %g on each move, multiplied on\n"
      "                    each refusal (Goedecker's minima-hopping rule)\n"
      "  --hop-restart N   a walker whose best has not improved in N hops\n"
      "                    starts again from a minimum of the pool (%d)\n"
      "  --walkers E       the walkers of the auto mix of clusters:\n"
      "                    basin-hopping (default) or minima-hopping\n"
      "  --walker-share F  share of each generation of the auto mix for\n"
      "                    the walkers, at most 0.2 (default 0.1; clusters'\n"
      "                    come from the random newcomers' 0.2, crystals'\n"
      "                    from the swarm's 0.2)\n"
      "  --hop-ekin E      minima hopping: a walker escapes its minimum by\n"
      "                    constant-energy MD (the cell held, the start\n"
      "                    velocity turned to soft directions) until the\n"
      "                    energy passes 3 minima, then relaxes; the kinetic\n"
      "                    energy starts at E eV/atom × atoms (default 0:\n"
      "                    5%% of the start minimum's |E|) and rises 5%% when\n"
      "                    it comes back to a known minimum, falls 5%% on a\n"
      "                    new one (Goedecker 2004)\n"
      "  --crowding W      parents grouped into funnels (as in the progress\n"
      "                    line); each parent's fitness is penalised by W ×\n"
      "                    the lower parents in its own funnel, so one\n"
      "                    crowded funnel does not take every parent slot\n"
      "                    (fitness: enthalpy scaled to 0..1 over the\n"
      "                    parents; default %g: off)\n"
      "  --tribes N        multi-tribe evolution: each generation is split\n"
      "                    into N tribes of consecutive slots (the mix of\n"
      "                    operators within each), and a tribe breeds only\n"
      "                    from the minima it found since it last started\n"
      "                    (default %d: one population)\n"
      "  --tribe-restart G a tribe whose lowest enthalpy has not fallen in\n"
      "                    G generations starts again from random\n"
      "                    structures; its minima stay in the pool and the\n"
      "                    results (default %d)\n"
      "  --budget N        relaxations in total (default %d)\n"
      "  --time-limit T    stop after T of wall time: 90, 90s, 30m, 2h\n"
      "                    (default: none); the run can be resumed\n"
      "  --stall G         stop after G generations without a lower enthalpy\n"
      "                    (default %d: never)\n"
      "  --saturation N    stop once N relaxations have found neither a new\n"
      "                    lowest minimum nor a new distinct minimum among\n"
      "                    the %d lowest (checked after each generation;\n"
      "                    default %d: never)\n"
      "  --population N    candidates per generation (default %d)\n"
      "  -j, --jobs N      worker processes relaxing in parallel (default %d)\n"
      "                    MPI builds (-DNACRE_MPI=ON): mpirun -np N nacre\n"
      "                    search ... relaxes on ranks 1..N-1, rank 0 keeps\n"
      "                    the run (same pool as --jobs N-1, same seed)\n"
      "  --seed S          random seed (default %llu)\n"
      "  --groups LIST     space groups for random structures, e.g. 1-230,\n"
      "                    194,225,229 (default %s); a random crystal\n"
      "                    holds the composition in the group's\n"
      "                    conventional cell\n"
      "  --primitive-cells crystals: a random crystal of a centred group\n"
      "                    holds the composition in its conventional cell\n"
      "                    or, as often, in its primitive cell (R-3m\n"
      "                    Li12Sn4: 16 atoms per rhombohedral cell, 48 per\n"
      "                    hexagonal one; default: conventional cell only)\n"
      "  --cluster         search clusters (no periodicity) instead\n"
      "  --symmetric F     clusters: share of the random clusters built with\n"
      "                    the symmetry of a point group (orbits of its\n"
      "                    axes, mirror planes and general positions;\n"
      "                    default %g; the rest have none); crystals:\n"
      "                    share of the heredity and mutation children\n"
      "                    that keep a common subgroup of their parents'\n"
      "                    space groups (whole Wyckoff orbits spliced;\n"
      "                    orbit representatives moved and the cell\n"
      "                    strained within the group or an axial subgroup)\n"
      "  --motifs F        crystals: share of the random newcomers after the\n"
      "                    first generation built from a coordination\n"
      "                    polyhedron of a pool minimum (copies turned and\n"
      "                    placed at random in a random cell of its\n"
      "                    density, the other atoms random; default 0)\n"
      "  --supercell-mutations F\n"
      "                    crystals: share of the mutations and hops made in\n"
      "                    a random supercell of the parent's primitive\n"
      "                    cell with the search's atoms (any sublattice of\n"
      "                    that index, equally likely; only where the\n"
      "                    primitive cell is smaller): an exchange of two\n"
      "                    unlike nearest neighbours, a soft mode or a\n"
      "                    displacement there reaches the parent's\n"
      "                    superstructures; a primitive parent gets the\n"
      "                    same moves in its own cell (default 0.5)\n"
      "  --point-groups LIST\n"
      "                    clusters: the point groups they are drawn from,\n"
      "                    Schoenflies symbols such as Oh,Ih,D5h,C2v (Cn,\n"
      "                    Cnv, Cnh, Dn, Dnh, Dnd, S2n up to n = 12; T, Td,\n"
      "                    Th, O, Oh, I, Ih), or %s: every one of those with\n"
      "                    n ≤ 6 and S8 but C1; groups that cannot hold the\n"
      "                    composition are left out\n"
      "  --volume V        starting volume per atom, Å^3 (default: from\n"
      "                    covalent radii and pressure)\n"
      "  --dmin-factor F   starting structures: atoms at least F × the sum of\n"
      "                    their covalent radii apart (default %g)\n"
      "  --dmin A-B=D      minimum distance between elements A and B in Å\n"
      "                    (repeatable; also the reference of --reject-closer)\n"
      "  --fmax F          relaxation force tolerance, eV/Å (default %g)\n"
      "  --smax S          relaxation stress tolerance, GPa (default %g)\n"
      "  --max-steps N     optimiser steps per relaxation (default %d)\n"
      "  --similarity X    fingerprint similarity above which two minima with\n"
      "                    enthalpies within 5 meV/atom are the same (%g);\n"
      "                    two clusters must also lie within 1e-4 of |H| in\n"
      "                    enthalpy and within 0.002 in the root-mean-square\n"
      "                    difference of their overlap-matrix eigenvalues\n"
      "                    (Sadeghi et al. 2013), which tells apart minima\n"
      "                    that differ by one surface atom; parents are\n"
      "                    still drawn one per group of minima the first\n"
      "                    rule alone finds the same\n"
      "  --reject-closer F reject relaxed minima with two atoms A, B closer\n"
      "                    than F × min(1, s) × (r_A + r_B), r the covalent\n"
      "                    radii (or the --dmin of the pair) and s the scale\n"
      "                    at which spheres of radii s r fill the structure's\n"
      "                    own volume as densely as a close packing: the\n"
      "                    covalent rule at low density, the close-packing\n"
      "                    distance at high pressure (default %g; 0: keep\n"
      "                    all). Spurious minima of machine-learned\n"
      "                    potentials; see doc/search-json.md for the numbers\n"
      "  --symprec A       symmetry tolerance in Å for the groups of minima\n"
      "                    (default %g)\n"
      "\n"
      "Files and output:\n"
      "  --db RUN.db       run file to create (default search.db; refuses an\n"
      "                    existing run)\n"
      "  --resume RUN.db   continue a run with its own settings; --budget,\n"
      "                    --time-limit, --stall, --saturation, --jobs and\n"
      "                    --potential (one\n"
      "                    that knows the same elements) may change, any other\n"
      "                    setting that differs from the run's is refused\n"
      "  --report RUN.db   rank the minima of a run (it may still be running)\n"
      "  -o, --output DIR  results directory (default: the run's own, set when\n"
      "                    it was created: -o or ./search-results): rankNN.cif\n"
      "                    and rankNN.POSCAR (symmetrised standard cells of the\n"
      "                    top minima with H, E, V and P), minima.extxyz with\n"
      "                    every unique minimum, summary.json; with a committee\n"
      "                    potential each minimum has the committee's\n"
      "                    committee_force_deviation_max_ev_a (σ_f, eV/Å) and\n"
      "                    committee_energy_deviation_per_atom_ev (also columns\n"
      "                    of the table), with a network that records its\n"
      "                    training data outside_training_domain (and a\n"
      "                    warning counts the run's relaxations that left it)\n"
      "  --top K           minima in the table and as CIF/POSCAR (default 10)\n"
      "  --json            print the JSON summary instead of the table\n"
      "  -q, --quiet       no progress line\n"
      "  -h, --help        this text\n"
      "\n"
      "The progress line and the report count failed relaxations by reason\n"
      "(too-close, max-steps, exploded, collapsed, overlap, ...) and show the\n"
      "diversity of the pool: the mean fingerprint distance between the %d\n"
      "lowest distinct minima (spread, 0 to 1), their funnels (each minimum,\n"
      "lowest first, joins the funnel of the lowest funnel bottom within\n"
      "fingerprint distance %g, else starts one; `funnels 3: 11/6/3` gives\n"
      "the minima in each, the lowest funnel first) and the relaxations\n"
      "since a new low minimum (what --saturation counts). The table\n"
      "lists rank, enthalpy per atom H (eV/atom), ΔH to the best (meV/atom),\n"
      "space group and Pearson symbol of the symmetrised cell written, volume\n"
      "per atom (Å^3), how often the minimum was found and which candidate\n"
      "found it first (relaxation number, generation, engine and operator).\n"
      "Of the copies of one minimum the lowest-enthalpy one is listed.\n"
      "\n"
      "Exit status: 0 success; 1 failure or interrupted (resume it); 2 usage\n"
      "error.\n",
      NACRE_MAX_ATOMS, d->pressure_gpa, nacre_engine_name(d->engine),
      d->frac_heredity, d->frac_mutation, d->swarm_inertia, d->swarm_c1,
      d->swarm_c2, NACRE_SWARM_OPERATOR_W, d->swarm_c1, d->swarm_c2,
      d->swarm_regenerate, d->hop_ediff_ev_atom, d->hop_ediff_factor,
      d->hop_restart, d->crowding, d->tribes, d->tribe_restart, d->budget, d->stall_generations, NACRE_SATURATION_RANK,
      d->saturation, d->population,
      d->jobs, (unsigned long long)d->seed, d->groups, d->frac_symmetric,
      d->point_groups,
      d->random.distance_factor, d->relax.fmax_ev_a, d->relax.smax_gpa,
      d->relax.max_steps, d->duplicate.similarity, d->min_relaxed_factor,
      d->symprec, NACRE_SPREAD_MINIMA, NACRE_FUNNEL_DISTANCE);
}

/* "3: 11/6/3": the funnels and the minima in each, lowest first (the
 * first 6, then "/..."). */
static void format_funnels(int n, const int *minima, char *buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, "%d:", n);
  for (int f = 0; f < n && used < len; f++)
    used += (size_t)(f < 6 ? snprintf(buf + used, len - used, "%s%d",
                                      f ? "/" : " ", minima[f])
                           : snprintf(buf + used, len - used, "/..."));
  (void)used;
}

/* "90", "90s", "30m", "2h", "1d" in seconds. */
static int parse_time(const char *text, double *out) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || errno || !(v >= 0) || !isfinite(v)) return -1;
  double mult = 1;
  if (!strcmp(end, "s") || !*end) mult = 1;
  else if (!strcmp(end, "m")) mult = 60;
  else if (!strcmp(end, "h")) mult = 3600;
  else if (!strcmp(end, "d")) mult = 86400;
  else return -1;
  *out = v * mult;
  return 0;
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

/* The option that sets a setting of the run file, for messages. */
static const char *flag_of(const char *key) {
  static const char *const map[][2] = {
      {"composition", "--composition"}, {"pressure_gpa", "--pressure"},
      {"engine", "--engine"},           {"seed", "--seed"},
      {"groups", "--groups"},           {"cluster", "--cluster"},
      {"population", "--population"},   {"fmax_ev_a", "--fmax"},
      {"smax_gpa", "--smax"},           {"max_steps", "--max-steps"},
      {"volume_per_atom", "--volume"},  {"distance_factor", "--dmin-factor"},
      {"pair_dmin", "--dmin"},          {"dup_similarity", "--similarity"},
      {"frac_heredity", "--heredity"},  {"frac_mutation", "--mutation"},
      {"swarm_inertia", "--swarm"},     {"swarm_c1", "--swarm"},
      {"swarm_c2", "--swarm"},          {"swarm_operators", "--swarm-move"},
      {"swarm_regenerate", "--swarm-renew"},  {"soft_modes", "--soft-modes"},
      {"min_relaxed_factor", "--reject-closer"},
      {"symprec", "--symprec"},
      {"hop_ediff_ev_atom", "--hop-ediff"},
      {"hop_restart", "--hop-restart"},       {"crowding", "--crowding"},
      {"tribes", "--tribes"}, {"tribe_restart_generations", "--tribe-restart"},
      {"hop_ekin_ev_atom", "--hop-ekin"}, {"auto_minima_hopping", "--walkers"},
      {"frac_symmetric", "--symmetric"}, {"frac_motif", "--motifs"},
      {"primitive_cells", "--primitive-cells"},
      {"frac_supercell_mutation", "--supercell-mutations"},
      {"walker_share", "--walker-share"},
      {"point_groups", "--point-groups"},
      {"composition_range", "--composition-range"},
      {"min_natoms", "--natoms"},       {"max_natoms", "--natoms"}};
  for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
    if (!strcmp(map[k][0], key)) return map[k][1];
  return key;
}

typedef struct args {
  nacre_search_job job;
  const char *report_db, *dir;
  int json, quiet, top;
} args;

/* --resume and --report decide where the settings start from, so they are
 * read before the other options. Returns 0, or an exit code. */
static int prepass(int argc, char **argv, args *a) {
  const char *resume = NULL;
  for (int k = 1; k < argc; k++) {
    const char *o = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
      help(&a->job.config);
      return -1;
    }
    if (!strcmp(o, "--resume") || !strcmp(o, "--report")) {
      if (!v) return cli_usage(CMD, "%s needs a value", o);
      if (resume || a->report_db)
        return cli_usage(CMD, "give one of --resume and --report, once");
      if (o[2] == 'r' && o[3] == 'e' && o[4] == 's') resume = v;
      else a->report_db = v;
      k++;
    }
  }
  if (resume) {
    nacre_error err;
    if (nacre_search_job_resume(&a->job, resume, &err))
      return cli_fail(CMD, &err);
  }
  return 0;
}

static int parse_args(int argc, char **argv, args *ar) {
  memset(ar, 0, sizeof *ar);
  nacre_search_job_init(&ar->job);
  ar->top = 10;
  int rc = prepass(argc, argv, ar);
  if (rc) return rc;
  nacre_search_config *cfg = &ar->job.config;
  int swarm_given = 0, composition_given = 0, range_given = 0, natoms_given = 0;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
#define NEED() CLI_NEED_VALUE(CMD)
#define USAGE(...) (rc = cli_usage(CMD, __VA_ARGS__))
#define NUMBER(dst, cond, ...)                                                 \
  do {                                                                         \
    NEED();                                                                    \
    if (cli_parse_double(CMD, a, v, &(dst))) rc = CLI_USAGE;                   \
    else if (!(cond)) USAGE(__VA_ARGS__);                                      \
  } while (0)
#define INTEGER(dst, cond, ...)                                                \
  do {                                                                         \
    NEED();                                                                    \
    if (cli_parse_int(CMD, a, v, &(dst))) rc = CLI_USAGE;                      \
    else if (!(cond)) USAGE(__VA_ARGS__);                                      \
  } while (0)
    if (!strcmp(a, "--resume") || !strcmp(a, "--report")) {
      k++;
    } else if (!strcmp(a, "--composition")) {
      NEED();
      nacre_error err;
      if (nacre_composition_parse(v, &cfg->composition, &err))
        USAGE("%s", err.message);
      composition_given = 1;
    } else if (!strcmp(a, "--composition-range")) {
      NEED();
      nacre_error err;
      if (nacre_composition_range_parse(v, &cfg->composition, &err))
        USAGE("--composition-range: %s", err.message);
      snprintf(cfg->composition_range, sizeof cfg->composition_range, "%s", v);
      range_given = 1;
    } else if (!strcmp(a, "--natoms")) {
      NEED();
      int n0 = 1, n1 = 0, used = 0;
      if (sscanf(v, "%d:%d%n", &n0, &n1, &used) == 2 && !v[used]) {
      } else if (sscanf(v, "%d%n", &n1, &used) == 1 && !v[used]) {
        n0 = 1;
      } else {
        n0 = 0;
      }
      if (n0 < 1 || n1 < n0 || n1 > NACRE_MAX_ATOMS)
        USAGE("--natoms %s: expected N0:N1 with 1 ≤ N0 ≤ N1 ≤ %d", v,
              NACRE_MAX_ATOMS);
      cfg->min_natoms = n0;
      cfg->max_natoms = n1;
      natoms_given = 1;
    } else if (!strcmp(a, "-p") || !strcmp(a, "--potential")) {
      NEED();
      snprintf(cfg->potential, sizeof cfg->potential, "%s", v);
    } else if (!strcmp(a, "--pressure")) {
      NEED();
      if (cli_parse_double(CMD, a, v, &cfg->pressure_gpa)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--engine")) {
      NEED();
      nacre_error err;
      if (nacre_engine_parse(v, &cfg->engine, &err)) USAGE("%s", err.message);
    } else if (!strcmp(a, "--heredity")) {
      NUMBER(cfg->frac_heredity, cfg->frac_heredity >= 0 &&
                                     cfg->frac_heredity <= 1,
             "%s must be in [0, 1]", a);
    } else if (!strcmp(a, "--mutation")) {
      NUMBER(cfg->frac_mutation, cfg->frac_mutation >= 0 &&
                                     cfg->frac_mutation <= 1,
             "%s must be in [0, 1]", a);
    } else if (!strcmp(a, "--swarm")) {
      NEED();
      double w, c1, c2;
      char extra;
      if (sscanf(v, "%lf,%lf,%lf%c", &w, &c1, &c2, &extra) != 3 ||
          !(w >= 0 && w <= 4) || !(c1 >= 0 && c1 <= 4) || !(c2 >= 0 && c2 <= 4))
        USAGE("--swarm expects W,C1,C2 with 0 ≤ W, C1, C2 ≤ 4, got '%s'", v);
      cfg->swarm_inertia = w;
      cfg->swarm_c1 = c1;
      cfg->swarm_c2 = c2;
      swarm_given = 1;
    } else if (!strcmp(a, "--swarm-move")) {
      NEED();
      if (strcmp(v, "velocity") && strcmp(v, "operators"))
        USAGE("--swarm-move expects velocity or operators, got '%s'", v);
      cfg->swarm_operators = !strcmp(v, "operators");
    } else if (!strcmp(a, "--walkers")) {
      NEED();
      if (strcmp(v, "basin-hopping") && strcmp(v, "minima-hopping"))
        USAGE("--walkers expects basin-hopping or minima-hopping, got '%s'", v);
      cfg->auto_minima_hopping = !strcmp(v, "minima-hopping");
    } else if (!strcmp(a, "--soft-modes")) {
      NEED();
      nacre_error perr;
      if (nacre_soft_modes_parse(v, &cfg->soft_modes, &perr))
        USAGE("--soft-modes expects springs or potential, got '%s'", v);
    } else if (!strcmp(a, "--swarm-renew")) {
      NUMBER(cfg->swarm_regenerate,
             cfg->swarm_regenerate >= 0 && cfg->swarm_regenerate <= 1,
             "--swarm-renew must be in [0, 1]");
    } else if (!strcmp(a, "--budget")) {
      INTEGER(cfg->budget, cfg->budget >= 1,
              "--budget must be a positive integer");
    } else if (!strcmp(a, "--time-limit") || !strcmp(a, "--time")) {
      NEED();
      if (parse_time(v, &cfg->time_limit_s))
        USAGE("%s expects e.g. 90, 90s, 30m, 2h, got '%s'", a, v);
    } else if (!strcmp(a, "--saturation")) {
      INTEGER(cfg->saturation, cfg->saturation >= 0,
              "--saturation must be ≥ 0");
    } else if (!strcmp(a, "--hop-ediff")) {
      NUMBER(cfg->hop_ediff_ev_atom, cfg->hop_ediff_ev_atom > 0,
             "--hop-ediff must be positive (eV/atom)");
    } else if (!strcmp(a, "--hop-ekin")) {
      NUMBER(cfg->hop_ekin_ev_atom, cfg->hop_ekin_ev_atom >= 0,
             "--hop-ekin must be ≥ 0 (eV/atom; 0: from the minimum's energy)");
    } else if (!strcmp(a, "--hop-restart")) {
      INTEGER(cfg->hop_restart, cfg->hop_restart >= 1,
              "--hop-restart must be ≥ 1");
    } else if (!strcmp(a, "--crowding")) {
      NUMBER(cfg->crowding, cfg->crowding >= 0, "--crowding must be ≥ 0");
    } else if (!strcmp(a, "--tribes")) {
      INTEGER(cfg->tribes, cfg->tribes >= 1 && cfg->tribes <= NACRE_MAX_TRIBES,
              "--tribes must be in 1..%d", NACRE_MAX_TRIBES);
    } else if (!strcmp(a, "--tribe-restart")) {
      INTEGER(cfg->tribe_restart, cfg->tribe_restart >= 1,
              "--tribe-restart must be ≥ 1");
    } else if (!strcmp(a, "--stall")) {
      INTEGER(cfg->stall_generations, cfg->stall_generations >= 0,
              "--stall must be ≥ 0");
    } else if (!strcmp(a, "--population")) {
      INTEGER(cfg->population, cfg->population >= 1,
              "--population must be ≥ 1");
    } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs") ||
               !strcmp(a, "--threads")) {
      INTEGER(cfg->jobs, cfg->jobs >= 1 && cfg->jobs <= 256,
              "%s must be in 1..256", a);
    } else if (!strcmp(a, "--seed")) {
      NEED();
      char *end;
      errno = 0;
      cfg->seed = strtoull(v, &end, 10);
      if (end == v || *end || errno || v[0] == '-')
        USAGE("--seed expects a non-negative integer, got '%s'", v);
    } else if (!strcmp(a, "--groups")) {
      NEED();
      int *g, ng;
      nacre_error err;
      if (nacre_spacegroup_list_parse(v, &g, &ng, &err)) {
        USAGE("%s", err.message);
      } else {
        free(g);
        snprintf(cfg->groups, sizeof cfg->groups, "%s", v);
      }
    } else if (!strcmp(a, "--cluster")) {
      cfg->cluster = 1;
    } else if (!strcmp(a, "--primitive-cells")) {
      cfg->primitive_cells = 1;
    } else if (!strcmp(a, "--symmetric")) {
      NUMBER(cfg->frac_symmetric,
             cfg->frac_symmetric >= 0 && cfg->frac_symmetric <= 1,
             "--symmetric must be in [0, 1]");
    } else if (!strcmp(a, "--supercell-mutations")) {
      NUMBER(cfg->frac_supercell_mutation,
             cfg->frac_supercell_mutation >= 0 &&
                 cfg->frac_supercell_mutation <= 1,
             "--supercell-mutations must be in [0, 1]");
    } else if (!strcmp(a, "--walker-share")) {
      NUMBER(cfg->walker_share,
             cfg->walker_share >= 0 && cfg->walker_share <= 0.2,
             "--walker-share must be in [0, 0.2]");
    } else if (!strcmp(a, "--motifs")) {
      NUMBER(cfg->frac_motif, cfg->frac_motif >= 0 && cfg->frac_motif <= 1,
             "--motifs must be in [0, 1]");
    } else if (!strcmp(a, "--point-groups")) {
      NEED();
      nacre_error err;
      if (nacre_pointgroup_list_parse(v, NULL, NULL, &err))
        USAGE("--point-groups: %s", err.message);
      snprintf(cfg->point_groups, sizeof cfg->point_groups, "%s", v);
    } else if (!strcmp(a, "--volume")) {
      NUMBER(cfg->random.volume_per_atom, cfg->random.volume_per_atom > 0,
             "--volume must be > 0 Å^3");
    } else if (!strcmp(a, "--dmin-factor")) {
      NUMBER(cfg->random.distance_factor, cfg->random.distance_factor > 0,
             "--dmin-factor must be > 0");
    } else if (!strcmp(a, "--dmin")) {
      NEED();
      if (parse_dmin(v, &cfg->random))
        USAGE("--dmin expects A-B=DISTANCE (e.g. Na-Cl=2.4), got '%s'", v);
    } else if (!strcmp(a, "--fmax")) {
      NUMBER(cfg->relax.fmax_ev_a, cfg->relax.fmax_ev_a > 0,
             "--fmax must be > 0");
    } else if (!strcmp(a, "--smax")) {
      NUMBER(cfg->relax.smax_gpa, cfg->relax.smax_gpa > 0,
             "--smax must be > 0");
    } else if (!strcmp(a, "--max-steps")) {
      INTEGER(cfg->relax.max_steps, cfg->relax.max_steps >= 1,
              "--max-steps must be ≥ 1");
    } else if (!strcmp(a, "--similarity")) {
      NUMBER(cfg->duplicate.similarity,
             cfg->duplicate.similarity > 0 && cfg->duplicate.similarity <= 1,
             "--similarity must be in (0, 1]");
    } else if (!strcmp(a, "--reject-closer")) {
      NUMBER(cfg->min_relaxed_factor, cfg->min_relaxed_factor >= 0,
             "--reject-closer must be ≥ 0");
    } else if (!strcmp(a, "--symprec")) {
      NUMBER(cfg->symprec, cfg->symprec > 0, "--symprec must be > 0 Å");
    } else if (!strcmp(a, "--db")) {
      NEED();
      ar->job.db = v;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      NEED();
      ar->dir = v;
    } else if (!strcmp(a, "--top")) {
      INTEGER(ar->top, ar->top >= 0, "--top must be ≥ 0");
    } else if (!strcmp(a, "--json")) {
      ar->json = 1;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      ar->quiet = 1;
    } else {
      USAGE("unknown option '%s'", a);
    }
#undef NEED
#undef USAGE
#undef NUMBER
#undef INTEGER
  }
  if (rc) return rc;
  if (ar->report_db) return 0;
  if (ar->job.resume) {
    /* a range given again is checked against the run's (nacre_run_apply) */
    if (composition_given)
      return cli_usage(CMD, "--resume takes the composition from the run");
    return 0;
  }
  /* a velocity needs w < 1 to stay bounded; operator weights are relative */
  if (!cfg->swarm_operators && !(cfg->swarm_inertia < 1))
    return cli_usage(CMD, "--swarm: the inertia W must be < 1 with velocity "
                          "moves, got %g", cfg->swarm_inertia);
  if (cfg->swarm_operators && !swarm_given)
    cfg->swarm_inertia = NACRE_SWARM_OPERATOR_W;
  if (composition_given && range_given)
    return cli_usage(CMD, "give --composition or --composition-range, not both");
  if (range_given != natoms_given)
    return cli_usage(CMD, "--composition-range and --natoms go together");
  if (!composition_given && !range_given)
    return cli_usage(CMD, "--composition (or --composition-range) is required");
  if (!cfg->potential[0]) return cli_usage(CMD, "--potential is required");
  if (cfg->frac_heredity + cfg->frac_mutation > 1 + 1e-12)
    return cli_usage(CMD, "--heredity + --mutation must not exceed 1 "
                          "(%g + %g)", cfg->frac_heredity, cfg->frac_mutation);
  snprintf(cfg->output_dir, sizeof cfg->output_dir, "%s",
           ar->dir ? ar->dir : "search-results");
  return 0;
}

/* ---- progress ---- */

typedef struct progress_state {
  int quiet, tty;
  long last_printed, last_unique;
  time_t last_time;
} progress_state;

static int on_progress(void *user, const nacre_search_progress *p) {
  progress_state *ps = user;
  if (ps->quiet) return 0;
  /* without a terminal: a complete line every 10 relaxations or 10 s, and
   * the final one (its counts are the run's: minima join the pool after
   * their relaxations) */
  time_t now = time(NULL);
  if (ps->last_time && p->finished == ps->last_printed &&
      p->unique == ps->last_unique)
    return 0;
  if (!p->final && !ps->tty && p->finished - ps->last_printed < 10 &&
      now - ps->last_time < 10)
    return 0;
  if (!p->final && p->finished >= p->budget) return 0; /* the final follows */
  ps->last_printed = p->finished;
  ps->last_unique = p->unique;
  ps->last_time = now;
  int el = (int)p->elapsed_s;
  char best[64], fails[160] = "";
  if (p->compositions > 0)
    snprintf(best, sizeof best, "%d composition%s, %d on the hull",
             p->compositions, p->compositions == 1 ? "" : "s", p->hull_phases);
  else if (p->done > 0)
    snprintf(best, sizeof best, "best %.5f eV/atom (%s)", p->best_h_atom,
             p->best_pearson);
  else
    snprintf(best, sizeof best, "no minimum yet");
  if (p->failures.total > 0) {
    char reasons[128];
    nacre_search_failures_format(&p->failures, reasons, sizeof reasons);
    snprintf(fails, sizeof fails, "  %ld failed (%s)", p->failures.total,
             reasons);
  }
  char funnels[64], tribes[48] = "";
  format_funnels(p->nfunnels, p->funnel_minima, funnels, sizeof funnels);
  if (p->tribes > 1)
    snprintf(tribes, sizeof tribes, "  tribes %d (%ld restart%s)", p->tribes,
             p->tribe_restarts, p->tribe_restarts == 1 ? "" : "s");
  fprintf(stderr,
          "%sgen %d  %ld/%ld relaxed%s  %ld unique  spread %.3f  funnels %s%s  "
          "%ld since new low  %s  %.0f relax/h  %d:%02d:%02d%s",
          ps->tty ? "\r" : "", p->generation, p->finished, p->budget, fails,
          p->unique, p->spread, funnels, tribes,
          p->since_new_low > 0 ? p->since_new_low : 0,
          best, p->relax_per_hour, el / 3600, el / 60 % 60, el % 60,
          ps->tty ? "\033[K" : "\n");
  fflush(stderr);
  return 0;
}

/* ---- printing ---- */

static void print_table(const nacre_search_report *r, int top,
                        const char *dir) {
  /* a composition range is ranked by the hull printed after this */
  if (nacre_search_config_varcomp(&r->config)) top = 0;
  if (r->nminima > 0 && top > 0) {
    printf("%4s %13s %9s %-13s %-9s %9s %6s  ", "rank", "H (eV/atom)", "ΔH meV/at",
           "space group", "Pearson", "V (Å^3/at)", "found");
    if (r->committee) printf("%9s %9s  ", "σ_f meV/Å", "σ_E meV/at");
    printf("first found (relaxation, generation, engine:operator)\n");
  }
  for (long k = 0; k < r->nminima && k < top; k++) {
    const nacre_search_minimum *m = &r->minima[k];
    const nacre_candidate *f = m->first;
    char sg[32];
    if (m->sg > 0) snprintf(sg, sizeof sg, "%s(%d)", m->sg_symbol, m->sg);
    else snprintf(sg, sizeof sg, "-");
    int evo = strcmp(f->engine, "random") != 0;
    printf("%4ld %13.6f %9.2f %-13s %-9s %9.3f %6ld%c ", k + 1, m->h_atom_ev,
           m->dh_mev_atom, sg, m->pearson, m->v_atom_a3, m->times_found,
           m->c->domain_end_outside > 0 ? '*' : ' ');
    if (r->committee)
      printf("%9.1f %9.2f  ", 1e3 * m->c->committee_force_dev_max,
             1e3 * m->c->committee_energy_dev_per_atom);
    printf("#%ld gen %d %s%s%s\n", f->id, f->generation, evo ? f->engine : "",
           evo ? ":" : "", f->op);
  }
  if (r->nminima == 0) printf("no minima yet\n");
  char reasons[256] = "";
  if (r->failures.total > 0) {
    char list[200];
    nacre_search_failures_format(&r->failures, list, sizeof list);
    snprintf(reasons, sizeof reasons, " (%s)", list);
  }
  printf("%ld relaxed, %ld failed%s, %ld unique minim%s; results in %s/\n",
         r->relaxed, r->failed, reasons, r->nminima,
         r->nminima == 1 ? "um" : "a", dir);
  if (r->nminima > 1) {
    char funnels[64];
    format_funnels(r->nfunnels, r->funnel_minima, funnels, sizeof funnels);
    printf("diversity: spread %.4f over the %ld %s minima, funnels %s "
           "(bottoms at rank",
           r->spread,
           r->nminima < NACRE_SPREAD_MINIMA ? r->nminima : NACRE_SPREAD_MINIMA,
           r->hull_ranked ? "nearest the hull" : "lowest", funnels);
    for (int f = 0; f < r->nfunnels && f < 6; f++)
      printf("%s%ld", f ? ", " : " ", r->funnel_bottom[f] + 1);
    if (r->hull_ranked)
      printf("%s); %ld relaxations since a new minimum within 50 meV/atom of "
             "the hull was found\n",
             r->nfunnels > 6 ? ", ..." : "", r->since_new_low);
    else
      printf("%s); %ld relaxations since one of the %d lowest was found\n",
             r->nfunnels > 6 ? ", ..." : "", r->since_new_low,
             NACRE_SATURATION_RANK);
    if (r->config.tribes > 1)
      printf("tribes: %d, restarted %ld time%s from random structures "
             "(after %d generations without a lower tribe best)\n",
             r->config.tribes, r->tribe_restarts,
             r->tribe_restarts == 1 ? "" : "s", r->config.tribe_restart);
  }
}

/* The report of run into dir (-o, else the run's own, else
 * ./search-results), printed as a table or JSON. */
static int report(nacre_run *run, const char *db, const args *a,
                  double wall_s) {
  nacre_error err;
  nacre_search_report *r;
  if (nacre_search_report_new(run, &r, &err)) return cli_fail(CMD, &err);
  const char *dir = a->dir ? a->dir
                    : r->config.output_dir[0] ? r->config.output_dir
                                              : "search-results";
  char *json = NULL;
  int rc = CLI_OK;
  if (nacre_search_report_write(r, dir, a->top, wall_s, &json, &err))
    rc = cli_fail(CMD, &err);
  else if (a->json)
    printf("%s\n", json);
  else
    print_table(r, a->top, dir);
  if (rc == CLI_OK && r->domain_left > 0) /* even with -q and --json */
    fprintf(stderr,
            "nacre search: warning: %ld of %ld relaxations left the training data of "
            "the potential (over the run) and %ld of %ld unique minima lie outside it "
            "(outside_training_domain; * after their count in the table): their enthalpies are "
            "extrapolations\n",
            r->domain_left, r->domain_checked, r->minima_outside, r->nminima);
  /* a composition range: the hull of its minima, as nacre hull writes it */
  if (rc == CLI_OK && nacre_search_config_varcomp(&r->config) && r->nminima > 0) {
    nacre_ctx ctx;
    cli_ctx_init(&ctx, 0);
    if (!a->json) printf("\n");
    if (hull_of_run(db, dir, a->json, &ctx, &err)) rc = cli_fail(CMD, &err);
  }
  free(json);
  nacre_search_report_free(r);
  return rc;
}

/* The hull of a variable-composition run: thermo's Qhull hull. */
static nacre_status search_hull(void *user, int nel, int n,
                                const double *amounts, const double *h,
                                double *above, nacre_error *err) {
  (void)user;
  nacre_hull *hull;
  nacre_status st = nacre_hull_new(nel, n, amounts, h, &hull, err);
  if (st) return st;
  for (int i = 0; i < n; i++)
    above[i] = nacre_hull_entry(hull, i)->e_above_hull_per_atom_ev;
  nacre_hull_free(hull);
  return NACRE_OK;
}

/* m: this is rank 0 of an MPI job (the other ranks serve). */
static int search_main(int argc, char **argv, nacre_search_mpi *m) {
  args a;
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc < 0 ? CLI_OK : rc;
  nacre_error err;
  nacre_error_clear(&err);
  if (a.report_db) {
    nacre_run *run;
    if (nacre_run_open_readonly(a.report_db, &run, &err))
      return cli_fail(CMD, &err);
    nacre_run_set_hull(run, search_hull, NULL);
    rc = report(run, a.report_db, &a, 0);
    nacre_run_close(run);
    return rc;
  }
  if (m && !a.quiet)
    fprintf(stderr, "nacre search: under MPI ranks 1..%d relax (--jobs is "
                    "not used)\n",
            nacre_search_mpi_size(m) - 1);
  progress_state ps = {.quiet = a.quiet, .tty = isatty(STDERR_FILENO)};
  a.job.progress = on_progress;
  a.job.progress_user = &ps;
  a.job.hull = search_hull;
  nacre_ctx ctx;
  cli_ctx_init(&ctx, 0);
  cli_catch_interrupts(&ctx, 1);
  double t0 = nacre_now_s();
  nacre_run *run = NULL;
  const char *conflict = NULL;
  nacre_status st = nacre_search_job_run(&a.job, m, &ctx, &run, &conflict, &err);
  double wall = nacre_now_s() - t0;
  cli_catch_interrupts(&ctx, 0);
  if (!a.quiet && ps.tty && ps.last_time) fputc('\n', stderr);
  if (conflict)
    return cli_usage(CMD, "%s (%s)", err.message, flag_of(conflict));
  if (!run) return cli_fail(CMD, &err);
  if (st) {
    rc = cli_fail(CMD, &err);
    fprintf(stderr, "nacre search: finished relaxations are kept; continue "
                    "with --resume %s\n",
            a.job.db);
  } else if (!a.quiet) {
    fprintf(stderr, "nacre search: stopped (%s)\n", nacre_run_stop_reason(run));
  }
  int rc2 = report(run, a.job.db, &a, wall);
  nacre_run_close(run);
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
