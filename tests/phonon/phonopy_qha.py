#!/usr/bin/python3
"""Reference quasi-harmonic results from phonopy with energies and forces
from LAMMPS.

usage: phonopy_qha.py CONFIG.json OUT.json

CONFIG: the unit cell (cell rows in Å, fractional positions, symbols),
nacre's supercell matrix, the displacement, LAMMPS pair commands, the
volume ratios (cells scaled isotropically: the test uses a one-atom cubic
cell, which has nothing to relax), the mesh, the temperatures and the
pressures (GPa). For each volume LAMMPS gives the static energy and the
forces of phonopy's displaced supercells; phonopy's QHA (third-order
Birch-Murnaghan, the form nacre fits) gives V(T), G(T), B(T) and the
thermal expansion at each pressure. Energies per unit cell of one atom.
"""
import json
import os
import sys
import tempfile

import numpy as np
from phonopy import Phonopy, PhonopyQHA
from phonopy.structure.atoms import PhonopyAtoms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from phonopy_lammps import lammps_run  # noqa: E402


def main():
    cfg = json.load(open(sys.argv[1]))
    cell0 = np.array(cfg["cell"])
    volumes, energies, fe, cv, entropy = [], [], [], [], []
    temps = cfg["temperatures"]
    with tempfile.TemporaryDirectory() as work:
        for ratio in cfg["volume_ratios"]:
            cell = cell0 * ratio ** (1.0 / 3)
            unit = PhonopyAtoms(symbols=cfg["symbols"], cell=cell,
                                scaled_positions=cfg["frac"])
            e, _ = lammps_run(cell, cfg["frac"], cfg["pair"], work)
            ph = Phonopy(unit, supercell_matrix=np.array(cfg["supercell"]).T,
                         primitive_matrix=None)
            ph.generate_displacements(distance=cfg["displacement"], is_plusminus="auto")
            ph.forces = [lammps_run(sc.cell, sc.scaled_positions, cfg["pair"], work)[1]
                         for sc in ph.supercells_with_displacements]
            ph.produce_force_constants()
            ph.symmetrize_force_constants()
            ph.run_mesh(cfg["mesh"], is_gamma_center=True)
            ph.run_thermal_properties(temperatures=temps, cutoff_frequency=cfg["cutoff_thz"])
            tp = ph.get_thermal_properties_dict()
            volumes.append(abs(np.linalg.det(cell)))
            energies.append(e)
            fe.append(tp["free_energy"])
            cv.append(tp["heat_capacity"])
            entropy.append(tp["entropy"])
    result = {"volumes_a3": volumes, "energies_ev": energies, "pressures": []}
    for p in cfg["pressures"]:
        qha = PhonopyQHA(volumes=volumes, electronic_energies=energies, temperatures=temps,
                         free_energy=np.array(fe).T, cv=np.array(cv).T,
                         entropy=np.array(entropy).T, pressure=p, eos="birch_murnaghan")
        n = len(qha.volume_temperature)
        result["pressures"].append({
            "pressure_gpa": p,
            "temperature_k": list(temps[:n]),
            "volume_a3": list(qha.volume_temperature),
            "gibbs_ev": list(qha.gibbs_temperature),
            "bulk_modulus_gpa": list(qha.bulk_modulus_temperature),
            "thermal_expansion_per_k": list(qha.thermal_expansion),
        })
    with open(sys.argv[2], "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
