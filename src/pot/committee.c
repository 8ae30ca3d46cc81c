/* committee.c — a committee of K potentials of any kinds as one potential:
 * the members' mean energy, forces and stress, and their spread, as used to
 * pick structures for labelling in active learning (DP-GEN: Zhang et al.,
 * Comput. Phys. Commun. 253, 107206 (2020)):
 *   σ_f   = max_i sqrt( <|F_i − <F_i>|²> )     (<·> over members)
 *   σ_E/N = sqrt( <(E − <E>)²> ) / N
 * Every member runs on its own path with its own workspace over the one
 * neighbour list the calculator keeps (built with the largest cutoff; each
 * member ignores entries beyond its own). Also here: the inline form
 * "committee:SPEC,SPEC,..." and committee files ("nacre-committee" JSON:
 * members embedded as network models or named by SPEC). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "nacre/nn.h"
#include "nacre/pot.h"
#include "nn_internal.h"
#include "pot_internal.h"

#define COMMITTEE_MAX 1000

typedef struct committee {
  int k;
  nacre_potential **members;
} committee;

typedef struct committee_ws {
  const committee *c;
  int cap;            /* atoms the member results hold */
  void **ws;          /* k member workspaces */
  nacre_result *r;    /* k member results */
} committee_ws;

static void committee_free(void *model) {
  committee *c = model;
  if (!c) return;
  for (int q = 0; q < c->k; q++) nacre_potential_free(c->members[q]);
  free(c->members);
  free(c);
}

static void ws_free(void *p) {
  committee_ws *w = p;
  if (!w) return;
  for (int q = 0; q < w->c->k; q++) {
    if (w->ws) pot_workspace_free(w->c->members[q], w->ws[q]);
    if (w->r) nacre_result_free(&w->r[q]);
  }
  free(w->ws);
  free(w->r);
  free(w);
}

static void *ws_new(const void *model) {
  const committee *c = model;
  committee_ws *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->c = c;
  w->ws = calloc((size_t)c->k, sizeof *w->ws);
  w->r = calloc((size_t)c->k, sizeof *w->r);
  int ok = w->ws && w->r;
  for (int q = 0; ok && q < c->k; q++) w->ws[q] = pot_workspace_new(c->members[q], &ok);
  if (!ok) {
    ws_free(w);
    return NULL;
  }
  return w;
}

static nacre_status ws_fit(committee_ws *w, int k, int natoms, nacre_error *err) {
  if (w->cap >= natoms && w->cap > 0) return NACRE_OK;
  for (int q = 0; q < k; q++) {
    nacre_result_free(&w->r[q]);
    nacre_status st = nacre_result_init(&w->r[q], natoms, err);
    if (st) {
      w->cap = 0;
      return st;
    }
  }
  w->cap = natoms > 0 ? natoms : 1;
  return NACRE_OK;
}

/* Mean of the members into res, their spread into res's committee fields. */
static void combine(const committee *c, const committee_ws *w, int n,
                    unsigned want, nacre_result *res) {
  int K = c->k;
  double e = 0.0;
  for (int q = 0; q < K; q++) e += w->r[q].energy;
  e /= K;
  double var = 0.0;
  for (int q = 0; q < K; q++) var += (w->r[q].energy - e) * (w->r[q].energy - e);
  res->energy = e;
  res->committee_size = K;
  res->committee_energy_dev_per_atom = n > 0 ? sqrt(var / K) / n : 0.0;
  if (want & NACRE_WANT_STRESS)
    for (int v = 0; v < 6; v++) {
      double s = 0.0;
      for (int q = 0; q < K; q++) s += w->r[q].stress[v];
      res->stress[v] = s / K;
    }
  if (want & NACRE_WANT_ATOM_ENERGIES)
    for (int i = 0; i < n; i++) {
      double s = 0.0;
      for (int q = 0; q < K; q++) s += w->r[q].atom_energies[i];
      res->atom_energies[i] = s / K;
    }
  res->committee_force_dev_max = -1.0;
  if (want & NACRE_WANT_FORCES) {
    double dmax = 0.0;
    for (int i = 0; i < n; i++) {
      double mean[3] = {0, 0, 0};
      for (int q = 0; q < K; q++)
        for (int a = 0; a < 3; a++) mean[a] += w->r[q].forces[3 * i + a];
      for (int a = 0; a < 3; a++) mean[a] /= K;
      double dev = 0.0;
      for (int q = 0; q < K; q++)
        for (int a = 0; a < 3; a++) {
          double d = w->r[q].forces[3 * i + a] - mean[a];
          dev += d * d;
        }
      dev = sqrt(dev / K);
      for (int a = 0; a < 3; a++) res->forces[3 * i + a] = mean[a];
      res->atom_force_dev[i] = dev;
      if (dev > dmax) dmax = dev;
    }
    res->committee_force_dev_max = dmax;
  }
  nacre_domain_report *d = &res->domain;
  for (int q = 0; q < K; q++) {
    const nacre_domain_report *m = &w->r[q].domain;
    if (!m->known) continue;
    d->known = 1;
    if (res->atom_outside && w->r[q].atom_outside)
      for (int i = 0; i < n; i++) res->atom_outside[i] |= w->r[q].atom_outside[i];
    if (m->atoms_outside > d->atoms_outside) d->atoms_outside = m->atoms_outside;
    if (m->atoms_too_close > d->atoms_too_close) d->atoms_too_close = m->atoms_too_close;
    if (m->distance_ratio > 0 && (d->distance_ratio == 0 || m->distance_ratio < d->distance_ratio))
      d->distance_ratio = m->distance_ratio;
    d->volume_outside |= m->volume_outside;
    if (m->excess > d->excess) d->excess = m->excess;
  }
}

