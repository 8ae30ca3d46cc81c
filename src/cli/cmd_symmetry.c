/* cmd_symmetry.c — `nacre symmetry STRUCTURE`: space group, Pearson symbol
 * and Wyckoff sites of a structure; optional tolerance scan; writes the
 * standard primitive or conventional cell, or the symmetrised structure. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/io.h"
#include "nacre/sym.h"

#define CMD "symmetry"
#define DEFAULT_SYMPREC NACRE_SYMPREC_DEFAULT

static void help(void) {
  printf(
      "Usage: nacre symmetry STRUCTURE [options]\n"
      "\n"
      "Finds the space group of STRUCTURE (any format nacre reads; path@N\n"
      "picks frame N) with spglib and prints the group (number, Hermann-\n"
      "Mauguin symbol, Hall setting, point group, crystal system, Pearson\n"
      "symbol) and one row per Wyckoff orbit: the first atom of the orbit,\n"
      "its element, Wyckoff multiplicity and letter (e.g. 4a; multiplicity in\n"
      "the conventional cell), site symmetry and fractional coordinates in\n"
      "the standard setting.\n"
      "\n"
      "Options:\n"
      "  --symprec X      distance tolerance in Å (default %g)\n"
      "  --scan           try tolerances from 1e-5 to 0.1 Å, print the group\n"
      "                   found at each and analyse with the smallest\n"
      "                   tolerance giving the highest group (--symprec is\n"
      "                   then ignored)\n"
      "  --primitive      write the standard primitive cell to -o OUT\n"
      "  --conventional   write the standard conventional cell to -o OUT\n"
      "  --symmetrize     write STRUCTURE made exactly symmetric within the\n"
      "                   tolerance (atom order and orientation kept) to -o OUT\n"
      "  -o, --output OUT file for the cell above; format from its name\n"
      "                   (POSCAR/CONTCAR/*.vasp, *.xyz/*.extxyz, *.cif)\n"
      "  --json           print everything as JSON on standard output\n"
      "  -h, --help       this text\n"
      "\n"
      "The default tolerance is the one of every nacre command (relax, search,\n"
      "phonon): a CIF written by nacre search gives the group of its table.\n"
      "--json keys: doc/symmetry-json.md.\n"
      "\n"
      "Exit status: 0 success, 1 failure (unreadable file, spglib failure),\n"
      "2 usage error.\n",
      DEFAULT_SYMPREC);
}

typedef struct options {
  const char *input, *output;
  double symprec;
  int scan, json;
  int cell; /* 0 none, 1 primitive, 2 conventional, 3 symmetrised */
} options;

static int parse(int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  o->symprec = DEFAULT_SYMPREC;
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return -1;
    } else if (!strcmp(a, "--symprec")) {
      if (++k >= argc) return cli_usage(CMD, "--symprec needs a value");
      if (cli_parse_double(CMD, "--symprec", argv[k], &o->symprec))
        return CLI_USAGE;
      if (!(o->symprec > 0.0))
        return cli_usage(CMD, "--symprec must be positive (got %s)", argv[k]);
    } else if (!strcmp(a, "--scan")) {
      o->scan = 1;
    } else if (!strcmp(a, "--json")) {
      o->json = 1;
    } else if (!strcmp(a, "--primitive") || !strcmp(a, "--conventional") ||
               !strcmp(a, "--symmetrize")) {
      int which = a[2] == 'p' ? 1 : a[2] == 'c' ? 2 : 3;
      if (o->cell && o->cell != which)
        return cli_usage(CMD, "choose one of --primitive, --conventional "
                              "and --symmetrize");
      o->cell = which;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      if (++k >= argc) return cli_usage(CMD, "%s needs a file name", a);
      o->output = argv[k];
    } else if (a[0] == '-' && a[1]) {
      return cli_usage(CMD, "unknown option '%s'", a);
    } else if (!o->input) {
      o->input = a;
    } else {
      return cli_usage(CMD, "one structure expected, got '%s' too", a);
    }
  }
  if (!o->input) return cli_usage(CMD, "no STRUCTURE given");
  if (o->cell && !o->output)
    return cli_usage(CMD, "--primitive, --conventional and --symmetrize "
                          "need -o OUT");
  if (o->output && !o->cell)
    return cli_usage(CMD, "-o needs --primitive, --conventional or "
                          "--symmetrize");
  return 0;
}

/* Index of the first atom of each orbit, in input order. */
static int is_representative(const nacre_symmetry *sym, int i) {
  return sym->equivalent[i] == i;
}

