/* config.c — the configuration of an active-learning run: one JSON file
 * (doc/learn.md) read strictly: an unknown key, a value of the wrong type
 * or out of range is an error naming the key, so that no setting is ever
 * silently ignored. Relative paths are resolved against the file's
 * folder. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn_internal.h"
#include "nacre/nn.h"

typedef struct parser {
  const char *name;
  const char *dir;
  nacre_learn_config *c;
  nacre_error *err;
} parser;

static nacre_status bad(parser *p, const char *where, const char *what) {
  return nacre_error_set(p->err, NACRE_ERR_INVALID, "%s: %s: %s", p->name, where,
                         what);
}

/* Every key of obj must be one of `keys` (NULL-terminated). */
static nacre_status known_keys(parser *p, const cJSON *obj, const char *where,
                               const char *const *keys) {
  if (!cJSON_IsObject(obj)) return bad(p, where, "expected an object");
  for (const cJSON *it = obj->child; it; it = it->next) {
    int ok = 0;
    for (const char *const *k = keys; *k && !ok; k++) ok = !strcmp(*k, it->string);
    if (!ok) {
      char msg[300];
      snprintf(msg, sizeof msg, "unknown key \"%s\"", it->string);
      return bad(p, where, msg);
    }
  }
  return NACRE_OK;
}

static nacre_status get_number(parser *p, const cJSON *obj, const char *where,
                               const char *key, double lo, double hi,
                               double *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v) return NACRE_OK;
  char w[300];
  snprintf(w, sizeof w, "%s.%s", where, key);
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
    return bad(p, w, "expected a number");
  if (v->valuedouble < lo || v->valuedouble > hi) {
    char msg[200];
    snprintf(msg, sizeof msg, "%g is outside [%g, %g]", v->valuedouble, lo, hi);
    return bad(p, w, msg);
  }
  *out = v->valuedouble;
  return NACRE_OK;
}

static nacre_status get_int(parser *p, const cJSON *obj, const char *where,
                            const char *key, long lo, long hi, long *out) {
  double x = (double)*out;
  nacre_status st = get_number(p, obj, where, key, (double)lo, (double)hi, &x);
  if (st) return st;
  if (x != floor(x)) {
    char w[300];
    snprintf(w, sizeof w, "%s.%s", where, key);
    return bad(p, w, "expected an integer");
  }
  *out = (long)x;
  return NACRE_OK;
}

static nacre_status get_int32(parser *p, const cJSON *obj, const char *where,
                              const char *key, int lo, int hi, int *out) {
  long x = *out;
  nacre_status st = get_int(p, obj, where, key, lo, hi, &x);
  *out = (int)x;
  return st;
}

static nacre_status get_string(parser *p, const cJSON *obj, const char *where,
                               const char *key, char *out, size_t n) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v) return NACRE_OK;
  char w[300];
  snprintf(w, sizeof w, "%s.%s", where, key);
  if (!cJSON_IsString(v)) return bad(p, w, "expected a string");
  if (strlen(v->valuestring) >= n) return bad(p, w, "too long");
  snprintf(out, n, "%s", v->valuestring);
  return NACRE_OK;
}

/* A path relative to the configuration's folder (absolute ones as they
 * are); malloc'd. */
static char *resolve(const char *dir, const char *path) {
  size_t n = strlen(dir) + strlen(path) + 2;
  char *s = malloc(n);
  if (!s) return NULL;
  if (path[0] == '/' || !dir[0]) snprintf(s, n, "%s", path);
  else snprintf(s, n, "%s/%s", dir, path);
  return s;
}

static nacre_status get_paths(parser *p, const cJSON *obj, const char *where,
                              const char *key, char ***out, int *n) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v) return NACRE_OK;
  char w[300];
  snprintf(w, sizeof w, "%s.%s", where, key);
  if (cJSON_IsString(v)) {
    *out = calloc(1, sizeof **out);
    if (!*out || !((*out)[0] = resolve(p->dir, v->valuestring)))
      return nacre_error_set(p->err, NACRE_ERR_NOMEM, "configuration");
    *n = 1;
    return NACRE_OK;
  }
  if (!cJSON_IsArray(v)) return bad(p, w, "expected a path or a list of paths");
  int k = cJSON_GetArraySize(v);
  *out = calloc((size_t)(k ? k : 1), sizeof **out);
  if (!*out) return nacre_error_set(p->err, NACRE_ERR_NOMEM, "configuration");
  *n = 0;
  for (const cJSON *it = v->child; it; it = it->next) {
    if (!cJSON_IsString(it)) return bad(p, w, "expected strings");
    if (!((*out)[*n] = resolve(p->dir, it->valuestring)))
      return nacre_error_set(p->err, NACRE_ERR_NOMEM, "configuration");
    (*n)++;
  }
  return NACRE_OK;
}

