/* transport_mpi.c — search workers as MPI ranks (builds with NACRE_MPI):
 * rank 0 runs the engine and owns the run file; ranks 1..N−1 load the
 * potential and relax candidates. Messages (MPI_BYTE, so all ranks must
 * share one binary layout, as on any ordinary cluster):
 *   settings   broadcast from rank 0: go/failed flags and the relaxation
 *              settings; then every rank reports whether it loaded the
 *              potential (MPI_Allreduce), with its message gathered on
 *              rank 0 when any failed;
 *   TAG_TASK   rank 0 → k: candidate id, pressure, start structure;
 *   TAG_RESULT k → 0: search_reply and the relaxed structure;
 *   TAG_STOP   rank 0 → k: an int, 1 when the search failed.
 * Every rank waits by polling (MPI_Iprobe with short naps): rank 0 so that
 * time limits and interrupts are seen while ranks relax, all of them so
 * that waiting costs no CPU time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"

int nacre_search_mpi_launched(void) {
  static const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
                               "PMIX_SIZE", "MPI_LOCALNRANKS"};
  for (size_t k = 0; k < sizeof vars / sizeof *vars; k++) {
    const char *v = getenv(vars[k]);
    if (v && atoi(v) > 0) return atoi(v);
  }
  /* PMIx launchers that do not export a size (one rank known at least). */
  return getenv("PMIX_RANK") ? 1 : 0;
}

#ifdef NACRE_HAVE_MPI

#include <mpi.h>
#include <omp.h>
#include <time.h>

enum { TAG_TASK = 1, TAG_RESULT = 2, TAG_STOP = 3 };

struct nacre_search_mpi {
  int rank, size;
  int started;  /* rank 0: settings sent and accepted (ranks wait for STOP) */
  int released; /* rank 0: the ranks were told to end */
  nacre_search_mpi_settings settings;
};

typedef struct mpi_control {
  int go;       /* 1: settings follow, load the potential */
  int failed;   /* with go = 0: rank 0 failed before the search */
  nacre_search_mpi_settings s;
} mpi_control;

typedef struct wire_head {
  long id;
  double pressure_gpa;
  int natoms;
  int pbc[3];
  double cell[3][3];
} wire_head;

int nacre_search_mpi_built(void) { return 1; }

int nacre_search_mpi_rank(const nacre_search_mpi *m) { return m->rank; }
int nacre_search_mpi_size(const nacre_search_mpi *m) { return m->size; }

nacre_status nacre_search_mpi_init(nacre_search_mpi **out, nacre_error *err) {
  *out = NULL;
  nacre_search_mpi *m = calloc(1, sizeof *m);
  if (!m) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  int inited = 0;
  MPI_Initialized(&inited);
  if (!inited && MPI_Init(NULL, NULL) != MPI_SUCCESS) {
    free(m);
    return nacre_error_set(err, NACRE_ERR_EXTERNAL, "MPI_Init failed");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &m->rank);
  MPI_Comm_size(MPI_COMM_WORLD, &m->size);
  *out = m;
  return NACRE_OK;
}

/* ---- packing ---- */

static size_t structure_bytes(int natoms) {
  return sizeof(wire_head) + sizeof(int) * (size_t)natoms +
         sizeof(double) * 3 * (size_t)natoms;
}

static void pack_structure(char *buf, long id, double pressure_gpa,
                           const nacre_structure *s) {
  wire_head h;
  memset(&h, 0, sizeof h);
  h.id = id;
  h.pressure_gpa = pressure_gpa;
  h.natoms = s->natoms;
  memcpy(h.pbc, s->pbc, sizeof h.pbc);
  memcpy(h.cell, s->cell, sizeof h.cell);
  memcpy(buf, &h, sizeof h);
  buf += sizeof h;
  memcpy(buf, s->numbers, sizeof(int) * (size_t)s->natoms);
  buf += sizeof(int) * (size_t)s->natoms;
  memcpy(buf, s->positions, sizeof(double) * 3 * (size_t)s->natoms);
}

/* NULL when the buffer is not one packed structure. */
static nacre_structure *unpack_structure(const char *buf, size_t n,
                                         wire_head *h) {
  if (n < sizeof *h) return NULL;
  memcpy(h, buf, sizeof *h);
  if (h->natoms < 0 || h->natoms > 10000000 || n != structure_bytes(h->natoms))
    return NULL;
  nacre_structure *s = nacre_structure_new(h->natoms, NULL);
  if (!s) return NULL;
  memcpy(s->pbc, h->pbc, sizeof s->pbc);
  memcpy(s->cell, h->cell, sizeof s->cell);
  buf += sizeof *h;
  memcpy(s->numbers, buf, sizeof(int) * (size_t)s->natoms);
  buf += sizeof(int) * (size_t)s->natoms;
  memcpy(s->positions, buf, sizeof(double) * 3 * (size_t)s->natoms);
  return s;
}

