"""Shared set-up of the Python tests.

Environment (set by ctest; otherwise found from the repository layout):
  NACRE_LIBRARY       libnacre to test (see nacre/_lib.py)
  NACRE_CLI           the `nacre` program the results are compared with
  NACRE_SHARED_DATA   ../shared/data (reference models and fixtures)
"""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def shared_data(*parts):
    """Path under ../shared/data, or a skip naming what is missing."""
    root = os.environ.get("NACRE_SHARED_DATA",
                          os.path.join(REPO, "..", "shared", "data"))
    path = os.path.join(root, *parts)
    if not os.path.exists(path):
        pytest.skip("reference data %s absent" % path)
    return path


def nacre_cli():
    cli = os.environ.get("NACRE_CLI") or shutil.which("nacre")
    if not cli or not os.access(cli, os.X_OK):
        pytest.skip("the nacre program is not found (set NACRE_CLI)")
    return cli


def _key(d, *names):
    for n in names:
        if n in d:
            return d[n]
    raise KeyError("none of %s in nacre eval's JSON (keys: %s)"
                   % (names, sorted(d)))


def nacre_eval(structure, spec):
    """`nacre eval STRUCTURE --potential SPEC --json --per-atom`, as a dict
    with energy (eV), forces (eV/Å), stress (eV/Å³, ASE sign), energies."""
    out = subprocess.run([nacre_cli(), "eval", structure, "--potential", spec,
                          "--json", "--per-atom"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    gpa_per_ev_a3 = 160.21766340  # NACRE_EV_A3_TO_GPA
    return {
        "energy": _key(d, "energy_ev", "energy"),
        "forces": np.array(_key(d, "forces_ev_a", "forces"), dtype=float),
        "stress": np.array(_key(d, "stress_gpa"), dtype=float) / gpa_per_ev_a3,
        "energies": np.array(_key(d, "atom_energies_ev", "energies_ev",
                                  "atom_energies"), dtype=float),
    }


@pytest.fixture
def na_model():
    return shared_data("maise", "models", "nn_Na_d3_v0")


@pytest.fixture
def na_fixture():
    return shared_data("maise", "fixtures", "nn_Na_d3_v0.extxyz")
