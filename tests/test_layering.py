"""Each package imports on its own in a fresh interpreter, and the model core never loads the layers above it."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("package", ["model", "agents", "viz", "experiments"])
def test_each_package_imports_on_its_own(package):
    done = subprocess.run([sys.executable, "-c", f"import {package}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_model_runs_without_loading_the_agents_engine_or_views_of_it():
    code = ("import sys; from model import ComputeMarket; m = ComputeMarket(rng=1, horizon_months=2); m.step(); "
            "print(sorted(k for k in sys.modules if k.split('.')[0] in ('agents', 'viz', 'experiments')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
