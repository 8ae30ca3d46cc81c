/* driver.c — running a DFT code on one structure (fresh directory, input,
 * external command with a time limit, parse, clean up) and whole batches
 * that resume after a kill: every finished label is appended to the output
 * with one write() + fsync(), and structures whose id is already there are
 * skipped. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "label_internal.h"
#include "nacre/io.h"

nacre_status nacre_label_exec(const char *command, const char *dir,
                              const char *log_path, double timeout_s,
                              const nacre_ctx *ctx, int *exit_code,
                              nacre_error *err) {
  *exit_code = -1;
  pid_t pid = fork();
  if (pid < 0)
    return nacre_error_set(err, NACRE_ERR_EXTERNAL, "fork: %s",
                           strerror(errno));
  if (pid == 0) {
    /* child: only async-signal-safe calls until exec */
    setpgid(0, 0);
    if (chdir(dir) != 0) _exit(126);
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) _exit(126);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) dup2(nul, 0), close(nul);
    execl("/bin/sh", "sh", "-c", command, (char *)NULL);
    _exit(127);
  }
  setpgid(pid, pid); /* also from the parent: no race with kill below */
  double start = nacre_now_s();
  int status = 0, killed = 0, why = 0; /* why: 1 timeout, 2 interrupt */
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      return nacre_error_set(err, NACRE_ERR_EXTERNAL, "waitpid: %s",
                             strerror(errno));
    }
    if (!killed) {
      if (timeout_s > 0 && nacre_now_s() - start > timeout_s) why = 1;
      if (nacre_ctx_interrupted(ctx)) why = 2;
      if (why) {
        kill(-pid, SIGTERM);
        killed = 1;
        start = nacre_now_s();
      }
    } else if (killed == 1 && nacre_now_s() - start > 5.0) {
      kill(-pid, SIGKILL);
      killed = 2;
    }
    struct timespec nap = {0, 20 * 1000 * 1000};
    nanosleep(&nap, NULL);
  }
  if (WIFEXITED(status)) *exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) *exit_code = 128 + WTERMSIG(status);
  if (why == 2)
    return nacre_error_set(err, NACRE_ERR_INTERRUPTED,
                           "'%s' stopped on request", command);
  if (why == 1)
    return nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "'%s' killed after the time limit of %.0f s",
                           command, timeout_s);
  return NACRE_OK;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

/* rm -r of a label's directory (no shell, symbolic links not followed). */
static void remove_tree(const char *dir) {
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

nacre_status nacre_label_prepare(const nacre_label_options *opt,
                                 const nacre_structure *s, const char *dir,
                                 char *command, size_t command_len,
                                 nacre_error *err) {
  nacre_status st = nacre_structure_check(s, err);
  if (st) return st;
  if (!nacre_label_code_name(opt->code))
    return nacre_error_set(err, NACRE_ERR_INVALID, "unknown DFT code %d",
                           (int)opt->code);
  label_settings set;
  label_resolve(opt, &set);
  nacre_structure *dft = NULL; /* s, or s in its Niggli-reduced cell */
  int kgrid[3], reduced;
  st = nacre_label_dft_structure(opt, s, &dft, kgrid, &reduced, err);
  if (st) return st;
  s = dft;
  const char *inname = NULL;
  char *input = NULL;
  switch (opt->code) {
  case NACRE_LABEL_ABINIT:
    st = nacre_abinit_input(opt, s, &input, err);
    inname = "label.abi";
    snprintf(command, command_len, "%s label.abi", set.command);
    break;
  case NACRE_LABEL_QE:
    st = nacre_qe_input(opt, s, &input, err);
    inname = "label.pwi";
    snprintf(command, command_len, "%s -in label.pwi", set.command);
    break;
  case NACRE_LABEL_VASP:
    st = nacre_vasp_write_inputs(opt, s, dir, err);
    snprintf(command, command_len, "%s", set.command);
    break;
  }
  if (inname && !st) { /* ABINIT, QE: one input file */
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, inname);
    st = label_write_file(path, input, err);
  }
  free(input);
  nacre_structure_free(dft);
  return st;
}

