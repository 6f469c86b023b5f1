"""Slow: runtime mode over every end-to-end fixture with the installed Keras. What each fixture's
header claims Keras does (`# kc-k3:` / `# kc-k2:`, see fixtures/README.md) decides what runtime mode
must say: a bad fixture whose bug is an exception gets every static finding `confirmed`; no
finding is ever refuted (that would mean the rule, or the trace, is wrong); good fixtures get no
finding unless their header says Keras itself fails there. Skipped without TensorFlow."""

import importlib.util
import subprocess
import sys

import pytest

from fixture_spec import all_fixtures

pytestmark = pytest.mark.slow
HAVE_TF = importlib.util.find_spec("tensorflow") is not None
FIXTURES = all_fixtures()


def _major() -> str:
    out = subprocess.run([sys.executable, "-c", "from importlib.metadata import version; print(version('keras'))"],
                         capture_output=True, text=True)
    return out.stdout.strip()[:1] or "3"


def _only_while_training(code: str, major: str) -> bool:
    from kerascheck.runtime.verdict import expectation

    e = expectation(code, "error")
    return e.kind == "trace" and int(major) not in e.majors and not e.also_raises and not e.probe


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
    analysis = Linter(Settings(keras_version=major)).lint_text(text, fx.id)
    checked = check_file(fx.path, analysis, timeout=240, keras_versions=[major])
    claim = fx.claims.get(major, ("", ""))[0]
    for f in checked:
        assert f.runtime is not None, f
        assert f.runtime["status"] != "refuted", f"{fx.id}: {f.code} refuted: {f.runtime['detail']}"
        assert f.runtime["status"] == "confirmed" or f.runtime["detail"], f
    if fx.bad and claim == "raises":
        predicted = [f for f in checked if f.code != "KC905"]
        assert predicted, f"{fx.id}: no static finding to confirm"
        # The one exemption is the rule's own declaration that on this Keras the error shows only
        # inside fit's loop (KC101 on Keras 2: the last, one-sample batch), never at trace time.
        must = [f for f in predicted if not _only_while_training(f.code, major)]
        assert all(f.runtime["status"] == "confirmed" for f in must), \
            [(f.code, f.line, f.runtime["status"], f.runtime["detail"]) for f in must]
    if not fx.bad:
        assert not [f for f in checked if f.code != "KC905"], checked
        # a KC905 on a good fixture is a real Keras error the fixture's version claim must explain
        assert not [f for f in checked if f.code == "KC905"] or claim != "trains", checked
