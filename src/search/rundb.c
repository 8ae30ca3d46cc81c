/* rundb.c — the run database: one SQLite file per search holding the
 * configuration and every candidate (origin, start and relaxed structure,
 * energies, symmetry, fingerprint, status).
 *
 * Durability: WAL journal with synchronous=FULL and one transaction per
 * finished relaxation, so killing the process at any moment loses only the
 * relaxations still running. Exclusivity: the writing process holds an
 * flock() on RUN.db.lock (released by the kernel even after kill -9);
 * readers (reports) share the file through WAL and a busy timeout. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "dedup.h"
#include "run_internal.h"

static const char *schema =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS candidates("
    " id INTEGER PRIMARY KEY, generation INTEGER, engine TEXT, operator TEXT,"
    " parents TEXT, particle INTEGER, status TEXT, start TEXT, relaxed TEXT,"
    " energy REAL, enthalpy REAL, volume REAL, natoms INTEGER, sg INTEGER,"
    " sg_symbol TEXT, pearson TEXT, fingerprint BLOB, duplicate_of INTEGER,"
    " outcome TEXT, steps INTEGER, created REAL, finished REAL,"
    " committee_f_dev REAL, committee_e_dev REAL, domain_left INTEGER,"
    " domain_end_outside INTEGER);";

/* Columns added after the first run files were written: a run file
 * without them gets them (NULL for its candidates) when opened to write. */
static const char *const added_columns[][2] = {
    {"committee_f_dev", "REAL"},
    {"committee_e_dev", "REAL"},
    {"domain_left", "INTEGER"},
    {"domain_end_outside", "INTEGER"}};

static nacre_status db_error(nacre_run *r, nacre_error *err, const char *what) {
  return nacre_error_set(err, NACRE_ERR_IO, "run database: %s: %s", what,
                         r->db ? sqlite3_errmsg(r->db) : "not open");
}

static nacre_status exec(nacre_run *r, const char *sql, nacre_error *err);

static int has_column(nacre_run *r, const char *column) {
  char sql[200];
  snprintf(sql, sizeof sql, "SELECT %s FROM candidates LIMIT 0", column);
  sqlite3_stmt *q = NULL;
  int present = sqlite3_prepare_v2(r->db, sql, -1, &q, NULL) == SQLITE_OK;
  sqlite3_finalize(q);
  return present;
}

static nacre_status add_missing_columns(nacre_run *r, nacre_error *err) {
  int n = (int)(sizeof added_columns / sizeof *added_columns);
  for (int k = 0; k < n; k++) {
    if (has_column(r, added_columns[k][0])) continue;
    char sql[200];
    snprintf(sql, sizeof sql, "ALTER TABLE candidates ADD COLUMN %s %s", added_columns[k][0],
             added_columns[k][1]);
    nacre_status st = exec(r, sql, err);
    if (st) return st;
  }
  return NACRE_OK;
}