/* A number or a list of numbers. */
static nacre_status get_list(parser *p, const cJSON *obj, const char *where,
                             const char *key, double lo, double hi,
                             double *out, int *n) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!v) return NACRE_OK;
  char w[300];
  snprintf(w, sizeof w, "%s.%s", where, key);
  int k = 0;
  const cJSON *first = cJSON_IsArray(v) ? v->child : v;
  for (const cJSON *it = first; it; it = cJSON_IsArray(v) ? it->next : NULL) {
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
      return bad(p, w, "expected a number or a list of numbers");
    if (it->valuedouble < lo || it->valuedouble > hi) {
      char msg[200];
      snprintf(msg, sizeof msg, "%g is outside [%g, %g]", it->valuedouble, lo, hi);
      return bad(p, w, msg);
    }
    if (k == NACRE_LEARN_MAX_LIST) return bad(p, w, "more than 16 values");
    out[k++] = it->valuedouble;
  }
  if (!k) return bad(p, w, "empty list");
  *n = k;
  return NACRE_OK;
}

static nacre_status parse_initial(parser *p, const cJSON *o) {
  static const char *const keys[] = {"data", "structures", "random", NULL};
  nacre_learn_config *c = p->c;
  nacre_status st = known_keys(p, o, "initial", keys);
  if (!st) st = get_paths(p, o, "initial", "data", &c->data, &c->ndata);
  if (!st) st = get_paths(p, o, "initial", "structures", &c->initial, &c->ninitial);
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "random");
  if (!st && r) {
    static const char *const rk[] = {"composition", "count", "pressure_gpa", NULL};
    st = known_keys(p, r, "initial.random", rk);
    if (!st) st = get_string(p, r, "initial.random", "composition",
                             c->random_composition, sizeof c->random_composition);
    if (!st) st = get_int32(p, r, "initial.random", "count", 1, 100000, &c->random_count);
    if (!st) st = get_number(p, r, "initial.random", "pressure_gpa", 0, 1e4,
                             &c->random_pressure_gpa);
    if (!st && (!c->random_composition[0] || c->random_count < 1))
      st = bad(p, "initial.random", "needs a composition and a count");
  }
  return st;
}

