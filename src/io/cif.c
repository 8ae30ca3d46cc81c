/* cif.c — CIF reading (first data block with atoms: cell, atom sites,
 * symmetry expansion) and writing (P1, or given operations with an
 * asymmetric unit). */
#include "cif.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nacre/sym.h"

#define CIF_MAX_OPS 384        /* 192 is the most any space group needs */
#define CIF_MAX_ATOMS 1000000  /* after expansion */
#define CIF_MERGE_TOL 1e-3     /* fractional, per coordinate */

enum { COL_LABEL, COL_TYPE, COL_X, COL_Y, COL_Z, COL_OCC, NCOLS };

/* per site (and per image after expansion): z, fx, fy, fz, occupancy, and
 * the line of the site in the file */
#define SITE_W 6

typedef struct cif_data {
  double cellpar[6];
  int have_cell[6];
  int nops;
  int rot[CIF_MAX_OPS][3][3];
  double trans[CIF_MAX_OPS][3];
  nacre_io_dbuf sites; /* SITE_W values per site */
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
                                     "_atom_site_fract_z", "_atom_site_occupancy"};
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

/* The occupancy of a site: 1 when the column is absent or unknown ('?',
 * '.'); a number in (0, 1 + NACRE_CIF_OCCUPANCY_TOL] otherwise. */
static int site_occupancy(const cif_loop *lp, const char *name, double *occ,
                          nacre_error *err) {
  const char *t = lp->col[COL_OCC] >= 0 ? lp->row[COL_OCC] : NULL;
  *occ = 1.0;
  if (!t || !strcmp(t, "?") || !strcmp(t, ".")) return 0;
  char q[64];
  if (cif_number(t, occ) || !(*occ > 0.0) ||
      *occ > 1.0 + NACRE_CIF_OCCUPANCY_TOL) {
    nacre_io_fail(err, name, lp->row_line,
                  "bad _atom_site_occupancy '%s' (expected a number in (0, 1])",
                  nacre_io_quote(t, q, sizeof q));
    return -1;
  }
  return 0;
}

