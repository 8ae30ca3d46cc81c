/* cmd_eval.c — `nacre eval STRUCTURE --potential SPEC`: energy, forces,
 * stress and pressure of one structure under a potential (one call,
 * nacre_evaluate_file), as a table or JSON (keys in doc/eval.md). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nacre/io.h"
#include "nacre/pot.h"

static void help(void) {
  printf(
      "Usage: nacre eval [options] STRUCTURE --potential SPEC\n"
      "\n"
      "Evaluates one structure (POSCAR/CONTCAR, extended XYZ, CIF, OUTCAR,\n"
      "LAMMPS data; STRUCTURE@N picks frame N of a multi-frame file, 0-based,\n"
      "negative from the end; default the last) with a potential and prints\n"
      "the total energy (eV), the energy per atom (eV), the forces (eV/Å),\n"
      "the stress (GPa, Voigt order xx yy zz yz xz xy, positive = tensile as\n"
      "in ASE) and the pressure (GPa, positive = compressive,\n"
      "P = -(xx+yy+zz)/3). An element the potential does not know is an\n"
      "error before anything is computed.\n"
      "\n"
      "Options:\n"
      "  -p, --potential SPEC  the potential (required), one of\n"
      "        lj:epsilon=E,sigma=S,cutoff=RC[,shift=1]\n"
      "              Lennard-Jones; E in eV, S and RC in Å; shift=1 subtracts\n"
      "              V(RC) (default 0: no shift)\n"
      "        morse:D=E,alpha=A,r0=R,cutoff=RC[,shift=1]\n"
      "              Morse; D in eV, A in 1/Å, R and RC in Å\n"
      "        gupta:A=..,xi=..,p=..,q=..,r0=..,cutoff=..[,rmin=..]\n"
      "              Gupta/RGL (Cleri-Rosato); A, xi in eV, p, q\n"
      "              dimensionless, r0, cutoff, rmin in Å; rmin starts a\n"
      "              cosine taper (default rmin = cutoff: hard cutoff)\n"
      "        FILE  a potential file, recognised from its content: LAMMPS\n"
      "              EAM funcfl (*.eam), setfl (*.eam.alloy), Finnis-Sinclair\n"
      "              (*.eam.fs); neural-network models: nacre JSON (what\n"
      "              'nacre train' writes), MAISE models (nn_Na_d3_v0, ...),\n"
      "              the retired nacre-train .model format (with a note);\n"
      "              MAISE Gupta models; committee files (doc/nn-format.md)\n"
      "        eam:FILE1,FILE2,...\n"
      "              several funcfl files (one element each) combined as\n"
      "              LAMMPS' pair_style eam does\n"
      "        ewald:Na=1,Cl=-1[,cutoff=10][,accuracy=1e-8]\n"
      "              point charges (e) summed by Ewald\n"
      "        committee:SPEC1,SPEC2,...\n"
      "              a committee of any potentials: the mean energy, forces\n"
      "              and stress, and the members' disagreement: the largest\n"
      "              atomic force deviation sigma_f = max_i sqrt(<|F_i -\n"
      "              <F_i>|^2>) (DP-GEN) and the energy deviation per atom\n"
      "  --json                machine-readable output (doc/eval.md): natoms,\n"
      "                        formula, species, volume_a3, potential,\n"
      "                        energy_ev,\n"
      "                        energy_per_atom_ev, forces_ev_a (natoms×3),\n"
      "                        stress_gpa (Voigt), pressure_gpa; for a\n"
      "                        committee committee_size,\n"
      "                        committee_force_deviation_max_ev_a,\n"
      "                        committee_energy_deviation_per_atom_ev; for a\n"
      "                        model that records its training data\n"
      "                        outside_training_domain (true/false); with\n"
      "                        --per-atom also atom_energies_ev and (for a\n"
      "                        committee) committee_atom_force_deviation_ev_a\n"
      "  --per-atom            also print each atom's energy (eV) (default:\n"
      "                        off)\n"
      "  -h, --help            this text\n"
      "\n"
      "A network model that records the range of its training data warns (on\n"
      "standard error) when the structure lies outside it.\n"
      "\n"
      "Example:\n"
      "  nacre eval POSCAR --potential /usr/share/lammps/potentials/Cu_u3.eam\n");
}

static const char *symbol(int z) {
  const nacre_element *e = nacre_element_by_z(z);
  return e ? e->symbol : "X";
}

static int print_json(const nacre_evaluation *ev, int per_atom) {
  const nacre_structure *s = ev->s;
  const nacre_result *r = &ev->r;
  cJSON *root = cJSON_CreateObject();
  char formula[256], desc[512];
  nacre_structure_formula(s, formula, sizeof formula);
  nacre_potential_describe(ev->p, desc, sizeof desc);
  cJSON_AddNumberToObject(root, "natoms", s->natoms);
  cJSON_AddStringToObject(root, "formula", formula);
  cJSON *species = cJSON_AddArrayToObject(root, "species");
  for (int i = 0; i < s->natoms; i++)
    cJSON_AddItemToArray(species, cJSON_CreateString(symbol(s->numbers[i])));
  cJSON_AddNumberToObject(root, "volume_a3", nacre_structure_volume(s));
  cJSON_AddStringToObject(root, "potential", desc);
  cJSON_AddNumberToObject(root, "energy_ev", r->energy);
  cJSON_AddNumberToObject(root, "energy_per_atom_ev",
                          s->natoms ? r->energy / s->natoms : 0.0);
  cJSON *forces = cJSON_AddArrayToObject(root, "forces_ev_a");
  for (int i = 0; i < s->natoms; i++)
    cJSON_AddItemToArray(forces,
                         cJSON_CreateDoubleArray(&r->forces[3 * i], 3));
  double sg[6];
  for (int k = 0; k < 6; k++) sg[k] = r->stress[k] * NACRE_EV_A3_TO_GPA;
  cJSON_AddItemToObject(root, "stress_gpa", cJSON_CreateDoubleArray(sg, 6));
  cJSON_AddNumberToObject(root, "pressure_gpa", nacre_result_pressure_gpa(r));
  if (r->committee_size) {
    cJSON_AddNumberToObject(root, "committee_size", r->committee_size);
    cJSON_AddNumberToObject(root, "committee_force_deviation_max_ev_a",
                            r->committee_force_dev_max);
    cJSON_AddNumberToObject(root, "committee_energy_deviation_per_atom_ev",
                            r->committee_energy_dev_per_atom);
  }
  if (r->domain.known)
    cJSON_AddBoolToObject(root, "outside_training_domain",
                          nacre_domain_report_outside(&r->domain));
  if (per_atom) {
    cJSON_AddItemToObject(
        root, "atom_energies_ev",
        cJSON_CreateDoubleArray(r->atom_energies, s->natoms));
    if (r->committee_size)
      cJSON_AddItemToObject(root, "committee_atom_force_deviation_ev_a",
                            cJSON_CreateDoubleArray(r->atom_force_dev, s->natoms));
  }
  char *text = cJSON_Print(root);
  cJSON_Delete(root);
  if (!text) return CLI_FAILED;
  printf("%s\n", text);
  free(text);
  return CLI_OK;
}

static void print_table(const char *path, const nacre_evaluation *ev,
                        int per_atom) {
  const nacre_structure *s = ev->s;
  const nacre_result *r = &ev->r;
  char formula[256], desc[512], count[64];
  nacre_structure_formula(s, formula, sizeof formula);
  nacre_potential_describe(ev->p, desc, sizeof desc);
  printf("structure       %s (%s, %s, volume %.6f Å^3)\n", path, formula,
         cli_count(s->natoms, "atom", count), nacre_structure_volume(s));
  printf("potential       %s\n", desc);
  printf("energy          %.10f eV\n", r->energy);
  printf("energy/atom     %.10f eV\n", s->natoms ? r->energy / s->natoms : 0.0);
  printf("pressure        %.6f GPa (positive = compressive)\n",
         nacre_result_pressure_gpa(r));
  printf("stress (GPa)    %12s %12s %12s %12s %12s %12s  (positive = tensile)\n",
         "xx", "yy", "zz", "yz", "xz", "xy");
  printf("               ");
  for (int k = 0; k < 6; k++)
    printf(" %12.6f", r->stress[k] * NACRE_EV_A3_TO_GPA);
  printf("\n");
  if (r->committee_size) {
    int worst = 0;
    for (int i = 1; i < s->natoms; i++)
      if (r->atom_force_dev[i] > r->atom_force_dev[worst]) worst = i;
    printf("committee       %d members: largest atomic force deviation %.6f eV/Å "
           "(atom %d), energy deviation %.6f eV/atom\n",
           r->committee_size, r->committee_force_dev_max, worst + 1,
           r->committee_energy_dev_per_atom);
  }
  int dev = per_atom && r->committee_size;
  printf("\n%5s %-3s %16s %16s %16s%s%s\n", "atom", "el", "fx (eV/Å)",
         "fy (eV/Å)", "fz (eV/Å)", per_atom ? "       energy (eV)" : "",
         dev ? "  σ_f (eV/Å)" : "");
  for (int i = 0; i < s->natoms; i++) {
    printf("%5d %-3s %14.8f %14.8f %14.8f", i + 1, symbol(s->numbers[i]),
           r->forces[3 * i], r->forces[3 * i + 1], r->forces[3 * i + 2]);
    if (per_atom) printf(" %16.8f", r->atom_energies[i]);
    if (dev) printf(" %12.6f", r->atom_force_dev[i]);
    printf("\n");
  }
}

static int run(int argc, char **argv) {
  const char *structure = NULL, *spec = NULL;
  int json = 0, per_atom = 0;
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help();
      return CLI_OK;
    } else if (!strcmp(a, "-p") || !strcmp(a, "--potential")) {
      if (++k >= argc) return cli_usage("eval", "%s needs a value", a);
      spec = argv[k];
    } else if (!strncmp(a, "--potential=", 12)) {
      spec = a + 12;
    } else if (!strcmp(a, "--json")) {
      json = 1;
    } else if (!strcmp(a, "--per-atom")) {
      per_atom = 1;
    } else if (a[0] == '-' && a[1]) {
      return cli_usage("eval", "unknown option '%s'", a);
    } else if (!structure) {
      structure = a;
    } else {
      return cli_usage("eval", "unexpected argument '%s'", a);
    }
  }
  if (!structure) return cli_usage("eval", "no STRUCTURE given");
  if (!spec) return cli_usage("eval", "--potential SPEC is required");

  nacre_error err;
  nacre_error_clear(&err);
  nacre_evaluation ev;
  if (nacre_evaluate_file(structure, spec,
                          NACRE_WANT_ALL | NACRE_WANT_ATOM_ENERGIES, &ev, &err))
    return cli_fail("eval", &err);
  if (nacre_potential_note(ev.p))
    fprintf(stderr, "nacre eval: note: %s\n", nacre_potential_note(ev.p));
  char msg[1024];
  if (nacre_domain_counts_message(&ev.domain, "structures", msg, sizeof msg))
    fprintf(stderr, "nacre eval: warning: %s\n", msg);
  int rc = CLI_OK;
  if (json) rc = print_json(&ev, per_atom);
  else print_table(structure, &ev, per_atom);
  nacre_evaluation_free(&ev);
  return rc;
}

const nacre_command nacre_cmd_eval = {
    "eval", "energy, forces, stress and pressure of a structure", run};
