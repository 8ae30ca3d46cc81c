/* test_train_cli.c — `nacre train` options and outputs: (1) bad values
 * (--epochs -1, -j/--threads 0, --batch 0, --ensemble 0, --print-every 0,
 * --l2 -1, --time-limit -3) are usage errors (exit 2) whose message names
 * the option, and --help documents --valid, --test, --fractions, -j and
 * speaks of no undocumented descriptor forms; (2) --valid and --test files
 * are used as given, without a split; (3) every file written (the model,
 * its MAISE export, with --ensemble each member's) reloads to the trained
 * model's energies, forces and stress to 1e-10, and --maise with a network
 * MAISE cannot hold is refused before any training; (4) the first
 * checkpoint is written after the first epoch, and a checkpoint is not
 * resumed with other data or another seed (exit 1, naming which); (5)
 * nacre test's parity plot draws training and test points in two colours
 * with their RMSE and MAE, a residual panel, and axes from the data; (6)
 * the JSON of train and test has exactly the keys of doc/train.md. */
#include <cjson/cJSON.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builders.h"
#include "nacre/nn.h"
#include "nacre/pot.h"
#include "nacre/train.h"
#include "testing.h"

static char dir[] = "/tmp/nacre_train_cli_XXXXXX";
static char out[700], errp[700];

static int run(const char *args) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", NACRE_CLI, args, out, errp);
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *path) {
  static char buf[1 << 16];
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  buf[n] = '\0';
  if (f) fclose(f);
  return buf;
}

/* Na cells labelled by Lennard-Jones, written as extended XYZ. */
static void write_set(const char *path, int n, uint64_t seed) {
  nacre_error err;
  nacre_potential *lj = NULL;
  nacre_potential_load("lj:epsilon=0.05,sigma=3.1,cutoff=6", &lj, &err);
  nacre_calc *c = nacre_calc_new(lj, 0.0, &err);
  nacre_dataset *d = nacre_dataset_new(&err);
  for (int q = 0; q < n; q++) {
    const int rep[3] = {1, 1, 1};
    /* every third cell is fcc at a = 3.45 A: neighbours at 2.44 A, inside
     * MAISE's repulsion range for Na (2.53 A) */
    double a = q % 3 == 2 ? 3.45 : q % 2 ? 5.2 : 4.1 + 0.02 * q;
    nacre_structure *s = build_bulk(q % 3 == 2 || q % 2 ? "fcc" : "bcc", 11, a, rep);
    build_rattle(s, 0.1, seed + (uint64_t)q);
    nacre_result r;
    nacre_result_init(&r, s->natoms, &err);
    nacre_calc_compute(c, s, NACRE_WANT_ALL, &r, &err);
    nacre_sample sm;
    memset(&sm, 0, sizeof sm);
    sm.s = s;
    sm.has = NACRE_LABEL_ENERGY | NACRE_LABEL_FORCES | NACRE_LABEL_STRESS;
    sm.energy = r.energy;
    sm.forces = malloc(3 * (size_t)s->natoms * sizeof(double));
    memcpy(sm.forces, r.forces, 3 * (size_t)s->natoms * sizeof(double));
    memcpy(sm.stress, r.stress, sizeof sm.stress);
    nacre_result_free(&r);
    nacre_dataset_take(d, &sm, &err);
  }
  CHECK_OK(nacre_dataset_save_extxyz(d, path, &err), &err);
  nacre_dataset_free(d);
  nacre_calc_free(c);
  nacre_potential_free(lj);
}

static void bad_options(const char *data) {
  static const char *const bad[][2] = {
      {"--epochs -1", "--epochs"},     {"--threads 0", "--threads"},
      {"-j 0", "-j"},                  {"--batch 0", "--batch"},
      {"--ensemble 0", "--ensemble"},  {"--print-every 0", "--print-every"},
      {"--l2 -1", "--l2"},             {"--time-limit -3", "--time-limit"},
      {"--fractions 1.2,0", "--fractions"}, {"--checkpoint-interval x", "--checkpoint-interval"}};
  char args[2048];
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    snprintf(args, sizeof args, "train %s -o %s/m.json %s", data, dir, bad[k][0]);
    int rc = run(args);
    CHECK(rc == 2 && strstr(slurp(errp), bad[k][1]),
          "'%s': exit 2 naming %s (got %d: %s)", bad[k][0], bad[k][1], rc, slurp(errp));
  }
  snprintf(args, sizeof args, "train %s --valid %s -o %s/m.json --fractions 0.5,0.5", data, data,
           dir);
  CHECK(run(args) == 2 && strstr(slurp(errp), "--fractions"),
        "--fractions with --valid: usage error");
  CHECK(run("train --help") == 0, "train --help");
  const char *h = slurp(out);
  CHECK(strstr(h, "--valid FILE") && strstr(h, "--test FILE") && strstr(h, "--fractions T,V") &&
            strstr(h, "-j, --jobs N") && strstr(h, "--checkpoint-interval") &&
            !strstr(h, "bp:") && !strstr(h, "io module") && !strstr(h, "--split") &&
            !strstr(h, "--threads"),
        "--help: vocabulary options, no bp: descriptors, no 'io module'");
}

