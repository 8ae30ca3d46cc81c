"""The C library behind the package: finding libnacre and declaring the
functions the package calls (ctypes, no compiler needed).

libnacre is looked for, in order, at
  1. the path in the environment variable NACRE_LIBRARY;
  2. the path recorded when the package was installed (nacre/_config.py,
     written by `make install-python` or by `pip install` when pkg-config
     found an installed nacre);
  3. the libdir that `pkg-config --variable=libdir nacre` names;
  4. the system's library search path (ld.so.cache, LD_LIBRARY_PATH).
"""
import ctypes
import os
import shutil
import subprocess

ABI_VERSION = 0  # the NACRE_ABI_VERSION this package was written for
SONAME = "libnacre.so.%d" % ABI_VERSION
ERROR_MESSAGE_MAX = 1024  # NACRE_ERROR_MESSAGE_MAX

c_double_p = ctypes.POINTER(ctypes.c_double)
c_int_p = ctypes.POINTER(ctypes.c_int)


class Error(ctypes.Structure):
    """struct nacre_error."""

    _fields_ = [("status", ctypes.c_int),
                ("message", ctypes.c_char * ERROR_MESSAGE_MAX)]


class ResultExtras(ctypes.Structure):
    """struct nacre_result_extras."""

    _fields_ = [("committee_size", ctypes.c_int),
                ("committee_energy_dev_per_atom", ctypes.c_double),
                ("committee_force_dev_max", ctypes.c_double),
                ("domain_known", ctypes.c_int),
                ("outside_training_domain", ctypes.c_int),
                ("atoms_outside", ctypes.c_int),
                ("atoms_too_close", ctypes.c_int),
                ("distance_ratio", ctypes.c_double),
                ("volume_outside", ctypes.c_int),
                ("excess", ctypes.c_double)]


class RelaxSummary(ctypes.Structure):
    """struct nacre_relax_summary."""

    _fields_ = [("outcome", ctypes.c_int),
                ("outcome_name", ctypes.c_char * 32),
                ("message", ctypes.c_char * 256),
                ("steps", ctypes.c_int),
                ("force_calls", ctypes.c_long),
                ("energy", ctypes.c_double),
                ("enthalpy", ctypes.c_double),
                ("volume", ctypes.c_double),
                ("pressure_gpa", ctypes.c_double),
                ("stress", ctypes.c_double * 6),
                ("fmax", ctypes.c_double),
                ("smax_gpa", ctypes.c_double)]


def _recorded_library():
    try:
        from . import _config
    except ImportError:
        return None
    return getattr(_config, "LIBRARY", None)


def _pkg_config_library():
    if shutil.which("pkg-config") is None:
        return None
    try:
        out = subprocess.run(["pkg-config", "--variable=libdir", "nacre"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    libdir = out.stdout.strip()
    if out.returncode != 0 or not libdir:
        return None
    return os.path.join(libdir, SONAME)


def _candidates():
    env = os.environ.get("NACRE_LIBRARY")
    if env:
        # An explicit choice is the only one tried: a wrong path is an error,
        # not a reason to load some other libnacre silently.
        return [("NACRE_LIBRARY", env)]
    found = []
    recorded = _recorded_library()
    if recorded:
        found.append(("recorded at install", recorded))
    pc = _pkg_config_library()
    if pc:
        found.append(("pkg-config", pc))
    found.append(("library search path", SONAME))
    return found


def _declare(lib):
    P = ctypes.c_void_p
    E = ctypes.POINTER(Error)
    sig = {
        "nacre_version": (ctypes.c_char_p, []),
        "nacre_abi_version": (ctypes.c_int, []),
        "nacre_status_name": (ctypes.c_char_p, [ctypes.c_int]),
        "nacre_potential_load": (ctypes.c_int,
                                 [ctypes.c_char_p, ctypes.POINTER(P), E]),
        "nacre_potential_free": (None, [P]),
        "nacre_potential_cutoff": (ctypes.c_double, [P]),
        "nacre_potential_kind": (ctypes.c_char_p, [P]),
        "nacre_potential_nspecies": (ctypes.c_int, [P]),
        "nacre_potential_species": (c_int_p, [P]),
        "nacre_potential_describe": (None, [P, ctypes.c_char_p,
                                            ctypes.c_size_t]),
        "nacre_calc_new": (P, [P, ctypes.c_double, E]),
        "nacre_calc_free": (None, [P]),
        "nacre_calc_compute_arrays": (
            ctypes.c_int,
            [P, ctypes.c_int, c_double_p, c_int_p, c_int_p, c_double_p,
             c_double_p, c_double_p, c_double_p, c_double_p, c_double_p,
             ctypes.POINTER(ResultExtras), E]),
        "nacre_committee_size": (ctypes.c_int, [P]),
        "nacre_element_z": (ctypes.c_int, [ctypes.c_char_p]),
        "nacre_relax_arrays": (
            ctypes.c_int,
            [P, ctypes.c_int, c_double_p, c_int_p, c_int_p, c_double_p,
             ctypes.c_char_p, ctypes.c_double, ctypes.c_double,
             ctypes.c_double, ctypes.c_int, ctypes.c_double,
             ctypes.POINTER(RelaxSummary), E]),
    }
    for name, (restype, argtypes) in sig.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def load():
    """The loaded library; raises OSError naming every place tried."""
    tried = []
    for origin, path in _candidates():
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s): %s" % (path, origin, e))
            continue
        try:
            lib.nacre_abi_version.restype = ctypes.c_int
            abi = lib.nacre_abi_version()
        except AttributeError:
            tried.append("%s (%s): not a nacre library" % (path, origin))
            continue
        if abi != ABI_VERSION:
            tried.append("%s (%s): ABI version %d, this package needs %d"
                         % (path, origin, abi, ABI_VERSION))
            continue
        _declare(lib)
        lib.nacre_path = path
        return lib
    raise OSError("nacre: cannot load libnacre (install it with `make install "
                  "PREFIX=...` and set NACRE_LIBRARY=PREFIX/lib/%s if it is "
                  "not on the library path); tried:\n  %s"
                  % (SONAME, "\n  ".join(tried)))


_lib = None


def lib():
    """The library, loaded on first use."""
    global _lib
    if _lib is None:
        _lib = load()
    return _lib