/* The file each code's results are read from. */
static const char *output_name(nacre_label_code code) {
  return code == NACRE_LABEL_ABINIT ? "label.abo"
         : code == NACRE_LABEL_QE   ? "label.out"
                                    : "OUTCAR";
}

nacre_status nacre_label_collect(const nacre_label_options *opt,
                                 const nacre_structure *s, const char *dir,
                                 nacre_label_result *r, nacre_error *err) {
  char path[1200];
  const char *outname = output_name(opt->code);
  snprintf(path, sizeof path, "%s/%s", dir, outname);
  char *text = NULL;
  nacre_status st = label_read_file(path, &text, NULL, err);
  if (st)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: no %s (not run yet?)", dir,
                           outname);
  switch (opt->code) {
  case NACRE_LABEL_ABINIT:
    st = nacre_abinit_parse(text, path, s->natoms, r, err);
    break;
  case NACRE_LABEL_QE:
    st = nacre_qe_parse(text, path, s->natoms, r, err);
    break;
  case NACRE_LABEL_VASP:
    st = nacre_vasp_parse_outcar(text, path, s->natoms, r, err);
    break;
  }
  free(text);
  /* the grid and cell the inputs were written with (prepare's choice) */
  nacre_structure *dft = NULL;
  nacre_error e2;
  if (!nacre_label_dft_structure(opt, s, &dft, r->kgrid, &r->niggli_cell,
                                 &e2))
    nacre_structure_free(dft);
  /* VASP wrote the atoms grouped by species: back to input order */
  if (opt->code == NACRE_LABEL_VASP && r->has_forces) {
    int z[NACRE_MAX_Z], nz = label_species(s, z), k = 0;
    double *f = malloc(sizeof(double) * 3 * s->natoms);
    if (f) {
      for (int t = 0; t < nz; t++)
        for (int i = 0; i < s->natoms; i++)
          if (s->numbers[i] == z[t])
            memcpy(f + 3 * i, r->forces_ev_a + 3 * k++, 3 * sizeof(double));
      free(r->forces_ev_a);
      r->forces_ev_a = f;
    } else if (!st)
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "forces");
  }
  return st;
}

nacre_status nacre_label_run(const nacre_label_options *opt,
                             const nacre_structure *s, nacre_label_result *r,
                             const nacre_ctx *ctx, nacre_error *err) {
  nacre_label_result_clear(r);
  nacre_status st = nacre_structure_check(s, err);
  if (st) return st;
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/nacre-label-XXXXXX",
           opt->workdir && opt->workdir[0] ? opt->workdir : ".");
  if (!mkdtemp(dir))
    return nacre_error_set(err, NACRE_ERR_IO, "cannot create %s: %s", dir,
                           strerror(errno));
  char command[2048];
  st = nacre_label_prepare(opt, s, dir, command, sizeof command, err);
  if (st) {
    remove_tree(dir);
    snprintf(r->message, sizeof r->message, "%.250s", err ? err->message : "input");
    r->setup_error = 1;
    return st;
  }
  nacre_log(ctx, NACRE_LOG_DEBUG, "label: running '%s' in %s", command, dir);
  double t0 = nacre_now_s();
  int code = 0;
  st = nacre_label_exec(command, dir, "label.out", opt->timeout_s, ctx, &code,
                        err);
  double wall = nacre_now_s() - t0;
  if (!st) {
    st = nacre_label_collect(opt, s, dir, r, err);
    if (st == NACRE_ERR_IO && (code == 126 || code == 127)) {
      /* /bin/sh: 127 command not found, 126 not executable */
      st = nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "'%s' could not be started (shell status %d: %s; "
                           "see %s/label.out)",
                           command, code,
                           code == 127 ? "command not found" : "not executable",
                           dir);
      r->setup_error = 1;
    } else if (st == NACRE_ERR_IO)
      st = nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "'%s' exited with status %d and wrote no %s (see "
                           "%s/label.out)",
                           command, code, output_name(opt->code), dir);
    else if (st == NACRE_OK && code != 0)
      st = nacre_error_set(err, NACRE_ERR_EXTERNAL,
                           "'%s' exited with status %d (see %s/label.out)",
                           command, code, dir);
  }
  r->wall_s = wall;
  if (st) {
    if (!r->message[0] || st != NACRE_ERR_NOT_CONVERGED)
      snprintf(r->message, sizeof r->message, "%.250s",
               err ? err->message : nacre_status_name(st));
    /* a failure is kept for inspection; an interrupted run says nothing */
    if (st == NACRE_ERR_INTERRUPTED && !opt->keep_files) remove_tree(dir);
    else if (!opt->keep_files)
      nacre_log(ctx, NACRE_LOG_INFO, "label: kept %s for inspection", dir);
  } else if (!opt->keep_files) {
    remove_tree(dir);
  }
  return st;
}

