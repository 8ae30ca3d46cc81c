/* rundb.c — the SQLite run file of an active-learning run: the
 * configuration it was made with, one row per iteration (its phase and
 * figures), the statistics of every exploration task, and every structure
 * chosen for labelling with its label or the reason it failed. Each phase
 * of the loop commits in one transaction. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn_internal.h"

struct learn_db {
  sqlite3 *db;
  char path[1024];
};

static nacre_status db_error(learn_db *db, nacre_error *err, const char *what) {
  return nacre_error_set(err, NACRE_ERR_IO, "%s: %s: %s", db->path, what,
                         sqlite3_errmsg(db->db));
}

static nacre_status exec(learn_db *db, const char *sql, nacre_error *err) {
  char *msg = NULL;
  if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    nacre_status st = nacre_error_set(err, NACRE_ERR_IO, "%s: %s", db->path,
                                      msg ? msg : "SQL error");
    sqlite3_free(msg);
    return st;
  }
  return NACRE_OK;
}

static nacre_status prepare(learn_db *db, const char *sql, sqlite3_stmt **st,
                            nacre_error *err) {
  if (sqlite3_prepare_v2(db->db, sql, -1, st, NULL) != SQLITE_OK)
    return db_error(db, err, "prepare");
  return NACRE_OK;
}

static nacre_status step_done(learn_db *db, sqlite3_stmt *st, nacre_error *err) {
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? NACRE_OK : db_error(db, err, "write");
}

/* NAN is stored as NULL. */
static void bind_real(sqlite3_stmt *st, int k, double v) {
  if (isfinite(v)) sqlite3_bind_double(st, k, v);
  else sqlite3_bind_null(st, k);
}

static double column_real(sqlite3_stmt *st, int k) {
  return sqlite3_column_type(st, k) == SQLITE_NULL ? NAN : sqlite3_column_double(st, k);
}

static const char *schema =
    "CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS iterations(iter INTEGER PRIMARY KEY, stage INTEGER,"
    " stage_iter INTEGER, phase TEXT, ntrain INTEGER, ntest INTEGER, test_e REAL,"
    " test_f REAL, test_s REAL, selected INTEGER, labelled INTEGER,"
    " label_failures INTEGER, nsample INTEGER, sample_e REAL, sample_f REAL,"
    " accurate_fraction REAL, label_s REAL, train_s REAL, explore_s REAL,"
    " converged INTEGER);"
    "CREATE TABLE IF NOT EXISTS tasks(iter INTEGER, stage INTEGER, task INTEGER,"
    " name TEXT, configurations INTEGER, accurate INTEGER, candidate INTEGER,"
    " failed INTEGER, max_deviation REAL, PRIMARY KEY(iter, task));"
    "CREATE TABLE IF NOT EXISTS structures(id INTEGER PRIMARY KEY, iter INTEGER,"
    " stage INTEGER, task INTEGER, kind TEXT, deviation REAL, structure TEXT,"
    " status TEXT, role TEXT, energy_ev REAL, forces BLOB, stress BLOB,"
    " message TEXT, wall_s REAL);"
    "CREATE TABLE IF NOT EXISTS stages(stage INTEGER PRIMARY KEY, outcome TEXT);";

