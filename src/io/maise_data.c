/* read_maise.c — MAISE data folders: every directory below the root that
 * holds POSCAR.0 + dat.dat is one labelled structure.
 *
 * dat.dat (MAISE's DATA layout, see ../shared/data/README.md): line 1 the
 * total energy (eV); line 2 "in kB" and six stress values in VASP's order
 * xx yy zz xy yz zx with VASP's sign (positive = compressive); then the
 * OUTCAR block "POSITION ... TOTAL-FORCE (eV/Angst)", a dashed line, one
 * line "x y z fx fy fz" per atom and a closing dashed line. Some sets carry
 * that block in frc.dat instead; otherwise frc.dat holds "MARK n" and per
 * atom 0/1 flags saying which atoms MAISE uses for force training (ignored
 * here: nacre trains on all forces). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nacre/train.h"
#include "train_internal.h"

int train_path(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(buf, n, fmt, ap);
  va_end(ap);
  return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* ---- line reader with line numbers ---- */

int train_lines_open(train_lines *L, const char *path) {
  memset(L, 0, sizeof *L);
  L->path = path;
  L->fp = fopen(path, "r");
  return L->fp != NULL;
}

void train_lines_close(train_lines *L) {
  if (L->fp) fclose(L->fp);
  free(L->buf);
  L->fp = NULL;
  L->buf = NULL;
}

const char *train_lines_next(train_lines *L) {
  if (!L->fp) return NULL;
  ssize_t n = getline(&L->buf, &L->cap, L->fp);
  if (n < 0) return NULL;
  L->line++;
  while (n > 0 && (L->buf[n - 1] == '\n' || L->buf[n - 1] == '\r'))
    L->buf[--n] = 0;
  return L->buf;
}

/* Parses up to `max` doubles from text; returns how many were read and sets
 * *rest to what follows them. */
int train_parse_doubles(const char *text, double *out, int max,
                        const char **rest) {
  int k = 0;
  const char *p = text;
  while (k < max) {
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno == ERANGE || !isfinite(v)) break;
    out[k++] = v;
    p = end;
  }
  if (rest) *rest = p;
  return k;
}

static int blank_rest(const char *p) {
  while (*p && isspace((unsigned char)*p)) p++;
  return *p == 0;
}

/* ---- POSCAR (VASP 5 layout, as MAISE writes POSCAR.0) ---- */

nacre_status train_read_poscar(const char *path, nacre_structure **out,
                               nacre_error *err) {
  train_lines L;
  nacre_structure *s = NULL;
  const char *ln;
  double v[8];
  int counts[64], z[64], ntypes = 0, natoms = 0;
  if (!train_lines_open(&L, path))
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
#define FAIL(...)                                                              \
  do {                                                                         \
    nacre_error_set(err, NACRE_ERR_PARSE, __VA_ARGS__);                        \
    goto fail;                                                                 \
  } while (0)
  if (!train_lines_next(&L)) FAIL("%s:1: empty file", path);
  if (!(ln = train_lines_next(&L)) || train_parse_doubles(ln, v, 1, NULL) != 1)
    FAIL("%s:%d: expected the scale factor", path, L.line);
  double scale = v[0];
  double cell[3][3];
  for (int a = 0; a < 3; a++) {
    if (!(ln = train_lines_next(&L)) || train_parse_doubles(ln, v, 3, NULL) != 3)
      FAIL("%s:%d: expected three lattice-vector components", path, L.line);
    for (int b = 0; b < 3; b++) cell[a][b] = v[b];
  }
  if (!(ln = train_lines_next(&L)))
    FAIL("%s:%d: expected the element symbols", path, L.line + 1);
  {
    const char *p = ln;
    while (*p && isspace((unsigned char)*p)) p++;
    if (isdigit((unsigned char)*p))
      FAIL("%s:%d: VASP 4 POSCAR without element symbols is not supported",
           path, L.line);
    while (*p) {
      while (*p && isspace((unsigned char)*p)) p++;
      if (!*p) break;
      size_t len = 0;
      int zz = nacre_element_z_prefix(p, &len);
      if (!zz) FAIL("%s:%d: unknown element symbol '%.8s'", path, L.line, p);
      if (ntypes == 64) FAIL("%s:%d: too many element symbols", path, L.line);
      z[ntypes++] = zz;
      while (*p && !isspace((unsigned char)*p)) p++;
    }
  }
  if (!(ln = train_lines_next(&L)))
    FAIL("%s:%d: expected the atom counts", path, L.line + 1);
  {
    const char *p = ln;
    for (int k = 0; k < ntypes; k++) {
      char *end;
      long c = strtol(p, &end, 10);
      if (end == p || c < 0 || c > 10000000)
        FAIL("%s:%d: expected %d atom counts", path, L.line, ntypes);
      counts[k] = (int)c;
      natoms += (int)c;
      p = end;
    }
    if (!blank_rest(p))
      FAIL("%s:%d: more atom counts than element symbols", path, L.line);
  }
  if (!(ln = train_lines_next(&L)))
    FAIL("%s:%d: expected Direct or Cartesian", path, L.line + 1);
  while (isspace((unsigned char)*ln)) ln++;
  if (*ln == 'S' || *ln == 's') {
    if (!(ln = train_lines_next(&L)))
      FAIL("%s:%d: expected Direct or Cartesian", path, L.line + 1);
    while (isspace((unsigned char)*ln)) ln++;
  }
  int cart = (*ln == 'C' || *ln == 'c' || *ln == 'K' || *ln == 'k');
  if (!cart && *ln != 'D' && *ln != 'd')
    FAIL("%s:%d: expected Direct or Cartesian, got '%.20s'", path, L.line, ln);
  double vol = nacre_cell_volume(cell);
  if (scale < 0) {
    if (fabs(vol) < 1e-12) FAIL("%s: degenerate cell", path);
    scale = cbrt(-scale / fabs(vol));
  }
  s = nacre_structure_new(natoms, err);
  if (!s) goto fail;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++) s->cell[a][b] = scale * cell[a][b];
  if (fabs(nacre_cell_volume(s->cell)) < 1e-9)
    FAIL("%s:3: degenerate lattice (volume %.3g Å^3)", path,
         nacre_cell_volume(s->cell));
  for (int k = 0, a = 0; k < ntypes; k++)
    for (int c = 0; c < counts[k]; c++) s->numbers[a++] = z[k];
  for (int a = 0; a < natoms; a++) {
    if (!(ln = train_lines_next(&L)) || train_parse_doubles(ln, v, 3, NULL) != 3)
      FAIL("%s:%d: expected coordinates of atom %d of %d", path,
           L.line + (ln ? 0 : 1), a + 1, natoms);
    if (cart)
      for (int b = 0; b < 3; b++) s->positions[3 * a + b] = scale * v[b];
    else
      nacre_cell_frac_to_cart(s->cell, v, &s->positions[3 * a]);
  }
