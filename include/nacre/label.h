/* nacre/label.h — labelling: one driver interface (structure in; energy,
 * forces, stress, convergence status, wall time and code version out) with
 * drivers for ABINIT (PAW PBE, PseudoDojo datasets found automatically),
 * Quantum ESPRESSO pw.x and VASP, and a labeller that is any nacre
 * potential (a known truth in seconds for testing loops that label).
 *
 * Units are converted at the boundary: results are eV, eV/Å and eV/Å^3 with
 * the ASE stress sign (positive = tensile, P = −tr/3), Voigt order xx yy zz
 * yz xz xy, whatever the code prints (Hartree/Bohr, Ry/Bohr, kbar with the
 * opposite sign). The parsers are pure functions over the text of an output
 * file so tests can feed recorded outputs; the runner writes each label in
 * a fresh directory, runs a configurable command with a time limit, and
 * refuses results whose SCF did not converge. */
#ifndef NACRE_LABEL_H
#define NACRE_LABEL_H

#include <stddef.h>
#include <stdint.h>

#include "nacre/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nacre_label_code {
  NACRE_LABEL_ABINIT = 1,
  NACRE_LABEL_QE = 2,
  NACRE_LABEL_VASP = 3,
  NACRE_LABEL_POTENTIAL = 4 /* a nacre potential (options.potential),
                               evaluated in this process */
} nacre_label_code;

/* "abinit", "qe", "vasp", "potential"; NULL for an unknown code. */
const char *nacre_label_code_name(nacre_label_code code);
/* 0 when the name is unknown ("pw" and "pw.x" are accepted for qe). */
nacre_label_code nacre_label_code_from_name(const char *name);

/* The cell a structure is labelled in. The energy, the forces (Cartesian,
 * per atom) and the stress do not depend on the choice of lattice basis,
 * but the k-point grid drawn at a given spacing does, and in a skewed cell
 * (basis vectors at small angles, as the rhombohedral cell of a long
 * stacking or a cell out of a search) it holds many more points than
 * needed. The Niggli-reduced cell is spanned by the same lattice in the
 * same Cartesian frame, so results need no mapping back. */
typedef enum nacre_label_cell {
  NACRE_LABEL_CELL_AUTO = 0, /* the Niggli-reduced cell when its grid has
                                fewer k-points than the input cell's, else
                                the input cell */
  NACRE_LABEL_CELL_INPUT = 1,  /* always the input cell */
  NACRE_LABEL_CELL_NIGGLI = 2  /* always the Niggli-reduced cell */
} nacre_label_cell;

/* "auto", "input", "niggli"; NULL for an unknown value. */
const char *nacre_label_cell_name(nacre_label_cell cell);
/* -1 when the name is unknown. */
int nacre_label_cell_from_name(const char *name);

/* Settings of one labelling run. Zero/NULL fields take the code's converged
 * defaults for metals (see nacre_label_options_init). Strings are borrowed:
 * the caller keeps them alive while the options are in use. */
struct nacre_potential;

