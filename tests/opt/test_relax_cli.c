/* test_relax_cli.c — `nacre relax` end to end with Lennard-Jones: the JSON
 * summary agrees with the written structure and the trajectory (one frame
 * per reported step), the target pressure is reached, and the exit codes
 * follow the CLI rules (0 converged, 1 failed or bad start, 2 usage).
 * Also: a target stress that the kept group forbids is averaged over it
 * with a warning and the stress targeted reported; an unwritable -o fails
 * without claiming "written to"; an element the potential does not know is
 * refused before the trajectory is created; --max-steps (and the old
 * --steps) bound the steps. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builders.h"
#include "nacre/io.h"
#include "testing.h"

#define LJ "lj:epsilon=0.0104,sigma=3.4,cutoff=8.5,shift=1"

static char dir[64];

static int run(const char *args, const char *out) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "%s relax %s > %s/%s 2>&1", NACRE_CLI, args, dir, out);
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *name) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  char *buf = calloc(1, 1 << 20);
  if (buf) fread(buf, 1, (1 << 20) - 1, fp);
  fclose(fp);
  return buf;
}

int main(void) {
  snprintf(dir, sizeof dir, "opt_cli_XXXXXX");
  if (!mkdtemp(dir)) TEST_SKIP("cannot create a temporary folder");
  nacre_error err;
  int n2[3] = {2, 2, 2};
  nacre_structure *s = build_bulk("fcc", 18, 5.3, n2);
  build_rattle(s, 0.05, 3);
  double eps[6] = {0.02, -0.01, 0.01, 0.01, 0.0, -0.01};
  build_strain(s, eps);
  char in[256], outp[256], traj[256], args[1024];
  snprintf(in, sizeof in, "%s/start.vasp", dir);
  snprintf(outp, sizeof outp, "%s/final.cif", dir);
  snprintf(traj, sizeof traj, "%s/traj.xyz", dir);
  CHECK_OK(nacre_write_structure(in, s, NACRE_FORMAT_AUTO, &err), &err);

  /* a converged run at 1 GPa with every output */
  snprintf(args, sizeof args,
           "%s --potential %s --pressure 1 --fmax 1e-4 --smax 1e-4 -o %s "
           "--trajectory %s --json",
           in, LJ, outp, traj);
  CHECK(run(args, "run.json") == 0, "converged run exits 0");
  char *text = slurp("run.json");
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  CHECK(j != NULL, "--json prints one JSON object: %.200s", text ? text : "(none)");
  if (j) {
    cJSON *conv = cJSON_GetObjectItem(j, "converged");
    CHECK(cJSON_IsTrue(conv), "JSON says converged");
    double p = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "pressure_gpa"));
    CHECK_CLOSE(p, 1.0, 1e-4, "final pressure = --pressure (smax 1e-4 GPa)");
    double vpa = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "volume_per_atom_a3"));
    double hpa = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "enthalpy_per_atom_ev"));
    double epa = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "energy_per_atom_ev"));
    /* H = E + PV per atom, P in eV/Å^3 */
    CHECK_CLOSE(hpa, epa + 1.0 * NACRE_GPA_TO_EV_A3 * vpa, 1e-9, "H = E + PV in the summary");
    cJSON *sg = cJSON_GetObjectItem(j, "space_group");
    cJSON *pe = cJSON_GetObjectItem(j, "pearson");
    CHECK(sg && !strcmp(cJSON_GetStringValue(sg), "Fm-3m"), "space group Fm-3m");
    CHECK(pe && !strcmp(cJSON_GetStringValue(pe), "cF4"), "Pearson cF4");
    nacre_structure *f = NULL;
    CHECK_OK(nacre_read_structure(outp, &f, &err), &err);
    if (f) {
      CHECK_CLOSE(nacre_structure_volume(f) / f->natoms, vpa, 1e-4,
                  "written structure has the reported volume");
      nacre_structure_free(f);
    }
    int steps = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "steps"));
    int nrep = cJSON_GetArraySize(cJSON_GetObjectItem(j, "trajectory_steps"));
    nacre_xyz_reader *xr = nacre_xyz_open(traj, &err);
    int frames = 0, eof = 0;
    nacre_frame fr;
    nacre_frame_init(&fr);
    while (xr && nacre_xyz_next(xr, &fr, &eof, &err) == NACRE_OK) frames++;
    nacre_frame_clear(&fr);
    nacre_xyz_close(xr);
    CHECK(frames == nrep && frames >= 2 && nrep <= steps + 1,
          "one trajectory frame per reported step (%d frames, %d reported, %d steps)",
          frames, nrep, steps);
    cJSON_Delete(j);
  }
  free(text);

  /* the human-readable table and summary */
  snprintf(args, sizeof args, "%s --potential %s --steps 3", in, LJ);
  CHECK(run(args, "short.txt") == 1, "not converged in 3 steps exits 1");
  text = slurp("short.txt");
  CHECK(text && strstr(text, "H/atom") && strstr(text, "not converged") &&
            strstr(text, "volume/atom"),
        "table and summary printed: %.300s", text ? text : "");
  free(text);

  /* bad start: two atoms 0.2 Å apart */
  s->positions[3] = s->positions[0] + 0.2;
  s->positions[4] = s->positions[1];
  s->positions[5] = s->positions[2];
  CHECK_OK(nacre_write_structure(in, s, NACRE_FORMAT_AUTO, &err), &err);
  snprintf(args, sizeof args, "%s --potential %s -q", in, LJ);
  CHECK(run(args, "bad.txt") == 1, "bad start exits 1");
  text = slurp("bad.txt");
  CHECK(text && strstr(text, "bad start"), "bad start reported: %.300s", text ? text : "");
  free(text);

  /* --stress with --keep-symmetry on fcc: the group averages the target */
  char fin[256];
  snprintf(fin, sizeof fin, "%s/fcc.vasp", dir);
  {
    int one[3] = {1, 1, 1};
    nacre_structure *f = build_bulk("fcc", 18, 5.3, one);
    CHECK_OK(nacre_write_structure(fin, f, NACRE_FORMAT_AUTO, &err), &err);
    nacre_structure_free(f);
    snprintf(args, sizeof args,
             "%s -p %s --stress 0.1,-0.2,0,0,0,0.04 --keep-symmetry --json", fin,
             LJ);
    CHECK(run(args, "sym.json") == 0, "fcc under a stress, keeping Fm-3m");
    text = slurp("sym.json");
    const char *js = text ? strchr(text, '{') : NULL;
    CHECK(text && strstr(text, "warning") && strstr(text, "averaged"),
          "a warning says the target was averaged: %.300s", text ? text : "");
    cJSON *o = js ? cJSON_Parse(js) : NULL;
    cJSON *t = o ? cJSON_GetObjectItem(o, "target_stress_gpa") : NULL;
    cJSON *c = o ? cJSON_GetObjectItem(o, "target_change_gpa") : NULL;
    double mean = (0.1 - 0.2 + 0) / 3;
    int ok = cJSON_GetArraySize(t) == 6 && cJSON_IsNumber(c);
    for (int k = 0; ok && k < 6; k++)
      ok = fabs(cJSON_GetArrayItem(t, k)->valuedouble - (k < 3 ? mean : 0)) < 1e-9;
    CHECK(ok && fabs(c->valuedouble - (0.2 + mean)) < 1e-9,
          "the stress targeted, -1/30 GPa on the diagonal, is reported (change "
          "%g GPa)", c ? c->valuedouble : -1);
    cJSON_Delete(o);
    free(text);
  }

  /* an unwritable output fails without claiming it was written */
  snprintf(args, sizeof args, "%s -p %s -o /nonexistent/dir/x.vasp", fin, LJ);
  CHECK(run(args, "noout.txt") == 1, "unwritable -o exits 1");
  text = slurp("noout.txt");
  CHECK(text && !strstr(text, "written to") && strstr(text, "/nonexistent"),
        "no \"written to\", the failure named: %.300s", text ? text : "");
  free(text);

  /* an element the potential does not know: nothing written */
  {
    const char *na = test_shared_path("maise/models/nn_Na_d3_v0");
    if (na) {
      char tr[256];
      snprintf(tr, sizeof tr, "%s/never.xyz", dir);
      snprintf(args, sizeof args, "%s -p %s --trajectory %s", in, na, tr);
      CHECK(run(args, "species.txt") == 1, "Ar with the Na model exits 1");
      CHECK(access(tr, F_OK) != 0, "and creates no trajectory");
    }
  }

  /* --max-steps, and --steps as its old name */
  snprintf(args, sizeof args, "%s -p %s --pressure 1 --max-steps 2 --json",
           fin, LJ);
  run(args, "max.json");
  text = slurp("max.json");
  CHECK(text && strstr(text, "\"steps\":\t2") && strstr(text, "max-steps"),
        "--max-steps 2 stops after 2 steps as max-steps: %.200s",
        text ? text : "");
  free(text);
  snprintf(args, sizeof args, "%s -p %s --pressure 1 --steps 2 -q", fin, LJ);
  CHECK(run(args, "steps.txt") == 1, "--steps is still accepted");
  text = slurp("steps.txt");
  CHECK(text && text[0] != '\n' && !strstr(text, "H/atom"),
        "-q prints the summary alone, no blank line first: %.80s",
        text ? text : "");
  free(text);

  /* usage errors and help */
  snprintf(args, sizeof args, "%s --potential %s --pressure 1 --stress 1,1,1,0,0,0", in, LJ);
  CHECK(run(args, "usage.txt") == 2, "--pressure with --stress is a usage error");
  snprintf(args, sizeof args, "%s --potential %s --mode sideways", in, LJ);
  CHECK(run(args, "usage.txt") == 2, "unknown mode is a usage error");
  snprintf(args, sizeof args, "%s/missing.vasp --potential %s", dir, LJ);
  CHECK(run(args, "missing.txt") == 1, "missing file exits 1");
  CHECK(run("--help", "help.txt") == 0, "--help exits 0");
  text = slurp("help.txt");
  CHECK(text && strstr(text, "--keep-symmetry") && strstr(text, "GPa"), "help lists options with units");
  free(text);

  nacre_structure_free(s);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) printf("note: could not remove %s\n", dir);
  TEST_DONE();
}
