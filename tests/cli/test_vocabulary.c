/* test_vocabulary.c — one vocabulary across every command (doc/vocabulary.md):
 *  1. --help of every command `nacre --help` lists: a meaning has one
 *     spelling: -p, --potential; -j, --jobs; -q, --quiet; -o, --output;
 *     -v, --verbose; --max-steps for optimiser bounds (--steps only in md
 *     and free-energy, where it counts MD steps); --time-limit; --fractions; no old spelling
 *     (--threads, --time, --split, --model) shown as an option; every
 *     --symprec says its default 0.01 Å; a command whose usage names a
 *     potential lists -p, --potential among its options;
 *  2. the old spellings stay as hidden aliases (--threads wherever -j is,
 *     --steps in relax and search, --time in search, --split in train);
 *  3. the --json of hull, transitions, xrd, ewald, order (also of a
 *     disordered CIF), phonon, analyze (rdf, msd, vacf, lindemann, phase)
 *     and fit prints only keys that its doc page names (doc/thermo-json.md,
 *     doc/phonon-files.md, doc/analyze.md, doc/fit.md), each snake_case and,
 *     where it names a quantity with a unit, ending in a unit suffix;
 *  4. progress written to a file or pipe has no bare carriage return, and
 *     -q prints no blank line before the result; `nacre symmetry` of each
 *     rankNN.cif a search writes finds the space group and Pearson symbol
 *     its summary.json lists (one tolerance default, one convention), also
 *     at 1e-5 Å (the cells are exactly symmetric), with no "+0" in their
 *     operations, and
 *     a C-centred orthorhombic crystal (alpha-U, Cmcm) is oC4, the
 *     traditional letters, not oS4;
 *  5. every command that evaluates a potential checks the structure's
 *     elements against it before it writes anything (Li with the MAISE Na
 *     model: exit 1 naming Li, no output file, trajectory, log or
 *     checkpoint left behind). */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "iotest.h"
#include "testing.h"

#define LJ "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=1"

static char out_path[512], err_path[512];

/* paths below are built from a short temporary folder */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* Runs `nacre ARGS`, stdout and stderr to files; returns the exit status
 * and the stdout text in *out (caller frees). */
static int nacre(const char *args, char **out) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s </dev/null", NACRE_CLI, args, out_path,
           err_path);
  int rc = system(cmd);
  if (out) *out = test_read_all(out_path, NULL);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* ---- 1, 2: --help ---- */

/* The option paragraph of `flag` in a help text: its option line and the
 * continuation lines below it (until the next line that starts with '-'
 * after spaces, or a blank line); NULL when no option line starts with it
 * (after an optional "-x, "). */
static char *option_paragraph(const char *help, const char *flag) {
  for (const char *line = help; line && *line;) {
    const char *eol = strchr(line, '\n');
    const char *p = line;
    while (*p == ' ') p++;
    const char *f = p;
    if (f[0] == '-' && f[1] != '-' && f[2] == ',' && f[3] == ' ') f += 4;
    size_t n = strlen(flag);
    if (*p == '-' && !strncmp(f, flag, n) && (f[n] == ' ' || f[n] == '\n' || !f[n] ||
                                              f[n] == '='))
    {
      const char *end = eol;
      while (end && end[1] == ' ') {
        const char *q = end + 1;
        while (*q == ' ') q++;
        if (*q == '-' || *q == '\n') break;
        end = strchr(end + 1, '\n');
      }
      size_t len = end ? (size_t)(end - line) : strlen(line);
      char *par = malloc(len + 1);
      memcpy(par, line, len);
      par[len] = '\0';
      return par;
    }
    line = eol ? eol + 1 : NULL;
  }
  return NULL;
}

/* The option line of flag begins with "-s, flag". */
static void short_form(const char *cmd, const char *help, const char *flag,
                       const char *expect) {
  char *par = option_paragraph(help, flag);
  if (!par) return;
  CHECK(strstr(par, expect) != NULL, "nacre %s --help: %s is written '%s': %.60s", cmd,
        flag, expect, par);
  free(par);
}