/* Receives the message that MPI_Probe/Iprobe found into a new buffer. */
static char *recv_probed(const MPI_Status *probed, int tag, size_t *n) {
  int count = 0;
  MPI_Get_count(probed, MPI_BYTE, &count);
  char *buf = malloc(count > 0 ? (size_t)count : 1);
  if (!buf) return NULL;
  MPI_Recv(buf, count, MPI_BYTE, probed->MPI_SOURCE, tag, MPI_COMM_WORLD,
           MPI_STATUS_IGNORE);
  *n = (size_t)count;
  return buf;
}

static void sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  nanosleep(&ts, NULL);
}

static double clock_ms(void) { return 1e3 * nacre_now_s(); }

/* MPI_Probe without busy waiting (Open MPI spins in a blocking probe,
 * which starves the relaxing ranks when ranks share cores): MPI_Iprobe
 * with naps growing to 1 ms. timeout_ms < 0: no limit. 1 when found. */
static int probe_napping(int source, int tag, int timeout_ms,
                         MPI_Status *probed) {
  double until = timeout_ms >= 0 ? clock_ms() + timeout_ms : 0;
  long nap = 20;
  for (;;) {
    int flag = 0;
    MPI_Iprobe(source, tag, MPI_COMM_WORLD, &flag, probed);
    if (flag) return 1;
    if (timeout_ms >= 0 && clock_ms() >= until) return 0;
    sleep_us(nap);
    if (nap < 1000) nap *= 2;
  }
}

/* ---- settings and the potential on every rank ---- */

/* Collective: every rank says whether it loaded the potential; rank 0
 * gathers the messages of those that failed. */
static nacre_status agree_loaded(nacre_search_mpi *m, nacre_status mine,
                                 const nacre_error *my_err, nacre_error *err) {
  int bad = mine != NACRE_OK, nbad = 0;
  MPI_Allreduce(&bad, &nbad, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (!nbad) return NACRE_OK;
  char line[NACRE_ERROR_MESSAGE_MAX], host[MPI_MAX_PROCESSOR_NAME];
  int hl = 0;
  MPI_Get_processor_name(host, &hl);
  host[hl < MPI_MAX_PROCESSOR_NAME ? hl : MPI_MAX_PROCESSOR_NAME - 1] = '\0';
  memset(line, 0, sizeof line);
  if (bad)
    snprintf(line, sizeof line, "rank %d (%.64s): %.900s", m->rank, host,
             my_err->message);
  char *all = NULL;
  if (m->rank == 0) all = calloc((size_t)m->size, sizeof line);
  MPI_Gather(line, (int)sizeof line, MPI_CHAR, all, (int)sizeof line,
             MPI_CHAR, 0, MPI_COMM_WORLD);
  if (m->rank != 0) {
    if (bad) return nacre_error_set(err, mine, "%s", line);
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "another rank could not load the potential");
  }
  const char *first = "";
  for (int k = 0; all && k < m->size && !*first; k++)
    if (all[(size_t)k * sizeof line]) first = all + (size_t)k * sizeof line;
  nacre_error_set(err, NACRE_ERR_EXTERNAL,
                  "%d of %d ranks could not load the potential '%s'; %s",
                  nbad, m->size, m->settings.potential, first);
  free(all);
  return err ? err->status : NACRE_ERR_EXTERNAL;
}

nacre_status nacre_search_mpi_start(nacre_search_mpi *m,
                                    const nacre_search_mpi_settings *s,
                                    nacre_error *err) {
  if (m->rank != 0 || m->started || m->released)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "nacre_search_mpi_start: rank 0, once");
  mpi_control c;
  memset(&c, 0, sizeof c);
  c.go = 1;
  c.s = *s;
  m->settings = *s;
  MPI_Bcast(&c, (int)sizeof c, MPI_BYTE, 0, MPI_COMM_WORLD);
  /* Rank 0 loaded the potential itself before (it is in its command); it
   * only reports success here. */
  nacre_status st = agree_loaded(m, NACRE_OK, NULL, err);
  if (st) {
    m->released = 1; /* the ranks return from serve on their own */
    return st;
  }
  m->started = 1;
  return NACRE_OK;
}

