"""Slow: kerascheck over real, correct Keras code from PyPI — the installed packages' own sources:
Keras (applications, layers, trainers, examples in docstrings) and TensorFlow (tf.keras wrappers,
its frozen Keras 2 copy in tensorflow.python.keras, distribution and saving tests). A finding there
is a rule bug; an internal error (KC9xx other than a syntax error in a test data file) is an engine
bug. The corpora are pinned (CORPORA): the test checks that kerascheck analysed exactly the number
of files measured for that release, by its own count, so a corpus it silently skipped (a package
under a git-ignored folder, say) fails instead of passing on nothing. A missing or unpinned corpus
is a skip locally and a failure in CI (KERASCHECK_CI=1, set by .ci/run). The figures are printed
for `pytest -rP` and recorded in docs/robustness.md."""

import importlib.metadata
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import env_with_checkout

pytestmark = pytest.mark.slow
IN_CI = os.environ.get("KERASCHECK_CI") == "1"

# (package, version) -> the files kerascheck analyses (parses) in it. A new release changes what is
# checked: measure it (`pytest -rP tests/test_precision.py`), record it in docs/robustness.md, add it
# here, and pin it in .ci/constraints*.txt.
CORPORA = {
    ("keras", "3.15.1"): 871,
    ("tensorflow", "2.21.0"): 1603,
    ("keras", "2.15.0"): 584,
    ("tensorflow", "2.15.1"): 1608,
}
_STATS = re.compile(r"^(\d+) finding\(s\) in (\d+) file\(s\); (\d+) file\(s\) skipped without parsing", re.M)
_COUNT = re.compile(r"^\s*(\d+)\s+(KC\d{3})\b", re.M)


def _package_root(name: str):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _version(package: str) -> str:
    """The installed release of an import name (TensorFlow installs as tensorflow or tensorflow-cpu)."""
    dists = importlib.metadata.packages_distributions().get(package) or [package]
    return importlib.metadata.version(dists[0])


def _unavailable(why: str):
    if IN_CI:
        pytest.fail(f"{why}: CI must check every pinned corpus (see .ci/run)")
    pytest.skip(why)


@pytest.mark.parametrize("package", ["keras", "tensorflow"])
def test_no_findings_and_no_internal_errors_on_real_keras_code(tmp_path, package):
    root = _package_root(package)
    if root is None:
        _unavailable(f"{package} is not installed")
    version = _version(package)
    if (package, version) not in CORPORA:
        _unavailable(f"{package} {version} is not a pinned corpus ({sorted(CORPORA)})")
    args = [sys.executable, "-m", "kerascheck", str(root), "--no-cache", "--exit-zero"]
    if package == "keras":  # the package is its own Keras (Keras 2.13+ has keras/src too)
        args += ["--keras-version", version.split(".")[0]]
    env = env_with_checkout()
    out = subprocess.run(args + ["--statistics"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=1800)
    assert out.returncode == 0, out.stderr
    stats = _STATS.search(out.stdout)
    assert stats, out.stdout
    n_findings, n_files, n_skipped = map(int, stats.groups())
    counts = {code: int(n) for n, code in _COUNT.findall(out.stdout)}
    analysed = n_files - n_skipped
    lines = sum(p.read_bytes().count(b"\n") for p in root.rglob("*.py"))
    rules = sum(n for code, n in counts.items() if not code.startswith("KC9"))
    internal = {code: n for code, n in counts.items() if code in ("KC902", "KC903")}
    print(f"{package} {version}: {n_files} files ({analysed} analysed), {lines} lines, {rules} findings "
          f"({1000 * rules / max(lines, 1):.3f} per 1,000 lines), {sum(internal.values())} internal errors")
    assert analysed == CORPORA[package, version], \
        f"kerascheck analysed {analysed} of {n_files} files in {package} {version}, not the {CORPORA[package, version]} measured"
    if rules or internal:
        found = json.loads(subprocess.run(args + ["--output-format", "json"], capture_output=True, text=True,
                                          cwd=tmp_path, env=env, timeout=1800).stdout)
        shown = [f"{f['path']}:{f['line']}: {f['code']} {f['message'][:120]}" for f in found
                 if not f["code"].startswith("KC9") or f["code"] in internal]
        pytest.fail(f"{rules} rule finding(s), internal errors {internal}:\n" + "\n".join(shown[:20]))