nacre_status learn_db_open(const char *path, const char *config_text,
                           int readonly, learn_db **out, nacre_error *err) {
  *out = NULL;
  learn_db *db = calloc(1, sizeof *db);
  if (!db) return nacre_error_set(err, NACRE_ERR_NOMEM, "run file");
  snprintf(db->path, sizeof db->path, "%s", path);
  int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path, &db->db, flags, NULL) != SQLITE_OK) {
    nacre_status st = nacre_error_set(err, NACRE_ERR_IO, "%s: %s", path,
                                      db->db ? sqlite3_errmsg(db->db) : "cannot open");
    learn_db_close(db);
    return st;
  }
  sqlite3_busy_timeout(db->db, 10000);
  nacre_status st = NACRE_OK;
  if (!readonly) {
    st = exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", err);
    if (!st) st = exec(db, schema, err);
  }
  char stored[8] = "";
  if (!st) {
    /* the configuration: stored once, compared on every later open */
    sqlite3_stmt *q;
    st = prepare(db, "SELECT value FROM settings WHERE key='config'", &q, err);
    if (!st) {
      int rc = sqlite3_step(q);
      if (rc == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(q, 0);
        if (config_text && strcmp(text, config_text))
          st = nacre_error_set(err, NACRE_ERR_INVALID,
                               "%s holds a run of another configuration (the "
                               "configuration may not change on resume; the "
                               "run's own is in its settings table): use a new "
                               "output folder",
                               path);
        snprintf(stored, sizeof stored, "yes");
      } else if (rc != SQLITE_DONE) {
        st = db_error(db, err, "read");
      }
      sqlite3_finalize(q);
    }
  }
  if (!st && !stored[0]) {
    if (readonly || !config_text)
      st = nacre_error_set(err, NACRE_ERR_INVALID, "%s: not a learning run", path);
    else
      st = learn_db_set_setting(db, "config", config_text, err);
  }
  if (st) {
    learn_db_close(db);
    return st;
  }
  *out = db;
  return NACRE_OK;
}

void learn_db_close(learn_db *db) {
  if (!db) return;
  sqlite3_close(db->db);
  free(db);
}

