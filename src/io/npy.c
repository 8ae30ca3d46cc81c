/* npy.c — NumPy .npy arrays read and written directly.
 *
 * Format (numpy.lib.format, versions 1.0–3.0): the magic "\x93NUMPY", major
 * and minor version bytes, the header length (uint16 LE for 1.x, uint32 LE
 * for 2.x/3.x), then an ASCII Python dict literal with keys 'descr' (dtype
 * string such as '<f8'), 'fortran_order' (True/False) and 'shape' (a tuple),
 * then the raw data. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nacre/io.h"

void nacre_npy_free(nacre_npy *a) {
  if (!a) return;
  free(a->data);
  memset(a, 0, sizeof *a);
}

/* Finds 'key' in the header dict and returns a pointer after its colon. */
static const char *dict_value(const char *h, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "'%s'", key);
  const char *p = strstr(h, pat);
  if (!p) {
    snprintf(pat, sizeof pat, "\"%s\"", key);
    p = strstr(h, pat);
  }
  if (!p) return NULL;
  p += strlen(pat);
  while (isspace((unsigned char)*p)) p++;
  if (*p != ':') return NULL;
  p++;
  while (isspace((unsigned char)*p)) p++;
  return p;
}

static int host_little_endian(void) {
  uint16_t x = 1;
  unsigned char c;
  memcpy(&c, &x, 1);
  return c == 1;
}

nacre_status nacre_npy_read(const char *path, nacre_npy *out,
                            nacre_error *err) {
  memset(out, 0, sizeof *out);
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  unsigned char pre[12];
  char *hdr = NULL;
  unsigned char *raw = NULL;
  nacre_status st = NACRE_ERR_PARSE;
  if (fread(pre, 1, 10, fp) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
    nacre_error_set(err, st, "%s: not a NumPy .npy file (bad magic)", path);
    goto done;
  }
  int major = pre[6];
  size_t hlen;
  if (major == 1) {
    hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
  } else if (major == 2 || major == 3) {
    if (fread(pre + 10, 1, 2, fp) != 2) {
      nacre_error_set(err, st, "%s: truncated .npy header", path);
      goto done;
    }
    hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
           (size_t)pre[11] << 24;
  } else {
    st = nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                    "%s: .npy format version %d is not supported", path, major);
    goto done;
  }
  if (hlen > (1u << 20) || !(hdr = malloc(hlen + 1)) ||
      fread(hdr, 1, hlen, fp) != hlen) {
    nacre_error_set(err, st, "%s: truncated or oversized .npy header", path);
    goto done;
  }
  hdr[hlen] = 0;
  const char *p = dict_value(hdr, "descr");
  if (!p || (*p != '\'' && *p != '"')) {
    nacre_error_set(err, st, "%s: .npy header has no 'descr'", path);
    goto done;
  }
  char bo = p[1], kind = p[2];
  int itemsize = atoi(p + 3);
  if ((bo != '<' && bo != '>' && bo != '|' && bo != '=') ||
      !((kind == 'f' && (itemsize == 4 || itemsize == 8)) ||
        ((kind == 'i' || kind == 'u') &&
         (itemsize == 1 || itemsize == 2 || itemsize == 4 || itemsize == 8)))) {
    int len = 0;
    while (len < 8 && p[1 + len] && p[1 + len] != '\'' && p[1 + len] != '"') len++;
    st = nacre_error_set(err, NACRE_ERR_UNSUPPORTED,
                         "%s: .npy dtype '%.*s' is not supported (want f4, f8, "
                         "i1-i8, u1-u8)",
                         path, len, p + 1);
    goto done;
  }
  int swap = (bo == '>') == host_little_endian() && itemsize > 1 && bo != '|' &&
             bo != '=';
  p = dict_value(hdr, "fortran_order");
  if (!p || (strncmp(p, "True", 4) && strncmp(p, "False", 5))) {
    nacre_error_set(err, st, "%s: .npy header has no 'fortran_order'", path);
    goto done;
  }
  int fortran = strncmp(p, "True", 4) == 0;
  p = dict_value(hdr, "shape");
  if (!p || *p != '(') {
    nacre_error_set(err, st, "%s: .npy header has no 'shape'", path);
    goto done;
  }
  p++;
  out->size = 1;
  while (1) {
    while (isspace((unsigned char)*p) || *p == ',') p++;
    if (*p == ')') break;
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v < 0 || out->ndim == 8) {
      nacre_error_set(err, st, "%s: malformed .npy shape", path);
      goto done;
    }
    out->shape[out->ndim++] = v;
    if (v > 0 && out->size > (1L << 40) / v) {
      nacre_error_set(err, st, "%s: .npy array too large", path);
      goto done;
    }
    out->size *= v;
    p = end;
  }
  size_t nbytes = (size_t)out->size * (size_t)itemsize;
  /* a forged shape must not drive an allocation: the data must be there */
  long here = ftell(fp), end = -1;
  if (here >= 0 && fseek(fp, 0, SEEK_END) == 0) end = ftell(fp);
  if (end < 0 || fseek(fp, here, SEEK_SET) != 0) {
    st = nacre_error_set(err, NACRE_ERR_IO, "%s: cannot seek", path);
    goto done;
  }
  if ((size_t)(end - here) < nbytes) {
    nacre_error_set(err, st, "%s: .npy data truncated (expected %zu bytes, "
                    "the file holds %ld)", path, nbytes, end - here);
    goto done;
  }
  raw = malloc(nbytes ? nbytes : 1);
  out->data = malloc((size_t)(out->size ? out->size : 1) * sizeof(double));
  if (!raw || !out->data) {
    st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s: out of memory", path);
    goto done;
  }
  if (fread(raw, 1, nbytes, fp) != nbytes) {
    nacre_error_set(err, st, "%s: .npy data truncated (expected %zu bytes)",
                    path, nbytes);
    goto done;
  }
  for (long k = 0; k < out->size; k++) {
    unsigned char b[8];
    memcpy(b, raw + (size_t)k * itemsize, (size_t)itemsize);
    if (swap)
      for (int q = 0; q < itemsize / 2; q++) {
        unsigned char t = b[q];
        b[q] = b[itemsize - 1 - q];
        b[itemsize - 1 - q] = t;
      }
    double v = 0;
    if (kind == 'f' && itemsize == 8) { double x; memcpy(&x, b, 8); v = x; }
    else if (kind == 'f') { float x; memcpy(&x, b, 4); v = x; }
    else if (kind == 'i' && itemsize == 8) { int64_t x; memcpy(&x, b, 8); v = (double)x; }
    else if (kind == 'i' && itemsize == 4) { int32_t x; memcpy(&x, b, 4); v = x; }
    else if (kind == 'i' && itemsize == 2) { int16_t x; memcpy(&x, b, 2); v = x; }
    else if (kind == 'i') { int8_t x; memcpy(&x, b, 1); v = x; }
    else if (itemsize == 8) { uint64_t x; memcpy(&x, b, 8); v = (double)x; }
    else if (itemsize == 4) { uint32_t x; memcpy(&x, b, 4); v = x; }
    else if (itemsize == 2) { uint16_t x; memcpy(&x, b, 2); v = x; }
    else v = b[0];
    out->data[k] = v;
  }
  if (fortran && out->ndim > 1) {
    /* Fortran order: first index fastest; reorder into C order */
    double *c = malloc((size_t)out->size * sizeof(double));
    if (!c) {
      st = nacre_error_set(err, NACRE_ERR_NOMEM, "%s: out of memory", path);
      goto done;
    }
    long idx[8] = {0};
    for (long k = 0; k < out->size; k++) {
      long cpos = 0;
      for (int d = 0; d < out->ndim; d++) cpos = cpos * out->shape[d] + idx[d];
      c[cpos] = out->data[k];
      for (int d = 0; d < out->ndim; d++) {
        if (++idx[d] < out->shape[d]) break;
        idx[d] = 0;
      }
    }
    free(out->data);
    out->data = c;
  }
  st = NACRE_OK;