static nacre_status parse_label(parser *p, const cJSON *o) {
  static const char *const keys[] = {"code", "jobs", "ecut_ev", "kspacing",
                                     "smearing_ev", "scf_tol_ev", "max_scf",
                                     "command", "pseudo_dir", "pseudo_files",
                                     "template", "timeout_s", "keep_files",
                                     "fail_fraction", NULL};
  nacre_learn_config *c = p->c;
  nacre_status st = known_keys(p, o, "label", keys);
  if (st) return st;
  if ((st = get_string(p, o, "label", "code", c->label_code, sizeof c->label_code)))
    return st;
  if (!c->label_code[0]) return bad(p, "label.code", "missing (abinit, qe, vasp or potential:SPEC)");
  nacre_label_options_init(&c->label, NACRE_LABEL_ABINIT);
  if ((st = nacre_label_options_set_code(&c->label, c->label_code, p->err))) return st;
  if (c->label.code == NACRE_LABEL_POTENTIAL) {
    /* a potential file given relative to the configuration */
    char *spec = resolve(p->dir, c->label.potential);
    if (!spec) return nacre_error_set(p->err, NACRE_ERR_NOMEM, "configuration");
    if (nacre_file_exists(spec)) snprintf(c->label_potential, sizeof c->label_potential, "%s", spec);
    else snprintf(c->label_potential, sizeof c->label_potential, "%s", c->label.potential);
    free(spec);
    c->label.potential = c->label_potential;
  }
  if ((st = get_int32(p, o, "label", "jobs", 1, 4096, &c->label_jobs)) ||
      (st = get_number(p, o, "label", "ecut_ev", 0, 1e5, &c->label.ecut_ev)) ||
      (st = get_number(p, o, "label", "kspacing", 0, 10, &c->label.kspacing)) ||
      (st = get_number(p, o, "label", "smearing_ev", 0, 10, &c->label.smearing_ev)) ||
      (st = get_number(p, o, "label", "scf_tol_ev", 0, 1, &c->label.scf_tol_ev)) ||
      (st = get_int32(p, o, "label", "max_scf", 0, 100000, &c->label.max_scf)) ||
      (st = get_number(p, o, "label", "timeout_s", 0, 1e7, &c->label.timeout_s)) ||
      (st = get_int32(p, o, "label", "keep_files", 0, 1, &c->label.keep_files)) ||
      (st = get_number(p, o, "label", "fail_fraction", 0, 1, &c->label.fail_fraction)) ||
      (st = get_string(p, o, "label", "command", c->label_command, sizeof c->label_command)) ||
      (st = get_string(p, o, "label", "pseudo_dir", c->label_pseudo_dir, sizeof c->label_pseudo_dir)) ||
      (st = get_string(p, o, "label", "pseudo_files", c->label_pseudo_files, sizeof c->label_pseudo_files)) ||
      (st = get_string(p, o, "label", "template", c->label_template, sizeof c->label_template)))
    return st;
  if (c->label.fail_fraction > 0 && c->label.code != NACRE_LABEL_POTENTIAL)
    return bad(p, "label.fail_fraction", "goes with the potential labeller (potential:SPEC) only");
  if (c->label_command[0]) c->label.command = c->label_command;
  if (c->label_pseudo_dir[0]) {
    char *d = resolve(p->dir, c->label_pseudo_dir);
    if (!d) return nacre_error_set(p->err, NACRE_ERR_NOMEM, "configuration");
    snprintf(c->label_pseudo_dir, sizeof c->label_pseudo_dir, "%s", d);
    free(d);
    c->label.pseudo_dir = c->label_pseudo_dir;
  }
  if (c->label_pseudo_files[0]) c->label.pseudo_files = c->label_pseudo_files;
  if (c->label_template[0]) {
    char *t = resolve(p->dir, c->label_template);
    if (!t) return nacre_error_set(p->err, NACRE_ERR_NOMEM, "configuration");
    snprintf(c->label_template, sizeof c->label_template, "%s", t);
    free(t);
    c->label.template_path = c->label_template;
  }
  return NACRE_OK;
}

static nacre_status parse_committee(parser *p, const cJSON *o) {
  static const char *const keys[] = {"size", "hidden", "activation", "descriptors",
                                     "epochs", "warm_epochs", "final_epochs", "weights", "l2",
                                     "optimizer", NULL};
  nacre_learn_config *c = p->c;
  nacre_fit_options *f = &c->fit;
  nacre_status st = known_keys(p, o, "committee", keys);
  if (st) return st;
  long epochs = f->train.epochs;
  if ((st = get_int32(p, o, "committee", "size", 2, 64, &f->ensemble)) ||
      (st = get_int(p, o, "committee", "epochs", 1, 10000000, &epochs)) ||
      (st = get_int32(p, o, "committee", "warm_epochs", 1, 10000000, &c->warm_epochs)) ||
      (st = get_int32(p, o, "committee", "final_epochs", 1, 10000000, &c->final_epochs)) ||
      (st = get_number(p, o, "committee", "l2", 0, 1, &f->train.weights.l2)) ||
      (st = get_string(p, o, "committee", "descriptors", f->descriptors,
                       sizeof f->descriptors)))
    return st;
  f->train.epochs = (int)epochs;
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "hidden");
  if (h) {
    double v[NACRE_LEARN_MAX_LIST];
    int n = 0;
    if ((st = get_list(p, o, "committee", "hidden", 1, 1000, v, &n))) return st;
    if (n > NACRE_NN_MAX_LAYERS - 2) return bad(p, "committee.hidden", "too many layers");
    f->nhidden = n;
    for (int k = 0; k < n; k++) f->hidden[k] = (int)v[k];
  }
  char text[32] = "";
  if ((st = get_string(p, o, "committee", "activation", text, sizeof text))) return st;
  if (text[0] && nacre_nn_activation_parse(text, &f->act))
    return bad(p, "committee.activation", "tanh, sigmoid, softplus or silu");
  text[0] = 0;
  if ((st = get_string(p, o, "committee", "optimizer", text, sizeof text))) return st;
  if (text[0]) {
    if (!strcmp(text, "lbfgs")) f->train.optimizer = NACRE_OPT_LBFGS;
    else if (!strcmp(text, "adam")) f->train.optimizer = NACRE_OPT_ADAM;
    else return bad(p, "committee.optimizer", "lbfgs or adam");
  }
  const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "weights");
  if (w) {
    static const char *const wk[] = {"energy", "force", "stress", NULL};
    if ((st = known_keys(p, w, "committee.weights", wk)) ||
        (st = get_number(p, w, "committee.weights", "energy", 0, 1e6, &f->train.weights.energy)) ||
        (st = get_number(p, w, "committee.weights", "force", 0, 1e6, &f->train.weights.force)) ||
        (st = get_number(p, w, "committee.weights", "stress", 0, 1e6, &f->train.weights.stress)))
      return st;
  }
  return NACRE_OK;
}

