"""ASE side of tests/io/test_ase.c (run with the Debian /usr/bin/python3).

    ase_interop.py read OUT.json FILE[:FORMAT] ...
        reads every frame of each file with ase.io.read and dumps them;
    ase_interop.py write DIR
        writes ase.extxyz, ase.vasp and ase.cif into DIR, and DIR/ase.json
        with what they hold (for the CIF: what ASE reads back from it).
"""
import json
import sys

import numpy as np
import ase.io
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.constraints import FixAtoms


def frame_dict(atoms):
    d = {
        "numbers": atoms.numbers.tolist(),
        "cell": atoms.cell.array.tolist(),
        "positions": atoms.positions.tolist(),
        "pbc": [bool(x) for x in atoms.pbc],
        "arrays": {},
        "info": {},
    }
    calc = atoms.calc
    results = calc.results if calc is not None else {}
    for key in ("energy", "free_energy"):
        d[key] = float(results[key]) if key in results else None
    d["forces"] = results["forces"].tolist() if "forces" in results else None
    if "stress" in results:
        s = np.asarray(results["stress"], float)
        if s.shape == (3, 3):
            s = s[[0, 1, 2, 1, 0, 0], [0, 1, 2, 2, 2, 1]]
        d["stress"] = s.tolist()
    else:
        d["stress"] = None
    for name, arr in atoms.arrays.items():
        if name in ("numbers", "positions"):
            continue
        d["arrays"][name] = np.asarray(arr).tolist()
    for key, value in atoms.info.items():
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, (str, int, float, bool)):
            d["info"][key] = value
    fixed = [0] * len(atoms)
    for c in atoms.constraints:
        if isinstance(c, FixAtoms):
            for i in c.index:
                fixed[int(i)] = 1
    d["fixed"] = fixed
    return d


def read(out, files):
    result = []
    for spec in files:
        path, _, fmt = spec.partition(":")
        frames = ase.io.read(path, index=":", format=fmt or None)
        result.append([frame_dict(a) for a in frames])
    with open(out, "w") as f:
        json.dump(result, f)


def sample(seed, pbc):
    rng = np.random.RandomState(seed)
    cell = np.diag([4.1, 4.3, 5.2]) + 0.3 * rng.rand(3, 3)
    atoms = Atoms("Na2ClMg", cell=cell, pbc=pbc)
    atoms.set_scaled_positions(rng.rand(4, 3))
    atoms.calc = SinglePointCalculator(
        atoms, energy=-7.123456789, free_energy=-7.2,
        forces=rng.randn(4, 3), stress=0.01 * rng.randn(6))
    atoms.arrays["charges"] = rng.randn(4)
    atoms.arrays["tags"] = np.arange(4) - 1
    atoms.info["config_type"] = "ase written"
    atoms.info["step"] = 7
    return atoms


def write(directory):
    a = sample(1, True)
    b = sample(2, [True, True, False])
    ase.io.write(directory + "/ase.extxyz", [a, b], format="extxyz")
    c = sample(3, True)
    c.calc = None
    c.set_constraint(FixAtoms(indices=[1, 2]))
    ase.io.write(directory + "/ase.vasp", c, format="vasp", direct=True,
                 vasp5=True)
    d = sample(4, True)
    d.calc = None
    ase.io.write(directory + "/ase.cif", d)
    # what the files hold, as ASE reads them back (ASE rounds on writing)
    xyz = ase.io.read(directory + "/ase.extxyz", index=":")
    vasp = ase.io.read(directory + "/ase.vasp", format="vasp")
    cif = ase.io.read(directory + "/ase.cif")
    with open(directory + "/ase.json", "w") as f:
        json.dump({"extxyz": [frame_dict(x) for x in xyz],
                   "vasp": frame_dict(vasp), "cif": frame_dict(cif)}, f)


if __name__ == "__main__":
    if sys.argv[1] == "read":
        read(sys.argv[2], sys.argv[3:])
    else:
        write(sys.argv[2])
