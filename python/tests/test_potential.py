"""nacre.Potential: the numbers of `nacre eval` (the same library reached
through the command line) to 1e-12 eV/atom, eV/Å and eV/Å³ for a MAISE
network, a two-species network, MAISE's Gupta model, EAM and Lennard-Jones;
per-atom energies sum to the energy; a cluster with no cell gives the
energy of the same cluster alone in a large periodic box; bad input raises
NacreError or ValueError naming the problem."""
import os

import numpy as np
import pytest

import nacre
from conftest import REPO, nacre_eval, shared_data

ase_io = pytest.importorskip("ase.io", reason="python3-ase is not installed")

TOL = 1e-12


def assert_same(res, ref, natoms, what):
    assert abs(res["energy"] - ref["energy"]) <= TOL * natoms, what
    assert np.abs(res["forces"] - ref["forces"]).max() <= TOL, what
    assert np.abs(res["stress"] - ref["stress"]).max() <= TOL, what
    assert np.abs(res["energies"] - ref["energies"]).max() <= TOL, what


def compare_file(path, index, spec):
    atoms = ase_io.read(path, index=index)
    pot = nacre.Potential(spec)
    res = pot.calculate(atoms.positions, atoms.numbers, atoms.cell[:], True)
    ref = nacre_eval("%s@%d" % (path, index), spec)
    assert_same(res, ref, len(atoms), "%s@%d with %s" % (path, index, spec))
    return atoms, res


def test_maise_network_matches_nacre_eval(na_model, na_fixture):
    n = len(ase_io.read(na_fixture, index=":"))
    assert n == 6
    for k in range(n):
        atoms, res = compare_file(na_fixture, k, na_model)
        # and MAISE's own numbers, to the 1e-8 eV/atom the fixtures support
        assert abs(res["energy"] - atoms.get_potential_energy()) < 1e-8 * len(atoms)


def test_two_species_network_matches_nacre_eval(tmp_path):
    model = shared_data("maise", "models", "nn_NaSn_d3_v1")
    rng = np.random.default_rng(3)
    from ase import Atoms
    frac = np.array([[0, 0, 0], [.5, .5, 0], [.5, 0, .5], [0, .5, .5],
                     [.5, .5, .5], [0, 0, .5], [0, .5, 0], [.5, 0, 0]])
    cell = np.array([[7.2, 0.1, 0], [0, 7.0, 0.2], [0.3, 0, 7.4]])
    atoms = Atoms("Na4Sn4", scaled_positions=frac, cell=cell, pbc=True)
    atoms.positions += rng.normal(scale=0.1, size=atoms.positions.shape)
    path = str(tmp_path / "nasn.xyz")
    ase_io.write(path, atoms, format="extxyz")
    compare_file(path, 0, model)


def test_classical_potentials_match_nacre_eval():
    cu = os.path.join(REPO, "examples", "Cu32.poscar")
    specs = ["lj:epsilon=0.2047,sigma=2.330,cutoff=6.0,shift=1",
             "morse:D=0.3429,alpha=1.3588,r0=2.866,cutoff=7.0"]
    eam = "/usr/share/lammps/potentials/Cu_u3.eam"
    if os.path.exists(eam):
        specs.append(eam)
    gupta = os.path.join(os.environ.get("NACRE_SHARED_DATA", os.path.join(
        REPO, "..", "shared", "data")), "maise", "models", "gp_Cu_d3_vp")
    if os.path.exists(gupta):
        specs.append(gupta)
    for spec in specs:
        compare_file(cu, 0, spec)


def test_atom_energies_sum_and_symbols(na_model, na_fixture):
    atoms = ase_io.read(na_fixture, index=3)
    pot = nacre.Potential(na_model)
    res = pot.calculate(atoms.positions, atoms.get_chemical_symbols(),
                        atoms.cell[:])
    assert abs(res["energies"].sum() - res["energy"]) < 1e-10
    assert pot.energy(atoms.positions, atoms.numbers, atoms.cell[:]) == res["energy"]
    assert np.array_equal(pot.forces(atoms.positions, atoms.numbers,
                                     atoms.cell[:]), res["forces"])
    assert pot.kind == "nn"
    assert pot.atomic_numbers == [11]
    assert 7.0 < pot.cutoff < 8.0


def test_cluster_without_cell_equals_cluster_in_a_box(na_model):
    rng = np.random.default_rng(7)
    # 13 atoms on a rattled icosahedron-sized cluster, 3.6 Å apart
    grid = np.array([[i, j, k] for i in range(3) for j in range(3)
                     for k in range(2)], dtype=float)[:13] * 3.6
    pos = grid + rng.normal(scale=0.05, size=grid.shape)
    pot = nacre.Potential(na_model)
    free = pot.calculate(pos, [11] * 13, None, False,
                         ("energy", "forces", "energies"))
    box = np.eye(3) * 40.0  # far beyond twice the 7.5 Å cutoff
    boxed = pot.calculate(pos + 10.0, [11] * 13, box, True,
                          ("energy", "forces", "energies"))
    assert abs(free["energy"] - boxed["energy"]) < 1e-12 * 13
    assert np.abs(free["forces"] - boxed["forces"]).max() < 1e-12
    assert abs(free["forces"].sum(axis=0)).max() < 1e-12  # no net force


def test_errors_name_the_problem(na_model, tmp_path):
    with pytest.raises(nacre.NacreError) as e:
        nacre.Potential(str(tmp_path / "missing.nn"))
    assert "missing.nn" in str(e.value)
    bad = tmp_path / "bad_model"
    bad.write_text("this is not a potential\n")
    with pytest.raises(nacre.NacreError) as e:
        nacre.Potential(str(bad))
    assert "bad_model" in str(e.value)
    pot = nacre.Potential(na_model)
    cell = np.eye(3) * 4.2
    with pytest.raises(nacre.NacreError) as e:  # no Cu in a Na model
        pot.energy([[0, 0, 0]], [29], cell)
    assert "Cu" in str(e.value)
    with pytest.raises(nacre.NacreError) as e:  # stress of a cluster
        pot.calculate([[0, 0, 0], [3, 0, 0]], [11, 11], None, False,
                      ("stress",))
    assert "periodic" in str(e.value)
    with pytest.raises(ValueError):
        pot.energy([[0, 0, 0]], [11, 11], cell)
    with pytest.raises(ValueError):
        pot.energy([0, 0, 0], [11], cell)
    with pytest.raises(ValueError):
        pot.energy([[0, 0, 0]], ["Xx"], cell)
    with pytest.raises(ValueError):
        pot.energy([[0, 0, 0]], [11], None, True)
    pot.close()
    with pytest.raises(ValueError):
        pot.energy([[0, 0, 0]], [11], cell)


def test_library_is_the_one_this_package_was_written_for():
    assert nacre.library_version() == nacre.__version__
