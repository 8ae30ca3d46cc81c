/* nacre/io.h — structure and data file formats: POSCAR/CONTCAR, extended
 * XYZ (streamed, ASE-compatible), CIF, VASP OUTCAR, LAMMPS data, and the
 * labelled data sets (MAISE data folders, DeePMD-kit folders with NumPy
 * .npy arrays).
 *
 * Every reader reports "file:line: reason" in the error message on malformed
 * input and never crashes. A frame is a structure plus whatever labels the
 * file carried (energy, forces, stress, extra per-atom columns, info keys).
 * Stress in frames is eV/Å^3, Voigt xx yy zz yz xz xy, ASE sign (positive =
 * tensile); readers convert at the boundary. */
#ifndef NACRE_IO_H
#define NACRE_IO_H

#include <stdio.h>

#include "nacre/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nacre_format {
  NACRE_FORMAT_AUTO = 0,
  NACRE_FORMAT_POSCAR,
  NACRE_FORMAT_EXTXYZ,
  NACRE_FORMAT_CIF,
  NACRE_FORMAT_OUTCAR,
  NACRE_FORMAT_LAMMPS_DATA
} nacre_format;

enum {
  NACRE_FRAME_ENERGY = 1u,      /* energy (eV, total) */
  NACRE_FRAME_FREE_ENERGY = 2u, /* free_energy (eV, total) */
  NACRE_FRAME_FORCES = 4u,      /* forces (eV/Å) */
  NACRE_FRAME_STRESS = 8u       /* stress (eV/Å^3, ASE sign) */
};

/* An extra per-atom column (extxyz Properties beyond species/pos/forces). */
typedef struct nacre_column {
  char name[64];
  char type;     /* 'R' real, 'I' integer, 'L' logical, 'S' string */
  int ncomp;     /* components per atom */
  double *real;  /* natoms*ncomp for R, I and L (I/L stored as exact values) */
  char **str;    /* natoms*ncomp for S */
} nacre_column;

/* An info key=value of the comment line that nacre did not interpret. The
 * value is kept as written (without surrounding quotes). */
typedef struct nacre_info {
  char *key;
  char *value;
} nacre_info;

typedef struct nacre_frame {
  nacre_structure *s;
  unsigned has;            /* NACRE_FRAME_* bits */
  double energy, free_energy;
  double *forces;          /* 3*natoms when has & NACRE_FRAME_FORCES */
  double stress[6];
  int ncolumns;
  nacre_column *columns;
  int ninfo;
  nacre_info *info;
} nacre_frame;

void nacre_frame_init(nacre_frame *f);
void nacre_frame_clear(nacre_frame *f); /* frees everything, re-inits */
/* Adds or replaces an info entry (copies key and value). */
nacre_status nacre_frame_set_info(nacre_frame *f, const char *key,
                                  const char *value, nacre_error *err);
const char *nacre_frame_get_info(const nacre_frame *f, const char *key);
/* Appends a zeroed column of f->s->natoms × ncomp values (type 'R', 'I',
 * 'L' or 'S'); returns it through *out (valid until the next add). */
nacre_status nacre_frame_add_column(nacre_frame *f, const char *name,
                                    char type, int ncomp, nacre_column **out,
                                    nacre_error *err);
const nacre_column *nacre_frame_get_column(const nacre_frame *f,
                                           const char *name);
/* Deep copy of src into dst (dst cleared first). */
nacre_status nacre_frame_copy(nacre_frame *dst, const nacre_frame *src,
                              nacre_error *err);

/* Atomic writes: data go to "path.tmp.PID", which commit renames over
 * path (after fflush and fsync); abort closes and removes it. */
typedef struct nacre_atomic_file {
  FILE *fp;
  char *path, *tmp;
} nacre_atomic_file;
nacre_status nacre_atomic_open(nacre_atomic_file *af, const char *path,
                               nacre_error *err);
nacre_status nacre_atomic_commit(nacre_atomic_file *af, nacre_error *err);
void nacre_atomic_abort(nacre_atomic_file *af);

/* Format from a file name (extension or VASP names), or from content when
 * the name says nothing. */
nacre_format nacre_format_guess(const char *path);
const char *nacre_format_name(nacre_format fmt);

/* Splits "path@N" into path (malloc'd, caller frees) and the frame index.
 * Without "@N" (or when spec names an existing file as it is), *index is
 * -1 (the last frame, as ASE's default) and *has_index 0. */
nacre_status nacre_spec_parse(const char *spec, char **path, int *index,
                              int *has_index, nacre_error *err);

