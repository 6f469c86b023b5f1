"""--fix / --diff end to end: files are rewritten atomically and only when a fix applies."""

import os
import stat
import subprocess
import sys

from helpers import env_with_checkout

BUGGY = '''import keras
m = keras.metrics.MeanIoU(num_classes=3)
m.reset_states()  # keep this comment
opt = keras.optimizers.Adam(lr=0.01,   momentum_ignored=None) if False else keras.optimizers.Adam(lr=0.01)
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation='softmax')])
'''


def _kc(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "kerascheck", *args, "--no-cache", "--keras-version", "3",
                           "--output-format", "concise"], capture_output=True, text=True, cwd=tmp_path,
                          env=env_with_checkout())


def test_fix_applies_safe_fixes_keeps_formatting_and_permissions(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(BUGGY)
    os.chmod(path, 0o640)
    out = _kc(tmp_path, "train.py", "--fix")
    text = path.read_text()
    assert "m.reset_state()  # keep this comment" in text
    assert "Adam(learning_rate=0.01,   momentum_ignored=None)" in text
    assert "activation='softmax'" in text  # unsafe: not applied without --unsafe-fixes
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert out.returncode == 1  # KC201 remains
    assert "more fixable with --unsafe-fixes" in out.stdout
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".kerascheck")]  # no temp file left


def test_second_fix_changes_nothing(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(BUGGY)
    _kc(tmp_path, "train.py", "--fix", "--unsafe-fixes")
    once = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    out = _kc(tmp_path, "train.py", "--fix", "--unsafe-fixes")
    assert path.read_bytes() == once and path.stat().st_mtime_ns == mtime
    assert out.returncode == 0, out.stdout
    assert "activation='sigmoid'" in once.decode()


def test_files_without_fixable_findings_are_never_rewritten(tmp_path):
    clean = tmp_path / "clean.py"
    clean.write_text("import keras\nx  =  1   \n")  # odd whitespace must survive
    before = clean.stat().st_mtime_ns
    _kc(tmp_path, "clean.py", "--fix", "--unsafe-fixes")
    assert clean.read_text() == "import keras\nx  =  1   \n"
    assert clean.stat().st_mtime_ns == before


def test_diff_prints_and_writes_nothing(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(BUGGY)
    out = _kc(tmp_path, "train.py", "--diff")
    assert out.returncode == 1
    assert "-m.reset_states()" in out.stdout and "+m.reset_state()" in out.stdout
    assert path.read_text() == BUGGY
    clean = tmp_path / "clean.py"
    clean.write_text("import keras\n")
    assert _kc(tmp_path, "clean.py", "--diff").returncode == 0


def test_latin1_file_keeps_its_encoding(tmp_path):
    path = tmp_path / "train.py"
    src = "# -*- coding: latin-1 -*-\n# d\xe9j\xe0 vu\nimport keras\nm = keras.metrics.Mean()\nm.reset_states()\n"
    path.write_bytes(src.encode("latin-1"))
    _kc(tmp_path, "train.py", "--fix")
    assert path.read_bytes() == src.replace("reset_states", "reset_state").encode("latin-1")


def test_fix_that_breaks_syntax_leaves_the_file_untouched(monkeypatch):
    from kerascheck.finding import Edit, Finding, Fix
    from kerascheck.fix import fix_source

    text = "import keras\nx = 1\n"
    bad = Finding("f.py", 2, 1, 2, 2, "KC999", "x", "error", "m", Fix("break", "safe", (Edit(2, 1, 2, 2, "("),)))
    out = fix_source(lambda t: [], text, [bad], unsafe=False)
    assert out.text == text and out.problem and out.fixed == 0