static nacre_status exec(nacre_run *r, const char *sql, nacre_error *err) {
  char *msg = NULL;
  if (sqlite3_exec(r->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    nacre_status st = nacre_error_set(err, NACRE_ERR_IO, "run database: %s",
                                      msg ? msg : "error");
    sqlite3_free(msg);
    return st;
  }
  return NACRE_OK;
}

nacre_status run_begin(nacre_run *r, nacre_error *err) {
  return exec(r, "BEGIN IMMEDIATE", err);
}
nacre_status run_commit(nacre_run *r, nacre_error *err) {
  return exec(r, "COMMIT", err);
}
void run_rollback(nacre_run *r) { sqlite3_exec(r->db, "ROLLBACK", 0, 0, 0); }

void nacre_search_config_init(nacre_search_config *c) {
  memset(c, 0, sizeof *c);
  c->engine = NACRE_ENGINE_AUTO;
  c->seed = 1;
  c->budget = 100;
  c->population = 20;
  c->jobs = 1;
  snprintf(c->groups, sizeof c->groups, "1-230");
  c->frac_symmetric = 0.5;
  c->walker_share = -1; /* the auto mix's own share */
  c->frac_supercell_mutation = 0.5;
  snprintf(c->point_groups, sizeof c->point_groups, "all");
  c->relax.fmax_ev_a = 0.01;
  c->relax.smax_gpa = 0.01;
  c->relax.max_steps = 1000;
  nacre_random_options_init(&c->random);
  c->random.verify_symmetry = 0;
  nacre_fingerprint_options_init(&c->fingerprint);
  nacre_duplicate_options_init(&c->duplicate);
  c->symprec = NACRE_SYMPREC_DEFAULT;
  c->min_relaxed_factor = 0.8;
  c->frac_heredity = 0.5;
  c->frac_mutation = 0.3;
  c->elite = 4;
  c->similarity_penalty = 0.5;
  c->swarm_regenerate = 0.4;
  c->swarm_inertia = 0.5;
  c->swarm_c1 = 1.0;
  c->swarm_c2 = 1.0;
  c->hop_ediff_ev_atom = 0.01;
  c->hop_ediff_factor = 1.05;
  c->hop_restart = 30;
  c->hop_ekin_ev_atom = 0;
  c->tribes = 1;
  c->tribe_restart = 20;
}

const char *nacre_engine_name(nacre_engine e) {
  static const char *n[] = {"random", "evolution", "swarm", "auto",
                            "basin-hopping", "minima-hopping"};
  return (unsigned)e < NACRE_ENGINE_COUNT ? n[e] : "unknown";
}

nacre_status nacre_engine_parse(const char *text, nacre_engine *out,
                                nacre_error *err) {
  for (int e = 0; e < NACRE_ENGINE_COUNT; e++)
    if (!strcmp(text, nacre_engine_name((nacre_engine)e))) {
      *out = (nacre_engine)e;
      return NACRE_OK;
    }
  return nacre_error_set(err, NACRE_ERR_INVALID,
                         "engine '%s': expected random, evolution, swarm, "
                         "basin-hopping, minima-hopping or auto",
                         text);
}

static const char *const status_names[] = {"pending", "done", "failed"};

const char *nacre_candidate_status_name(nacre_candidate_status s) {
  return (unsigned)s <= NACRE_CANDIDATE_FAILED ? status_names[s] : "unknown";
}

nacre_status nacre_candidate_status_parse(const char *text,
                                          nacre_candidate_status *out,
                                          nacre_error *err) {
  for (int k = 0; k <= NACRE_CANDIDATE_FAILED; k++)
    if (text && !strcmp(text, status_names[k])) {
      *out = (nacre_candidate_status)k;
      return NACRE_OK;
    }
  return nacre_error_set(err, NACRE_ERR_PARSE,
                         "run database: candidate status '%s' (expected "
                         "pending, done or failed)",
                         text ? text : "(null)");
}

/* ---- configuration <-> JSON ----
 * Every numeric setting of nacre_search_config, by its key in the run
 * file. Keys absent from an older run file keep the defaults of
 * nacre_search_config_init. `safe`: a resumed run may change it. */

typedef struct config_field {
  const char *key;
  char type; /* 'd' double, 'i' int */
  size_t offset;
  int safe;
} config_field;

#define FIELD(key, type, member, safe)                                         \
  { key, type, offsetof(nacre_search_config, member), safe }

static const config_field fields[] = {
    FIELD("pressure_gpa", 'd', pressure_gpa, 0),
    FIELD("cluster", 'i', cluster, 0),
    FIELD("budget", 'i', budget, 1),
    FIELD("time_limit_s", 'd', time_limit_s, 1),
    FIELD("stall_generations", 'i', stall_generations, 1),
    FIELD("saturation_relaxations", 'i', saturation, 1),
    FIELD("population", 'i', population, 0),
    FIELD("jobs", 'i', jobs, 1),
    FIELD("fmax_ev_a", 'd', relax.fmax_ev_a, 0),
    FIELD("smax_gpa", 'd', relax.smax_gpa, 0),
    FIELD("max_steps", 'i', relax.max_steps, 0),
    FIELD("volume_per_atom", 'd', random.volume_per_atom, 0),
    FIELD("volume_spread", 'd', random.volume_spread, 0),
    FIELD("distance_factor", 'd', random.distance_factor, 0),
    FIELD("max_length_ratio", 'd', random.max_length_ratio, 0),
    FIELD("max_lattice_tries", 'i', random.max_lattice_tries, 0),
    FIELD("max_site_tries", 'i', random.max_site_tries, 0),
    FIELD("max_combination_tries", 'i', random.max_combination_tries, 0),
    FIELD("prefer_general", 'i', random.prefer_general, 0),
    FIELD("verify_symmetry", 'i', random.verify_symmetry, 0),
    FIELD("fp_rmax", 'd', fingerprint.rmax, 0),
    FIELD("fp_nbins", 'i', fingerprint.nbins, 0),
    FIELD("fp_sigma", 'd', fingerprint.sigma, 0),
    FIELD("dup_similarity", 'd', duplicate.similarity, 0),
    FIELD("dup_dh_ev_atom", 'd', duplicate.dh_ev_atom, 0),
    FIELD("dup_dv_rel", 'd', duplicate.dv_rel, 0),
    FIELD("dup_strict", 'd', duplicate.strict, 0),
    FIELD("dup_dh_rel", 'd', duplicate.dh_rel, 0),
    FIELD("dup_overlap", 'd', duplicate.overlap, 0),
    FIELD("symprec", 'd', symprec, 0),
    FIELD("min_relaxed_factor", 'd', min_relaxed_factor, 0),
    FIELD("frac_heredity", 'd', frac_heredity, 0),
    FIELD("frac_mutation", 'd', frac_mutation, 0),
    FIELD("elite", 'i', elite, 0),
    FIELD("similarity_penalty", 'd', similarity_penalty, 0),
    FIELD("crowding", 'd', crowding, 0),
    FIELD("tribes", 'i', tribes, 0),
    FIELD("tribe_restart_generations", 'i', tribe_restart, 0),
    FIELD("swarm_operators", 'i', swarm_operators, 0),
    FIELD("soft_modes", 'i', soft_modes, 0),
    FIELD("swarm_regenerate", 'd', swarm_regenerate, 0),
    FIELD("swarm_inertia", 'd', swarm_inertia, 0),
    FIELD("swarm_c1", 'd', swarm_c1, 0),
    FIELD("swarm_c2", 'd', swarm_c2, 0),
    FIELD("hop_ediff_ev_atom", 'd', hop_ediff_ev_atom, 0),
    FIELD("hop_ediff_factor", 'd', hop_ediff_factor, 0),
    FIELD("hop_restart", 'i', hop_restart, 0),
    FIELD("hop_ekin_ev_atom", 'd', hop_ekin_ev_atom, 0),
    FIELD("auto_minima_hopping", 'i', auto_minima_hopping, 0),
    FIELD("frac_symmetric", 'd', frac_symmetric, 0),
    FIELD("frac_motif", 'd', frac_motif, 0),
    FIELD("primitive_cells", 'i', primitive_cells, 0),
    FIELD("frac_supercell_mutation", 'd', frac_supercell_mutation, 0),
    FIELD("walker_share", 'd', walker_share, 0),
    FIELD("min_natoms", 'i', min_natoms, 0),
    FIELD("max_natoms", 'i', max_natoms, 0),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static double field_get(const nacre_search_config *c, const config_field *f) {
  const char *p = (const char *)c + f->offset;
  return f->type == 'd' ? *(const double *)p : *(const int *)p;
}

static void field_set(nacre_search_config *c, const config_field *f,
                      double v) {
  char *p = (char *)c + f->offset;
  if (f->type == 'd') *(double *)p = v;
  else *(int *)p = (int)v;
}

static char *config_to_json(const nacre_search_config *c) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  char comp[256], seed[32];
  nacre_composition_format(&c->composition, comp, sizeof comp);
  cJSON_AddStringToObject(o, "composition", comp);
  cJSON_AddStringToObject(o, "engine", nacre_engine_name(c->engine));
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
  cJSON_AddStringToObject(o, "seed", seed);
  cJSON_AddStringToObject(o, "groups", c->groups);
  cJSON_AddStringToObject(o, "point_groups", c->point_groups);
  cJSON_AddStringToObject(o, "composition_range", c->composition_range);
  cJSON_AddStringToObject(o, "potential", c->potential);
  cJSON_AddStringToObject(o, "output_dir", c->output_dir);
  for (size_t k = 0; k < NFIELDS; k++)
    cJSON_AddNumberToObject(o, fields[k].key, field_get(c, &fields[k]));
  const nacre_random_options *ro = &c->random;
  cJSON *pairs = cJSON_AddArrayToObject(o, "pair_dmin");
  for (int k = 0; k < ro->npairs; k++) {
    cJSON *p = cJSON_CreateArray();
    cJSON_AddItemToArray(p, cJSON_CreateNumber(ro->pair_z[k][0]));
    cJSON_AddItemToArray(p, cJSON_CreateNumber(ro->pair_z[k][1]));
    cJSON_AddItemToArray(p, cJSON_CreateNumber(ro->pair_dmin[k]));
    cJSON_AddItemToArray(pairs, p);
  }
  char *text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return text;
}

static const char *jstr(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static nacre_status config_from_json(const char *text, nacre_search_config *c,
                                     nacre_error *err) {
  nacre_search_config_init(c);
  /* runs stored before the check existed keep their behaviour */
  c->min_relaxed_factor = 0.0;
  c->frac_symmetric = 0.0;
  c->duplicate.dh_rel = 0.0;
  c->duplicate.overlap = 0.0;
  c->frac_supercell_mutation = 0.0;
  cJSON *o = cJSON_Parse(text);
  if (!o)
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "run database: stored configuration is not JSON");
  nacre_status st = NACRE_OK;
  const char *comp = jstr(o, "composition"), *engine = jstr(o, "engine"),
             *seed = jstr(o, "seed"), *groups = jstr(o, "groups"),
             *pot = jstr(o, "potential"), *dir = jstr(o, "output_dir");
  if (!comp || !engine || !seed || !groups) {
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "run database: configuration lacks composition, "
                         "engine, seed or groups");
    goto done;
  }
  if ((st = nacre_composition_parse(comp, &c->composition, err))) goto done;
  if ((st = nacre_engine_parse(engine, &c->engine, err))) goto done;
  c->seed = strtoull(seed, NULL, 10);
  snprintf(c->groups, sizeof c->groups, "%s", groups);
  const char *pg = jstr(o, "point_groups");
  if (pg) snprintf(c->point_groups, sizeof c->point_groups, "%s", pg);
  const char *range = jstr(o, "composition_range");
  if (range) snprintf(c->composition_range, sizeof c->composition_range, "%s", range);
  snprintf(c->potential, sizeof c->potential, "%s", pot ? pot : "");
  snprintf(c->output_dir, sizeof c->output_dir, "%s", dir ? dir : "");
  for (size_t k = 0; k < NFIELDS; k++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, fields[k].key);
    if (cJSON_IsNumber(v)) field_set(c, &fields[k], v->valuedouble);
  }
  /* crystals stored before the walker share had no walkers */
  if (!cJSON_GetObjectItemCaseSensitive(o, "walker_share") && !c->cluster)
    c->walker_share = 0;
  const cJSON *pairs = cJSON_GetObjectItemCaseSensitive(o, "pair_dmin"), *p;
  cJSON_ArrayForEach(p, pairs) {
    if (cJSON_GetArraySize(p) != 3) continue;
    nacre_random_options_set_distance(
        &c->random, (int)cJSON_GetArrayItem(p, 0)->valuedouble,
        (int)cJSON_GetArrayItem(p, 1)->valuedouble,
        cJSON_GetArrayItem(p, 2)->valuedouble, NULL);
  }
  st = nacre_search_config_check(c, err);
  if (st) nacre_error_prefix(err, "run database: ");
