/* test_table.c — CSV tables (core's nacre_table, also read by the phonon,
 * thermo and hull tables) and data for the fit layer: quoted fields,
 * comments (whole lines and the rest of a line) and blank lines are read as a spreadsheet writes them; every
 * bad input (missing value, text in a numeric column, a row with too few
 * fields, a constant target, one class, a non-integer label, an unknown
 * column) is an error whose message names the file, the line and the
 * column; units parse and print back. */
#include <string.h>

#include "nacre/fit.h"
#include "testing.h"

static nacre_table *parse(const char *text, nacre_error *err) {
  nacre_table *t = NULL;
  nacre_table_parse(text, strlen(text), "data.csv", &t, err);
  return t;
}

/* The data call fails and its message contains every `want` fragment. */
static void check_data_error(const char *text, const char *features, const char *target,
                             int classify, const char *want1, const char *want2,
                             const char *what) {
  nacre_error err;
  nacre_error_clear(&err);
  nacre_table *t = parse(text, &err);
  CHECK(t != NULL, "%s: table parses (%s)", what, err.message);
  if (!t) return;
  nacre_fit_data *d = NULL;
  nacre_status st = nacre_fit_data_from_table(t, features, target, NULL, classify, &d, &err);
  CHECK(st != NACRE_OK && !d, "%s: rejected", what);
  CHECK(strstr(err.message, want1) != NULL, "%s: message '%s' names '%s'", what, err.message,
        want1);
  if (want2)
    CHECK(strstr(err.message, want2) != NULL, "%s: message '%s' names '%s'", what, err.message,
          want2);
  nacre_fit_data_free(d);
  nacre_table_free(t);
}

