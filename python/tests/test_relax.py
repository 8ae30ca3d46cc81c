"""nacre.relax on ASE atoms: the same relaxation as `nacre relax` (same
steps, enthalpy to 1e-9 eV, positions and cell to 1e-7 Å), converged under
pressure (the final stress equals −P to smax), the atoms updated in place;
keeping the symmetry keeps the space group; bad arguments raise."""
import json
import subprocess

import numpy as np
import pytest

import nacre
from conftest import nacre_cli

ase_io = pytest.importorskip("ase.io", reason="python3-ase is not installed")
from ase.build import bulk  # noqa: E402


def test_relax_matches_nacre_relax(na_model, tmp_path):
    start = bulk("Na", "bcc", a=4.0, cubic=True).repeat(2)
    start.rattle(0.05, seed=1)
    path = str(tmp_path / "na16.xyz")
    ase_io.write(path, start, format="extxyz")
    out = str(tmp_path / "relaxed.xyz")
    run = subprocess.run([nacre_cli(), "relax", path, "--potential", na_model,
                          "--pressure", "10", "--json", "-o", out],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    ref = json.loads(run.stdout)
    ref_atoms = ase_io.read(out)

    atoms = ase_io.read(path)  # the same numbers as the command read
    res = nacre.relax(atoms, na_model, pressure_gpa=10.0)
    assert res["outcome"] == "converged" == ref["outcome"]
    assert res["force_calls"] == ref["force_calls"]
    assert abs(res["enthalpy"] - ref["enthalpy_ev"]) < 1e-9
    assert np.abs(atoms.cell[:] - ref_atoms.cell[:]).max() < 1e-7
    assert np.abs(atoms.positions - ref_atoms.positions).max() < 1e-7
    # converged under 10 GPa: σ = −P·I within smax (0.01 GPa)
    gpa = 160.21766340
    s = res["stress"] * gpa
    assert np.abs(s[:3] + 10.0).max() < 0.01 and np.abs(s[3:]).max() < 0.01
    assert res["fmax"] <= 0.01
    assert abs(atoms.get_volume() - res["volume"]) < 1e-9


def test_relax_keeps_symmetry_and_checks_arguments(na_model):
    atoms = bulk("Na", "fcc", a=5.0, cubic=True)
    pot = nacre.Potential(na_model)
    res = nacre.relax(atoms, pot, pressure_gpa=5.0, symprec=0.01,
                      fmax=1e-3, smax_gpa=1e-3)
    assert res["outcome"] == "converged"
    a = atoms.cell.cellpar()
    assert np.allclose(a[:3], a[0], atol=1e-8) and np.allclose(a[3:], 90, atol=1e-8)
    with pytest.raises(nacre.NacreError) as e:
        nacre.relax(atoms, pot, mode="sideways")
    assert "sideways" in str(e.value)