/* ---- labelled output ---- */

nacre_status nacre_label_frame_text(const nacre_structure *s,
                                    const nacre_label_keys *keys,
                                    const nacre_label_result *r,
                                    const char *code_name, const char *id,
                                    char **text, size_t *len,
                                    nacre_error *err) {
  *text = NULL;
  *len = 0;
  nacre_frame f;
  nacre_frame_init(&f);
  nacre_status st = NACRE_OK;
  f.s = nacre_structure_copy(s, err);
  f.forces = malloc(sizeof(double) * 3 * (s->natoms > 0 ? s->natoms : 1));
  if (!f.s || !f.forces) st = nacre_error_set(err, NACRE_ERR_NOMEM, "frame");
  if (!st) {
    f.has = NACRE_FRAME_ENERGY | NACRE_FRAME_FREE_ENERGY |
            NACRE_FRAME_FORCES | NACRE_FRAME_STRESS;
    f.energy = r->energy_ev;
    f.free_energy = r->free_energy_ev;
    memcpy(f.forces, r->forces_ev_a, sizeof(double) * 3 * s->natoms);
    memcpy(f.stress, r->stress_ev_a3, sizeof f.stress);
    for (int k = 0; keys && k < keys->n && !st; k++)
      st = nacre_frame_set_info(&f, keys->key[k], keys->value[k], err);
    char steps[32], wall[32], cpu[32], kgrid[48];
    snprintf(steps, sizeof steps, "%d", r->scf_steps);
    snprintf(wall, sizeof wall, "%.2f", r->wall_s);
    snprintf(cpu, sizeof cpu, "%.2f", r->cpu_s);
    snprintf(kgrid, sizeof kgrid, "%d %d %d", r->kgrid[0], r->kgrid[1],
             r->kgrid[2]);
    const char *keys[8] = {"label_id",     "label_code",  "label_version",
                           "label_scf_steps", "label_wall_s", "label_cpu_s",
                           "label_cell",   "label_kgrid"};
    const char *vals[8] = {id,    code_name,
                           r->code_version[0] ? r->code_version : "unknown",
                           steps, wall,      cpu,
                           r->niggli_cell ? "niggli" : "input", kgrid};
    int nkeys = r->kgrid[0] > 0 ? 8 : 6; /* grid known once collected */
    for (int k = 0; k < nkeys && !st; k++)
      st = nacre_frame_set_info(&f, keys[k], vals[k], err);
  }
  /* the whole frame goes to memory first so that the caller can append it
   * with a single write() */
  char *buf = NULL;
  size_t n = 0;
  FILE *mem = st ? NULL : open_memstream(&buf, &n);
  if (!st && !mem) st = nacre_error_set(err, NACRE_ERR_NOMEM, "frame text");
  if (mem) {
    st = nacre_xyz_write(mem, &f, err);
    if (fclose(mem) && !st)
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "frame text");
  }
  nacre_frame_clear(&f);
  if (st) {
    free(buf);
    return st;
  }
  *text = buf;
  *len = n;
  return NACRE_OK;
}

nacre_status nacre_label_append(const char *path, const char *text,
                                size_t len, nacre_error *err) {
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  ssize_t w = write(fd, text, len);
  int bad = w < 0 || (size_t)w != len;
  int e = errno;
  bad |= fsync(fd) != 0;
  bad |= close(fd) != 0;
  if (bad)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: append failed: %s", path,
                           strerror(e ? e : errno));
  return NACRE_OK;
}

