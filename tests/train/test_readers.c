/* test_readers.c — data-set readers: the .npy reader against arrays
 * written by NumPy (dtypes, byte order, Fortran order, format 2.0, malformed
 * files); DeePMD-kit folders (unit and sign conventions of the virial);
 * MAISE data folders from ../shared/data (values checked against the files
 * and ASE's POSCAR reader) and malformed MAISE files; the extended XYZ writer
 * reread by ASE when available. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nacre/train.h"
#include "testing.h"

static void write_file(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  fputs(text, fp);
  fclose(fp);
}

static void test_npy(void) {
  nacre_error err;
  nacre_npy a;
  char path[512];
  const char *files[] = {"f8_c", "f4_be", "f8_fortran", "f8_v2"};
  for (int k = 0; k < 4; k++) {
    snprintf(path, sizeof path, "%s/npy/%s.npy", test_source_path("tests/data/train"), files[k]);
    CHECK_OK(nacre_npy_read(path, &a, &err), &err);
    CHECK(a.ndim == 2 && a.shape[0] == 3 && a.shape[1] == 4, "%s: shape (3, 4)", files[k]);
    int ok = 1;
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 4; j++)
        if (a.data && a.data[4 * i + j] != 2.0 * i - 1 + 0.5 * j) ok = 0;
    /* exact: every value is a multiple of 1/2, representable in f4 and f8 */
    CHECK(ok, "%s: a[i][j] = 2i - 1 + j/2 exactly, C order", files[k]);
    nacre_npy_free(&a);
  }
  snprintf(path, sizeof path, "%s/npy/i8.npy", test_source_path("tests/data/train"));
  CHECK_OK(nacre_npy_read(path, &a, &err), &err);
  CHECK(a.ndim == 1 && a.size == 6 && a.data[0] == -3 && a.data[5] == 2, "i8 arange(-3, 3)");
  nacre_npy_free(&a);
  snprintf(path, sizeof path, "%s/npy/i4_3d.npy", test_source_path("tests/data/train"));
  CHECK_OK(nacre_npy_read(path, &a, &err), &err);
  CHECK(a.ndim == 3 && a.shape[2] == 4 && a.data[23] == 23 && a.data[13] == 13, "i4 3-d arange");
  nacre_npy_free(&a);
  snprintf(path, sizeof path, "%s/npy/scalar.npy", test_source_path("tests/data/train"));
  CHECK_OK(nacre_npy_read(path, &a, &err), &err);
  CHECK(a.ndim == 0 && a.size == 1 && a.data[0] == 2.5, "0-d array 2.5");
  nacre_npy_free(&a);
  snprintf(path, sizeof path, "%s/npy/truncated.npy", test_source_path("tests/data/train"));
  CHECK(nacre_npy_read(path, &a, &err) == NACRE_ERR_PARSE && strstr(err.message, "truncated"),
        "truncated data rejected: %s", err.message);
  snprintf(path, sizeof path, "%s/npy/complex.npy", test_source_path("tests/data/train"));
  CHECK(nacre_npy_read(path, &a, &err) == NACRE_ERR_UNSUPPORTED && strstr(err.message, "c16"),
        "complex dtype rejected with its name: %s", err.message);
  /* round trip through the writer */
  const double v[6] = {1, -2.5, 3e-300, 4, 5, 6};
  const long shape[2] = {2, 3};
  char tmp[] = "/tmp/nacre_npy_XXXXXX";
  int fd = mkstemp(tmp);
  close(fd);
  CHECK_OK(nacre_npy_write(tmp, v, 2, shape, &err), &err);
  CHECK_OK(nacre_npy_read(tmp, &a, &err), &err);
  CHECK(a.size == 6 && a.shape[1] == 3 && !memcmp(a.data, v, sizeof v), "write/read round trip");
  nacre_npy_free(&a);
  /* NumPy itself reads what we wrote (when Debian's numpy is present) */
  char cmd[600];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c \"import numpy,sys; a=numpy.load('%s'); "
           "sys.exit(0 if a.shape==(2,3) and a[0,1]==-2.5 else 1)\" 2>/dev/null", tmp);
  if (access("/usr/bin/python3", X_OK) == 0) CHECK(system(cmd) == 0, "numpy.load reads our .npy");
  remove(tmp);
}