static void print_group(const nacre_symmetry *sym) {
  printf("Space group     %d  %s\n", sym->sg_number, sym->international);
  printf("Hall setting    %d  %s\n", sym->hall_number, sym->hall_symbol);
  printf("Point group     %s\n", sym->point_group);
  printf("Crystal system  %s\n", sym->crystal_system);
  printf("Pearson symbol  %s\n", sym->pearson);
  printf("Tolerance       %g Å\n", sym->symprec);
  printf("Operations      %d (in the input cell)\n", sym->nops);
}

static void print_sites(const nacre_symmetry *sym, const nacre_structure *s,
                        const double *frac) {
  printf("\n%6s  %-7s %-7s %-9s %10s %10s %10s\n", "atom", "element",
         "wyckoff", "site-sym", "x", "y", "z");
  for (int i = 0; i < s->natoms; i++) {
    if (!is_representative(sym, i)) continue;
    double x[3];
    nacre_symmetry_to_standard(sym, &frac[3 * i], x);
    char label[16];
    snprintf(label, sizeof label, "%d%c", sym->multiplicity[i],
             sym->wyckoff[i]);
    const nacre_element *e = nacre_element_by_z(s->numbers[i]);
    printf("%6d  %-7s %-7s %-9s %10.6f %10.6f %10.6f\n", i,
           e ? e->symbol : "?", label, sym->site_symmetry[i], x[0], x[1],
           x[2]);
  }
}

static cJSON *json_group(const nacre_symmetry *sym) {
  cJSON *g = cJSON_CreateObject();
  cJSON_AddNumberToObject(g, "space_group_number", sym->sg_number);
  cJSON_AddStringToObject(g, "space_group", sym->international);
  cJSON_AddNumberToObject(g, "hall_number", sym->hall_number);
  cJSON_AddStringToObject(g, "hall_symbol", sym->hall_symbol);
  cJSON_AddStringToObject(g, "point_group", sym->point_group);
  cJSON_AddStringToObject(g, "crystal_system", sym->crystal_system);
  cJSON_AddStringToObject(g, "pearson", sym->pearson);
  cJSON_AddNumberToObject(g, "symprec_a", sym->symprec);
  cJSON_AddNumberToObject(g, "operations_count", sym->nops);
  return g;
}

static cJSON *json_vec3(const double v[3]) { return cJSON_CreateDoubleArray(v, 3); }

static cJSON *json_analysis(const nacre_symmetry *sym,
                            const nacre_structure *s, const double *frac) {
  cJSON *root = json_group(sym);
  cJSON *ops = cJSON_AddArrayToObject(root, "operations");
  for (int k = 0; k < sym->nops; k++) {
    cJSON *op = cJSON_CreateObject();
    cJSON *rot = cJSON_AddArrayToObject(op, "rotation");
    for (int i = 0; i < 3; i++)
      cJSON_AddItemToArray(rot, cJSON_CreateIntArray(sym->rot[k][i], 3));
    cJSON_AddItemToObject(op, "translation", json_vec3(sym->trans[k]));
    cJSON_AddItemToArray(ops, op);
  }
  cJSON *tr = cJSON_AddArrayToObject(root, "transformation");
  for (int i = 0; i < 3; i++)
    cJSON_AddItemToArray(tr, json_vec3(sym->transformation[i]));
  cJSON_AddItemToObject(root, "origin_shift", json_vec3(sym->origin_shift));
  cJSON *atoms = cJSON_AddArrayToObject(root, "atoms");
  for (int i = 0; i < s->natoms; i++) {
    cJSON *a = cJSON_CreateObject();
    const nacre_element *e = nacre_element_by_z(s->numbers[i]);
    char letter[2] = {sym->wyckoff[i], 0}, label[16];
    snprintf(label, sizeof label, "%d%c", sym->multiplicity[i],
             sym->wyckoff[i]);
    double x[3];
    nacre_symmetry_to_standard(sym, &frac[3 * i], x);
    cJSON_AddNumberToObject(a, "index", i);
    cJSON_AddStringToObject(a, "element", e ? e->symbol : "?");
    cJSON_AddStringToObject(a, "wyckoff", label);
    cJSON_AddStringToObject(a, "letter", letter);
    cJSON_AddNumberToObject(a, "multiplicity", sym->multiplicity[i]);
    cJSON_AddStringToObject(a, "site_symmetry", sym->site_symmetry[i]);
    cJSON_AddNumberToObject(a, "equivalent", sym->equivalent[i]);
    cJSON_AddItemToObject(a, "frac", json_vec3(&frac[3 * i]));
    cJSON_AddItemToObject(a, "frac_standard", json_vec3(x));
    cJSON_AddItemToArray(atoms, a);
  }
  return root;
}

