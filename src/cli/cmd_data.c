/* cmd_data.c — `nacre data info|filter|weight|split|merge|convert`: inspect and
 * reshape labelled data sets (MAISE folders, DeePMD folders, extended XYZ,
 * OUTCAR). Science lives in src/train; this file parses and prints. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/train.h"

static void help(void) {
  printf(
      "Usage: nacre data ACTION [options] DATA...\n"
      "\n"
      "DATA is a MAISE data folder (every directory below it holding POSCAR.0\n"
      "and dat.dat; stress 'in kB' there is VASP's, positive = compressive),\n"
      "a DeePMD-kit system folder (type.raw, type_map.raw, set.*/box.npy,\n"
      "coord.npy, energy.npy, force.npy, virial.npy; virial W = -V sigma in eV),\n"
      "an extended XYZ file (energy or REF_energy, else free_energy; forces or\n"
      "REF_forces; stress in eV/Å^3 positive = tensile, or virial in eV) or a\n"
      "VASP OUTCAR (every ionic step; OUTCAR@-1 for the last only, FILE@N for\n"
      "frame N). Several DATA are read in the order given.\n"
      "\n"
      "Actions:\n"
      "  info      counts, species, ranges of energy per atom (eV/atom), force\n"
      "            components (eV/Å), pressure (GPa) and volume (Å^3/atom),\n"
      "            structures per class (info key config_type, else kind)\n"
      "  filter    keep structures within the limits below; needs -o\n"
      "  weight    set the loss weight (info key config_weight) of the\n"
      "            structures within the filter limits to --weight W and keep\n"
      "            every structure, the others with the weight they had; for\n"
      "            example --class random --weight 3; needs -o\n"
      "  split     shuffle with --seed and split by --fractions into\n"
      "            PREFIX.train.xyz, PREFIX.valid.xyz, PREFIX.test.xyz; -o PREFIX\n"
      "  merge     all DATA into one extended XYZ file; needs -o\n"
      "  convert   same as merge (one DATA to extended XYZ); needs -o\n"
      "\n"
      "Options:\n"
      "  -o, --output PATH        output extended XYZ file (split: prefix)\n"
      "  --json                   info: machine-readable output (keys in\n"
      "                           doc/data.md)\n"
      "  --emax E                 filter: energy per atom at most E (eV/atom)\n"
      "  --emax-above-min E       filter: at most E eV/atom above the lowest\n"
      "                           energy per atom of the set (MAISE's EMAX)\n"
      "  --fmax F                 filter: no force component beyond F (eV/Å)\n"
      "  --pmax P                 filter: |pressure| at most P (GPa)\n"
      "  --min-atoms N, --max-atoms N  filter: size limits\n"
      "  --require LABELS         filter: labels that must be present, any of\n"
      "                           'e' (energy), 'f' (forces), 's' (stress)\n"
      "  --species A,B,...        filter: only structures made of these elements\n"
      "  --class C,D,...          filter: only structures of these classes (info\n"
      "                           key config_type, else kind; see info)\n"
      "  --not-class C,D,...      filter: all but these classes\n"
      "  --weight W               weight: the loss weight to set (>= 0; 0\n"
      "                           leaves a structure out of training)\n"
      "  --fractions T,V,X        split: train, validation, test (default\n"
      "                           0.8,0.1,0.1; normalised to sum 1)\n"
      "  --seed S                 split: shuffle seed (default 1)\n"
      "  --by KEY                 split: by a hash of each frame's info key KEY\n"
      "                           (e.g. label_id) and --seed instead of a\n"
      "                           shuffle, so a structure stays in its part\n"
      "                           when the data grow (test sets stay unseen);\n"
      "                           the parts hold the fractions on average\n"
      "  -h, --help               this text\n"
      "\n"
      "Extended XYZ output follows ASE: energy (eV), forces (eV/Å) and stress\n"
      "as a 3x3 matrix in eV/Å^3, positive = tensile; config_weight; the\n"
      "other info keys of extended XYZ input (kind, config_type, label_id,\n"
      "...) as they were; source=FILE@INDEX of the frame read. Files are\n"
      "written atomically (temporary file, then rename).\n");
}

