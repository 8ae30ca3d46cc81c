/* test_dataset_files.c — the shipped sodium data set (the .xyz.gz files
 * of data/na-hp) is whole and physical: every frame parses with nacre's
 * extended-XYZ reader (as ASE would read it), holds energy, forces and
 * stress, a unique label_id and its generator kind; the energy per atom
 * lies where PAW PBE Na (9 valence electrons) puts it, pressures within
 * the set's range and forces finite and bounded; the file names its
 * settings (label_code, label_version) and, where recorded, a k-point grid
 * drawn on the generator's cell by one rule. A broken pack (a frame cut by a
 * racing write) fails here, and so does a generator change that would
 * alter the structures behind the labelled ids.
 *
 * The labels are also checked against each other. The ideal cells of a
 * prototype (the one in five that the generator neither strains nor
 * rattles) are uniform scalings of one shape, and along a uniform scaling
 * with fixed fractional coordinates dE/dV = tr σ / 3 = −P exactly, forces
 * or not. So in each family (bcc, fcc, hcp, whatever the cell: 1-atom
 * primitive, 2-atom, 4-atom cubic or 8-atom supercell) the labelled
 * pressures must equal −dE/dV of a smooth fit of the labelled energies per
 * atom (the stress sign, units and per-atom normalisation across cell
 * sizes, over 0–200 GPa). */
#include <dirent.h>
#include <string.h>

#include "nacre/io.h"
#include "nacre/label.h"
#include "nacre/search.h"
#include "nacre/sym.h"
#include "testing.h"

/* (V/atom Å^3, E/atom eV, P GPa) of the ideal cells of one prototype
 * family: the generator kinds that are cells of it, and the space group
 * (spglib, 1e-4 Å) that tells an ideal cell from a strained or rattled one */
typedef struct {
  const char *name;
  const char *kinds[4];
  int sg;
  int n, cap;
  double (*p)[3];
} eos_points;
static eos_points eos[] = {
    {"bcc", {"bcc", "bcc-2x2x2"}, 229, 0, 0, NULL},
    {"fcc", {"fcc", "fcc-2x2x2", "fcc-cubic"}, 225, 0, 0, NULL},
    {"hcp", {"hcp", "hcp-2x2x1"}, 194, 0, 0, NULL},
    {"dhcp", {"dhcp"}, 194, 0, 0, NULL},
    {"9R", {"9R"}, 166, 0, 0, NULL},
    {"cI16", {"cI16"}, 220, 0, 0, NULL},
    {"oP8", {"oP8"}, 62, 0, 0, NULL},
};
enum { NFAMILY = sizeof eos / sizeof eos[0] };

/* The family of a frame: by its generator kind; a random cell joins bcc or
 * fcc when it is one (a one-atom lattice of group 229 or 225 is bcc or fcc,
 * whatever its volume), other random cells have free parameters. */
static void collect_ideal(const nacre_frame *f) {
  const char *kind = nacre_frame_get_info(f, "kind");
  nacre_symmetry *sym = NULL;
  nacre_error err;
  if (!kind ||
      nacre_symmetry_analyze_flags(f->s, 1e-4,
                                   NACRE_SYM_SPGLIB_ORIGIN | NACRE_SYM_NO_PERMS,
                                   &sym, &err))
    return;
  int sg = sym->sg_number;
  nacre_symmetry_free(sym);
  for (int k = 0; k < NFAMILY; k++) {
    eos_points *q = &eos[k];
    int member = !strcmp(kind, "random") && k < 2;
    for (int j = 0; j < 4 && q->kinds[j]; j++) member |= !strcmp(kind, q->kinds[j]);
    if (!member || sg != q->sg) continue;
    if (q->n == q->cap) {
      q->cap = q->cap ? 2 * q->cap : 32;
      q->p = realloc(q->p, sizeof *q->p * (size_t)q->cap);
    }
    int na = f->s->natoms;
    q->p[q->n][0] = fabs(nacre_structure_volume(f->s)) / na;
    q->p[q->n][1] = f->energy / na;
    q->p[q->n][2] =
        -(f->stress[0] + f->stress[1] + f->stress[2]) / 3 * NACRE_EV_A3_TO_GPA;
    q->n++;
    return;
  }
}

/* Least-squares E(V) = Σ_k c_k x^k, k = 0..3, x = (V/20 Å^3)^(-2/3) (a
 * third-order Birch-Murnaghan form), then P = −dE/dV
 * = (2/(3V)) Σ_k k c_k x^k, against the labelled pressures. */
