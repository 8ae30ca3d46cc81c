"""nacre — machine-learning interatomic potentials for crystal structure
prediction, from Python.

    import nacre
    pot = nacre.Potential("Na.nn")          # any SPEC `nacre eval --potential` takes
    res = pot.calculate(positions, numbers, cell, pbc=True)
    res["energy"], res["forces"], res["stress"], res["energies"]

Units and signs are ASE's (and nacre's): eV, Å; forces −∂E/∂r in eV/Å;
stress (1/V) ∂E/∂ε in eV/Å³, Voigt order xx yy zz yz xz xy, positive is
tensile. For ASE, use nacre.ase.NacreCalculator.
"""
import ctypes
import os
import threading
import warnings

import numpy as np

from . import _lib

__version__ = "0.1.0"
__all__ = ["Potential", "NacreError", "OutsideTrainingDomain", "relax",
           "library_version", "library_path", "__version__"]


class NacreError(RuntimeError):
    """A nacre function failed; .status is the status name
    ("NACRE_ERR_PARSE", ...), the message says what and where."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class OutsideTrainingDomain(UserWarning):
    """An evaluation lay outside the data the potential was fitted to: its
    results are extrapolations."""


def _check(status, err):
    if status != 0:
        lib = _lib.lib()
        name = lib.nacre_status_name(status).decode()
        raise NacreError(name, err.message.decode(errors="replace"))


def library_version():
    """Version string of the libnacre in use."""
    return _lib.lib().nacre_version().decode()


def library_path():
    """Path (or soname) the libnacre in use was loaded from."""
    return _lib.lib().nacre_path


def _atomic_numbers(numbers):
    """Atomic numbers from numbers or element symbols."""
    arr = np.asarray(numbers)
    if arr.dtype.kind in "US" or arr.dtype == object:
        lib = _lib.lib()
        out = np.empty(arr.shape, dtype=np.intc)
        for k, sym in enumerate(arr.ravel()):
            z = lib.nacre_element_z(str(sym).encode())
            if z <= 0:
                raise ValueError("unknown element symbol %r" % (sym,))
            out.ravel()[k] = z
        return out
    out = np.ascontiguousarray(arr, dtype=np.intc)
    if not np.array_equal(out, arr):
        raise ValueError("atomic numbers must be integers")
    return out


def _pointer(a, ctype):
    return None if a is None else a.ctypes.data_as(ctypes.POINTER(ctype))


class Potential:
    """A potential loaded from a SPEC, as `nacre eval --potential` takes it:
    an inline form ("lj:epsilon=0.2,sigma=2.3,cutoff=6"), a model file
    (nacre JSON, MAISE), an EAM file, ... with its own neighbour list and
    workspace. One Potential serves one evaluation at a time (calls from
    several threads are serialised); make one per thread to run in
    parallel.

    skin: Verlet skin of the neighbour list in Å (None: nacre's default).
    """

    def __init__(self, spec, skin=None):
        lib = _lib.lib()
        self._lib = lib
        self._pot = None
        self._calc = None
        self._lock = threading.Lock()
        self.spec = os.fspath(spec)
        self.evaluations = 0          # evaluations with a domain check
        self.evaluations_outside = 0  # of them, outside the training data
        err = _lib.Error()
        pot = ctypes.c_void_p()
        _check(lib.nacre_potential_load(os.fsencode(self.spec),
                                        ctypes.byref(pot), ctypes.byref(err)),
               err)
        self._pot = pot
        calc = lib.nacre_calc_new(pot, -1.0 if skin is None else float(skin),
                                  ctypes.byref(err))
        if not calc:
            _check(err.status or 1, err)
        self._calc = ctypes.c_void_p(calc)

    def close(self):
        """Frees the C objects now (also done when the object is collected)."""
        lib = getattr(self, "_lib", None)
        if lib is None:
            return
        if getattr(self, "_calc", None):
            lib.nacre_calc_free(self._calc)
            self._calc = None
        if getattr(self, "_pot", None):
            lib.nacre_potential_free(self._pot)
            self._pot = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _live(self):
        if not self._calc:
            raise ValueError("nacre.Potential used after close()")

    @property
    def cutoff(self):
        """Interaction cutoff, Å."""
        self._live()
        return self._lib.nacre_potential_cutoff(self._pot)

    @property
    def kind(self):
        """"nn", "eam", "lj", ... """
        self._live()
        return self._lib.nacre_potential_kind(self._pot).decode()

    @property
    def committee_size(self):
        """Members of a committee potential (0 for other potentials)."""
        self._live()
        return self._lib.nacre_committee_size(self._pot)

    @property
    def atomic_numbers(self):
        """Elements the potential has parameters for (empty: any)."""
        self._live()
        n = self._lib.nacre_potential_nspecies(self._pot)
        z = self._lib.nacre_potential_species(self._pot)
        return [z[k] for k in range(n)]

    def describe(self):
        """One line describing the potential."""
        self._live()
        buf = ctypes.create_string_buffer(512)
        self._lib.nacre_potential_describe(self._pot, buf, len(buf))
        return buf.value.decode(errors="replace")

    def __repr__(self):
        if not self._calc:
            return "nacre.Potential(%r, closed)" % self.spec
        return "nacre.Potential(%r: %s)" % (self.spec, self.describe())

    def calculate(self, positions, numbers, cell=None, pbc=True,
                  properties=("energy", "forces", "stress", "energies")):
        """Evaluates one structure.

        positions: (N, 3) Cartesian, Å. numbers: N atomic numbers or element
        symbols. cell: (3, 3), rows a, b, c in Å (None: no cell, only with
        pbc False). pbc: bool or three bools. properties: any of "energy"
        (eV), "forces" ((N, 3) eV/Å), "stress" ((6,) eV/Å³, Voigt, ASE sign;
        needs pbc along a, b and c), "energies" ((N,) per-atom energies, eV,
        summing to the energy).

        Returns a dict with the requested properties (the energy always)
        and, for a committee, committee_size,
        committee_force_deviation_max_ev_a (σ_f as DP-GEN defines it, with
        forces), committee_energy_deviation_per_atom_ev and, with forces,
        committee_atom_force_deviation_ev_a ((N,)); for a potential that
        knows its training data, outside_training_domain (bool; the first
        evaluation outside also raises an OutsideTrainingDomain warning).
        """
        self._live()
        pos = np.ascontiguousarray(positions, dtype=np.float64)
        if pos.ndim != 2 or pos.shape[1] != 3:
            raise ValueError("positions must be an (N, 3) array, not %s"
                             % (pos.shape,))
        n = pos.shape[0]
        z = _atomic_numbers(numbers).reshape(-1)
        if z.shape[0] != n:
            raise ValueError("%d positions but %d atomic numbers"
                             % (n, z.shape[0]))
        pbc3 = np.ascontiguousarray(np.broadcast_to(np.asarray(pbc, dtype=bool),
                                                    (3,)), dtype=np.intc)
        if cell is None:
            if pbc3.any():
                raise ValueError("a periodic structure needs a cell")
            c = np.zeros(9)
        else:
            c = np.ascontiguousarray(cell, dtype=np.float64)
            if c.shape != (3, 3):
                raise ValueError("cell must be 3x3, not %s" % (c.shape,))
            c = c.reshape(9).copy()
        props = set(properties)
        unknown = props - {"energy", "forces", "stress", "energies"}
        if unknown:
            raise ValueError("unknown properties %s" % sorted(unknown))
        energy = ctypes.c_double()
        forces = np.zeros((n, 3)) if "forces" in props else None
        stress = np.zeros(6) if "stress" in props else None
        energies = np.zeros(n) if "energies" in props else None
        dev = np.zeros(n) if forces is not None else None
        extras = _lib.ResultExtras()
        err = _lib.Error()
        with self._lock:
            st = self._lib.nacre_calc_compute_arrays(
                self._calc, n, _pointer(c, ctypes.c_double),
                _pointer(pbc3, ctypes.c_int), _pointer(z, ctypes.c_int),
                _pointer(pos, ctypes.c_double), ctypes.byref(energy),
                _pointer(forces, ctypes.c_double),
                _pointer(stress, ctypes.c_double),
                _pointer(energies, ctypes.c_double),
                _pointer(dev, ctypes.c_double), ctypes.byref(extras),
                ctypes.byref(err))
        _check(st, err)
        out = {"energy": energy.value}
        if extras.committee_size > 0:
            out["committee_size"] = extras.committee_size
            out["committee_energy_deviation_per_atom_ev"] = \
                extras.committee_energy_dev_per_atom
            if forces is not None:
                out["committee_force_deviation_max_ev_a"] = \
                    extras.committee_force_dev_max
                out["committee_atom_force_deviation_ev_a"] = dev
        if extras.domain_known:
            outside = bool(extras.outside_training_domain)
            out["outside_training_domain"] = outside
            self._note_domain(outside, extras)
        if forces is not None:
            out["forces"] = forces
        if stress is not None:
            out["stress"] = stress
        if energies is not None:
            out["energies"] = energies
        return out

    def _note_domain(self, outside, extras):
        self.evaluations += 1
        if not outside:
            return
        self.evaluations_outside += 1
        if self.evaluations_outside == 1:
            what = []
            if extras.atoms_outside:
                what.append("%d atoms outside the descriptor ranges or too "
                            "close to a neighbour" % extras.atoms_outside)
            if extras.atoms_too_close:
                what.append("%d closer to a neighbour than any pair of the "
                            "training data (down to %.3g of the shortest)"
                            % (extras.atoms_too_close, extras.distance_ratio))
            if extras.volume_outside:
                what.append("volume per atom outside the training range")
            warnings.warn("nacre: %s: the structure lies outside the training "
                          "data of the potential (results are "
                          "extrapolations): %s; Potential.evaluations_outside "
                          "counts such evaluations"
                          % (self.spec, "; ".join(what) or "see the model"),
                          OutsideTrainingDomain, stacklevel=4)

    def energy(self, positions, numbers, cell=None, pbc=True):
        """Total energy, eV."""
        return self.calculate(positions, numbers, cell, pbc, ("energy",))["energy"]

    def forces(self, positions, numbers, cell=None, pbc=True):
        """Forces, (N, 3) eV/Å."""
        return self.calculate(positions, numbers, cell, pbc, ("forces",))["forces"]

    def stress(self, positions, numbers, cell, pbc=True):
        """Stress, (6,) eV/Å³, Voigt xx yy zz yz xz xy, ASE sign."""
        return self.calculate(positions, numbers, cell, pbc, ("stress",))["stress"]

    def _relax_arrays(self, cell, pbc, numbers, positions, mode, pressure_gpa,
                      fmax, smax_gpa, max_steps, symprec):
        self._live()
        summary = _lib.RelaxSummary()
        err = _lib.Error()
        with self._lock:
            st = self._lib.nacre_relax_arrays(
                self._calc, positions.shape[0], _pointer(cell, ctypes.c_double),
                _pointer(pbc, ctypes.c_int), _pointer(numbers, ctypes.c_int),
                _pointer(positions, ctypes.c_double),
                mode.encode() if mode else None, float(pressure_gpa),
                float(fmax or 0.0), float(smax_gpa or 0.0),
                int(max_steps or 0), float(symprec or 0.0),
                ctypes.byref(summary), ctypes.byref(err))
        _check(st, err)
        return summary

    def energies(self, positions, numbers, cell=None, pbc=True):
        """Per-atom energies, (N,) eV."""
        return self.calculate(positions, numbers, cell, pbc,
                              ("energies",))["energies"]


def relax(atoms, potential, pressure_gpa=0.0, fmax=None, smax_gpa=None,
          max_steps=None, mode="full", symprec=None):
    """Relaxes an ASE Atoms object in place with nacre's relaxation (as
    `nacre relax`: L-BFGS on atoms and log-strain cell coordinates,
    minimising H = E + PV).

    potential: a SPEC or a nacre.Potential. pressure_gpa: hydrostatic
    pressure, GPa. fmax (eV/Å), smax_gpa (GPa), max_steps: convergence and
    limit (None: nacre's defaults 0.01 eV/Å, 0.01 GPa, 1000). mode: "full",
    "atoms", "cell", "fixed-volume" or "fixed-shape". symprec: keep the
    space group found within symprec Å (None: free).

    Returns a dict: outcome ("converged", "max-steps", ...), message,
    steps, force_calls, energy and enthalpy (eV), volume (Å³),
    pressure_gpa, stress (eV/Å³, ASE sign), fmax (eV/Å), smax_gpa.
    The atoms keep the relaxed positions and cell (and any calculator)."""
    pot = potential if isinstance(potential, Potential) else Potential(potential)
    pos = np.array(atoms.get_positions(), dtype=np.float64, order="C")
    cell = np.array(atoms.get_cell()[:], dtype=np.float64, order="C").reshape(9)
    pbc = np.ascontiguousarray(np.broadcast_to(np.asarray(atoms.get_pbc(),
                                                          dtype=bool), (3,)),
                               dtype=np.intc)
    numbers = _atomic_numbers(atoms.get_atomic_numbers())
    s = pot._relax_arrays(cell, pbc, numbers, pos, mode, pressure_gpa, fmax,
                          smax_gpa, max_steps, symprec)
    atoms.set_cell(cell.reshape(3, 3), scale_atoms=False)
    atoms.set_positions(pos)
    return {"outcome": s.outcome_name.decode(),
            "message": s.message.decode(errors="replace"),
            "steps": s.steps, "force_calls": s.force_calls,
            "energy": s.energy, "enthalpy": s.enthalpy, "volume": s.volume,
            "pressure_gpa": s.pressure_gpa, "stress": np.array(s.stress[:]),
            "fmax": s.fmax, "smax_gpa": s.smax_gpa}
