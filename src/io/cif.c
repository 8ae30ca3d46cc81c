/* cif.c — CIF reading (first data block with atoms: cell, atom sites,
 * symmetry expansion) and writing (P1, or given operations with an
 * asymmetric unit). */
#include "cif.h"

#include <ctype.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nacre/sym.h"

#define CIF_MAX_OPS 384        /* 192 is the most any space group needs */
#define CIF_MAX_ATOMS 1000000  /* after expansion */
#define CIF_MERGE_TOL 1e-3     /* fractional, per coordinate */

enum { COL_LABEL, COL_TYPE, COL_X, COL_Y, COL_Z, NCOLS };

typedef struct cif_data {
  double cellpar[6];
  int have_cell[6];
  int nops;
  int rot[CIF_MAX_OPS][3][3];
  double trans[CIF_MAX_OPS][3];
  nacre_io_dbuf sites; /* per site: z, fx, fy, fz */
  long site_line0;
  /* the space group by name, used when no operations are listed */
  char hm[64], hall[64], number[16];
  long hm_line, hall_line, number_line;
} cif_data;

static const char *cell_tags[6] = {
    "_cell_length_a", "_cell_length_b", "_cell_length_c",
    "_cell_angle_alpha", "_cell_angle_beta", "_cell_angle_gamma"};

/* Tag names compare case-insensitively, with the CIF2/mmCIF '.' between
 * category and attribute ("_atom_site.fract_x") equal to '_'. */
static int tag_is(const char *t, const char *name) {
  for (; *t && *name; t++, name++) {
    char a = *t == '.' ? '_' : (char)tolower((unsigned char)*t);
    if (a != *name) return 0;
  }
  return *t == *name;
}

static int is_symop_tag(const char *t) {
  return tag_is(t, "_symmetry_equiv_pos_as_xyz") ||
         tag_is(t, "_space_group_symop_operation_xyz");
}

/* A CIF number: "1.234", "1.234(5)" (standard uncertainty dropped). */
static int cif_number(const char *s, double *v) {
  char buf[128];
  size_t n = strcspn(s, "(");
  if (n >= sizeof buf) return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  if (s[n] == '(' && (!strchr(s + n, ')') || strchr(s + n, ')')[1])) return -1;
  return nacre_io_double(buf, v);
}

static int add_op(cif_data *d, cif_lex *lx, nacre_error *err) {
  char q[64];
  if (d->nops == CIF_MAX_OPS) {
    nacre_io_fail(err, lx->in.name, lx->line, "more than %d symmetry operations",
                  CIF_MAX_OPS);
    return -1;
  }
  if (nacre_cif_parse_symop(lx->text, d->rot[d->nops], d->trans[d->nops])) {
    nacre_io_fail(err, lx->in.name, lx->line, "bad symmetry operation '%s'",
                  nacre_io_quote(lx->text, q, sizeof q));
    return -1;
  }
  d->nops++;
  return 0;
}

static int single_tag(cif_data *d, cif_lex *lx, nacre_error *err) {
  char tag[128];
  snprintf(tag, sizeof tag, "%s", lx->text);
  long line = lx->line;
  int k = nacre_cif_lex_next(lx, err);
  if (k == CIF_ERROR) return -1;
  if (k != CIF_VALUE) {
    nacre_io_fail(err, lx->in.name, line, "tag %s has no value", tag);
    return -1;
  }
  if (is_symop_tag(tag)) return add_op(d, lx, err);
  if (tag_is(tag, "_symmetry_space_group_name_h-m") ||
      tag_is(tag, "_space_group_name_h-m_alt")) {
    snprintf(d->hm, sizeof d->hm, "%s", lx->text);
    d->hm_line = lx->line;
  } else if (tag_is(tag, "_symmetry_space_group_name_hall") ||
             tag_is(tag, "_space_group_name_hall")) {
    snprintf(d->hall, sizeof d->hall, "%s", lx->text);
    d->hall_line = lx->line;
  } else if (tag_is(tag, "_symmetry_int_tables_number") ||
             tag_is(tag, "_space_group_it_number")) {
    snprintf(d->number, sizeof d->number, "%s", lx->text);
    d->number_line = lx->line;
  }
  for (int i = 0; i < 6; i++) {
    if (!tag_is(tag, cell_tags[i])) continue;
    char q[64];
    if (cif_number(lx->text, &d->cellpar[i]) || !(d->cellpar[i] > 0.0) ||
        (i >= 3 && !(d->cellpar[i] < 180.0))) {
      nacre_io_fail(err, lx->in.name, lx->line, "bad %s '%s'", cell_tags[i],
                    nacre_io_quote(lx->text, q, sizeof q));
      return -1;
    }
    d->have_cell[i] = 1;
  }
  return 0;
}