static void test_deepmd(void) {
  nacre_error err;
  nacre_dataset *d = nacre_dataset_new(&err);
  char path[512];
  snprintf(path, sizeof path, "%s/deepmd", test_source_path("tests/data/train"));
  CHECK_OK(nacre_dataset_read(d, path, &err), &err);
  CHECK(d->n == 3, "3 frames over set.000 (2) and set.001 (1), got %d", d->n);
  if (d->n == 3) {
    const nacre_sample *s = &d->items[2];
    CHECK(s->s->natoms == 3 && s->s->numbers[0] == 29 && s->s->numbers[2] == 47,
          "types through type_map.raw: Cu Ag Ag");
    CHECK_CLOSE(s->energy, -12.0, 1e-6, "energy of frame 2 (f4 set)");
    CHECK_CLOSE(s->s->cell[0][0], 4.2, 1e-6, "box row a, frame 2");
    CHECK_CLOSE(s->s->cell[2][1], 0.1, 1e-6, "box row c");
    CHECK_CLOSE(s->s->positions[8], 3.2, 1e-6, "z of atom 3");
    CHECK_CLOSE(s->forces[4], 2.4, 1e-6, "force component 5");
    /* σ = −sym(W)/V with V = det(box) = 4.2·4·5 (upper rows give 0.2 and
     * 0.1 off-diagonals in lower triangle, det unchanged) */
    double vol = 4.2 * 4.0 * 5.0;
    CHECK_CLOSE(s->stress[2], -5.0 / vol, 1e-6, "σ_zz = −W_zz/V");
    CHECK_CLOSE(s->stress[3], -0.4 / vol, 1e-6, "σ_yz = −W_yz/V");
    CHECK_CLOSE(d->items[0].stress[0], -1.0 / (4.0 * 4.0 * 5.0), 1e-12, "σ_xx frame 0");
    CHECK(s->has == (NACRE_LABEL_ENERGY | NACRE_LABEL_FORCES | NACRE_LABEL_STRESS),
          "energy, forces and stress present");
  }
  nacre_dataset_free(d);
  /* a type outside type_map.raw */
  char dir[] = "/tmp/nacre_dp_XXXXXX";
  CHECK(mkdtemp(dir) != NULL, "temp dir");
  char p2[600];
  snprintf(p2, sizeof p2, "%s/type.raw", dir);
  write_file(p2, "0 2\n");
  snprintf(p2, sizeof p2, "%s/type_map.raw", dir);
  write_file(p2, "Na Cl\n");
  d = nacre_dataset_new(&err);
  CHECK(nacre_dataset_read(d, dir, &err) == NACRE_ERR_PARSE && strstr(err.message, "type '2'"),
        "unknown type rejected: %s", err.message);
  nacre_dataset_free(d);
  snprintf(p2, sizeof p2, "rm -rf '%s'", dir);
  CHECK(system(p2) == 0, "cleanup");
}

