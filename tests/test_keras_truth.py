"""Slow: run every end-to-end fixture on the installed Keras and check what its header claims, so
the rules cannot drift from what Keras really does. Skipped when TensorFlow is not installed."""

import importlib.util
import os
import subprocess
import sys

import pytest

from fixture_spec import all_fixtures

pytestmark = pytest.mark.slow
HAVE_TF = importlib.util.find_spec("tensorflow") is not None
FIXTURES = all_fixtures()


def _keras_major() -> str:
    out = subprocess.run([sys.executable, "-c", "from importlib.metadata import version; print(version('keras'))"],
                         capture_output=True, text=True)
    return out.stdout.strip()[:1] or "3"


@pytest.mark.skipif(not HAVE_TF, reason="TensorFlow is not installed (pip install '.[runtime]')")
@pytest.mark.parametrize("fx", FIXTURES, ids=[f.id for f in FIXTURES])
def test_fixture_behaves_as_claimed(fx, tmp_path):
    major = _keras_major()
    if fx.keras and fx.keras != major:
        pytest.skip(f"fixture targets Keras {fx.keras}, Keras {major} installed")
    claim = fx.claims.get(major)
    if claim is None:
        pytest.skip(f"no kc-k{major} claim")
    kind, text = claim
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="", PYTHONHASHSEED="0")
    proc = subprocess.run([sys.executable, str(fx.path)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env=env)
    output = proc.stdout + proc.stderr
    if kind == "raises":
        assert proc.returncode != 0, f"{fx.id} was expected to fail on Keras {major} but trained:\n{output[-2000:]}"
        assert text in output, f"{fx.id}: expected {text!r} in the error:\n{output[-3000:]}"
    elif kind == "silent":
        assert proc.returncode == 0, f"{fx.id} crashed:\n{output[-3000:]}"
        assert text in output, f"{fx.id}: symptom {text!r} not observed:\n{output[-3000:]}"
    else:
        assert kind == "trains", f"{fx.id}: unknown claim {kind!r}"
        assert proc.returncode == 0, f"{fx.id} should train on Keras {major}:\n{output[-3000:]}"