/* ---- loops ---- */

typedef struct cif_loop {
  int ntags;
  int col[NCOLS]; /* tag index of each atom-site column, or -1 */
  int symop;      /* tag index of the operation column, or -1 */
  char *row[NCOLS];
  long row_line;
} cif_loop;

static int site_column(const char *t) {
  static const char *names[NCOLS] = {"_atom_site_label", "_atom_site_type_symbol",
                                     "_atom_site_fract_x", "_atom_site_fract_y",
                                     "_atom_site_fract_z"};
  for (int c = 0; c < NCOLS; c++)
    if (tag_is(t, names[c])) return c;
  return -1;
}

static int site_element(const cif_loop *lp, const char *name, long line,
                        nacre_error *err) {
  const char *t = lp->col[COL_TYPE] >= 0 ? lp->row[COL_TYPE] : NULL;
  if (!t || !strcmp(t, "?") || !strcmp(t, "."))
    t = lp->col[COL_LABEL] >= 0 ? lp->row[COL_LABEL] : "";
  size_t len;
  int z = nacre_element_z_prefix(t, &len);
  char q[64];
  if (!z)
    nacre_io_fail(err, name, line, "no element in atom site '%s'",
                  nacre_io_quote(t, q, sizeof q));
  return z;
}

static int end_site_row(cif_data *d, cif_loop *lp, const char *name,
                        nacre_error *err) {
  double v[4];
  char q[64];
  if (!(v[0] = site_element(lp, name, lp->row_line, err))) return -1;
  for (int k = 0; k < 3; k++) {
    if (cif_number(lp->row[COL_X + k], &v[1 + k])) {
      nacre_io_fail(err, name, lp->row_line, "bad fractional coordinate '%s'",
                    nacre_io_quote(lp->row[COL_X + k], q, sizeof q));
      return -1;
    }
  }
  if (d->sites.n / 4 >= CIF_MAX_ATOMS) {
    nacre_io_fail(err, name, lp->row_line, "too many atom sites");
    return -1;
  }
  return nacre_io_dbuf_push(&d->sites, v, 4, err) ? -1 : 0;
}

static void clear_row(cif_loop *lp) {
  for (int c = 0; c < NCOLS; c++) {
    free(lp->row[c]);
    lp->row[c] = NULL;
  }
}

static int loop_value(cif_data *d, cif_loop *lp, cif_lex *lx, long k,
                      nacre_error *err) {
  int t = (int)(k % lp->ntags);
  if (t == 0) lp->row_line = lx->line;
  if (t == lp->symop) return add_op(d, lx, err);
  for (int c = 0; c < NCOLS; c++) {
    if (lp->col[c] != t) continue;
    free(lp->row[c]);
    lp->row[c] = malloc(strlen(lx->text) + 1);
    if (!lp->row[c]) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory"), -1;
    strcpy(lp->row[c], lx->text);
  }
  if (t == lp->ntags - 1 && lp->col[COL_X] >= 0) {
    int rc = end_site_row(d, lp, lx->in.name, err);
    clear_row(lp);
    return rc;
  }
  return 0;
}