static nacre_status parse_selection(parser *p, const cJSON *o) {
  static const char *const keys[] = {"lo_ev_a", "hi_ev_a", "relative_ev_a",
                                     "max_per_iteration", "min_distance",
                                     "random_per_iteration", NULL};
  nacre_learn_selection *s = &p->c->select;
  nacre_status st = known_keys(p, o, "selection", keys);
  if (!st) st = get_number(p, o, "selection", "lo_ev_a", 0, 1e3, &s->lo_ev_a);
  if (!st) st = get_number(p, o, "selection", "hi_ev_a", 0, 1e3, &s->hi_ev_a);
  if (!st) st = get_number(p, o, "selection", "relative_ev_a", 0, 1e3, &s->relative_ev_a);
  if (!st) st = get_int32(p, o, "selection", "max_per_iteration", 1, 100000, &s->max_per_iteration);
  if (!st) st = get_number(p, o, "selection", "min_distance", 0, 1, &s->min_distance);
  if (!st) st = get_int32(p, o, "selection", "random_per_iteration", 0, 100000,
                          &s->random_per_iteration);
  if (!st && s->lo_ev_a >= s->hi_ev_a) st = bad(p, "selection", "lo_ev_a must be below hi_ev_a");
  return st;
}

static nacre_status parse_task(parser *p, const cJSON *o, const char *where,
                               double default_fraction, nacre_learn_task *t) {
  static const char *const keys[] = {"name", "type", "ensemble", "structures",
                                     "temperatures_k", "pressures_gpa", "steps",
                                     "every", "timestep_fs", "composition",
                                     "budget", "accurate_fraction", NULL};
  nacre_status st = known_keys(p, o, where, keys);
  if (st) return st;
  char type[16] = "md";
  snprintf(t->ensemble, sizeof t->ensemble, "nvt");
  t->temperatures_k[0] = 300;
  t->ntemperatures = 1;
  t->pressures_gpa[0] = 0;
  t->npressures = 1;
  t->steps = 1000;
  t->every = 20;
  t->timestep_fs = 2;
  t->budget = 20;
  t->accurate_fraction = default_fraction;
  if ((st = get_string(p, o, where, "name", t->name, sizeof t->name)) ||
      (st = get_string(p, o, where, "type", type, sizeof type)) ||
      (st = get_string(p, o, where, "ensemble", t->ensemble, sizeof t->ensemble)) ||
      (st = get_paths(p, o, where, "structures", &t->structures, &t->nstructures)) ||
      (st = get_list(p, o, where, "temperatures_k", 0, 1e5, t->temperatures_k, &t->ntemperatures)) ||
      (st = get_list(p, o, where, "pressures_gpa", -1e3, 1e4, t->pressures_gpa, &t->npressures)) ||
      (st = get_int(p, o, where, "steps", 1, 100000000, &t->steps)) ||
      (st = get_int32(p, o, where, "every", 1, 100000000, &t->every)) ||
      (st = get_number(p, o, where, "timestep_fs", 1e-3, 100, &t->timestep_fs)) ||
      (st = get_string(p, o, where, "composition", t->composition, sizeof t->composition)) ||
      (st = get_int32(p, o, where, "budget", 1, 10000000, &t->budget)) ||
      (st = get_number(p, o, where, "accurate_fraction", 0, 1, &t->accurate_fraction)))
    return st;
  if (!strcmp(type, "md")) {
    t->kind = NACRE_LEARN_TASK_MD;
    if (strcmp(t->ensemble, "nvt") && strcmp(t->ensemble, "npt"))
      return bad(p, where, "ensemble must be nvt or npt");
    if (!t->nstructures) return bad(p, where, "an md task needs structures");
  } else if (!strcmp(type, "search")) {
    t->kind = NACRE_LEARN_TASK_SEARCH;
    nacre_composition comp;
    if (!t->composition[0]) return bad(p, where, "a search task needs a composition");
    if (nacre_composition_parse(t->composition, &comp, p->err)) {
      char msg[NACRE_ERROR_MESSAGE_MAX];
      snprintf(msg, sizeof msg, "%s", p->err->message);
      return bad(p, where, msg);
    }
  } else {
    return bad(p, where, "type must be md or search");
  }
  if (!t->name[0]) snprintf(t->name, sizeof t->name, "%.63s", where);
  return NACRE_OK;
}