/* Largest difference of energy per atom, forces and stress between two
 * potential files over the structures of data. */
static double compare(const char *a, const char *b, const char *data) {
  nacre_error err;
  nacre_potential *pa = NULL, *pb = NULL;
  nacre_dataset *d = nacre_dataset_new(&err);
  if (nacre_potential_load(a, &pa, &err) || nacre_potential_load(b, &pb, &err) ||
      nacre_dataset_read(d, data, &err)) {
    printf("compare: %s\n", err.message);
    return INFINITY;
  }
  long nat = nacre_dataset_natoms(d);
  double *ea = malloc((size_t)d->n * sizeof *ea), *eb = malloc((size_t)d->n * sizeof *eb);
  double *fa = malloc(3 * (size_t)nat * sizeof *fa), *fb = malloc(3 * (size_t)nat * sizeof *fb);
  double (*sa)[6] = malloc((size_t)d->n * sizeof *sa), (*sb)[6] = malloc((size_t)d->n * sizeof *sb);
  nacre_potential_evaluate(pa, d, ea, fa, sa, NULL, NULL, NULL, NULL, &err);
  nacre_potential_evaluate(pb, d, eb, fb, sb, NULL, NULL, NULL, NULL, &err);
  double worst = 0;
  for (int q = 0; q < d->n; q++) {
    worst = fmax(worst, fabs(ea[q] - eb[q]) / d->items[q].s->natoms);
    for (int v = 0; v < 6; v++) worst = fmax(worst, fabs(sa[q][v] - sb[q][v]));
  }
  for (long k = 0; k < 3 * nat; k++) worst = fmax(worst, fabs(fa[k] - fb[k]));
  free(ea), free(eb), free(fa), free(fb), free(sa), free(sb);
  nacre_dataset_free(d);
  nacre_potential_free(pa);
  nacre_potential_free(pb);
  return worst;
}

static void exports(const char *data) {
  char args[4096], model[800], maise[800], m0[820];
  snprintf(model, sizeof model, "%s/x.json", dir);
  snprintf(maise, sizeof maise, "%s/x.maise", dir);
  snprintf(args, sizeof args,
           "train %s -o %s --maise %s --descriptors radial:rc=5,n=4,eta_min=0.05,eta_max=1 "
           "--hidden 4,3 --epochs 30 --fractions 1,0 -j 1",
           data, model, maise);
  CHECK(run(args) == 0, "train --maise (exit 0): %s", slurp(errp));
  /* data with pairs inside MAISE's repulsion range (2.53 A for Na): the
   * model carries it, so every file agrees there too */
  double d = compare(model, maise, data);
  CHECK(d <= 1e-10, "MAISE export reloads to the model's results: %.3g", d);
  snprintf(args, sizeof args, "test %s %s --json", maise, data);
  CHECK(run(args) == 0, "nacre test on the MAISE export");
  cJSON *j = cJSON_Parse(slurp(out));
  double e_maise = j ? cJSON_GetObjectItem(j, "energy_rmse_mev_atom")->valuedouble : -1;
  cJSON_Delete(j);
  snprintf(args, sizeof args, "test %s %s --json", model, data);
  run(args);
  j = cJSON_Parse(slurp(out));
  double e_model = j ? cJSON_GetObjectItem(j, "energy_rmse_mev_atom")->valuedouble : -2;
  cJSON_Delete(j);
  CHECK(fabs(e_maise - e_model) <= 1e-7, "nacre test: same RMSE for both files (%.9g, %.9g meV/atom)",
        e_maise, e_model);
  /* a committee: each member's MAISE file equals that member */
  snprintf(model, sizeof model, "%s/c.json", dir);
  snprintf(args, sizeof args,
           "train %s -o %s --maise %s --descriptors radial:rc=5,n=4,eta_min=0.05,eta_max=1 "
           "--hidden 3,3 --epochs 10 --fractions 1,0 --ensemble 2 --json-copy-check -j 1",
           data, model, maise);
  /* (no such option: a usage error, nothing written) */
  CHECK(run(args) == 2 && access(model, F_OK) != 0, "an unknown option writes nothing");
  snprintf(args, sizeof args,
           "train %s -o %s --maise %s --nn-json %s/c.member --descriptors "
           "radial:rc=5,n=4,eta_min=0.05,eta_max=1 --hidden 3,3 --epochs 10 --fractions 1,0 "
           "--ensemble 2 -j 1",
           data, model, maise, dir);
  CHECK(run(args) == 0, "train --ensemble 2 --maise: %s", slurp(errp));
  for (int k = 0; k < 2; k++) {
    char member[840];
    snprintf(m0, sizeof m0, "%s.%d", maise, k);
    snprintf(member, sizeof member, "%s/c.member.%d", dir, k);
    d = compare(member, m0, data);
    CHECK(d <= 1e-10, "member %d: MAISE file reloads to the member's results: %.3g", k, d);
  }
  /* --maise with one hidden layer: refused before training */
  snprintf(args, sizeof args, "train %s -o %s/y.json --maise %s/y.maise --hidden 4 --epochs 5",
           data, dir, dir);
  int rc = run(args);
  snprintf(m0, sizeof m0, "%s/y.json", dir);
  CHECK(rc == 2 && strstr(slurp(errp), "--maise") && strstr(slurp(errp), "two tanh") &&
            !strstr(slurp(out), "epoch") && access(m0, F_OK) != 0,
        "--maise with one hidden layer refused before training (exit %d): %s", rc, slurp(errp));
}