static int loop_header(cif_loop *lp, cif_lex *lx, nacre_error *err) {
  int k;
  memset(lp, 0, sizeof *lp);
  for (int c = 0; c < NCOLS; c++) lp->col[c] = -1;
  lp->symop = -1;
  while ((k = nacre_cif_lex_next(lx, err)) == CIF_TAG) {
    int c = site_column(lx->text);
    if (c >= 0) lp->col[c] = lp->ntags;
    if (is_symop_tag(lx->text)) lp->symop = lp->ntags;
    lp->ntags++;
  }
  if (k == CIF_ERROR) return -1;
  nacre_cif_lex_unread(lx);
  if (lp->ntags == 0) {
    nacre_io_fail(err, lx->in.name, lx->line, "loop_ without tags");
    return -1;
  }
  int site = lp->col[COL_X] >= 0 || lp->col[COL_Y] >= 0 || lp->col[COL_Z] >= 0;
  if (site && (lp->col[COL_X] < 0 || lp->col[COL_Y] < 0 || lp->col[COL_Z] < 0 ||
               (lp->col[COL_LABEL] < 0 && lp->col[COL_TYPE] < 0))) {
    nacre_io_fail(err, lx->in.name, lx->line,
                  "atom_site loop needs fract_x, fract_y, fract_z and a label "
                  "or type_symbol");
    return -1;
  }
  return 0;
}

static int read_loop(cif_data *d, cif_lex *lx, nacre_error *err) {
  cif_loop lp;
  long start = lx->line;
  if (loop_header(&lp, lx, err)) return -1;
  if (lp.col[COL_X] >= 0 && d->sites.n == 0) d->site_line0 = start;
  long n = 0;
  int k, rc = 0;
  while (!rc && (k = nacre_cif_lex_next(lx, err)) == CIF_VALUE)
    rc = loop_value(d, &lp, lx, n++, err);
  clear_row(&lp);
  if (rc || k == CIF_ERROR) return -1;
  nacre_cif_lex_unread(lx);
  if (n % lp.ntags) {
    nacre_io_fail(err, lx->in.name, start,
                  "loop of %d tags has %ld values (not a multiple)", lp.ntags, n);
    return -1;
  }
  return 0;
}

/* Reads tokens until the end of the first data block that has atoms. */
static int read_blocks(cif_data *d, cif_lex *lx, nacre_error *err) {
  int k;
  while ((k = nacre_cif_lex_next(lx, err)) > CIF_END) {
    int rc = 0;
    if (k == CIF_DATA) {
      if (d->sites.n) return 0;
      memset(d->have_cell, 0, sizeof d->have_cell);
      d->nops = 0;
      d->hm[0] = d->hall[0] = d->number[0] = '\0';
    } else if (k == CIF_TAG) {
      rc = single_tag(d, lx, err);
    } else if (k == CIF_LOOP) {
      rc = read_loop(d, lx, err);
    } else if (k == CIF_VALUE) {
      char q[64];
      nacre_io_fail(err, lx->in.name, lx->line, "value '%s' without a tag",
                    nacre_io_quote(lx->text, q, sizeof q));
      return -1;
    }
    if (rc) return -1;
  }
  return k == CIF_ERROR ? -1 : 0;
}

/* ---- symmetry expansion ---- */

static int same_site(const double *a, const double *b) {
  for (int k = 0; k < 3; k++) {
    double d = a[k] - b[k];
    d -= round(d);
    if (fabs(d) > CIF_MERGE_TOL) return 0;
  }
  return 1;
}

static void apply_op(const cif_data *d, int op, const double *f, double *out) {
  for (int i = 0; i < 3; i++) {
    double x = d->trans[op][i];
    for (int j = 0; j < 3; j++) x += d->rot[op][i][j] * f[j];
    x -= floor(x);
    out[i] = x >= 1.0 ? 0.0 : x;
  }
}

/* ---- the space group by name (no operations listed) ---- */

/* "I m -3 m", "P 63/m m c", "P 1 21/c 1", "Fd-3m:2": spaces and '_' out,
 * and the setting after ':' (origin choice, H or R axes) into choice. */
static void hm_key(const char *in, char *key, size_t n, char *choice,
                   size_t cn) {
  size_t k = 0;
  if (choice) choice[0] = '\0';
  for (const char *p = in; *p && k + 1 < n; p++) {
    if (*p == ':') {
      if (choice) {
        const char *c = p + 1;
        while (*c == ' ') c++;
        snprintf(choice, cn, "%s", c);
        for (char *e = choice + strlen(choice); e > choice && e[-1] == ' ';)
          *--e = '\0';
      }
      break;
    }
    if (*p != ' ' && *p != '_') key[k++] = *p;
  }
  key[k] = '\0';
}

