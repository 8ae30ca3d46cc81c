/* report.c — the ranking of a run's unique minima and the files that carry
 * it: rankNN.cif and rankNN.POSCAR (the symmetrised standard cell of each
 * of the best minima, with the group the ranking reports), minima.extxyz
 * (every unique minimum as relaxed) and summary.json (schema in
 * doc/search-json.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "nacre/io.h"
#include "nacre/search.h"
#include "run_internal.h"

#include "tribes.h"

void nacre_search_report_free(nacre_search_report *r) {
  if (!r) return;
  for (long k = 0; k < r->nminima; k++) nacre_structure_free(r->minima[k].cell);
  free(r->minima);
  nacre_candidates_free(r->c, r->n);
  free(r);
}

static double per_atom(double x, const nacre_candidate *c) {
  return x / c->relaxed->natoms;
}

/* The symmetrised standard conventional cell of a periodic minimum and its
 * group at symprec; NULL cell (and the stored group) when spglib finds
 * none. */
static void standard_cell(nacre_search_minimum *m, double symprec) {
  const nacre_candidate *c = m->c;
  m->sg = c->sg;
  snprintf(m->sg_symbol, sizeof m->sg_symbol, "%s", c->sg_symbol);
  snprintf(m->pearson, sizeof m->pearson, "%s", c->pearson);
  const nacre_structure *s = c->relaxed;
  if (!(s->pbc[0] && s->pbc[1] && s->pbc[2])) return;
  /* spglib's standardisation keeps the lattice lengths it was given (an
   * I4/mmm cell came out with a ≠ b): made exactly symmetric first, the
   * cell written has the group at any smaller tolerance too */
  nacre_structure *ideal = nacre_structure_copy(s, NULL);
  int bad = !ideal || nacre_symmetry_symmetrize(ideal, symprec, NULL) ||
            nacre_symmetry_standardize(ideal, symprec, 0, &m->cell, NULL);
  nacre_structure_free(ideal);
  if (bad) return;
  int sg, was = -1;
  char sym[32], pe[16];
  /* A minimum at the edge of the tolerance can show a higher group in its
   * standard cell than in its own (a strained fcc cell: P-1 before, Cmcm
   * after, with β 0.05° off 90): symmetrised again until the group holds,
   * so the cell written is exactly of the group it names. */
  for (int round = 0; round < 4; round++) {
    if (nacre_symmetry_identify(m->cell, symprec, &sg, sym, pe, NULL)) {
      nacre_structure_free(m->cell);
      m->cell = NULL;
      return;
    }
    if (sg == was) break;
    was = sg;
    nacre_structure *again = NULL;
    if (nacre_symmetry_symmetrize(m->cell, symprec, NULL) ||
        nacre_symmetry_standardize(m->cell, symprec, 0, &again, NULL))
      break;
    nacre_structure_free(m->cell);
    m->cell = again;
  }
  /* the files and the ranking name the group of the cell written */
  m->sg = sg;
  snprintf(m->sg_symbol, sizeof m->sg_symbol, "%.15s", sym);
  snprintf(m->pearson, sizeof m->pearson, "%s", pe);
}

/* The relaxations since the last new low minimum: for a fixed composition
 * since one of the NACRE_SATURATION_RANK lowest was first found (the
 * latest minimum to enter that set can only have been pushed out of it by
 * a later one, so it is among them now); for a composition range since
 * the first finding of the latest distinct minimum within
 * SEARCH_NEAR_HULL_EV of the hull (what --saturation counts there). */
static long since_new_low(const nacre_search_report *r) {
  long last = -1;
  for (long k = 0; k < r->nminima; k++) {
    const nacre_search_minimum *m = &r->minima[k];
    if (r->hull_ranked ? m->above_hull_ev <= SEARCH_NEAR_HULL_EV
                       : k < NACRE_SATURATION_RANK)
      if (m->first->id > last) last = m->first->id;
  }
  return r->relaxed + r->failed - 1 - last;
}

/* The spread and funnels of the lowest minima (a composition range: of
 * those nearest the hull), and the relaxations since a new low one. */
