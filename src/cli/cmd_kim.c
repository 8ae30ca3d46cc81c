/* cmd_kim.c — `nacre kim MODEL`: the model as a KIM portable model,
 * installed with kim-api-collections-management (the driver nacre_driver
 * first, when the collection lacks it), for LAMMPS' pair_style kim. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "nacre/pot.h"

#define KIM_TOOL "kim-api-collections-management"

static void help(void) {
  printf(
      "Usage: nacre kim MODEL [options]\n"
      "\n"
      "Turns a nacre model file (a Behler-Parrinello network in nacre's JSON or\n"
      "MAISE's format) into a KIM portable model and installs it with\n"
      "kim-api-collections-management (Debian package libkim-api-dev), the KIM\n"
      "model driver nacre_driver first when the collection lacks it. LAMMPS\n"
      "then runs the model with\n"
      "    kim init NAME metal\n"
      "    read_data ...\n"
      "    kim interactions Na\n"
      "serially or with MPI (pair_style kim; Debian's lammps has the KIM\n"
      "package). The model works in Å and eV.\n"
      "\n"
      "Options:\n"
      "  --name NAME         the KIM model's name, a C identifier (default\n"
      "                      nacre_ + the model file's name, e.g. nacre_nn_Na_d3_v0)\n"
      "  -o, --output DIR    folder of the portable model's sources (default: NAME\n"
      "                      in the current folder; overwritten)\n"
      "  --collection C      where kim-api-collections-management installs:\n"
      "                      user (default; ~/.kim-api), environment (the folders\n"
      "                      of KIM_API_MODEL_DRIVERS_DIR and\n"
      "                      KIM_API_PORTABLE_MODELS_DIR), CWD or system\n"
      "  --no-install        only write the folder (install it later with\n"
      "                      kim-api-collections-management install user DIR)\n"
      "  --driver DIR        sources of the driver (default: share/nacre/kim/\n"
      "                      nacre_driver of the installation this program is in)\n"
      "  --reinstall-driver  build and install the driver even when the\n"
      "                      collection has one (after upgrading nacre)\n"
      "  -v, --verbose       show the output of kim-api-collections-management\n"
      "                      (default: only when it fails)\n"
      "  -h, --help          this text\n"
      "\n"
      "Example:\n"
      "  nacre kim ../shared/data/maise/models/nn_Na_d3_v0\n");
}

typedef struct {
  const char *model, *name, *dir, *collection, *driver;
  int install, reinstall_driver, verbose;
} kim_options;

/* The installation this program belongs to: PREFIX of PREFIX/bin/nacre. */
static int own_prefix(char *buf, size_t len) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return -1;
  exe[n] = '\0';
  for (int up = 0; up < 2; up++) {
    char *slash = strrchr(exe, '/');
    if (!slash) return -1;
    *slash = '\0';
  }
  if (!exe[0]) strcpy(exe, "/");
  return snprintf(buf, len, "%s", exe) < (int)len ? 0 : -1;
}

/* Runs argv with its output in log (shown when verbose or on failure);
 * returns the exit status (−1: could not run). */
static int run_tool(char *const argv[], const char *log, int verbose) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (!verbose) {
      int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
      }
    }
    execvp(argv[0], argv);
    _exit(127);
  }
  int status;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void show_log(const char *log) {
  FILE *f = fopen(log, "r");
  if (!f) return;
  char line[4096];
  while (fgets(line, sizeof line, f)) fputs(line, stderr);
  fclose(f);
}

/* 1 when `kim-api-collections-management list` names the driver. */
static int driver_installed(const char *log) {
  char *argv[] = {KIM_TOOL, "list", NULL};
  if (run_tool(argv, log, 0) != 0) return 0;
  FILE *f = fopen(log, "r");
  if (!f) return 0;
  char line[4096];
  int found = 0;
  while (!found && fgets(line, sizeof line, f)) {
    const char *p = strstr(line, "nacre_driver");
    found = p && (p == line || p[-1] == ' ' || p[-1] == '\t') &&
            (p[12] == '\0' || p[12] == '\n' || p[12] == ' ' || p[12] == '\t');
  }
  fclose(f);
  return found;
}

static int install_item(const kim_options *o, const char *what, const char *dir,
                        const char *log) {
  char abs[PATH_MAX];
  if (!realpath(dir, abs)) {
    fprintf(stderr, "nacre kim: %s: %s\n", dir, strerror(errno));
    return CLI_FAILED;
  }
  char *collection = (char *)o->collection;
  char *argv[] = {KIM_TOOL, "install", "--force", collection, abs, NULL};
  fprintf(stderr, "nacre kim: installing %s into the %s collection "
                  "(kim-api-collections-management builds it)\n",
          what, o->collection);
  int rc = run_tool(argv, log, o->verbose);
  if (rc == 0) return CLI_OK;
  if (!o->verbose) show_log(log);
  if (rc == 127 || rc < 0)
    fprintf(stderr, "nacre kim: %s not found (Debian package libkim-api-dev)\n",
            KIM_TOOL);
  else
    fprintf(stderr, "nacre kim: installing %s from %s failed (exit %d)\n", what,
            abs, rc);
  return CLI_FAILED;
}