typedef struct nacre_label_options {
  nacre_label_code code;
  const char *template_path; /* input template; NULL = built-in */
  double ecut_ev;            /* plane-wave cutoff, eV (ABINIT 24 Ha = 653.1
                                eV, QE 80 Ry = 1088.5 eV, VASP 400 eV) */
  double ecut_dens_factor;   /* density / PAW double-grid cutoff as a
                                multiple of ecut (ABINIT 2, QE 8) */
  double kspacing;           /* Å^-1 including 2π (VASP KSPACING
                                convention): n_i = max(1, ceil(2π|b_i| /
                                kspacing)), Γ-centred; default 0.25 */
  double smearing_ev;        /* Methfessel-Paxton width, eV (0.272 = 0.01
                                Ha = 0.02 Ry) */
  double scf_tol_ev;         /* SCF energy tolerance per cell, eV
                                (2.72e-7 = 1e-8 Ha) */
  int max_scf;               /* SCF step limit (100) */
  const char *command;       /* command prefix run through /bin/sh in the
                                label's directory: "abinit", "pw.x",
                                "vasp_std", or e.g. "mpirun -np 2 abinit".
                                The driver appends the input name (ABINIT
                                "label.abi", QE "-in label.pwi", VASP
                                nothing); stdout and stderr go to a file. */
  const char *pseudo_dir;    /* ABINIT: default /usr/share/abinit/psp (or
                                $NACRE_ABINIT_PSP); QE: default
                                /usr/share/espresso/pseudo (or
                                $ESPRESSO_PSEUDO); VASP: folder holding
                                SYMBOL/POTCAR (or $NACRE_VASP_POTCARS) */
  const char *pseudo_files;  /* comma-separated "Sym=file" pairs that
                                override the automatic choice, relative to
                                pseudo_dir (VASP: "Na=Na_pv") */
  const char *workdir;       /* parent of the per-label directories ("."
                                when NULL) */
  int keep_files;            /* 0: delete a label's directory after a
                                success (kept after a failure); 1: keep */
  double timeout_s;          /* wall-clock limit per label; 0 = none */
  nacre_label_cell cell;     /* which cell the DFT code is given (AUTO) */
  const char *potential;     /* NACRE_LABEL_POTENTIAL: the potential SPEC
                                (as nacre_potential_load takes it) */
  double fail_fraction;      /* NACRE_LABEL_POTENTIAL: this share of the
                                structures (chosen by their hash, so the
                                same ones every time) fails as an SCF that
                                did not converge: DFT failures for tests
                                and studies of the loops that label (0) */
  /* Relaxation instead of a single point (nacre rerank): cell and
   * positions relaxed at a hydrostatic pressure by the code's own
   * optimiser — ABINIT optcell 2 + ionmov 2 (BFGS) with strtarget, ecutsm
   * (in the template) and dilatmx; QE vc-relax (BFGS, press,
   * cell_dofree 'all'); VASP IBRION 2, ISIF 3, PSTRESS. The result holds
   * the last configuration's energy, forces and stress and the relaxed
   * structure. The potential labeller relaxes through relax_fn. */
  int relax;                 /* 0 single point (default), 1 relax */
  double relax_pressure_gpa; /* target pressure, GPa */
  double relax_fmax_ev_a;    /* force tolerance, eV/Å (default 0.01) */
  double relax_smax_gpa;     /* stress tolerance, GPa (default 0.1; ABINIT
                                scales its stress criterion by strfact,
                                QE press_conv_thr, VASP has none of its
                                own: EDIFFG is on forces) */
  int relax_max_steps;       /* ionic steps (default 100) */
  /* The relaxer of the potential labeller: relaxes s in place with the
   * potential at the pressure and tolerances of opt, sets *steps and
   * *converged (1 when both tolerances were met). The optimiser lies in a
   * layer above this one, so the caller supplies it. */
  nacre_status (*relax_fn)(void *user, const struct nacre_potential *p,
                           const struct nacre_label_options *opt,
                           nacre_structure *s, int *steps, int *converged,
                           nacre_error *err);
  void *relax_user;
} nacre_label_options;

/* Defaults for `code` (code-specific values are filled at run time for the
 * zero fields, so a caller may change the code after init). */
void nacre_label_options_init(nacre_label_options *opt, nacre_label_code code);
/* Sets opt->code from "abinit", "qe", "vasp" or "potential:SPEC" (then
 * opt->potential points into text, which must stay alive). */
nacre_status nacre_label_options_set_code(nacre_label_options *opt,
                                          const char *text, nacre_error *err);

