"""Slow: kerascheck over real, correct Keras code from PyPI (the installed Keras package's own
sources: applications, layers, trainers, examples in docstrings). A finding there is a rule bug;
an internal error (KC903) is an engine bug. Skipped when Keras is not installed."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import env_with_checkout

pytestmark = pytest.mark.slow
SPEC = importlib.util.find_spec("keras")


@pytest.mark.skipif(SPEC is None or not SPEC.submodule_search_locations, reason="Keras is not installed")
def test_no_findings_and_no_internal_errors_on_keras_own_sources(tmp_path):
    root = Path(list(SPEC.submodule_search_locations)[0])
    out = subprocess.run([sys.executable, "-m", "kerascheck", str(root), "--output-format", "json", "--no-cache",
                          "--keras-version", "3" if (root / "src").is_dir() else "2"],
                         capture_output=True, text=True, cwd=tmp_path, env=env_with_checkout(), timeout=1800)
    assert out.returncode in (0, 1), out.stderr
    findings = json.loads(out.stdout)
    internal = [f for f in findings if f["code"] == "KC903"]
    assert not internal, internal[:5]
    rule_findings = [f"{f['path']}:{f['line']}: {f['code']} {f['message'][:120]}" for f in findings
                     if not f["code"].startswith("KC9")]
    assert not rule_findings, "\n".join(rule_findings[:20])
