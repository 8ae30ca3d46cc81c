"""Committee deviations and the training domain through Python: for a
committee of two Lennard-Jones potentials the mean, σ_f (DP-GEN's
max_devi_f), the per-atom force deviations and the energy deviation per
atom equal what the members evaluated one by one give (1e-12), and the
numbers of `nacre eval --json --per-atom`; the ASE calculator serves them
as results; a MAISE network warns (OutsideTrainingDomain) for a cell
compressed beyond its training data and not for one inside it."""
import json
import subprocess
import warnings

import numpy as np
import pytest

import nacre
from conftest import nacre_cli

ase_io = pytest.importorskip("ase.io", reason="python3-ase is not installed")
from ase.build import bulk  # noqa: E402

from nacre.ase import NacreCalculator  # noqa: E402

MEMBERS = ["lj:epsilon=0.2047,sigma=2.330,cutoff=6.0",
           "lj:epsilon=0.2200,sigma=2.300,cutoff=6.0"]


def committee_file(tmp_path):
    path = tmp_path / "committee.json"
    path.write_text(json.dumps({"format": "nacre-committee", "version": 1,
                                "members": MEMBERS}))
    return str(path)


def test_committee_deviations(tmp_path):
    spec = committee_file(tmp_path)
    atoms = bulk("Cu", "fcc", a=3.7, cubic=True).repeat(2)
    atoms.rattle(0.08, seed=3)
    pot = nacre.Potential(spec)
    assert pot.committee_size == 2
    res = pot.calculate(atoms.positions, atoms.numbers, atoms.cell[:])
    members = [nacre.Potential(m).calculate(atoms.positions, atoms.numbers,
                                            atoms.cell[:]) for m in MEMBERS]
    f = np.array([m["forces"] for m in members])
    e = np.array([m["energy"] for m in members])
    assert abs(res["energy"] - e.mean()) < 1e-12
    assert np.abs(res["forces"] - f.mean(axis=0)).max() < 1e-12
    dev = np.sqrt(((f - f.mean(axis=0)) ** 2).sum(axis=2).mean(axis=0))
    assert np.abs(res["committee_atom_force_deviation_ev_a"] - dev).max() < 1e-12
    assert abs(res["committee_force_deviation_max_ev_a"] - dev.max()) < 1e-12
    assert dev.max() > 0.01
    assert abs(res["committee_energy_deviation_per_atom_ev"]
               - e.std() / len(atoms)) < 1e-12

    path = str(tmp_path / "cu.xyz")
    ase_io.write(path, atoms, format="extxyz")
    atoms = ase_io.read(path)
    res = pot.calculate(atoms.positions, atoms.numbers, atoms.cell[:])
    out = subprocess.run([nacre_cli(), "eval", path, "--potential", spec,
                          "--json", "--per-atom"], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    ref = json.loads(out.stdout)
    for key in ["committee_force_deviation_max_ev_a",
                "committee_energy_deviation_per_atom_ev"]:
        assert abs(res[key] - ref[key]) < 1e-12, key
    assert np.abs(res["committee_atom_force_deviation_ev_a"]
                  - np.array(ref["committee_atom_force_deviation_ev_a"])).max() < 1e-12

    atoms.calc = NacreCalculator(pot)
    assert atoms.calc.get_property("committee_force_deviation_max_ev_a",
                                   atoms) == res["committee_force_deviation_max_ev_a"]
    assert np.array_equal(atoms.calc.results["committee_atom_force_deviation_ev_a"],
                          res["committee_atom_force_deviation_ev_a"])


def test_training_domain_warning(na_model):
    pot = nacre.Potential(na_model)
    inside = bulk("Na", "bcc", a=4.23, cubic=True).repeat(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning inside the domain
        res = pot.calculate(inside.positions, inside.numbers, inside.cell[:])
    assert res["outside_training_domain"] is False
    squeezed = bulk("Na", "bcc", a=2.7, cubic=True).repeat(2)
    squeezed.calc = NacreCalculator(pot)
    with pytest.warns(nacre.OutsideTrainingDomain, match="extrapolations"):
        squeezed.get_potential_energy()
    assert squeezed.calc.results["outside_training_domain"] is True
    assert pot.evaluations == 2 and pot.evaluations_outside == 1