typedef struct nacre_label_result {
  int natoms;
  double energy_ev;        /* energy consistent with the forces (with
                              smearing: the free energy F = E − TS, as
                              ABINIT etotal, QE "!" total energy, VASP
                              TOTEN) */
  double free_energy_ev;   /* same as energy_ev for the codes here */
  double *forces_ev_a;     /* 3*natoms, eV/Å, = −dF/dR */
  double stress_ev_a3[6];  /* eV/Å^3, ASE sign (positive = tensile), Voigt
                              xx yy zz yz xz xy */
  int has_energy, has_forces, has_stress;
  int converged;           /* 1 only when the output says the SCF reached
                              its tolerance */
  int scf_steps;           /* SCF iterations of the (last) ground state */
  double wall_s;           /* wall time of the run, s (measured by the
                              driver; the parser fills the code's own
                              figure when it prints one) */
  double cpu_s;            /* CPU time the code reports (ABINIT rank 0,
                              pw.x PWSCF CPU, VASP total CPU), s; 0 when
                              not printed. Unlike wall_s it hardly depends
                              on the load of a shared machine. */
  int kgrid[3];            /* k-point grid of the cell the code was given
                              (filled by nacre_label_collect) */
  int niggli_cell;         /* 1 when that cell was the Niggli-reduced one */
  char code_version[64];   /* e.g. "ABINIT 9.6.2", "QE 6.7MaX" */
  char message[256];       /* why the label failed, or warnings */
  int setup_error;         /* set with a failure that is the set-up's, not
                              the structure's: the inputs could not be
                              written (template, pseudopotentials) or the
                              command could not be started (shell status
                              126 or 127 and no output) */
  /* With opt->relax: the relaxed structure (atoms in input order, in the
   * cell the code was given; owned, freed by nacre_label_result_clear),
   * the ionic steps taken and whether the code's force and stress
   * criteria were met. energy, forces and stress are those of it. */
  nacre_structure *relaxed;
  int relax_steps;
  int relax_converged;
} nacre_label_result;

void nacre_label_result_init(nacre_label_result *r);
void nacre_label_result_clear(nacre_label_result *r); /* frees forces */

/* ---- Parsers: pure functions over the text of an output -------------- */
/* `name` is used in messages ("name:line: reason"); `natoms` is the number
 * of atoms expected (forces must have that many rows). Each parser fills
 * what it finds and sets converged. It returns NACRE_OK when energy, forces
 * and stress were all found and the SCF converged;
 * NACRE_ERR_NOT_CONVERGED when results were printed but the SCF did not
 * converge (the result is filled so the caller may inspect it, but it must
 * not be kept as a label); NACRE_ERR_PARSE when something is missing or
 * malformed (truncated output, no stress). */
nacre_status nacre_abinit_parse(const char *text, const char *name,
                                int natoms, nacre_label_result *r,
                                nacre_error *err);
nacre_status nacre_qe_parse(const char *text, const char *name, int natoms,
                            nacre_label_result *r, nacre_error *err);
/* VASP: OUTCAR (last ionic step) and vasprun.xml. */
nacre_status nacre_vasp_parse_outcar(const char *text, const char *name,
                                     int natoms, nacre_label_result *r,
                                     nacre_error *err);
nacre_status nacre_vasp_parse_vasprun(const char *text, const char *name,
                                      int natoms, nacre_label_result *r,
                                      nacre_error *err);

/* Relaxed structures. ABINIT: the cell (acell × rprim, Bohr) and the
 * positions (xangst, else xred) of the final outvars block, each at
 * ABINIT's default when left out (acell 3*1 Bohr, rprim the unit matrix,
 * every atom at the origin), and the ionic
 * steps and "gradients are converged" of the relaxation. QE: the block
 * between "Begin final coordinates" and "End final coordinates"
 * (CELL_PARAMETERS in angstrom, bohr or alat units, ATOMIC_POSITIONS in
 * angstrom, bohr, alat or crystal), "bfgs converged"; numbers: the
 * atomic numbers of the input (same order). VASP: CONTCAR, read as a
 * POSCAR, with the OUTCAR telling convergence ("reached required
 * accuracy"). *out is a new structure. */
nacre_status nacre_abinit_parse_relaxed(const char *text, const char *name,
                                        const nacre_structure *input,
                                        nacre_structure **out, int *steps,
                                        int *converged, nacre_error *err);
nacre_status nacre_qe_parse_relaxed(const char *text, const char *name,
                                    const nacre_structure *input,
                                    nacre_structure **out, int *steps,
                                    int *converged, nacre_error *err);