done:
  cJSON_Delete(o);
  return st;
}

nacre_status nacre_search_config_check(const nacre_search_config *c,
                                       nacre_error *err) {
  int natoms = nacre_composition_natoms(&c->composition);
  if (natoms < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID, "empty composition");
  if (!isfinite(c->pressure_gpa))
    return nacre_error_set(err, NACRE_ERR_INVALID, "pressure %g GPa",
                           c->pressure_gpa);
  if (c->population < 1 || c->budget < 1 || c->jobs < 1 || c->jobs > 256)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "population (%d) and budget (%d) must be ≥ 1, jobs "
                           "(%d) in 1..256",
                           c->population, c->budget, c->jobs);
  if (!(c->relax.fmax_ev_a > 0) || !(c->relax.smax_gpa > 0) ||
      c->relax.max_steps < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "fmax %g eV/Å, smax %g GPa and max-steps %d must "
                           "be positive",
                           c->relax.fmax_ev_a, c->relax.smax_gpa,
                           c->relax.max_steps);
  if (!(c->symprec > 0) || !(c->min_relaxed_factor >= 0) ||
      !(c->time_limit_s >= 0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "symprec %g Å must be positive, the rejection "
                           "factor %g and the time limit %g s non-negative",
                           c->symprec, c->min_relaxed_factor, c->time_limit_s);
  if (!(c->frac_heredity >= 0) || !(c->frac_mutation >= 0) ||
      c->frac_heredity + c->frac_mutation > 1 + 1e-12)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "heredity %g and mutation %g shares must be ≥ 0 "
                           "and sum to at most 1",
                           c->frac_heredity, c->frac_mutation);
  if (!(c->hop_ediff_ev_atom > 0) || !(c->hop_ediff_factor >= 1) ||
      c->hop_restart < 1 || c->saturation < 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "basin hopping: ediff %g eV/atom must be positive, "
                           "its factor %g ≥ 1 and the restart %d ≥ 1; "
                           "saturation %d must be ≥ 0",
                           c->hop_ediff_ev_atom, c->hop_ediff_factor,
                           c->hop_restart, c->saturation);
  if (c->tribes < 1 || c->tribes > NACRE_MAX_TRIBES ||
      c->tribes > c->population || c->tribe_restart < 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "tribes %d: expected 1 to %d and at most the "
                           "population %d; a tribe's restart after %d "
                           "generations must be ≥ 1",
                           c->tribes, NACRE_MAX_TRIBES, c->population,
                           c->tribe_restart);
  if (c->auto_minima_hopping != 0 && c->auto_minima_hopping != 1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "auto_minima_hopping %d: expected 0 (basin-hopping "
                           "walkers) or 1 (minima hopping)",
                           c->auto_minima_hopping);
  if (!(c->hop_ekin_ev_atom >= 0))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "minima hopping: the escape's kinetic energy %g "
                           "eV/atom must be ≥ 0 (0: from the minimum's energy)",
                           c->hop_ekin_ev_atom);
  if (c->soft_modes != NACRE_SOFT_MODES_SPRINGS && c->soft_modes != NACRE_SOFT_MODES_POTENTIAL)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "soft modes %d: expected %d (springs) or %d (potential)",
                           c->soft_modes, NACRE_SOFT_MODES_SPRINGS,
                           NACRE_SOFT_MODES_POTENTIAL);
  if (!(c->frac_symmetric >= 0 && c->frac_symmetric <= 1) ||
      !(c->frac_motif >= 0 && c->frac_motif <= 1))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "symmetric share %g and motif share %g must be in "
                           "[0, 1]",
                           c->frac_symmetric, c->frac_motif);
  if (!(c->frac_supercell_mutation >= 0 &&
        c->frac_supercell_mutation <= 1))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "supercell mutation share %g must be in [0, 1]",
                           c->frac_supercell_mutation);
  if (!(c->walker_share <= 0.2))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "walker share %g must be at most 0.2 (the share "
                           "it takes from; negative: the default)",
                           c->walker_share);
  if (nacre_search_config_varcomp(c)) {
    nacre_composition el;
    nacre_status st = nacre_composition_range_parse(c->composition_range, &el, err);
    if (st) return st;
    if (c->cluster)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "a composition range is searched in crystals, "
                             "not clusters");
    if (c->min_natoms < 1 || c->max_natoms < c->min_natoms ||
        c->max_natoms > NACRE_MAX_ATOMS)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "atoms per cell %d:%d: expected 1 ≤ N0 ≤ N1 ≤ %d",
                             c->min_natoms, c->max_natoms, NACRE_MAX_ATOMS);
    if (c->stall_generations > 0)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "a composition range stops at its budget, time "
                             "limit or saturation (stall %d counts one "
                             "composition's lowest enthalpy)",
                             c->stall_generations);
    if (c->tribes > 1)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "tribes %d: a composition range is searched as "
                             "one population",
                             c->tribes);
    if (c->engine == NACRE_ENGINE_SWARM || c->engine == NACRE_ENGINE_BASIN_HOPPING ||
        c->engine == NACRE_ENGINE_MINIMA_HOPPING)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "engine %s: a composition range is searched by "
                             "the random, evolution or auto engines",
                             nacre_engine_name(c->engine));
  }
  return nacre_pointgroup_list_parse(c->point_groups, NULL, NULL, err);
}

