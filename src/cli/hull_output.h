/* hull_output.h — how a hull of hull_entries is shown and written: the
 * table, the JSON entries and the CSV of `nacre hull`, and the three files
 * a variable-composition search writes with its report. */
#ifndef NACRE_CLI_HULL_OUTPUT_H
#define NACRE_CLI_HULL_OUTPUT_H

#include <cjson/cJSON.h>

#include "hull_entries.h"

/* The symbol of element z ("X" when unknown). */
const char *hull_symbol(int z);
/* "stable", or "0.5 LiSn#3 + 0.5 Li2Sn#7". */
void hull_decomposition_text(const hull_entries *l, const nacre_hull_point *p,
                             char *buf, size_t n);
/* The table on standard output. */
void hull_print_table(const hull_entries *l, const nacre_hull *h,
                      const int *z, int nel);
/* Entry i as an object of the vocabulary's keys. */
cJSON *hull_entry_json(const hull_entries *l, const nacre_hull *h, int i,
                       int nel);
/* One row per entry (doc: nacre hull --help). */
nacre_status hull_write_csv(const char *path, const hull_entries *l,
                            const nacre_hull *h, nacre_error *err);
/* elements, pressure_gpa, entries and stable, as nacre hull --json. */
cJSON *hull_json(const hull_entries *l, const nacre_hull *h, const int *z,
                 int nel);
/* The hull of the minima of the search run file db (every distinct
 * minimum): hull.csv, hull.json and hull.svg written into dir; the table
 * printed unless quiet. */
nacre_status hull_of_run(const char *db, const char *dir, int quiet,
                         const nacre_ctx *ctx, nacre_error *err);

#endif