/* ---- Inputs -------------------------------------------------------- */
/* Replaces every {KEY} in `tmpl` by the value of the same key. An unknown
 * key is an error naming the template line; a key given in `required`
 * (may be NULL) but absent from the template is an error too (so that an
 * option such as --ecut is never silently ignored). `*out` is malloc'd. */
nacre_status nacre_label_render(const char *tmpl, const char *name,
                                const char *const *keys,
                                const char *const *values, int nkeys,
                                const int *required, char **out,
                                nacre_error *err);
/* Γ-centred Monkhorst-Pack grid for a k-point spacing (Å^-1, 2π included). */
void nacre_label_kgrid(const double cell[3][3], double kspacing, int n[3]);

/* The input text(s) each driver writes, from the built-in template or
 * opt->template_path. ABINIT: label.abi; QE: label.pwi; VASP: writes
 * POSCAR, INCAR, KPOINTS and POTCAR into `dir`. On failure *text is NULL. */
nacre_status nacre_abinit_input(const nacre_label_options *opt,
                                const nacre_structure *s, char **text,
                                nacre_error *err);
nacre_status nacre_qe_input(const nacre_label_options *opt,
                            const nacre_structure *s, char **text,
                            nacre_error *err);
nacre_status nacre_vasp_write_inputs(const nacre_label_options *opt,
                                     const nacre_structure *s,
                                     const char *dir, nacre_error *err);

/* The structure the DFT code is given for s under opt->cell (a copy: the
 * input, or the same atoms in the Niggli-reduced cell with positions
 * wrapped) and its k-point grid; *reduced is set to 1 for the reduced
 * cell. Structures not periodic in all three directions are given as
 * they are. The choice depends on s and the options only, so the inputs
 * and the collected results always agree on it. */
nacre_status nacre_label_dft_structure(const nacre_label_options *opt,
                                       const nacre_structure *s,
                                       nacre_structure **out, int kgrid[3],
                                       int *reduced, nacre_error *err);

/* ---- Running -------------------------------------------------------- */
/* Writes the input(s) of one label into the existing directory `dir` and
 * the command that runs it there (with stdout and stderr going to
 * label.out) into `command`. The potential labeller's job is nacre
 * itself: structure.extxyz and `COMMAND label structure.extxyz --code
 * potential:SPEC -o label.extxyz` (COMMAND: opt->command, default
 * "nacre"; a SPEC that names an existing file is made absolute), so a
 * loop that labels elsewhere can be tested against a known truth. */
nacre_status nacre_label_prepare(const nacre_label_options *opt,
                                 const nacre_structure *s, const char *dir,
                                 char *command, size_t command_len,
                                 nacre_error *err);
/* Reads the results a run left in `dir` (ABINIT label.abo, QE label.out,
 * VASP OUTCAR; the potential labeller's label.extxyz, or its failure in
 * label.extxyz.failed), with the status of the parser; NACRE_ERR_IO when
 * the output file is missing. r->wall_s is the code's own figure, if
 * any. */
nacre_status nacre_label_collect(const nacre_label_options *opt,
                                 const nacre_structure *s, const char *dir,
                                 nacre_label_result *r, nacre_error *err);
/* Labels one structure: fresh directory under opt->workdir, inputs,
 * command (time limit opt->timeout_s, stopped when ctx->interrupt is set),
 * parse; the directory is removed after a success and after an
 * interruption unless opt->keep_files (a failure keeps it for
 * inspection). NACRE_LABEL_POTENTIAL evaluates the potential instead
 * (no directory, no command). Returns NACRE_OK only for a converged result with energy, forces
 * and stress; otherwise the status says why (NACRE_ERR_NOT_CONVERGED,
 * NACRE_ERR_EXTERNAL for a failed command or time-out, NACRE_ERR_PARSE)
 * and r->message repeats the reason; r->setup_error marks failures that
 * any structure would meet. */
nacre_status nacre_label_run(const nacre_label_options *opt,
                             const nacre_structure *s, nacre_label_result *r,
                             const nacre_ctx *ctx, nacre_error *err);

