/* maise_data.c — MAISE data folders (see nacre_maise_data_read in io.h):
 * every directory below the root that holds POSCAR.0 + dat.dat is one
 * labelled structure.
 *
 * dat.dat (MAISE's DATA layout, see ../shared/data/README.md): line 1 the
 * total energy (eV); line 2 "in kB" and six stress values in VASP's order
 * xx yy zz xy yz zx with VASP's sign (positive = compressive); then the
 * OUTCAR block "POSITION ... TOTAL-FORCE (eV/Angst)", a dashed line, one
 * line "x y z fx fy fz" per atom and a closing dashed line. Some sets carry
 * that block in frc.dat instead; otherwise frc.dat holds "MARK n" and per
 * atom 0/1 flags saying which atoms MAISE uses for force training (ignored
 * here: nacre trains on all forces). POSCAR.0 is a VASP 5 POSCAR. */
#include "ioutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Reads the OUTCAR POSITION/TOTAL-FORCE block after its header line:
 * natoms lines of "x y z fx fy fz" between dashed lines. */
static nacre_status read_force_block(nacre_io_lines *in, int natoms,
                                     double *forces, nacre_error *err) {
  int got = nacre_io_lines_next(in, err);
  if (got < 0) return err ? err->status : NACRE_ERR_IO;
  if (!got || !strstr(in->buf, "---"))
    return nacre_io_fail_at(err, in, "expected a dashed line after POSITION");
  for (int a = 0; a < natoms; a++) {
    double v[6];
    const char *rest;
    if ((got = nacre_io_lines_next(in, err)) < 0)
      return err ? err->status : NACRE_ERR_IO;
    if (!got)
      return nacre_io_fail(err, in->name, in->lineno + 1,
                           "the force block ends after %d of %d atoms", a,
                           natoms);
    if (strstr(in->buf, "---"))
      return nacre_io_fail_at(err, in,
                              "the force block has %d atom%s, POSCAR.0 %d", a,
                              a == 1 ? "" : "s", natoms);
    if (nacre_io_scan_doubles(in->buf, v, 6, &rest) != 6 ||
        !nacre_io_blank(rest))
      return nacre_io_fail_at(err, in, "expected 'x y z fx fy fz' for atom %d",
                              a + 1);
    for (int k = 0; k < 3; k++) forces[3 * a + k] = v[3 + k];
  }
  got = nacre_io_lines_next(in, err);
  if (got < 0) return err ? err->status : NACRE_ERR_IO;
  if (!got || !strstr(in->buf, "---"))
    return nacre_io_fail_at(err, in,
                            "the force block has more atoms than POSCAR.0 (%d)",
                            natoms);
  return NACRE_OK;
}

/* Scans for a POSITION header and reads the block after it; sets *found. */
static nacre_status scan_forces(nacre_io_lines *in, int natoms, double *forces,
                                int *found, nacre_error *err) {
  int got;
  *found = 0;
  while ((got = nacre_io_lines_next(in, err)) > 0)
    if (strstr(in->buf, "POSITION") && strstr(in->buf, "TOTAL-FORCE")) {
      *found = 1;
      return read_force_block(in, natoms, forces, err);
    }
  return got < 0 ? (err ? err->status : NACRE_ERR_IO) : NACRE_OK;
}

/* Line 1: the energy; line 2: "in kB" and six numbers (optional). */
static nacre_status read_energy_stress(nacre_io_lines *in, nacre_frame *f,
                                       nacre_error *err) {
  double v[6];
  const char *rest;
  int got = nacre_io_lines_next(in, err);
  if (got < 0) return err ? err->status : NACRE_ERR_IO;
  if (!got || nacre_io_scan_doubles(in->buf, v, 1, &rest) != 1 ||
      !nacre_io_blank(rest))
    return nacre_io_fail(err, in->name, 1, "expected the total energy (eV)");
  f->energy = v[0];
  f->has |= NACRE_FRAME_ENERGY;
  if ((got = nacre_io_lines_next(in, err)) <= 0)
    return got < 0 ? (err ? err->status : NACRE_ERR_IO) : NACRE_OK;
  const char *p = strstr(in->buf, "in kB");
  if (!p) return nacre_io_fail_at(err, in, "expected 'in kB' and six stress values");
  if (nacre_io_scan_doubles(p + 5, v, 6, &rest) != 6 || !nacre_io_blank(rest))
    return nacre_io_fail_at(err, in, "expected six stress values after 'in kB'");
  nacre_stress_from_vasp_kbar(v, f->stress);
  f->has |= NACRE_FRAME_STRESS;
  return NACRE_OK;
}