static nacre_status committee_compute(const void *model, const nacre_structure *s,
                                      const nacre_neighbor_list *nl, unsigned want,
                                      nacre_result *res, void *workspace,
                                      nacre_error *err) {
  const committee *c = model;
  committee_ws *w = workspace;
  nacre_status st = ws_fit(w, c->k, s->natoms, err);
  for (int q = 0; !st && q < c->k; q++) {
    st = pot_compute(c->members[q], s, nl, want, &w->r[q], w->ws[q], err);
    if (st) nacre_error_prefix(err, "committee member %d: ", q + 1);
  }
  if (st) return st;
  combine(c, w, s->natoms, want, res);
  return NACRE_OK;
}

static void committee_describe(const void *model, char *buf, size_t len) {
  const committee *c = model;
  char first[256];
  nacre_potential_describe(c->members[0], first, sizeof first);
  snprintf(buf, len, "committee of %d potential%s (member 1: %s)", c->k,
           c->k == 1 ? "" : "s", first);
}

static const nacre_potential_ops committee_ops = {
    .kind = "committee",
    .compute = committee_compute,
    .workspace_new = ws_new,
    .workspace_free = ws_free,
    .model_free = committee_free,
    .describe = committee_describe,
};

nacre_status nacre_committee_new(nacre_potential **members, int k,
                                 nacre_potential **out, nacre_error *err) {
  *out = NULL;
  committee *c = calloc(1, sizeof *c);
  if (c) c->members = malloc((size_t)(k > 0 ? k : 1) * sizeof *c->members);
  if (!c || !c->members || k < 1 || k > COMMITTEE_MAX) {
    for (int q = 0; q < k; q++) nacre_potential_free(members[q]);
    if (c) free(c->members);
    free(c);
    if (k < 1 || k > COMMITTEE_MAX)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "a committee needs 1 to %d members, got %d",
                             COMMITTEE_MAX, k);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "committee");
  }
  c->k = k;
  memcpy(c->members, members, (size_t)k * sizeof *members);
  /* cutoff: the largest; species: those every member knows */
  double rc = 0.0;
  int z[NACRE_MAX_Z], nz = -1;
  for (int q = 0; q < k; q++) {
    const nacre_potential *m = members[q];
    if (nacre_potential_cutoff(m) > rc) rc = nacre_potential_cutoff(m);
    int ns = nacre_potential_nspecies(m);
    if (ns == 0) continue; /* any element */
    const int *sz = nacre_potential_species(m);
    if (nz < 0) {
      nz = ns;
      memcpy(z, sz, (size_t)ns * sizeof *z);
      continue;
    }
    int kept = 0;
    for (int a = 0; a < nz; a++)
      for (int b = 0; b < ns; b++)
        if (z[a] == sz[b]) {
          z[kept++] = z[a];
          break;
        }
    nz = kept;
  }
  if (nz == 0) {
    committee_free(c);
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "the committee's members have no element in common");
  }
  *out = nacre_potential_wrap(&committee_ops, c, rc, z, nz < 0 ? 0 : nz, err);
  return *out ? NACRE_OK : (err ? err->status : NACRE_ERR_NOMEM);
}

int nacre_committee_size(const nacre_potential *p) {
  if (strcmp(nacre_potential_kind(p), "committee")) return 0;
  return ((const committee *)nacre_potential_model(p))->k;
}

const nacre_potential *nacre_committee_member(const nacre_potential *p, int k) {
  if (k < 0 || k >= nacre_committee_size(p)) return NULL;
  return ((const committee *)nacre_potential_model(p))->members[k];
}

/* ------------------------------------------------------------------ */
/* "committee:SPEC,SPEC,..."                                          */
/* ------------------------------------------------------------------ */

static nacre_status load_members(char **specs, int n, nacre_potential **out,
                                 nacre_error *err) {
  nacre_potential **m = calloc((size_t)(n > 0 ? n : 1), sizeof *m);
  if (!m) return nacre_error_set(err, NACRE_ERR_NOMEM, "committee");
  nacre_status st = NACRE_OK;
  int q = 0;
  for (; q < n && !st; q++) {
    st = nacre_potential_load(specs[q], &m[q], err);
    if (st) nacre_error_prefix(err, "committee member %d (%s): ", q + 1, specs[q]);
  }
  if (st) {
    for (int r = 0; r < q; r++) nacre_potential_free(m[r]);
    free(m);
    return st;
  }
  st = nacre_committee_new(m, n, out, err);
  free(m);
  return st;
}