nacre_status nacre_search_mpi_serve(nacre_search_mpi *m, nacre_error *err) {
  if (m->rank == 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "nacre_search_mpi_serve: not on rank 0");
  mpi_control c;
  MPI_Bcast(&c, (int)sizeof c, MPI_BYTE, 0, MPI_COMM_WORLD);
  if (!c.go)
    return c.failed ? nacre_error_set(err, NACRE_ERR_EXTERNAL,
                                      "rank 0 failed before the search")
                    : NACRE_OK;
  c.s.potential[sizeof c.s.potential - 1] = '\0';
  m->settings = c.s;
  nacre_search_relaxer *relaxer = NULL;
  nacre_error mine;
  nacre_error_clear(&mine);
  nacre_status st =
      nacre_search_relaxer_new(c.s.potential, &c.s.relax, &relaxer, &mine);
  if (!st) nacre_search_relaxer_set_distances(relaxer, &c.s.distances);
  if ((st = agree_loaded(m, st, &mine, err))) {
    nacre_search_relaxer_free(relaxer);
    return st;
  }
  /* One thread per rank, as in a forked worker: the ranks are the
   * parallelism, and the relaxations match those of `--jobs`. */
  omp_set_num_threads(1);
  for (;;) {
    MPI_Status probed;
    probe_napping(0, MPI_ANY_TAG, -1, &probed);
    if (probed.MPI_TAG == TAG_STOP) {
      int failed = 0;
      MPI_Recv(&failed, 1, MPI_INT, 0, TAG_STOP, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
      st = failed ? nacre_error_set(err, NACRE_ERR_EXTERNAL,
                                    "the search on rank 0 failed")
                  : NACRE_OK;
      break;
    }
    size_t n = 0;
    char *buf = recv_probed(&probed, probed.MPI_TAG, &n);
    wire_head h;
    nacre_structure *s = buf && probed.MPI_TAG == TAG_TASK
                             ? unpack_structure(buf, n, &h)
                             : NULL;
    free(buf);
    if (!s) {
      /* Rank 0 would wait forever for this result: end the job. */
      fprintf(stderr, "nacre search: rank %d: malformed task from rank 0\n",
              m->rank);
      MPI_Abort(MPI_COMM_WORLD, 1);
      st = NACRE_ERR_EXTERNAL;
      break;
    }
    search_reply rep;
    memset(&rep, 0, sizeof rep);
    rep.id = h.id;
    nacre_error rerr;
    nacre_error_clear(&rerr);
    rep.status = nacre_search_relax_potential(relaxer, s, h.pressure_gpa,
                                              &rep.out, &rerr);
    snprintf(rep.message, sizeof rep.message, "%s", rerr.message);
    size_t bytes = sizeof rep + structure_bytes(s->natoms);
    char *out = malloc(bytes);
    if (!out) {
      /* A reply without a structure tells rank 0 of the failure. */
      rep.status = NACRE_ERR_NOMEM;
      snprintf(rep.message, sizeof rep.message, "rank %d: out of memory",
               m->rank);
      MPI_Send(&rep, (int)sizeof rep, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
    } else {
      memcpy(out, &rep, sizeof rep);
      pack_structure(out + sizeof rep, h.id, h.pressure_gpa, s);
      MPI_Send(out, (int)bytes, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
      free(out);
    }
    nacre_structure_free(s);
  }
  nacre_search_relaxer_free(relaxer);
  return st;
}

void nacre_search_mpi_finish(nacre_search_mpi *m, int failed) {
  if (!m) return;
  if (m->rank == 0 && !m->released) {
    if (m->started) {
      for (int k = 1; k < m->size; k++)
        MPI_Send(&failed, 1, MPI_INT, k, TAG_STOP, MPI_COMM_WORLD);
    } else {
      mpi_control c;
      memset(&c, 0, sizeof c);
      c.failed = failed != 0;
      MPI_Bcast(&c, (int)sizeof c, MPI_BYTE, 0, MPI_COMM_WORLD);
    }
    m->released = 1;
  }
  free(m);
  MPI_Finalize();
}

/* ---- the transport on rank 0 ---- */

typedef struct mpi_transport {
  search_transport base;
  nacre_search_mpi *m;
} mpi_transport;

static void mpi_describe(const search_transport *t, int k, char *buf,
                         size_t n) {
  (void)t;
  snprintf(buf, n, "rank %d", k + 1);
}

static nacre_status mpi_send(search_transport *t, int k, long id,
                             const nacre_structure *s, double pressure_gpa,
                             nacre_error *err) {
  size_t bytes = structure_bytes(s->natoms);
  char *buf = malloc(bytes);
  if (!buf) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  pack_structure(buf, id, pressure_gpa, s);
  int rc = MPI_Send(buf, (int)bytes, MPI_BYTE, k + 1, TAG_TASK, MPI_COMM_WORLD);
  free(buf);
  if (rc != MPI_SUCCESS)
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "sending candidate %ld to rank %d failed", id, k + 1);
  t->task[k] = id;
  return NACRE_OK;
}

static nacre_status mpi_recv(search_transport *t, int timeout_ms, int *k,
                             search_reply *rep, nacre_structure **s,
                             nacre_error *err) {
  *k = -1;
  *s = NULL;
  MPI_Status probed;
  if (!probe_napping(MPI_ANY_SOURCE, TAG_RESULT, timeout_ms, &probed))
    return NACRE_OK;
  int w = probed.MPI_SOURCE - 1;
  size_t n = 0;
  char *buf = recv_probed(&probed, TAG_RESULT, &n);
  if (!buf) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  if (w < 0 || w >= t->nworkers || t->task[w] < 0 || n < sizeof *rep) {
    free(buf);
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "unexpected message from rank %d",
                           probed.MPI_SOURCE);
  }
  memcpy(rep, buf, sizeof *rep);
  rep->message[sizeof rep->message - 1] = '\0';
  long task = t->task[w];
  t->task[w] = -1;
  *k = w;
  if (rep->id != task) {
    free(buf);
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "rank %d answered for candidate %ld, not %ld",
                           w + 1, rep->id, task);
  }
  if (n == sizeof *rep && rep->status != NACRE_OK) {
    free(buf);
    return NACRE_OK; /* a failure report without a structure */
  }
  wire_head h;
  *s = unpack_structure(buf + sizeof *rep, n - sizeof *rep, &h);
  free(buf);
  if (!*s)
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "rank %d sent a malformed result for candidate %ld",
                           w + 1, task);
  return NACRE_OK;
}

