/* job.c — a whole search as `nacre search` runs it: the potential is loaded
 * and checked against the composition before a run file is made; a
 * resumed run keeps its own settings (nacre_run_apply); the search runs in
 * this process, in forked workers or on MPI ranks. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/search.h"

void nacre_search_job_init(nacre_search_job *job) {
  memset(job, 0, sizeof *job);
  nacre_search_config_init(&job->config);
  job->db = "search.db";
}

/* A relative output directory made absolute, so that a resume or report
 * from elsewhere writes where the run was started. */
static nacre_status absolute_dir(char *dir, size_t n, nacre_error *err) {
  if (!dir[0] || dir[0] == '/') return NACRE_OK;
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd))
    return nacre_error_set(err, NACRE_ERR_IO, "current directory: %s",
                           strerror(errno));
  char tmp[sizeof cwd + 1024];
  snprintf(tmp, sizeof tmp, "%s/%s", cwd, dir);
  if (strlen(tmp) >= n)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "output directory %s: path too long", tmp);
  snprintf(dir, n, "%s", tmp);
  return NACRE_OK;
}

/* Refuses to create over a file that already holds a run, before anything
 * is loaded or written. */
static nacre_status check_new(const char *db, nacre_error *err) {
  if (access(db, F_OK) != 0) return NACRE_OK;
  nacre_run *old;
  nacre_error tmp;
  if (nacre_run_open_readonly(db, &old, &tmp)) return NACRE_OK;
  nacre_run_close(old);
  return nacre_error_set(err, NACRE_ERR_INVALID,
                         "%s: already holds a run; use --resume to continue "
                         "it or choose a new file",
                         db);
}

nacre_status nacre_search_job_run(const nacre_search_job *job,
                                  nacre_search_mpi *m, const nacre_ctx *ctx,
                                  nacre_run **out, const char **conflict,
                                  nacre_error *err) {
  *out = NULL;
  if (conflict) *conflict = NULL;
  nacre_search_config cfg = job->config;
  nacre_run *run = NULL;
  nacre_status st;
  if (job->resume) {
    st = nacre_run_open(job->db, &run, err);
  } else {
    st = nacre_search_config_check(&cfg, err);
    if (!st) st = check_new(job->db, err);
    if (!st) st = absolute_dir(cfg.output_dir, sizeof cfg.output_dir, err);
  }
  if (st) return st;
  /* The potential of a resumed run: the one asked for, else its own. */
  if (job->resume && !cfg.potential[0])
    snprintf(cfg.potential, sizeof cfg.potential, "%s",
             nacre_run_config(run)->potential);
  nacre_search_relaxer *relaxer = NULL;
  st = nacre_search_relaxer_new(cfg.potential, &cfg.relax, &relaxer, err);
  if (!st) st = nacre_search_relaxer_check(relaxer, &cfg.composition, err);
  if (st) nacre_error_prefix(err, "potential '%s': ", cfg.potential);
  if (!st && job->resume) st = nacre_run_apply(run, &cfg, conflict, err);
  if (!st && m) {
    nacre_search_mpi_settings ms;
    memset(&ms, 0, sizeof ms);
    snprintf(ms.potential, sizeof ms.potential, "%s", cfg.potential);
    ms.relax = cfg.relax;
    ms.distances = cfg.random;
    st = nacre_search_mpi_start(m, &ms, err);
  }
  if (!st && !job->resume) st = nacre_run_create(job->db, &cfg, &run, err);
  if (st) {
    nacre_run_close(run);
    nacre_search_relaxer_free(relaxer);
    return st;
  }
  *out = run;
  nacre_run_set_soft_modes(run, nacre_search_relaxer_modes, relaxer);
  nacre_run_set_escape(run, nacre_search_relaxer_escape, relaxer);
  nacre_run_set_hull(run, job->hull, job->hull_user);
  st = m ? nacre_search_run_mpi(m, run, job->progress, job->progress_user,
                                ctx, err)
         : nacre_search_run(run, nacre_search_relax_potential, relaxer,
                            job->progress, job->progress_user, ctx, err);
  nacre_search_relaxer_free(relaxer);
  return st;
}

nacre_status nacre_search_job_resume(nacre_search_job *job, const char *db,
                                     nacre_error *err) {
  nacre_run *run;
  nacre_status st = nacre_run_open_readonly(db, &run, err);
  if (st) return st;
  job->config = *nacre_run_config(run);
  job->config.potential[0] = '\0';
  nacre_run_close(run);
  job->db = db;
  job->resume = 1;
  return NACRE_OK;
}
