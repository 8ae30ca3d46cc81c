/* format.c — format detection, "path@N" frame selection, atomic writes and
 * the format-independent entry points nacre_read_structure / _frame and
 * nacre_write_structure / _frame. */
#include "ioutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const char *nacre_format_name(nacre_format fmt) {
  switch (fmt) {
  case NACRE_FORMAT_AUTO: return "auto";
  case NACRE_FORMAT_POSCAR: return "poscar";
  case NACRE_FORMAT_EXTXYZ: return "extxyz";
  case NACRE_FORMAT_CIF: return "cif";
  case NACRE_FORMAT_OUTCAR: return "outcar";
  case NACRE_FORMAT_LAMMPS_DATA: return "lammps-data";
  }
  return "unknown";
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcasecmp(s + n - m, suffix);
}

static nacre_format format_from_name(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (ends_with(base, ".xyz") || ends_with(base, ".extxyz") ||
      ends_with(base, ".xyz.gz") || ends_with(base, ".extxyz.gz"))
    return NACRE_FORMAT_EXTXYZ;
  if (ends_with(base, ".cif")) return NACRE_FORMAT_CIF;
  if (ends_with(base, ".vasp") || ends_with(base, ".poscar") ||
      !strncmp(base, "POSCAR", 6) || !strncmp(base, "CONTCAR", 7))
    return NACRE_FORMAT_POSCAR;
  if (!strncmp(base, "OUTCAR", 6) || ends_with(base, ".outcar"))
    return NACRE_FORMAT_OUTCAR;
  if (ends_with(base, ".lmp") || ends_with(base, ".lammps") ||
      ends_with(base, ".data") || !strncmp(base, "data.", 5))
    return NACRE_FORMAT_LAMMPS_DATA;
  return NACRE_FORMAT_AUTO;
}

static int count_numbers(char *line) {
  char *tok[8];
  int n = nacre_io_split(line, tok, 8);
  double v;
  for (int k = 0; k < n && k < 8; k++)
    if (nacre_io_double(tok[k], &v)) return k;
  return n;
}

/* Looks at the first lines for each format's signature. */
static nacre_format sniff_lines(char lines[8][256], int n) {
  for (int k = 0; k < n; k++) {
    if (!strncmp(lines[k], "data_", 5) || strstr(lines[k], "_cell_length_a"))
      return NACRE_FORMAT_CIF;
    if (nacre_io_starts(lines[k], "vasp.") || strstr(lines[k], "POTCAR:"))
      return NACRE_FORMAT_OUTCAR;
    if (strstr(lines[k], "xlo xhi")) return NACRE_FORMAT_LAMMPS_DATA;
  }
  if (n >= 2 && (strstr(lines[1], "Lattice=") || strstr(lines[1], "Properties=")))
    return NACRE_FORMAT_EXTXYZ;
  char tmp[256];
  int numeric[8];
  for (int k = 0; k < n; k++) {
    memcpy(tmp, lines[k], sizeof tmp);
    numeric[k] = count_numbers(tmp);
  }
  if (n >= 6 && (numeric[1] == 1 || numeric[1] == 3) && numeric[2] >= 3 &&
      numeric[3] >= 3 && numeric[4] >= 3)
    return NACRE_FORMAT_POSCAR;
  if (n >= 3 && numeric[0] == 1) return NACRE_FORMAT_EXTXYZ;
  return NACRE_FORMAT_AUTO;
}

static nacre_format sniff(const char *path) {
  nacre_io_lines r;
  if (nacre_io_lines_open_gz(&r, path, NULL)) return NACRE_FORMAT_AUTO;
  char lines[8][256];
  int n = 0;
  while (n < 8 && nacre_io_lines_next(&r, NULL) == 1) {
    snprintf(lines[n], sizeof lines[n], "%s", r.buf);
    n++;
  }
  nacre_io_lines_close(&r);
  return sniff_lines(lines, n);
}

nacre_format nacre_format_guess(const char *path) {
  nacre_format f = format_from_name(path);
  return f != NACRE_FORMAT_AUTO ? f : sniff(path);
}

/* ---- "path@N" ---- */

nacre_status nacre_spec_parse(const char *spec, char **path, int *index,
                              int *has_index, nacre_error *err) {
  *index = -1;
  *has_index = 0;
  const char *at = strrchr(spec, '@');
  size_t n = strlen(spec);
  int v;
  if (at && access(spec, F_OK) != 0 &&
      !nacre_io_int(at + 1, -2147483647L, 2147483647L, &v)) {
    n = (size_t)(at - spec);
    *index = v;
    *has_index = 1;
  }
  *path = malloc(n + 1);
  if (!*path) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  memcpy(*path, spec, n);
  (*path)[n] = '\0';
  return NACRE_OK;
}