nacre_status nacre_run_apply(nacre_run *r, const nacre_search_config *asked,
                             const char **conflict, nacre_error *err) {
  if (conflict) *conflict = NULL;
  if (r->readonly)
    return nacre_error_set(err, NACRE_ERR_INVALID, "run opened read-only");
  nacre_search_config *c = &r->cfg;
  char a[256], b[256];
  const char *key = NULL;
  nacre_composition_format(&c->composition, a, sizeof a);
  nacre_composition_format(&asked->composition, b, sizeof b);
  if (strcmp(c->composition_range, asked->composition_range)) {
    key = "composition_range";
    snprintf(a, sizeof a, "'%s'", c->composition_range);
    snprintf(b, sizeof b, "'%s'", asked->composition_range);
  } else if (strcmp(a, b)) key = "composition";
  else if (c->engine != asked->engine) {
    key = "engine";
    snprintf(a, sizeof a, "%s", nacre_engine_name(c->engine));
    snprintf(b, sizeof b, "%s", nacre_engine_name(asked->engine));
  } else if (c->seed != asked->seed) {
    key = "seed";
    snprintf(a, sizeof a, "%llu", (unsigned long long)c->seed);
    snprintf(b, sizeof b, "%llu", (unsigned long long)asked->seed);
  } else if (strcmp(c->groups, asked->groups)) {
    key = "groups";
    snprintf(a, sizeof a, "%s", c->groups);
    snprintf(b, sizeof b, "%s", asked->groups);
  } else if (strcmp(c->point_groups, asked->point_groups)) {
    key = "point_groups";
    snprintf(a, sizeof a, "%s", c->point_groups);
    snprintf(b, sizeof b, "%s", asked->point_groups);
  } else if (c->random.npairs != asked->random.npairs ||
             memcmp(c->random.pair_z, asked->random.pair_z,
                    sizeof c->random.pair_z) ||
             memcmp(c->random.pair_dmin, asked->random.pair_dmin,
                    sizeof c->random.pair_dmin)) {
    key = "pair_dmin";
    snprintf(a, sizeof a, "%d pairs", c->random.npairs);
    snprintf(b, sizeof b, "%d pairs", asked->random.npairs);
  }
  for (size_t k = 0; k < NFIELDS && !key; k++) {
    double x = field_get(c, &fields[k]), y = field_get(asked, &fields[k]);
    if (fields[k].safe || x == y) continue;
    key = fields[k].key;
    snprintf(a, sizeof a, "%.10g", x);
    snprintf(b, sizeof b, "%.10g", y);
  }
  if (key) {
    if (conflict) *conflict = key;
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s %s contradicts the run, which was made with "
                           "%s; a resumed run keeps its settings",
                           key, b, a);
  }
  for (size_t k = 0; k < NFIELDS; k++)
    if (fields[k].safe) field_set(c, &fields[k], field_get(asked, &fields[k]));
  snprintf(c->potential, sizeof c->potential, "%s", asked->potential);
  char *json = config_to_json(c);
  if (!json) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  nacre_status st = run_meta_set(r, "config", json, err);
  free(json);
  return st;
}

