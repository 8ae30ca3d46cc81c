/* extxyz_write.c — writes one extended XYZ frame the way ASE lays it out:
 * Lattice, Properties=species:S:1:pos:R:3[:forces:R:3][:extra...],
 * energy, free_energy, stress as 9 numbers (eV/Å^3, ASE sign), info keys,
 * pbc. Numbers read back exactly: %.15g when that does, else %.17g
 * (nacre_format_double). */
#include "extxyz.h"

#include <ctype.h>
#include <string.h>

/* v as nacre_format_double writes it, after a space unless first. */
static void put_double(FILE *fp, double v, int first) {
  char t[NACRE_DOUBLE_TEXT];
  nacre_format_double(v, t);
  if (!first) fputc(' ', fp);
  fputs(t, fp);
}

static int needs_quotes(const char *v) {
  if (!*v) return 1;
  for (const char *p = v; *p; p++)
    if (isspace((unsigned char)*p) || *p == '"' || *p == '=' || *p == '\\' ||
        *p == '{' || *p == '[')
      return 1;
  return 0;
}

static void write_word(FILE *fp, const char *v) {
  if (!needs_quotes(v)) {
    fputs(v, fp);
    return;
  }
  fputc('"', fp);
  for (const char *p = v; *p; p++) {
    if (*p == '"' || *p == '\\') fputc('\\', fp);
    fputc(*p == '\n' || *p == '\r' ? ' ' : *p, fp);
  }
  fputc('"', fp);
}

static int reserved_key(const char *k) {
  static const char *names[] = {"Lattice", "Properties", "pbc", "energy",
                                "free_energy", "stress", "virial"};
  for (int i = 0; i < 7; i++)
    if (!strcasecmp(k, names[i])) return 1;
  return 0;
}

/* species and pos are always written from the structure; a "forces"
 * column only when the frame has no forces label. */
static int skip_column(const char *name, int forces) {
  return !strcmp(name, "species") || !strcmp(name, "pos") ||
         (forces && !strcmp(name, "forces"));
}

static nacre_status check_columns(const nacre_frame *f, nacre_error *err) {
  for (int c = 0; c < f->ncolumns; c++) {
    const nacre_column *col = &f->columns[c];
    if (!col->name[0] || strchr(col->name, ':') || needs_quotes(col->name))
      return nacre_error_set(err, NACRE_ERR_INVALID,
                             "column name '%s' cannot be written", col->name);
    for (long k = 0; col->type == 'S' && k < (long)f->s->natoms * col->ncomp; k++)
      if (!col->str[k] || needs_quotes(col->str[k]))
        return nacre_error_set(err, NACRE_ERR_INVALID,
                               "column %s: empty string or one with spaces",
                               col->name);
  }
  return NACRE_OK;
}

static void write_properties(FILE *fp, const nacre_frame *f, int forces) {
  fputs("Properties=species:S:1:pos:R:3", fp);
  if (forces) fputs(":forces:R:3", fp);
  for (int c = 0; c < f->ncolumns; c++)
    if (!skip_column(f->columns[c].name, forces))
      fprintf(fp, ":%s:%c:%d", f->columns[c].name, f->columns[c].type,
              f->columns[c].ncomp);
}

static void write_comment(FILE *fp, const nacre_frame *f, int forces) {
  const nacre_structure *s = f->s;
  /* the cell is written whenever it is periodic or meaningful (ASE keeps
   * a cell for molecules in a box with pbc F) */
  if (s->pbc[0] || s->pbc[1] || s->pbc[2] || nacre_structure_volume(s) > 1e-12) {
    fputs("Lattice=\"", fp);
    for (int i = 0; i < 9; i++) put_double(fp, s->cell[i / 3][i % 3], i == 0);
    fputs("\" ", fp);
  }
  write_properties(fp, f, forces);
  if (f->has & NACRE_FRAME_ENERGY) {
    fputs(" energy=", fp);
    put_double(fp, f->energy, 1);
  }
  if (f->has & NACRE_FRAME_FREE_ENERGY) {
    fputs(" free_energy=", fp);
    put_double(fp, f->free_energy, 1);
  }
  if (f->has & NACRE_FRAME_STRESS) {
    double m[3][3];
    nacre_mat3_from_voigt(f->stress, m);
    fputs(" stress=\"", fp);
    for (int i = 0; i < 9; i++) put_double(fp, m[i / 3][i % 3], i == 0);
    fputc('"', fp);
  }
  for (int k = 0; k < f->ninfo; k++) {
    if (reserved_key(f->info[k].key)) continue;
    fputc(' ', fp);
    write_word(fp, f->info[k].key);
    fputc('=', fp);
    write_word(fp, f->info[k].value);
  }
  fprintf(fp, " pbc=\"%c %c %c\"\n", s->pbc[0] ? 'T' : 'F',
          s->pbc[1] ? 'T' : 'F', s->pbc[2] ? 'T' : 'F');
}

static void write_column_value(FILE *fp, const nacre_column *c, long idx) {
  switch (c->type) {
  case 'R': put_double(fp, c->real[idx], 0); break;
  case 'I': fprintf(fp, " %ld", (long)c->real[idx]); break;
  case 'L': fprintf(fp, " %c", c->real[idx] != 0.0 ? 'T' : 'F'); break;
  default: fprintf(fp, " %s", c->str[idx]); break;
  }
}

static void write_atom(FILE *fp, const nacre_frame *f, int i, int forces) {
  const double *x = &f->s->positions[3 * i];
  /* the common columns go out in one call: stdio locks the stream on each */
  char line[4 + 6 * NACRE_DOUBLE_TEXT];
  size_t n = (size_t)snprintf(line, sizeof line, "%-2s",
                              nacre_element_by_z(f->s->numbers[i])->symbol);
  for (int k = 0; k < (forces ? 6 : 3); k++) {
    line[n++] = ' ';
    nacre_format_double(k < 3 ? x[k] : f->forces[3 * i + k - 3], line + n);
    n += strlen(line + n);
  }
  fputs(line, fp);
  for (int c = 0; c < f->ncolumns; c++) {
    const nacre_column *col = &f->columns[c];
    if (skip_column(col->name, forces)) continue;
    for (int k = 0; k < col->ncomp; k++)
      write_column_value(fp, col, (long)i * col->ncomp + k);
  }
  fputc('\n', fp);
}

nacre_status nacre_xyz_write(FILE *fp, const nacre_frame *f, nacre_error *err) {
  if (!f->s) return nacre_error_set(err, NACRE_ERR_INVALID, "empty frame");
  nacre_status st = nacre_structure_check(f->s, err);
  if (!st) st = check_columns(f, err);
  if (st) return st;
  int forces = (f->has & NACRE_FRAME_FORCES) && f->forces;
  fprintf(fp, "%d\n", f->s->natoms);
  write_comment(fp, f, forces);
  for (int i = 0; i < f->s->natoms; i++) write_atom(fp, f, i, forces);
  if (ferror(fp)) return nacre_io_write_failed(err);
  return NACRE_OK;
}