/* Reads one structure. `spec` is a path, optionally "path@N" for frame N
 * (0-based; negative counts from the end) of a multi-frame file; without
 * "@N" the last frame. */
nacre_status nacre_read_structure(const char *spec, nacre_structure **out,
                                  nacre_error *err);
/* Same, keeping the labels; out must have been initialised
 * (nacre_frame_init) and is cleared first. */
nacre_status nacre_read_frame(const char *spec, nacre_frame *out,
                              nacre_error *err);
/* Writes one structure in the format given or implied by the name
 * (NACRE_FORMAT_AUTO): POSCAR, extended XYZ, CIF (P1) or LAMMPS data
 * (atomic style; nacre_lammps_data_write for the type order); a frame's
 * labels go only into extended XYZ. Written atomically: temporary file,
 * then rename. Compressed output and OUTCAR are not written. */
nacre_status nacre_write_structure(const char *path, const nacre_structure *s,
                                   nacre_format fmt, nacre_error *err);
nacre_status nacre_write_frame(const char *path, const nacre_frame *f,
                               nacre_format fmt, nacre_error *err);

/* What nacre_convert did. */
typedef struct nacre_convert_report {
  nacre_format format;   /* of the output */
  long frames_read;      /* frames the input holds (1 for single-structure
                            formats; counted when a choice was made) */
  long frames_written;
  int frame;             /* the frame written when one was chosen (from
                            "@N", or 0 for a multi-frame input without it);
                            -1 when every frame was written */
} nacre_convert_report;
/* Converts `in` (a path, "path@N" for frame N) into `out` in the format
 * given or implied by out's name. A multi-frame input (extended XYZ,
 * OUTCAR) into extended XYZ keeps every frame with its labels; into a
 * single-structure format it takes frame N of "@N", else frame 0 (and
 * rep->frames_read > 1 tells the caller to say so). Written atomically. */
nacre_status nacre_convert(const char *in, const char *out, nacre_format fmt,
                           nacre_convert_report *rep, nacre_error *err);

/* ---- POSCAR / CONTCAR (VASP 4 and 5) ---- */
nacre_status nacre_poscar_read(FILE *fp, const char *name, nacre_structure **out,
                               nacre_error *err);
/* VASP 5 layout; Direct coordinates; selective dynamics when s->fixed.
 * Atom order is kept exactly: a species that reappears after another one
 * opens a new block ("Na Cl Na / 2 2 1"), which VASP 5 accepts (the POTCAR
 * must then list the same blocks). comment may be NULL (formula). */
nacre_status nacre_poscar_write(FILE *fp, const nacre_structure *s,
                                const char *comment, nacre_error *err);

/* ---- Extended XYZ, streamed frame by frame ---- */
typedef struct nacre_xyz_reader nacre_xyz_reader;
/* Opens a file (".gz" read through zlib); "-" is standard input. */
nacre_xyz_reader *nacre_xyz_open(const char *path, nacre_error *err);
/* Reads the next frame into f (cleared first). Returns NACRE_OK, or
 * NACRE_ERR_IO with *eof = 1 at the end of the file, or a parse error.
 * Only the current frame is held in memory. Comment-line keys: Lattice,
 * pbc, Properties (species:S:1 or Z:I:1, pos:R:3, forces:R:3, others kept
 * in f->columns), energy, free_energy, stress (9 or 6 values), virial
 * (eV; stress = −virial/V), REF_-prefixed variants of these used when the
 * plain key is absent; everything else goes to f->info as written. */
nacre_status nacre_xyz_next(nacre_xyz_reader *r, nacre_frame *f, int *eof,
                            nacre_error *err);
/* Skips the next frame without interpreting it (counting frames). */
nacre_status nacre_xyz_skip(nacre_xyz_reader *r, int *eof, nacre_error *err);
void nacre_xyz_close(nacre_xyz_reader *r);
/* Appends one frame (ASE-compatible comment line, stress as 9 values,
 * numbers with 17 significant digits so that they read back exactly). */
nacre_status nacre_xyz_write(FILE *fp, const nacre_frame *f, nacre_error *err);

/* ---- CIF ---- */
/* Reads the first data block: cell, atom sites (type symbol or label,
 * fractional x y z with or without uncertainties "0.123(4)"), and expands
 * the symmetry operations (_symmetry_equiv_pos_as_xyz or
 * _space_group_symop_operation_xyz); images of a site closer than 1e-3 in
 * every fractional coordinate (after wrapping) are merged. A site whose
 * _atom_site_occupancy is below 1 − NACRE_CIF_OCCUPANCY_TOL (a partially
 * occupied or mixed site) is refused with its file and line: this reader
 * gives ordered crystals only (nacre_cif_read_disordered reads the rest);
 * occupancies within the tolerance of 1 count as 1, above it are refused. */