static void test_maise(void) {
  nacre_error err;
  const char *root = test_shared_path("maise/cuag-parse/DATA");
  if (!root) {
    printf("SKIP part: ../shared/data/maise/cuag-parse/DATA absent\n");
    return;
  }
  nacre_dataset *d = nacre_dataset_new(&err);
  CHECK_OK(nacre_dataset_read(d, root, &err), &err);
  CHECK(d->n == 152, "152 structures in cuag-parse/DATA, got %d", d->n);
  const nacre_sample *s = NULL;
  for (int i = 0; i < d->n; i++)
    if (!strcmp(d->items[i].source, "2947/108/M023")) s = &d->items[i];
  CHECK(s != NULL, "2947/108/M023 found by its source path");
  if (s) {
    CHECK(s->s->natoms == 4 && s->s->numbers[0] == 29 && s->s->numbers[3] == 47, "Cu2Ag2");
    CHECK_CLOSE(s->energy, -11.92757425, 1e-12, "energy line 1 of dat.dat (eV)");
    /* "in kB 447.79567 39.55487 204.74890 86.64664 40.59972 36.99487" in
     * VASP order xx yy zz xy yz zx, compressive positive */
    double k = 0.1 / NACRE_EV_A3_TO_GPA;
    CHECK_CLOSE(s->stress[0], -447.79567 * k, 1e-12, "σ_xx = −kB·0.1 GPa");
    CHECK_CLOSE(s->stress[3], -40.59972 * k, 1e-12, "σ_yz from VASP's 5th value");
    CHECK_CLOSE(s->stress[4], -36.99487 * k, 1e-12, "σ_xz from VASP's 6th value");
    CHECK_CLOSE(s->stress[5], -86.64664 * k, 1e-12, "σ_xy from VASP's 4th value");
    CHECK_CLOSE(s->forces[0], -0.294507, 1e-12, "F_x atom 1");
    CHECK_CLOSE(s->forces[11], -1.482922, 1e-12, "F_z atom 4");
    /* positions: ASE's POSCAR reader gives 2.21236917 -1.20797116 1.10067452 */
    CHECK_CLOSE(s->s->positions[0], 2.21236917, 1e-8, "x atom 1 (ASE)");
    CHECK_CLOSE(s->s->positions[5], 2.87379985, 1e-8, "z atom 2 (ASE)");
    CHECK_CLOSE(nacre_structure_volume(s->s), 55.440793946240554, 1e-9, "volume (ASE)");
  }
  nacre_dataset_stats st;
  CHECK_OK(nacre_dataset_stats_compute(d, &st, &err), &err);
  CHECK(st.nspecies == 2 && st.species_z[0] == 29 && st.species_z[1] == 47, "species Cu, Ag");
  CHECK(st.n_energy == 152 && st.n_forces == 152 && st.n_stress == 152, "all labelled");
  /* split: reproducible, disjoint, complete */
  int tr[152], va[152], te[152], ntr, nva, nte, tr2[152], a2[152], b2[152], n1, n2, n3;
  nacre_split_indices(d->n, 0.8, 0.1, 42, tr, &ntr, va, &nva, te, &nte);
  nacre_split_indices(d->n, 0.8, 0.1, 42, tr2, &n1, a2, &n2, b2, &n3);
  CHECK(ntr == 122 && nva == 15 && nte == 15, "80/10/10 of 152: 122/15/15, got %d/%d/%d", ntr,
        nva, nte);
  CHECK(!memcmp(tr, tr2, sizeof(int) * (size_t)ntr), "same seed, same split");
  int seen[152] = {0};
  for (int i = 0; i < ntr; i++) seen[tr[i]]++;
  for (int i = 0; i < nva; i++) seen[va[i]]++;
  for (int i = 0; i < nte; i++) seen[te[i]]++;
  int all1 = 1;
  for (int i = 0; i < 152; i++) all1 &= seen[i] == 1;
  CHECK(all1, "every structure in exactly one part");
  nacre_split_indices(d->n, 0.8, 0.1, 43, tr2, &n1, a2, &n2, b2, &n3);
  CHECK(memcmp(tr, tr2, sizeof(int) * (size_t)ntr) != 0, "another seed, another split");
  /* extxyz written and reread by ASE */
  char tmp[] = "/tmp/nacre_xyz_XXXXXX";
  int fd = mkstemp(tmp);
  FILE *fp = fdopen(fd, "w");
  CHECK_OK(nacre_dataset_write_extxyz(d, fp, &err), &err);
  fclose(fp);
  if (s && access("/usr/bin/python3", X_OK) == 0) {
    int idx = (int)(s - d->items);
    char cmd[800];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import ase.io,sys; a=ase.io.read('%s', index=%d); "
             "s=a.get_stress(voigt=True); f=a.get_forces(); e=a.get_potential_energy(); "
             "ok=abs(e+11.92757425)<1e-9 and abs(f[0,0]+0.294507)<1e-9 and "
             "abs(s[0]*160.21766208+44.779567)<1e-4 and abs(s[5]*160.21766208+8.664664)<1e-4;"
             "sys.exit(0 if ok else 1)\" 2>/dev/null",
             tmp, idx);
    int rc = system(cmd);
    CHECK(rc == 0, "ASE rereads energy, forces and stress (GPa, Voigt) of the extxyz");
  }
  remove(tmp);
  nacre_dataset_free(d);

  /* malformed MAISE folders */
  char dir[] = "/tmp/nacre_maise_XXXXXX";
  CHECK(mkdtemp(dir) != NULL, "temp dir");
  char p[700];
  snprintf(p, sizeof p, "%s/POSCAR.0", dir);
  write_file(p, "x\n1.0\n3 0 0\n0 3 0\n0 0 3\nCu\n2\nDirect\n0 0 0\n0.5 0.5 0.5\n");
  snprintf(p, sizeof p, "%s/dat.dat", dir);
  write_file(p, "-7.5\n  in kB 1 2 3 4 5 6\n POSITION TOTAL-FORCE (eV/Angst)\n ---\n"
                " 0 0 0 0.1 0.2 0.3\n ---\n");
  d = nacre_dataset_new(&err);
  nacre_status rs = nacre_dataset_read(d, dir, &err);
  CHECK(rs == NACRE_ERR_PARSE && strstr(err.message, "dat.dat:6") &&
            strstr(err.message, "1 atom, POSCAR.0 2"),
        "short force block named with file:line: %s", err.message);
  write_file(p, "-7.5 eV\n");
  rs = nacre_dataset_read(d, dir, &err);
  CHECK(rs == NACRE_ERR_PARSE && strstr(err.message, "dat.dat:1"),
        "bad energy line: %s", err.message);
  write_file(p, "-7.5\n  in kB 1 2 3 4 5\n");
  rs = nacre_dataset_read(d, dir, &err);
  CHECK(rs == NACRE_ERR_PARSE && strstr(err.message, "dat.dat:2"),
        "five stress values: %s", err.message);
  write_file(p, "-7.5\n");
  CHECK_OK(nacre_dataset_read(d, dir, &err), &err);
  CHECK(d->n == 1 && d->items[0].has == NACRE_LABEL_ENERGY,
        "energy-only dat.dat gives an energy-only sample");
  snprintf(p, sizeof p, "%s/POSCAR.0", dir);
  write_file(p, "x\n1.0\n3 0 0\n0 3 0\n0 0 3\nCu\n2\nDirect\n0 0 0\n");
  rs = nacre_dataset_read(d, dir, &err);
  CHECK(rs == NACRE_ERR_PARSE && strstr(err.message, "POSCAR.0:10") &&
            strstr(err.message, "2 atom positions"),
        "missing coordinates: %s", err.message);
  write_file(p, "x\n1.0\n3 0 0\n0 3 0\n0 0 3\nXx\n2\nDirect\n0 0 0\n");
  rs = nacre_dataset_read(d, dir, &err);
  CHECK(rs == NACRE_ERR_PARSE && strstr(err.message, "POSCAR.0:6"),
        "unknown element: %s", err.message);
  nacre_dataset_free(d);
  snprintf(p, sizeof p, "rm -rf '%s'", dir);
  CHECK(system(p) == 0, "cleanup");
}