static int parse(int argc, char **argv, kim_options *o) {
  int rc = CLI_OK;
  for (int k = 1; k < argc && rc == CLI_OK; k++) {
    const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return -1;
    } else if (!strcmp(a, "--name")) {
      CLI_NEED_VALUE("kim");
      o->name = v;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      CLI_NEED_VALUE("kim");
      o->dir = v;
    } else if (!strcmp(a, "--collection")) {
      CLI_NEED_VALUE("kim");
      if (strcmp(v, "user") && strcmp(v, "environment") && strcmp(v, "CWD") &&
          strcmp(v, "system"))
        rc = cli_usage("kim", "--collection is user, environment, CWD or "
                              "system, not '%s'", v);
      o->collection = v;
    } else if (!strcmp(a, "--driver")) {
      CLI_NEED_VALUE("kim");
      o->driver = v;
    } else if (!strcmp(a, "--no-install")) {
      o->install = 0;
    } else if (!strcmp(a, "--reinstall-driver")) {
      o->reinstall_driver = 1;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      o->verbose = 1;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage("kim", "unknown option '%s'", a);
    } else if (!o->model) {
      o->model = a;
    } else {
      rc = cli_usage("kim", "unexpected argument '%s'", a);
    }
  }
  if (rc == CLI_OK && !o->model) rc = cli_usage("kim", "no MODEL given");
  return rc;
}

static int run(int argc, char **argv) {
  kim_options o = {.collection = "user", .install = 1};
  int rc = parse(argc, argv, &o);
  if (rc < 0) return CLI_OK;
  if (rc != CLI_OK) return rc;
  char name[160];
  if (o.name) {
    if (!nacre_kim_name_valid(o.name))
      return cli_usage("kim", "--name '%s' is not a C identifier", o.name);
    snprintf(name, sizeof name, "%s", o.name);
  } else {
    nacre_kim_default_name(o.model, name, sizeof name);
  }
  const char *dir = o.dir ? o.dir : name;
  nacre_error err;
  nacre_error_clear(&err);
  if (nacre_kim_model_write(o.model, name, dir, &err)) return cli_fail("kim", &err);
  printf("KIM portable model %s written to %s/\n", name, dir);
  if (!o.install) {
    printf("install it with: %s install %s %s\n", KIM_TOOL, o.collection, dir);
    return CLI_OK;
  }

  char prefix[PATH_MAX], driver[PATH_MAX + 64];
  int have_prefix = own_prefix(prefix, sizeof prefix) == 0;
  if (o.driver)
    snprintf(driver, sizeof driver, "%s", o.driver);
  else if (have_prefix)
    snprintf(driver, sizeof driver, "%s/share/nacre/kim/nacre_driver", prefix);
  else
    driver[0] = '\0';
  /* The driver's build finds nacre through CMAKE_PREFIX_PATH too. */
  if (have_prefix) {
    const char *old = getenv("CMAKE_PREFIX_PATH");
    size_t len = strlen(prefix) + (old ? strlen(old) + 2 : 1);
    char *value = malloc(len);
    if (value) {
      snprintf(value, len, "%s%s%s", prefix, old && old[0] ? ":" : "",
               old ? old : "");
      setenv("CMAKE_PREFIX_PATH", value, 1);
      free(value);
    }
  }
  char log[] = "/tmp/nacre-kim-XXXXXX";
  int fd = mkstemp(log);
  if (fd < 0) {
    fprintf(stderr, "nacre kim: cannot create a temporary log: %s\n",
            strerror(errno));
    return CLI_FAILED;
  }
  close(fd);
  rc = CLI_OK;
  if (o.reinstall_driver || !driver_installed(log)) {
    char cml[PATH_MAX + 128];
    snprintf(cml, sizeof cml, "%s/CMakeLists.txt", driver);
    struct stat st;
    if (!driver[0] || stat(cml, &st) != 0) {
      fprintf(stderr,
              "nacre kim: the sources of the KIM driver are not at '%s' "
              "(give --driver DIR: kim/nacre_driver of nacre's sources, or "
              "share/nacre/kim/nacre_driver of an installation)\n",
              driver);
      rc = CLI_FAILED;
    } else {
      rc = install_item(&o, "the driver nacre_driver", driver, log);
    }
  }
  if (rc == CLI_OK) rc = install_item(&o, name, dir, log);
  remove(log);
  if (rc != CLI_OK) return rc;
  char elements[256] = "ELEMENTS";
  nacre_potential *p = NULL;
  if (nacre_potential_load(o.model, &p, &err) == NACRE_OK) {
    size_t len = 0;
    for (int k = 0; k < nacre_potential_nspecies(p) && len + 4 < sizeof elements; k++) {
      const nacre_element *e = nacre_element_by_z(nacre_potential_species(p)[k]);
      len += (size_t)snprintf(elements + len, sizeof elements - len, "%s%s",
                              k ? " " : "", e ? e->symbol : "?");
    }
    nacre_potential_free(p);
  }
  printf("installed; in LAMMPS (units metal):\n"
         "  kim init %s metal\n"
         "  read_data ...\n"
         "  kim interactions %s\n",
         name, elements);
  return CLI_OK;
}

const nacre_command nacre_cmd_kim = {
    "kim", "a model as a KIM portable model for LAMMPS (pair_style kim)", run};
