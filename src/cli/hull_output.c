/* hull_output.c — the table, JSON and CSV of a hull (see hull_output.h),
 * shared by `nacre hull` and the report of a variable-composition
 * `nacre search`. */
#include "hull_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nacre/thermo.h"

const char *hull_symbol(int z) {
  const nacre_element *e = nacre_element_by_z(z);
  return e ? e->symbol : "X";
}

void hull_decomposition_text(const hull_entries *l, const nacre_hull_point *p,
                               char *buf, size_t n) {
  size_t len = 0;
  buf[0] = '\0';
  if (p->stable) {
    snprintf(buf, n, "stable");
    return;
  }
  for (int k = 0; k < p->ndecomp && len < n; k++)
    len += (size_t)snprintf(buf + len, n - len, "%s%.4g %s", k ? " + " : "",
                            p->decomp_fraction[k], l->e[p->decomp_entry[k]].name);
}

void hull_print_table(const hull_entries *l, const nacre_hull *h,
                        const int *z, int nel) {
  printf("hull of %d entr%s in", l->n, l->n == 1 ? "y" : "ies");
  for (int k = 0; k < nel; k++) printf("%s%s", k ? "-" : " ", hull_symbol(z[k]));
  printf(" at %g GPa: %d stable\n", l->pressure_gpa, nacre_hull_nstable(h));
  printf("%-24s %-14s", "name", "formula");
  for (int k = 1; k < nel; k++) printf(" x(%-2s) ", hull_symbol(z[k]));
  printf(" %13s %13s  %s\n", "E_f (eV/at)", "above (meV)", "decomposition");
  for (int i = 0; i < l->n; i++) {
    const nacre_hull_point *p = nacre_hull_entry(h, i);
    const double *x = nacre_hull_fractions(h, i);
    char dec[512];
    hull_decomposition_text(l, p, dec, sizeof dec);
    printf("%-24s %-14s", l->e[i].name, l->e[i].formula);
    for (int k = 1; k < nel; k++) printf(" %6.4f", x[k]);
    printf(" %13.6f %13.3f  %s\n", p->formation_per_atom_ev,
           p->e_above_hull_per_atom_ev * 1000, dec);
  }
}

cJSON *hull_entry_json(const hull_entries *l, const nacre_hull *h, int i,
                         int nel) {
  const nacre_hull_point *p = nacre_hull_entry(h, i);
  const hull_entry *e = &l->e[i];
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", e->name);
  cJSON_AddStringToObject(o, "formula", e->formula);
  cJSON_AddNumberToObject(o, "natoms", e->natoms);
  cJSON_AddNumberToObject(o, "energy_per_atom_ev", e->energy_ev / e->natoms);
  cJSON_AddItemToObject(o, "fractions",
                        cJSON_CreateDoubleArray(nacre_hull_fractions(h, i), nel));
  cJSON_AddNumberToObject(o, "formation_energy_per_atom_ev",
                          p->formation_per_atom_ev);
  cJSON_AddNumberToObject(o, "energy_above_hull_per_atom_ev",
                          p->e_above_hull_per_atom_ev);
  cJSON_AddBoolToObject(o, "stable", p->stable);
  cJSON *d = cJSON_AddArrayToObject(o, "decomposition");
  for (int k = 0; k < p->ndecomp; k++) {
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "name", l->e[p->decomp_entry[k]].name);
    cJSON_AddNumberToObject(x, "fraction", p->decomp_fraction[k]);
    cJSON_AddItemToArray(d, x);
  }
  return o;
}

nacre_status hull_write_csv(const char *path, const hull_entries *l,
                              const nacre_hull *h, nacre_error *err) {
  FILE *fp = fopen(path, "w");
  if (!fp) return nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", path);
  fprintf(fp, "name,formula,natoms,energy_per_atom_ev,"
              "formation_energy_per_atom_ev,energy_above_hull_per_atom_ev,"
              "stable,decomposition\n");
  for (int i = 0; i < l->n; i++) {
    const nacre_hull_point *p = nacre_hull_entry(h, i);
    char dec[512];
    hull_decomposition_text(l, p, dec, sizeof dec);
    fprintf(fp, "%s,%s,%g,%.10f,%.10f,%.10f,%d,%s\n", l->e[i].name,
            l->e[i].formula, l->e[i].natoms, l->e[i].energy_ev / l->e[i].natoms,
            p->formation_per_atom_ev, p->e_above_hull_per_atom_ev, p->stable,
            dec);
  }
  int bad = ferror(fp);
  if (fclose(fp) || bad)
    return nacre_error_set(err, NACRE_ERR_IO, "error writing %s", path);
  return NACRE_OK;
}