static int end_site_row(cif_data *d, cif_loop *lp, const char *name,
                        nacre_error *err) {
  double v[SITE_W];
  char q[64];
  if (!(v[0] = site_element(lp, name, lp->row_line, err))) return -1;
  for (int k = 0; k < 3; k++) {
    if (cif_number(lp->row[COL_X + k], &v[1 + k])) {
      nacre_io_fail(err, name, lp->row_line, "bad fractional coordinate '%s'",
                    nacre_io_quote(lp->row[COL_X + k], q, sizeof q));
      return -1;
    }
  }
  if (site_occupancy(lp, name, &v[4], err)) return -1;
  v[5] = (double)lp->row_line;
  if (d->sites.n / SITE_W >= CIF_MAX_ATOMS) {
    nacre_io_fail(err, name, lp->row_line, "too many atom sites");
    return -1;
  }
  return nacre_io_dbuf_push(&d->sites, v, SITE_W, err) ? -1 : 0;
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

/* Appends each distinct image of every site to out (SITE_W values: the
 * site's with the fractional coordinates of the image). */
static int expand(const cif_data *d, nacre_io_dbuf *out, const char *name,
                  nacre_error *err) {
  for (size_t s = 0; s < d->sites.n / SITE_W; s++) {
    const double *site = &d->sites.v[SITE_W * s];
    size_t first = out->n;
    for (int op = 0; op < d->nops; op++) {
      double img[SITE_W];
      memcpy(img, site, sizeof img);
      apply_op(d, op, site + 1, img + 1);
      int dup = 0;
      for (size_t j = first; j < out->n && !dup; j += SITE_W)
        dup = same_site(&out->v[j + 1], img + 1);
      if (dup) continue;
      if (out->n / SITE_W >= CIF_MAX_ATOMS) {
        nacre_io_fail(err, name, 0, "more than %d atoms after expansion",
                      CIF_MAX_ATOMS);
        return -1;
      }
      if (nacre_io_dbuf_push(out, img, SITE_W, err)) return -1;
    }
  }
  return 0;
}

static int partial(double occ) { return occ < 1.0 - NACRE_CIF_OCCUPANCY_TOL; }

/* The ordered reader refuses the first partially occupied site. */
static int refuse_partial(const nacre_io_dbuf *atoms, const char *name,
                          nacre_error *err) {
  for (size_t j = 0; j < atoms->n; j += SITE_W) {
    const double *a = &atoms->v[j];
    if (!partial(a[4])) continue;
    const nacre_element *e = nacre_element_by_z((int)a[0]);
    nacre_io_fail(err, name, (long)a[5],
                  "%s site with occupancy %g: a partially occupied site, and "
                  "this command reads ordered crystals only (nacre order "
                  "enumerates the orderings of a disordered CIF)",
                  e ? e->symbol : "?", a[4]);
    return -1;
  }
  return 0;
}

/* Checks the cell and the sites and expands them into atoms (SITE_W values
 * each). */
static int expand_block(cif_data *d, double cell[3][3], nacre_io_dbuf *atoms,
                        const char *name, nacre_error *err) {
  for (int i = 0; i < 6; i++)
    if (!d->have_cell[i]) {
      nacre_io_fail(err, name, 0, "no %s", cell_tags[i]);
      return -1;
    }
  if (d->sites.n == 0) {
    nacre_io_fail(err, name, 0, "no atom_site loop with fractional coordinates");
    return -1;
  }
  if (nacre_cell_from_lengths_angles(d->cellpar, d->cellpar + 3, cell) ||
      !(fabs(nacre_cell_volume(cell)) > 1e-12)) {
    nacre_io_fail(err, name, 0, "cell lengths and angles do not form a cell");
    return -1;
  }
  return resolve_operations(d, name, err) || expand(d, atoms, name, err) ? -1 : 0;
}

static nacre_structure *build(cif_data *d, const char *name, nacre_error *err) {
  double cell[3][3];
  nacre_io_dbuf atoms = {0};
  nacre_structure *s = NULL;
  if (!expand_block(d, cell, &atoms, name, err) &&
      !refuse_partial(&atoms, name, err) &&
      (s = nacre_structure_new((int)(atoms.n / SITE_W), err))) {
    memcpy(s->cell, cell, sizeof cell);
    for (int i = 0; i < s->natoms; i++) {
      s->numbers[i] = (int)atoms.v[SITE_W * i];
      nacre_cell_frac_to_cart(cell, &atoms.v[SITE_W * i + 1], &s->positions[3 * i]);
    }
  }
  nacre_io_dbuf_free(&atoms);
  return s;
}

/* The first data block with atoms, parsed (a NULL return sets err). */
static cif_data *parse(FILE *fp, const char *name, nacre_error *err) {
  cif_data *d = calloc(1, sizeof *d);
  if (!d) {
    nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    return NULL;
  }
  cif_lex lx;
  nacre_cif_lex_init(&lx, fp, name);
  int rc = read_blocks(d, &lx, err);
  nacre_cif_lex_free(&lx);
  if (rc) {
    nacre_io_dbuf_free(&d->sites);
    free(d);
    return NULL;
  }
  return d;
}

static void data_free(cif_data *d) {
  if (!d) return;
  nacre_io_dbuf_free(&d->sites);
  free(d);
}

/* The checks every reader makes on a finished structure (no atoms, two at
 * one position, ...); frees it on failure. */
static nacre_status check_structure(nacre_structure **s, const char *name,
                                    nacre_error *err) {
  nacre_frame f;
  nacre_frame_init(&f);
  f.s = *s;
  nacre_status st = nacre_frame_check(&f, name, 0, err);
  if (st) {
    nacre_structure_free(*s);
    *s = NULL;
  }
  return st;
}

nacre_status nacre_cif_read(FILE *fp, const char *name, nacre_structure **out,
                            nacre_error *err) {
  *out = NULL;
  if (!name) name = "(stream)";
  cif_data *d = parse(fp, name, err);
  if (d) *out = build(d, name, err);
  data_free(d);
  if (*out) return check_structure(out, name, err);
  return err ? err->status : NACRE_ERR_PARSE;
}

/* ---- disordered crystals ---- */

/* One position of a disordered crystal: its first image (index into the
 * atoms) and what sits there. */
typedef struct cif_position {
  size_t first;
  long line; /* of the first site there */
  nacre_site_mix mix;
  double total;
} cif_position;

static int add_species(cif_position *p, const double *a, const char *name,
                       nacre_error *err) {
  int z = (int)a[0], k = 0;
  while (k < p->mix.nspecies && p->mix.z[k] != z) k++;
  if (k == NACRE_SITE_MAX_SPECIES) {
    nacre_io_fail(err, name, (long)a[5], "more than %d species at one position",
                  NACRE_SITE_MAX_SPECIES);
    return -1;
  }
  if (k == p->mix.nspecies) {
    p->mix.z[k] = z;
    p->mix.fraction[k] = 0.0;
    p->mix.nspecies++;
  }
  p->mix.fraction[k] += a[4];
  p->total += a[4];
  if (p->total > 1.0 + NACRE_CIF_OCCUPANCY_TOL) {
    nacre_io_fail(err, name, (long)a[5],
                  "occupancies at one position add up to %g (> 1) with the "
                  "site of line %ld",
                  p->total, p->line);
    return -1;
  }
  return 0;
}

/* Groups the atoms by position: sites sharing a position (a mixed site)
 * become one. A fully occupied atom is compared only with positions that
 * hold partial ones, so an ordered file costs O(N). */
static int group_positions(const nacre_io_dbuf *atoms, cif_position **out,
                           size_t *npos, const char *name, nacre_error *err) {
  size_t n = atoms->n / SITE_W, np = 0;
  cif_position *pos = calloc(n ? n : 1, sizeof *pos);
  size_t *mixed = malloc((n ? n : 1) * sizeof *mixed), nmixed = 0;
  int rc = pos && mixed ? 0 : -1;
  if (rc) nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n && !rc; i++) {
    const double *a = &atoms->v[SITE_W * i];
    size_t at = np;
    for (size_t m = 0; m < nmixed && at == np; m++)
      if (same_site(&atoms->v[SITE_W * pos[mixed[m]].first + 1], a + 1)) at = mixed[m];
    if (at == np && partial(a[4]))
      for (size_t q = 0; q < np && at == np; q++)
        if (same_site(&atoms->v[SITE_W * pos[q].first + 1], a + 1)) at = q;
    if (at == np) {
      pos[np].first = i;
      pos[np].line = (long)a[5];
      np++;
    }
    int was_mixed = pos[at].mix.nspecies > 1 || partial(pos[at].total);
    rc = add_species(&pos[at], a, name, err);
    if (!rc && !was_mixed && (pos[at].mix.nspecies > 1 || partial(pos[at].total)))
      mixed[nmixed++] = at;
  }
  free(mixed);
  if (rc) {
    free(pos);
    return -1;
  }
  *out = pos;
  *npos = np;
  return 0;
}

