/* kim_item.c — a nacre model file as a KIM portable model: the folder that
 * kim-api-collections-management builds and installs (a CMakeLists.txt
 * naming the driver nacre_driver and the model file as the parameter file,
 * the model file itself and a README; for committee:A,B,... the member
 * files and a committee file naming them). The model is loaded and checked
 * first, and again from the folder, so a folder is written only for a model
 * the driver can run. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nacre/io.h"
#include "nacre/pot.h"

int nacre_kim_name_valid(const char *name) {
  if (!name || !(isalpha((unsigned char)name[0]) || name[0] == '_')) return 0;
  for (const char *c = name; *c; c++)
    if (!(isalnum((unsigned char)*c) || *c == '_')) return 0;
  return strlen(name) < 128;
}

void nacre_kim_default_name(const char *model_path, char *buf, size_t len) {
  const char *base = strrchr(model_path, '/');
  base = base ? base + 1 : model_path;
  size_t o = (size_t)snprintf(buf, len, "nacre_");
  for (const char *c = base; *c && o + 1 < len; c++) {
    if (*c == '.' && o > 6) break; /* drop the extension */
    buf[o++] = isalnum((unsigned char)*c) ? *c : '_';
  }
  if (o < len) buf[o] = '\0';
}

/* The model file's name inside the item: its base name, with characters
 * that CMake lists or paths would mangle replaced. */
static void parameter_file_name(const char *model_path, char *buf, size_t len) {
  const char *base = strrchr(model_path, '/');
  base = base ? base + 1 : model_path;
  size_t o = 0;
  for (const char *c = base; *c && o + 1 < len; c++)
    buf[o++] = (isalnum((unsigned char)*c) || *c == '.' || *c == '-' || *c == '_')
                   ? *c : '_';
  buf[o] = '\0';
  if (!o || buf[0] == '.') snprintf(buf, len, "model");
}

static nacre_status copy_file(const char *from, const char *to,
                              nacre_error *err) {
  FILE *in = fopen(from, "rb");
  if (!in)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot open: %s", from,
                           strerror(errno));
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, to, err);
  if (st) {
    fclose(in);
    return st;
  }
  char buf[65536];
  size_t got;
  int bad = 0;
  while ((got = fread(buf, 1, sizeof buf, in)) > 0)
    if (fwrite(buf, 1, got, af.fp) != got) bad = 1;
  if (ferror(in)) bad = 1;
  fclose(in);
  if (bad) {
    nacre_atomic_abort(&af);
    return nacre_error_set(err, NACRE_ERR_IO, "copying %s to %s failed", from,
                           to);
  }
  return nacre_atomic_commit(&af, err);
}

static nacre_status write_text(const char *path, const char *text,
                               nacre_error *err) {
  nacre_atomic_file af;
  nacre_status st = nacre_atomic_open(&af, path, err);
  if (st) return st;
  if (fputs(text, af.fp) == EOF) {
    nacre_atomic_abort(&af);
    return nacre_error_set(err, NACRE_ERR_IO, "%s: write failed", path);
  }
  return nacre_atomic_commit(&af, err);
}

#define KIM_MAX_FILES 64

/* The item's parameter files: for "committee:A,B,..." every member file
 * and a committee file naming them by base name (written here), the
 * committee file first; otherwise the one model file. names[k] are base
 * names inside dir. */
static nacre_status copy_model_files(const char *spec, const char *dir,
                                     char names[][256], int *nfiles,
                                     nacre_error *err) {
  char path[4096];
  if (strncmp(spec, "committee:", 10) != 0) {
    parameter_file_name(spec, names[0], 256);
    *nfiles = 1;
    if (snprintf(path, sizeof path, "%s/%s", dir, names[0]) >= (int)sizeof path)
      return nacre_error_set(err, NACRE_ERR_INVALID, "%s: path too long", dir);
    return copy_file(spec, path, err);
  }
  char *list = strdup(spec + 10);
  if (!list) return nacre_error_set(err, NACRE_ERR_NOMEM, "committee spec");
  const char *members[KIM_MAX_FILES];
  int k = 0;
  nacre_status st = NACRE_OK;
  snprintf(names[0], 256, "committee.json");
  for (char *tok = strtok(list, ","); tok && !st; tok = strtok(NULL, ",")) {
    if (k + 1 >= KIM_MAX_FILES) {
      st = nacre_error_set(err, NACRE_ERR_INVALID,
                           "a KIM model takes at most %d committee members",
                           KIM_MAX_FILES - 1);
      break;
    }
    char *name = names[k + 1];
    parameter_file_name(tok, name, 256);
    /* distinct names: "model", "model_2", ... */
    for (int q = 0, dup = 1; q <= k; q++)
      if (!strcmp(names[q], name)) {
        char base[240];
        snprintf(base, sizeof base, "%s", name);
        snprintf(name, 256, "%s_%d", base, ++dup);
        q = -1;
      }
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
      st = nacre_error_set(err, NACRE_ERR_INVALID, "%s: path too long", dir);
    else
      st = copy_file(tok, path, err);
    if (st) nacre_error_prefix(err, "committee member %d: ", k + 1);
    members[k] = name;
    k++;
  }
  if (!st && k == 0)
    st = nacre_error_set(err, NACRE_ERR_INVALID, "'%s' names no members", spec);
  if (!st) {
    snprintf(path, sizeof path, "%s/%s", dir, names[0]);
    st = nacre_committee_write_specs(path, members, k, err);
  }
  free(list);
  *nfiles = k + 1;
  return st;
}