/* Runs `command` through /bin/sh in `dir` with stdout and stderr appended
 * to `log_path` (relative to dir), in its own process group; kills the
 * group after timeout_s (> 0) or when ctx->interrupt is set. The group is
 * also stopped (SIGTERM, SIGKILL 5 s later) when this process dies, even
 * by SIGKILL: a watchdog process waits on a pipe that only this process
 * holds. *exit_code receives the exit status (128+signal when killed). */
nacre_status nacre_label_exec(const char *command, const char *dir,
                              const char *log_path, double timeout_s,
                              const nacre_ctx *ctx, int *exit_code,
                              nacre_error *err);

/* ---- Labelled output (resumable extended XYZ) ----------------------- */
/* Identity of a structure: FNV-1a 64 of its atoms, cell and positions
 * printed to 1e-6 Å, so the same input always gives the same id. */
uint64_t nacre_label_structure_hash(const nacre_structure *s);
/* "INDEX-HASH16" */
void nacre_label_id(int index, const nacre_structure *s, char id[40]);

/* Info keys of an input frame that its labelled frame keeps (the
 * generator's kind and target_pressure_gpa, a user's config_type, ...):
 * n key/value pairs, malloc'd strings. */
typedef struct nacre_label_keys {
  int n;
  char **key, **value;
} nacre_label_keys;
/* Frees the strings of keys[0..count) and then the array. */
void nacre_label_keys_free(nacre_label_keys *keys, int count);

/* One extended-XYZ frame (ASE-compatible: energy, free_energy, stress as 9
 * numbers in eV/Å^3, forces eV/Å, the input's info keys (may be NULL),
 * then label_id, label_code, label_version, label_scf_steps, label_wall_s,
 * label_cpu_s, which replace input keys of the same name). *text is
 * malloc'd. */
nacre_status nacre_label_frame_text(const nacre_structure *s,
                                    const nacre_label_keys *keys,
                                    const nacre_label_result *r,
                                    const char *code_name, const char *id,
                                    char **text, size_t *len,
                                    nacre_error *err);
/* Appends `len` bytes with one write() and an fsync(), creating the file
 * when needed. When the data cannot all be written (a full disk, a file
 * size limit), the file is cut back to its length before the call, so it
 * never keeps part of a frame, and the error names the system's reason. */
nacre_status nacre_label_append(const char *path, const char *text,
                                size_t len, nacre_error *err);
/* Reads an output file written by nacre_label_append: the label_id of
 * every complete frame goes into *ids (malloc'd array of malloc'd
 * strings). An incomplete last frame (a kill during a write) is cut off
 * when `repair` is set. A missing file gives zero ids. */
nacre_status nacre_label_scan_done(const char *path, int repair, char ***ids,
                                   int *nids, nacre_error *err);
void nacre_label_free_ids(char **ids, int nids);

/* ---- Batches ---------------------------------------------------------- */
typedef struct nacre_label_summary {
  int total, done, skipped, failed;  /* skipped = found in the output */
  int not_converged, run_failed, parse_failed;
  int pending;                   /* collect: no output yet, or incomplete */
  int prepared;                  /* prepare: folders written */
  double wall_s;                 /* sum of label wall times, s */
  double atoms;                  /* sum of natoms over labelled structures */
} nacre_label_summary;

/* Labels structures[0..n) (their index is part of the label id) with up to
 * `jobs` labels at a time, each in a worker process of a process pool
 * (nacre/procpool.h; a worker that dies is a failed label, and the batch
 * stops when none is left; on an interruption the workers are killed and
 * their DFT runs stopped); keys (may be NULL) holds each structure's info
 * keys to carry into its labelled frame. Converged labels are appended to `output`;
 * failures (with id and reason) to `failed_log` (may be NULL) as one line
 * each: "label_id<TAB>status<TAB>message". Structures whose id is already
 * in `output` are skipped, and so are ids in `failed_log` unless
 * retry_failed is set. Returns NACRE_OK when the batch ran (failures are
 * counted in the summary), an error when it could not (I/O, interrupt).
 *
 * Failures of the set-up stop the batch without being recorded against a
 * structure: before any run, the inputs are written once for every set of
 * elements among the structures to label (template, pseudopotentials), and
 * a command that cannot be started (r->setup_error) stops it too. So do
 * NACRE_LABEL_MAX_RUN_FAILURES failed runs in a row (errors or unreadable
 * outputs, not SCF non-convergence): those are recorded, and
 * retry_failed labels them again once the cause is fixed. */