#undef FAIL
  train_lines_close(&L);
  *out = s;
  return NACRE_OK;
fail:
  train_lines_close(&L);
  nacre_structure_free(s);
  return err ? err->status : NACRE_ERR_PARSE;
}

/* ---- dat.dat / frc.dat ---- */

/* Reads the OUTCAR POSITION/TOTAL-FORCE block starting after the header
 * line; natoms lines of "x y z fx fy fz". */
static nacre_status read_force_block(train_lines *L, int natoms, double *forces,
                                     nacre_error *err) {
  const char *ln = train_lines_next(L);
  if (!ln || !strstr(ln, "---"))
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: expected a dashed line after POSITION",
                           L->path, L->line);
  for (int a = 0; a < natoms; a++) {
    double v[6];
    const char *rest;
    if (!(ln = train_lines_next(L)))
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: the force block ends after %d of %d atoms",
                             L->path, L->line + 1, a, natoms);
    if (strstr(ln, "---"))
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: the force block has %d atoms, POSCAR.0 %d",
                             L->path, L->line, a, natoms);
    if (train_parse_doubles(ln, v, 6, &rest) != 6 || !blank_rest(rest))
      return nacre_error_set(err, NACRE_ERR_PARSE,
                             "%s:%d: expected 'x y z fx fy fz' for atom %d",
                             L->path, L->line, a + 1);
    for (int k = 0; k < 3; k++) forces[3 * a + k] = v[3 + k];
  }
  ln = train_lines_next(L);
  if (!ln || !strstr(ln, "---"))
    return nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:%d: the force block has more atoms than "
                           "POSCAR.0 (%d)",
                           L->path, L->line, natoms);
  return NACRE_OK;
}

/* Scans a file for a POSITION header and reads the block after it; sets
 * *found. */
static nacre_status scan_forces(train_lines *L, int natoms, double *forces,
                                int *found, nacre_error *err) {
  const char *ln;
  *found = 0;
  while ((ln = train_lines_next(L)))
    if (strstr(ln, "POSITION") && strstr(ln, "TOTAL-FORCE")) {
      *found = 1;
      return read_force_block(L, natoms, forces, err);
    }
  return NACRE_OK;
}

/* VASP "in kB" (xx yy zz xy yz zx, positive = compressive) → eV/Å^3,
 * Voigt xx yy zz yz xz xy, ASE sign. */