/* The keys of o are exactly want[] (NULL-terminated), each named in
 * doc/train.md. */
static void check_keys(const char *what, const cJSON *o, const char *const *want) {
  char path[1024];
  snprintf(path, sizeof path, "%s/doc/train.md", NACRE_SOURCE_DIR);
  static char doc[1 << 15];
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(doc, 1, sizeof doc - 1, f) : 0;
  doc[n] = '\0';
  if (f) fclose(f);
  int nwant = 0;
  for (; want[nwant]; nwant++) {
    char quoted[96];
    snprintf(quoted, sizeof quoted, "`%s`", want[nwant]);
    CHECK(o && cJSON_HasObjectItem(o, want[nwant]) && strstr(doc, quoted),
          "%s has \"%s\", documented", what, want[nwant]);
  }
  const cJSON *it;
  cJSON_ArrayForEach(it, o) {
    int known = 0;
    for (int k = 0; k < nwant && !known; k++) known = !strcmp(it->string, want[k]);
    CHECK(known, "%s: key \"%s\" is not documented", what, it->string);
  }
}

static void given_sets(const char *data, const char *valid, const char *test) {
  char args[4096];
  snprintf(args, sizeof args,
           "train %s --valid %s --test %s -o %s/v.json --descriptors "
           "radial:rc=5,n=3,eta_min=0.05,eta_max=1 --hidden 3 --epochs 5 --json -j 1",
           data, valid, test, dir);
  CHECK(run(args) == 0, "train --valid --test: %s", slurp(errp));
  cJSON *j = cJSON_Parse(slurp(out));
  CHECK(j && cJSON_GetObjectItem(j, "train_structures")->valuedouble == 12 &&
            cJSON_GetObjectItem(j, "valid_structures")->valuedouble == 4 &&
            cJSON_GetObjectItem(j, "test_structures")->valuedouble == 5,
        "no split: 12 training, 4 validation, 5 test structures");
  static const char *const train_keys[] = {
      "model", "committee_size", "descriptors", "descriptor_components", "train_structures",
      "valid_structures", "test_structures", "wall_s", "descriptor_wall_s", "descriptor_bytes",
      "train", "valid", "test", NULL};
  static const char *const set_keys[] = {"energy_rmse_mev_atom", "energy_mae_mev_atom",
                                         "force_rmse_mev_a", "force_mae_mev_a",
                                         "stress_rmse_gpa", NULL};
  check_keys("train --json", j, train_keys);
  check_keys("train --json: test", j ? cJSON_GetObjectItem(j, "test") : NULL, set_keys);
  cJSON_Delete(j);
  snprintf(args, sizeof args, "test %s/v.json %s --json --worst 2", dir, test);
  CHECK(run(args) == 0, "test --json");
  j = cJSON_Parse(slurp(out));
  static const char *const test_keys[] = {
      "potential", "committee_size", "structures", "energy_rmse_mev_atom",
      "energy_mae_mev_atom", "force_rmse_mev_a", "force_mae_mev_a", "stress_rmse_gpa",
      "stress_mae_gpa", "outside_training_domain", "worst", NULL};
  check_keys("test --json", j, test_keys);
  static const char *const worst_keys[] = {"source", "natoms", "energy_error_mev_atom", NULL};
  cJSON *w = j ? cJSON_GetObjectItem(j, "worst") : NULL;
  check_keys("test --json: worst", w ? cJSON_GetArrayItem(w, 0) : NULL, worst_keys);
  cJSON_Delete(j);
}

