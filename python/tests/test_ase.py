"""nacre.ase.NacreCalculator under ASE's calculator protocol: the results
are nacre.Potential's; energy == free_energy; forces equal ASE's own
central differences of the energy and stress ASE's numerical strain
derivative (its sign convention included: compression gives negative
stress); ASE's VelocityVerlet with a MAISE Na network conserves energy;
properties the calculator cannot give raise PropertyNotImplementedError."""
import numpy as np
import pytest

pytest.importorskip("ase", reason="python3-ase is not installed")
from ase.build import bulk  # noqa: E402
from ase.calculators.calculator import PropertyNotImplementedError  # noqa: E402

import nacre  # noqa: E402
from nacre.ase import NacreCalculator  # noqa: E402


def rattled_na(n=2, a=4.23, seed=1, scale=0.08):
    atoms = bulk("Na", "bcc", a=a, cubic=True).repeat(n)
    rng = np.random.default_rng(seed)
    atoms.positions += rng.normal(scale=scale, size=atoms.positions.shape)
    atoms.set_cell(atoms.cell[:] @ (np.eye(3) + 0.01 * rng.normal(size=(3, 3))),
                   scale_atoms=True)
    return atoms


def test_results_are_the_potentials(na_model):
    atoms = rattled_na()
    calc = NacreCalculator(na_model)
    atoms.calc = calc
    e = atoms.get_potential_energy()
    pot = nacre.Potential(na_model)
    ref = pot.calculate(atoms.positions, atoms.numbers, atoms.cell[:])
    assert e == ref["energy"]
    assert atoms.get_potential_energy(force_consistent=True) == e
    assert np.array_equal(atoms.get_forces(), ref["forces"])
    assert np.array_equal(atoms.get_stress(), ref["stress"])
    assert np.array_equal(atoms.get_potential_energies(), ref["energies"])
    assert np.allclose(atoms.get_stress(voigt=False),
                       atoms.get_stress(voigt=False).T, atol=0)
    # a shared Potential object gives the same
    atoms.calc = NacreCalculator(pot)
    assert atoms.get_potential_energy() == e


def test_forces_and_stress_are_derivatives(na_model):
    atoms = rattled_na(seed=2)
    calc = NacreCalculator(na_model)
    atoms.calc = calc
    f = atoms.get_forces()
    # Central differences, error O(d^2 f''') ~ 1e-8 and rounding ~1e-10.
    fnum = calc.calculate_numerical_forces(atoms, d=1e-4)
    assert np.abs(f - fnum).max() < 1e-6
    s = atoms.get_stress()
    snum = calc.calculate_numerical_stress(atoms, d=1e-5)
    assert np.abs(s - snum).max() < 1e-7  # eV/Å³ (1.6e-5 GPa)


def test_stress_sign_is_ases(na_model):
    atoms = bulk("Na", "bcc", a=3.6, cubic=True)  # strongly compressed
    atoms.calc = NacreCalculator(na_model)
    s = atoms.get_stress()
    assert -s[:3].mean() > 1.0 * 0.00624  # pressure above 1 GPa
    atoms = bulk("Na", "bcc", a=4.8, cubic=True)  # stretched
    atoms.calc = NacreCalculator(na_model)
    assert -atoms.get_stress()[:3].mean() < 0


def test_cluster_has_no_stress(na_model):
    from ase.cluster import Icosahedron
    atoms = Icosahedron("Na", 2, latticeconstant=4.23)
    atoms.calc = NacreCalculator(na_model)
    atoms.get_potential_energy()
    assert np.abs(atoms.get_forces().sum(axis=0)).max() < 1e-10
    with pytest.raises(PropertyNotImplementedError):
        atoms.get_stress()


def run_nve(model, timestep_fs, duration_fs):
    """Total energy per atom along an NVE run of bcc Na (54 atoms, 300 K)."""
    from ase import units
    from ase.md.velocitydistribution import (MaxwellBoltzmannDistribution,
                                             Stationary)
    from ase.md.verlet import VelocityVerlet
    atoms = bulk("Na", "bcc", a=4.23, cubic=True).repeat(3)
    atoms.calc = NacreCalculator(model)
    MaxwellBoltzmannDistribution(atoms, temperature_K=300,
                                 rng=np.random.RandomState(5))
    Stationary(atoms)
    dyn = VelocityVerlet(atoms, timestep=timestep_fs * units.fs)
    etot = []

    def record():
        etot.append(atoms.get_potential_energy() + atoms.get_kinetic_energy())

    dyn.attach(record, interval=1)
    dyn.run(int(round(duration_fs / timestep_fs)))
    return np.array(etot) / len(atoms), atoms.get_temperature()


def test_velocity_verlet_conserves_energy(na_model):
    e2, t2 = run_nve(na_model, 2.0, 400.0)
    e4, _ = run_nve(na_model, 4.0, 400.0)
    assert 50 < t2 < 400  # it moved (half the kinetic energy went potential)
    dev2, dev4 = np.abs(e2 - e2[0]).max(), np.abs(e4 - e4[0]).max()
    # Measured: 1.2e-5 and 4.8e-5 eV/atom. Verlet conserves a shadow
    # energy: the fluctuation scales as dt^2 (ratio 4) only when the forces
    # are the exact gradient of the energy; no drift.
    assert dev2 < 3e-5
    assert 3.0 < dev4 / dev2 < 5.0
    drift = np.polyfit(np.arange(len(e2)), e2, 1)[0] * len(e2)
    assert abs(drift) < 2e-6  # eV/atom over 0.4 ps
