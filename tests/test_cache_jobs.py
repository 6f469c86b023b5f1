"""The result cache and the process pool give the same findings as a plain run."""

import json
import subprocess
import sys
from pathlib import Path

from helpers import env_with_checkout

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run(cwd, *args):
    out = subprocess.run([sys.executable, "-m", "kerascheck", str(EXAMPLES), "--output-format", "json", *args],
                         capture_output=True, text=True, cwd=cwd, env=env_with_checkout())
    assert out.returncode == 1, out.stderr
    return json.loads(out.stdout)


def test_warm_cache_gives_identical_findings(tmp_path):
    cache = tmp_path / "cache"
    cold = _run(tmp_path, "--cache-dir", str(cache))
    assert (cache / "CACHEDIR.TAG").is_file()
    assert (cache / ".gitignore").read_text() == "*\n"
    entries = list(cache.rglob("*.json"))
    assert len(entries) == len(list(EXAMPLES.glob("*.py")))
    warm = _run(tmp_path, "--cache-dir", str(cache))
    assert warm == cold and cold


def test_corrupt_cache_entry_is_ignored_and_rewritten(tmp_path):
    cache = tmp_path / "cache"
    cold = _run(tmp_path, "--cache-dir", str(cache))
    for entry in cache.rglob("*.json"):
        entry.write_text("{garbage")
    assert _run(tmp_path, "--cache-dir", str(cache)) == cold
    assert all(json.loads(e.read_text()) for e in cache.rglob("*.json"))


def test_environment_variable_sets_the_cache_dir(tmp_path):
    cache = tmp_path / "envcache"
    out = subprocess.run([sys.executable, "-m", "kerascheck", str(EXAMPLES)], capture_output=True, text=True,
                         cwd=tmp_path, env=env_with_checkout(KERASCHECK_CACHE_DIR=str(cache)))
    assert out.returncode == 1
    assert (cache / "CACHEDIR.TAG").is_file()


def test_no_cache_writes_nothing(tmp_path):
    _run(tmp_path, "--no-cache")
    assert not (tmp_path / ".kerascheck_cache").exists()


def test_parallel_jobs_match_a_serial_run(tmp_path):
    serial = _run(tmp_path, "--no-cache", "--jobs", "1")
    parallel = _run(tmp_path, "--no-cache", "--jobs", "2")
    assert serial == parallel and serial
