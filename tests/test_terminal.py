"""What a person at a terminal sees: colour, progress, fix hints, did-you-mean, --watch, statistics."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import ROOT, env_with_checkout
from kerascheck.cli import main
from kerascheck.output.concise import first_sentence
from kerascheck.terminal import Progress, use_color

ESC = "\x1b["
BAD = ("import keras\n"
       "model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation='softmax')])\n"
       "model.compile(optimizer='adam', loss='binary_crossentropy')\n")


def _cli(args, cwd: Path, env: dict | None = None):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner(env=env or {}).invoke(main, [str(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(BAD, encoding="utf-8")
    return tmp_path


# --- colour ---------------------------------------------------------------------------------------

def test_no_colour_when_piped_colour_when_asked(project):
    assert ESC not in _cli(["train.py", "--no-cache"], project).output  # CliRunner: not a terminal
    forced = _cli(["train.py", "--no-cache", "--color", "always"], project).output
    assert f"{ESC}1;31mKC201{ESC}0m" in forced and f"{ESC}1;31mFound 1 problem" in forced
    assert ESC not in _cli(["train.py", "--no-cache", "--color", "never"], project, {"FORCE_COLOR": "1"}).output


@pytest.mark.parametrize("env,tty,expected", [
    ({}, True, True), ({}, False, False), ({"NO_COLOR": "1"}, True, False), ({"FORCE_COLOR": "1"}, False, True),
    ({"NO_COLOR": ""}, True, True), ({"TERM": "dumb"}, True, False)])
def test_auto_colour_follows_the_terminal_and_the_conventions(monkeypatch, env, tty, expected):
    for key in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    class Stream:
        def isatty(self):
            return tty

    assert use_color("auto", Stream()) is expected
    assert use_color("auto", Stream(), to_file=True) is False


def test_colour_on_a_real_terminal_and_never_into_a_file(project):
    env = {k: v for k, v in env_with_checkout().items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm"
    out = _pty([sys.executable, "-m", "kerascheck", "train.py", "--no-cache"], project, env)
    assert f"{ESC}1;31mKC201" in out
    subprocess.run([sys.executable, "-m", "kerascheck", "train.py", "--no-cache", "-o", "out.txt"], cwd=project,
                   env=env, capture_output=True)
    assert ESC not in (project / "out.txt").read_text(encoding="utf-8")


def _pty(cmd: list[str], cwd: Path, env: dict, timeout: float = 60) -> str:
    """Run `cmd` with stdout and stderr on a pseudo-terminal; everything it printed."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


# --- progress -------------------------------------------------------------------------------------

def test_progress_appears_only_after_the_delay_and_is_erased():
    class Stream:
        def __init__(self):
            self.text = ""

        def write(self, s):
            self.text += s

        def flush(self):
            pass

    quiet = Stream()
    p = Progress(10, enabled=True, delay=60, stream=quiet)
    p.update(5)
    p.close()
    assert quiet.text == ""  # a short run prints nothing
    slow = Stream()
    p = Progress(10, enabled=True, delay=0, stream=slow)
    p.update(10)
    p.close()
    assert "10/10 files checked" in slow.text and slow.text.endswith("\r\x1b[K")
    off = Stream()
    p = Progress(10, enabled=False, delay=0, stream=off)
    p.update(10)
    assert off.text == ""


def test_progress_only_for_human_formats_on_a_terminal():
    class Tty:
        def isatty(self):
            return True

    class Pipe:
        def isatty(self):
            return False

    assert Progress.wanted("full", Tty()) and Progress.wanted("concise", Tty())
    assert not Progress.wanted("json", Tty()) and not Progress.wanted("sarif", Tty())
    assert not Progress.wanted("full", Pipe())


def test_progress_on_a_real_terminal_for_a_long_run(project):
    for i in range(40):
        (project / f"m{i}.py").write_text(BAD, encoding="utf-8")
    env = dict(env_with_checkout(), KERASCHECK_PROGRESS_DELAY="0")
    out = _pty([sys.executable, "-m", "kerascheck", ".", "--no-cache", "-j", "1", "--output-format", "concise"],
               project, env)
    assert "/41 files checked" in out
    piped = subprocess.run([sys.executable, "-m", "kerascheck", ".", "--no-cache", "-j", "1"], cwd=project, env=env,
                           capture_output=True, text=True)
    assert "files checked\r" not in piped.stderr and "/41 files" not in piped.stderr


# --- summary and fix hints ------------------------------------------------------------------------

def test_summary_counts_fixable_findings_and_fix_lines_say_safe_or_unsafe(project):
    out = _cli(["train.py", "--no-cache"], project).output
    assert "= fix (unsafe): " in out
    assert "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)." in out
    (project / "old.py").write_text("import keras\nm = keras.metrics.Mean()\nm.reset_states()\n", encoding="utf-8")
    out = _cli(["old.py", "train.py", "--no-cache", "--keras-version", "3"], project).output
    assert ("[*] 1 fixable with the `--fix` option (1 hidden fix can be enabled with the `--unsafe-fixes` option)."
            in out)
    assert "= fix (safe): " in out