static int print_info(const nacre_dataset *d, int json) {
  nacre_dataset_stats st;
  nacre_error err;
  nacre_error_clear(&err);
  if (nacre_dataset_stats_compute(d, &st, &err)) return cli_fail("data", &err);
  const char **cls = NULL;
  int *ccount = NULL, unclassified = 0;
  int ncls = nacre_dataset_classes(d, &cls, &ccount, &unclassified);
  if (ncls < 0) {
    nacre_error_set(&err, NACRE_ERR_NOMEM, "out of memory");
    return cli_fail("data", &err);
  }
  if (json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "structures", st.nstructures);
    cJSON_AddNumberToObject(o, "natoms", (double)st.natoms);
    cJSON_AddNumberToObject(o, "natoms_min", st.min_atoms);
    cJSON_AddNumberToObject(o, "natoms_max", st.max_atoms);
    cJSON *species = cJSON_AddArrayToObject(o, "species");
    cJSON *sp = cJSON_AddObjectToObject(o, "species_natoms");
    for (int k = 0; k < st.nspecies; k++) {
      const nacre_element *el = nacre_element_by_z(st.species_z[k]);
      cJSON_AddItemToArray(species, cJSON_CreateString(el ? el->symbol : "X"));
      cJSON_AddNumberToObject(sp, el ? el->symbol : "X", (double)st.species_count[k]);
    }
    cJSON_AddNumberToObject(o, "with_energy", st.n_energy);
    cJSON_AddNumberToObject(o, "with_forces", st.n_forces);
    cJSON_AddNumberToObject(o, "with_stress", st.n_stress);
    if (st.n_energy) {
      cJSON_AddNumberToObject(o, "energy_per_atom_min_ev", st.e_per_atom_min);
      cJSON_AddNumberToObject(o, "energy_per_atom_max_ev", st.e_per_atom_max);
    }
    if (st.n_forces) cJSON_AddNumberToObject(o, "force_component_max_ev_a", st.force_max);
    if (st.n_stress) {
      cJSON_AddNumberToObject(o, "pressure_min_gpa", st.pressure_min_gpa);
      cJSON_AddNumberToObject(o, "pressure_max_gpa", st.pressure_max_gpa);
    }
    if (isfinite(st.volume_per_atom_min)) {
      cJSON_AddNumberToObject(o, "volume_per_atom_min_a3", st.volume_per_atom_min);
      cJSON_AddNumberToObject(o, "volume_per_atom_max_a3", st.volume_per_atom_max);
    }
    if (ncls) {
      cJSON *c = cJSON_AddObjectToObject(o, "classes");
      for (int k = 0; k < ncls; k++) cJSON_AddNumberToObject(c, cls[k], ccount[k]);
      cJSON_AddNumberToObject(o, "unclassified", unclassified);
    }
    char *txt = cJSON_Print(o);
    printf("%s\n", txt);
    free(txt);
    cJSON_Delete(o);
    free(cls);
    free(ccount);
    return CLI_OK;
  }
  char n1[64];
  printf("structures        %d (%s, %d to %d per structure)\n", st.nstructures,
         cli_count(st.natoms, "atom", n1), st.min_atoms, st.max_atoms);
  printf("species          ");
  for (int k = 0; k < st.nspecies; k++) {
    const nacre_element *el = nacre_element_by_z(st.species_z[k]);
    printf(" %s:%ld", el ? el->symbol : "X", st.species_count[k]);
  }
  printf("  (atoms)\nlabels            energy %d, forces %d, stress %d\n", st.n_energy,
         st.n_forces, st.n_stress);
  if (st.n_energy)
    printf("energy            %.6f to %.6f eV/atom\n", st.e_per_atom_min, st.e_per_atom_max);
  if (st.n_forces) printf("force components  |F| up to %.4f eV/Å\n", st.force_max);
  if (st.n_stress)
    printf("pressure          %.3f to %.3f GPa\n", st.pressure_min_gpa, st.pressure_max_gpa);
  if (isfinite(st.volume_per_atom_min))
    printf("volume            %.3f to %.3f Å^3/atom\n", st.volume_per_atom_min,
           st.volume_per_atom_max);
  if (ncls) {
    printf("classes          ");
    for (int k = 0; k < ncls; k++) printf(" %s:%d", cls[k], ccount[k]);
    if (unclassified) printf(" (none):%d", unclassified);
    printf("  (config_type or kind)\n");
  }
  free(cls);
  free(ccount);
  return CLI_OK;
}

