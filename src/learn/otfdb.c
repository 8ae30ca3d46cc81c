/* otfdb.c — the SQLite run file of on-the-fly learning MD (DIR/otf.db): the
 * settings the run was started with (compared on every resume), every label
 * in the order it was made (the initial structures, the MD steps labelled,
 * the frames labelled to check the committee, and the failures), and the
 * last checkpoint: the MD state, the committee and the counters, replaced
 * in one statement. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn_internal.h"

struct otf_db {
  sqlite3 *db;
  char path[1024];
};

static nacre_status db_error(otf_db *db, nacre_error *err, const char *what) {
  return nacre_error_set(err, NACRE_ERR_IO, "%s: %s: %s", db->path, what,
                         sqlite3_errmsg(db->db));
}

static nacre_status prepare(otf_db *db, const char *sql, sqlite3_stmt **q,
                            nacre_error *err) {
  if (sqlite3_prepare_v2(db->db, sql, -1, q, NULL) != SQLITE_OK)
    return db_error(db, err, "prepare");
  return NACRE_OK;
}

static nacre_status step_done(otf_db *db, sqlite3_stmt *q, nacre_error *err) {
  int rc = sqlite3_step(q);
  sqlite3_finalize(q);
  return rc == SQLITE_DONE ? NACRE_OK : db_error(db, err, "write");
}

static void bind_real(sqlite3_stmt *q, int k, double v) {
  if (isfinite(v)) sqlite3_bind_double(q, k, v);
  else sqlite3_bind_null(q, k);
}

static double column_real(sqlite3_stmt *q, int k) {
  return sqlite3_column_type(q, k) == SQLITE_NULL ? NAN : sqlite3_column_double(q, k);
}

/* A copy of column k's blob of exactly n doubles, or NULL. */
static double *column_doubles(sqlite3_stmt *q, int k, size_t n) {
  if (sqlite3_column_type(q, k) == SQLITE_NULL ||
      (size_t)sqlite3_column_bytes(q, k) != n * sizeof(double))
    return NULL;
  double *x = malloc(n * sizeof *x);
  if (x) memcpy(x, sqlite3_column_blob(q, k), n * sizeof *x);
  return x;
}