/* Hall symbols compare with runs of spaces as one, case ignored. */
static int same_hall(const char *a, const char *b) {
  for (;;) {
    while (*a == ' ' && (a[1] == ' ' || a[1] == '\0')) a++;
    while (*b == ' ' && (b[1] == ' ' || b[1] == '\0')) b++;
    if (!*a || !*b) return !*a && !*b;
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    a++, b++;
  }
}

/* The Hall setting a Hermann–Mauguin symbol names: the first in spglib's
 * table (its standard setting: origin choice 1, hexagonal axes for R)
 * whose short or full symbol matches, or the one of the setting given
 * after ':'; 0 when none. */
static int hall_from_hm(const char *hm) {
  char key[64], choice[16];
  hm_key(hm, key, sizeof key, choice, sizeof choice);
  if (!key[0]) return 0;
  for (int h = 1; h <= 530; h++) {
    nacre_sg_info g;
    if (nacre_sg_type(h, &g, NULL)) continue;
    char ks[64], kf[64];
    hm_key(g.international, ks, sizeof ks, NULL, 0);
    hm_key(g.international_full, kf, sizeof kf, NULL, 0);
    if (strcmp(key, ks) && strcmp(key, kf)) continue;
    if (!choice[0] || !strcasecmp(choice, g.choice)) return h;
  }
  return 0;
}

static int hall_from_symbol(const char *hall) {
  for (int h = 1; h <= 530; h++) {
    nacre_sg_info g;
    if (!nacre_sg_type(h, &g, NULL) && same_hall(hall, g.hall_symbol)) return h;
  }
  return 0;
}

static int unknown_value(const char *v) {
  return !v[0] || !strcmp(v, "?") || !strcmp(v, ".");
}

/* The Hall setting the data block names: its Hall symbol, else its
 * Hermann–Mauguin symbol (checked against the group number when both are
 * given), else the number alone (the standard setting); 0 with no name at
 * all; -1 on an error (unknown or contradictory names are refused rather
 * than read as P1). */
static int named_setting(const cif_data *d, const char *name,
                         nacre_error *err) {
  char q[80];
  int number = 0, hall = 0;
  if (!unknown_value(d->number) &&
      nacre_io_int(d->number, 1, 230, &number)) {
    nacre_io_fail(err, name, d->number_line,
                  "space-group number '%s' is not in 1..230",
                  nacre_io_quote(d->number, q, sizeof q));
    return -1;
  }
  if (!unknown_value(d->hall)) {
    if (!(hall = hall_from_symbol(d->hall))) {
      nacre_io_fail(err, name, d->hall_line,
                    "unknown Hall symbol '%s'; list the symmetry operations "
                    "(_space_group_symop_operation_xyz) instead",
                    nacre_io_quote(d->hall, q, sizeof q));
      return -1;
    }
  } else if (!unknown_value(d->hm)) {
    if (!(hall = hall_from_hm(d->hm))) {
      nacre_io_fail(err, name, d->hm_line,
                    "unknown Hermann-Mauguin symbol '%s'; list the symmetry "
                    "operations (_space_group_symop_operation_xyz) instead",
                    nacre_io_quote(d->hm, q, sizeof q));
      return -1;
    }
  } else if (number) {
    return nacre_sg_default_hall(number);
  } else {
    return 0;
  }
  nacre_sg_info g;
  if (nacre_sg_type(hall, &g, err)) return -1;
  if (number && g.number != number) {
    nacre_io_fail(err, name, d->number_line,
                  "space-group number %d contradicts the symbol '%s' (group "
                  "%d)",
                  number, nacre_io_quote(unknown_value(d->hall) ? d->hm : d->hall,
                                         q, sizeof q),
                  g.number);
    return -1;
  }
  return hall;
}

/* Operations from the group's name when the block lists none; P1 only when
 * it names no group either. */