static void check_help(const char *cmd, const char *help) {
  short_form(cmd, help, "--potential", "-p, --potential");
  short_form(cmd, help, "--jobs", "-j, --jobs");
  short_form(cmd, help, "--quiet", "-q, --quiet");
  short_form(cmd, help, "--output", "-o, --output");
  short_form(cmd, help, "--verbose", "-v, --verbose");
  static const char *const old[] = {"--threads", "--time", "--split", "--model", NULL};
  for (int k = 0; old[k]; k++) {
    char *par = option_paragraph(help, old[k]);
    CHECK(!par, "nacre %s --help shows the old spelling %s as an option", cmd, old[k]);
    free(par);
  }
  char *par = option_paragraph(help, "--steps");
  CHECK(!par || !strcmp(cmd, "md") || !strcmp(cmd, "free-energy"),
        "nacre %s --help: an optimiser bound is --max-steps, not --steps", cmd);
  free(par);
  if ((par = option_paragraph(help, "--symprec"))) {
    CHECK(strstr(par, "default 0.01)") != NULL,
          "nacre %s --help: --symprec says its default 0.01 Å: %s", cmd, par);
    free(par);
  }
  const char *usage_end = strstr(help, "\n\n");
  int usage_names_potential = 0;
  for (const char *p = help; usage_end && p < usage_end; p++)
    usage_names_potential |= !strncmp(p, "--potential", 11) || !strncmp(p, " -p ", 4);
  if (usage_names_potential) {
    par = option_paragraph(help, "--potential");
    CHECK(par && strstr(par, "-p, --potential"),
          "nacre %s: its usage names a potential and its options list -p, --potential",
          cmd);
    free(par);
  }
}

/* Old spellings still parse (each command reads options before --help
 * ends it). */
static void check_alias(const char *cmd_args, const char *alias) {
  char args[512];
  snprintf(args, sizeof args, "%s %s --help", cmd_args, alias);
  CHECK(nacre(args, NULL) == 0, "nacre %s: the hidden alias '%s' is accepted", cmd_args,
        alias);
}

static void helps(void) {
  char *top = NULL;
  CHECK(nacre("--help", &top) == 0 && top, "nacre --help");
  const char *list = top ? strstr(top, "Commands:") : NULL;
  int ncmd = 0;
  for (const char *line = list; line && *line;) {
    const char *eol = strchr(line, '\n');
    char name[32];
    if (line[0] == ' ' && line[1] == ' ' && line[2] != ' ' &&
        sscanf(line, "  %31[a-z-] ", name) == 1) {
      char args[64], *help = NULL;
      snprintf(args, sizeof args, "%s --help", name);
      CHECK(nacre(args, &help) == 0 && help && strlen(help) > 100,
            "nacre %s --help prints its help", name);
      if (help) check_help(name, help);
      if (help && strstr(help, "-j, --jobs"))
        check_alias(!strcmp(name, "fit") ? "fit sis" : name, "--threads 1");
      free(help);
      ncmd++;
    }
    line = eol ? eol + 1 : NULL;
  }
  CHECK(ncmd >= 20, "nacre --help lists the commands (%d)", ncmd);
  free(top);
  check_alias("relax", "--steps 5");
  check_alias("search", "--steps 5");
  check_alias("search", "--time 60");
  check_alias("train", "--split 0.8,0.1");
}

/* ---- 3: JSON keys ---- */

static char *doc(const char *page) {
  char path[512];
  snprintf(path, sizeof path, "%s/doc/%s", NACRE_SOURCE_DIR, page);
  char *t = test_read_all(path, NULL);
  CHECK(t != NULL, "doc/%s exists", page);
  return t;
}

/* key appears in the page as a whole word (between characters that
 * cannot be part of a key). */
static int documented(const char *page, const char *key) {
  size_t n = strlen(key);
  for (const char *p = page; page && (p = strstr(p, key)); p++) {
    int before = p == page || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
    int after = !(isalnum((unsigned char)p[n]) || p[n] == '_');
    if (before && after) return 1;
  }
  return 0;
}

static const char *const unit_suffixes[] = {
    "_ev", "_ev_a", "_gpa", "_a3", "_a", "_a2", "_s", "_k", "_fs", "_ps", "_thz",
    "_kb", "_v", "_e", "_deg", "_mev_atom", "_gb", "_per_k", "_inv_a", "_a2_ps",
    "_ev_a2", "_thz_a", "_ev_atom_ps", "_a2_fs2", "_per_thz", NULL};