/* extended XYZ and OUTCAR through the io module */
static void test_frames(void) {
  nacre_error err;
  char path[600];
  nacre_dataset *d = nacre_dataset_new(&err);
  snprintf(path, sizeof path, "%s/OUTCAR_NaCl_2steps", test_source_path("tests/data/io"));
  CHECK_OK(nacre_dataset_read(d, path, &err), &err);
  CHECK(d->n == 2, "OUTCAR: every ionic step (2), got %d", d->n);
  double last_e = d->n == 2 ? d->items[1].energy : 0;
  snprintf(path, sizeof path, "%s/OUTCAR_NaCl_2steps@-1", test_source_path("tests/data/io"));
  CHECK_OK(nacre_dataset_read(d, path, &err), &err);
  CHECK(d->n == 3 && d->items[2].energy == last_e && d->items[2].s->natoms == 4,
        "OUTCAR@-1 adds only the last step");
  snprintf(path, sizeof path, "%s/OUTCAR_NaCl_2steps@5", test_source_path("tests/data/io"));
  CHECK(nacre_dataset_read(d, path, &err) == NACRE_ERR_INVALID && strstr(err.message, "has 2"),
        "frame beyond the end rejected: %s", err.message);
  nacre_dataset_free(d);
  /* labels.extxyz: REF_energy, REF_forces and REF_virial of frame 0 */
  d = nacre_dataset_new(&err);
  snprintf(path, sizeof path, "%s/labels.extxyz", test_source_path("tests/data/io"));
  CHECK_OK(nacre_dataset_read(d, path, &err), &err);
  CHECK(d->n == 3, "3 frames in labels.extxyz");
  if (d->n == 3) {
    const nacre_sample *s = &d->items[0];
    CHECK(s->has & NACRE_LABEL_ENERGY, "REF_energy used as the energy label");
    CHECK_CLOSE(s->energy, -10.5, 1e-12, "REF_energy");
    CHECK_CLOSE(s->forces[2], 0.3, 1e-12, "REF_forces z of atom 1");
    /* REF_virial diag 1.6 3.2 6.4 eV in a 64 Å^3 cell: σ = −W/V */
    CHECK_CLOSE(s->stress[0], -1.6 / 64, 1e-12, "stress xx = -virial/V");
    CHECK_CLOSE(s->stress[2], -6.4 / 64, 1e-12, "stress zz = -virial/V");
  }
  /* our extended XYZ read back by the io module gives the same labels
   * (and a sample weight survives the round trip) */
  if (d->n == 3) {
    d->items[1].has |= NACRE_LABEL_WEIGHT;
    d->items[1].weight = 2.5;
  }
  char tmp[] = "/tmp/nacre_rt_XXXXXX";
  int fd = mkstemp(tmp);
  close(fd);
  CHECK_OK(nacre_dataset_save_extxyz(d, tmp, &err), &err);
  char spec[600];
  snprintf(spec, sizeof spec, "%s", tmp);
  nacre_dataset *r = nacre_dataset_new(&err);
  /* the temp name has no .xyz extension: copy under one */
  char tmp2[700];
  snprintf(tmp2, sizeof tmp2, "%s.xyz", tmp);
  rename(tmp, tmp2);
  CHECK_OK(nacre_dataset_read(r, tmp2, &err), &err);
  int same = r->n == d->n;
  for (int q = 0; same && q < d->n; q++) {
    const nacre_sample *a = &d->items[q], *b = &r->items[q];
    same = a->has == b->has && a->s->natoms == b->s->natoms &&
           (!(a->has & NACRE_LABEL_ENERGY) || a->energy == b->energy) &&
           nacre_sample_weight(a) == nacre_sample_weight(b) &&
           !memcmp(a->s->positions, b->s->positions, 3 * sizeof(double) * (size_t)a->s->natoms) &&
           (!(a->has & NACRE_LABEL_STRESS) || !memcmp(a->stress, b->stress, sizeof a->stress));
  }
  CHECK(same, "extended XYZ written by nacre data reads back bit for bit (energy, positions, "
              "stress, config_weight)");
  remove(tmp2);
  /* config_weight must be a finite number >= 0: the file and frame are named */
  const char *bad[3] = {"-1", "abc", "nan"};
  for (int b = 0; b < 3; b++) {
    char text[300];
    snprintf(text, sizeof text,
             "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3 "
             "energy=-1.0 config_weight=%s\nNa 0 0 0\n", bad[b]);
    write_file(tmp2, text);
    nacre_dataset *e = nacre_dataset_new(&err);
    CHECK(nacre_dataset_read(e, tmp2, &err) == NACRE_ERR_PARSE &&
              strstr(err.message, ".xyz@0") && strstr(err.message, "config_weight"),
          "config_weight=%s refused: %s", bad[b], err.message);
    nacre_dataset_free(e);
  }
  remove(tmp2);
  nacre_dataset_free(r);
  nacre_dataset_free(d);
}

