#!/usr/bin/python3
"""Compares nacre's standard band paths with ASE's.

usage: ase_bandpath.py CASES.json

Each case holds a cell (rows, Å), one atom per lattice point is assumed by
nothing here: ASE looks only at the cell (its Bravais lattice), so the case
also gives the lattice nacre found from the space group, nacre's path, and
nacre's special points in reduced coordinates of the cell's reciprocal
lattice. A point agrees when R·q_nacre equals q_ase up to a reciprocal
lattice vector for some rotation R of the lattice (spglib on the bare
lattice). Prints one line per case; exit status 1 when any disagrees.
"""
import json
import sys

import numpy as np
import spglib
from ase.cell import Cell


def equivalent(q1, q2, rotations):
    for r in rotations:
        # reciprocal reduced coordinates transform with R^T for x' = R x
        d = r.T @ q1 - q2
        if np.allclose(d, np.round(d), atol=1e-6):
            return True
    return False


def main():
    cases = json.load(open(sys.argv[1]))
    bad = 0
    for case in cases:
        cell = Cell(np.array(case["cell"]))
        lat = cell.get_bravais_lattice()
        bp = cell.bandpath(npoints=0)
        sym = spglib.get_symmetry((cell.array, [[0, 0, 0]], [1]), symprec=1e-5)
        rots = sym["rotations"]
        problems = []
        if lat.variant != case["lattice"]:
            problems.append("lattice %s, ASE %s" % (case["lattice"], lat.variant))
        if bp.path != case["path"]:
            problems.append("path %s, ASE %s" % (case["path"], bp.path))
        for label, q in case["points"].items():
            if label not in bp.special_points:
                problems.append("ASE has no point %s" % label)
            elif not equivalent(np.array(q), bp.special_points[label], rots):
                problems.append("%s: %s vs ASE %s" % (label, np.round(q, 6).tolist(),
                                                      np.round(bp.special_points[label], 6).tolist()))
        for label in bp.special_points:
            if label not in case["points"]:
                problems.append("nacre has no point %s" % label)
        print("%-8s %-6s %s" % (case["name"], case["lattice"],
                                "agrees with ASE" if not problems else "; ".join(problems)))
        bad += bool(problems)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
