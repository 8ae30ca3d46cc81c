/* extxyz.h — private pieces of the extended XYZ reader and writer. */
#ifndef NACRE_IO_EXTXYZ_H
#define NACRE_IO_EXTXYZ_H

#include <strings.h>

#include "ioutil.h"

/* The key=value pairs of a comment line, in order. */
typedef struct xyz_kv {
  int n, cap;
  char **key, **value;
} xyz_kv;

/* 0 on success; on failure -1 with *why set (kv keeps what was parsed). */
int nacre_xyz_kv_parse(const char *line, xyz_kv *kv, const char **why);
void nacre_xyz_kv_free(xyz_kv *kv);
/* Index of key (the last occurrence), or -1. */
int nacre_xyz_kv_find(const xyz_kv *kv, const char *key, int ignore_case);
/* Numbers separated by spaces or commas (brackets ignored): how many were
 * read, or -1 when one is not a finite number or more than max are given. */
int nacre_xyz_numbers(const char *s, double *out, int max);
/* T/F, True/False, 1/0 → 1/0; -1 if none of these. */
int nacre_xyz_bool(const char *s, int *out);

#endif