/* ---- open / create / close ---- */

static nacre_status lock_run(nacre_run *r, const char *path, nacre_error *err) {
  size_t n = strlen(path) + 8;
  char *lp = malloc(n);
  if (!lp) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  snprintf(lp, n, "%s.lock", path);
  r->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (r->lock_fd < 0) {
    nacre_status st = nacre_error_set(err, NACRE_ERR_IO, "%s: %s", lp,
                                      strerror(errno));
    free(lp);
    return st;
  }
  free(lp);
  if (flock(r->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    close(r->lock_fd);
    r->lock_fd = -1;
    return nacre_error_set(err, NACRE_ERR_IO,
                           "%s: the run is in use by another process", path);
  }
  return NACRE_OK;
}

static nacre_status open_db(const char *path, int flags, int readonly,
                            nacre_run **out, nacre_error *err) {
  *out = NULL;
  nacre_run *r = calloc(1, sizeof *r);
  if (!r) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  r->lock_fd = -1;
  r->readonly = readonly;
  if (!readonly) {
    nacre_status st = lock_run(r, path, err);
    if (st) {
      free(r);
      return st;
    }
  }
  if (sqlite3_open_v2(path, &r->db, flags, NULL) != SQLITE_OK) {
    nacre_status st = nacre_error_set(
        err, NACRE_ERR_IO, "%s: cannot open run database: %s", path,
        r->db ? sqlite3_errmsg(r->db) : "out of memory");
    nacre_run_close(r);
    return st;
  }
  sqlite3_busy_timeout(r->db, 10000);
  nacre_status st = NACRE_OK;
  if (!readonly)
    st = exec(r, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", err);
  if (!st && !readonly) st = exec(r, schema, err);
  if (!st && !readonly) st = add_missing_columns(r, err);
  if (st) {
    nacre_error_prefix(err, "%s: ", path);
    nacre_run_close(r);
    return st;
  }
  *out = r;
  return NACRE_OK;
}

static nacre_status meta_get(nacre_run *r, const char *key, char **value,
                             nacre_error *err) {
  *value = NULL;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(r->db, "SELECT value FROM meta WHERE key=?", -1, &q,
                         NULL) != SQLITE_OK)
    return db_error(r, err, "reading meta");
  sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step(q) == SQLITE_ROW) {
    const unsigned char *t = sqlite3_column_text(q, 0);
    *value = strdup(t ? (const char *)t : "");
  }
  sqlite3_finalize(q);
  return NACRE_OK;
}

nacre_status run_meta_set(nacre_run *r, const char *key, const char *value,
                          nacre_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(r->db,
                         "INSERT OR REPLACE INTO meta(key,value) VALUES(?,?)",
                         -1, &q, NULL) != SQLITE_OK)
    return db_error(r, err, "writing meta");
  sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? NACRE_OK : db_error(r, err, "writing meta");
}

nacre_status nacre_run_create(const char *path, const nacre_search_config *c,
                              nacre_run **out, nacre_error *err) {
  nacre_run *r;
  *out = NULL;
  nacre_status st = nacre_search_config_check(c, err);
  if (st) return st;
  st = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            0, &r, err);
  if (st) return st;
  char *old = NULL;
  if ((st = meta_get(r, "config", &old, err))) goto fail;
  if (old) {
    free(old);
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "%s: already holds a run; use --resume to continue "
                         "it or choose a new file",
                         path);
    goto fail;
  }
  char *json = config_to_json(c);
  if (!json) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto fail;
  }
  st = run_meta_set(r, "config", json, err);
  free(json);
  if (st) goto fail;
  r->cfg = *c;
  *out = r;
  return NACRE_OK;