#define NACRE_LABEL_MAX_RUN_FAILURES 5
nacre_status nacre_label_batch(const nacre_label_options *opt,
                               nacre_structure *const *structures,
                               const nacre_label_keys *keys, int n,
                               const char *output, const char *failed_log,
                               int jobs, int retry_failed,
                               nacre_label_summary *summary,
                               const nacre_ctx *ctx, nacre_error *err);

/* Labelling elsewhere (a cluster's queue): writes DIR/<label_id>/ with
 * the inputs and an executable run.sh for every structure not yet in
 * `output` or `failed_log` (either may be NULL), and DIR/jobs.txt listing
 * those ids, one per line. */
nacre_status nacre_label_prepare_batch(const nacre_label_options *opt,
                                       nacre_structure *const *structures,
                                       int n, const char *dir,
                                       const char *output,
                                       const char *failed_log,
                                       int *prepared, int *skipped,
                                       nacre_error *err);
/* ... and reads back what ran: converged results in DIR/<label_id>/ are
 * appended to `output` (as nacre_label_batch would), SCF failures go to
 * `failed_log`; a missing or incomplete output counts as pending and is
 * looked at again by the next collect. */
nacre_status nacre_label_collect_batch(const nacre_label_options *opt,
                                       nacre_structure *const *structures,
                                       const nacre_label_keys *keys, int n,
                                       const char *dir, const char *output,
                                       const char *failed_log,
                                       nacre_label_summary *summary,
                                       const nacre_ctx *ctx,
                                       nacre_error *err);

/* ---- Files in, files out (nacre label) ------------------------------ */
typedef enum nacre_label_mode {
  NACRE_LABEL_MODE_RUN = 0, /* label here: nacre_label_batch */
  NACRE_LABEL_MODE_PREPARE, /* nacre_label_prepare_batch into dir */
  NACRE_LABEL_MODE_COLLECT  /* nacre_label_collect_batch from dir */
} nacre_label_mode;

typedef struct nacre_label_request {
  const char *const *inputs; /* structure files (nacre_label_read_inputs),
                                read in order: a structure's index counts
                                over all of them */
  int ninputs;
  const char *output;        /* labelled extended XYZ; failures go to
                                OUTPUT.failed (may be NULL to prepare) */
  nacre_label_mode mode;
  const char *dir;           /* prepare / collect folder */
  int jobs, retry_failed;
} nacre_label_request;

/* Reads every input and runs, prepares or collects them as the request
 * says; *summary counts what happened (summary->prepared for prepare). */
nacre_status nacre_label_files(const nacre_label_options *opt,
                               const nacre_label_request *req,
                               nacre_label_summary *summary,
                               const nacre_ctx *ctx, nacre_error *err);
/* The last `last` lines of a failure log as "ID STATUS REASON" (tabs turned
 * into spaces): *lines malloc'd (nacre_label_free_ids). A missing log gives
 * none. */
nacre_status nacre_label_failures(const char *failed_log, int last,
                                  char ***lines, int *n, nacre_error *err);

/* Reads the input structures of a labelling run (through nacre/io.h):
 * every frame of an extended-XYZ file (".gz" too; labels in it are
 * ignored), or the one structure of a POSCAR/CONTCAR or CIF file. Each must
 * be periodic along a, b and c. *out is a malloc'd array (free each
 * structure, then the array). When keys is not NULL, *keys receives each
 * structure's uninterpreted info keys (nacre_label_keys_free). */
