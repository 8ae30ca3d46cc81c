/* test_json_docs.c — the JSON of nacre eval, nacre label and nacre data
 * info speaks doc/vocabulary.md and its documentation is true: every key
 * printed is listed in the command's doc/ page (doc/eval.md, doc/label.md,
 * doc/data.md), every key listed there is printed by some run below, and
 * every key is snake_case with a known unit suffix where it has a unit
 * (the old keys energy, energy_per_atom, forces, atom_energies,
 * skipped_already_done_or_failed, wall_s_per_atom, species_atoms are
 * gone). */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iotest.h"
#include "testing.h"

#define MAXKEYS 64
typedef struct keyset {
  char key[MAXKEYS][48];
  int n;
} keyset;

static void add(keyset *k, const char *key) {
  for (int i = 0; i < k->n; i++)
    if (!strcmp(k->key[i], key)) return;
  if (k->n < MAXKEYS) snprintf(k->key[k->n++], 48, "%s", key);
}

static int has(const keyset *k, const char *key) {
  for (int i = 0; i < k->n; i++)
    if (!strcmp(k->key[i], key)) return 1;
  return 0;
}

/* Keys of a doc page: the backquoted names in the first cell of the rows
 * of its key tables. */
static void doc_keys(const char *page, keyset *k) {
  char rel[128];
  snprintf(rel, sizeof rel, "doc/%s", page);
  char *text = test_read_all(test_source_path(rel), NULL);
  CHECK(text != NULL, "%s exists", rel);
  for (char *line = text; line && *line;) {
    char *eol = strchr(line, '\n');
    if (eol) *eol = '\0';
    if (!strncmp(line, "| `", 3)) {
      char *cell_end = strchr(line + 1, '|');
      for (char *p = line; cell_end && (p = strchr(p, '`')) && p < cell_end;) {
        char *q = strchr(p + 1, '`');
        if (!q) break;
        *q = '\0';
        add(k, p + 1);
        p = q + 1;
      }
    }
    line = eol ? eol + 1 : NULL;
  }
  free(text);
}

static const char *units[] = {"_ev", "_ev_a", "_gpa", "_a3", "_a", "_s", NULL};

/* snake_case; a key that names a quantity with a unit ends in one
 * (counts such as with_energy, structures that carry an energy, have
 * none). */
static void check_style(const char *key) {
  int snake = 1;
  for (const char *c = key; *c; c++)
    snake &= islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_';
  CHECK(snake, "key '%s' is snake_case", key);
  static const char *quantities[] = {"energy", "force", "stress", "pressure",
                                     "volume", "wall", NULL};
  if (!strcmp(key, "outside_training_domain") || !strcmp(key, "committee_size"))
    return;
  for (int q = 0; quantities[q] && strncmp(key, "with_", 5); q++) {
    if (!strstr(key, quantities[q])) continue;
    int unit = 0;
    for (int u = 0; units[u]; u++) {
      size_t n = strlen(key), m = strlen(units[u]);
      unit |= n > m && !strcmp(key + n - m, units[u]);
    }
    CHECK(unit, "key '%s' carries its unit", key);
  }
}

/* Runs cmd, parses its JSON and adds its top-level keys. */
static void json_keys(const char *cmd, keyset *k) {
  FILE *p = popen(cmd, "r");
  char *buf = malloc(1 << 20);
  size_t len = p ? fread(buf, 1, (1 << 20) - 1, p) : 0;
  buf[len] = '\0';
  int rc = p ? pclose(p) : -1;
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "%s exits 0", cmd);
  cJSON *j = cJSON_Parse(buf);
  CHECK(j != NULL, "%s prints JSON", cmd);
  for (cJSON *it = j ? j->child : NULL; it; it = it->next) {
    add(k, it->string);
    check_style(it->string);
  }
  cJSON_Delete(j);
  free(buf);
}

static void same_keys(const char *page, const keyset *printed) {
  keyset doc = {.n = 0};
  doc_keys(page, &doc);
  for (int i = 0; i < printed->n; i++)
    CHECK(has(&doc, printed->key[i]), "key '%s' printed, listed in doc/%s",
          printed->key[i], page);
  for (int i = 0; i < doc.n; i++)
    CHECK(has(printed, doc.key[i]), "key '%s' of doc/%s is printed",
          doc.key[i], page);
}

int main(void) {
  char dir[] = "/tmp/nacre-test-keysXXXXXX";
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  char cmd[8000], path[600];
  snprintf(path, sizeof path, "%s/in.xyz", dir);
  test_write_text(path,
                  "2\nLattice=\"4.2 0 0 0 4.2 0 0 0 4.2\" Properties=species:S:1:"
                  "pos:R:3 config_type=bcc\nNa 0 0 0\nNa 2.1 2.1 2.05\n");
  const char *lj = "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5";

  keyset eval = {.n = 0};
  snprintf(cmd, sizeof cmd, "%s eval '%s' -p %s --json --per-atom", NACRE_CLI,
           path, lj);
  json_keys(cmd, &eval);
  /* a committee of a network that records its training data prints the
   * committee and domain keys */
  const char *na = test_shared_path("maise/models/nn_Na_d3_v0");
  if (na) {
    snprintf(cmd, sizeof cmd,
             "%s eval '%s' -p committee:%s,%s --json --per-atom 2>/dev/null",
             NACRE_CLI, path, na, na);
    json_keys(cmd, &eval);
  } else {
    printf("note: ../shared/data absent: the committee and domain keys of "
           "eval are not exercised\n");
    const char *more[] = {"committee_size", "committee_force_deviation_max_ev_a",
                          "committee_energy_deviation_per_atom_ev",
                          "committee_atom_force_deviation_ev_a",
                          "outside_training_domain"};
    for (int k = 0; k < 5; k++) add(&eval, more[k]);
  }
  same_keys("eval.md", &eval);

  keyset label = {.n = 0};
  snprintf(cmd, sizeof cmd,
           "cd '%s' && %s label in.xyz --code potential:%s -o out.xyz --json -q",
           dir, NACRE_CLI, lj);
  json_keys(cmd, &label);
  /* a DFT batch prepared (a stand-in VASP: POTCARs only) and collected */
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/pp/Na_pv' && echo Na > '%s/pp/Na_pv/POTCAR'",
           dir, dir);
  CHECK(system(cmd) == 0, "POTCAR folder");
  snprintf(cmd, sizeof cmd,
           "cd '%s' && %s label in.xyz --code vasp --pseudo-dir pp --prepare prep "
           "-o v.xyz --json",
           dir, NACRE_CLI);
  json_keys(cmd, &label);
  snprintf(cmd, sizeof cmd,
           "cd '%s' && %s label in.xyz --code vasp --pseudo-dir pp --collect prep "
           "-o v.xyz --json -q",
           dir, NACRE_CLI);
  json_keys(cmd, &label);
  same_keys("label.md", &label);

  keyset data = {.n = 0};
  snprintf(cmd, sizeof cmd, "cd '%s' && %s data info out.xyz --json", dir,
           NACRE_CLI);
  json_keys(cmd, &data);
  same_keys("data.md", &data);

  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0, "cleanup");
  TEST_DONE();
}