static void mpi_close(search_transport *t, int abandon) {
  (void)abandon;
  /* Ranks still relaxing finish and answer; their results are dropped
   * (those candidates stay pending, as with forked workers). */
  for (int k = 0; k < t->nworkers; k++) {
    if (t->task[k] < 0) continue;
    MPI_Status probed;
    probe_napping(k + 1, TAG_RESULT, -1, &probed);
    size_t n;
    free(recv_probed(&probed, TAG_RESULT, &n));
    t->task[k] = -1;
  }
  free(t->task);
  free(t);
}

nacre_status nacre_search_run_mpi(nacre_search_mpi *m, nacre_run *r,
                                  nacre_search_progress_fn prog,
                                  void *prog_user, const nacre_ctx *ctx,
                                  nacre_error *err) {
  if (m->rank != 0 || !m->started || m->size < 2)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "nacre_search_run_mpi: on rank 0 of ≥ 2, after "
                           "nacre_search_mpi_start");
  mpi_transport *t = calloc(1, sizeof *t);
  long *task = malloc(sizeof(long) * (size_t)(m->size - 1));
  if (!t || !task) {
    free(t);
    free(task);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  for (int k = 0; k < m->size - 1; k++) task[k] = -1;
  t->m = m;
  t->base.nworkers = m->size - 1;
  t->base.task = task;
  t->base.send = mpi_send;
  t->base.recv = mpi_recv;
  t->base.describe = mpi_describe;
  t->base.close = mpi_close;
  return search_run_on(r, NULL, NULL, &t->base, prog, prog_user, ctx, err);
}

#else /* no MPI in this build */

int nacre_search_mpi_built(void) { return 0; }

static nacre_status no_mpi(nacre_error *err) {
  return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                         "this build has no MPI (configure with "
                         "-DNACRE_MPI=ON)");
}

nacre_status nacre_search_mpi_init(nacre_search_mpi **out, nacre_error *err) {
  *out = NULL;
  return no_mpi(err);
}
int nacre_search_mpi_rank(const nacre_search_mpi *m) {
  (void)m;
  return 0;
}
int nacre_search_mpi_size(const nacre_search_mpi *m) {
  (void)m;
  return 1;
}
nacre_status nacre_search_mpi_start(nacre_search_mpi *m,
                                    const nacre_search_mpi_settings *s,
                                    nacre_error *err) {
  (void)m;
  (void)s;
  return no_mpi(err);
}
nacre_status nacre_search_mpi_serve(nacre_search_mpi *m, nacre_error *err) {
  (void)m;
  return no_mpi(err);
}
nacre_status nacre_search_run_mpi(nacre_search_mpi *m, nacre_run *r,
                                  nacre_search_progress_fn prog,
                                  void *prog_user, const nacre_ctx *ctx,
                                  nacre_error *err) {
  (void)m;
  (void)r;
  (void)prog;
  (void)prog_user;
  (void)ctx;
  return no_mpi(err);
}
void nacre_search_mpi_finish(nacre_search_mpi *m, int failed) {
  (void)m;
  (void)failed;
}

#endif
