/* util.c — the stable index sort and atomic file writes shared inside
 * src/thermo (see thermo_internal.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "thermo_internal.h"

static void merge_sort(int *idx, int *tmp, int n, const double *x, int ncols,
                       int (*cmp)(const double *, const double *, int)) {
  if (n < 2) return;
  int h = n / 2;
  merge_sort(idx, tmp, h, x, ncols, cmp);
  merge_sort(idx + h, tmp, n - h, x, ncols, cmp);
  int a = 0, b = h, k = 0;
  while (a < h && b < n)
    tmp[k++] = cmp(&x[(size_t)idx[b] * ncols], &x[(size_t)idx[a] * ncols],
                   ncols) < 0
                   ? idx[b++]
                   : idx[a++];
  while (a < h) tmp[k++] = idx[a++];
  while (b < n) tmp[k++] = idx[b++];
  memcpy(idx, tmp, (size_t)n * sizeof *idx);
}

void thermo_sort_indices(int *idx, int n, const double *x, int ncols,
                         int (*cmp)(const double *a, const double *b,
                                    int ncols)) {
  int *tmp = malloc((size_t)(n > 0 ? n : 1) * sizeof *tmp);
  if (!tmp) {
    /* insertion sort needs no memory: slow but still stable and correct */
    for (int i = 1; i < n; i++)
      for (int j = i; j > 0 && cmp(&x[(size_t)idx[j] * ncols],
                                   &x[(size_t)idx[j - 1] * ncols], ncols) < 0;
           j--) {
        int t = idx[j];
        idx[j] = idx[j - 1];
        idx[j - 1] = t;
      }
    return;
  }
  merge_sort(idx, tmp, n, x, ncols, cmp);
  free(tmp);
}

FILE *thermo_file_open(const char *path, char **tmp, nacre_error *err) {
  size_t len = strlen(path) + 32;
  *tmp = malloc(len);
  if (!*tmp) {
    nacre_error_set(err, NACRE_ERR_NOMEM, "%s", path);
    return NULL;
  }
  snprintf(*tmp, len, "%s.tmp.%ld", path, (long)getpid());
  FILE *fp = fopen(*tmp, "w");
  if (!fp) {
    nacre_error_set(err, NACRE_ERR_IO, "cannot write %s: %s", path,
                    strerror(errno));
    free(*tmp);
    *tmp = NULL;
  }
  return fp;
}

nacre_status thermo_file_commit(FILE *fp, const char *path, char *tmp,
                                nacre_error *err) {
  int bad = ferror(fp);
  bad |= fclose(fp) != 0;
  nacre_status st = NACRE_OK;
  if (bad || rename(tmp, path) != 0) {
    st = nacre_error_set(err, NACRE_ERR_IO, "cannot write %s: %s", path,
                         strerror(errno));
    remove(tmp);
  }
  free(tmp);
  return st;
}