/* Info keys other than the labels (the generator's kind, a label_id, a
 * value with spaces) survive read, subset and write; source is written
 * anew, never doubled. */
static void test_info_keys(void) {
  char path[] = "/tmp/nacre_info_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  char xyz[700], out[700];
  snprintf(xyz, sizeof xyz, "%s.xyz", path);
  snprintf(out, sizeof out, "%s.out.xyz", path);
  rename(path, xyz);
  write_file(xyz,
             "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3 "
             "energy=-1.0 kind=bcc label_version=\"ABINIT 9.6.2\" "
             "config_weight=2 source=old@7\nNa 0 0 0\n"
             "1\nLattice=\"3 0 0 0 3 0 0 0 3\" Properties=species:S:1:pos:R:3 "
             "energy=-2.0\nNa 0 0 0\n");
  nacre_error err;
  nacre_dataset *d = nacre_dataset_new(&err), *r = nacre_dataset_new(&err);
  CHECK_OK(nacre_dataset_read(d, xyz, &err), &err);
  CHECK(d->n == 2 && d->items[0].ninfo == 2 && d->items[1].ninfo == 0,
        "two info keys kept, config_weight and source not among them (%d)",
        d->n ? d->items[0].ninfo : -1);
  int idx[2] = {1, 0};
  nacre_dataset *sub = NULL;
  CHECK_OK(nacre_dataset_subset(d, idx, 2, &sub, &err), &err);
  CHECK_OK(nacre_dataset_save_extxyz(sub, out, &err), &err);
  CHECK_OK(nacre_dataset_read(r, out, &err), &err);
  const nacre_sample *b = r->n == 2 ? &r->items[1] : NULL;
  CHECK(b && b->ninfo == 2 && !strcmp(b->info[0], "kind") &&
            !strcmp(b->info[1], "bcc") && !strcmp(b->info[2], "label_version") &&
            !strcmp(b->info[3], "ABINIT 9.6.2") && nacre_sample_weight(b) == 2 &&
            strstr(b->source, ".xyz@1"),
        "info keys, weight and a new source after subset and write");
  char *text = NULL;
  FILE *fp = fopen(out, "r");
  size_t len = 0;
  CHECK(fp && getdelim(&text, &len, '\0', fp) > 0, "read back");
  if (fp) fclose(fp);
  CHECK(text && !strstr(text, "old@7") && strstr(text, "source="),
        "one source key, the new one");
  free(text);
  nacre_dataset_free(sub);
  nacre_dataset_free(d);
  nacre_dataset_free(r);
  remove(xyz);
  remove(out);
}