# --- did you mean ---------------------------------------------------------------------------------

@pytest.mark.parametrize("typo,command", [("rlues", "rules"), ("rul", "rule"), ("sever", "server"), ("chekc", "check")])
def test_a_missing_path_close_to_a_command_suggests_it(tmp_path, typo, command):
    r = _cli([typo], tmp_path)
    assert r.exit_code == 2
    assert f"did you mean `kerascheck {command}`?" in r.output


def test_an_existing_path_named_like_a_command_typo_is_linted(tmp_path):
    (tmp_path / "rlues").mkdir()
    (tmp_path / "rlues" / "train.py").write_text(BAD, encoding="utf-8")
    r = _cli(["rlues", "--no-cache"], tmp_path)
    assert r.exit_code == 1 and "KC201" in r.output


def test_a_missing_path_far_from_every_command_is_the_usual_error(tmp_path):
    r = _cli(["nothing_here.py"], tmp_path)
    assert r.exit_code == 2 and "did you mean" not in r.output


# --- statistics and empty runs --------------------------------------------------------------------

def test_statistics_as_json_and_json_lines(project):
    rows = json.loads(_cli(["train.py", "--no-cache", "--statistics", "--output-format", "json"], project).output)
    assert rows == [{"code": "KC201", "name": "softmax-on-single-unit", "count": 1, "fixable": True}]
    lines = _cli(["train.py", "--no-cache", "--statistics", "--output-format", "json-lines"], project).output
    assert [json.loads(line) for line in lines.splitlines()] == rows
    r = _cli(["train.py", "--no-cache", "--statistics", "--output-format", "sarif"], project)
    assert r.exit_code == 2 and "--statistics" in r.output


def test_a_run_that_finds_no_files_warns_and_exits_0(tmp_path):
    (tmp_path / "empty").mkdir()
    r = _cli(["empty"], tmp_path)
    assert r.exit_code == 0
    assert "warning: no Python files or notebooks found" in r.output


# --- concise --------------------------------------------------------------------------------------

@pytest.mark.parametrize("message,sentence", [
    ("softmax on 1 unit returns 1.0: it never changes. Use sigmoid.", "softmax on 1 unit returns 1.0: it never changes."),
    ("Keras raises `ValueError: Expected keys. Got x`. Rename the keys.", "Keras raises `ValueError: Expected keys. Got x`."),
    ("fit raises `TypeError: bad dtype 'x'.` Cast y_true first.", "fit raises `TypeError: bad dtype 'x'.`"),
    ("Pass from_logits (e.g. SparseCategoricalCrossentropy(True)) here.", "Pass from_logits (e.g. SparseCategoricalCrossentropy(True)) here."),
    ("one sentence without a full stop", "one sentence without a full stop"),
])
def test_concise_shows_the_first_sentence(message, sentence):
    assert first_sentence(message) == sentence


def test_concise_lines_are_short_on_the_examples():
    r = _cli(["examples", "--no-cache", "--output-format", "concise"], ROOT)
    lines = [line for line in r.output.splitlines() if ": KC" in line]
    assert lines and max(len(line) for line in lines) < 420
    assert all(not line.rstrip().endswith("Use `activation=\"sigmoid\"` for one output unit (or N >= 2 units with softmax)")
               for line in lines)


# --- watch ----------------------------------------------------------------------------------------

@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT semantics")
def test_watch_lints_again_on_change_and_ctrl_c_exits_cleanly(project):
    (project / "train.py").write_text("import keras\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "kerascheck", "--watch", ".", "--output-format", "concise"],
                            cwd=project, env=env_with_checkout(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()

    def wait_for(text: str) -> bool:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(text in line for line in list(lines)):
                return True
            time.sleep(0.1)
        return False

    try:
        assert wait_for("All checks passed")
        time.sleep(0.6)
        (project / "train.py").write_text(BAD, encoding="utf-8")
        assert wait_for("KC201")
        assert any("train.py:2:" in line for line in lines)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        err = proc.stderr.read()
        assert proc.returncode == 0, err
        assert "Traceback" not in err and "File change detected" in err
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("message,sentence", [
    ("fit raises `TypeError: bad 'x'` Cast y_true first.", "fit raises `TypeError: bad 'x'`"),
    ("`keras.ops.squeeze` on the model output hides a shape mismatch", "`keras.ops.squeeze` on the model output hides a shape mismatch"),
    ("set `from_logits` `True` here. Then train.", "set `from_logits` `True` here."),
])
def test_concise_first_sentence_after_a_quoted_error(message, sentence):
    assert first_sentence(message) == sentence