static void diversity(nacre_search_report *r) {
  const nacre_fingerprint *fp[NACRE_SPREAD_MINIMA];
  long m = r->nminima < NACRE_SPREAD_MINIMA ? r->nminima : NACRE_SPREAD_MINIMA;
  for (long k = 0; k < m; k++) fp[k] = r->minima[k].c->fp;
  r->spread = nacre_fingerprint_spread(fp, m);
  int funnel[NACRE_SPREAD_MINIMA];
  r->nfunnels = nacre_fingerprint_funnels(fp, m, NACRE_FUNNEL_DISTANCE, funnel);
  for (long k = m - 1; k >= 0; k--) { /* the bottom: the first of each */
    r->funnel_bottom[funnel[k]] = k;
    r->funnel_minima[funnel[k]]++;
  }
  r->since_new_low = since_new_low(r);
}

/* A composition range: order[0..n) (indices into r->c, by enthalpy per
 * atom) ranked instead by height above the hull of the run's minima, the
 * enthalpy per atom breaking ties; above[k] receives the height of the
 * minimum that ranks k. Left as it is when the run has no hull set. */
static nacre_status rank_by_hull(nacre_run *run, nacre_search_report *r,
                                 long *order, double *above, nacre_error *err) {
  for (long k = 0; k < r->nminima; k++) above[k] = NAN;
  if (!nacre_search_config_varcomp(&r->config) || !run->hull || r->nminima == 0)
    return NACRE_OK;
  int all_pure;
  nacre_status st = varcomp_hull_heights(run, r->c, order, r->nminima, above,
                                         &all_pure, err);
  if (st) return st;
  /* insertion sort: stable, so ties keep the enthalpy order */
  for (long i = 1; i < r->nminima; i++) {
    long o = order[i];
    double a = above[i];
    long j = i;
    for (; j > 0 && above[j - 1] > a; j--) {
      order[j] = order[j - 1];
      above[j] = above[j - 1];
    }
    order[j] = o;
    above[j] = a;
  }
  r->hull_ranked = 1;
  return NACRE_OK;
}

/* The tribes' restarts up to the run's last generation, replayed as the
 * search made them (tribes.c) from the finished candidates: an id that is
 * not among them failed, or is pending in the last generation, which the
 * replay does not read. */
static nacre_status tribe_restarts(nacre_search_report *r, nacre_error *err) {
  const nacre_search_config *cfg = &r->config;
  long total = r->relaxed + r->failed + r->pending;
  if (cfg->tribes < 2 || total < 1) return NACRE_OK;
  nacre_candidate *all = calloc((size_t)total, sizeof *all);
  if (!all) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (long k = 0; k < total; k++) all[k].status = NACRE_CANDIDATE_FAILED;
  for (long j = 0; j < r->n; j++)
    if (r->c[j].id >= 0 && r->c[j].id < total) all[r->c[j].id] = r->c[j];
  search_tribes tr;
  int p = cfg->population;
  search_tribes_replay(&tr, cfg, all, total, (int)((total + p - 1) / p) - 1);
  r->tribe_restarts = tr.restarts;
  free(all); /* shallow copies: r->c owns the structures */
  return NACRE_OK;
}

/* The committee's deviations and the training domain over the run. */
static void applicability(nacre_search_report *r) {
  for (long j = 0; j < r->n; j++) {
    r->domain_checked += r->c[j].domain_left >= 0;
    r->domain_left += r->c[j].domain_left > 0;
  }
  for (long k = 0; k < r->nminima; k++) {
    r->minima_outside += r->minima[k].c->domain_end_outside > 0;
    r->committee |= isfinite(r->minima[k].c->committee_force_dev_max);
  }
}

