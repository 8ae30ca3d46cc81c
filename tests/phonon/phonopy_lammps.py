#!/usr/bin/python3
"""Reference phonons from phonopy with forces from LAMMPS.

usage: phonopy_lammps.py CONFIG.json OUT.json

CONFIG holds the unit cell (cell rows in Å, fractional positions, element
symbols), nacre's supercell matrix (rows; phonopy's DIM is its transpose),
the displacement amplitude (Å), LAMMPS pair commands, the wave vectors, the
mesh and the temperatures. phonopy chooses the displacements, LAMMPS
(`lmp`, run 0 per displaced supercell) gives the forces, phonopy makes the
force constants (with its sum-rule symmetrisation), frequencies and
thermal properties. OUT holds the frequencies (THz) at each q, the
vibrational free energy, entropy and heat capacity per atom at each
temperature (eV, k_B), the number of displacements, and the force
constants are written in phonopy's FORCE_CONSTANTS format beside OUT.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from phonopy import Phonopy
from phonopy.file_IO import write_FORCE_CONSTANTS
from phonopy.structure.atoms import PhonopyAtoms
from phonopy.units import EvTokJmol, Kb


def lammps_frame(cell):
    """Rotation Q with cell·Q lower triangular (a along x, b in the xy plane)."""
    q, r = np.linalg.qr(np.asarray(cell).T)
    signs = np.sign(np.diag(r))
    signs[signs == 0] = 1
    return q * signs


def lammps_forces(cell, frac, pair_commands, workdir):
    """Forces (eV/Å, the frame of cell) from one LAMMPS run of the cell."""
    return lammps_run(cell, frac, pair_commands, workdir)[1]


def lammps_run(cell, frac, pair_commands, workdir):
    """Energy (eV) and forces (eV/Å, the frame of cell) from one LAMMPS run."""
    q = lammps_frame(cell)
    lat = np.asarray(cell) @ q
    cart = np.asarray(frac) @ lat
    with open(os.path.join(workdir, "data.lmp"), "w") as f:
        f.write("phonon supercell\n\n%d atoms\n1 atom types\n\n" % len(frac))
        f.write("0 %.16f xlo xhi\n0 %.16f ylo yhi\n0 %.16f zlo zhi\n" %
                (lat[0, 0], lat[1, 1], lat[2, 2]))
        f.write("%.16f %.16f %.16f xy xz yz\n\nMasses\n\n1 63.546\n\nAtoms\n\n" %
                (lat[1, 0], lat[2, 0], lat[2, 1]))
        for i, x in enumerate(cart):
            f.write("%d 1 %.16f %.16f %.16f\n" % (i + 1, x[0], x[1], x[2]))
    with open(os.path.join(workdir, "in.lmp"), "w") as f:
        f.write("units metal\natom_style atomic\nboundary p p p\n"
                "box tilt large\nread_data data.lmp\n%s\n"
                "thermo_style custom step pe\nthermo_modify format float %%.17g norm no\n"
                "dump d all custom 1 forces.dump id fx fy fz\n"
                "dump_modify d sort id format float %%.17g\nrun 0\n" % pair_commands)
    subprocess.run(["lmp", "-nocite", "-in", "in.lmp", "-log", "log.lammps",
                    "-screen", "none"], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    forces = np.zeros((len(frac), 3))
    with open(os.path.join(workdir, "forces.dump")) as f:
        lines = f.read().splitlines()
    start = lines.index(next(l for l in lines if l.startswith("ITEM: ATOMS"))) + 1
    for line in lines[start:start + len(frac)]:
        w = line.split()
        forces[int(w[0]) - 1] = [float(v) for v in w[1:4]]
    with open(os.path.join(workdir, "log.lammps")) as f:
        log = f.read().splitlines()
    head = next(i for i, l in enumerate(log) if l.split()[:2] == ["Step", "PotEng"])
    energy = float(log[head + 1].split()[1])
    return energy, forces @ q.T


def main():
    cfg = json.load(open(sys.argv[1]))
    out = sys.argv[2]
    unit = PhonopyAtoms(symbols=cfg["symbols"], cell=cfg["cell"],
                        scaled_positions=cfg["frac"])
    ph = Phonopy(unit, supercell_matrix=np.array(cfg["supercell"]).T,
                 primitive_matrix=None)
    ph.generate_displacements(distance=cfg["displacement"], is_plusminus="auto")
    forces = []
    with tempfile.TemporaryDirectory() as work:
        for sc in ph.supercells_with_displacements:
            forces.append(lammps_forces(sc.cell, sc.scaled_positions,
                                        cfg["pair"], work))
    ph.forces = forces
    ph.produce_force_constants()
    ph.symmetrize_force_constants()
    write_FORCE_CONSTANTS(ph.force_constants,
                          os.path.join(os.path.dirname(out), "FORCE_CONSTANTS.phonopy"),
                          p2s_map=ph.primitive.p2s_map)
    natoms = len(cfg["symbols"])
    result = {"ndisplacements": len(forces),
              "frequencies_thz": [list(ph.get_frequencies(q)) for q in cfg["qpoints"]]}
    ph.run_mesh(cfg["mesh"], is_gamma_center=True)
    ph.run_thermal_properties(temperatures=cfg["temperatures"],
                              cutoff_frequency=cfg["cutoff_thz"])
    tp = ph.get_thermal_properties_dict()
    # phonopy: free energy in kJ/mol, entropy and heat capacity in J/K/mol
    # of unit cells
    per_atom = EvTokJmol * natoms
    result["vibrational_free_energy_per_atom_ev"] = list(tp["free_energy"] / per_atom)
    result["entropy_per_atom_kb"] = list(tp["entropy"] / 1000 / per_atom / Kb)
    result["heat_capacity_per_atom_kb"] = list(tp["heat_capacity"] / 1000 / per_atom / Kb)
    ph.run_total_dos(use_tetrahedron_method=True, freq_min=cfg["dos"][0],
                     freq_max=cfg["dos"][1], freq_pitch=cfg["dos"][2])
    dos = ph.get_total_dos_dict()
    result["dos_frequency_thz"] = list(dos["frequency_points"])
    result["dos_states_per_thz"] = list(dos["total_dos"])
    json.dump(result, open(out, "w"), indent=1)


if __name__ == "__main__":
    main()
