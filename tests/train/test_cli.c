/* test_cli.c — `nacre data`, `nacre train` and `nacre test` as a user runs
 * them: exit codes (0 success, 1 failure, 2 usage), --help, JSON output
 * that parses and holds the figures, a committee (--ensemble 2) whose
 * members differ, and the parity files; a training run stopped with
 * SIGINT writes its checkpoint, and the same command resumes it to the
 * very model an uninterrupted run gives. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nacre/train.h"
#include "testing.h"

static char out_path[] = "/tmp/nacre_cli_out_XXXXXX";

/* Runs the CLI with args; stdout goes to out_path. Returns the exit code. */
static int run(const char *args) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s.err", NACRE_CLI, args, out_path, out_path);
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static cJSON *out_json(void) {
  FILE *fp = fopen(out_path, "r");
  if (!fp) return NULL;
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, fp);
  buf[n] = 0;
  fclose(fp);
  return cJSON_Parse(buf);
}

static int err_has(const char *text) {
  char path[600], buf[4096];
  snprintf(path, sizeof path, "%s.err", out_path);
  FILE *fp = fopen(path, "r");
  if (!fp) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, fp);
  buf[n] = 0;
  fclose(fp);
  return strstr(buf, text) != NULL;
}

/* `nacre data filter DATA OPTIONS` leaves one structure, of class cls. */
static int filter_keeps_one(const char *data, const char *options, const char *cls) {
  char kf[900], args[2048];
  snprintf(kf, sizeof kf, "%s.filtered.xyz", out_path);
  snprintf(args, sizeof args, "data filter %s %s -o %s", data, options, kf);
  int ok = run(args) == 0;
  snprintf(args, sizeof args, "data info %s --json", kf);
  ok = ok && run(args) == 0;
  cJSON *j = ok ? out_json() : NULL;
  cJSON *classes = j ? cJSON_GetObjectItem(j, "classes") : NULL;
  ok = classes && cJSON_GetArraySize(classes) == 1 && cJSON_GetObjectItem(classes, cls);
  cJSON_Delete(j);
  remove(kf);
  return ok;
}

