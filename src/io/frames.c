/* frames.c — the labelled-data dispatcher: every frame of a file or folder
 * (nacre_read_frames in io.h), whatever its format. */
#include "ioutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static nacre_status frame_range(const char *path, int index, int has_index,
                                long n, long *lo, long *hi,
                                nacre_error *err) {
  *lo = 0, *hi = n;
  if (!has_index) return NACRE_OK;
  long k = index < 0 ? n + index : index;
  if (k < 0 || k >= n)
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s: frame %d requested, the file has %ld", path,
                           index, n);
  *lo = k, *hi = k + 1;
  return NACRE_OK;
}

static nacre_status give(nacre_frame_sink sink, void *user, nacre_frame *f,
                         const char *path, long index, nacre_error *err) {
  char src[4200];
  if (nacre_io_path(src, sizeof src, err, "%s@%ld", path, index))
    return NACRE_ERR_INVALID;
  return sink(user, f, src, err);
}

static nacre_status read_outcar(const char *path, int index, int has_index,
                                nacre_frame_sink sink, void *user,
                                nacre_error *err) {
  nacre_frame *frames = NULL;
  int n = 0;
  long lo, hi;
  nacre_status st = nacre_outcar_read(path, &frames, &n, err);
  if (!st) st = frame_range(path, index, has_index, n, &lo, &hi, err);
  for (long k = lo; !st && k < hi; k++)
    st = give(sink, user, &frames[k], path, k, err);
  for (int k = 0; k < n; k++) nacre_frame_clear(&frames[k]);
  free(frames);
  return st;
}

static nacre_status count_xyz(const char *path, long *n, nacre_error *err) {
  nacre_xyz_reader *r = nacre_xyz_open(path, err);
  if (!r) return err ? err->status : NACRE_ERR_IO;
  int eof = 0;
  nacre_status st = NACRE_OK;
  for (*n = 0; !st; (*n)++) {
    st = nacre_xyz_skip(r, &eof, err);
    if (eof) {
      st = NACRE_OK;
      break;
    }
  }
  nacre_xyz_close(r);
  return st;
}

/* Frames are streamed: only the current one is in memory. */
static nacre_status read_xyz(const char *path, int index, int has_index,
                             nacre_frame_sink sink, void *user,
                             nacre_error *err) {
  long lo = 0, hi = -1, n = 0;
  nacre_status st = NACRE_OK;
  if (has_index && index < 0) { /* from the end: count first */
    if ((st = count_xyz(path, &n, err)) ||
        (st = frame_range(path, index, 1, n, &lo, &hi, err)))
      return st;
  } else if (has_index) {
    lo = index, hi = (long)index + 1;
  }
  nacre_xyz_reader *r = nacre_xyz_open(path, err);
  if (!r) return err ? err->status : NACRE_ERR_IO;
  nacre_frame f;
  nacre_frame_init(&f);
  int eof = 0;
  long k = 0;
  for (; hi < 0 || k < hi; k++) {
    st = k < lo ? nacre_xyz_skip(r, &eof, err) : nacre_xyz_next(r, &f, &eof, err);
    if (eof || st) break;
    if (k >= lo) st = give(sink, user, &f, path, k, err);
    nacre_frame_clear(&f);
    if (st) break;
  }
  if (eof) {
    st = NACRE_OK;
    if (has_index && k < hi)
      st = nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s: frame %d requested, the file has %ld", path,
                           index, k);
  }
  nacre_frame_clear(&f);
  nacre_xyz_close(r);
  return st;
}

nacre_status nacre_read_frames(const char *spec, nacre_frame_sink sink,
                               void *user, nacre_error *err) {
  struct stat sb;
  if (stat(spec, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    char probe[4200];
    if (nacre_io_path(probe, sizeof probe, err, "%s/type.raw", spec))
      return NACRE_ERR_INVALID;
    if (nacre_file_exists(probe)) return nacre_deepmd_read(spec, sink, user, err);
    return nacre_maise_data_read(spec, sink, user, err);
  }
  char *path = NULL;
  int index = -1, has_index = 0;
  nacre_status st = nacre_spec_parse(spec, &path, &index, &has_index, err);
  if (st) return st;
  if (access(path, F_OK) != 0) {
    st = nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                         strerror(errno));
  } else {
    nacre_format fmt = nacre_format_guess(path);
    if (fmt == NACRE_FORMAT_OUTCAR)
      st = read_outcar(path, index, has_index, sink, user, err);
    else if (fmt == NACRE_FORMAT_EXTXYZ)
      st = read_xyz(path, index, has_index, sink, user, err);
    else
      st = nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                           "%s: %s files carry no labels; labelled data are "
                           "extended XYZ, OUTCAR, MAISE or DeePMD folders",
                           path, nacre_format_name(fmt));
  }
  free(path);
  return st;
}
