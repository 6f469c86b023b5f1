"""Slow: kerascheck over real, correct Keras code from PyPI — the installed packages' own sources:
Keras (applications, layers, trainers, examples in docstrings) and TensorFlow (tf.keras wrappers,
its frozen Keras 2 copy in tensorflow.python.keras, distribution and saving tests). A finding there
is a rule bug; an internal error (KC9xx other than a syntax error in a test data file) is an engine
bug. Each package is skipped when it is not installed. The figures (files, lines, findings per
1,000 lines) are printed for `pytest -rP` and recorded in docs/robustness.md."""

import importlib.metadata
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import env_with_checkout

pytestmark = pytest.mark.slow


def _package_root(name: str):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


@pytest.mark.parametrize("package", ["keras", "tensorflow"])
def test_no_findings_and_no_internal_errors_on_real_keras_code(tmp_path, package):
    root = _package_root(package)
    if root is None:
        pytest.skip(f"{package} is not installed")
    args = [sys.executable, "-m", "kerascheck", str(root), "--output-format", "json", "--no-cache", "--exit-zero"]
    if package == "keras":  # the package is its own Keras (Keras 2.13+ has keras/src too)
        args += ["--keras-version", importlib.metadata.version("keras").split(".")[0]]
    out = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env_with_checkout(), timeout=1800)
    assert out.returncode == 0, out.stderr
    findings = json.loads(out.stdout)
    internal = [f for f in findings if f["code"] in ("KC902", "KC903")]
    assert not internal, internal[:5]
    rule_findings = [f"{f['path']}:{f['line']}: {f['code']} {f['message'][:120]}" for f in findings
                     if not f["code"].startswith("KC9")]
    files = list(root.rglob("*.py"))
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    print(f"{package}: {len(files)} files, {lines} lines, {len(rule_findings)} findings "
          f"({1000 * len(rule_findings) / max(lines, 1):.3f} per 1,000 lines), {len(internal)} internal errors")
    assert not rule_findings, "\n".join(rule_findings[:20])