/* Occupancies within the tolerance of 1 are scaled to 1; what is left
 * empty becomes a vacancy. The species of the largest occupancy (the first
 * on a tie) goes first. */
static int finish_mix(nacre_site_mix *m, double total) {
  if (partial(total)) {
    m->z[m->nspecies] = 0;
    m->fraction[m->nspecies++] = 1.0 - total;
  } else {
    for (int k = 0; k < m->nspecies; k++) m->fraction[k] /= total;
  }
  int best = 0;
  for (int k = 1; k < m->nspecies; k++)
    if (m->z[k] && m->fraction[k] > m->fraction[best] + 1e-12) best = k;
  if (!m->z[best]) return 0; /* only a vacancy cannot happen: occ > 0 */
  int z = m->z[best];
  double f = m->fraction[best];
  memmove(&m->z[1], &m->z[0], (size_t)best * sizeof m->z[0]);
  memmove(&m->fraction[1], &m->fraction[0], (size_t)best * sizeof m->fraction[0]);
  m->z[0] = z;
  m->fraction[0] = f;
  return z;
}

nacre_status nacre_cif_read_disordered(FILE *fp, const char *name,
                                       nacre_structure **parent,
                                       nacre_site_mix **mix, nacre_error *err) {
  *parent = NULL;
  *mix = NULL;
  if (!name) name = "(stream)";
  cif_data *d = parse(fp, name, err);
  double cell[3][3];
  nacre_io_dbuf atoms = {0};
  cif_position *pos = NULL;
  size_t np = 0;
  if (d && !expand_block(d, cell, &atoms, name, err) &&
      !group_positions(&atoms, &pos, &np, name, err) &&
      (*parent = nacre_structure_new((int)np, err)) &&
      !(*mix = malloc((np ? np : 1) * sizeof **mix))) {
    nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
    nacre_structure_free(*parent);
    *parent = NULL;
  }
  if (*parent) {
    nacre_structure *s = *parent;
    memcpy(s->cell, cell, sizeof cell);
    for (size_t p = 0; p < np; p++) {
      (*mix)[p] = pos[p].mix;
      s->numbers[p] = finish_mix(&(*mix)[p], pos[p].total);
      nacre_cell_frac_to_cart(cell, &atoms.v[SITE_W * pos[p].first + 1],
                              &s->positions[3 * p]);
    }
  }
  free(pos);
  nacre_io_dbuf_free(&atoms);
  data_free(d);
  if (*parent && !check_structure(parent, name, err)) return NACRE_OK;
  free(*mix);
  *mix = NULL;
  return err ? err->status : NACRE_ERR_PARSE;
}

nacre_status nacre_read_cif_disordered(const char *path,
                                       nacre_structure **parent,
                                       nacre_site_mix **mix, nacre_error *err) {
  *parent = NULL;
  *mix = NULL;
  FILE *fp = fopen(path, "r");
  if (!fp)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", path,
                           strerror(errno));
  nacre_status st = nacre_cif_read_disordered(fp, path, parent, mix, err);
  fclose(fp);
  return st;
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