/* ---- atomic files ---- */

nacre_status nacre_atomic_open(nacre_atomic_file *af, const char *path,
                               nacre_error *err) {
  memset(af, 0, sizeof *af);
  size_t n = strlen(path) + 32;
  af->path = malloc(strlen(path) + 1);
  af->tmp = malloc(n);
  if (!af->path || !af->tmp) {
    nacre_atomic_abort(af);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  }
  strcpy(af->path, path);
  snprintf(af->tmp, n, "%s.tmp.%ld", path, (long)getpid());
  af->fp = fopen(af->tmp, "w");
  if (!af->fp) {
    nacre_error_set(err, NACRE_ERR_IO, "%s: cannot create: %s", af->tmp,
                    strerror(errno));
    free(af->tmp);
    af->tmp = NULL;
    nacre_atomic_abort(af);
    return NACRE_ERR_IO;
  }
  return NACRE_OK;
}

nacre_status nacre_atomic_commit(nacre_atomic_file *af, nacre_error *err) {
  /* each step keeps the errno of its own failure: a full disk is named as
   * such, not by whatever call came after */
  int e = 0;
  if (fflush(af->fp) != 0) e = errno;
  else if (ferror(af->fp)) e = errno ? errno : EIO;
  else if (fsync(fileno(af->fp)) != 0 && errno != EINVAL) e = errno;
  if (fclose(af->fp) != 0 && !e) e = errno;
  af->fp = NULL;
  if (!e && rename(af->tmp, af->path) != 0) e = errno;
  if (e) {
    nacre_error_set(err, NACRE_ERR_IO, "%s: cannot write: %s", af->path,
                    strerror(e));
    nacre_atomic_abort(af);
    return NACRE_ERR_IO;
  }
  free(af->tmp);
  free(af->path);
  memset(af, 0, sizeof *af);
  return NACRE_OK;
}

void nacre_atomic_abort(nacre_atomic_file *af) {
  if (af->fp) fclose(af->fp);
  if (af->tmp) unlink(af->tmp);
  free(af->tmp);
  free(af->path);
  memset(af, 0, sizeof *af);
}

/* ---- reading ---- */

typedef nacre_status (*single_reader)(FILE *, const char *, nacre_structure **,
                                      nacre_error *);

static nacre_status read_single(const char *path, single_reader fn, int index,
                                nacre_frame *out, nacre_error *err) {
  if (index != 0 && index != -1)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s: holds one structure, frame %d requested", path,
                           index);
  FILE *fp = fopen(path, "r");
  if (!fp)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  nacre_status st = fn(fp, path, &out->s, err);
  fclose(fp);
  return st;
}

static nacre_status xyz_skip_n(nacre_xyz_reader *r, long n, long *done,
                               nacre_error *err) {
  int eof = 0;
  for (*done = 0; *done < n; (*done)++) {
    nacre_status st = nacre_xyz_skip(r, &eof, err);
    if (eof) return NACRE_OK;
    if (st) return st;
  }
  return NACRE_OK;
}

static nacre_status xyz_count(const char *path, long *count, nacre_error *err) {
  nacre_xyz_reader *r = nacre_xyz_open(path, err);
  if (!r) return err ? err->status : NACRE_ERR_IO;
  nacre_status st = xyz_skip_n(r, 2147483647L, count, err);
  nacre_xyz_close(r);
  return st;
}

static nacre_status read_xyz(const char *path, int index, nacre_frame *out,
                             nacre_error *err) {
  long target = index, count = 0;
  nacre_status st;
  if (index < 0) {
    if ((st = xyz_count(path, &count, err))) return st;
    target = count + index;
    if (target < 0)
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "%s: frame %d requested, the file has %ld", path,
                             index, count);
  }
  nacre_xyz_reader *r = nacre_xyz_open(path, err);
  if (!r) return err ? err->status : NACRE_ERR_IO;
  long done;
  int eof = 0;
  st = xyz_skip_n(r, target, &done, err);
  if (!st) st = nacre_xyz_next(r, out, &eof, err);
  if (eof)
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "%s: frame %d requested, the file has %ld", path,
                         index, done);
  nacre_xyz_close(r);
  return st;
}