nacre_status learn_db_begin(learn_db *db, nacre_error *err) {
  return exec(db, "BEGIN IMMEDIATE", err);
}
nacre_status learn_db_commit(learn_db *db, nacre_error *err) {
  return exec(db, "COMMIT", err);
}
void learn_db_rollback(learn_db *db) {
  sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

nacre_status learn_db_set_setting(learn_db *db, const char *key,
                                  const char *value, nacre_error *err) {
  sqlite3_stmt *q;
  nacre_status st = prepare(db, "INSERT OR REPLACE INTO settings VALUES(?,?)", &q, err);
  if (st) return st;
  sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(q, 2, value, -1, SQLITE_TRANSIENT);
  return step_done(db, q, err);
}

nacre_status learn_db_get_setting(learn_db *db, const char *key, char *out,
                                  size_t n, nacre_error *err) {
  sqlite3_stmt *q;
  out[0] = 0;
  nacre_status st = prepare(db, "SELECT value FROM settings WHERE key=?", &q, err);
  if (st) return st;
  sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(q) == SQLITE_ROW)
    snprintf(out, n, "%s", (const char *)sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  return NACRE_OK;
}

#define ITER_COLUMNS                                                          \
  "iter, stage, stage_iter, phase, ntrain, ntest, test_e, test_f, test_s,"    \
  " selected, labelled, label_failures, nsample, sample_e, sample_f,"         \
  " accurate_fraction, label_s, train_s, explore_s, converged"

static void read_iteration(sqlite3_stmt *q, nacre_learn_iteration *it) {
  memset(it, 0, sizeof *it);
  it->iteration = sqlite3_column_int(q, 0);
  it->stage = sqlite3_column_int(q, 1);
  it->stage_iteration = sqlite3_column_int(q, 2);
  snprintf(it->phase, sizeof it->phase, "%s", (const char *)sqlite3_column_text(q, 3));
  it->ntrain = sqlite3_column_int(q, 4);
  it->ntest = sqlite3_column_int(q, 5);
  it->test_e_rmse = column_real(q, 6);
  it->test_f_rmse = column_real(q, 7);
  it->test_s_rmse = column_real(q, 8);
  it->selected = sqlite3_column_int(q, 9);
  it->labelled = sqlite3_column_int(q, 10);
  it->label_failures = sqlite3_column_int(q, 11);
  it->nsample = sqlite3_column_int(q, 12);
  it->sample_e_rmse = column_real(q, 13);
  it->sample_f_rmse = column_real(q, 14);
  it->accurate_fraction = column_real(q, 15);
  it->label_s = sqlite3_column_double(q, 16);
  it->train_s = sqlite3_column_double(q, 17);
  it->explore_s = sqlite3_column_double(q, 18);
  it->converged = sqlite3_column_int(q, 19);
}

nacre_status learn_db_last_iteration(learn_db *db, nacre_learn_iteration *it,
                                     int *found, nacre_error *err) {
  sqlite3_stmt *q;
  *found = 0;
  nacre_status st = prepare(db, "SELECT " ITER_COLUMNS
                                " FROM iterations ORDER BY iter DESC LIMIT 1",
                            &q, err);
  if (st) return st;
  if (sqlite3_step(q) == SQLITE_ROW) {
    read_iteration(q, it);
    *found = 1;
  }
  sqlite3_finalize(q);
  return NACRE_OK;
}

nacre_status learn_db_put_iteration(learn_db *db, const nacre_learn_iteration *it,
                                    nacre_error *err) {
  sqlite3_stmt *q;
  nacre_status st = prepare(db, "INSERT OR REPLACE INTO iterations(" ITER_COLUMNS
                                ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                            &q, err);
  if (st) return st;
  sqlite3_bind_int(q, 1, it->iteration);
  sqlite3_bind_int(q, 2, it->stage);
  sqlite3_bind_int(q, 3, it->stage_iteration);
  sqlite3_bind_text(q, 4, it->phase, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(q, 5, it->ntrain);
  sqlite3_bind_int(q, 6, it->ntest);
  bind_real(q, 7, it->test_e_rmse);
  bind_real(q, 8, it->test_f_rmse);
  bind_real(q, 9, it->test_s_rmse);
  sqlite3_bind_int(q, 10, it->selected);
  sqlite3_bind_int(q, 11, it->labelled);
  sqlite3_bind_int(q, 12, it->label_failures);
  sqlite3_bind_int(q, 13, it->nsample);
  bind_real(q, 14, it->sample_e_rmse);
  bind_real(q, 15, it->sample_f_rmse);
  bind_real(q, 16, it->accurate_fraction);
  sqlite3_bind_double(q, 17, it->label_s);
  sqlite3_bind_double(q, 18, it->train_s);
  sqlite3_bind_double(q, 19, it->explore_s);
  sqlite3_bind_int(q, 20, it->converged);
  return step_done(db, q, err);
}

nacre_status learn_db_put_task(learn_db *db, const nacre_learn_task_stats *t,
                               nacre_error *err) {
  sqlite3_stmt *q;
  nacre_status st = prepare(db, "INSERT OR REPLACE INTO tasks VALUES(?,?,?,?,?,?,?,?,?)",
                            &q, err);
  if (st) return st;
  sqlite3_bind_int(q, 1, t->iteration);
  sqlite3_bind_int(q, 2, t->stage);
  sqlite3_bind_int(q, 3, t->task);
  sqlite3_bind_text(q, 4, t->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(q, 5, t->configurations);
  sqlite3_bind_int64(q, 6, t->accurate);
  sqlite3_bind_int64(q, 7, t->candidate);
  sqlite3_bind_int64(q, 8, t->failed);
  bind_real(q, 9, t->max_deviation);
  return step_done(db, q, err);
}

nacre_status learn_db_set_stage(learn_db *db, int stage, const char *outcome,
                                nacre_error *err) {
  sqlite3_stmt *q;
  nacre_status st = prepare(db, "INSERT OR REPLACE INTO stages VALUES(?,?)", &q, err);
  if (st) return st;
  sqlite3_bind_int(q, 1, stage);
  sqlite3_bind_text(q, 2, outcome, -1, SQLITE_TRANSIENT);
  return step_done(db, q, err);
}

nacre_status learn_db_stage_outcome(learn_db *db, int stage, char out[24],
                                    nacre_error *err) {
  sqlite3_stmt *q;
  out[0] = 0;
  nacre_status st = prepare(db, "SELECT outcome FROM stages WHERE stage=?", &q, err);
  if (st) return st;
  sqlite3_bind_int(q, 1, stage);
  if (sqlite3_step(q) == SQLITE_ROW)
    snprintf(out, 24, "%s", (const char *)sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  return NACRE_OK;
}

nacre_status learn_db_add_structure(learn_db *db, int iter, int stage,
                                    int task, const char *kind,
                                    double deviation,
                                    const nacre_structure *s, nacre_error *err) {
  char *text = nacre_structure_to_text(s);
  if (!text) return nacre_error_set(err, NACRE_ERR_NOMEM, "structure");
  sqlite3_stmt *q;
  nacre_status st = prepare(db, "INSERT INTO structures(iter, stage, task, kind,"
                                " deviation, structure, status) VALUES(?,?,?,?,?,?,"
                                "'pending')",
                            &q, err);
  if (!st) {
    sqlite3_bind_int(q, 1, iter);
    sqlite3_bind_int(q, 2, stage);
    sqlite3_bind_int(q, 3, task);
    sqlite3_bind_text(q, 4, kind, -1, SQLITE_TRANSIENT);
    bind_real(q, 5, deviation);
    sqlite3_bind_text(q, 6, text, -1, SQLITE_TRANSIENT);
    st = step_done(db, q, err);
  }
  free(text);
  return st;
}

static nacre_status bind_label(sqlite3_stmt *q, int first, const nacre_sample *sm) {
  size_t nf = 3 * (size_t)sm->s->natoms * sizeof(double);
  bind_real(q, first, (sm->has & NACRE_LABEL_ENERGY) ? sm->energy : NAN);
  if (sm->has & NACRE_LABEL_FORCES)
    sqlite3_bind_blob(q, first + 1, sm->forces, (int)nf, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(q, first + 1);
  if (sm->has & NACRE_LABEL_STRESS)
    sqlite3_bind_blob(q, first + 2, sm->stress, (int)sizeof sm->stress, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(q, first + 2);
  return NACRE_OK;
}

nacre_status learn_db_add_labelled(learn_db *db, int iter,
                                   const nacre_sample *sm, const char *role,
                                   nacre_error *err) {
  char *text = nacre_structure_to_text(sm->s);
  if (!text) return nacre_error_set(err, NACRE_ERR_NOMEM, "structure");
  sqlite3_stmt *q;
  nacre_status st = prepare(db, "INSERT INTO structures(iter, stage, task, kind,"
                                " structure, status, role, energy_ev, forces, stress,"
                                " message) VALUES(?,-1,-1,'data',?,'labelled',?,?,?,?,?)",
                            &q, err);
  if (!st) {
    sqlite3_bind_int(q, 1, iter);
    sqlite3_bind_text(q, 2, text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, role, -1, SQLITE_TRANSIENT);
    bind_label(q, 4, sm);
    sqlite3_bind_text(q, 7, sm->source ? sm->source : "", -1, SQLITE_TRANSIENT);
    st = step_done(db, q, err);
  }
  free(text);
  return st;
}

void learn_pending_free(learn_pending *p) {
  for (int k = 0; k < p->n; k++) nacre_structure_free(p->s[k]);
  free(p->s);
  free(p->id);
  free(p->kind);
  memset(p, 0, sizeof *p);
}

nacre_status learn_db_pending(learn_db *db, int iter, learn_pending *out,
                              nacre_error *err) {
  memset(out, 0, sizeof *out);
  sqlite3_stmt *q;
  nacre_status st = prepare(db, "SELECT id, kind, structure FROM structures WHERE"
                                " iter=? AND status='pending' ORDER BY id",
                            &q, err);
  if (st) return st;
  sqlite3_bind_int(q, 1, iter);
  int cap = 0;
  while (!st && sqlite3_step(q) == SQLITE_ROW) {
    if (out->n == cap) {
      cap = cap ? 2 * cap : 16;
      long *id = realloc(out->id, (size_t)cap * sizeof *id);
      if (id) out->id = id;
      char(*kind)[16] = realloc(out->kind, (size_t)cap * sizeof *kind);
      if (kind) out->kind = kind;
      nacre_structure **s = realloc(out->s, (size_t)cap * sizeof *s);
      if (s) out->s = s;
      if (!id || !kind || !s) {
        st = nacre_error_set(err, NACRE_ERR_NOMEM, "pending structures");
        break;
      }
    }
    out->id[out->n] = (long)sqlite3_column_int64(q, 0);
    snprintf(out->kind[out->n], 16, "%s", (const char *)sqlite3_column_text(q, 1));
    st = nacre_structure_from_text((const char *)sqlite3_column_text(q, 2),
                                   &out->s[out->n], err);
    if (!st) out->n++;
  }
  sqlite3_finalize(q);
  if (st) learn_pending_free(out);
  return st;
}

nacre_status learn_db_set_label(learn_db *db, long id, const char *role,
                                const nacre_sample *sm, double wall_s,
                                nacre_error *err) {
  sqlite3_stmt *q;
  nacre_status st = prepare(db, "UPDATE structures SET status='labelled', role=?,"
                                " energy_ev=?, forces=?, stress=?, wall_s=? WHERE id=?",
                            &q, err);
  if (st) return st;
  sqlite3_bind_text(q, 1, role, -1, SQLITE_TRANSIENT);
  bind_label(q, 2, sm);
  sqlite3_bind_double(q, 5, wall_s);
  sqlite3_bind_int64(q, 6, id);
  return step_done(db, q, err);
}

nacre_status learn_db_set_failed(learn_db *db, long id, const char *reason,
                                 nacre_error *err) {
  sqlite3_stmt *q;
  nacre_status st = prepare(db, "UPDATE structures SET status='failed', message=?"
                                " WHERE id=?",
                            &q, err);
  if (st) return st;
  sqlite3_bind_text(q, 1, reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(q, 2, id);
  return step_done(db, q, err);
}

nacre_status learn_db_labelled(learn_db *db, const char *role, int iter,
                               const char *kind, nacre_dataset **out,
                               nacre_error *err) {
  *out = nacre_dataset_new(err);
  if (!*out) return err ? err->status : NACRE_ERR_NOMEM;
  sqlite3_stmt *q;
  nacre_status st = prepare(db, "SELECT id, structure, energy_ev, forces, stress, kind"
                   " FROM structures WHERE status='labelled' AND (?1 IS NULL OR role=?1)"
                   " AND (?2 < 0 OR iter=?2) AND (?3 IS NULL OR kind=?3)"
                   " ORDER BY id",
               &q, err);
  if (st) return st;
  if (role) sqlite3_bind_text(q, 1, role, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(q, 1);
  sqlite3_bind_int(q, 2, iter);
  if (kind) sqlite3_bind_text(q, 3, kind, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(q, 3);
  while (!st && sqlite3_step(q) == SQLITE_ROW) {
    nacre_sample sm;
    memset(&sm, 0, sizeof sm);
    st = nacre_structure_from_text((const char *)sqlite3_column_text(q, 1), &sm.s, err);
    if (st) break;
    size_t nf = 3 * (size_t)sm.s->natoms * sizeof(double);
    if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
      sm.energy = sqlite3_column_double(q, 2);
      sm.has |= NACRE_LABEL_ENERGY;
    }
    if (sqlite3_column_type(q, 3) != SQLITE_NULL && (size_t)sqlite3_column_bytes(q, 3) == nf) {
      sm.forces = malloc(nf);
      if (sm.forces) {
        memcpy(sm.forces, sqlite3_column_blob(q, 3), nf);
        sm.has |= NACRE_LABEL_FORCES;
      }
    }
    if (sqlite3_column_type(q, 4) != SQLITE_NULL &&
        sqlite3_column_bytes(q, 4) == (int)sizeof sm.stress) {
      memcpy(sm.stress, sqlite3_column_blob(q, 4), sizeof sm.stress);
      sm.has |= NACRE_LABEL_STRESS;
    }
    char src[64];
    snprintf(src, sizeof src, "learn.db#%lld", (long long)sqlite3_column_int64(q, 0));
    sm.source = strdup(src);
    const char *k = (const char *)sqlite3_column_text(q, 5);
    sm.info = calloc(2, sizeof *sm.info);
    if (sm.info && k) {
      sm.info[0] = strdup("config_type");
      sm.info[1] = strdup(k);
      sm.ninfo = sm.info[0] && sm.info[1] ? 1 : 0;
    }
    st = nacre_dataset_take(*out, &sm, err);
  }
  sqlite3_finalize(q);
  return st;
}

nacre_status learn_db_count(learn_db *db, int stage, const char *status,
                            const char *role, int *n, nacre_error *err) {
  sqlite3_stmt *q;
  *n = 0;
  nacre_status st = prepare(db, "SELECT COUNT(*) FROM structures WHERE status=?1"
                                " AND (?2 < 0 OR stage=?2) AND (?3 IS NULL OR role=?3)",
                            &q, err);
  if (st) return st;
  sqlite3_bind_text(q, 1, status, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(q, 2, stage);
  if (role) sqlite3_bind_text(q, 3, role, -1, SQLITE_TRANSIENT);
  else sqlite3_bind_null(q, 3);
  if (sqlite3_step(q) == SQLITE_ROW) *n = sqlite3_column_int(q, 0);
  sqlite3_finalize(q);
  return NACRE_OK;
}

nacre_status learn_db_report(learn_db *db, int nstages, nacre_learn_report *rep,
                             nacre_error *err) {
  memset(rep, 0, sizeof *rep);
  sqlite3_stmt *q;
  nacre_status st = prepare(db, "SELECT " ITER_COLUMNS " FROM iterations ORDER BY iter",
                            &q, err);
  if (st) return st;
  int cap = 0;
  while (sqlite3_step(q) == SQLITE_ROW) {
    if (rep->niterations == cap) {
      cap = cap ? 2 * cap : 16;
      nacre_learn_iteration *it = realloc(rep->iterations, (size_t)cap * sizeof *it);
      if (!it) {
        sqlite3_finalize(q);
        return nacre_error_set(err, NACRE_ERR_NOMEM, "report");
      }
      rep->iterations = it;
    }
    read_iteration(q, &rep->iterations[rep->niterations++]);
  }
  sqlite3_finalize(q);
  if ((st = prepare(db, "SELECT iter, stage, task, name, configurations, accurate,"
                        " candidate, failed, max_deviation FROM tasks ORDER BY iter, task",
                    &q, err)))
    return st;
  cap = 0;
  while (sqlite3_step(q) == SQLITE_ROW) {
    if (rep->ntasks == cap) {
      cap = cap ? 2 * cap : 16;
      nacre_learn_task_stats *t = realloc(rep->tasks, (size_t)cap * sizeof *t);
      if (!t) {
        sqlite3_finalize(q);
        return nacre_error_set(err, NACRE_ERR_NOMEM, "report");
      }
      rep->tasks = t;
    }
    nacre_learn_task_stats *t = &rep->tasks[rep->ntasks++];
    memset(t, 0, sizeof *t);
    t->iteration = sqlite3_column_int(q, 0);
    t->stage = sqlite3_column_int(q, 1);
    t->task = sqlite3_column_int(q, 2);
    snprintf(t->name, sizeof t->name, "%s", (const char *)sqlite3_column_text(q, 3));
    t->configurations = sqlite3_column_int64(q, 4);
    t->accurate = sqlite3_column_int64(q, 5);
    t->candidate = sqlite3_column_int64(q, 6);
    t->failed = sqlite3_column_int64(q, 7);
    t->max_deviation = column_real(q, 8);
  }
  sqlite3_finalize(q);
  rep->nstages = nstages;
  rep->stage_outcome = calloc((size_t)(nstages ? nstages : 1), sizeof *rep->stage_outcome);
  if (!rep->stage_outcome) return nacre_error_set(err, NACRE_ERR_NOMEM, "report");
  for (int s = 0; s < nstages && !st; s++)
    st = learn_db_stage_outcome(db, s, rep->stage_outcome[s], err);
  if (!st) st = learn_db_count(db, -1, "labelled", NULL, &rep->labels, err);
  if (!st) st = learn_db_count(db, -1, "failed", NULL, &rep->label_failures, err);
  char fin[8];
  if (!st) st = learn_db_get_setting(db, "finished", fin, sizeof fin, err);
  rep->finished = fin[0] == '1';
  return st;
}

void nacre_learn_report_free(nacre_learn_report *r) {
  if (!r) return;
  free(r->iterations);
  free(r->tasks);
  free(r->stage_outcome);
  memset(r, 0, sizeof *r);
}
