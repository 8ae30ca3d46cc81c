"""phonopy through ASE on a nacre potential (MAISE's Na network, bcc Na):
phonopy's finite-displacement frequency at the zone-boundary point H equals
the frozen-phonon frequency from nacre energies alone (the H mode of bcc is
the optical Γ mode of the two-atom cubic cell, atoms moving opposite along
x), to 0.02% (measured 1e-5: displacement anharmonicity); the acoustic branches vanish at Γ; no branch is imaginary
along Γ-H-N-Γ-P."""
import numpy as np
import pytest

pytest.importorskip("ase", reason="python3-ase is not installed")
pytest.importorskip("phonopy", reason="python3-phonopy is not installed")
from ase import Atoms, units  # noqa: E402
from ase.build import bulk  # noqa: E402
from phonopy import Phonopy  # noqa: E402
from phonopy.structure.atoms import PhonopyAtoms  # noqa: E402

from nacre.ase import NacreCalculator  # noqa: E402

A = 4.23  # Å, near the model's zero-pressure volume


def frozen_phonon_h_thz(calc):
    """ν_H from E(u): two atoms displaced ±u along x, E = m ω² u²."""
    cell = bulk("Na", "bcc", a=A, cubic=True)
    cell.calc = calc

    def energy(u):
        c = cell.copy()
        c.calc = calc
        c.positions[0, 0] += u
        c.positions[1, 0] -= u
        return c.get_potential_energy()

    u = 0.004
    # fourth-order central second derivative
    d2 = (-energy(2 * u) + 16 * energy(u) - 30 * energy(0) + 16 * energy(-u)
          - energy(-2 * u)) / (12 * u * u)
    mass = cell.get_masses()[0]
    omega = np.sqrt(d2 / (2 * mass) * units._e / units._amu) * 1e10  # rad/s
    return omega / (2 * np.pi) / 1e12


def phonopy_for(calc):
    conv = bulk("Na", "bcc", a=A, cubic=True)
    unit = PhonopyAtoms(symbols=conv.get_chemical_symbols(), cell=conv.cell[:],
                        scaled_positions=conv.get_scaled_positions())
    ph = Phonopy(unit, supercell_matrix=np.diag([3, 3, 3]),
                 primitive_matrix=[[-.5, .5, .5], [.5, -.5, .5], [.5, .5, -.5]])
    ph.generate_displacements(distance=0.01)
    forces = []
    for sc in ph.supercells_with_displacements:
        atoms = Atoms(sc.symbols, cell=sc.cell, pbc=True,
                      scaled_positions=sc.scaled_positions)
        atoms.calc = calc
        forces.append(atoms.get_forces())
    ph.forces = np.array(forces)
    ph.produce_force_constants()
    return ph


def test_phonopy_through_ase(na_model):
    calc = NacreCalculator(na_model)
    nu_h = frozen_phonon_h_thz(calc)
    # bcc Na, measured: 3.6 THz at H (Woods et al., Phys. Rev. 128, 1112 (1962))
    assert 3.0 < nu_h < 4.2
    ph = phonopy_for(calc)
    # q in the primitive reciprocal basis (rows of the bcc primitive cell)
    path = np.concatenate([np.linspace([0, 0, 0], [.5, -.5, .5], 11),
                           np.linspace([.5, -.5, .5], [0, 0, .5], 11),
                           np.linspace([0, 0, .5], [0, 0, 0], 11),
                           np.linspace([0, 0, 0], [.25, .25, .25], 11)])
    ph.run_qpoints(path)
    freqs = ph.get_qpoints_dict()["frequencies"]  # THz
    assert np.abs(freqs[0]).max() < 0.01  # Γ
    h = freqs[10]
    assert np.abs(h - nu_h).max() < 2e-4 * nu_h, (h, nu_h)
    assert freqs.min() > -0.02
