"""Slow: run every end-to-end fixture on the installed Keras and check what its header claims, so
the rules cannot drift from what Keras really does: a bad fixture that raises must raise the error
its rules declare in the catalogue (`runtime.raises`). Skipped when TensorFlow is not installed."""

import importlib.util
import os
import re
import subprocess
import sys

import pytest

from fixture_spec import all_fixtures
from kerascheck.runtime.verdict import expectation

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
    kind, text = fx.claims[major]  # fixture_spec refuses a fixture without it
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="", PYTHONHASHSEED="0")
    proc = subprocess.run([sys.executable, str(fx.path)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env=env)
    output = proc.stdout + proc.stderr
    if kind == "raises":
        assert proc.returncode != 0, f"{fx.id} was expected to fail on Keras {major} but trained:\n{output[-2000:]}"
        assert any(t in output for t in fx.texts(major)), f"{fx.id}: expected {text!r} in the error:\n{output[-3000:]}"
        if fx.bad:  # the error each rule's catalogue entry declares (runtime.raises) is the real one
            for code in sorted({c for c, _ in fx.expect}):
                declared = expectation(code).expected(major)
                assert not declared or any(re.search(rf"\b({e.type})\b", output) and re.search(e.text, output)
                                           for e in declared), \
                    f"{fx.id}: {code} declares {declared} for Keras {major}, but Keras raised:\n{output[-3000:]}"
    elif kind == "silent":
        assert proc.returncode == 0, f"{fx.id} crashed:\n{output[-3000:]}"
        assert any(t in output for t in fx.texts(major)), f"{fx.id}: symptom {text!r} not observed:\n{output[-3000:]}"
    else:
        assert kind == "trains", f"{fx.id}: unknown claim {kind!r}"
        assert proc.returncode == 0, f"{fx.id} should train on Keras {major}:\n{output[-3000:]}"
