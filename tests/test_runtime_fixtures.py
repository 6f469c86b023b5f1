"""Slow: runtime mode over every end-to-end fixture with the installed Keras. What each fixture's
header claims Keras does (`# kc-k3:` / `# kc-k2:`, see fixtures/README.md) decides what runtime mode
must say: a bad fixture whose bug is an exception gets its static findings `confirmed` by that
exception (the claimed text, or the `kc-trace-k*` text where the data-free trace words it
differently), except those the trace never reached because that exception stopped it first; a bug the fixture claims is silent is confirmed only by a measured symptom, never an
error; no finding is ever refuted (that would mean the rule, or the trace, is wrong); good fixtures
get no finding unless their header says Keras itself fails there. Skipped without TensorFlow."""

import importlib.util
import subprocess
import sys

import pytest

from fixture_spec import all_fixtures

pytestmark = pytest.mark.slow
HAVE_TF = importlib.util.find_spec("tensorflow") is not None
FIXTURES = all_fixtures()
STATUSES = ("confirmed", "refuted", "not-checked")


def _major() -> str:
    out = subprocess.run([sys.executable, "-c", "from importlib.metadata import version; print(version('keras'))"],
                         capture_output=True, text=True)
    return out.stdout.strip()[:1] or "3"


def _only_while_training(code: str, major: str) -> bool:
    """The rule's own declaration that on this Keras its error shows only inside fit's loop (KC101
    on Keras 2: the last, one-sample batch) or after it (an unreached rule without a probe), never
    where runtime mode looks."""
    from kerascheck.runtime.verdict import expectation

    e = expectation(code)
    if e.kind == "unreached" and not e.probe:
        return True  # saving after training (KC511): nothing of it runs where runtime mode looks
    return e.kind == "trace" and not e.expected(major) and not e.probe


def _by_error(detail: str) -> bool:
    """A confirmation by an exception Keras raised (verdict.py words them all "... raises ...")."""
    return detail.startswith("Keras ") and " raises " in detail


@pytest.mark.skipif(not HAVE_TF, reason="TensorFlow is not installed")
@pytest.mark.parametrize("fx", FIXTURES, ids=[f.id for f in FIXTURES])
def test_runtime_verdicts_on_fixture(fx):
    from kerascheck.config import Settings
    from kerascheck.engine import Linter
    from kerascheck.runtime import check_file

    major = _major()
    if major not in fx.majors:
        pytest.skip(f"fixture targets Keras {fx.keras}")
    text = fx.path.read_text(encoding="utf-8")
    analysis = Linter(Settings(keras_version=major)).lint_text(text, fx.id)
    checked = check_file(fx.path, analysis, timeout=240, keras_versions=[major])
    kind, claimed = fx.claims[major]
    said = fx.texts(major) + fx.trace.get(major, [])
    for f in checked:
        assert f.runtime is not None, f
        status, detail = f.runtime["status"], f.runtime["detail"]
        assert status in STATUSES and detail, f
        assert status != "refuted", f"{fx.id}: {f.code} refuted: {detail}"
        if status != "confirmed" or f.code == "KC905":
            continue
        if _by_error(detail):
            assert kind == "raises" and any(t in detail for t in said), \
                f"{fx.id}: {f.code} confirmed by an error the fixture does not claim ({kind} {claimed!r}): {detail}"
        else:
            assert kind == "silent", f"{fx.id}: {f.code} confirmed by a symptom, but Keras {major} {kind}: {detail}"
    if fx.bad and kind == "raises":
        predicted = [f for f in checked if f.code != "KC905"]
        assert predicted, f"{fx.id}: no static finding to confirm"
        must = [f for f in predicted if not _only_while_training(f.code, major)]
        # each is confirmed, or was never reached: the fixture's own error stopped the trace first
        # (a second `K.sum` on the line after the first one that raised)
        stopped = [f for f in must if f.runtime["status"] == "not-checked" and
                   f.runtime["detail"].startswith("the check stopped at another error first: ") and
                   any(t in f.runtime["detail"] for t in said)]
        assert all(f.runtime["status"] == "confirmed" or f in stopped for f in must), \
            [(f.code, f.line, f.runtime["status"], f.runtime["detail"]) for f in must]
        assert not must or any(f.runtime["status"] == "confirmed" for f in must), must
    if not fx.bad:
        assert not [f for f in checked if f.code != "KC905"], checked
        # a KC905 on a good fixture is a real Keras error the fixture's version claim must explain
        assert not [f for f in checked if f.code == "KC905"] or kind != "trains", checked
