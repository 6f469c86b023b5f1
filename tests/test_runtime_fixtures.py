"""Slow: runtime mode over every end-to-end fixture with the installed Keras. Runtime mode must never
refute a rule on its own fixtures (that would mean the rule, or the trace, is wrong); good fixtures
stay free of findings; a bad fixture whose bug is an exception is confirmed or says why it was not
checked. Skipped without TensorFlow."""

import importlib.util
import subprocess
import sys
from collections import Counter

import pytest

from fixture_spec import all_fixtures

pytestmark = pytest.mark.slow
HAVE_TF = importlib.util.find_spec("tensorflow") is not None
FIXTURES = all_fixtures()
TALLY: Counter = Counter()


def _major() -> str:
    out = subprocess.run([sys.executable, "-c", "from importlib.metadata import version; print(version('keras'))"],
                         capture_output=True, text=True)
    return out.stdout.strip()[:1] or "3"


@pytest.mark.skipif(not HAVE_TF, reason="TensorFlow is not installed")
@pytest.mark.parametrize("fx", FIXTURES, ids=[f.id for f in FIXTURES])
def test_runtime_verdicts_on_fixture(fx):
    from kerascheck.config import Settings
    from kerascheck.engine import Linter
    from kerascheck.runtime import check_file

    major = _major()
    if fx.keras and fx.keras != major:
        pytest.skip(f"fixture targets Keras {fx.keras}")
    text = fx.path.read_text(encoding="utf-8")
    static = Linter(Settings(keras_version=major)).lint_text(text, fx.id).findings
    checked = check_file(fx.path, text, static, timeout=240, display=fx.id, keras_versions=[major])
    for f in checked:
        TALLY[f.runtime["status"] if f.runtime else "none"] += 1
        assert f.runtime is not None, f
        assert f.runtime["status"] != "refuted", f"{fx.id}: {f.code} refuted: {f.runtime['detail']}"
        assert f.runtime["status"] == "confirmed" or f.runtime["detail"], f
    if not fx.bad:
        assert not [f for f in checked if f.code != "KC905"], checked
        # a KC905 on a good fixture is a real Keras error the fixture's version claim must explain
        assert not [f for f in checked if f.code == "KC905"] or fx.claims.get(major, ("",))[0] != "trains", checked