static int has_unit(const char *key) {
  size_t n = strlen(key);
  for (int u = 0; unit_suffixes[u]; u++) {
    size_t m = strlen(unit_suffixes[u]);
    if (n > m && !strcmp(key + n - m, unit_suffixes[u])) return 1;
  }
  return 0;
}

/* snake_case, and a quantity with a unit carries it last. Keys that name
 * a quantity word but hold no number with a unit: counts ("displacements"),
 * flags, names and nested objects. */
static void check_key(const char *cmd, const char *key, const cJSON *value) {
  int snake = key[0] != '\0';
  for (const char *c = key; *c; c++)
    snake &= islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_';
  CHECK(snake, "%s: key '%s' is snake_case", cmd, key);
  static const char *const quantities[] = {"energy", "force", "stress", "pressure",
                                           "volume", "temperature", "wall",
                                           "frequency", "distance", NULL};
  int numeric = cJSON_IsNumber(value) ||
                (cJSON_IsArray(value) && cJSON_IsNumber(cJSON_GetArrayItem(value, 0)));
  if (!numeric) return;
  for (int q = 0; quantities[q]; q++)
    if (strstr(key, quantities[q]))
      CHECK(has_unit(key), "%s: key '%s' names a quantity and ends in its unit", cmd,
            key);
}

static void walk(const char *cmd, const cJSON *o, const char *page) {
  const cJSON *it;
  cJSON_ArrayForEach(it, o) {
    if (it->string) {
      check_key(cmd, it->string, it);
      CHECK(documented(page, it->string), "%s: key '%s' is documented", cmd, it->string);
    }
    if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
      /* by-element objects hold element symbols as keys */
      if (it->string && strstr(it->string, "by_species")) continue;
      walk(cmd, it, page);
    }
  }
}

static void json_keys(const char *args, const char *page_name) {
  char *out = NULL;
  int st = nacre(args, &out);
  cJSON *j = out ? cJSON_Parse(out) : NULL;
  CHECK(st == 0 && cJSON_IsObject(j), "nacre %s: exit 0 and one JSON object (%d)", args,
        st);
  char *page = doc(page_name);
  if (j && page) walk(args, j, page);
  free(page);
  cJSON_Delete(j);
  free(out);
}

static void thermo_keys(const char *dir) {
  char nacl[512], mixed[512], csv[512], fcc[512], bcc[512], args[4096];
  snprintf(nacl, sizeof nacl, "%s/nacl.cif", dir);
  test_write_text(nacl,
                  "data_NaCl\n_cell_length_a 5.64\n_cell_length_b 5.64\n"
                  "_cell_length_c 5.64\n_cell_angle_alpha 90\n_cell_angle_beta 90\n"
                  "_cell_angle_gamma 90\n_space_group_IT_number 225\nloop_\n"
                  "_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
                  "_atom_site_fract_y\n_atom_site_fract_z\nNa1 Na 0 0 0\n"
                  "Cl1 Cl 0.5 0.5 0.5\n");
  snprintf(mixed, sizeof mixed, "%s/mixed.cif", dir);
  test_write_text(mixed,
                  "data_NaKCl\n_cell_length_a 5.64\n_cell_length_b 5.64\n"
                  "_cell_length_c 5.64\n_cell_angle_alpha 90\n_cell_angle_beta 90\n"
                  "_cell_angle_gamma 90\n_space_group_IT_number 225\nloop_\n"
                  "_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
                  "_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n"
                  "Na1 Na 0 0 0 0.5\nK1 K 0 0 0 0.5\nCl1 Cl 0.5 0.5 0.5 1\n");
  snprintf(csv, sizeof csv, "%s/lisn.csv", dir);
  test_write_text(csv, "name,formula,energy_per_atom_ev\nLi,Li,-1.9\nSn,Sn,-3.8\n"
                       "LiSn,LiSn,-3.15\nLi5Sn2,Li5Sn2,-2.8929\nLi3Sn,Li3Sn,-2.63\n");
  snprintf(fcc, sizeof fcc, "%s/fcc.vasp", dir);
  test_write_text(fcc, "fcc\n1.0\n5.3 0 0\n0 5.3 0\n0 0 5.3\nAr\n4\nDirect\n"
                       "0 0 0\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n");
  snprintf(bcc, sizeof bcc, "%s/bcc.vasp", dir);
  test_write_text(bcc, "bcc\n1.0\n4.2 0 0\n0 4.2 0\n0 0 4.2\nAr\n2\nDirect\n"
                       "0 0 0\n0.5 0.5 0.5\n");
  snprintf(args, sizeof args, "hull %s --voltage Li --json", csv);
  json_keys(args, "thermo-json.md");
  snprintf(args, sizeof args, "ewald %s --charges Na=1,Cl=-1 --per-site --json", nacl);
  json_keys(args, "thermo-json.md");
  snprintf(args, sizeof args, "xrd %s --json", nacl);
  json_keys(args, "thermo-json.md");
  snprintf(args, sizeof args,
           "order %s --substitute Na:Na=1/2,vac=1/2 --cells 1:2 --charges Na=1,Cl=-1 "
           "--json",
           nacl);
  json_keys(args, "thermo-json.md");
  snprintf(args, sizeof args, "order %s --cells 2 --charges Na=1,K=1,Cl=-1 --json", mixed);
  json_keys(args, "thermo-json.md");
  snprintf(args, sizeof args, "transitions %s %s -p " LJ " --pressures 0:1:1 --json", fcc,
           bcc);
  json_keys(args, "thermo-json.md");
  snprintf(args, sizeof args,
           "phonon %s -p " LJ " --supercell 2,2,2 --mesh 4,4,4 --temperatures 0,300 "
           "--qpoints '0.5 0 0.5' --json",
           fcc);
  json_keys(args, "phonon-files.md");
}