static int check_eos(eos_points *q) {
  enum { K = 4 };
  if (q->n < 8) {
    printf("note: %d ideal %s cells, the E(V) check needs 8\n", q->n, q->name);
    return 0;
  }
  double a[K][K + 1] = {{0}};
  for (int i = 0; i < q->n; i++) {
    double x = pow(q->p[i][0] / 20, -2.0 / 3), pw[K];
    pw[0] = 1;
    for (int k = 1; k < K; k++) pw[k] = pw[k - 1] * x;
    for (int r = 0; r < K; r++) {
      for (int c = 0; c < K; c++) a[r][c] += pw[r] * pw[c];
      a[r][K] += pw[r] * q->p[i][1];
    }
  }
  for (int c = 0; c < K; c++) /* Gauss-Jordan, partial pivoting */ {
    int piv = c;
    for (int r = c + 1; r < K; r++)
      if (fabs(a[r][c]) > fabs(a[piv][c])) piv = r;
    for (int j = 0; j <= K; j++) {
      double t = a[c][j];
      a[c][j] = a[piv][j];
      a[piv][j] = t;
    }
    for (int r = 0; r < K; r++) {
      if (r == c) continue;
      double m = a[r][c] / a[c][c];
      for (int j = c; j <= K; j++) a[r][j] -= m * a[c][j];
    }
  }
  double coef[K];
  for (int k = 0; k < K; k++) coef[k] = a[k][K] / a[k][k];
  double se = 0, sp = 0, pmax = 0, plo = 1e9, phi = -1e9;
  for (int i = 0; i < q->n; i++) {
    double v = q->p[i][0], x = pow(v / 20, -2.0 / 3), e = 0, dp = 0, pw = 1;
    for (int k = 0; k < K; k++, pw *= x) {
      e += coef[k] * pw;
      dp += k * coef[k] * pw;
    }
    double p = 2.0 / (3 * v) * dp * NACRE_EV_A3_TO_GPA, d = p - q->p[i][2];
    se += (e - q->p[i][1]) * (e - q->p[i][1]);
    sp += d * d;
    pmax = fmax(pmax, fabs(d));
    plo = fmin(plo, q->p[i][2]);
    phi = fmax(phi, q->p[i][2]);
  }
  double erms = 1000 * sqrt(se / q->n), prms = sqrt(sp / q->n);
  printf("%s: %d cells, %.0f-%.0f GPa: E(V) fit rms %.2f meV/atom; "
         "-dE/dV vs labelled P: rms %.2f GPa, max %.2f GPa\n",
         q->name, q->n, plo, phi, erms, prms, pmax);
  /* the k-sampling noise of the set is ~2.3 meV/atom (README) */
  CHECK(erms < 5, "%s: E(V) is smooth (rms %.2f meV/atom < 5)", q->name, erms);
  CHECK(prms < 1.0 && pmax < 3.0,
        "%s: labelled pressure = -dE/dV (rms %.2f < 1 GPa, max %.2f < 3 GPa)",
        q->name, prms, pmax);
  return 1;
}

/* The structures of a file named na-hp-seedS-[minA-]maxB.xyz.gz are
 * structures k of `nacre generate --recipe na-hp --seed S --min-atoms A
 * --max-atoms B` (label_id = k-hash): regenerating them must give the same
 * hashes and kinds, or a resumed run would label different structures
 * under the old ids. Seed 2026 came from the first generator and is
 * skipped. */
static void check_regenerated(const char *path, char **ids, char **kinds,
                              int n) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  nacre_na_hp_options o;
  nacre_na_hp_options_init(&o);
  unsigned seed;
  if (sscanf(base, "na-hp-seed%u-min%d-max%d", &seed, &o.min_atoms,
             &o.max_atoms) != 3) {
    o.min_atoms = 1;
    if (sscanf(base, "na-hp-seed%u-max%d", &seed, &o.max_atoms) != 2) {
      CHECK(0, "%s: name not na-hp-seedS-[minA-]maxB.xyz.gz", base);
      return;
    }
  }
  if (seed == 2026) return;
  int count = 0;
  for (int i = 0; i < n; i++) {
    int k = ids[i] ? atoi(ids[i]) : -1;
    if (k + 1 > count) count = k + 1;
  }
  nacre_structure **gen;
  const char **gen_kinds;
  nacre_error err;
  if (!count || nacre_dataset_na_hp(seed, count, &o, &gen, &gen_kinds, NULL,
                                    &err)) {
    CHECK(0, "%s: regenerating %d structures failed", base, count);
    return;
  }
  int bad_id = 0, bad_kind = 0;
  for (int i = 0; i < n; i++) {
    int k;
    unsigned long long h;
    if (!ids[i] || sscanf(ids[i], "%d-%llx", &k, &h) != 2 || k < 0) {
      bad_id++;
      continue;
    }
    bad_id += h != (unsigned long long)nacre_label_structure_hash(gen[k]);
    bad_kind += !kinds[i] || strcmp(kinds[i], gen_kinds[k]);
  }
  CHECK(bad_id == 0 && bad_kind == 0,
        "%s: the generator (seed %u, %d-%d atoms) still gives the labelled "
        "structures (%d of %d hashes and %d kinds differ)",
        base, seed, o.min_atoms, o.max_atoms, bad_id, n, bad_kind);
  for (int k = 0; k < count; k++) nacre_structure_free(gen[k]);
  free(gen);
  free(gen_kinds);
}