static nacre_status parse_stages(parser *p, const cJSON *v) {
  nacre_learn_config *c = p->c;
  if (!cJSON_IsArray(v) || !cJSON_GetArraySize(v))
    return bad(p, "stages", "expected a non-empty list of stages");
  c->nstages = cJSON_GetArraySize(v);
  c->stages = calloc((size_t)c->nstages, sizeof *c->stages);
  if (!c->stages) return nacre_error_set(p->err, NACRE_ERR_NOMEM, "configuration");
  int k = 0;
  for (const cJSON *o = v->child; o; o = o->next, k++) {
    static const char *const keys[] = {"name", "tasks", "max_iterations",
                                       "label_budget", "accurate_fraction", NULL};
    char where[64];
    snprintf(where, sizeof where, "stages[%d]", k);
    nacre_learn_stage *s = &c->stages[k];
    s->max_iterations = 10;
    double fraction = 0.99;
    nacre_status st = known_keys(p, o, where, keys);
    if (!st) st = get_string(p, o, where, "name", s->name, sizeof s->name);
    if (!st) st = get_int32(p, o, where, "max_iterations", 1, 100000, &s->max_iterations);
    if (!st) st = get_int32(p, o, where, "label_budget", 0, 100000000, &s->label_budget);
    if (!st) st = get_number(p, o, where, "accurate_fraction", 0, 1, &fraction);
    if (st) return st;
    if (!s->name[0]) snprintf(s->name, sizeof s->name, "stage %d", k);
    const cJSON *tl = cJSON_GetObjectItemCaseSensitive(o, "tasks");
    if (!cJSON_IsArray(tl) || !cJSON_GetArraySize(tl))
      return bad(p, where, "expected a non-empty list \"tasks\"");
    s->ntasks = cJSON_GetArraySize(tl);
    s->tasks = calloc((size_t)s->ntasks, sizeof *s->tasks);
    if (!s->tasks) return nacre_error_set(p->err, NACRE_ERR_NOMEM, "configuration");
    int q = 0;
    for (const cJSON *t = tl->child; t; t = t->next, q++) {
      char tw[96];
      snprintf(tw, sizeof tw, "%s.tasks[%d]", where, q);
      if ((st = parse_task(p, t, tw, fraction, &s->tasks[q]))) return st;
    }
  }
  return NACRE_OK;
}