static int save(const nacre_dataset *d, const char *path) {
  nacre_error err;
  nacre_error_clear(&err);
  if (nacre_dataset_save_extxyz(d, path, &err)) return cli_fail("data", &err);
  char n1[64];
  fprintf(stderr, "nacre data: %s written to %s\n",
          cli_count(d->n, "structure", n1), path);
  return CLI_OK;
}

static int parse_species(const char *text, int *z, int *n) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", text);
  *n = 0;
  for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
    if (*n == 16 || !(z[*n] = nacre_element_z(t))) return -1;
    (*n)++;
  }
  return *n > 0 ? 0 : -1;
}

/* What the command line asks for; inputs point into argv. */
typedef struct data_args {
  const char *action, *out, *by;
  int json, nin, nz, seed;
  int zs[16];
  char **inputs;
  double fr[3], weight;
  nacre_dataset_filter flt;
} data_args;

/* CLI_OK, a usage error, or -1 after --help. */
static int parse_args(int argc, char **argv, data_args *g) {
  nacre_dataset_filter *flt = &g->flt;
  int rc = CLI_OK;
  for (int k = 2; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k];
    const char *v = k + 1 < argc ? argv[k + 1] : NULL;
#define NEED_VALUE CLI_NEED_VALUE("data")
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return -1;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      NEED_VALUE g->out = v;
    } else if (!strcmp(a, "--json")) {
      g->json = 1;
    } else if (!strcmp(a, "--emax")) {
      NEED_VALUE if (cli_parse_double("data", a, v, &flt->e_per_atom_max)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--emax-above-min")) {
      NEED_VALUE if (cli_parse_double("data", a, v, &flt->e_above_min_max)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--fmax")) {
      NEED_VALUE if (cli_parse_double("data", a, v, &flt->force_max)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--pmax")) {
      NEED_VALUE if (cli_parse_double("data", a, v, &flt->pressure_max_gpa)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--min-atoms")) {
      NEED_VALUE if (cli_parse_int("data", a, v, &flt->min_atoms)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--max-atoms")) {
      NEED_VALUE if (cli_parse_int("data", a, v, &flt->max_atoms)) rc = CLI_USAGE;
    } else if (!strcmp(a, "--require")) {
      NEED_VALUE for (const char *c = v; *c; c++) {
        if (*c == 'e') flt->require |= NACRE_LABEL_ENERGY;
        else if (*c == 'f') flt->require |= NACRE_LABEL_FORCES;
        else if (*c == 's') flt->require |= NACRE_LABEL_STRESS;
        else rc = cli_usage("data", "--require takes letters e, f, s; got '%s'", v);
      }
    } else if (!strcmp(a, "--class") || !strcmp(a, "--not-class")) {
      NEED_VALUE flt->classes = v;
      flt->exclude_classes = !strcmp(a, "--not-class");
    } else if (!strcmp(a, "--species")) {
      NEED_VALUE if (parse_species(v, g->zs, &g->nz)) rc =
          cli_usage("data", "--species expects element symbols like Cu,Ag; got '%s'", v);
      flt->species_z = g->zs;
      flt->nspecies = g->nz;
    } else if (!strcmp(a, "--fractions") || !strcmp(a, "--split")) {
      NEED_VALUE if (cli_parse_list("data", a, v, 3, g->fr)) rc = CLI_USAGE;
      else if (g->fr[0] < 0 || g->fr[1] < 0 || g->fr[2] < 0 ||
               g->fr[0] + g->fr[1] + g->fr[2] <= 0) rc =
          cli_usage("data", "--fractions must be non-negative with a positive sum");
    } else if (!strcmp(a, "--weight")) {
      NEED_VALUE if (cli_parse_double("data", a, v, &g->weight)) rc = CLI_USAGE;
      else if (!(g->weight >= 0) || isinf(g->weight)) rc =
          cli_usage("data", "--weight must be a finite number >= 0; got '%s'", v);
    } else if (!strcmp(a, "--by")) {
      NEED_VALUE g->by = v;
    } else if (!strcmp(a, "--seed")) {
      NEED_VALUE if (cli_parse_int("data", a, v, &g->seed)) rc = CLI_USAGE;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage("data", "unknown option '%s'", a);
    } else {
      g->inputs[g->nin++] = argv[k];
    }
#undef NEED_VALUE
  }
  const char *action = g->action;
  if (rc == CLI_OK && g->nin == 0) rc = cli_usage("data", "no DATA given");
  if (rc == CLI_OK && strcmp(action, "info") && !g->out)
    rc = cli_usage("data", "%s needs -o", action);
  if (rc == CLI_OK && g->by && strcmp(action, "split"))
    rc = cli_usage("data", "--by belongs to split");
  if (rc == CLI_OK && !strcmp(action, "weight") && isnan(g->weight))
    rc = cli_usage("data", "weight needs --weight W");
  if (rc == CLI_OK && !isnan(g->weight) && strcmp(action, "weight"))
    rc = cli_usage("data", "--weight belongs to the weight action");
  return rc;
}

/* The action on the data read. */
static int act(const data_args *g, nacre_dataset *d, nacre_error *err) {
  const char *action = g->action, *out = g->out;
  char n1[64];
  if (!strcmp(action, "info")) return print_info(d, g->json);
  if (!strcmp(action, "filter")) {
    nacre_dataset *o = NULL;
    if (nacre_dataset_filter_apply(d, &g->flt, &o, err)) return cli_fail("data", err);
    fprintf(stderr, "nacre data: kept %d of %s\n", o->n, cli_count(d->n, "structure", n1));
    int rc = save(o, out);
    nacre_dataset_free(o);
    return rc;
  }
  if (!strcmp(action, "weight")) {
    int n = 0;
    if (nacre_dataset_set_weight(d, &g->flt, g->weight, &n, err))
      return cli_fail("data", err);
    fprintf(stderr, "nacre data: weight %g on %d of %s\n", g->weight, n,
            cli_count(d->n, "structure", n1));
    return save(d, out);
  }
  if (!strcmp(action, "split")) {
    int cnt[3];
    if (nacre_dataset_split_write(d, out, g->fr, (uint64_t)g->seed, g->by, cnt, err))
      return cli_fail("data", err);
    const char *part[3] = {"train", "valid", "test"};
    for (int p = 0; p < 3; p++)
      fprintf(stderr, "nacre data: %s written to %s.%s.xyz\n",
              cli_count(cnt[p], "structure", n1), out, part[p]);
    return CLI_OK;
  }
  return save(d, out);
}

static int run(int argc, char **argv) {
  if (argc < 2)
    return cli_usage("data", "missing ACTION (info, filter, weight, split, merge, convert)");
  const char *action = argv[1];
  if (!strcmp(action, "-h") || !strcmp(action, "--help")) {
    help();
    return CLI_OK;
  }
  if (strcmp(action, "info") && strcmp(action, "filter") && strcmp(action, "weight") &&
      strcmp(action, "split") && strcmp(action, "merge") && strcmp(action, "convert"))
    return cli_usage("data", "unknown action '%s'", action);
  data_args g;
  memset(&g, 0, sizeof g);
  g.action = action;
  g.fr[0] = 0.8;
  g.fr[1] = g.fr[2] = 0.1;
  g.seed = 1;
  g.weight = NAN;
  nacre_dataset_filter_init(&g.flt);
  g.inputs = calloc((size_t)argc, sizeof *g.inputs);
  if (!g.inputs) return CLI_FAILED;
  int rc = parse_args(argc, argv, &g);
  if (rc) {
    free(g.inputs);
    return rc < 0 ? CLI_OK : rc;
  }
  nacre_error err;
  nacre_error_clear(&err);
  nacre_dataset *d = nacre_dataset_new(&err);
  if (d && nacre_dataset_read_paths(d, (const char *const *)g.inputs, g.nin, &err)) {
    nacre_dataset_free(d);
    d = NULL;
  }
  free(g.inputs);
  if (!d) return cli_fail("data", &err);
  rc = act(&g, d, &err);
  nacre_dataset_free(d);
  return rc;
}

const nacre_command nacre_cmd_data = {"data", "inspect, filter, weight, split, merge and convert training data", run};