nacre_status nacre_label_read_inputs(const char *path, nacre_structure ***out,
                                     int *n, nacre_label_keys **keys,
                                     nacre_error *err);
/* Writes unlabelled structures as extended XYZ (atomically: temporary file
 * then rename), with an info key `kind` and `target_pressure_gpa` when
 * given (either may be NULL). */
nacre_status nacre_label_write_xyz(const char *path,
                                   nacre_structure *const *s, int n,
                                   const char *const *kinds,
                                   const double *pressures_gpa,
                                   nacre_error *err);

/* ---- Re-ranking minima with DFT (nacre rerank) ---------------------- */
/* The best minima of a search relaxed again by a DFT code (through the
 * drivers above with opt->relax) at the search's pressure: their DFT
 * enthalpies next to the search potential's, and the ranking each gives.
 * Resumable: every relaxation is appended to `output` as one extended-XYZ
 * frame (the relaxed structure with energy, forces and stress; label_id
 * of the minimum as the search left it; the keys of
 * nacre_rerank_entry's doc); minima already there are read back, not
 * run again. The file records the pressure, the code and its settings,
 * and a resumption with other ones is refused, naming them. */
typedef struct nacre_rerank_entry {
  /* given */
  const nacre_structure *structure; /* the minimum as the search relaxed it
                                       (borrowed) */
  long index;                       /* its number in the run (the label_id
                                       is index-hash of structure) */
  char name[48];                    /* how tables name it ("#17") */
  double potential_enthalpy_per_atom_ev; /* the search potential's H/atom */
  char pearson[16], space_group[16];     /* the search's, may be "" */
  /* filled */
  int done;                 /* relaxed (now or by an earlier run) */
  int resumed;              /* read back from output */
  int failed;               /* the relaxation failed: message says why */
  char message[256];
  double energy_per_atom_ev, enthalpy_per_atom_ev, volume_per_atom_a3;
  double pressure_gpa, fmax_ev_a;   /* of the DFT end point */
  int relax_steps, relax_converged;
  double wall_s;
  int potential_rank, dft_rank;     /* 1 = lowest; dft_rank 0 if not done */
  nacre_structure *relaxed;         /* owned (nacre_rerank_entries_clear) */
} nacre_rerank_entry;

typedef struct nacre_rerank_summary {
  int total, done, resumed, failed, not_converged;
  double wall_s;            /* of the relaxations run now */
  double kendall_tau;       /* τ-b of the DFT ranking against the
                               potential's over the done entries (NAN with
                               fewer than 2) */
  int best_changed;         /* the DFT's lowest is not the potential's */
} nacre_rerank_summary;

/* Relaxes entries[0..n) that output does not hold yet, one after another
 * (a DFT run uses the whole machine: give opt->command "mpirun -np 2
 * abinit" for more cores), at pressure_gpa with opt's tolerances
 * (opt->relax is set by this function), appending each to output, then
 * fills the ranks and the summary. A failed relaxation is reported in its
 * entry and the others go on; a set-up failure (no pseudopotential, a
 * command that cannot start) or an interruption stops the run
 * (NACRE_ERR_INTERRUPTED: what finished is in output). `settings` is the
 * text that identifies the code and its options in output (e.g. "abinit
 * ecut=653.1 kspacing=0.25 ..."); resuming with another is refused. */
nacre_status nacre_rerank(const nacre_label_options *opt, double pressure_gpa,
                          const char *settings, nacre_rerank_entry *entries,
                          int n, const char *output,
                          nacre_rerank_summary *summary, const nacre_ctx *ctx,
                          nacre_error *err);
/* The settings text nacre_rerank records: code (with the potential's SPEC),
 * cutoff, density factor, k-spacing, smearing, SCF tolerance, cell mode,
 * template and tolerances of the relaxation, as resolved for opt. */
void nacre_rerank_settings(const nacre_label_options *opt, char *buf,
                           size_t len);
/* Frees what nacre_rerank filled in entries[0..n). */
void nacre_rerank_entries_clear(nacre_rerank_entry *entries, int n);

#ifdef __cplusplus
}
#endif
#endif