static const char *schema =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS labels(id INTEGER PRIMARY KEY, kind TEXT,"
    " evaluation INTEGER, step INTEGER, status TEXT, structure TEXT,"
    " energy_ev REAL, forces BLOB, stress BLOB, run_energy_ev REAL,"
    " run_forces BLOB, message TEXT, wall_s REAL);"
    "CREATE TABLE IF NOT EXISTS state(id INTEGER PRIMARY KEY CHECK(id = 1),"
    " last_label INTEGER, restart_index INTEGER, step INTEGER, evaluations INTEGER,"
    " above INTEGER, screened INTEGER, labelled INTEGER, failures INTEGER,"
    " retrainings INTEGER, new_labels INTEGER, train_s REAL, wall_s REAL,"
    " done INTEGER, md_state TEXT, committee TEXT, bg_n INTEGER DEFAULT -1,"
    " bg_swap INTEGER DEFAULT -1, train_wait_s REAL DEFAULT 0);";

/* Stores the settings on the first open; later opens must find the same. */
static nacre_status check_settings(otf_db *db, const char *const *kv, int n,
                                   nacre_error *err) {
  nacre_status st = NACRE_OK;
  for (int k = 0; k < n && !st; k++) {
    sqlite3_stmt *q;
    if ((st = prepare(db, "SELECT value FROM settings WHERE key=?", &q, err))) break;
    sqlite3_bind_text(q, 1, kv[2 * k], -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
      const char *had = (const char *)sqlite3_column_text(q, 0);
      if (strcmp(had, kv[2 * k + 1]))
        st = nacre_error_set(err, NACRE_ERR_INVALID,
                             "%s holds a run made with other settings (%s: %.200s, now "
                             "%.200s): resume with the same ones or use a new --learn-dir",
                             db->path, kv[2 * k], had, kv[2 * k + 1]);
      sqlite3_finalize(q);
    } else {
      sqlite3_finalize(q);
      if (rc != SQLITE_DONE) st = db_error(db, err, "read");
      else if (!(st = prepare(db, "INSERT INTO settings VALUES(?,?)", &q, err))) {
        sqlite3_bind_text(q, 1, kv[2 * k], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, kv[2 * k + 1], -1, SQLITE_TRANSIENT);
        st = step_done(db, q, err);
      }
    }
  }
  return st;
}

nacre_status otf_db_open(const char *path, const char *const *settings, int nsettings,
                         otf_db **out, nacre_error *err) {
  *out = NULL;
  otf_db *db = calloc(1, sizeof *db);
  if (!db) return nacre_error_set(err, NACRE_ERR_NOMEM, "run file");
  snprintf(db->path, sizeof db->path, "%s", path);
  nacre_status st = NACRE_OK;
  if (sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
      SQLITE_OK) {
    st = nacre_error_set(err, NACRE_ERR_IO, "%s: %s", path,
                         db->db ? sqlite3_errmsg(db->db) : "cannot open");
  } else {
    sqlite3_busy_timeout(db->db, 10000);
    char *msg = NULL;
    if (sqlite3_exec(db->db, schema, NULL, NULL, &msg) != SQLITE_OK)
      st = nacre_error_set(err, NACRE_ERR_IO, "%s: %s", path, msg ? msg : "SQL error");
    sqlite3_free(msg);
    /* run files written before background retraining lack its columns;
     * the statements fail harmlessly where they exist */
    static const char *const added[] = {
        "ALTER TABLE state ADD COLUMN bg_n INTEGER DEFAULT -1",
        "ALTER TABLE state ADD COLUMN bg_swap INTEGER DEFAULT -1",
        "ALTER TABLE state ADD COLUMN train_wait_s REAL DEFAULT 0"};
    for (size_t k = 0; k < sizeof added / sizeof *added && !st; k++)
      sqlite3_exec(db->db, added[k], NULL, NULL, NULL);
  }
  if (!st) st = check_settings(db, settings, nsettings, err);
  if (st) {
    otf_db_close(db);
    return st;
  }
  *out = db;
  return NACRE_OK;
}

void otf_db_close(otf_db *db) {
  if (!db) return;
  sqlite3_close(db->db);
  free(db);
}

nacre_status otf_db_add_label(otf_db *db, const otf_label *l, long *id, nacre_error *err) {
  char *text = nacre_structure_to_text(l->sm.s);
  if (!text) return nacre_error_set(err, NACRE_ERR_NOMEM, "structure");
  sqlite3_stmt *q;
  nacre_status st = prepare(db,
                            "INSERT INTO labels(kind, evaluation, step, status, structure,"
                            " energy_ev, forces, stress, run_energy_ev, run_forces, message,"
                            " wall_s) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                            &q, err);
  if (!st) {
    size_t nf = 3 * (size_t)l->sm.s->natoms * sizeof(double);
    int ok = !l->failed;
    sqlite3_bind_text(q, 1, l->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, l->evaluation);
    sqlite3_bind_int64(q, 3, l->step);
    sqlite3_bind_text(q, 4, ok ? "labelled" : "failed", -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, text, -1, SQLITE_TRANSIENT);
    bind_real(q, 6, ok ? l->sm.energy : NAN);
    if (ok) sqlite3_bind_blob(q, 7, l->sm.forces, (int)nf, SQLITE_TRANSIENT);
    if (ok) sqlite3_bind_blob(q, 8, l->sm.stress, (int)sizeof l->sm.stress, SQLITE_TRANSIENT);
    bind_real(q, 9, l->run_forces ? l->run_energy : NAN);
    if (l->run_forces) sqlite3_bind_blob(q, 10, l->run_forces, (int)nf, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 11, l->message ? l->message : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(q, 12, l->wall_s);
    st = step_done(db, q, err);
    if (!st) *id = (long)sqlite3_last_insert_rowid(db->db);
  }
  free(text);
  return st;
}

void otf_label_clear(otf_label *l) {
  nacre_sample_clear(&l->sm);
  free(l->run_forces);
  free(l->message);
  memset(l, 0, sizeof *l);
}

static nacre_status read_label(sqlite3_stmt *q, otf_label *l, nacre_error *err) {
  memset(l, 0, sizeof *l);
  l->id = (long)sqlite3_column_int64(q, 0);
  snprintf(l->kind, sizeof l->kind, "%s", (const char *)sqlite3_column_text(q, 1));
  l->evaluation = (long)sqlite3_column_int64(q, 2);
  l->step = (long)sqlite3_column_int64(q, 3);
  l->failed = strcmp((const char *)sqlite3_column_text(q, 4), "labelled") != 0;
  nacre_status st = nacre_structure_from_text((const char *)sqlite3_column_text(q, 5),
                                              &l->sm.s, err);
  if (st) return st;
  size_t nf = 3 * (size_t)l->sm.s->natoms;
  const char *msg = (const char *)sqlite3_column_text(q, 11);
  l->message = strdup(msg ? msg : "");
  l->wall_s = sqlite3_column_double(q, 12);
  if (!l->failed) {
    l->sm.energy = column_real(q, 6);
    l->sm.forces = column_doubles(q, 7, nf);
    if (!l->sm.forces || !isfinite(l->sm.energy) ||
        sqlite3_column_bytes(q, 8) != (int)sizeof l->sm.stress)
      return nacre_error_set(err, NACRE_ERR_PARSE, "label %ld of the run file is incomplete",
                             l->id);
    memcpy(l->sm.stress, sqlite3_column_blob(q, 8), sizeof l->sm.stress);
    l->sm.has = NACRE_LABEL_ENERGY | NACRE_LABEL_FORCES | NACRE_LABEL_STRESS;
  }
  l->run_energy = column_real(q, 9);
  l->run_forces = column_doubles(q, 10, nf);
  return l->message ? NACRE_OK : nacre_error_set(err, NACRE_ERR_NOMEM, "label");
}

nacre_status otf_db_labels(otf_db *db, otf_label **out, int *n, nacre_error *err) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *q;
  nacre_status st = prepare(db,
                            "SELECT id, kind, evaluation, step, status, structure, energy_ev,"
                            " forces, stress, run_energy_ev, run_forces, message, wall_s"
                            " FROM labels ORDER BY id",
                            &q, err);
  if (st) return st;
  int cap = 0;
  while (!st && sqlite3_step(q) == SQLITE_ROW) {
    if (*n == cap) {
      cap = cap ? 2 * cap : 64;
      otf_label *x = realloc(*out, (size_t)cap * sizeof *x);
      if (!x) {
        st = nacre_error_set(err, NACRE_ERR_NOMEM, "labels");
        break;
      }
      *out = x;
    }
    st = read_label(q, &(*out)[*n], err);
    (*n)++;
  }
  sqlite3_finalize(q);
  if (st) {
    for (int k = 0; k < *n; k++) otf_label_clear(&(*out)[k]);
    free(*out);
    *out = NULL;
    *n = 0;
  }
  return st;
}

nacre_status otf_db_drop_labels_after(otf_db *db, long id, nacre_error *err) {
  sqlite3_stmt *q;
  nacre_status st = prepare(db, "DELETE FROM labels WHERE id > ?", &q, err);
  if (st) return st;
  sqlite3_bind_int64(q, 1, id);
  return step_done(db, q, err);
}

nacre_status otf_db_put_state(otf_db *db, const otf_state *s, nacre_error *err) {
  sqlite3_stmt *q;
  nacre_status st = prepare(db,
                            "INSERT OR REPLACE INTO state VALUES(1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                            &q, err);
  if (st) return st;
  sqlite3_bind_int64(q, 1, s->last_label);
  sqlite3_bind_int(q, 2, s->restart_index);
  sqlite3_bind_int64(q, 3, s->step);
  sqlite3_bind_int64(q, 4, s->evaluations);
  sqlite3_bind_int64(q, 5, s->above);
  sqlite3_bind_int64(q, 6, s->screened);
  sqlite3_bind_int64(q, 7, s->labelled);
  sqlite3_bind_int64(q, 8, s->failures);
  sqlite3_bind_int(q, 9, s->retrainings);
  sqlite3_bind_int(q, 10, s->new_labels);
  sqlite3_bind_double(q, 11, s->train_s);
  sqlite3_bind_double(q, 12, s->wall_s);
  sqlite3_bind_int(q, 13, s->done);
  if (s->md_state) sqlite3_bind_text(q, 14, s->md_state, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(q, 15, s->committee, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(q, 16, s->bg_n);
  sqlite3_bind_int64(q, 17, s->bg_swap);
  sqlite3_bind_double(q, 18, s->train_wait_s);
  return step_done(db, q, err);
}

void otf_state_clear(otf_state *s) {
  free(s->md_state);
  free(s->committee);
  memset(s, 0, sizeof *s);
}

nacre_status otf_db_get_state(otf_db *db, otf_state *s, int *found, nacre_error *err) {
  memset(s, 0, sizeof *s);
  *found = 0;
  sqlite3_stmt *q;
  nacre_status st = prepare(db,
                            "SELECT last_label, restart_index, step, evaluations, above,"
                            " screened, labelled, failures, retrainings, new_labels, train_s,"
                            " wall_s, done, md_state, committee, bg_n, bg_swap, train_wait_s"
                            " FROM state WHERE id = 1",
                            &q, err);
  if (st) return st;
  int rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    s->last_label = (long)sqlite3_column_int64(q, 0);
    s->restart_index = sqlite3_column_int(q, 1);
    s->step = (long)sqlite3_column_int64(q, 2);
    s->evaluations = (long)sqlite3_column_int64(q, 3);
    s->above = (long)sqlite3_column_int64(q, 4);
    s->screened = (long)sqlite3_column_int64(q, 5);
    s->labelled = (long)sqlite3_column_int64(q, 6);
    s->failures = (long)sqlite3_column_int64(q, 7);
    s->retrainings = sqlite3_column_int(q, 8);
    s->new_labels = sqlite3_column_int(q, 9);
    s->train_s = sqlite3_column_double(q, 10);
    s->wall_s = sqlite3_column_double(q, 11);
    s->done = sqlite3_column_int(q, 12);
    s->bg_n = sqlite3_column_int(q, 15);
    s->bg_swap = (long)sqlite3_column_int64(q, 16);
    s->train_wait_s = sqlite3_column_double(q, 17);
    const char *md = (const char *)sqlite3_column_text(q, 13);
    const char *cm = (const char *)sqlite3_column_text(q, 14);
    s->md_state = md ? strdup(md) : NULL;
    s->committee = cm ? strdup(cm) : NULL;
    if ((md && !s->md_state) || !s->committee)
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s: the checkpoint", db->path);
    else *found = 1;
  } else if (rc != SQLITE_DONE) {
    st = db_error(db, err, "read");
  }
  sqlite3_finalize(q);
  if (st) otf_state_clear(s);
  return st;
}
