"""`--runtime` through the CLI: findings carry Keras's own verdict; a missing TensorFlow is one line."""

import importlib.util
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from helpers import ROOT, env_with_checkout

HAVE_TF = importlib.util.find_spec("tensorflow") is not None


def _kc(*args, cwd):
    return subprocess.run([sys.executable, "-m", "kerascheck", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env_with_checkout(), timeout=600)


def test_runtime_without_tensorflow_is_one_line_and_exit_2(tmp_path):
    bare = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False).create(bare)
    python = bare / "bin" / "python"
    out = _kc("--runtime", "--python", python, ROOT / "examples" / "segmentation.py", cwd=tmp_path)
    assert out.returncode == 2
    assert "runtime mode needs TensorFlow" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def _plain(path: Path, text: str) -> Path:
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _one_line_error(out) -> str:
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kerascheck: error: "), out.stderr
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr
    return lines[0]


@pytest.mark.skipif(os.name != "posix", reason="the fake interpreters are shell scripts")
@pytest.mark.parametrize("make, fragment", [
    (lambda d: d / "missing" / "python", "no such file"),
    (lambda d: "no-such-python-on-path", "not found on PATH"),
    (lambda d: _plain(d / "python.txt", "print(1)"), "not executable"),
    (lambda d: _script(d / "true.sh", "exit 0"), "not a Python interpreter"),
    (lambda d: _script(d / "echo.sh", 'echo "$@"'), "not a Python interpreter"),
    (lambda d: _script(d / "fail.sh", "echo oops >&2; exit 1"), "not a Python interpreter"),
    (lambda d: _script(d / "py27.sh", "echo kerascheck-probe 2 7"), "Python 2.7; runtime mode needs Python 3.8+"),
], ids=["missing", "not-on-path", "not-executable", "exits-0-silently", "echo", "fails", "python-2"])
def test_a_broken_python_is_one_line_and_exit_2(tmp_path, make, fragment):
    python = make(tmp_path)
    line = _one_line_error(_kc("--runtime", "--python", python, ROOT / "examples" / "segmentation.py", cwd=tmp_path))
    assert f"--python {python}: " in line and fragment in line, line


@pytest.mark.skipif(os.name != "posix", reason="the fake interpreter is a shell script")
def test_a_tensorflow_that_fails_to_import_is_one_line_and_exit_2(tmp_path):
    """find_spec sees a `tensorflow`, the child cannot import it: the error comes from the middle of
    the run (not the up-front probe), and `--python` is relative while the child runs in the file's
    folder."""
    fake = tmp_path / "fake"
    (fake / "tensorflow").mkdir(parents=True)
    (fake / "tensorflow" / "__init__.py").write_text('raise ImportError("a broken TensorFlow")\n')
    _script(tmp_path / "py", f'exec "{sys.executable}" "$@"')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "model.py").write_text((ROOT / "examples" / "segmentation.py").read_text())
    out = subprocess.run([sys.executable, "-m", "kerascheck", "--runtime", "--python", "./py", "src/model.py",
                          "--no-cache"], capture_output=True, text=True, cwd=tmp_path, timeout=600,
                         env=env_with_checkout(PYTHONPATH=str(fake)))
    line = _one_line_error(out)
    assert "runtime mode needs TensorFlow" in line and "a broken TensorFlow" in line, line
    assert f"(in {tmp_path / 'py'})" in line, line  # made absolute, not resolved to its target


def test_static_mode_never_reports_runtime(tmp_path):
    out = _kc(ROOT / "examples" / "segmentation.py", "--output-format", "json", "--no-cache", cwd=tmp_path)
    assert all(f["runtime"] is None for f in json.loads(out.stdout))


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_TF, reason="TensorFlow is not installed")
def test_runtime_confirms_the_segmentation_example_with_keras_text(tmp_path):
    out = _kc("--runtime", ROOT / "examples" / "segmentation.py", "--output-format", "json", "--no-cache",
              "--keras-version", "3", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    by_code = {f["code"]: f for f in json.loads(out.stdout)}
    kc207 = by_code["KC207"]["runtime"]
    assert kc207["status"] == "confirmed"
    assert "same rank" in kc207["detail"]


def test_server_subcommand_answers_initialize(tmp_path):
    """`kerascheck server` (the documented entry point) speaks LSP over stdio."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"processId": None, "rootUri": None, "capabilities": {}}})
    exit_ = json.dumps({"jsonrpc": "2.0", "method": "exit"})
    msg = "".join(f"Content-Length: {len(b)}\r\n\r\n{b}" for b in (body, exit_))
    out = subprocess.run([sys.executable, "-m", "kerascheck", "server"], input=msg, capture_output=True,
                         text=True, cwd=tmp_path, env=env_with_checkout(), timeout=60)
    assert '"id": 1' in out.stdout or '"id":1' in out.stdout, out.stderr
    assert "capabilities" in out.stdout