cJSON *hull_json(const hull_entries *l, const nacre_hull *h, const int *z,
                 int nel) {
  cJSON *root = cJSON_CreateObject();
  cJSON *els = cJSON_AddArrayToObject(root, "elements");
  for (int k = 0; k < nel; k++) cJSON_AddItemToArray(els, cJSON_CreateString(hull_symbol(z[k])));
  cJSON_AddNumberToObject(root, "pressure_gpa", l->pressure_gpa);
  cJSON *ents = cJSON_AddArrayToObject(root, "entries");
  for (int i = 0; i < l->n; i++) cJSON_AddItemToArray(ents, hull_entry_json(l, h, i, nel));
  cJSON *stab = cJSON_AddArrayToObject(root, "stable");
  for (int k = 0; k < nacre_hull_nstable(h); k++)
    cJSON_AddItemToArray(stab, cJSON_CreateString(l->e[nacre_hull_stable(h, k)].name));
  return root;
}

static nacre_status write_text(const char *path, const char *text, nacre_error *err) {
  size_t n = strlen(path) + 8;
  char *tmp = malloc(n);
  if (!tmp) return nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  snprintf(tmp, n, "%s.tmp", path);
  FILE *fp = fopen(tmp, "w");
  nacre_status st = NACRE_OK;
  if (!fp) st = nacre_error_set(err, NACRE_ERR_IO, "cannot write %s", tmp);
  else {
    int bad = fputs(text, fp) < 0 || fputc('\n', fp) < 0;
    if (fclose(fp) || bad || rename(tmp, path))
      st = nacre_error_set(err, NACRE_ERR_IO, "error writing %s", path);
  }
  free(tmp);
  return st;
}

nacre_status hull_of_run(const char *db, const char *dir, int quiet,
                         const nacre_ctx *ctx, nacre_error *err) {
  hull_entries l = {0};
  nacre_hull *h = NULL;
  double *amounts = NULL, *energies = NULL;
  int z[NACRE_HULL_MAX_ELEMENTS], nel = 0;
  char path[4096];
  cJSON *root = NULL;
  nacre_status st = hull_entries_add(&l, db, ctx, err);
  if (!st) {
    hull_entries_reduce(&l);
    st = hull_entries_elements(&l, NULL, z, &nel, err);
  }
  if (!st) st = hull_entries_arrays(&l, z, nel, &amounts, &energies, err);
  if (!st) st = nacre_hull_new(nel, l.n, amounts, energies, &h, err);
  if (st) goto done;
  mkdir(dir, 0755);
  snprintf(path, sizeof path, "%s/hull.csv", dir);
  if ((st = hull_write_csv(path, &l, h, err))) goto done;
  root = hull_json(&l, h, z, nel);
  char *text = root ? cJSON_Print(root) : NULL;
  snprintf(path, sizeof path, "%s/hull.json", dir);
  st = text ? write_text(path, text, err)
            : nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  free(text);
  if (st) goto done;
  const char **labels = malloc((size_t)l.n * sizeof *labels);
  const char *names[NACRE_HULL_MAX_ELEMENTS];
  for (int k = 0; k < nel; k++) names[k] = hull_symbol(z[k]);
  for (int i = 0; labels && i < l.n; i++) labels[i] = l.e[i].reduced;
  snprintf(path, sizeof path, "%s/hull.svg", dir);
  st = labels ? nacre_hull_svg(path, h, labels, names, err)
              : nacre_error_set(err, NACRE_ERR_NOMEM, "out of memory");
  free(labels);
  if (!st && !quiet) hull_print_table(&l, h, z, nel);
done:
  if (st) nacre_error_prefix(err, "hull of %s: ", db);
  cJSON_Delete(root);
  nacre_hull_free(h);
  free(amounts);
  free(energies);
  hull_entries_free(&l);
  return st;
}