int main(void) {
  int fd = mkstemp(out_path);
  close(fd);
  char dp[600], args[4096], model[700];
  snprintf(dp, sizeof dp, "%s/deepmd", test_source_path("tests/data/train"));
  snprintf(model, sizeof model, "%s.model", out_path);

  CHECK(run("data --help") == 0, "data --help exits 0");
  CHECK(run("train --help") == 0, "train --help exits 0");
  CHECK(run("test --help") == 0, "test --help exits 0");
  CHECK(run("data frobnicate x") == 2, "unknown action is a usage error (2)");
  CHECK(run("data info /nonexistent/folder") == 1 && err_has("/nonexistent/folder"),
        "missing data: exit 1 naming the path");
  snprintf(args, sizeof args, "data split %s --by label_id -o %s.split", dp, out_path);
  CHECK(run(args) == 1 && err_has("no info key label_id"),
        "split --by a key the frames lack: exit 1 naming the key");
  snprintf(args, sizeof args, "data merge %s --by label_id -o %s.m", dp, out_path);
  CHECK(run(args) == 2 && err_has("--by"), "--by outside split: usage error");
  snprintf(args, sizeof args, "train %s", dp);
  CHECK(run(args) == 2 && err_has("-o MODEL"), "train without -o: usage error");
  snprintf(args, sizeof args, "train %s -o %s --weights e=1,q=2", dp, model);
  CHECK(run(args) == 2 && err_has("--weights"), "bad --weights: usage error naming it");

  snprintf(args, sizeof args, "data info --json %s", dp);
  CHECK(run(args) == 0, "data info --json");
  cJSON *j = out_json();
  CHECK(j && cJSON_GetObjectItem(j, "structures") &&
            cJSON_GetObjectItem(j, "structures")->valuedouble == 3 &&
            cJSON_GetObjectItem(cJSON_GetObjectItem(j, "species_natoms"), "Ag")->valuedouble == 6,
        "info JSON: 3 structures, 6 Ag atoms");
  cJSON_Delete(j);

  snprintf(args, sizeof args,
           "train %s -o %s --descriptors radial:rc=4,n=3,eta_min=0.1,eta_max=1 --hidden 4 "
           "--epochs 5 --split 1,0 --ensemble 2 --json --threads 1",
           dp, model);
  CHECK(run(args) == 0, "train --ensemble 2 --json exits 0");
  j = out_json();
  CHECK(j && cJSON_GetObjectItem(j, "committee_size") &&
            cJSON_GetObjectItem(j, "committee_size")->valuedouble == 2,
        "train JSON reports a committee of 2");
  cJSON_Delete(j);
  char ckpt[800];
  snprintf(ckpt, sizeof ckpt, "%s.ckpt.0", model);
  CHECK(access(ckpt, F_OK) != 0, "checkpoints removed after success");

  /* SIGINT after epoch 1000 (the progress line is flushed), then resume */
  {
    char train[2048], cmd[6144], ref[900], km[800], kck[900];
    snprintf(km, sizeof km, "%s.km", out_path);
    snprintf(kck, sizeof kck, "%s.ckpt", km);
    snprintf(train, sizeof train,
             "%s train %s --descriptors radial:rc=4,n=3,eta_min=0.1,eta_max=1 "
             "--hidden 4 --optimizer adam --patience 0 --split 1,0 --threads 1 "
             "--print-every 1000 --seed 5",
             NACRE_CLI, dp);
    snprintf(cmd, sizeof cmd,
             "%s -o %s --epochs 100000000 >%s 2>%s.err & pid=$!; n=0; "
             "while ! grep -q '^  0   1000 ' %s && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done; "
             "kill -INT $pid; wait $pid; exit $?",
             train, km, out_path, out_path, out_path);
    int rc = system(cmd);
    rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    CHECK(rc == 1 && err_has("interrupted at epoch") && err_has("run the same command") &&
              access(kck, F_OK) == 0,
          "SIGINT: exit 1 (got %d), checkpoint kept and named", rc);
    char path[700], buf[4096] = "";
    snprintf(path, sizeof path, "%s.err", out_path);
    FILE *fe = fopen(path, "r");
    if (fe) {
      size_t nr = fread(buf, 1, sizeof buf - 1, fe);
      buf[nr] = 0;
      fclose(fe);
    }
    const char *at = strstr(buf, "interrupted at epoch ");
    int stopped = at ? atoi(at + strlen("interrupted at epoch ")) : 0;
    CHECK(stopped >= 1000, "stopped after epoch 1000 (at %d)", stopped);
    /* resume to stopped + 300 epochs; a fresh run of as many epochs must
     * give the same model file, byte for byte */
    int total = stopped + 300;
    snprintf(cmd, sizeof cmd, "%s -o %s --epochs %d >%s 2>&1", train, km, total, out_path);
    rc = system(cmd);
    CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0 && access(kck, F_OK) != 0,
          "the same command resumes and finishes (checkpoint removed)");
    snprintf(ref, sizeof ref, "%s.ref", km);
    snprintf(cmd, sizeof cmd, "%s -o %s --epochs %d >%s 2>&1 && cmp -s %s %s", train, ref,
             total, out_path, km, ref);
    rc = system(cmd);
    CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
          "interrupted + resumed model equals an uninterrupted run of %d epochs", total);
    remove(ref);
    remove(km);
  }

  char csv[800], svg[800];
  snprintf(csv, sizeof csv, "%s.par", out_path);
  snprintf(svg, sizeof svg, "%s.svg", out_path);
  snprintf(args, sizeof args, "test %s %s --json --csv %s --plot %s", model, dp, csv, svg);
  CHECK(run(args) == 0, "test --json exits 0");
  j = out_json();
  cJSON *e = j ? cJSON_GetObjectItem(j, "energy_rmse_mev_atom") : NULL;
  cJSON *fdev = j ? cJSON_GetObjectItem(j, "committee_force_deviation_max_ev_a") : NULL;
  CHECK(e && isfinite(e->valuedouble) && j && cJSON_GetObjectItem(j, "committee_size")->valuedouble == 2,
        "test JSON: finite energy RMSE, committee of 2");
  CHECK(fdev && fdev->valuedouble > 0, "members with different seeds disagree on forces");
  cJSON_Delete(j);
  char p1[900];
  snprintf(p1, sizeof p1, "%s.energy.csv", csv);
  FILE *fp = fopen(p1, "r");
  int lines = 0;
  char line[512];
  while (fp && fgets(line, sizeof line, fp)) lines++;
  if (fp) fclose(fp);
  CHECK(lines == 4, "energy parity CSV: header + 3 rows, got %d", lines);
  fp = fopen(svg, "r");
  CHECK(fp && fgets(line, sizeof line, fp) && !strncmp(line, "<svg", 4), "parity plot is SVG");
  if (fp) fclose(fp);
  snprintf(args, sizeof args, "test lj:epsilon=0.01,sigma=2.3,cutoff=6 %s --json", dp);
  CHECK(run(args) == 0, "test evaluates any potential spec (inline Lennard-Jones)");
  j = out_json();
  CHECK(j && cJSON_GetObjectItem(j, "force_rmse_mev_a") &&
            isfinite(cJSON_GetObjectItem(j, "force_rmse_mev_a")->valuedouble),
        "Lennard-Jones test JSON has a finite force RMSE");
  cJSON_Delete(j);
  /* the worst list names each structure's config_type, else its kind */
  char kx[900];
  snprintf(kx, sizeof kx, "%s.kinds.xyz", out_path);
  fp = fopen(kx, "w");
  if (fp) {
    fputs("1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3 "
          "energy=-1.0 kind=bcc\nNa 0 0 0\n"
          "1\nLattice=\"3.2 0 0 0 3.2 0 0 0 3.2\" Properties=species:S:1:pos:R:3 "
          "energy=-1.0 kind=fcc config_type=liquid\nNa 0 0 0\n",
          fp);
    fclose(fp);
  }
  snprintf(args, sizeof args, "data info %s --json", kx);
  CHECK(run(args) == 0, "data info on a file with kinds");
  j = out_json();
  cJSON *classes = j ? cJSON_GetObjectItem(j, "classes") : NULL;
  CHECK(classes && cJSON_GetArraySize(classes) == 2 &&
            cJSON_GetObjectItem(classes, "bcc") &&
            cJSON_GetObjectItem(classes, "liquid") &&
            cJSON_GetObjectItem(j, "unclassified")->valuedouble == 0,
        "data info counts the classes bcc and liquid");
  cJSON_Delete(j);
  CHECK(filter_keeps_one(kx, "--class liquid,gas", "liquid"),
        "--class liquid,gas keeps the liquid structure only");
  CHECK(filter_keeps_one(kx, "--not-class liquid", "bcc"),
        "--not-class liquid keeps the bcc structure only");
  /* weight: the liquid structure gets config_weight 2.5, bcc keeps none */
  char wx[900];
  snprintf(wx, sizeof wx, "%s.weighted.xyz", out_path);
  snprintf(args, sizeof args, "data weight %s --class liquid --weight 2.5 -o %s", kx, wx);
  CHECK(run(args) == 0, "data weight --class liquid --weight 2.5");
  nacre_error werr;
  nacre_dataset *wd = nacre_dataset_new(&werr);
  CHECK(wd && !nacre_dataset_read(wd, wx, &werr) && wd->n == 2, "weighted file has both structures");
  if (wd && wd->n == 2) {
    /* 2.5 is written and read back exactly; 1e-12 allows any exact text */
    CHECK(!(wd->items[0].has & NACRE_LABEL_WEIGHT) &&
              fabs(nacre_sample_weight(&wd->items[0]) - 1) < 1e-12,
          "the bcc structure keeps weight 1");
    CHECK((wd->items[1].has & NACRE_LABEL_WEIGHT) && fabs(wd->items[1].weight - 2.5) < 1e-12 &&
              !strcmp(nacre_sample_class(&wd->items[1]), "liquid"),
          "the liquid structure has config_weight 2.5");
  }
  nacre_dataset_free(wd);
  remove(wx);
  snprintf(args, sizeof args, "data weight %s --class liquid -o %s", kx, wx);
  CHECK(run(args) == 2 && err_has("--weight"), "weight without --weight: usage error");
  snprintf(args, sizeof args, "data weight %s --weight -1 -o %s", kx, wx);
  CHECK(run(args) == 2 && err_has("--weight"), "negative --weight: usage error");
  snprintf(args, sizeof args, "data filter %s --weight 2 -o %s", kx, wx);
  CHECK(run(args) == 2 && err_has("--weight"), "--weight outside weight: usage error");
  snprintf(args, sizeof args, "test lj:epsilon=0.01,sigma=2.3,cutoff=6 %s --json", kx);
  CHECK(run(args) == 0, "test on a file with kinds");
  j = out_json();
  cJSON *wl = j ? cJSON_GetObjectItem(j, "worst") : NULL;
  int bcc = 0, liquid = 0;
  for (int k = 0; wl && k < cJSON_GetArraySize(wl); k++) {
    cJSON *c = cJSON_GetObjectItem(cJSON_GetArrayItem(wl, k), "class");
    bcc += c && !strcmp(c->valuestring, "bcc");
    liquid += c && !strcmp(c->valuestring, "liquid");
  }
  CHECK(bcc == 1 && liquid == 1, "worst list: classes bcc and liquid (config_type first)");
  /* errors by class: one structure each, the class RMSE is that
   * structure's error, and the two combine to the overall RMSE */
  cJSON *bc = j ? cJSON_GetObjectItem(j, "by_class") : NULL;
  double e2 = 0;
  int nbc = bc ? cJSON_GetArraySize(bc) : 0;
  for (int k = 0; k < nbc; k++) {
    cJSON *o = cJSON_GetArrayItem(bc, k);
    double r = cJSON_GetObjectItem(o, "energy_rmse_mev_atom")->valuedouble;
    e2 += r * r * cJSON_GetObjectItem(o, "structures")->valuedouble;
  }
  cJSON *etot = j ? cJSON_GetObjectItem(j, "energy_rmse_mev_atom") : NULL;
  CHECK(nbc == 2 && etot && fabs(sqrt(e2 / 2) - etot->valuedouble) < 1e-9 * etot->valuedouble,
        "by_class: 2 classes whose errors make up the total");
  cJSON_Delete(j);
  remove(kx);
  snprintf(args, sizeof args, "test %s /nonexistent", model);
  CHECK(run(args) == 1, "test on missing data exits 1");

  remove(model);
  remove(p1);
  snprintf(p1, sizeof p1, "%s.forces.csv", csv);
  remove(p1);
  remove(svg);
  snprintf(p1, sizeof p1, "%s.err", out_path);
  remove(p1);
  remove(out_path);
  TEST_DONE();
}