static int check_file(const char *path, int *nframes) {
  nacre_error err;
  nacre_xyz_reader *r = nacre_xyz_open(path, &err);
  CHECK(r != NULL, "%s opens: %s", path, r ? "" : err.message);
  if (!r) return 0;
  nacre_frame f;
  nacre_frame_init(&f);
  char **ids = NULL, **kinds = NULL;
  int n = 0, cap = 0, bad_labels = 0, bad_energy = 0, bad_force = 0,
      bad_pressure = 0, no_kind = 0, dup = 0, bad_grid = 0, with_grid = 0;
  for (;;) {
    int eof = 0;
    nacre_status st = nacre_xyz_next(r, &f, &eof, &err);
    if (eof) break;
    CHECK(st == NACRE_OK, "%s frame %d: %s", path, n, err.message);
    if (st) break;
    unsigned need = NACRE_FRAME_ENERGY | NACRE_FRAME_FORCES | NACRE_FRAME_STRESS;
    const char *id = nacre_frame_get_info(&f, "label_id");
    const char *code = nacre_frame_get_info(&f, "label_code");
    bad_labels += (f.has & need) != need || !id || !code || strcmp(code, "abinit") ||
                  !nacre_frame_get_info(&f, "label_version");
    no_kind += !nacre_frame_get_info(&f, "kind");
    /* one rule for the k-points of the whole set: the Γ-centred grid at
     * 0.25 Å^-1 on the generator's cell (frames labelled since label_kgrid
     * was recorded say so) */
    const char *kg = nacre_frame_get_info(&f, "label_kgrid");
    if (kg) {
      const char *cell = nacre_frame_get_info(&f, "label_cell");
      int want[3], got[3];
      nacre_label_kgrid(f.s->cell, 0.25, want);
      bad_grid += !cell || strcmp(cell, "input") ||
                  sscanf(kg, "%d %d %d", &got[0], &got[1], &got[2]) != 3 ||
                  memcmp(got, want, sizeof want);
      with_grid++;
    }
    int na = f.s->natoms;
    /* PAW PBE Na (JTH, 2s2 2p6 3s1): about −1309 eV/atom at 0 GPa, rising
     * with compression (−1304 eV/atom near 200 GPa) */
    double e = f.energy / na;
    bad_energy += !(e > -1311 && e < -1300);
    for (int k = 0; k < 3 * na; k++)
      bad_force += !(fabs(f.forces[k]) < 20);
    double p = -(f.stress[0] + f.stress[1] + f.stress[2]) / 3 * NACRE_EV_A3_TO_GPA;
    bad_pressure += !(p > -5 && p < 250);
    for (int k = 0; id && k < n; k++) dup += ids[k] && !strcmp(ids[k], id);
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      ids = realloc(ids, sizeof *ids * (size_t)cap);
      kinds = realloc(kinds, sizeof *kinds * (size_t)cap);
    }
    const char *kind = nacre_frame_get_info(&f, "kind");
    kinds[n] = kind ? strdup(kind) : NULL;
    ids[n++] = id ? strdup(id) : NULL;
    collect_ideal(&f);
  }
  nacre_frame_clear(&f);
  nacre_xyz_close(r);
  CHECK(n > 0, "%s has frames", path);
  CHECK(bad_labels == 0, "%s: %d frames without energy, forces, stress or label keys",
        path, bad_labels);
  CHECK(no_kind == 0, "%s: %d frames without their generator kind", path, no_kind);
  CHECK(bad_energy == 0, "%s: %d frames with E/atom outside -1311..-1300 eV", path,
        bad_energy);
  CHECK(bad_force == 0, "%s: %d force components not finite or above 20 eV/Å", path,
        bad_force);
  CHECK(bad_pressure == 0, "%s: %d frames with pressure outside -5..250 GPa", path,
        bad_pressure);
  CHECK(dup == 0, "%s: %d repeated label_id", path, dup);
  CHECK(bad_grid == 0,
        "%s: %d of %d frames not labelled on the input cell's 0.25/Å grid",
        path, bad_grid, with_grid);
  check_regenerated(path, ids, kinds, n);
  for (int k = 0; k < n; k++) free(ids[k]), free(kinds[k]);
  free(ids);
  free(kinds);
  *nframes += n;
  return 1;
}

int main(void) {
  const char *dir = test_source_path("data/na-hp");
  DIR *d = opendir(dir);
  if (!d) TEST_SKIP("no data/na-hp folder");
  int files = 0, frames = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 7 || strcmp(e->d_name + len - 7, ".xyz.gz")) continue;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    files += check_file(path, &frames);
  }
  closedir(d);
  if (!files) TEST_SKIP("no labelled files in data/na-hp");
  printf("%d files, %d labelled frames\n", files, frames);
  int checked = 0;
  for (int k = 0; k < NFAMILY; k++) {
    checked += check_eos(&eos[k]);
    free(eos[k].p);
  }
  /* bcc, fcc and hcp have had enough ideal cells since the first files */
  CHECK(checked >= 3, "the E(V) check ran on %d families (want bcc, fcc, hcp)",
        checked);
  TEST_DONE();
}