done:
  fclose(fp);
  free(hdr);
  free(raw);
  if (st) nacre_npy_free(out);
  return st;
}

nacre_status nacre_npy_write(const char *path, const double *data, int ndim,
                             const long *shape, nacre_error *err) {
  char dict[512];
  int len = snprintf(dict, sizeof dict,
                     "{'descr': '<f8', 'fortran_order': False, 'shape': (");
  long size = 1;
  for (int d = 0; d < ndim; d++) {
    len += snprintf(dict + len, sizeof dict - (size_t)len, "%ld%s", shape[d],
                    ndim == 1 ? "," : (d < ndim - 1 ? ", " : ""));
    size *= shape[d];
  }
  len += snprintf(dict + len, sizeof dict - (size_t)len, "), }");
  /* pad with spaces so that magic + header is a multiple of 64, end '\n' */
  int total = 10 + len + 1;
  int pad = (64 - total % 64) % 64;
  FILE *fp = fopen(path, "wb");
  if (!fp)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot write: %s", path,
                           strerror(errno));
  int hl = len + pad + 1;
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                           (unsigned char)(hl & 0xff), (unsigned char)(hl >> 8)};
  fwrite(pre, 1, 10, fp);
  fwrite(dict, 1, (size_t)len, fp);
  for (int k = 0; k < pad; k++) fputc(' ', fp);
  fputc('\n', fp);
  for (long k = 0; k < size; k++) {
    unsigned char b[8];
    memcpy(b, &data[k], 8);
    if (!host_little_endian())
      for (int q = 0; q < 4; q++) {
        unsigned char t = b[q];
        b[q] = b[7 - q];
        b[7 - q] = t;
      }
    fwrite(b, 1, 8, fp);
  }
  if (fclose(fp) != 0)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: write error", path);
  return NACRE_OK;
}