void nacre_label_free_ids(char **ids, int nids) {
  for (int k = 0; k < nids; k++) free(ids[k]);
  free(ids);
}

static int push_id(char ***ids, int *n, int *cap, const char *id, size_t len) {
  if (*n == *cap) {
    int nc = *cap ? 2 * *cap : 64;
    char **bigger = realloc(*ids, sizeof(char *) * (size_t)nc);
    if (!bigger) return -1;
    *ids = bigger, *cap = nc;
  }
  char *copy = malloc(len + 1);
  if (!copy) return -1;
  memcpy(copy, id, len);
  copy[len] = '\0';
  (*ids)[(*n)++] = copy;
  return 0;
}

nacre_status nacre_label_scan_done(const char *path, int repair, char ***ids,
                                   int *nids, nacre_error *err) {
  *ids = NULL;
  *nids = 0;
  char *text;
  size_t len;
  if (access(path, F_OK) != 0) return NACRE_OK;
  nacre_status st = label_read_file(path, &text, &len, err);
  if (st) return st;
  /* Frames: count line, comment line, natoms atom lines, each ending in a
   * newline; blank lines between frames are allowed. A kill during the
   * one write() of a frame can only leave a frame cut short at the end:
   * that is what `repair` cuts off. Anything else that does not read as
   * a frame is an error, and nothing is cut. */
  int cap = 0, line = 1, cut_short = 0;
  const char *p = text, *good_end = text;
  while (*p) {
    const char *s = p + strspn(p, " \t\r");
    if (*s == '\n') { /* a blank line */
      p = s + 1;
      line++;
      good_end = p;
      continue;
    }
    const char *eol = strchr(p, '\n');
    if (!eol) {
      cut_short = 1; /* a last line without its newline */
      break;
    }
    char *end;
    long n = strtol(s, &end, 10);
    if (end == s || n < 0 || n > 100000000 ||
        end + strspn(end, " \t\r") != eol) {
      free(text);
      nacre_label_free_ids(*ids, *nids);
      *ids = NULL, *nids = 0;
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: expected the atom count of a frame; not "
                             "an extended XYZ file written by nacre label, "
                             "left as it is",
                             path, line);
    }
    const char *comment = eol + 1;
    const char *ceol = strchr(comment, '\n');
    if (!ceol) {
      cut_short = 1;
      break;
    }
    const char *q = ceol + 1;
    long k = 0;
    for (; k < n; k++) {
      const char *e2 = strchr(q, '\n');
      if (!e2) break;
      q = e2 + 1;
    }
    if (k < n) {
      cut_short = 1;
      break;
    }
    const char *key = strstr(comment, "label_id=");
    if (key && key < ceol) {
      key += 9;
      if (*key == '"') key++; /* written quoted by some writers */
      size_t idlen = strcspn(key, " \t\n\"");
      if (push_id(ids, nids, &cap, key, idlen)) {
        free(text);
        nacre_label_free_ids(*ids, *nids);
        *ids = NULL, *nids = 0;
        return nacre_error_set(err, NACRE_ERR_NOMEM, "%s: ids", path);
      }
    }
    line += (int)n + 2;
    p = q;
    good_end = q;
  }
  size_t keep = (size_t)(good_end - text);
  /* a frame cut short holds at most one comment line: more than one
   * label_id in the rest means a damaged frame before good ones */
  int ids_in_rest = 0;
  for (const char *r = strstr(good_end, "label_id="); r;
       r = strstr(r + 9, "label_id="))
    ids_in_rest++;
  free(text);
  if (cut_short && ids_in_rest > 1) {
    nacre_label_free_ids(*ids, *nids);
    *ids = NULL, *nids = 0;
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: a frame's atom count runs past the end of "
                           "the file, over %d more frames; left as it is",
                           path, line, ids_in_rest - 1);
  }
  if (cut_short) {
    if (!repair) {
      nacre_label_free_ids(*ids, *nids);
      *ids = NULL, *nids = 0;
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: incomplete frame at the end (%zu bytes)",
                             path, line, len - keep);
    }
    if (truncate(path, (off_t)keep) != 0)
      return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot cut the incomplete "
                             "last frame: %s", path, strerror(errno));
  }
  return NACRE_OK;
}

