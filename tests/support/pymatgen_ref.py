"""pymatgen side of nacre's thermo and Ewald tests (run with the Debian
/usr/bin/python3, which sees python3-pymatgen).

    pymatgen_ref.py ewald IN.json OUT.json
        IN: {"structures": [{"cell", "numbers", "positions" (Cartesian Å),
        "charges"} ...]}. OUT: a list of EwaldSummation's total, real,
        reciprocal, point and charged energies (eV), η, forces (eV/Å) and
        site energies (eV), one per structure.
    pymatgen_ref.py hull IN.json OUT.json
        IN: {"entries": [{"formula", "energy_ev"} ...]} (total energies).
        OUT: per entry the formation energy per atom, the energy above the
        hull per atom and the decomposition {entry index: fraction}.
    pymatgen_ref.py order IN.json OUT.json
        IN: a structure as for ewald with "occupancy": per site a list of
        [symbol, oxidation state, fraction]. OUT: "energies", the Ewald
        energies (eV per cell) of every ordering of the cell that
        OrderDisorderedStructureTransformation lists, sorted.
    pymatgen_ref.py xrd IN.json OUT.json
        IN: {"structures": [...]}, each a structure as for ewald (without
        charges) with "wavelength_a" and "two_theta_range". OUT: a list of
        XRDCalculator's 2θ, intensities (max 100), d spacings.
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")


def structure(d):
    from pymatgen.core import Lattice, Structure

    return Structure(Lattice(d["cell"]), d["numbers"], d["positions"],
                     coords_are_cartesian=True)


def ewald(d):
    return [ewald_one(x) for x in d["structures"]]


def ewald_one(d):
    from pymatgen.analysis.ewald import EwaldSummation

    s = structure(d)
    s.add_oxidation_state_by_site(d["charges"])
    e = EwaldSummation(s, acc_factor=d.get("acc_factor", 12.0), compute_forces=True)
    out = {
        "total": e.total_energy,
        "real": e.real_space_energy,
        "reciprocal": e.reciprocal_space_energy,
        "point": e.point_energy,
        "charged": float(e._charged_cell_energy),
        "forces": e.forces.tolist(),
        "eta": e.eta,
    }
    if abs(sum(d["charges"])) < 1e-8:
        out["site_energies"] = [e.get_site_energy(i) for i in range(len(s))]
    return out


def hull(d):
    from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
    from pymatgen.core import Composition

    entries = [PDEntry(Composition(x["formula"]), x["energy_ev"], name=str(i))
               for i, x in enumerate(d["entries"])]
    pd = PhaseDiagram(entries)
    out = []
    for e in entries:
        decomp, ehull = pd.get_decomp_and_e_above_hull(e, allow_negative=True)
        out.append({
            "formation_energy_per_atom_ev": pd.get_form_energy_per_atom(e),
            "e_above_hull_ev": ehull,
            "decomposition": {k.name: v for k, v in decomp.items()},
        })
    return {"entries": out,
            "stable": sorted(int(e.name) for e in pd.stable_entries)}


def order(d):
    from pymatgen.core import Lattice, Species, Structure
    from pymatgen.transformations.standard_transformations import (
        OrderDisorderedStructureTransformation)

    species = [{Species(el, ox): f for el, ox, f in occ} for occ in d["occupancy"]]
    s = Structure(Lattice(d["cell"]), species, d["positions"],
                  coords_are_cartesian=True)
    t = OrderDisorderedStructureTransformation(algo=2)
    res = t.apply_transformation(s, return_ranked_list=10 ** 7)
    return {"energies": sorted(r["energy"] for r in res)}


def xrd(d):
    return [xrd_one(x) for x in d["structures"]]


def xrd_one(d):
    from pymatgen.analysis.diffraction.xrd import XRDCalculator

    s = structure(d)
    calc = XRDCalculator(wavelength=d.get("wavelength_a", "CuKa"))
    p = calc.get_pattern(s, two_theta_range=tuple(d.get("two_theta_range", (0, 90))))
    return {"two_theta": list(map(float, p.x)), "intensity": list(map(float, p.y)),
            "d": list(map(float, p.d_hkls))}


def main():
    what, src, dst = sys.argv[1:4]
    d = json.load(open(src))
    out = {"ewald": ewald, "hull": hull, "order": order, "xrd": xrd}[what](d)
    with open(dst, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