nacre_status nacre_cif_read(FILE *fp, const char *name, nacre_structure **out,
                            nacre_error *err);
#define NACRE_CIF_OCCUPANCY_TOL 0.01
/* A CIF with partially occupied sites: the sites at one position (within
 * the merging tolerance) become one atom of *parent, whose element is the
 * species of the largest occupancy there (the first listed on a tie), and
 * (*mix)[i] says what atom i holds: the species with their occupancies and
 * a vacancy (z = 0) for what they leave empty (occupancies summing to
 * within NACRE_CIF_OCCUPANCY_TOL of 1 are scaled to 1). Occupancies that
 * add up to more than 1 at a position are refused, naming the lines. An
 * ordered CIF gives one species with fraction 1 everywhere. *mix holds
 * parent->natoms entries; the caller frees it with free(). */
nacre_status nacre_cif_read_disordered(FILE *fp, const char *name,
                                       nacre_structure **parent,
                                       nacre_site_mix **mix, nacre_error *err);
/* The same from a path (any name; the content must be CIF). */
nacre_status nacre_read_cif_disordered(const char *path,
                                       nacre_structure **parent,
                                       nacre_site_mix **mix, nacre_error *err);
/* nacre_cif_write: P1, every atom. nacre_cif_write_symmetric: the nops
 * operations x' = rot·x + trans (fractional column vectors, as spglib) and
 * only the asymmetric-unit atoms listed in asym (nasym indices); sg_symbol
 * may be NULL. data_name may be NULL (formula). */
nacre_status nacre_cif_write(FILE *fp, const nacre_structure *s,
                             const char *data_name, nacre_error *err);
nacre_status nacre_cif_write_symmetric(FILE *fp, const nacre_structure *s,
                                       const char *data_name, int sg_number,
                                       const char *sg_symbol, int nops,
                                       const int (*rot)[3][3],
                                       const double (*trans)[3], int nasym,
                                       const int *asym, nacre_error *err);

/* ---- VASP OUTCAR: every ionic step ---- */
/* Fills *frames (allocated, caller frees each with nacre_frame_clear and
 * the array with free) with one frame per ionic step: lattice, positions,
 * forces, free energy TOTEN (→ free_energy and energy unless sigma→0 is
 * present, which then gives energy), stress "in kB" converted to GPa ->
 * eV/Å^3 with VASP's order xx yy zz xy yz zx and sign (positive =
 * compressive) turned into nacre's. */
nacre_status nacre_outcar_read(const char *path, nacre_frame **frames,
                               int *nframes, nacre_error *err);
/* What an OUTCAR says about the run besides the ionic steps. */
typedef struct nacre_outcar_run {
  char version[32];  /* from the first line, "6.3.0"; "" when absent */
  int scf_steps;     /* electronic steps of the last ionic step */
  int scf_converged; /* 1 when that SCF printed "aborting loop because
                        EDIFF is reached" */
  double wall_s;     /* "Elapsed time (sec)"; 0 when absent */
  double cpu_s;      /* "Total CPU time used (sec)"; 0 when absent */
} nacre_outcar_run;
/* The same reader over an OUTCAR's text in memory; `name` is used in
 * messages; run (may be NULL) receives the run's details. */
nacre_status nacre_outcar_parse(const char *text, const char *name,
                                nacre_frame **frames, int *nframes,
                                nacre_outcar_run *run, nacre_error *err);
/* VASP's stress "in kB" (xx yy zz xy yz zx, positive = compressive) as
 * nacre's stress: eV/Å^3, Voigt xx yy zz yz xz xy, positive = tensile. */
void nacre_stress_from_vasp_kbar(const double kbar[6], double stress[6]);

/* ---- LAMMPS data (restricted triclinic box) ---- */
/* Rotates the cell into LAMMPS' lower-triangular form (a along x, b in xy);
 * `rotation` (may be NULL) receives R with x_lammps = x · R. Type k+1 is
 * the k-th distinct element in order of first appearance unless type_z
 * (ntypes entries) is given. */
nacre_status nacre_lammps_data_write(FILE *fp, const nacre_structure *s,
                                     const int *type_z, int ntypes,
                                     double rotation[3][3], nacre_error *err);