void train_stress_from_vasp_kb(const double kb[6], double stress[6]) {
  static const int from[6] = {0, 1, 2, 4, 5, 3};
  for (int k = 0; k < 6; k++)
    stress[k] = -kb[from[k]] * NACRE_KBAR_TO_GPA * NACRE_GPA_TO_EV_A3;
}

static nacre_status read_maise_sample(const char *dir, const char *rel,
                                      nacre_sample *sm, nacre_error *err) {
  char path[4096];
  nacre_status st;
  memset(sm, 0, sizeof *sm);
  train_path(path, sizeof path, "%s/POSCAR.0", dir);
  if ((st = train_read_poscar(path, &sm->s, err))) return st;
  int n = sm->s->natoms;
  sm->forces = calloc(3 * (size_t)(n > 0 ? n : 1), sizeof(double));
  sm->source = strdup(rel);
  if (!sm->forces || !sm->source) {
    nacre_sample_clear(sm);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  train_lines L;
  train_path(path, sizeof path, "%s/dat.dat", dir);
  if (!train_lines_open(&L, path)) {
    nacre_sample_clear(sm);
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  }
  const char *ln = train_lines_next(&L);
  double v[6];
  const char *rest;
  if (!ln || train_parse_doubles(ln, v, 1, &rest) != 1 || !blank_rest(rest)) {
    st = nacre_error_set(err, NACRE_ERR_PARSE,
                         "%s:1: expected the total energy (eV)", path);
    goto done;
  }
  sm->energy = v[0];
  sm->has |= NACRE_LABEL_ENERGY;
  ln = train_lines_next(&L);
  if (ln) {
    const char *p = strstr(ln, "in kB");
    if (!p) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:2: expected 'in kB' and six stress values", path);
      goto done;
    }
    if (train_parse_doubles(p + 5, v, 6, &rest) != 6 || !blank_rest(rest)) {
      st = nacre_error_set(err, NACRE_ERR_PARSE,
                           "%s:2: expected six stress values after 'in kB'",
                           path);
      goto done;
    }
    train_stress_from_vasp_kb(v, sm->stress);
    sm->has |= NACRE_LABEL_STRESS;
  }
  int found = 0;
  if ((st = scan_forces(&L, n, sm->forces, &found, err))) goto done;
  if (!found) {
    train_lines_close(&L);
    train_path(path, sizeof path, "%s/frc.dat", dir);
    if (train_lines_open(&L, path) &&
        (st = scan_forces(&L, n, sm->forces, &found, err)))
      goto done;
  }
  if (found) sm->has |= NACRE_LABEL_FORCES;
  st = NACRE_OK;
done:
  train_lines_close(&L);
  if (st) nacre_sample_clear(sm);
  return st;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static nacre_status walk(nacre_dataset *d, const char *root, const char *rel,
                         int depth, nacre_error *err) {
  char path[4096];
  struct stat stt;
  nacre_status st = NACRE_OK;
  if (depth > 32)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s/%s: directories nested too deeply", root, rel);
  train_path(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
  char probe[4200];
  train_path(probe, sizeof probe, "%s/POSCAR.0", path);
  if (stat(probe, &stt) == 0 && S_ISREG(stt.st_mode)) {
    nacre_sample sm;
    if ((st = read_maise_sample(path, *rel ? rel : ".", &sm, err))) return st;
    return nacre_dataset_take(d, &sm, err);
  }
  DIR *dir = opendir(path);
  if (!dir)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open directory: %s",
                           path, strerror(errno));
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(dir))) {
    if (e->d_name[0] == '.') continue;
    char sub[4200];
    train_path(sub, sizeof sub, "%s/%s", path, e->d_name);
    if (stat(sub, &stt) || !S_ISDIR(stt.st_mode)) continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 32;
      char **p = realloc(names, cap * sizeof *p);
      if (!p) { st = NACRE_ERR_NOMEM; break; }
      names = p;
    }
    if (!(names[n] = strdup(e->d_name))) { st = NACRE_ERR_NOMEM; break; }
    n++;
  }
  closedir(dir);
  if (st) nacre_error_set(err, st, "out of memory listing %s", path);
  if (!st) qsort(names, n, sizeof *names, cmp_str);
  for (size_t k = 0; k < n && !st; k++) {
    char sub[4096];
    train_path(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", names[k]);
    st = walk(d, root, sub, depth + 1, err);
  }
  for (size_t k = 0; k < n; k++) free(names[k]);
  free(names);
  return st;
}

nacre_status nacre_dataset_read_maise(nacre_dataset *d, const char *dir,
                                      nacre_error *err) {
  int before = d->n;
  nacre_status st = walk(d, dir, "", 0, err);
  if (st) return st;
  if (d->n == before)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s: no POSCAR.0 found in any directory below", dir);
  return NACRE_OK;
}
