#!/usr/bin/python3
"""Reference densities of states from phonopy for given force constants.

usage: phonopy_dos.py CONFIG.json OUT.json

CONFIG holds the unit cell (cell rows in Å, fractional positions, element
symbols, masses in amu), nacre's supercell matrix (rows; phonopy's DIM is
its transpose), the path of a FORCE_CONSTANTS file in phonopy's compact
format, the Γ-centred mesh, the frequency grid [min, max, pitch] (THz) and
a Gaussian width (THz), and nacre's unit conversion to THz. phonopy computes, on the mesh without symmetry
reduction (as its projected DOS needs), the total and the atom-projected
DOS with the tetrahedron method and with Gaussian smearing. OUT holds the
frequency points and, for each method, the total DOS and the projected DOS
summed over the atoms of each element (in order of first appearance),
states per THz per unit cell.
"""
import json
import sys

import numpy as np
from phonopy import Phonopy
from phonopy.file_IO import parse_FORCE_CONSTANTS
from phonopy.structure.atoms import PhonopyAtoms


def per_species(symbols, pdos):
    order = list(dict.fromkeys(symbols))
    return [list(np.sum([pdos[i] for i, s in enumerate(symbols) if s == e], axis=0))
            for e in order]


def main():
    cfg = json.load(open(sys.argv[1]))
    unit = PhonopyAtoms(symbols=cfg["symbols"], cell=cfg["cell"],
                        scaled_positions=cfg["frac"], masses=cfg["masses"])
    # nacre's √(eV/Å²/amu)/2π in THz (CODATA 2018) in place of phonopy's
    # older VaspToTHz, which differs in the 7th digit
    ph = Phonopy(unit, supercell_matrix=np.array(cfg["supercell"]).T,
                 primitive_matrix=None, factor=cfg["thz_factor"])
    ph.force_constants = parse_FORCE_CONSTANTS(cfg["force_constants"])
    fmin, fmax, pitch = cfg["dos"]
    ph.run_mesh(cfg["mesh"], is_gamma_center=True, with_eigenvectors=True,
                is_mesh_symmetry=False)
    result = {}
    for name, sigma, tetra in (("tetrahedron", None, True),
                               ("gaussian", cfg["sigma_thz"], False)):
        ph.run_total_dos(sigma=sigma, freq_min=fmin, freq_max=fmax,
                         freq_pitch=pitch, use_tetrahedron_method=tetra)
        total = ph.get_total_dos_dict()
        ph.run_projected_dos(sigma=sigma, freq_min=fmin, freq_max=fmax,
                             freq_pitch=pitch, use_tetrahedron_method=tetra)
        proj = ph.get_projected_dos_dict()
        result["frequency_thz"] = list(total["frequency_points"])
        result[name] = {"total": list(total["total_dos"]),
                        "species": per_species(cfg["symbols"], proj["projected_dos"])}
    json.dump(result, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
