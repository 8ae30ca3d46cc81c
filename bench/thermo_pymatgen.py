"""pymatgen baselines for bench_thermo (run with the Debian /usr/bin/python3).

    thermo_pymatgen.py IN.json OUT.json

IN: {"hull": {"entries": [{"formula", "energy_ev"}]},
     "xrd": structure, "ewald": structure with "charges",
     "order": structure with "occupancy" (per site [symbol, oxidation, fraction])}
(any subset). OUT: seconds each took inside Python (imports excluded) and a
figure to check the two codes computed the same thing.
"""
import json
import sys
import time
import warnings

warnings.filterwarnings("ignore")


def structure(d, species=None):
    from pymatgen.core import Lattice, Structure

    return Structure(Lattice(d["cell"]), species or d["numbers"], d["positions"],
                     coords_are_cartesian=True)


def hull(d):
    from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
    from pymatgen.core import Composition

    entries = [PDEntry(Composition(x["formula"]), x["energy_ev"]) for x in d["entries"]]
    t0 = time.perf_counter()
    pd = PhaseDiagram(entries)
    worst = max(pd.get_e_above_hull(e) for e in entries)
    return {"seconds": time.perf_counter() - t0, "stable": len(pd.stable_entries),
            "largest_above_hull_ev": worst}


def xrd(d):
    from pymatgen.analysis.diffraction.xrd import XRDCalculator

    s = structure(d)
    t0 = time.perf_counter()
    p = XRDCalculator().get_pattern(s)
    return {"seconds": time.perf_counter() - t0, "peaks": len(p.x)}


def ewald(d):
    from pymatgen.analysis.ewald import EwaldSummation

    s = structure(d)
    s.add_oxidation_state_by_site(d["charges"])
    t0 = time.perf_counter()
    e = EwaldSummation(s).total_energy
    return {"seconds": time.perf_counter() - t0, "energy_ev": e}


def order(d):
    from pymatgen.core import Species
    from pymatgen.transformations.standard_transformations import (
        OrderDisorderedStructureTransformation)

    s = structure(d, [{Species(el, ox): f for el, ox, f in occ} for occ in d["occupancy"]])
    t0 = time.perf_counter()
    res = OrderDisorderedStructureTransformation(algo=2).apply_transformation(
        s, return_ranked_list=10 ** 7)
    return {"seconds": time.perf_counter() - t0, "assignments": len(res),
            "lowest_ev": min(r["energy"] for r in res)}


def main():
    d = json.load(open(sys.argv[1]))
    out = {k: f(d[k]) for k, f in (("hull", hull), ("xrd", xrd), ("ewald", ewald),
                                   ("order", order)) if k in d}
    json.dump(out, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