static nacre_status read_poscar0(const char *path, nacre_structure **s,
                                 nacre_error *err) {
  FILE *fp = fopen(path, "r");
  if (!fp)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  nacre_status st = nacre_poscar_read(fp, path, s, err);
  fclose(fp);
  return st;
}

static nacre_status read_sample(const char *dir, nacre_frame *f,
                                nacre_error *err) {
  char path[4200];
  if (nacre_io_path(path, sizeof path, err, "%s/POSCAR.0", dir))
    return NACRE_ERR_INVALID;
  nacre_status st = read_poscar0(path, &f->s, err);
  if (st) return st;
  int n = f->s->natoms;
  if (!(f->forces = calloc(3 * (size_t)(n > 0 ? n : 1), sizeof(double))))
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  nacre_io_lines in;
  if (nacre_io_path(path, sizeof path, err, "%s/dat.dat", dir))
    return NACRE_ERR_INVALID;
  if ((st = nacre_io_lines_open_gz(&in, path, err))) return st;
  int found = 0;
  st = read_energy_stress(&in, f, err);
  if (!st) st = scan_forces(&in, n, f->forces, &found, err);
  nacre_io_lines_close(&in);
  if (!st && !found &&
      !nacre_io_path(path, sizeof path, err, "%s/frc.dat", dir) &&
      nacre_file_exists(path) && !nacre_io_lines_open_gz(&in, path, err)) {
    st = scan_forces(&in, n, f->forces, &found, err);
    nacre_io_lines_close(&in);
  }
  if (!st && found) f->has |= NACRE_FRAME_FORCES;
  if (!st) st = nacre_frame_check(f, dir, 0, err);
  return st;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The subdirectories of path, sorted; *n = -1 without memory. */
static char **subdirs(const char *path, size_t *n, nacre_error *err) {
  DIR *dir = opendir(path);
  *n = 0;
  if (!dir) {
    nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open directory: %s", path,
                    strerror(errno));
    return NULL;
  }
  char **names = NULL;
  size_t cap = 0;
  int bad = 0;
  struct dirent *e;
  while (!bad && (e = readdir(dir))) {
    if (e->d_name[0] == '.') continue;
    char sub[4200];
    struct stat stt;
    if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub ||
        stat(sub, &stt) || !S_ISDIR(stt.st_mode))
      continue;
    if (*n == cap) {
      cap = cap ? 2 * cap : 32;
      char **p = realloc(names, cap * sizeof *p);
      if (!p) bad = 1;
      else names = p;
    }
    if (!bad && !(names[*n] = strdup(e->d_name))) bad = 1;
    if (!bad) (*n)++;
  }
  closedir(dir);
  if (bad) {
    for (size_t k = 0; k < *n; k++) free(names[k]);
    free(names);
    *n = 0;
    nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory listing %s", path);
    return NULL;
  }
  if (*n) qsort(names, *n, sizeof *names, cmp_str);
  return names ? names : calloc(1, sizeof *names);
}

static nacre_status walk(const char *root, const char *rel, int depth,
                         nacre_frame_sink sink, void *user, long *count,
                         nacre_error *err) {
  char path[4096], probe[4200];
  if (depth > 32)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s/%s: directories nested too deeply", root, rel);
  if (nacre_io_path(path, sizeof path, err, "%s%s%s", root, *rel ? "/" : "",
                    rel) ||
      nacre_io_path(probe, sizeof probe, err, "%s/POSCAR.0", path))
    return NACRE_ERR_INVALID;
  if (nacre_file_exists(probe)) {
    nacre_frame f;
    nacre_frame_init(&f);
    nacre_status st = read_sample(path, &f, err);
    if (!st) st = sink(user, &f, *rel ? rel : ".", err);
    nacre_frame_clear(&f);
    if (!st) (*count)++;
    return st;
  }
  size_t n;
  char **names = subdirs(path, &n, err);
  if (!names) return err ? err->status : NACRE_ERR_IO;
  nacre_status st = NACRE_OK;
  for (size_t k = 0; k < n && !st; k++) {
    char sub[4096];
    if (nacre_io_path(sub, sizeof sub, err, "%s%s%s", rel, *rel ? "/" : "",
                      names[k]))
      st = NACRE_ERR_INVALID;
    else
      st = walk(root, sub, depth + 1, sink, user, count, err);
  }
  for (size_t k = 0; k < n; k++) free(names[k]);
  free(names);
  return st;
}

nacre_status nacre_maise_data_read(const char *dir, nacre_frame_sink sink,
                                   void *user, nacre_error *err) {
  long count = 0;
  nacre_status st = walk(dir, "", 0, sink, user, &count, err);
  if (st) return st;
  if (count == 0)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s: no POSCAR.0 found in any directory below", dir);
  return NACRE_OK;
}