/* Splits the list at commas; a piece "key=value" that names no file
 * continues the inline spec before it (lj:epsilon=..,sigma=..). */
nacre_status pot_load_committee_spec(const char *spec, nacre_potential **out,
                                     nacre_error *err) {
  *out = NULL;
  const char *list = spec + strlen("committee:");
  char *buf = strdup(list);
  char **specs = calloc(strlen(list) + 1, sizeof *specs);
  if (!buf || !specs) {
    free(buf);
    free(specs);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "committee");
  }
  int n = 0;
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    FILE *f = strchr(t, ':') ? NULL : fopen(t, "rb");
    int continues = n > 0 && !f && !strchr(t, ':') && strchr(t, '=');
    if (f) fclose(f);
    if (continues)
      t[-1] = ','; /* glue back onto the previous piece */
    else
      specs[n++] = t;
  }
  nacre_status st;
  if (n < 1)
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "'%s': expected committee:SPEC1,SPEC2,...", spec);
  else
    st = load_members(specs, n, out, err);
  free(specs);
  free(buf);
  return st;
}

/* ------------------------------------------------------------------ */
/* Committee files                                                    */
/* ------------------------------------------------------------------ */

static int committee_probe(const char *path, const char *head, size_t len) {
  (void)path;
  (void)len;
  while (*head && isspace((unsigned char)*head)) head++;
  return *head == '{' && strstr(head, "\"nacre-committee\"") != NULL;
}

/* A member named by a relative path is found next to the committee file. */
static char *member_spec(const char *file, const char *spec) {
  const char *slash = strrchr(file, '/');
  int inline_form = strchr(spec, ':') != NULL;
  if (!slash || spec[0] == '/' || inline_form) return strdup(spec);
  size_t dir = (size_t)(slash - file) + 1;
  char *p = malloc(dir + strlen(spec) + 1);
  if (!p) return NULL;
  memcpy(p, file, dir);
  strcpy(p + dir, spec);
  return p;
}

static nacre_status committee_file_load(const char *path, nacre_potential **out,
                                        nacre_error *err) {
  *out = NULL;
  cJSON *root;
  nacre_status st = nn_json_parse_file(path, &root, err);
  if (st) return st;
  const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
  const cJSON *mem = cJSON_GetObjectItemCaseSensitive(root, "members");
  int n = cJSON_IsArray(mem) ? cJSON_GetArraySize(mem) : 0;
  if (!cJSON_IsNumber(ver) || ver->valuedouble != 1.0 || n < 1 || n > COMMITTEE_MAX) {
    cJSON_Delete(root);
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: a nacre-committee file needs \"version\": 1 "
                           "and 1 to %d \"members\"",
                           path, COMMITTEE_MAX);
  }
  nacre_potential **m = calloc((size_t)n, sizeof *m);
  if (!m) {
    cJSON_Delete(root);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  }
  int q = 0;
  const cJSON *o;
  cJSON_ArrayForEach(o, mem) {
    char where[32];
    snprintf(where, sizeof where, "member %d", q + 1);
    if (cJSON_IsString(o)) {
      char *spec = member_spec(path, o->valuestring);
      st = spec ? nacre_potential_load(spec, &m[q], err)
                : nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
      if (st) nacre_error_prefix(err, "%s: %s: ", path, where);
      free(spec);
    } else if (cJSON_IsObject(o)) {
      nacre_nn_model *nm = nacre_nn_model_new();
      st = nm ? nn_model_from_json(path, where, o, nm, err)
              : nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
      if (!st)
        st = nacre_nn_potential_new(nm, &m[q], err);
      else
        nacre_nn_model_free(nm);
    } else {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s: %s must be a SPEC string or a network model",
                           path, where);
    }
    if (st) break;
    q++;
  }
  cJSON_Delete(root);
  if (st) {
    for (int r = 0; r < q; r++) nacre_potential_free(m[r]);
    free(m);
    return st;
  }
  st = nacre_committee_new(m, n, out, err);
  free(m);
  return st;
}

const nacre_potential_loader nacre_committee_file_loader = {
    "nacre-committee", committee_probe, committee_file_load};

nacre_status nacre_committee_write_specs(const char *path,
                                         const char *const *specs, int k,
                                         nacre_error *err) {
  cJSON *root = cJSON_CreateObject();
  if (!root) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  cJSON_AddStringToObject(root, "format", "nacre-committee");
  cJSON_AddNumberToObject(root, "version", 1);
  cJSON *mem = cJSON_AddArrayToObject(root, "members");
  for (int q = 0; q < k; q++) cJSON_AddItemToArray(mem, cJSON_CreateString(specs[q]));
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  if (!text) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  nacre_status st = nn_write_text(path, text, err);
  free(text);
  return st;
}
