/* journal.c — the files a batch keeps: the labelled output (one complete
 * extended-XYZ frame per write(), so that a resumed run finds every label
 * it has and nothing half-written) and the failure log, with the sets of
 * ids already labelled or failed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "label_internal.h"
#include "nacre/io.h"

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
  struct stat sb;
  off_t before = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? sb.st_size : -1;
  /* one write() per frame; a short write (a full disk, a size limit) is
   * continued, and a failure is named by the errno of the call that
   * failed */
  size_t done = 0;
  int e = 0;
  while (done < len) {
    ssize_t w = write(fd, text + done, len - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      e = w < 0 ? errno : ENOSPC;
      break;
    }
    done += (size_t)w;
  }
  if (!e && fsync(fd) != 0 && errno != EINVAL) e = errno;
  if (e && before >= 0 && ftruncate(fd, before) != 0)
    nacre_error_set(err, NACRE_ERR_IO,
                    "%s: cannot append (%s), nor cut the part written back "
                    "(%s): the last frame is incomplete",
                    path, strerror(e), strerror(errno));
  else if (e)
    nacre_error_set(err, NACRE_ERR_IO,
                    "%s: cannot append: %s (the file keeps its complete "
                    "frames)",
                    path, strerror(e));
  if (close(fd) != 0 && !e) {
    e = errno;
    nacre_error_set(err, NACRE_ERR_IO, "%s: cannot append: %s", path,
                    strerror(e));
  }
  return e ? NACRE_ERR_IO : NACRE_OK;
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

/* ---- sets of ids ---- */

static int cmp_id(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Takes the ids array (sorted here). */
static void ids_take(label_ids *s, char **ids, int n) {
  if (n > 1) qsort(ids, (size_t)n, sizeof *ids, cmp_id);
  s->id = ids;
  s->n = n;
}

int label_ids_has(const label_ids *s, const char *id) {
  return s->n && bsearch(&id, s->id, (size_t)s->n, sizeof *s->id, cmp_id);
}

void label_ids_free(label_ids *s) {
  nacre_label_free_ids(s->id, s->n);
  s->id = NULL;
  s->n = 0;
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
      nacre_label_free_ids(*ids, *n);
      *ids = NULL, *n = 0;
      return nacre_error_set(err, NACRE_ERR_NOMEM, "failed ids");
    }
    p = eol + 1;
  }
  free(text);
  return NACRE_OK;
}

nacre_status label_known_ids(const char *output, const char *failed_log,
                             label_ids *done, label_ids *failed,
                             nacre_error *err) {
  memset(done, 0, sizeof *done);
  memset(failed, 0, sizeof *failed);
  char **d = NULL, **f = NULL;
  int nd = 0, nf = 0;
  nacre_status st =
      output ? nacre_label_scan_done(output, 1, &d, &nd, err) : NACRE_OK;
  if (!st) st = scan_failed(failed_log, &f, &nf, err);
  if (st) {
    nacre_label_free_ids(d, nd);
    return st;
  }
  ids_take(done, d, nd);
  ids_take(failed, f, nf);
  return NACRE_OK;
}

int label_failure_line(const char *id, nacre_status st, const char *reason,
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
