/* test_dataset_files.c — the shipped sodium data set (the .xyz.gz files
 * of data/na-hp) is whole and physical: every frame parses with nacre's
 * extended-XYZ reader (as ASE would read it), holds energy, forces and
 * stress, a unique label_id and its generator kind; the energy per atom
 * lies where PAW PBE Na (9 valence electrons) puts it, pressures within
 * the set's range and forces finite and bounded; the file names its
 * settings (label_code, label_version). A broken pack (a frame cut by a
 * racing write) fails here. */
#include <dirent.h>
#include <string.h>

#include "nacre/io.h"
#include "testing.h"

static int check_file(const char *path, int *nframes) {
  nacre_error err;
  nacre_xyz_reader *r = nacre_xyz_open(path, &err);
  CHECK(r != NULL, "%s opens: %s", path, r ? "" : err.message);
  if (!r) return 0;
  nacre_frame f;
  nacre_frame_init(&f);
  char **ids = NULL;
  int n = 0, cap = 0, bad_labels = 0, bad_energy = 0, bad_force = 0,
      bad_pressure = 0, no_kind = 0, dup = 0;
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
    }
    ids[n++] = id ? strdup(id) : NULL;
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
  for (int k = 0; k < n; k++) free(ids[k]);
  free(ids);
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
  TEST_DONE();
}