static int resolve_operations(cif_data *d, const char *name,
                              nacre_error *err) {
  static const int identity[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  if (d->nops) return 0;
  int hall = named_setting(d, name, err);
  if (hall < 0) return -1;
  if (hall > 0) {
    int (*rot)[3][3] = malloc(sizeof(int[NACRE_SG_MAX_OPS][3][3]));
    double (*trans)[3] = malloc(sizeof(double[NACRE_SG_MAX_OPS][3]));
    int n = 0;
    nacre_status st = rot && trans ? nacre_sg_operations(hall, rot, trans, &n, err)
                                   : nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    if (!st) {
      memcpy(d->rot, rot, sizeof(int[3][3]) * (size_t)n);
      memcpy(d->trans, trans, sizeof(double[3]) * (size_t)n);
      d->nops = n;
    }
    free(rot);
    free(trans);
    return st ? -1 : 0;
  }
  memcpy(d->rot[0], identity, sizeof identity);
  memset(d->trans[0], 0, sizeof d->trans[0]);
  d->nops = 1;
  return 0;
}

/* Appends (z, frac) of each distinct image of every site to out. */
static int expand(const cif_data *d, nacre_io_dbuf *out, const char *name,
                  nacre_error *err) {
  for (size_t s = 0; s < d->sites.n / 4; s++) {
    const double *site = &d->sites.v[4 * s];
    size_t first = out->n;
    for (int op = 0; op < d->nops; op++) {
      double img[4] = {site[0]};
      apply_op(d, op, site + 1, img + 1);
      int dup = 0;
      for (size_t j = first; j < out->n && !dup; j += 4)
        dup = same_site(&out->v[j + 1], img + 1);
      if (dup) continue;
      if (out->n / 4 >= CIF_MAX_ATOMS) {
        nacre_io_fail(err, name, 0, "more than %d atoms after expansion",
                      CIF_MAX_ATOMS);
        return -1;
      }
      if (nacre_io_dbuf_push(out, img, 4, err)) return -1;
    }
  }
  return 0;
}

static nacre_structure *build(cif_data *d, const char *name, nacre_error *err) {
  for (int i = 0; i < 6; i++)
    if (!d->have_cell[i]) {
      nacre_io_fail(err, name, 0, "no %s", cell_tags[i]);
      return NULL;
    }
  if (d->sites.n == 0) {
    nacre_io_fail(err, name, 0, "no atom_site loop with fractional coordinates");
    return NULL;
  }
  double cell[3][3];
  if (nacre_cell_from_lengths_angles(d->cellpar, d->cellpar + 3, cell) ||
      !(fabs(nacre_cell_volume(cell)) > 1e-12)) {
    nacre_io_fail(err, name, 0, "cell lengths and angles do not form a cell");
    return NULL;
  }
  nacre_io_dbuf atoms = {0};
  nacre_structure *s = NULL;
  if (!resolve_operations(d, name, err) && !expand(d, &atoms, name, err) &&
      (s = nacre_structure_new((int)(atoms.n / 4), err))) {
    memcpy(s->cell, cell, sizeof cell);
    for (int i = 0; i < s->natoms; i++) {
      s->numbers[i] = (int)atoms.v[4 * i];
      nacre_cell_frac_to_cart(cell, &atoms.v[4 * i + 1], &s->positions[3 * i]);
    }
  }
  nacre_io_dbuf_free(&atoms);
  return s;
}

nacre_status nacre_cif_read(FILE *fp, const char *name, nacre_structure **out,
                            nacre_error *err) {
  *out = NULL;
  if (!name) name = "(stream)";
  cif_data *d = calloc(1, sizeof *d);
  if (!d) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  cif_lex lx;
  nacre_cif_lex_init(&lx, fp, name);
  if (!read_blocks(d, &lx, err)) *out = build(d, name, err);
  if (*out) {
    nacre_frame f;
    nacre_frame_init(&f);
    f.s = *out;
    if (nacre_frame_check(&f, name, 0, err)) {
      nacre_structure_free(*out);
      *out = NULL;
    }
  }
  nacre_cif_lex_free(&lx);
  nacre_io_dbuf_free(&d->sites);
  free(d);
  if (*out) return NACRE_OK;
  return err ? err->status : NACRE_ERR_PARSE;
}

/* ---- writing ---- */

static void write_header(FILE *fp, const nacre_structure *s,
                         const char *data_name, int sg_number,
                         const char *sg_symbol) {
  char formula[256];
  if (!data_name || !*data_name) {
    nacre_structure_formula(s, formula, sizeof formula);
    data_name = formula;
  }
  fputs("# written by nacre\ndata_", fp);
  for (const char *p = data_name; *p; p++)
    fputc(isspace((unsigned char)*p) ? '_' : *p, fp);
  fputc('\n', fp);
  if (sg_symbol) fprintf(fp, "_symmetry_space_group_name_H-M    '%s'\n", sg_symbol);
  fprintf(fp, "_symmetry_Int_Tables_number       %d\n", sg_number);
  double abc[3], ang[3];
  nacre_cell_lengths_angles(s->cell, abc, ang);
  char t[NACRE_DOUBLE_TEXT];
  for (int i = 0; i < 6; i++) {
    nacre_format_double(i < 3 ? abc[i] : ang[i - 3], t);
    fprintf(fp, "%-24s %s\n", cell_tags[i], t);
  }
}

static void write_ops(FILE *fp, int nops, const int (*rot)[3][3],
                      const double (*trans)[3]) {
  fputs("loop_\n _symmetry_equiv_pos_as_xyz\n", fp);
  for (int k = 0; k < nops; k++) {
    char op[256];
    nacre_cif_format_symop(rot[k], trans[k], op, sizeof op);
    fprintf(fp, "  '%s'\n", op);
  }
}

static void write_sites(FILE *fp, const nacre_structure *s, const double *frac,
                        int n, const int *idx) {
  fputs("loop_\n _atom_site_label\n _atom_site_type_symbol\n"
        " _atom_site_fract_x\n _atom_site_fract_y\n _atom_site_fract_z\n"
        " _atom_site_occupancy\n", fp);
  for (int k = 0; k < n; k++) {
    int i = idx ? idx[k] : k;
    const char *sym = nacre_element_by_z(s->numbers[i])->symbol;
    char t[3][NACRE_DOUBLE_TEXT];
    for (int c = 0; c < 3; c++) nacre_format_double(frac[3 * i + c], t[c]);
    fprintf(fp, "  %s%d %-2s %s %s %s 1\n", sym, k + 1, sym, t[0], t[1], t[2]);
  }
}

static nacre_status write_cif(FILE *fp, const nacre_structure *s,
                              const char *data_name, int sg_number,
                              const char *sg_symbol, int nops,
                              const int (*rot)[3][3], const double (*trans)[3],
                              int nasym, const int *asym, nacre_error *err) {
  nacre_status st = nacre_structure_check(s, err);
  if (st) return st;
  for (int k = 0; asym && k < nasym; k++)
    if (asym[k] < 0 || asym[k] >= s->natoms)
      return nacre_error_set(err, NACRE_ERR_INVALID, "atom index %d out of range",
                             asym[k]);
  double *frac = malloc(3 * (size_t)(s->natoms ? s->natoms : 1) * sizeof *frac);
  if (!frac) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  if (!(st = nacre_structure_get_frac(s, frac, err))) {
    write_header(fp, s, data_name, sg_number, sg_symbol);
    write_ops(fp, nops, rot, trans);
    write_sites(fp, s, frac, nasym, asym);
  }
  free(frac);
  if (!st && ferror(fp)) st = nacre_io_write_failed(err);
  return st;
}

nacre_status nacre_cif_write(FILE *fp, const nacre_structure *s,
                             const char *data_name, nacre_error *err) {
  static const int rot[1][3][3] = {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
  static const double trans[1][3] = {{0, 0, 0}};
  return write_cif(fp, s, data_name, 1, "P 1", 1, rot, trans, s->natoms, NULL,
                   err);
}

nacre_status nacre_cif_write_symmetric(FILE *fp, const nacre_structure *s,
                                       const char *data_name, int sg_number,
                                       const char *sg_symbol, int nops,
                                       const int (*rot)[3][3],
                                       const double (*trans)[3], int nasym,
                                       const int *asym, nacre_error *err) {
  if (sg_number <= 0 || nops <= 0 || !rot || !trans || !asym)
    return nacre_cif_write(fp, s, data_name, err);
  return write_cif(fp, s, data_name, sg_number, sg_symbol, nops, rot, trans,
                   nasym, asym, err);
}