static nacre_status write_cell(const options *o, const nacre_structure *s,
                               double symprec, nacre_error *err) {
  nacre_structure *out = NULL;
  nacre_status st;
  if (o->cell == 3) {
    out = nacre_structure_copy(s, err);
    if (!out) return err->status;
    st = nacre_symmetry_symmetrize(out, symprec, err);
  } else {
    st = nacre_symmetry_standardize(s, symprec, o->cell == 1, &out, err);
  }
  if (!st) st = nacre_write_structure(o->output, out, NACRE_FORMAT_AUTO, err);
  if (st) nacre_error_prefix(err, "writing %s: ", o->output);
  nacre_structure_free(out);
  return st;
}

static int run(int argc, char **argv) {
  options o;
  int rc = parse(argc, argv, &o);
  if (rc) return rc < 0 ? CLI_OK : rc;
  nacre_error err;
  nacre_error_clear(&err);
  nacre_structure *s = NULL;
  nacre_symmetry *sym = NULL;
  double *frac = NULL;
  cJSON *root = o.json ? cJSON_CreateObject() : NULL;
  rc = CLI_FAILED;
  if (nacre_read_structure(o.input, &s, &err)) goto done;
  frac = malloc(3 * (size_t)(s->natoms > 0 ? s->natoms : 1) * sizeof *frac);
  if (!frac) {
    nacre_error_set(&err, NACRE_ERR_NOMEM, "out of memory");
    goto done;
  }
  if (nacre_structure_get_frac(s, frac, &err)) goto done;
  char formula[256];
  nacre_structure_formula(s, formula, sizeof formula);
  if (root) {
    cJSON_AddStringToObject(root, "file", o.input);
    cJSON_AddStringToObject(root, "formula", formula);
    cJSON_AddNumberToObject(root, "natoms", s->natoms);
  } else {
    char natoms[64];
    printf("Structure       %s: %s, %s\n", o.input, formula,
           cli_count(s->natoms, "atom", natoms));
  }
  if (o.scan) {
    cJSON *scan = root ? cJSON_AddArrayToObject(root, "scan") : NULL;
    if (!root) printf("\n%10s  %5s  %-12s %-8s %5s\n", "symprec/Å", "group",
                      "symbol", "Pearson", "ops");
    for (int k = 0; k < NACRE_SYMMETRY_SCAN_NTOL; k++) {
      double tol = nacre_symmetry_scan_tolerance(k);
      nacre_symmetry *t = NULL;
      nacre_error terr;
      if (nacre_symmetry_analyze(s, tol, &t, &terr)) {
        if (!root) printf("%10g  (%s)\n", tol, terr.message);
        continue;
      }
      if (scan)
        cJSON_AddItemToArray(scan, json_group(t));
      else
        printf("%10g  %5d  %-12s %-8s %5d\n", tol, t->sg_number,
               t->international, t->pearson, t->nops);
      nacre_symmetry_free(t);
    }
    if (nacre_symmetry_scan(s, &sym, &err)) goto done;
    if (!root) printf("\nHighest group, at the smallest tolerance giving it:\n");
  } else if (nacre_symmetry_analyze(s, o.symprec, &sym, &err)) {
    goto done;
  }
  if (root) {
    cJSON_AddItemToObject(root, "symmetry", json_analysis(sym, s, frac));
  } else {
    if (!o.scan) printf("\n");
    print_group(sym);
    print_sites(sym, s, frac);
  }
  if (o.cell) {
    if (write_cell(&o, s, sym->symprec, &err)) goto done;
    if (root)
      cJSON_AddStringToObject(root, "output", o.output);
    else
      printf("\nWrote %s cell to %s\n",
             o.cell == 1   ? "the standard primitive"
             : o.cell == 2 ? "the standard conventional"
                           : "the symmetrised",
             o.output);
  }
  if (root) {
    char *text = cJSON_Print(root);
    if (text) puts(text);
    free(text);
  }
  rc = CLI_OK;
done:
  if (rc != CLI_OK) cli_fail(CMD, &err);
  cJSON_Delete(root);
  nacre_symmetry_free(sym);
  nacre_structure_free(s);
  free(frac);
  return rc;
}

const nacre_command nacre_cmd_symmetry = {
    "symmetry", "space group, Pearson symbol, Wyckoff sites, standard cells",
    run};