static void md_keys(const char *dir) {
  char args[4096];
  char fcc32[600];
  snprintf(fcc32, sizeof fcc32, "%s/fcc32.vasp", dir);
  FILE *f = fopen(fcc32, "w");
  fputs("fcc\n1.0\n10.6 0 0\n0 10.6 0\n0 0 10.6\nAr\n32\nDirect\n", f);
  for (int c = 0; c < 8; c++)
    for (int b = 0; b < 4; b++) {
      static const double basis[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
      fprintf(f, "%g %g %g\n", (c & 1) * 0.5 + basis[b][0] / 2,
              (c >> 1 & 1) * 0.5 + basis[b][1] / 2, (c >> 2 & 1) * 0.5 + basis[b][2] / 2);
    }
  fclose(f);
  snprintf(args, sizeof args,
           "md %s -p " LJ " --ensemble nvt --temperature 60 --steps 200 "
           "--trajectory %s/t.xyz --every 10 -q",
           fcc32, dir);
  char *out = NULL;
  CHECK(nacre(args, &out) == 0, "a short MD run for the analyses");
  CHECK(out && out[0] != '\n', "md -q prints no blank line first");
  free(out);
  static const char *const analyses[] = {"rdf", "msd", "vacf", "lindemann", "phase"};
  for (int k = 0; k < 5; k++) {
    snprintf(args, sizeof args, "analyze %s %s/t.xyz --json", analyses[k], dir);
    json_keys(args, "analyze.md");
  }
}

static void fit_keys(const char *dir) {
  char csv[512], args[4096];
  snprintf(csv, sizeof csv, "%s/reg.csv", dir);
  FILE *f = fopen(csv, "w");
  fprintf(f, "id,a,b,y,c\n");
  for (int i = 0; i < 30; i++) {
    double a = 1 + 0.037 * i, b = 1 + 0.021 * ((7 * i) % 30);
    fprintf(f, "s%d,%.17g,%.17g,%.17g,%d\n", i, a, b, 2 * a / b + 1, a > 1.5);
  }
  fclose(f);
  snprintf(args, sizeof args,
           "fit sis %s --target y --features a,b --rung 1 --dim 1 --sis-size 5 --json -q",
           csv);
  json_keys(args, "fit.md");
  snprintf(args, sizeof args, "fit linear %s --target y --features a,b --json -q", csv);
  json_keys(args, "fit.md");
  snprintf(args, sizeof args, "fit rank %s --target y --features a,b --json -q", csv);
  json_keys(args, "fit.md");
  snprintf(args, sizeof args, "fit svc %s --target c --features a,b --json -q", csv);
  json_keys(args, "fit.md");
}

/* ---- 4: progress on a file, one symmetry vocabulary ---- */

static cJSON *symmetry_of(const char *path, const char *extra) {
  char args[1024], *out = NULL;
  snprintf(args, sizeof args, "symmetry %s --json %s", path, extra);
  int st = nacre(args, &out);
  cJSON *j = out ? cJSON_Parse(out) : NULL;
  free(out);
  CHECK(st == 0 && j, "nacre symmetry %s (%d)", path, st);
  return j;
}

static const char *str(const cJSON *o, const char *k) {
  const cJSON *x = cJSON_GetObjectItem(o, k);
  return cJSON_IsString(x) ? x->valuestring : "";
}

/* The groups a search reports are the groups of the files it writes. */
static void same_groups(const char *dir) {
  char path[700];
  snprintf(path, sizeof path, "%s/res/summary.json", dir);
  char *text = test_read_all(path, NULL);
  cJSON *sum = text ? cJSON_Parse(text) : NULL;
  free(text);
  const cJSON *minima = cJSON_GetObjectItem(sum, "minima"), *m;
  int n = 0;
  cJSON_ArrayForEach(m, minima) {
    const cJSON *file = cJSON_GetObjectItem(m, "file");
    if (!cJSON_IsString(file)) continue;
    snprintf(path, sizeof path, "%s/res/%s", dir, file->valuestring);
    /* "file" names the pair rankNN.cif and rankNN.POSCAR */
    size_t len = strlen(path);
    if (len < 4 || strcmp(path + len - 4, ".cif"))
      snprintf(path + len, sizeof path - len, ".cif");
    /* at the default tolerance, and at 1e-5 Å: the cell is exactly
     * symmetric (spglib's standardisation alone left a ≠ b in I4/mmm) */
    for (int t = 0; t < 2; t++) {
      cJSON *j = symmetry_of(path, t ? "--symprec 1e-5" : "");
      const cJSON *g = cJSON_GetObjectItem(j, "symmetry");
      CHECK(!strcmp(str(g, "space_group"), str(m, "space_group")) &&
                !strcmp(str(g, "pearson"), str(m, "pearson")),
            "%s%s: nacre symmetry finds %s %s, the search listed %s %s", path,
            t ? " at 1e-5 Å" : "", str(g, "space_group"), str(g, "pearson"),
            str(m, "space_group"), str(m, "pearson"));
      cJSON_Delete(j);
    }
    char *cif = test_read_all(path, NULL);
    CHECK(cif && !strstr(cif, "+0'") && !strstr(cif, "+0,"),
          "%s: no '+0' translations in its operations", path);
    free(cif);
    n++;
  }
  CHECK(n > 0, "the search wrote minima to compare (%d)", n);
  cJSON_Delete(sum);

  /* alpha-U: Cmcm, U on 4c (0, 0.1025, 1/4); Barrett et al., Phys. Rev.
   * 129, 625 (1963) */
  snprintf(path, sizeof path, "%s/alpha_u.vasp", dir);
  const double y = 0.1025;
  char poscar[512];
  snprintf(poscar, sizeof poscar,
           "alpha-U\n1.0\n2.854 0 0\n0 5.869 0\n0 0 4.955\nU\n4\nDirect\n"
           "0 %.4f 0.25\n0 %.4f 0.75\n0.5 %.4f 0.25\n0.5 %.4f 0.75\n",
           y, 1 - y, 0.5 + y, 0.5 - y);
  test_write_text(path, poscar);
  cJSON *j = symmetry_of(path, "");
  const cJSON *g = cJSON_GetObjectItem(j, "symmetry");
  CHECK(!strcmp(str(g, "space_group"), "Cmcm") && !strcmp(str(g, "pearson"), "oC4"),
        "alpha-U is Cmcm oC4 (%s %s)", str(g, "space_group"), str(g, "pearson"));
  cJSON_Delete(j);
}

static void progress(const char *dir) {
  char args[4096];
  snprintf(args, sizeof args,
           "search --composition Ar4 -p " LJ " --budget 6 --population 3 --volume 45 "
           "--db %s/s.db -o %s/res",
           dir, dir);
  CHECK(nacre(args, NULL) == 0, "a short search");
  char *err = test_read_all(err_path, NULL);
  CHECK(err && !strchr(err, '\r'), "search progress on a file has no carriage return");
  free(err);
  same_groups(dir);
  snprintf(args, sizeof args,
           "phonon %s/fcc.vasp -p " LJ " --supercell 2,2,2 --mesh 2,2,2 --path none", dir);
  CHECK(nacre(args, NULL) == 0, "a small phonon run");
  err = test_read_all(err_path, NULL);
  CHECK(err && !strchr(err, '\r'), "phonon progress on a file has no carriage return");
  free(err);
  static const char *const quiet[] = {"relax %s/fcc.vasp -p " LJ " -q",
                                      "phonon %s/fcc.vasp -p " LJ
                                      " --supercell 2,2,2 --mesh 2,2,2 --path none -q",
                                      "symmetry %s/fcc.vasp -q",
                                      NULL};
  for (int k = 0; quiet[k]; k++) {
    snprintf(args, sizeof args, quiet[k], dir);
    char *out = NULL;
    int st = nacre(args, &out);
    if (st == 2) { /* a command without -q */
      free(out);
      continue;
    }
    CHECK(st == 0 && out && out[0] != '\n', "nacre %s: no blank line first", args);
    free(out);
  }
}

/* ---- 5: elements checked before anything is written ---- */

static void species_first(const char *dir) {
  char model[512], li[600], args[4096];
  snprintf(model, sizeof model, "%s/maise/models/nn_Na_d3_v0", NACRE_SHARED_DATA);
  FILE *probe = fopen(model, "r");
  if (!probe) {
    printf("skip: %s is absent (element checks not run)\n", model);
    return;
  }
  fclose(probe);
  snprintf(li, sizeof li, "%s/li.vasp", dir);
  test_write_text(li, "Li bcc\n3.44\n1 0 0\n0 1 0\n0 0 1\nLi\n2\nDirect\n"
                      "0 0 0\n.5 .5 .5\n");
  char out[600];
  snprintf(out, sizeof out, "%s/species", dir);
  static const char *const cmds[] = {
      "eval %s -p %s",
      "relax %s -p %s -o %s/r.vasp --trajectory %s/r.xyz",
      "md %s -p %s --steps 5 --trajectory %s/md.xyz --log %s/md.csv --checkpoint "
      "%s/md.chk -o %s/md.vasp",
      "phonon %s -p %s -o %s/ph",
      "transitions %s -p %s --pressures 0:1:1 --plot %s/t.svg",
      "label %s --code potential:%s -o %s/l.xyz",
      NULL};
  for (int k = 0; cmds[k]; k++) {
    char mk[700];
    snprintf(mk, sizeof mk, "rm -rf %s && mkdir -p %s", out, out);
    CHECK(system(mk) == 0, "scratch folder");
    snprintf(args, sizeof args, cmds[k], li, model, out, out, out, out);
    int st = nacre(args, NULL);
    char *err = test_read_all(err_path, NULL);
    snprintf(mk, sizeof mk, "test -z \"$(ls -A %s)\"", out);
    CHECK(st == 1 && err && strstr(err, "Li"), "nacre %.40s...: exit 1 naming Li (%d): %s",
          args, st, err ? err : "");
    CHECK(system(mk) == 0, "nacre %.40s...: nothing written", args);
    free(err);
  }
}

int main(void) {
  snprintf(out_path, sizeof out_path, "%s", test_tmp_path("out.txt"));
  snprintf(err_path, sizeof err_path, "%s", test_tmp_path("err.txt"));
  char dir[512];
  snprintf(dir, sizeof dir, "%s", test_tmp_path("work"));
  char mk[600];
  snprintf(mk, sizeof mk, "mkdir -p %s", dir);
  CHECK(system(mk) == 0, "work folder");
  helps();
  thermo_keys(dir);
  md_keys(dir);
  fit_keys(dir);
  progress(dir);
  species_first(dir);
  test_tmp_cleanup();
  TEST_DONE();
}