static nacre_status read_outcar(const char *path, int index, nacre_frame *out,
                                nacre_error *err) {
  nacre_frame *frames = NULL;
  int n = 0;
  nacre_status st = nacre_outcar_read(path, &frames, &n, err);
  if (st) return st;
  int k = index < 0 ? n + index : index;
  if (k < 0 || k >= n) {
    st = nacre_error_set(err, NACRE_ERR_INVALID,
                         "%s: frame %d requested, the file has %d ionic steps",
                         path, index, n);
  } else {
    *out = frames[k];
    nacre_frame_init(&frames[k]);
  }
  for (int i = 0; i < n; i++) nacre_frame_clear(&frames[i]);
  free(frames);
  return st;
}

static nacre_status read_path(const char *path, int index, nacre_frame *out,
                              nacre_error *err) {
  switch (nacre_format_guess(path)) {
  case NACRE_FORMAT_POSCAR:
    return read_single(path, nacre_poscar_read, index, out, err);
  case NACRE_FORMAT_CIF:
    return read_single(path, nacre_cif_read, index, out, err);
  case NACRE_FORMAT_EXTXYZ: return read_xyz(path, index, out, err);
  case NACRE_FORMAT_OUTCAR: return read_outcar(path, index, out, err);
  case NACRE_FORMAT_LAMMPS_DATA:
    return read_single(path, nacre_lammps_data_read, index, out, err);
  case NACRE_FORMAT_AUTO: break;
  }
  if (access(path, F_OK) != 0)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                         "%s: cannot tell the file format from the name or "
                         "the content",
                         path);
}

nacre_status nacre_read_frame(const char *spec, nacre_frame *out,
                              nacre_error *err) {
  nacre_frame_clear(out);
  char *path;
  int index, has_index;
  nacre_status st = nacre_spec_parse(spec, &path, &index, &has_index, err);
  if (st) return st;
  st = read_path(path, index, out, err);
  free(path);
  if (st) nacre_frame_clear(out);
  return st;
}

nacre_status nacre_read_structure(const char *spec, nacre_structure **out,
                                  nacre_error *err) {
  nacre_frame f;
  nacre_frame_init(&f);
  *out = NULL;
  nacre_status st = nacre_read_frame(spec, &f, err);
  /* a copy: the frame needs its atom count to free its string columns */
  if (!st && !(*out = nacre_structure_copy(f.s, err)))
    st = err ? err->status : NACRE_ERR_NOMEM;
  nacre_frame_clear(&f);
  return st;
}

/* ---- writing ---- */

static nacre_status write_to(FILE *fp, const nacre_frame *f, nacre_format fmt,
                             const char *path, nacre_error *err) {
  switch (fmt) {
  case NACRE_FORMAT_POSCAR: return nacre_poscar_write(fp, f->s, NULL, err);
  case NACRE_FORMAT_EXTXYZ: return nacre_xyz_write(fp, f, err);
  case NACRE_FORMAT_CIF: return nacre_cif_write(fp, f->s, NULL, err);
  case NACRE_FORMAT_LAMMPS_DATA:
    /* lammps_data.c: atomic style, cell rotated to restricted triclinic */
    return nacre_lammps_data_write(fp, f->s, NULL, 0, NULL, err);
  case NACRE_FORMAT_OUTCAR:
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "%s: OUTCAR is an output of VASP, not written", path);
  case NACRE_FORMAT_AUTO: break;
  }
  return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                         "%s: cannot tell the output format from the name "
                         "(use .vasp, POSCAR, .xyz, .extxyz or .cif)",
                         path);
}

nacre_status nacre_write_frame(const char *path, const nacre_frame *f,
                               nacre_format fmt, nacre_error *err) {
  if (fmt == NACRE_FORMAT_AUTO) fmt = format_from_name(path);
  if (ends_with(path, ".gz"))
    return nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "%s: compressed output is not supported", path);
  if (fmt == NACRE_FORMAT_AUTO || fmt == NACRE_FORMAT_OUTCAR)
    return write_to(NULL, f, fmt, path, err);
  if (!f->s) return nacre_error_set(err, NACRE_ERR_INVALID, "empty frame");
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  errno = 0;
  st = write_to(af.fp, f, fmt, path, err);
  if (st) {
    if (st == NACRE_ERR_IO) nacre_error_prefix(err, "%s: ", path);
    nacre_atomic_abort(&af);
    return st;
  }
  return nacre_atomic_commit(&af, err);
}

nacre_status nacre_write_structure(const char *path, const nacre_structure *s,
                                   nacre_format fmt, nacre_error *err) {
  nacre_frame f;
  nacre_frame_init(&f);
  f.s = (nacre_structure *)s; /* borrowed: f is never cleared */
  return nacre_write_frame(path, &f, fmt, err);
}
