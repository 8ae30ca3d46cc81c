/* convert.c — one file into another (nacre convert): every frame of a
 * multi-frame input into an extended XYZ output, or one frame into a
 * single-structure format. A single-structure output of a multi-frame
 * input without "@N" gets frame 0, the first (a search's minima are
 * written best first), and the report says so: never silently the last. */
#include "ioutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int multi_frame(nacre_format fmt) {
  return fmt == NACRE_FORMAT_EXTXYZ || fmt == NACRE_FORMAT_OUTCAR;
}

/* Frames of a multi-frame input (1 for the others). */
static nacre_status count_frames(const char *path, nacre_format fmt,
                                 long *n, nacre_error *err) {
  *n = 1;
  if (fmt == NACRE_FORMAT_OUTCAR) {
    nacre_frame *frames = NULL;
    int k = 0;
    nacre_status st = nacre_outcar_read(path, &frames, &k, err);
    for (int i = 0; i < k; i++) nacre_frame_clear(&frames[i]);
    free(frames);
    *n = k;
    return st;
  }
  if (fmt != NACRE_FORMAT_EXTXYZ) return NACRE_OK;
  nacre_xyz_reader *r = nacre_xyz_open(path, err);
  if (!r) return err ? err->status : NACRE_ERR_IO;
  int eof = 0;
  nacre_status st = NACRE_OK;
  for (*n = 0;; (*n)++)
    if ((st = nacre_xyz_skip(r, &eof, err)) || eof) break;
  nacre_xyz_close(r);
  return eof ? NACRE_OK : st;
}

typedef struct copy_sink {
  FILE *fp;
  long count;
} copy_sink;

static nacre_status append_frame(void *user, nacre_frame *f,
                                 const char *source, nacre_error *err) {
  copy_sink *c = user;
  (void)source;
  errno = 0;
  nacre_status st = nacre_xyz_write(c->fp, f, err);
  if (!st) c->count++;
  return st;
}

/* Every frame into an extended XYZ file, written atomically. */
static nacre_status convert_all(const char *in, const char *out,
                                nacre_convert_report *rep, nacre_error *err) {
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, out, err);
  if (st) return st;
  copy_sink c = {af.fp, 0};
  st = nacre_read_frames(in, append_frame, &c, err);
  if (st) {
    if (st == NACRE_ERR_IO) nacre_error_prefix(err, "%s: ", out);
    nacre_atomic_abort(&af);
    return st;
  }
  if ((st = nacre_atomic_commit(&af, err))) return st;
  rep->frames_written = c.count;
  rep->frames_read = c.count;
  return NACRE_OK;
}

nacre_status nacre_convert(const char *in, const char *out, nacre_format fmt,
                           nacre_convert_report *rep, nacre_error *err) {
  memset(rep, 0, sizeof *rep);
  rep->frame = -1;
  char *path = NULL;
  int index, has_index;
  nacre_status st = nacre_spec_parse(in, &path, &index, &has_index, err);
  if (st) return st;
  nacre_format in_fmt = nacre_format_guess(path);
  nacre_format out_fmt = fmt != NACRE_FORMAT_AUTO ? fmt : nacre_format_guess(out);
  rep->format = out_fmt;
  if (!has_index && out_fmt == NACRE_FORMAT_EXTXYZ && multi_frame(in_fmt)) {
    st = convert_all(path, out, rep, err);
    free(path);
    return st;
  }
  long n = 1;
  if (!has_index && multi_frame(in_fmt))
    st = count_frames(path, in_fmt, &n, err);
  char *one = NULL;
  if (!st && !has_index && n > 1) { /* the first frame, and a note */
    size_t len = strlen(path) + 8;
    if (!(one = malloc(len))) st = nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    else snprintf(one, len, "%s@0", path);
    rep->frame = 0;
  } else if (has_index) {
    rep->frame = index;
  }
  rep->frames_read = n;
  nacre_frame f;
  nacre_frame_init(&f);
  if (!st) st = nacre_read_frame(one ? one : in, &f, err);
  if (!st) st = nacre_write_frame(out, &f, fmt, err);
  if (!st) rep->frames_written = 1;
  nacre_frame_clear(&f);
  free(one);
  free(path);
  return st;
}