int main(void) {
  nacre_error err;
  nacre_error_clear(&err);

  /* quoting, comments, blank lines, CRLF, spaces around fields */
  const char *good = "# a comment\r\n"
                     "name,x,\"y, in eV\",label\r\n"
                     "\r\n"
                     "\"Na, bcc\", 1.5 ,2e-1,1\r\n"
                     "\"say \"\"hi\"\"\",-3,4,0\r\n";
  nacre_table *t = parse(good, &err);
  CHECK(t != NULL, "quoted CSV parses: %s", err.message);
  if (t) {
    CHECK(nacre_table_rows(t) == 2 && nacre_table_columns(t) == 4, "2 rows, 4 columns");
    CHECK(!strcmp(nacre_table_cell(t, 0, 0), "Na, bcc"), "a quoted comma stays in the cell");
    CHECK(!strcmp(nacre_table_cell(t, 1, 0), "say \"hi\""), "doubled quotes are a quote");
    CHECK(!strcmp(nacre_table_name(t, 2), "y, in eV"), "quoted header name");
    CHECK(nacre_table_line(t, 0) == 4 && nacre_table_line(t, 1) == 5,
          "rows keep their file lines (4, 5), got %d, %d", nacre_table_line(t, 0),
          nacre_table_line(t, 1));
    double v[2];
    CHECK_OK(nacre_table_numeric(t, 1, v, &err), &err);
    CHECK_CLOSE(v[0], 1.5, 0, "spaces around a number");
    CHECK_CLOSE(v[1], -3, 0, "negative number");
    nacre_fit_data *d = NULL;
    CHECK_OK(nacre_fit_data_from_table(t, NULL, "label", "x=Å", 1, &d, &err), &err);
    if (d) {
      CHECK(d->nfeatures == 2, "the numeric columns but the target are features (%d)",
            d->nfeatures);
      CHECK(!strcmp(d->names[0], "x") && !strcmp(d->units[0], "Å") && !d->units[1][0],
            "units reach their column");
      CHECK_CLOSE(d->x[1 * 2 + 0], 0.2, 0, "second feature, first row");
      nacre_fit_data_free(d);
    }
    nacre_table_free(t);
  }

  /* a comment after the fields; one cell's number */
  t = parse("a,b # the columns\n1, 2.5 # first row\n\"x#y\",3\n", &err);
  CHECK(t && nacre_table_rows(t) == 2 && nacre_table_columns(t) == 2,
        "trailing comments end their lines: %s", err.message);
  if (t) {
    double v = 0;
    CHECK_OK(nacre_table_number(t, 0, 1, &v, &err), &err);
    CHECK_CLOSE(v, 2.5, 0, "a number before a comment");
    CHECK(!strcmp(nacre_table_cell(t, 1, 0), "x#y"), "a quoted '#' stays in the cell");
    CHECK(nacre_table_number(t, 1, 0, &v, &err) == NACRE_ERR_PARSE &&
              strstr(err.message, "data.csv:3") && strstr(err.message, "'a'"),
          "text where a number is asked names file, line and column: '%s'", err.message);
    nacre_table_free(t);
  }

  /* errors that name file, line and column */
  check_data_error("a,b,y\n1,2,3\n4,,6\n", "a,b", "y", 0, "data.csv:3", "'b'",
                   "missing value");
  check_data_error("a,b,y\n1,2,3\n4,five,6\n", "a,b", "y", 0, "data.csv:3", "'five'",
                   "text in a numeric column");
  check_data_error("a,b,y\n1,2,3\n4,5,nan\n", "a,b", "y", 0, "data.csv:3", "'y'",
                   "NaN is not a finite number");
  check_data_error("a,b,y\n1,2,3\n4,5,3\n", "a,b", "y", 0, "constant", "'y'",
                   "a constant target");
  check_data_error("a,b,y\n1,2,1\n4,5,1\n", "a,b", "y", 1, "one class", "'y'",
                   "a single class");
  check_data_error("a,b,y\n1,2,1\n4,5,0.5\n", "a,b", "y", 1, "data.csv:3", "integer",
                   "a non-integer class label");
  check_data_error("a,b,y\n1,2,1\n4,5,0\n", "a,c", "y", 0, "'c'", "columns: a, b, y",
                   "an unknown feature column");
  check_data_error("a,b,y\n1,2,1\n4,5,0\n", "a,b", "z", 0, "'z'", NULL,
                   "an unknown target column");
  check_data_error("a,b,y\n1,2,1\n4,5,0\n", "a,b,y", "y", 0, "also a feature", NULL,
                   "the target among the features");
  nacre_table *bad = parse("a,b\n1,2\n3\n", &err);
  CHECK(!bad && strstr(err.message, "data.csv:3") && strstr(err.message, "1 fields"),
        "a short row names its line: '%s'", err.message);
  bad = parse("a,a\n1,2\n", &err);
  CHECK(!bad && strstr(err.message, "twice"), "a repeated column name: '%s'", err.message);
  bad = parse("a,b\n\"1,2\n", &err);
  CHECK(!bad && strstr(err.message, "quote"), "an unterminated quote: '%s'", err.message);
  bad = parse("", &err);
  CHECK(!bad && strstr(err.message, "no header"), "an empty file: '%s'", err.message);
  nacre_table_free(bad);
  nacre_table *missing = NULL;
  CHECK(nacre_table_read("/nonexistent/x.csv", &missing, &err) == NACRE_ERR_IO &&
            strstr(err.message, "/nonexistent/x.csv"),
        "an absent file is named: '%s'", err.message);

  /* units: products and powers, printed back in a fixed form */
  nacre_fit_unit_table ut = {0};
  nacre_fit_unit u;
  char buf[64];
  CHECK_OK(nacre_fit_unit_parse("eV/Å^3", &ut, &u, &err), &err);
  nacre_fit_unit_format(&u, &ut, buf, sizeof buf);
  CHECK(!strcmp(buf, "eV/Å^3"), "eV/Å^3 prints back, got '%s'", buf);
  CHECK_OK(nacre_fit_unit_parse("kg*m^2/s^2", &ut, &u, &err), &err);
  nacre_fit_unit_format(&u, &ut, buf, sizeof buf);
  CHECK(!strcmp(buf, "kg*m^2/s^2"), "kg*m^2/s^2 prints back, got '%s'", buf);
  CHECK_OK(nacre_fit_unit_parse("1/s", &ut, &u, &err), &err);
  nacre_fit_unit_format(&u, &ut, buf, sizeof buf);
  CHECK(!strcmp(buf, "1/s"), "1/s prints back, got '%s'", buf);
  CHECK_OK(nacre_fit_unit_parse("", &ut, &u, &err), &err);
  nacre_fit_unit_format(&u, &ut, buf, sizeof buf);
  CHECK(!buf[0], "dimensionless prints as nothing, got '%s'", buf);
  CHECK(nacre_fit_unit_parse("m^x", &ut, &u, &err) == NACRE_ERR_PARSE, "a bad power is an error");

  unsigned ops;
  CHECK_OK(nacre_fit_ops_parse("+,-,|-|,*,/,exp,log,sqrt,^2,^3,^-1", &ops, &err), &err);
  CHECK(ops == NACRE_FIT_OP_ALL, "the full operator list is every operator");
  nacre_fit_ops_format(NACRE_FIT_OP_ADD | NACRE_FIT_OP_LOG, buf, sizeof buf);
  CHECK(!strcmp(buf, "+,log"), "operators print back, got '%s'", buf);
  CHECK(nacre_fit_ops_parse("+,tan", &ops, &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "tan"),
        "an unknown operator is named: '%s'", err.message);
  TEST_DONE();
}