fail:
  nacre_run_close(r);
  *out = NULL;
  return st;
}

static nacre_status load_config(nacre_run *r, const char *path,
                                nacre_error *err) {
  char *json = NULL;
  nacre_status st = meta_get(r, "config", &json, err);
  if (st) return st;
  if (!json)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s: not a nacre search run (no configuration)",
                           path);
  st = config_from_json(json, &r->cfg, err);
  free(json);
  if (st) nacre_error_prefix(err, "%s: ", path);
  return st;
}

nacre_status nacre_run_open(const char *path, nacre_run **out,
                            nacre_error *err) {
  if (access(path, F_OK) != 0)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: no such run database",
                           path);
  nacre_status st = open_db(path, SQLITE_OPEN_READWRITE, 0, out, err);
  if (st) return st;
  st = load_config(*out, path, err);
  if (st) {
    nacre_run_close(*out);
    *out = NULL;
  }
  return st;
}

nacre_status nacre_run_open_readonly(const char *path, nacre_run **out,
                                     nacre_error *err) {
  if (access(path, F_OK) != 0)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: no such run database",
                           path);
  nacre_status st = open_db(path, SQLITE_OPEN_READONLY, 1, out, err);
  if (st) return st;
  st = load_config(*out, path, err);
  if (st) {
    nacre_run_close(*out);
    *out = NULL;
  }
  return st;
}

void nacre_run_close(nacre_run *r) {
  if (!r) return;
  if (r->db) sqlite3_close(r->db);
  if (r->lock_fd >= 0) close(r->lock_fd); /* releases the flock */
  free(r);
}

void nacre_run_set_soft_modes(nacre_run *r, nacre_soft_modes_fn fn, void *user) {
  r->soft_modes = fn;
  r->soft_modes_user = user;
}

void nacre_run_set_escape(nacre_run *r, nacre_escape_fn fn, void *user) {
  r->escape = fn;
  r->escape_user = user;
}

const nacre_search_config *nacre_run_config(const nacre_run *r) {
  return &r->cfg;
}

nacre_status nacre_run_set_limits(nacre_run *r, int budget,
                                  double time_limit_s, int jobs,
                                  nacre_error *err) {
  nacre_search_config asked = r->cfg;
  if (budget > 0) asked.budget = budget;
  if (time_limit_s >= 0) asked.time_limit_s = time_limit_s;
  if (jobs > 0) asked.jobs = jobs;
  return nacre_run_apply(r, &asked, NULL, err);
}

/* ---- candidates ---- */

nacre_status run_insert_pending(nacre_run *r, const nacre_candidate *c,
                                int particle, nacre_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(r->db,
                         "INSERT OR REPLACE INTO candidates(id,generation,"
                         "engine,operator,parents,particle,status,start,"
                         "natoms,duplicate_of,created) "
                         "VALUES(?,?,?,?,?,?,?,?,?,-1,?)",
                         -1, &q, NULL) != SQLITE_OK)
    return db_error(r, err, "adding a candidate");
  char *start = nacre_structure_to_text(c->start);
  if (!start) {
    sqlite3_finalize(q);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  sqlite3_bind_int64(q, 1, c->id);
  sqlite3_bind_int(q, 2, c->generation);
  sqlite3_bind_text(q, 3, c->engine, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 4, c->op, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 5, c->parents, -1, SQLITE_STATIC);
  sqlite3_bind_int(q, 6, particle);
  sqlite3_bind_text(q, 7, nacre_candidate_status_name(NACRE_CANDIDATE_PENDING),
                    -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 8, start, -1, free);
  sqlite3_bind_int(q, 9, c->start->natoms);
  sqlite3_bind_double(q, 10, c->created);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? NACRE_OK : db_error(r, err, "adding a candidate");
}

static void bind_real_or_null(sqlite3_stmt *q, int k, double v) {
  if (isfinite(v)) sqlite3_bind_double(q, k, v);
  else sqlite3_bind_null(q, k);
}

nacre_status run_store_result(nacre_run *r, const nacre_candidate *c,
                              nacre_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(r->db,
                         "UPDATE candidates SET status=?,relaxed=?,energy=?,"
                         "enthalpy=?,volume=?,sg=?,sg_symbol=?,pearson=?,"
                         "fingerprint=?,outcome=?,steps=?,finished=?,"
                         "committee_f_dev=?,committee_e_dev=?,domain_left=?,"
                         "domain_end_outside=? WHERE id=?",
                         -1, &q, NULL) != SQLITE_OK)
    return db_error(r, err, "storing a result");
  char *relaxed = c->relaxed ? nacre_structure_to_text(c->relaxed) : NULL;
  double *fpbuf = NULL;
  size_t fpn = 0;
  if (c->fp) {
    fpn = nacre_fingerprint_size(c->fp);
    fpbuf = malloc(sizeof(double) * fpn);
    if (fpbuf) nacre_fingerprint_pack(c->fp, fpbuf);
  }
  sqlite3_bind_text(q, 1, nacre_candidate_status_name(c->status), -1,
                    SQLITE_STATIC);
  if (relaxed) sqlite3_bind_text(q, 2, relaxed, -1, free);
  else sqlite3_bind_null(q, 2);
  sqlite3_bind_double(q, 3, c->energy);
  sqlite3_bind_double(q, 4, c->enthalpy);
  sqlite3_bind_double(q, 5, c->volume);
  sqlite3_bind_int(q, 6, c->sg);
  sqlite3_bind_text(q, 7, c->sg_symbol, -1, SQLITE_STATIC);
  sqlite3_bind_text(q, 8, c->pearson, -1, SQLITE_STATIC);
  if (fpbuf)
    sqlite3_bind_blob(q, 9, fpbuf, (int)(sizeof(double) * fpn), free);
  else sqlite3_bind_null(q, 9);
  sqlite3_bind_text(q, 10, c->outcome, -1, SQLITE_STATIC);
  sqlite3_bind_int(q, 11, c->steps);
  sqlite3_bind_double(q, 12, c->finished);
  bind_real_or_null(q, 13, c->committee_force_dev_max);
  bind_real_or_null(q, 14, c->committee_energy_dev_per_atom);
  if (c->domain_left >= 0) sqlite3_bind_int(q, 15, c->domain_left);
  else sqlite3_bind_null(q, 15);
  if (c->domain_end_outside >= 0) sqlite3_bind_int(q, 16, c->domain_end_outside);
  else sqlite3_bind_null(q, 16);
  sqlite3_bind_int64(q, 17, c->id);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? NACRE_OK : db_error(r, err, "storing a result");
}