/* ---- batches ---- */

static int has_id(char **ids, int n, const char *id) {
  for (int k = 0; k < n; k++)
    if (!strcmp(ids[k], id)) return 1;
  return 0;
}

/* Ids in the failure log: the first tab-separated field of each line. */
static nacre_status scan_failed(const char *path, char ***ids, int *n,
                                nacre_error *err) {
  *ids = NULL, *n = 0;
  if (!path || access(path, F_OK) != 0) return NACRE_OK;
  char *text;
  nacre_status st = label_read_file(path, &text, NULL, err);
  if (st) return st;
  int cap = 0;
  for (const char *p = text; *p;) {
    const char *eol = strchr(p, '\n');
    if (!eol) break; /* an incomplete last line does not count */
    size_t idlen = strcspn(p, "\t\n");
    if (idlen && p[idlen] == '\t' && push_id(ids, n, &cap, p, idlen)) {
      free(text);
      return nacre_error_set(err, NACRE_ERR_NOMEM, "failed ids");
    }
    p = eol + 1;
  }
  free(text);
  return NACRE_OK;
}

/* Writes the inputs of the first structure of every distinct set of
 * elements among those to label (todo[i] set) into a scratch directory,
 * so that a template or pseudopotential problem stops the batch before any
 * DFT time is spent, and is not recorded against a structure. */
static nacre_status check_inputs(const nacre_label_options *opt,
                                 nacre_structure *const *structures,
                                 const char *todo, int n, nacre_error *err) {
  typedef struct {
    unsigned long long bits[2]; /* elements 1..127 */
  } element_set;
  element_set *seen = NULL;
  int nseen = 0;
  nacre_status st = NACRE_OK;
  for (int i = 0; i < n && !st; i++) {
    if (!todo[i]) continue;
    element_set e = {{0, 0}};
    for (int a = 0; a < structures[i]->natoms; a++) {
      int z = structures[i]->numbers[a] & 127;
      e.bits[z >> 6] |= 1ULL << (z & 63);
    }
    int known = 0;
    for (int k = 0; k < nseen && !known; k++)
      known = seen[k].bits[0] == e.bits[0] && seen[k].bits[1] == e.bits[1];
    if (known) continue;
    element_set *grown = realloc(seen, sizeof *seen * (size_t)(nseen + 1));
    if (!grown) {
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
      break;
    }
    seen = grown;
    seen[nseen++] = e;
    char dir[1024], command[2048], id[40];
    snprintf(dir, sizeof dir, "%s/nacre-label-check-XXXXXX",
             opt->workdir && opt->workdir[0] ? opt->workdir : ".");
    if (!mkdtemp(dir)) {
      st = nacre_error_set(err, NACRE_ERR_IO, "cannot create %s: %s", dir,
                           strerror(errno));
      break;
    }
    nacre_error e2;
    nacre_error_clear(&e2);
    if (nacre_label_prepare(opt, structures[i], dir, command, sizeof command,
                            &e2)) {
      nacre_label_id(i, structures[i], id);
      st = nacre_error_set(err, e2.status,
                           "cannot write the %s inputs of structure %s: %s",
                           nacre_label_code_name(opt->code), id, e2.message);
    }
    remove_tree(dir);
  }
  free(seen);
  return st;
}

/* The .failed line "id<TAB>status<TAB>reason\n" (one line: tabs and
 * newlines of the reason become spaces) in line[600]; the reason alone in
 * msg[400]. Returns the line's length. */
static int failure_line(const char *id, nacre_status st, const char *reason,
                        char line[600], char msg[400]) {
  snprintf(msg, 400, "%.399s", reason);
  for (char *p = msg; *p; p++)
    if (*p == '\n' || *p == '\t') *p = ' ';
  int len = snprintf(line, 600, "%s\t%s\t%s\n", id, nacre_status_name(st), msg);
  if (len >= 600) {
    line[598] = '\n';
    len = 599;
  }
  return len;
}

