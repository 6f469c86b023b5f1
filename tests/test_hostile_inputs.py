"""Hostile inputs through the real command line (`python -m kerascheck` in a subprocess): files too
big to read, a 1 MB line, an endless stdin, symlink loops, unreadable files, FIFOs, a file deleted
between discovery and reading, broken notebooks.

Each must give a clear finding (KC902) or a one-line message, let the rest of the run complete,
keep the exit code to 0/1/2, and never print a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kerascheck.cli import main
from kerascheck.config import DEFAULT_MAX_FILE_SIZE, Settings
from kerascheck.engine import Linter
from kerascheck.files import discover

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           PYTHONDONTWRITEBYTECODE="1")
SELECT = ["--select", "KC201,KC9"]

BAD = """\
import keras

model = keras.Sequential([
    keras.Input(shape=(4,)),
    keras.layers.Dense(1, activation="softmax"),
])
"""


class Run:
    def __init__(self, p: subprocess.CompletedProcess, seconds: float) -> None:
        self.code, self.out, self.err, self.seconds = p.returncode, p.stdout, p.stderr, seconds

    def findings(self) -> list[dict]:
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"Run(code={self.code}, err={self.err[-1500:]!r}, out={self.out[:1500]!r})"


def kerascheck(*args, cwd: Path, timeout: float = 120, **kwargs) -> Run:
    start = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "kerascheck", *map(str, args)], cwd=cwd, env=ENV,
                       capture_output=True, timeout=timeout, **kwargs)
    run = Run(subprocess.CompletedProcess(p.args, p.returncode, p.stdout.decode("utf-8", "replace"),
                                          p.stderr.decode("utf-8", "replace")), time.monotonic() - start)
    assert_sane(run)
    return run


def assert_sane(run: Run) -> None:
    assert run.code in (0, 1, 2), run
    assert "Traceback" not in run.err, run
    assert "internal error" not in run.err, run


def by_path(findings: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in findings:
        out.setdefault(f["path"], []).append(f["code"])
    return out


def lint_json(folder: Path, *paths, extra=()) -> Run:
    return kerascheck(*(paths or ["."]), "--output-format", "json", "--no-cache", *SELECT, *extra, cwd=folder)


# --- size ------------------------------------------------------------------------------------------

def test_twenty_megabyte_file_is_kc902_and_quick(tmp_path):
    big = tmp_path / "huge.py"
    with big.open("wb") as fh:
        fh.write(b"import keras\n")
        chunk = b"x = [1, 2, 3]  # keras\n" * 4096
        while fh.tell() < 20 * 1024 * 1024:
            fh.write(chunk)
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    run = lint_json(tmp_path)
    assert run.code == 1, run
    found = by_path(run.findings())
    assert found == {"bad.py": ["KC201"], "huge.py": ["KC902"]}, run
    (msg,) = [f["message"] for f in run.findings() if f["path"] == "huge.py"]
    assert "max-file-size" in msg and str(DEFAULT_MAX_FILE_SIZE) in msg
    assert run.seconds < 30, run.seconds  # the file is never read past the cap, let alone parsed


def test_max_file_size_from_the_config_applies(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.kerascheck]\nmax-file-size = 1000\n", encoding="utf-8")
    (tmp_path / "big.py").write_text(BAD + "#" * 2000 + "\n", encoding="utf-8")
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    run = lint_json(tmp_path)
    assert run.code == 1 and by_path(run.findings()) == {"bad.py": ["KC201"], "big.py": ["KC902"]}, run


def test_one_line_of_one_megabyte(tmp_path):
    line = "import keras; banner = '" + "keras " * 180_000 + "'; " + \
        "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation='softmax')])\n"
    assert len(line) > 1_000_000
    (tmp_path / "wide.py").write_text(line, encoding="utf-8")
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    run = lint_json(tmp_path)
    assert run.code == 1, run
    findings = run.findings()
    assert by_path(findings) == {"bad.py": ["KC201"], "wide.py": ["KC201"]}, run
    wide = next(f for f in findings if f["path"] == "wide.py")
    assert wide["line"] == 1 and wide["column"] > 1_000_000
    assert run.seconds < 60, run.seconds
    # the human formats print a code frame around a 1 MB line without choking
    full = kerascheck("wide.py", "--no-cache", *SELECT, cwd=tmp_path)
    assert full.code == 1 and "KC201" in full.out, full


# --- stdin -----------------------------------------------------------------------------------------

ENDLESS = "import sys\nchunk = b'import keras\\n' * 4096\nwhile True:\n    sys.stdout.buffer.write(chunk)\n"


def test_endless_stdin_stops_at_the_size_cap(tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", ENDLESS], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        run = kerascheck("-", "--stdin-filename", "train.py", "--no-cache", cwd=tmp_path, stdin=writer.stdout,
                         timeout=60)
    finally:
        writer.stdout.close()
        writer.kill()
        writer.wait(timeout=10)
    assert run.code == 2, run
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kerascheck: error:"), run
    assert "max-file-size" in lines[0] and str(DEFAULT_MAX_FILE_SIZE) in lines[0], run


def test_dev_zero_on_stdin(tmp_path):
    with open("/dev/zero", "rb") as zero:
        run = kerascheck("-", "--no-cache", cwd=tmp_path, stdin=zero, timeout=60)
    assert run.code == 2, run
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and "max-file-size" in lines[0], run


def test_binary_stdin_below_the_cap_is_kc902(tmp_path):
    run = kerascheck("-", "--stdin-filename", "blob.py", "--output-format", "json", "--no-cache", *SELECT,
                     cwd=tmp_path, input=b"import keras\n" + bytes(range(256)) * 100)
    assert run.code == 1, run
    assert by_path(run.findings()) == {"blob.py": ["KC902"]}, run


# --- symlinks, permissions, special files -------------------------------------------------------

def test_symlink_loops(tmp_path):
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    sub = tmp_path / "pkg"
    sub.mkdir()
    (sub / "again").symlink_to(sub, target_is_directory=True)  # a folder that contains itself
    (sub / "up").symlink_to(tmp_path, target_is_directory=True)  # and one that contains its parent
    (tmp_path / "a.py").symlink_to(tmp_path / "b.py")  # a.py -> b.py -> a.py
    (tmp_path / "b.py").symlink_to(tmp_path / "a.py")
    (tmp_path / "self.py").symlink_to(tmp_path / "self.py")
    run = lint_json(tmp_path)
    assert run.code == 1, run
    assert by_path(run.findings()) == {"bad.py": ["KC201"]}, run  # the loops are not source to lint


def test_looping_symlink_named_explicitly_is_kc902(tmp_path):
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "a.py").symlink_to(tmp_path / "b.py")
    (tmp_path / "b.py").symlink_to(tmp_path / "a.py")
    (tmp_path / "self.py").symlink_to(tmp_path / "self.py")
    # a looping link is a file kerascheck cannot read: KC902, and the run goes on
    run = lint_json(tmp_path, "self.py", "a.py", "bad.py")
    assert run.code == 1, run
    found = by_path(run.findings())
    assert found.get("bad.py") == ["KC201"], run
    assert found.get("self.py") == ["KC902"] and found.get("a.py") == ["KC902"], run
    msg = next(f["message"] for f in run.findings() if f["path"] == "self.py")
    assert "symbolic links" in msg or "cannot read" in msg, msg


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads files whatever their mode")
def test_unreadable_file_is_kc902(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text(BAD, encoding="utf-8")
    secret.chmod(0)
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    try:
        run = lint_json(tmp_path)
    finally:
        secret.chmod(0o644)
    assert run.code == 1, run
    assert by_path(run.findings()) == {"bad.py": ["KC201"], "secret.py": ["KC902"]}, run
    msg = next(f["message"] for f in run.findings() if f["path"] == "secret.py")
    assert "Permission denied" in msg, msg


def test_unreadable_folder_is_skipped_not_fatal(tmp_path):
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "inner.py").write_text(BAD, encoding="utf-8")
    locked.chmod(0)
    try:
        run = lint_json(tmp_path)
    finally:
        locked.chmod(0o755)
    assert run.code == 1, run
    assert by_path(run.findings()).get("bad.py") == ["KC201"], run


def test_a_folder_named_like_a_python_file(tmp_path):
    (tmp_path / "weird.py").mkdir()
    (tmp_path / "weird.py" / "inner.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "notebook.ipynb").mkdir()
    run = lint_json(tmp_path)
    assert run.code == 1 and by_path(run.findings()) == {"weird.py/inner.py": ["KC201"]}, run


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_in_a_folder_does_not_hang(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    try:
        run = kerascheck(".", "--output-format", "json", "--no-cache", *SELECT, cwd=tmp_path, timeout=6)
    except subprocess.TimeoutExpired:
        pytest.fail("kerascheck hung on a FIFO named pipe.py")
    assert run.code == 1 and by_path(run.findings()) == {"bad.py": ["KC201"]}, run  # the FIFO is not source
    shown = kerascheck(".", "--show-files", cwd=tmp_path, timeout=6)
    assert shown.out.split() == ["bad.py"], shown


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_explicitly_is_kc902_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    try:
        run = kerascheck("pipe.py", "bad.py", "--output-format", "json", "--no-cache", *SELECT, cwd=tmp_path,
                         timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("kerascheck hung on a FIFO named on the command line")
    assert run.code == 1 and by_path(run.findings()) == {"bad.py": ["KC201"], "pipe.py": ["KC902"]}, run
    msg = next(f["message"] for f in run.findings() if f["path"] == "pipe.py")
    assert "FIFO" in msg and "not a regular file" in msg and "kerascheck -" in msg, msg


# --- a hostile project configuration -----------------------------------------------------------------

@pytest.mark.skipif(os.name != "posix", reason="the planted interpreter is a shell script")
@pytest.mark.parametrize("table", [
    "runtime = true",
    'runtime = {{ enabled = true, python = "{evil}" }}',
    '[tool.kerascheck.runtime]\npython = "{evil}"',
], ids=["runtime-true", "enabled-and-python", "python-only"])
def test_a_hostile_pyproject_cannot_make_kerascheck_execute_anything(tmp_path, table):
    """A checkout's pyproject.toml (a pull request in CI, a pre-commit run) must not be able to turn
    runtime mode on or name a program for kerascheck to start: a plain run stays static."""
    marker = tmp_path / "executed"
    evil = tmp_path / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch '{marker}'\n", encoding="utf-8")
    evil.chmod(0o755)
    (tmp_path / "pyproject.toml").write_text("[tool.kerascheck]\n" + table.format(evil=evil) + "\n", encoding="utf-8")
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    run = lint_json(tmp_path)
    assert not marker.exists(), run
    assert run.code == 1 and by_path(run.findings()) == {"bad.py": ["KC201"]}, run
    assert all(f["runtime"] is None for f in run.findings()), run  # static findings, no runtime verdicts
    (warning,) = run.err.strip().splitlines()
    assert warning.startswith("kerascheck: warning: ") and "pyproject.toml" in warning and "--runtime" in warning
    settings = json.loads(kerascheck("--show-settings", cwd=tmp_path).out)
    assert settings["runtime"]["enabled"] is False and settings["runtime"]["python"] is None
    assert not marker.exists()


@pytest.mark.skipif(os.name != "posix", reason="the planted interpreter is a shell script")
def test_runtime_from_the_command_line_ignores_the_configs_interpreter(tmp_path):
    marker = tmp_path / "executed"
    evil = tmp_path / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch '{marker}'\n", encoding="utf-8")
    evil.chmod(0o755)
    (tmp_path / "pyproject.toml").write_text(f'[tool.kerascheck.runtime]\npython = "{evil}"\n', encoding="utf-8")
    (tmp_path / "plain.py").write_text("import keras\n", encoding="utf-8")  # no model: nothing to run
    run = kerascheck("--runtime", "plain.py", "--no-cache", cwd=tmp_path)
    assert not marker.exists(), run
    # this interpreter is used: it passes (0) or lacks TensorFlow (2, one line naming no other program)
    assert run.code in (0, 2), run
    errors = [line for line in run.err.splitlines() if not line.startswith("kerascheck: warning:")]
    assert run.code == 0 or (len(errors) == 1 and "TensorFlow" in errors[0] and "evil" not in errors[0]), run


# --- races ------------------------------------------------------------------------------------------

def test_file_deleted_between_discovery_and_reading(tmp_path):
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    gone = tmp_path / "gone.py"
    gone.write_text(BAD, encoding="utf-8")
    files, problems = discover([tmp_path], [], tmp_path, False)
    assert problems == [] and [f.display for f in files] == ["bad.py", "gone.py"]
    gone.unlink()
    linter = Linter(Settings(keras_version="3", select=["KC201", "KC9"]))
    results = [linter.lint_file(f) for f in files]
    assert [[f.code for f in r.findings] for r in results] == [["KC201"], ["KC902"]]
    assert "disappeared" in results[1].findings[0].message


def test_file_deleted_between_discovery_and_reading_through_the_cli(tmp_path, monkeypatch):
    import kerascheck.files

    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "gone.py").write_text(BAD, encoding="utf-8")
    real = kerascheck.files.discover

    def discover_then_delete(*args, **kwargs):
        files, problems = real(*args, **kwargs)
        (tmp_path / "gone.py").unlink()
        return files, problems

    monkeypatch.setattr(kerascheck.files, "discover", discover_then_delete)
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, [".", "--output-format", "json", "--no-cache", "-j", "1", *SELECT],
                           catch_exceptions=False)
    assert r.exit_code == 1, (r.exit_code, r.stdout, r.stderr)
    findings = json.loads(r.stdout)
    assert by_path(findings) == {"bad.py": ["KC201"], "gone.py": ["KC902"]}
    assert "Traceback" not in r.stderr


# --- notebooks ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [
    b"{ this is not json",
    b"",
    b"\xff\xfe\x00garbage",
    b'{"cells": "nope"}',
    b'{"cells": [{"cell_type": "code", "source": 42}]}',
    b'{"cells": [1, 2, 3]}',
    b"[]",
    b'{"cells": [{"cell_type": "code", "source": ["import keras\\n", null]}]}',
], ids=["invalid-json", "empty", "binary", "cells-not-a-list", "source-not-text", "cells-not-objects",
        "not-an-object", "null-in-source"])
def test_malformed_notebook_is_kc902(tmp_path, content):
    (tmp_path / "broken.ipynb").write_bytes(content)
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    run = lint_json(tmp_path)
    assert run.code == 1, run
    assert by_path(run.findings()) == {"bad.py": ["KC201"], "broken.ipynb": ["KC902"]}, run
    msg = next(f["message"] for f in run.findings() if f["path"] == "broken.ipynb")
    assert "notebook" in msg or "cell" in msg, msg


def test_notebook_with_a_broken_cell_is_kc901_in_that_cell(tmp_path):
    nb = {"cells": [
        {"cell_type": "markdown", "source": "# title"},
        {"cell_type": "code", "source": "%matplotlib inline\nimport keras\n"},
        {"cell_type": "code", "source": "def broken(:\n    pass\n"},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    run = lint_json(tmp_path)
    assert run.code == 1, run
    (f,) = run.findings()
    assert f["code"] == "KC901" and f.get("cell") == 2 and f["line"] == 1, f


# --- every output format survives all of it at once ------------------------------------------------

@pytest.mark.parametrize("fmt", ["full", "concise", "json", "json-lines", "github", "sarif", "lsp"])
def test_every_format_on_a_folder_of_bad_files(tmp_path, fmt):
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "binary.py").write_bytes(b"import keras\x00\x01")
    (tmp_path / "latin.py").write_bytes("import keras\nx = 'caf\u00e9'\n".encode("latin-1"))
    (tmp_path / "utf16.py").write_bytes("import keras\n".encode("utf-16"))
    (tmp_path / "syntax.py").write_text("import keras\ndef f(:\n", encoding="utf-8")
    (tmp_path / "broken.ipynb").write_bytes(b"{")
    (tmp_path / "self.py").symlink_to(tmp_path / "self.py")
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    run = kerascheck(".", "--output-format", fmt, "--no-cache", *SELECT, cwd=tmp_path)
    assert run.code == 1, run
    if fmt in ("json", "sarif", "lsp"):
        json.loads(run.out)
    if fmt == "json":
        assert by_path(run.findings()) == {
            "bad.py": ["KC201"], "binary.py": ["KC902"], "broken.ipynb": ["KC902"], "latin.py": ["KC902"],
            "syntax.py": ["KC901"], "utf16.py": ["KC902"]}, run