nacre_status run_store_duplicate(nacre_run *r, long id, long dup_of,
                                 nacre_error *err) {
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(r->db,
                         "UPDATE candidates SET duplicate_of=? WHERE id=?", -1,
                         &q, NULL) != SQLITE_OK)
    return db_error(r, err, "marking a duplicate");
  sqlite3_bind_int64(q, 1, dup_of);
  sqlite3_bind_int64(q, 2, id);
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? NACRE_OK : db_error(r, err, "marking a duplicate");
}

void nacre_candidate_clear(nacre_candidate *c) {
  nacre_structure_free(c->start);
  nacre_structure_free(c->relaxed);
  nacre_fingerprint_free(c->fp);
  memset(c, 0, sizeof *c);
  c->duplicate_of = -1;
  c->committee_force_dev_max = c->committee_energy_dev_per_atom = NAN;
  c->domain_left = c->domain_end_outside = -1;
}

void nacre_candidates_free(nacre_candidate *c, long n) {
  if (!c) return;
  for (long k = 0; k < n; k++) nacre_candidate_clear(&c[k]);
  free(c);
}

static void copy_text(char *dst, size_t n, const unsigned char *src) {
  snprintf(dst, n, "%s", src ? (const char *)src : "");
}

static double column_real_or_nan(sqlite3_stmt *q, int k) {
  return sqlite3_column_type(q, k) == SQLITE_NULL ? NAN : sqlite3_column_double(q, k);
}

static nacre_status load_where(nacre_run *r, const char *where,
                               nacre_candidate **out, int **particle, long *n,
                               nacre_error *err) {
  *out = NULL;
  *n = 0;
  if (particle) *particle = NULL;
  char sql[768];
  snprintf(sql, sizeof sql,
           "SELECT id,generation,engine,operator,parents,particle,status,"
           "start,relaxed,energy,enthalpy,volume,sg,sg_symbol,pearson,"
           "fingerprint,duplicate_of,outcome,steps,created,finished,%s "
           "FROM candidates %s ORDER BY id",
           /* a run file older than these columns, opened to read */
           has_column(r, "domain_end_outside")
               ? "committee_f_dev,committee_e_dev,domain_left,domain_end_outside"
               : "NULL,NULL,NULL,NULL",
           where);
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(r->db, sql, -1, &q, NULL) != SQLITE_OK)
    return db_error(r, err, "reading candidates");
  long cap = 64, cnt = 0;
  nacre_candidate *c = calloc((size_t)cap, sizeof *c);
  int *part = calloc((size_t)cap, sizeof *part);
  nacre_status st = NACRE_OK;
  if (!c || !part) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  int rc;
  while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
    if (cnt == cap) {
      cap *= 2;
      nacre_candidate *nc = realloc(c, sizeof *c * (size_t)cap);
      int *np = nc ? realloc(part, sizeof *part * (size_t)cap) : NULL;
      if (nc) c = nc;
      if (np) part = np;
      if (!nc || !np) {
        st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
        goto done;
      }
    }
    nacre_candidate *x = &c[cnt];
    memset(x, 0, sizeof *x);
    cnt++;
    x->id = sqlite3_column_int64(q, 0);
    x->generation = sqlite3_column_int(q, 1);
    copy_text(x->engine, sizeof x->engine, sqlite3_column_text(q, 2));
    copy_text(x->op, sizeof x->op, sqlite3_column_text(q, 3));
    copy_text(x->parents, sizeof x->parents, sqlite3_column_text(q, 4));
    part[cnt - 1] = sqlite3_column_int(q, 5);
    if ((st = nacre_candidate_status_parse(
             (const char *)sqlite3_column_text(q, 6), &x->status, err)))
      goto done;
    const char *start = (const char *)sqlite3_column_text(q, 7);
    if (start && (st = nacre_structure_from_text(start, &x->start, err)))
      goto done;
    const char *relaxed = (const char *)sqlite3_column_text(q, 8);
    if (relaxed && (st = nacre_structure_from_text(relaxed, &x->relaxed, err)))
      goto done;
    x->energy = sqlite3_column_double(q, 9);
    x->enthalpy = sqlite3_column_double(q, 10);
    x->volume = sqlite3_column_double(q, 11);
    x->sg = sqlite3_column_int(q, 12);
    copy_text(x->sg_symbol, sizeof x->sg_symbol, sqlite3_column_text(q, 13));
    copy_text(x->pearson, sizeof x->pearson, sqlite3_column_text(q, 14));
    const void *blob = sqlite3_column_blob(q, 15);
    int bytes = sqlite3_column_bytes(q, 15);
    if (blob && bytes > 0) {
      size_t nd = (size_t)bytes / sizeof(double);
      double *buf = malloc((size_t)bytes);
      if (!buf) {
        st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
        goto done;
      }
      memcpy(buf, blob, (size_t)bytes);
      st = nacre_fingerprint_unpack(buf, nd, &x->fp, err);
      free(buf);
      if (st) goto done;
    }
    x->duplicate_of = sqlite3_column_int64(q, 16);
    copy_text(x->outcome, sizeof x->outcome, sqlite3_column_text(q, 17));
    x->steps = sqlite3_column_int(q, 18);
    x->created = sqlite3_column_double(q, 19);
    x->finished = sqlite3_column_double(q, 20);
    x->committee_force_dev_max = column_real_or_nan(q, 21);
    x->committee_energy_dev_per_atom = column_real_or_nan(q, 22);
    x->domain_left = sqlite3_column_type(q, 23) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 23);
    x->domain_end_outside =
        sqlite3_column_type(q, 24) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 24);
  }
  if (rc != SQLITE_DONE) st = db_error(r, err, "reading candidates");
