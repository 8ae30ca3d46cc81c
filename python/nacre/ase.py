"""nacre potentials as ASE calculators.

    from nacre.ase import NacreCalculator
    atoms.calc = NacreCalculator("Na.nn")
    atoms.get_potential_energy(), atoms.get_forces(), atoms.get_stress()

Results follow ASE's protocol and units: "energy" and "free_energy" (eV,
equal: a potential has no electronic entropy), "forces" (eV/Å), "stress"
(eV/Å³, Voigt xx yy zz yz xz xy, positive is tensile, as ASE's
get_stress; only for cells periodic in all three directions), "energies"
(per-atom energies, eV). A committee (SPEC committee:A,B,... or a committee
file) adds "committee_force_deviation_max_ev_a" (σ_f as DP-GEN defines
it), "committee_energy_deviation_per_atom_ev" and
"committee_atom_force_deviation_ev_a" (per atom), the names `nacre eval
--json` uses; a model that knows its training data adds
"outside_training_domain" and warns (nacre.OutsideTrainingDomain) the first
time a structure lies outside it.
"""
import numpy as np
from ase.calculators.calculator import (Calculator, PropertyNotImplementedError,
                                        all_changes)

from . import Potential

COMMITTEE_RESULTS = ["committee_force_deviation_max_ev_a",
                     "committee_energy_deviation_per_atom_ev",
                     "committee_atom_force_deviation_ev_a"]


class NacreCalculator(Calculator):
    """ASE calculator for any nacre potential SPEC (model file, MAISE
    model, EAM file, inline form such as "lj:epsilon=...,sigma=...,cutoff=...").

    potential: a SPEC string or path, or a nacre.Potential to share.
    skin: Verlet skin of the neighbour list, Å (None: nacre's default).
    """

    implemented_properties = ["energy", "free_energy", "forces", "stress",
                              "energies"]
    nolabel = True

    def __init__(self, potential, skin=None, **kwargs):
        Calculator.__init__(self, **kwargs)
        if isinstance(potential, Potential):
            self.potential = potential
        else:
            self.potential = Potential(potential, skin=skin)
        if self.potential.committee_size > 0:
            self.implemented_properties = (list(self.implemented_properties)
                                           + COMMITTEE_RESULTS)

    def calculate(self, atoms=None, properties=("energy",),
                  system_changes=all_changes):
        Calculator.calculate(self, atoms, properties, system_changes)
        atoms = self.atoms
        pbc = np.asarray(atoms.pbc, dtype=bool)
        want = {"energy", "forces", "energies"}
        # One evaluation gives everything; stress only where it is defined.
        if pbc.all():
            want.add("stress")
        elif "stress" in properties:
            raise PropertyNotImplementedError(
                "nacre: stress needs a cell periodic along a, b and c "
                "(pbc = %s)" % list(pbc))
        cell = np.asarray(atoms.cell[:], dtype=float)
        res = self.potential.calculate(atoms.positions, atoms.numbers,
                                       cell, pbc, tuple(sorted(want)))
        self.results["energy"] = res["energy"]
        self.results["free_energy"] = res["energy"]
        self.results["forces"] = res["forces"]
        self.results["energies"] = res["energies"]
        if "stress" in res:
            self.results["stress"] = res["stress"]
        for key in COMMITTEE_RESULTS + ["outside_training_domain"]:
            if key in res:
                self.results[key] = res[key]
