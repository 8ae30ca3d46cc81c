/* test_cli.c — `nacre symmetry`: the JSON report of a wurtzite POSCAR gives
 * P6_3mc, hP4 and Zn 2b / O 2b; the tolerance scan of a rattled rocksalt
 * cell finds Fm-3m; --primitive writes a 2-atom cell that is again Fm-3m;
 * --symmetrize makes the rattled cell Fm-3m at 1e-5 Å; usage errors exit
 * with 2 and unreadable files with 1. */
#include <cjson/cJSON.h>
#include <string.h>
#include <sys/wait.h>

#include "testing.h"

/* Runs `nacre ARGS`, returns the exit status and the standard output. */
static int run_cli(const char *args, char *out, size_t len) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "'%s' %s 2>/dev/null", NACRE_CLI, args);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t n = fread(out, 1, len - 1, p);
  out[n] = '\0';
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_poscar(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

static const cJSON *get(const cJSON *o, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(o, key);
}

static int sg_of(const char *json) {
  cJSON *root = cJSON_Parse(json);
  const cJSON *sym = get(root, "symmetry");
  int n = cJSON_IsNumber(get(sym, "space_group_number")) ? get(sym, "space_group_number")->valueint : -1;
  cJSON_Delete(root);
  return n;
}

int main(void) {
  static char out[1 << 20];
  /* wurtzite ZnO, a = 3.25 Å, c = 5.21 Å, u = 0.382 */
  write_poscar("sym_cli_wurtzite.vasp",
               "ZnO wurtzite\n1.0\n3.25 0 0\n-1.625 2.8145825622994254 0\n"
               "0 0 5.21\nZn O\n2 2\nDirect\n"
               "0.3333333333333333 0.6666666666666667 0\n"
               "0.6666666666666667 0.3333333333333333 0.5\n"
               "0.3333333333333333 0.6666666666666667 0.382\n"
               "0.6666666666666667 0.3333333333333333 0.882\n");
  /* rocksalt NaCl, atoms moved by up to 0.004 Å */
  write_poscar("sym_cli_nacl.vasp",
               "NaCl rattled\n5.64\n1 0 0\n0 1 0\n0 0 1\nNa Cl\n4 4\nDirect\n"
               "0.0003 0 0\n0 0.5 0.5007\n0.5 0 0.5\n0.4994 0.5 0\n"
               "0.5 0.5 0.5\n0.5 0.0005 0\n0 0.5 0\n0 0 0.4996\n");

  int rc = run_cli("symmetry sym_cli_wurtzite.vasp --json", out, sizeof out);
  CHECK(rc == 0, "symmetry --json exits 0 (got %d)", rc);
  cJSON *root = cJSON_Parse(out);
  CHECK(root != NULL, "output is JSON");
  const cJSON *sym = get(root, "symmetry");
  CHECK(cJSON_IsNumber(get(sym, "space_group_number")) && get(sym, "space_group_number")->valueint == 186,
        "wurtzite is group 186");
  CHECK(cJSON_IsString(get(sym, "space_group")) &&
            !strcmp(get(sym, "space_group")->valuestring, "P6_3mc"),
        "wurtzite symbol P6_3mc");
  CHECK(cJSON_IsString(get(sym, "pearson")) &&
            !strcmp(get(sym, "pearson")->valuestring, "hP4"),
        "wurtzite Pearson hP4");
  const cJSON *atoms = get(sym, "atoms");
  CHECK(cJSON_GetArraySize(atoms) == 4, "four atoms reported");
  for (int i = 0; i < cJSON_GetArraySize(atoms); i++) {
    const cJSON *w = get(cJSON_GetArrayItem(atoms, i), "wyckoff");
    CHECK(cJSON_IsString(w) && !strcmp(w->valuestring, "2b"),
          "wurtzite atom %d on 2b", i);
  }
  CHECK(cJSON_GetArraySize(get(sym, "operations")) == 12,
        "12 operations in the wurtzite cell");
  cJSON_Delete(root);

  rc = run_cli("symmetry sym_cli_nacl.vasp --symprec 1e-3 --json", out,
               sizeof out);
  CHECK(rc == 0 && sg_of(out) != 225,
        "rattled rocksalt is below Fm-3m at 1e-3 Å");
  rc = run_cli("symmetry sym_cli_nacl.vasp --json", out, sizeof out);
  CHECK(rc == 0 && sg_of(out) == 225,
        "rattled rocksalt is Fm-3m at the default NACRE_SYMPREC_DEFAULT");
  rc = run_cli("symmetry sym_cli_nacl.vasp --scan --json", out, sizeof out);
  CHECK(rc == 0 && sg_of(out) == 225, "scan finds Fm-3m");
  root = cJSON_Parse(out);
  CHECK(cJSON_GetArraySize(get(root, "scan")) == 9, "nine scan tolerances");
  cJSON_Delete(root);

  rc = run_cli("symmetry sym_cli_nacl.vasp --symprec 0.01 --primitive -o "
               "sym_cli_prim.vasp",
               out, sizeof out);
  CHECK(rc == 0, "--primitive -o exits 0");
  rc = run_cli("symmetry sym_cli_prim.vasp --symprec 1e-5 --json", out,
               sizeof out);
  root = cJSON_Parse(out);
  CHECK(rc == 0 && cJSON_IsNumber(get(root, "natoms")) &&
            get(root, "natoms")->valueint == 2 && sg_of(out) == 225,
        "primitive rocksalt: 2 atoms, Fm-3m");
  cJSON_Delete(root);

  rc = run_cli("symmetry sym_cli_nacl.vasp --symprec 0.01 --symmetrize -o "
               "sym_cli_sym.vasp",
               out, sizeof out);
  CHECK(rc == 0, "--symmetrize -o exits 0");
  rc = run_cli("symmetry sym_cli_sym.vasp --symprec 1e-5 --json", out,
               sizeof out);
  CHECK(rc == 0 && sg_of(out) == 225, "symmetrised rocksalt is Fm-3m at 1e-5 Å");

  /* counts agree in number */
  write_poscar("sym_cli_one.vasp",
               "fcc\n3.6\n0 .5 .5\n.5 0 .5\n.5 .5 0\nCu\n1\nDirect\n0 0 0\n");
  CHECK(run_cli("symmetry sym_cli_one.vasp", out, sizeof out) == 0 &&
            strstr(out, "Cu1, 1 atom\n"),
        "one atom is \"1 atom\": %.80s", out);
  remove("sym_cli_one.vasp");

  CHECK(run_cli("symmetry", out, sizeof out) == 2, "no structure: exit 2");
  CHECK(run_cli("symmetry sym_cli_nacl.vasp --primitive", out, sizeof out) == 2,
        "--primitive without -o: exit 2");
  CHECK(run_cli("symmetry sym_cli_nacl.vasp --symprec abc", out, sizeof out) == 2,
        "bad --symprec: exit 2");
  CHECK(run_cli("symmetry sym_cli_missing.vasp", out, sizeof out) == 1,
        "missing file: exit 1");
  CHECK(run_cli("symmetry --help", out, sizeof out) == 0 &&
            strstr(out, "--symprec") && strstr(out, "--conventional"),
        "--help lists the options");
  remove("sym_cli_wurtzite.vasp");
  remove("sym_cli_nacl.vasp");
  remove("sym_cli_prim.vasp");
  remove("sym_cli_sym.vasp");
  TEST_DONE();
}