/* What the driver will load: the item's first parameter file, from the
 * item's folder (a file that names others by path would fail here). */
static nacre_status check_item_loads(const char *dir, const char *name,
                                     nacre_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  nacre_potential *p = NULL;
  nacre_status st = nacre_potential_load(path, &p, err);
  if (st)
    return nacre_error_prefix(err,
                              "the model does not load from the KIM item's "
                              "folder (a committee file that names its "
                              "members by path? give them as "
                              "committee:A,B,... instead): ");
  nacre_potential_free(p);
  return NACRE_OK;
}

nacre_status nacre_kim_model_write(const char *model_path, const char *name,
                                   const char *dir, nacre_error *err) {
  if (!nacre_kim_name_valid(name))
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "KIM model name '%s' is not a C identifier "
                           "(letters, digits and _, not starting with a digit)",
                           name ? name : "");
  nacre_potential *p = NULL;
  nacre_status st = nacre_potential_load(model_path, &p, err);
  if (st) return st;
  nacre_particle_calc *pc = nacre_particle_calc_new(p, err);
  if (!pc) {
    nacre_potential_free(p);
    return nacre_error_prefix(err, "%s as a KIM model: ", model_path);
  }
  nacre_particle_calc_free(pc);
  char species[256] = "", desc[512];
  nacre_potential_describe(p, desc, sizeof desc);
  for (int k = 0; k < nacre_potential_nspecies(p); k++) {
    const nacre_element *e = nacre_element_by_z(nacre_potential_species(p)[k]);
    size_t o = strlen(species);
    snprintf(species + o, sizeof species - o, "%s%s", k ? " " : "",
             e ? e->symbol : "?");
  }
  double cutoff = nacre_potential_cutoff(p);
  nacre_potential_free(p);
  if (!species[0])
    return nacre_error_set(err, NACRE_ERR_INVALID,
                           "%s names no elements; a KIM model needs them",
                           model_path);

  if (mkdir(dir, 0777) != 0 && errno != EEXIST)
    return nacre_error_set(err, NACRE_ERR_IO, "%s: cannot create: %s", dir,
                           strerror(errno));
  char(*names)[256] = calloc(KIM_MAX_FILES, sizeof *names);
  size_t cap = 16384;
  char *text = malloc(cap), *files = malloc(cap);
  if (!names || !text || !files) {
    free(names);
    free(text);
    free(files);
    return nacre_error_set(err, NACRE_ERR_NOMEM, "KIM item");
  }
  int nfiles = 0;
  st = copy_model_files(model_path, dir, names, &nfiles, err);
  if (!st) st = check_item_loads(dir, names[0], err);
  if (st) {
    free(names);
    free(text);
    free(files);
    return st;
  }
  files[0] = '\0';
  for (int k = 0; k < nfiles; k++) {
    size_t o = strlen(files);
    snprintf(files + o, cap - o, "%s\"%s\"", k ? " " : "", names[k]);
  }
  snprintf(text, cap,
           "# KIM portable model %s: the nacre model %s evaluated by the KIM\n"
           "# model driver nacre_driver. Install with\n"
           "#   kim-api-collections-management install user <this folder>\n"
           "# (`nacre kim` does it, installing the driver first).\n"
           "cmake_minimum_required(VERSION 3.10)\n"
           "list(APPEND CMAKE_PREFIX_PATH $ENV{KIM_API_CMAKE_PREFIX_DIR})\n"
           "find_package(KIM-API-ITEMS 2.2 REQUIRED CONFIG)\n"
           "kim_api_items_setup_before_project(ITEM_TYPE \"portableModel\")\n"
           "project(%s)\n"
           "kim_api_items_setup_after_project(ITEM_TYPE \"portableModel\")\n"
           "add_kim_api_model_library(\n"
           "  NAME ${PROJECT_NAME}\n"
           "  DRIVER_NAME \"nacre_driver\"\n"
           "  PARAMETER_FILES %s)\n",
           name, names[0], name, files);
  char path[4096];
  if (snprintf(path, sizeof path, "%s/CMakeLists.txt", dir) < (int)sizeof path)
    st = write_text(path, text, err);
  if (!st) {
    snprintf(text, cap,
             "%s — a KIM portable model\n\n"
             "model files  %s\n"
             "potential    %s\n"
             "elements     %s\n"
             "cutoff       %.6g Å (the KIM influence distance)\n"
             "driver       nacre_driver (installed by `nacre kim`)\n"
             "units        Å, eV (converted to the simulator's on request)\n\n"
             "In LAMMPS:\n"
             "  kim init %s metal\n"
             "  read_data ...\n"
             "  kim interactions %s\n",
             name, files, desc, species, cutoff, name, species);
    if (snprintf(path, sizeof path, "%s/README", dir) < (int)sizeof path)
      st = write_text(path, text, err);
  }
  free(names);
  free(text);
  free(files);
  return st;
}
