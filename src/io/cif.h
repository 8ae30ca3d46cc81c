/* cif.h — private pieces of the CIF reader: the tokenizer and the parsing
 * of symmetry operations. */
#ifndef NACRE_IO_CIF_H
#define NACRE_IO_CIF_H

#include "ioutil.h"

enum { CIF_ERROR = -1, CIF_END = 0, CIF_TAG, CIF_VALUE, CIF_LOOP, CIF_DATA,
       CIF_OTHER };

typedef struct cif_lex {
  nacre_io_lines in;
  size_t pos;   /* in the current line */
  char *text;   /* the current token */
  size_t cap;
  long line;    /* of the current token */
  int kind, pushed;
} cif_lex;

void nacre_cif_lex_init(cif_lex *lx, FILE *fp, const char *name);
void nacre_cif_lex_free(cif_lex *lx);
/* Next token kind (text in lx->text), CIF_END or CIF_ERROR. */
int nacre_cif_lex_next(cif_lex *lx, nacre_error *err);
void nacre_cif_lex_unread(cif_lex *lx);

/* "x,y+1/2,-z" style operation → x' = rot·x + trans; 0 on success. */
int nacre_cif_parse_symop(const char *s, int rot[3][3], double trans[3]);
/* Writes an operation as "x-y, y, z+1/2". */
void nacre_cif_format_symop(const int rot[3][3], const double trans[3], char *buf,
                            size_t n);

#endif