nacre_status nacre_search_report_new(nacre_run *run,
                                     nacre_search_report **out,
                                     nacre_error *err) {
  *out = NULL;
  nacre_search_report *r = calloc(1, sizeof *r);
  if (!r) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  r->config = *nacre_run_config(run);
  snprintf(r->stop_reason, sizeof r->stop_reason, "%s",
           nacre_run_stop_reason(run));
  nacre_status st = nacre_run_load_done(run, &r->c, &r->n, err);
  if (!st) st = nacre_run_counts(run, &r->pending, &r->relaxed, &r->failed, err);
  if (!st) st = nacre_run_failures(run, &r->failures, err);
  long *order = NULL;
  double *above = NULL;
  if (!st) {
    order = malloc(sizeof(long) * (size_t)(r->n > 0 ? r->n : 1));
    above = malloc(sizeof(double) * (size_t)(r->n > 0 ? r->n : 1));
    r->minima = calloc((size_t)(r->n > 0 ? r->n : 1), sizeof *r->minima);
    if (!order || !above || !r->minima)
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  if (!st) {
    r->nminima = nacre_candidates_rank(r->c, r->n, order);
    st = rank_by_hull(run, r, order, above, err);
  }
  if (st) {
    free(order);
    free(above);
    nacre_search_report_free(r);
    return st;
  }
  double h0 = r->nminima > 0 ? per_atom(r->c[order[0]].enthalpy,
                                        &r->c[order[0]])
                             : 0;
  for (long k = 0; k < r->nminima; k++) {
    nacre_search_minimum *m = &r->minima[k];
    m->c = m->first = &r->c[order[k]];
    m->h_atom_ev = per_atom(m->c->enthalpy, m->c);
    m->dh_mev_atom = 1000 * (m->h_atom_ev - h0);
    m->e_atom_ev = per_atom(m->c->energy, m->c);
    m->v_atom_a3 = per_atom(m->c->volume, m->c);
    m->above_hull_ev = above[k];
    standard_cell(m, r->config.symprec);
  }
  /* each minimum was found by itself and by its duplicates; the first of
   * them found it first */
  for (long j = 0; j < r->n; j++) {
    long target = r->c[j].duplicate_of >= 0 ? r->c[j].duplicate_of : r->c[j].id;
    for (long k = 0; k < r->nminima; k++)
      if (r->minima[k].c->id == target) {
        r->minima[k].times_found++;
        if (r->c[j].id < r->minima[k].first->id) r->minima[k].first = &r->c[j];
      }
  }
  free(order);
  free(above);
  diversity(r);
  applicability(r);
  if ((st = tribe_restarts(r, err))) {
    nacre_search_report_free(r);
    return st;
  }
  *out = r;
  return NACRE_OK;
}

/* ---- files ---- */

static nacre_status write_cif(const char *path, const nacre_search_minimum *m,
                              const char *name, double pressure_gpa,
                              double symprec, nacre_error *err) {
  nacre_symmetry *sym = NULL;
  nacre_status st = nacre_symmetry_analyze_flags(
      m->cell, symprec, NACRE_SYM_SPGLIB_ORIGIN | NACRE_SYM_NO_PERMS, &sym, err);
  if (st) return st;
  int *asym = malloc(sizeof(int) * (size_t)m->cell->natoms), nasym = 0;
  if (!asym) {
    nacre_symmetry_free(sym);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  for (int i = 0; i < m->cell->natoms; i++)
    if (sym->equivalent[i] == i) asym[nasym++] = i;
  nacre_atomic_file af;
  st = nacre_atomic_open(&af, path, err);
  if (st) {
    free(asym);
    nacre_symmetry_free(sym);
    return nacre_error_prefix(err, "%s: ", path);
  }
  st = nacre_cif_write_symmetric(af.fp, m->cell, name, sym->sg_number,
                                   sym->international, sym->nops,
                                   (const int(*)[3][3])sym->rot,
                                   (const double(*)[3])sym->trans, nasym, asym,
                                   err);
  if (!st) {
    fprintf(af.fp,
            "_nacre_enthalpy_per_atom_ev      %.10f\n"
            "_nacre_energy_per_atom_ev        %.10f\n"
            "_nacre_volume_per_atom_a3        %.6f\n"
            "_nacre_pressure_gpa              %.6g\n"
            "_nacre_pearson                   %s\n"
            "_nacre_symprec_a                 %g\n",
            m->h_atom_ev, m->e_atom_ev, m->v_atom_a3, pressure_gpa, m->pearson,
            symprec);
    if (ferror(af.fp)) st = nacre_error_set(err, NACRE_ERR_IO, "write failed");
  }
  if (!st) st = nacre_atomic_commit(&af, err);
  else nacre_atomic_abort(&af);
  free(asym);
  nacre_symmetry_free(sym);
  if (st) nacre_error_prefix(err, "%s: ", path);
  return st;
}

static nacre_status write_poscar(const char *path,
                                 const nacre_search_minimum *m,
                                 const nacre_structure *s, const char *name,
                                 double pressure_gpa, nacre_error *err) {
  char comment[256];
  snprintf(comment, sizeof comment,
           "%s %s (%d) %s H %.8f eV/atom E %.8f eV/atom V %.5f A^3/atom "
           "P %g GPa",
           name, m->sg > 0 ? m->sg_symbol : "-", m->sg, m->pearson,
           m->h_atom_ev, m->e_atom_ev, m->v_atom_a3, pressure_gpa);
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return nacre_error_prefix(err, "%s: ", path);
  st = nacre_poscar_write(af.fp, s, comment, err);
  if (!st) st = nacre_atomic_commit(&af, err);
  else nacre_atomic_abort(&af);
  if (st) nacre_error_prefix(err, "%s: ", path);
  return st;
}

static nacre_status set_info(nacre_frame *f, const char *key, const char *fmt,
                             double v, nacre_error *err) {
  char buf[64];
  snprintf(buf, sizeof buf, fmt, v);
  return nacre_frame_set_info(f, key, buf, err);
}

static nacre_status write_extxyz(const char *path, const nacre_search_report *r,
                                 nacre_error *err) {
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return nacre_error_prefix(err, "%s: ", path);
  for (long k = 0; k < r->nminima && !st; k++) {
    const nacre_search_minimum *m = &r->minima[k];
    nacre_frame f;
    nacre_frame_init(&f);
    f.s = m->c->relaxed;
    f.has = NACRE_FRAME_ENERGY;
    f.energy = m->c->energy;
    st = set_info(&f, "enthalpy_ev", "%.10f", m->c->enthalpy, err);
    if (!st) st = set_info(&f, "enthalpy_per_atom_ev", "%.10f", m->h_atom_ev, err);
    if (!st) st = set_info(&f, "energy_per_atom_ev", "%.10f", m->e_atom_ev, err);
    if (!st) st = set_info(&f, "volume_per_atom_a3", "%.6f", m->v_atom_a3, err);
    if (!st && isfinite(m->above_hull_ev))
      st = set_info(&f, "energy_above_hull_per_atom_ev", "%.6f", m->above_hull_ev, err);
    if (!st) st = set_info(&f, "pressure_gpa", "%.6g", r->config.pressure_gpa, err);
    if (!st) st = set_info(&f, "rank", "%.0f", (double)(k + 1), err);
    if (!st) st = set_info(&f, "candidate", "%.0f", (double)m->c->id, err);
    if (!st) st = set_info(&f, "space_group_number", "%.0f", m->sg, err);
    if (!st && m->sg > 0)
      st = nacre_frame_set_info(&f, "space_group", m->sg_symbol, err);
    if (!st) st = nacre_frame_set_info(&f, "pearson", m->pearson, err);
    if (!st && isfinite(m->c->committee_force_dev_max))
      st = set_info(&f, "committee_force_deviation_max_ev_a", "%.6g",
                    m->c->committee_force_dev_max, err);
    if (!st && isfinite(m->c->committee_energy_dev_per_atom))
      st = set_info(&f, "committee_energy_deviation_per_atom_ev", "%.6g",
                    m->c->committee_energy_dev_per_atom, err);
    if (!st && m->c->domain_end_outside >= 0)
      st = nacre_frame_set_info(&f, "outside_training_domain",
                                m->c->domain_end_outside ? "T" : "F", err);
    if (!st) st = nacre_xyz_write(af.fp, &f, err);
    f.s = NULL;
    nacre_frame_clear(&f);
  }
  if (st) {
    nacre_atomic_abort(&af);
    return nacre_error_prefix(err, "%s: ", path);
  }
  st = nacre_atomic_commit(&af, err);
  if (st) nacre_error_prefix(err, "%s: ", path);
  return st;
}

/* ---- summary.json ---- */

static cJSON *minimum_json(const nacre_search_minimum *m, long rank) {
  const nacre_candidate *x = m->c, *f = m->first;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "rank", (double)rank);
  cJSON_AddNumberToObject(o, "candidate", (double)x->id);
  cJSON_AddNumberToObject(o, "generation", x->generation);
  cJSON_AddStringToObject(o, "engine", x->engine);
  cJSON_AddStringToObject(o, "operator", x->op);
  cJSON_AddStringToObject(o, "parents", x->parents);
  cJSON_AddNumberToObject(o, "natoms", x->relaxed->natoms);
  char formula[128];
  nacre_search_reduced_formula(x->relaxed, NULL, formula, sizeof formula);
  cJSON_AddStringToObject(o, "formula", formula);
  cJSON_AddNumberToObject(o, "enthalpy_per_atom_ev", m->h_atom_ev);
  cJSON_AddNumberToObject(o, "delta_enthalpy_mev_atom", m->dh_mev_atom);
  if (isfinite(m->above_hull_ev))
    cJSON_AddNumberToObject(o, "energy_above_hull_per_atom_ev", m->above_hull_ev);
  cJSON_AddNumberToObject(o, "energy_per_atom_ev", m->e_atom_ev);
  cJSON_AddNumberToObject(o, "volume_per_atom_a3", m->v_atom_a3);
  cJSON_AddNumberToObject(o, "space_group_number", m->sg);
  cJSON_AddStringToObject(o, "space_group", m->sg > 0 ? m->sg_symbol : "");
  cJSON_AddStringToObject(o, "pearson", m->pearson);
  cJSON_AddNumberToObject(o, "times_found", (double)m->times_found);
  cJSON_AddNumberToObject(o, "first_found_candidate", (double)f->id);
  cJSON_AddStringToObject(o, "outcome", x->outcome);
  cJSON_AddNumberToObject(o, "steps", x->steps);
  if (isfinite(x->committee_force_dev_max)) {
    cJSON_AddNumberToObject(o, "committee_force_deviation_max_ev_a", x->committee_force_dev_max);
    cJSON_AddNumberToObject(o, "committee_energy_deviation_per_atom_ev",
                            x->committee_energy_dev_per_atom);
  }
  if (x->domain_end_outside >= 0)
    cJSON_AddBoolToObject(o, "outside_training_domain", x->domain_end_outside > 0);
  return o;
}

static char *summary_json(const nacre_search_report *r, int top,
                          double wall_s) {
  const nacre_search_config *cfg = &r->config;
  char comp[128];
  nacre_composition_format(&cfg->composition, comp, sizeof comp);
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "composition", comp);
  cJSON_AddNumberToObject(root, "natoms",
                          nacre_composition_natoms(&cfg->composition));
  /* a fixed composition: no range, its own atoms */
  int varcomp = nacre_search_config_varcomp(cfg);
  int n0 = nacre_composition_natoms(&cfg->composition);
  cJSON_AddStringToObject(root, "composition_range", cfg->composition_range);
  cJSON_AddNumberToObject(root, "min_natoms", varcomp ? cfg->min_natoms : n0);
  cJSON_AddNumberToObject(root, "max_natoms", varcomp ? cfg->max_natoms : n0);
  cJSON_AddNumberToObject(root, "pressure_gpa", cfg->pressure_gpa);
  cJSON_AddStringToObject(root, "engine", nacre_engine_name(cfg->engine));
  cJSON_AddStringToObject(root, "potential", cfg->potential);
  cJSON_AddNumberToObject(root, "seed", (double)cfg->seed);
  cJSON_AddNumberToObject(root, "budget", cfg->budget);
  cJSON_AddNumberToObject(root, "fmax_ev_a", cfg->relax.fmax_ev_a);
  cJSON_AddNumberToObject(root, "smax_gpa", cfg->relax.smax_gpa);
  cJSON_AddNumberToObject(root, "max_steps", cfg->relax.max_steps);
  cJSON_AddNumberToObject(root, "symprec_a", cfg->symprec);
  cJSON_AddNumberToObject(root, "relaxed", (double)r->relaxed);
  cJSON_AddNumberToObject(root, "failed", (double)r->failed);
  cJSON_AddNumberToObject(root, "pending", (double)r->pending);
  cJSON *fails = cJSON_AddObjectToObject(root, "failures");
  for (int k = 0; k < r->failures.n; k++)
    cJSON_AddNumberToObject(fails, r->failures.reason[k],
                            (double)r->failures.count[k]);
  cJSON_AddNumberToObject(root, "unique", (double)r->nminima);
  cJSON_AddNumberToObject(root, "fingerprint_spread", r->spread);
  cJSON *funnels = cJSON_AddArrayToObject(root, "funnels");
  for (int f = 0; f < r->nfunnels; f++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rank", (double)(r->funnel_bottom[f] + 1));
    cJSON_AddNumberToObject(o, "members", r->funnel_minima[f]);
    cJSON_AddItemToArray(funnels, o);
  }
  cJSON_AddNumberToObject(root, "relaxations_since_new_low",
                          (double)r->since_new_low);
  cJSON_AddNumberToObject(root, "tribes", cfg->tribes);
  cJSON_AddNumberToObject(root, "tribe_restarts", (double)r->tribe_restarts);
  cJSON_AddNumberToObject(root, "saturation_relaxations", cfg->saturation);
  cJSON_AddStringToObject(root, "stop_reason", r->stop_reason);
  if (wall_s > 0) cJSON_AddNumberToObject(root, "wall_s", wall_s);
  cJSON *arr = cJSON_AddArrayToObject(root, "minima");
  for (long k = 0; k < r->nminima; k++) {
    cJSON *o = minimum_json(&r->minima[k], k + 1);
    if (k < top) {
      char name[32];
      snprintf(name, sizeof name, "rank%02ld", k + 1);
      cJSON_AddStringToObject(o, "file", name);
    }
    cJSON_AddItemToArray(arr, o);
  }
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  return text;
}