done:
  sqlite3_finalize(q);
  if (st) {
    nacre_candidates_free(c, cnt);
    free(part);
    return st;
  }
  *out = c;
  *n = cnt;
  if (particle) *particle = part;
  else free(part);
  return NACRE_OK;
}

nacre_status run_load_all(nacre_run *r, nacre_candidate **out, int **particle,
                          long *n, nacre_error *err) {
  return load_where(r, "", out, particle, n, err);
}

nacre_status nacre_run_load_done(nacre_run *r, nacre_candidate **out, long *n,
                                 nacre_error *err) {
  char where[64];
  snprintf(where, sizeof where, "WHERE status='%s'",
           nacre_candidate_status_name(NACRE_CANDIDATE_DONE));
  nacre_status st = load_where(r, where, out, NULL, n, err);
  if (st) return st;
  /* The stored duplicate_of lags behind a running search (a generation is
   * folded when it is complete) and a killed one: refold everything in id
   * order, as the uninterrupted search does. */
  long *unique = malloc(sizeof(long) * (size_t)(*n > 0 ? *n : 1)), nu = 0;
  double *unique_h = malloc(sizeof(double) * (size_t)(*n > 0 ? *n : 1));
  if (!unique || !unique_h) {
    free(unique);
    free(unique_h);
    nacre_candidates_free(*out, *n);
    *out = NULL;
    *n = 0;
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  for (long k = 0; k < *n && !st; k++) {
    nacre_candidate *c = &(*out)[k];
    if (!c->relaxed || !c->fp)
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "run database: finished candidate %ld lacks its "
                           "relaxed structure or fingerprint",
                           c->id);
    else
      st = dedup_fold_h(*out, k, unique, unique_h, &nu, &r->cfg.duplicate,
                        NULL, NULL, err);
  }
  free(unique);
  free(unique_h);
  if (st) {
    nacre_candidates_free(*out, *n);
    *out = NULL;
    *n = 0;
  }
  return st;
}

nacre_status nacre_run_counts(nacre_run *r, long *pending, long *done,
                              long *failed, nacre_error *err) {
  *pending = *done = *failed = 0;
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(r->db,
                         "SELECT status, COUNT(*) FROM candidates GROUP BY "
                         "status",
                         -1, &q, NULL) != SQLITE_OK)
    return db_error(r, err, "counting candidates");
  while (sqlite3_step(q) == SQLITE_ROW) {
    const char *s = (const char *)sqlite3_column_text(q, 0);
    long k = sqlite3_column_int64(q, 1);
    nacre_candidate_status cs;
    if (nacre_candidate_status_parse(s, &cs, NULL)) continue;
    if (cs == NACRE_CANDIDATE_PENDING) *pending = k;
    else if (cs == NACRE_CANDIDATE_DONE) *done = k;
    else *failed = k;
  }
  sqlite3_finalize(q);
  return NACRE_OK;
}

nacre_status nacre_run_failures(nacre_run *r, nacre_search_failures *f,
                                nacre_error *err) {
  memset(f, 0, sizeof *f);
  sqlite3_stmt *q;
  if (sqlite3_prepare_v2(r->db,
                         "SELECT outcome, COUNT(*) FROM candidates WHERE "
                         "status=? GROUP BY outcome ORDER BY outcome",
                         -1, &q, NULL) != SQLITE_OK)
    return db_error(r, err, "counting failures");
  sqlite3_bind_text(q, 1, nacre_candidate_status_name(NACRE_CANDIDATE_FAILED),
                    -1, SQLITE_STATIC);
  while (sqlite3_step(q) == SQLITE_ROW)
    nacre_search_failures_add(f, (const char *)sqlite3_column_text(q, 0),
                              sqlite3_column_int64(q, 1));
  sqlite3_finalize(q);
  return NACRE_OK;
}

static int rank_cmp_h(const nacre_candidate *c, long a, long b) {
  double ha = c[a].enthalpy / c[a].relaxed->natoms,
         hb = c[b].enthalpy / c[b].relaxed->natoms;
  if (ha != hb) return ha < hb ? -1 : 1;
  return c[a].id < c[b].id ? -1 : 1;
}

long nacre_candidates_rank(const nacre_candidate *c, long n, long *order) {
  long m = 0;
  for (long k = 0; k < n; k++)
    if (c[k].status == NACRE_CANDIDATE_DONE && c[k].duplicate_of < 0 &&
        c[k].relaxed)
      order[m++] = k;
  for (long i = 1; i < m; i++)
    for (long j = i; j > 0 && rank_cmp_h(c, order[j], order[j - 1]) < 0; j--) {
      long t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  return m;
}