nacre_status nacre_label_batch(const nacre_label_options *opt,
                               nacre_structure *const *structures,
                               const nacre_label_keys *keys, int n,
                               const char *output, const char *failed_log,
                               int jobs, int retry_failed,
                               nacre_label_summary *summary,
                               const nacre_ctx *ctx, nacre_error *err) {
  memset(summary, 0, sizeof *summary);
  summary->total = n;
  char **done = NULL, **failed = NULL;
  int ndone = 0, nfailed = 0;
  nacre_status st = nacre_label_scan_done(output, 1, &done, &ndone, err);
  if (st) return st;
  if (!retry_failed) st = scan_failed(failed_log, &failed, &nfailed, err);
  if (st) {
    nacre_label_free_ids(done, ndone);
    return st;
  }
  const char *code = nacre_label_code_name(opt->code);
  int fatal = NACRE_OK;
  nacre_error fatal_err;
  nacre_error_clear(&fatal_err);
  if (jobs < 1) jobs = 1;
  /* progress: structures still to label in this run, finished so far */
  int todo = 0, finished = 0;
  char *pending = calloc((size_t)n + 1, 1);
  if (!pending) {
    nacre_label_free_ids(done, ndone);
    nacre_label_free_ids(failed, nfailed);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  for (int i = 0; i < n; i++) {
    char id[40];
    nacre_label_id(i, structures[i], id);
    pending[i] = !has_id(done, ndone, id) && !has_id(failed, nfailed, id);
    todo += pending[i];
  }
  st = check_inputs(opt, structures, pending, n, err);
  free(pending);
  if (st) {
    nacre_label_free_ids(done, ndone);
    nacre_label_free_ids(failed, nfailed);
    return st;
  }
  int run_failures = 0; /* failed runs in a row */
  double t0 = nacre_now_s();
  nacre_log(ctx, NACRE_LOG_INFO,
            "label: %d structures, %d already done or failed, %d to label "
            "with %d job%s",
            n, n - todo, todo, jobs, jobs == 1 ? "" : "s");

#pragma omp parallel for schedule(dynamic, 1) num_threads(jobs)
  for (int i = 0; i < n; i++) {
    int stop;
#pragma omp atomic read
    stop = fatal;
    if (stop || nacre_ctx_interrupted(ctx)) continue;
    char id[40];
    nacre_label_id(i, structures[i], id);
    if (has_id(done, ndone, id) || has_id(failed, nfailed, id)) {
#pragma omp atomic
      summary->skipped++;
      continue;
    }
    nacre_label_result r;
    nacre_label_result_init(&r);
    nacre_error e;
    nacre_error_clear(&e);
    nacre_status rs = nacre_label_run(opt, structures[i], &r, ctx, &e);
    if (rs == NACRE_OK) {
      char *text = NULL;
      size_t len = 0;
      int k = 0;
      nacre_status ws =
          nacre_label_frame_text(structures[i], keys ? &keys[i] : NULL, &r,
                                 code, id, &text, &len, &e);
#pragma omp critical(nacre_label_output)
      {
        if (!ws) ws = nacre_label_append(output, text, len, &e);
        if (ws) {
          fatal = ws;
          fatal_err = e;
        } else {
          run_failures = 0;
          summary->done++;
          summary->wall_s += r.wall_s;
          summary->atoms += structures[i]->natoms;
          k = ++finished;
        }
      }
      free(text);
      if (k) {
        double el = nacre_now_s() - t0, rate = 3600.0 * k / el;
        double eta_h = (todo - k) / rate;
        nacre_log(ctx, NACRE_LOG_INFO,
                  "label %d/%d %s: %d atoms, %.1f s, %d SCF steps; "
                  "%.1f labels/h, %.1f h to go",
                  k, todo, id, structures[i]->natoms, r.wall_s, r.scf_steps,
                  rate, eta_h);
      }
    } else if (rs == NACRE_ERR_INTERRUPTED || r.setup_error) {
#pragma omp critical(nacre_label_output)
      {
        fatal = rs;
        fatal_err = e;
      }
    } else {
      char line[600], msg[400];
      int len = failure_line(id, rs, r.message[0] ? r.message : e.message,
                             line, msg);
#pragma omp critical(nacre_label_output)
      {
        finished++;
        summary->failed++;
        if (rs == NACRE_ERR_NOT_CONVERGED) summary->not_converged++;
        else if (rs == NACRE_ERR_PARSE) summary->parse_failed++;
        else summary->run_failed++;
        run_failures = rs == NACRE_ERR_NOT_CONVERGED ? 0 : run_failures + 1;
        if (failed_log) {
          nacre_error fe;
          if (nacre_label_append(failed_log, line, (size_t)len, &fe)) {
            fatal = fe.status;
            fatal_err = fe;
          }
        }
        if (!fatal && run_failures >= NACRE_LABEL_MAX_RUN_FAILURES) {
          fatal = rs;
          nacre_error_set(&fatal_err, rs,
                          "%d runs in a row failed, the last with: %s; "
                          "stopped (fix the cause, then label the failed "
                          "structures again: nacre label --retry-failed)",
                          run_failures, msg);
        }
      }
      nacre_log(ctx, NACRE_LOG_WARN, "label %s failed: %s", id, msg);
    }
    nacre_label_result_clear(&r);
  }
  nacre_label_free_ids(done, ndone);
  nacre_label_free_ids(failed, nfailed);
  if (fatal) {
    if (err) *err = fatal_err;
    return (nacre_status)fatal;
  }
  if (nacre_ctx_interrupted(ctx))
    return nacre_error_set(err, NACRE_ERR_INTERRUPTED, "labelling interrupted");
  return NACRE_OK;
}

/* Ids already labelled (output) or failed (failed_log), for skipping. */
static nacre_status known_ids(const char *output, const char *failed_log,
                              char ***done, int *ndone, char ***failed,
                              int *nfailed, nacre_error *err) {
  *done = *failed = NULL;
  *ndone = *nfailed = 0;
  nacre_status st =
      output ? nacre_label_scan_done(output, 1, done, ndone, err) : NACRE_OK;
  if (!st) st = scan_failed(failed_log, failed, nfailed, err);
  if (st) nacre_label_free_ids(*done, *ndone), *done = NULL, *ndone = 0;
  return st;
}

nacre_status nacre_label_prepare_batch(const nacre_label_options *opt,
                                       nacre_structure *const *structures,
                                       int n, const char *dir,
                                       const char *output,
                                       const char *failed_log,
                                       int *prepared, int *skipped,
                                       nacre_error *err) {
  *prepared = *skipped = 0;
  char **done, **failed;
  int ndone, nfailed;
  nacre_status st = known_ids(output, failed_log, &done, &ndone, &failed,
                              &nfailed, err);
  if (st) return st;
  if (mkdir(dir, 0755) != 0 && errno != EEXIST)
    st = nacre_error_set(err, NACRE_ERR_IO, "cannot create %s: %s", dir,
                         strerror(errno));
  char list_path[1200];
  snprintf(list_path, sizeof list_path, "%s/jobs.txt", dir);
  FILE *list = st ? NULL : fopen(list_path, "w");
  if (!st && !list)
    st = nacre_error_set(err, NACRE_ERR_IO, "cannot write %s: %s", list_path,
                         strerror(errno));
  for (int i = 0; i < n && !st; i++) {
    char id[40], sub[1200], command[2048], path[1300];
    nacre_label_id(i, structures[i], id);
    if (has_id(done, ndone, id) || has_id(failed, nfailed, id)) {
      (*skipped)++;
      continue;
    }
    snprintf(sub, sizeof sub, "%s/%s", dir, id);
    if (mkdir(sub, 0755) != 0 && errno != EEXIST) {
      st = nacre_error_set(err, NACRE_ERR_IO, "cannot create %s: %s", sub,
                           strerror(errno));
      break;
    }
    st = nacre_label_prepare(opt, structures[i], sub, command, sizeof command,
                             err);
    if (st) {
      nacre_error_prefix(err, "structure %d: ", i);
      break;
    }
    /* run.sh runs the label from anywhere (an array job, xargs -P), with
     * one OpenMP/BLAS thread per process unless the job sets them (as
     * nacre label does: a threaded BLAS only spins) */
    snprintf(path, sizeof path, "%s/run.sh", sub);
    char script[2600];
    snprintf(script, sizeof script,
             "#!/bin/sh\n# nacre label: structure %s\ncd \"$(dirname \"$0\")\" "
             "|| exit 1\n"
             ": \"${OMP_NUM_THREADS:=1}\" \"${OPENBLAS_NUM_THREADS:=1}\"\n"
             "export OMP_NUM_THREADS OPENBLAS_NUM_THREADS\n"
             "%s >> label.out 2>&1\n",
             id, command);
    st = label_write_file(path, script, err);
    if (!st && chmod(path, 0755) != 0)
      st = nacre_error_set(err, NACRE_ERR_IO, "chmod %s: %s", path,
                           strerror(errno));
    if (!st) {
      fprintf(list, "%s\n", id);
      (*prepared)++;
    }
  }
  if (list && fclose(list) != 0 && !st)
    st = nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", list_path);
  nacre_label_free_ids(done, ndone);
  nacre_label_free_ids(failed, nfailed);
  return st;
}

nacre_status nacre_label_collect_batch(const nacre_label_options *opt,
                                       nacre_structure *const *structures,
                                       const nacre_label_keys *keys, int n,
                                       const char *dir, const char *output,
                                       const char *failed_log,
                                       nacre_label_summary *summary,
                                       const nacre_ctx *ctx,
                                       nacre_error *err) {
  memset(summary, 0, sizeof *summary);
  summary->total = n;
  char **done, **failed;
  int ndone, nfailed;
  nacre_status st = known_ids(output, failed_log, &done, &ndone, &failed,
                              &nfailed, err);
  if (st) return st;
  const char *code = nacre_label_code_name(opt->code);
  for (int i = 0; i < n && !st; i++) {
    char id[40], sub[1200];
    nacre_label_id(i, structures[i], id);
    if (has_id(done, ndone, id) || has_id(failed, nfailed, id)) {
      summary->skipped++;
      continue;
    }
    snprintf(sub, sizeof sub, "%s/%s", dir, id);
    nacre_label_result r;
    nacre_label_result_init(&r);
    nacre_error e;
    nacre_error_clear(&e);
    nacre_status rs = nacre_label_collect(opt, structures[i], sub, &r, &e);
    if (rs == NACRE_OK) {
      char *text = NULL;
      size_t len = 0;
      st = nacre_label_frame_text(structures[i], keys ? &keys[i] : NULL, &r,
                                  code, id, &text, &len, err);
      if (!st) st = nacre_label_append(output, text, len, err);
      free(text);
      if (!st) {
        summary->done++;
        summary->wall_s += r.wall_s;
        summary->atoms += structures[i]->natoms;
      }
    } else if (rs == NACRE_ERR_IO || rs == NACRE_ERR_PARSE) {
      /* no output yet, or one still being written (or cut by a crash):
       * left for a later collect */
      summary->pending++;
      nacre_log(ctx, NACRE_LOG_INFO, "label %s: pending (%s)", id, e.message);
    } else {
      char line[600], msg[400];
      int len = failure_line(id, rs, r.message[0] ? r.message : e.message,
                             line, msg);
      summary->failed++;
      if (rs == NACRE_ERR_NOT_CONVERGED) summary->not_converged++;
      else summary->run_failed++;
      if (failed_log) st = nacre_label_append(failed_log, line, (size_t)len, err);
      nacre_log(ctx, NACRE_LOG_WARN, "label %s failed: %s", id, msg);
    }
    nacre_label_result_clear(&r);
  }
  nacre_label_free_ids(done, ndone);
  nacre_label_free_ids(failed, nfailed);
  return st;
}