nacre_status nacre_search_report_write(const nacre_search_report *r,
                                       const char *dir, int top,
                                       double wall_s, char **json,
                                       nacre_error *err) {
  if (json) *json = NULL;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: %s", dir, strerror(errno));
  const nacre_search_config *cfg = &r->config;
  size_t plen = strlen(dir) + 64;
  char *path = malloc(plen);
  if (!path) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  nacre_status st = NACRE_OK;
  for (long k = 0; k < r->nminima && k < top && !st; k++) {
    const nacre_search_minimum *m = &r->minima[k];
    char name[32];
    snprintf(name, sizeof name, "rank%02ld", k + 1);
    if (m->cell) {
      snprintf(path, plen, "%s/%s.cif", dir, name);
      st = write_cif(path, m, name, cfg->pressure_gpa, cfg->symprec, err);
    }
    snprintf(path, plen, "%s/%s.POSCAR", dir, name);
    if (!st)
      st = write_poscar(path, m, m->cell ? m->cell : m->c->relaxed, name,
                        cfg->pressure_gpa, err);
  }
  if (!st) {
    snprintf(path, plen, "%s/minima.extxyz", dir);
    st = write_extxyz(path, r, err);
  }
  char *text = NULL;
  if (!st && !(text = summary_json(r, top, wall_s)))
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  if (!st) {
    snprintf(path, plen, "%s/summary.json", dir);
    nacre_atomic_file af;
    st = nacre_atomic_open(&af, path, err);
    if (!st) {
      fputs(text, af.fp);
      fputc('\n', af.fp);
      st = nacre_atomic_commit(&af, err);
    }
    if (st) nacre_error_prefix(err, "%s: ", path);
  }
  free(path);
  if (!st && json) *json = text;
  else free(text);
  return st;
}