static void checkpoints(const char *data, const char *other) {
  char base[4096], cmd[8192], ck[900], model[800];
  snprintf(model, sizeof model, "%s/k.json", dir);
  snprintf(ck, sizeof ck, "%s.ckpt", model);
  snprintf(base, sizeof base,
           "%s train %%s -o %s --descriptors radial:rc=5,n=3,eta_min=0.05,eta_max=1 --hidden 3 "
           "--optimizer adam --patience 0 -j 1 --print-every 1 %%s",
           NACRE_CLI, model);
  /* killed (SIGKILL) a moment after its first epoch, with the default
   * interval of 30 s: the first epoch's checkpoint is there */
  char train[4096];
  snprintf(train, sizeof train, base, data, "--epochs 100000000 --seed 4");
  snprintf(cmd, sizeof cmd,
           "%s >%s 2>%s & pid=$!; n=0; "
           "while [ ! -f %s ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n+1)); done; "
           "kill -KILL $pid; wait $pid 2>/dev/null; [ -f %s ]",
           train, out, errp, ck, ck);
  int rc = system(cmd);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
        "a checkpoint exists within 10 s of the start (after the first epoch)");
  /* another seed, then other data: refused, naming what differs */
  snprintf(train, sizeof train, base, data, "--epochs 100000000 --seed 5");
  snprintf(cmd, sizeof cmd, "%s >%s 2>%s", train, out, errp);
  rc = system(cmd);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 1 && strstr(slurp(errp), ck) &&
            strstr(slurp(errp), "settings") && !strstr(slurp(errp), "training data"),
        "resume with another --seed refused naming the settings: %s", slurp(errp));
  snprintf(train, sizeof train, base, other, "--epochs 100000000 --seed 4");
  snprintf(cmd, sizeof cmd, "%s >%s 2>%s", train, out, errp);
  rc = system(cmd);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 1 && strstr(slurp(errp), "training data"),
        "resume with other data refused naming the data: %s", slurp(errp));
  /* the original data and seed resume it */
  snprintf(train, sizeof train, base, data, "--epochs 3 --seed 4");
  snprintf(cmd, sizeof cmd, "%s >%s 2>%s", train, out, errp);
  rc = system(cmd);
  CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "the same run resumes: %s", slurp(errp));
  remove(ck);
}

static void parity_plot(const char *data, const char *test) {
  char args[4096], svg[800];
  snprintf(svg, sizeof svg, "%s/p.svg", dir);
  snprintf(args, sizeof args, "test %s/v.json %s --plot %s --plot-train %s", dir, test, svg, data);
  CHECK(run(args) == 0, "test --plot --plot-train: %s", slurp(errp));
  const char *s = slurp(svg);
  CHECK(!strncmp(s, "<svg", 4) && strstr(s, "training: RMSE") && strstr(s, "test: RMSE") &&
            strstr(s, "MAE") && strstr(s, "#1f77b4") && strstr(s, "#ff7f0e") &&
            strstr(s, "residual (eV/atom)") && strstr(s, "residual (eV/Å)"),
        "parity plot: both sets with RMSE/MAE in two colours, residual panels");
  snprintf(args, sizeof args, "test %s/v.json %s --plot-train %s", dir, test, data);
  CHECK(run(args) == 2, "--plot-train without --plot: usage error");
}

int main(void) {
  if (!mkdtemp(dir)) TEST_SKIP("cannot create a temporary folder");
  snprintf(out, sizeof out, "%s/out", dir);
  snprintf(errp, sizeof errp, "%s/err", dir);
  char data[800], valid[800], test[800];
  snprintf(data, sizeof data, "%s/train.xyz", dir);
  snprintf(valid, sizeof valid, "%s/valid.xyz", dir);
  snprintf(test, sizeof test, "%s/test.xyz", dir);
  write_set(data, 12, 100);
  write_set(valid, 4, 200);
  write_set(test, 5, 300);
  bad_options(data);
  given_sets(data, valid, test);
  parity_plot(data, test);
  exports(data);
  checkpoints(data, valid);
  char cmd[900];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) printf("could not remove %s\n", dir);
  TEST_DONE();
}