/* Reads a data file of atom style atomic, charge, molecular or full (from
 * "Atoms # style", or atomic by its column count), orthogonal or
 * triclinic box, image flags applied; each type's element from its Masses
 * comment ("1 22.99 # Na") or, failing that, its mass (a unique element
 * within 0.01 amu). Other sections are skipped. */
nacre_status nacre_lammps_data_read(FILE *fp, const char *name,
                                    nacre_structure **out, nacre_error *err);

/* ---- Labelled data: every frame of a file or folder ---- */
/* Receives each frame a reader produced, with `source` naming it
 * ("x.xyz@3", "OUTCAR@0", "DATA/000/045" relative to a MAISE root,
 * "SYSTEM/set.000@2"). It may take anything out of *f (setting the
 * pointers it took to NULL); the reader clears f afterwards. A status
 * other than NACRE_OK stops the reading and is returned. */
typedef nacre_status (*nacre_frame_sink)(void *user, nacre_frame *f,
                                         const char *source,
                                         nacre_error *err);

/* A MAISE data folder: every directory below dir holding POSCAR.0 and
 * dat.dat is one frame, visited in sorted order. dat.dat: line 1 the total
 * energy (eV; -> energy); line 2, when present, "in kB" and six stress
 * values (VASP order and sign, see nacre_stress_from_vasp_kbar); then the
 * OUTCAR block "POSITION ... TOTAL-FORCE (eV/Angst)", a dashed line, one
 * line "x y z fx fy fz" per atom and a closing dashed line (older sets
 * carry that block in frc.dat instead). */
nacre_status nacre_maise_data_read(const char *dir, nacre_frame_sink sink,
                                   void *user, nacre_error *err);
/* A DeePMD-kit system folder: type.raw (one type per atom), type_map.raw
 * (the element of each type), set.NNN/ folders in sorted order with
 * box.npy (nframes × 9, cell rows, Å), coord.npy (nframes × 3N, Cartesian
 * Å), energy.npy (nframes, eV; -> energy), force.npy (nframes × 3N, eV/Å)
 * and virial.npy (nframes × 9, eV; W = −V σ with σ in the ASE sign); a
 * file "nopbc" marks a non-periodic system. */
nacre_status nacre_deepmd_read(const char *dir, nacre_frame_sink sink,
                               void *user, nacre_error *err);
/* Every labelled frame of path, whatever it is: a DeePMD-kit folder
 * (type.raw inside), a MAISE data folder (any other folder), an extended
 * XYZ file (".gz" too) or a VASP OUTCAR (every ionic step). "path@N" takes
 * only frame N of a file (0-based; negative counts from the end). Other
 * formats carry no labels and are refused. */
nacre_status nacre_read_frames(const char *path, nacre_frame_sink sink,
                               void *user, nacre_error *err);

/* ------------------------------------------------------------------ */
/* NumPy .npy arrays                                                     */
/* ------------------------------------------------------------------ */

typedef struct nacre_npy {
  int ndim;
  long shape[8];
  long size;      /* product of shape */
  double *data;   /* converted to double, C order */
} nacre_npy;

/* Reads format versions 1–3, little- or big-endian f4/f8/i4/i8/u4/u8,
 * C or Fortran order (Fortran is transposed into C order). */
nacre_status nacre_npy_read(const char *path, nacre_npy *out,
                            nacre_error *err);
void nacre_npy_free(nacre_npy *a);
/* Writes a little-endian f8 C-order array (format 1.0). */
nacre_status nacre_npy_write(const char *path, const double *data, int ndim,
                             const long *shape, nacre_error *err);

/* ---- LAMMPS text dumps (dump atom/custom), frame by frame ---- */
/* Elements come from an `element` column, or from the atom type through
 * type_z (ntypes entries: type k+1 is element type_z[k]; may be 0 when the
 * dump has elements). Positions from xu/x/xsu/xs columns (Cartesian taken
 * relative to the box origin), velocities vx vy vz (metal units, Å/ps) into
 * a `velocities` column in Å/fs; atoms sorted by id; info `timestep`. */
typedef struct nacre_dump_reader nacre_dump_reader;
nacre_dump_reader *nacre_lammps_dump_open(const char *path, const int *type_z,
                                          int ntypes, nacre_error *err);
/* As nacre_xyz_next: NACRE_ERR_IO with *eof = 1 at the end. */
nacre_status nacre_lammps_dump_next(nacre_dump_reader *r, nacre_frame *f,
                                    long *timestep, int *eof,
                                    nacre_error *err);
void nacre_lammps_dump_close(nacre_dump_reader *r);

#ifdef __cplusplus
}
#endif
#endif