static nacre_status parse_root(parser *p, const cJSON *root) {
  static const char *const keys[] = {"seed", "initial", "label", "committee",
                                     "selection", "test", "stages", NULL};
  nacre_learn_config *c = p->c;
  nacre_status st = known_keys(p, root, "(top level)", keys);
  if (st) return st;
  long seed = 1;
  if ((st = get_int(p, root, "(top level)", "seed", 0, LONG_MAX, &seed))) return st;
  c->seed = (uint64_t)seed;
  const cJSON *v;
  if ((v = cJSON_GetObjectItemCaseSensitive(root, "initial")) && (st = parse_initial(p, v)))
    return st;
  if (!(v = cJSON_GetObjectItemCaseSensitive(root, "label")))
    return bad(p, "label", "missing: the labeller (\"code\": \"abinit\", ...)");
  if ((st = parse_label(p, v))) return st;
  if ((v = cJSON_GetObjectItemCaseSensitive(root, "committee")) && (st = parse_committee(p, v)))
    return st;
  if ((v = cJSON_GetObjectItemCaseSensitive(root, "selection")) && (st = parse_selection(p, v)))
    return st;
  if ((v = cJSON_GetObjectItemCaseSensitive(root, "test"))) {
    static const char *const tk[] = {"fraction", "max", NULL};
    if ((st = known_keys(p, v, "test", tk)) ||
        (st = get_number(p, v, "test", "fraction", 0, 0.9, &c->test_fraction)) ||
        (st = get_int32(p, v, "test", "max", 0, 1000000, &c->test_max)))
      return st;
  }
  if ((st = parse_stages(p, cJSON_GetObjectItemCaseSensitive(root, "stages")))) return st;
  if (!c->ndata && !c->ninitial && !c->random_count)
    return bad(p, "initial", "no initial data: give data, structures or random");
  return NACRE_OK;
}

static void defaults(nacre_learn_config *c) {
  c->seed = 1;
  c->label_jobs = 1;
  nacre_fit_options_init(&c->fit);
  c->fit.ensemble = 4;
  c->fit.train.epochs = 400;
  c->fit.train.patience = 0;
  c->fit.train.weights.stress = 0.01; /* (GPa)² against (eV/atom)²: the
                                         stress error enters at about the
                                         force error's weight */
  c->fit.train.checkpoint_interval_s = 0;
  c->warm_epochs = 200;
  nacre_learn_selection_init(&c->select);
  c->test_fraction = 0.1;
  c->test_max = 50;
}

nacre_status nacre_learn_config_parse(const char *text, const char *name,
                                      const char *dir,
                                      nacre_learn_config **out,
                                      nacre_error *err) {
  *out = NULL;
  nacre_learn_config *c = calloc(1, sizeof *c);
  if (!c || !(c->text = strdup(text))) {
    free(c);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "configuration");
  }
  snprintf(c->path, sizeof c->path, "%s", name);
  defaults(c);
  cJSON *root = cJSON_Parse(text);
  nacre_status st;
  if (!root) {
    /* the line of the error */
    const char *at = cJSON_GetErrorPtr();
    int line = 1;
    for (const char *q = text; at && q < at && *q; q++) line += *q == '\n';
    st = nacre_error_set(err, NACRE_ERR_PARSE, "%s:%d: not valid JSON", name, line);
  } else {
    parser p = {name, dir ? dir : "", c, err};
    st = parse_root(&p, root);
    cJSON_Delete(root);
  }
  if (st) {
    nacre_learn_config_free(c);
    return st;
  }
  *out = c;
  return NACRE_OK;
}

nacre_status nacre_learn_config_read(const char *path, nacre_learn_config **out,
                                     nacre_error *err) {
  *out = NULL;
  FILE *fp = fopen(path, "rb");
  if (!fp) return nacre_error_set(err, NACRE_ERR_IO, "%s: %s", path, strerror(errno));
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    if (n + 1 >= cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, fp);
    n += got;
    if (!got) break;
  }
  fclose(fp);
  if (!buf) return nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
  buf[n] = 0;
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = 0;
  else snprintf(dir, sizeof dir, ".");
  nacre_status st = nacre_learn_config_parse(buf, path, dir, out, err);
  free(buf);
  return st;
}

static void free_paths(char **v, int n) {
  for (int k = 0; k < n; k++) free(v[k]);
  free(v);
}

void nacre_learn_config_free(nacre_learn_config *c) {
  if (!c) return;
  free(c->text);
  free_paths(c->data, c->ndata);
  free_paths(c->initial, c->ninitial);
  for (int s = 0; s < c->nstages; s++) {
    for (int t = 0; t < c->stages[s].ntasks; t++)
      free_paths(c->stages[s].tasks[t].structures, c->stages[s].tasks[t].nstructures);
    free(c->stages[s].tasks);
  }
  free(c->stages);
  free(c);
}

int nacre_learn_final_epochs(const nacre_learn_config *c) {
  return c->final_epochs > 0 ? c->final_epochs : c->fit.train.epochs;
}