/* A sample of one Na atom with info key id=ID. */
static void add_with_id(nacre_dataset *d, const char *id) {
  nacre_sample sm;
  memset(&sm, 0, sizeof sm);
  sm.s = nacre_structure_new(1, NULL);
  sm.s->numbers[0] = 11;
  sm.info = malloc(2 * sizeof *sm.info);
  sm.info[0] = strdup("id");
  sm.info[1] = strdup(id);
  sm.ninfo = 1;
  nacre_dataset_take(d, &sm, NULL);
}

/* 0 train, 1 valid, 2 test of each sample */
static void parts(const nacre_dataset *d, int *part, int *cnt) {
  int *idx = malloc(3 * sizeof *idx * (size_t)d->n);
  nacre_error err;
  CHECK_OK(nacre_split_by_key(d, "id", 0.8, 0.1, 7, idx, &cnt[0], idx + d->n,
                              &cnt[1], idx + 2 * d->n, &cnt[2], &err),
           &err);
  for (int p = 0; p < 3; p++)
    for (int k = 0; k < cnt[p]; k++) part[idx[p * d->n + k]] = p;
  free(idx);
}

/* --by: the fractions on average, and a sample keeps its part when the set
 * is reordered and grows */
static void test_split_by_key(void) {
  nacre_dataset *a = nacre_dataset_new(NULL), *b = nacre_dataset_new(NULL);
  char id[32];
  for (int k = 0; k < 2000; k++) {
    snprintf(id, sizeof id, "%d-%08x", k, (unsigned)(k * 2654435761u));
    add_with_id(a, id);
  }
  for (int k = 1199; k >= 0; k--) { /* the first 1200, reversed, then new */
    snprintf(id, sizeof id, "%d-%08x", k, (unsigned)(k * 2654435761u));
    add_with_id(b, id);
  }
  for (int k = 0; k < 500; k++) {
    snprintf(id, sizeof id, "new-%d", k);
    add_with_id(b, id);
  }
  int *pa = malloc(sizeof *pa * 2000), *pb = malloc(sizeof *pb * 1700), ca[3], cb[3];
  parts(a, pa, ca);
  parts(b, pb, cb);
  /* binomial sd of the counts: 18 (train), 13 (valid): 4 sd */
  CHECK(abs(ca[0] - 1600) < 72 && abs(ca[1] - 200) < 54 && ca[0] + ca[1] + ca[2] == 2000,
        "fractions 0.8/0.1/0.1 of 2000: %d %d %d", ca[0], ca[1], ca[2]);
  int moved = 0;
  for (int k = 0; k < 1200; k++) moved += pb[1199 - k] != pa[k];
  CHECK(moved == 0, "%d of 1200 samples changed part when the set grew", moved);
  /* another seed gives another split */
  int *idx = malloc(3 * sizeof *idx * 2000), c2[3], same = 0;
  nacre_error err;
  CHECK_OK(nacre_split_by_key(a, "id", 0.8, 0.1, 8, idx, &c2[0], idx + 2000, &c2[1],
                              idx + 4000, &c2[2], &err),
           &err);
  for (int k = 0; k < c2[2]; k++) same += pa[idx[4000 + k]] == 2;
  CHECK(same < c2[2] / 2, "seed 8 shares %d of %d test samples with seed 7", same, c2[2]);
  /* a sample without the key is named */
  nacre_sample sm;
  memset(&sm, 0, sizeof sm);
  sm.s = nacre_structure_new(1, NULL);
  sm.source = strdup("x.xyz@3");
  nacre_dataset_take(a, &sm, NULL);
  CHECK(nacre_split_by_key(a, "id", 0.8, 0.1, 7, idx, &c2[0], idx + 2000, &c2[1],
                           idx + 4000, &c2[2], &err) == NACRE_ERR_INVALID &&
            strstr(err.message, "x.xyz@3") && strstr(err.message, "id"),
        "missing key named: %s", err.message);
  free(idx);
  free(pa);
  free(pb);
  nacre_dataset_free(a);
  nacre_dataset_free(b);
}

int main(void) {
  test_split_by_key();
  test_info_keys();
  test_frames();
  test_npy();
  test_deepmd();
  test_maise();
  TEST_DONE();
}
