"""--fix / --diff end to end: files are rewritten atomically and only when a fix applies."""

import json
import os
import stat
import subprocess
import sys

import pytest
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


# --- notebooks ------------------------------------------------------------------------------------

NB_CELLS = [
    {"cell_type": "markdown", "metadata": {}, "source": ["# Training\n", "notes"]},
    {"cell_type": "code", "execution_count": 1, "id": "a1", "metadata": {"tags": ["setup"]},
     "outputs": [{"name": "stdout", "output_type": "stream", "text": ["Collecting x\n", "déjà\n"]}],
     "source": ["%matplotlib inline\n", "!pip install x\n", "import keras\n",
                "m = keras.metrics.MeanIoU(num_classes=3)\n", "m.reset_states()  # keep"]},
    {"cell_type": "code", "execution_count": None, "id": "b2", "metadata": {}, "outputs": [],
     "source": "%%bash\necho m.reset_states()\n"},
    {"cell_type": "code", "execution_count": 2, "id": "c3", "metadata": {"collapsed": False},
     "outputs": [{"data": {"image/png": "iVBORw0KGgo=\n", "text/plain": ["<Figure>"]}, "metadata": {},
                  "output_type": "display_data"}],
     "source": "opt = keras.optimizers.Adam(lr=0.01)\nmodel = keras.Sequential([keras.Input(shape=(4,)), "
               "keras.layers.Dense(1, activation='softmax')])\n"},
]
NB_FIXED_SOURCES = {
    1: ["%matplotlib inline\n", "!pip install x\n", "import keras\n",
        "m = keras.metrics.MeanIoU(num_classes=3)\n", "m.reset_state()  # keep"],
    3: "opt = keras.optimizers.Adam(learning_rate=0.01)\nmodel = keras.Sequential([keras.Input(shape=(4,)), "
       "keras.layers.Dense(1, activation='softmax')])\n",
}


def _notebook(cells=None):
    return {"cells": json.loads(json.dumps(cells or NB_CELLS)), "metadata": {"kernelspec": {"name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def _nbformat_bytes(nb, **style):
    """As Jupyter writes it (nbformat: indent=1, ensure_ascii=False, a trailing newline) unless overridden."""
    style = {"indent": 1, "ensure_ascii": False, **style}
    return (json.dumps(nb, **style) + "\n").encode("utf-8")


def test_notebook_fix_changes_only_the_fixed_cells_sources(tmp_path):
    path = tmp_path / "nb.ipynb"
    original = _notebook()
    path.write_bytes(_nbformat_bytes(original))
    out = _kc(tmp_path, "nb.ipynb", "--fix")
    expected = _notebook()
    for index, source in NB_FIXED_SOURCES.items():
        expected["cells"][index]["source"] = source
    # Byte for byte what Jupyter would write for the fixed notebook: key order, 1-space indent,
    # raw UTF-8, trailing newline, list-of-lines vs string sources, outputs and metadata all kept.
    assert path.read_bytes() == _nbformat_bytes(expected)
    assert "Fixed 2 findings in 1 file" in out.stdout
    assert out.returncode == 1 and "nb.ipynb:cell 3:2:" in out.stdout  # the unsafe KC201 remains
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".kerascheck")]


def test_notebook_fix_is_idempotent_and_never_touches_a_clean_notebook(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(_nbformat_bytes(_notebook()))
    _kc(tmp_path, "nb.ipynb", "--fix", "--unsafe-fixes")
    once, mtime = path.read_bytes(), path.stat().st_mtime_ns
    assert "activation='sigmoid'" in json.loads(once)["cells"][3]["source"]
    assert json.loads(once)["cells"][2]["source"] == "%%bash\necho m.reset_states()\n"  # a bash cell stays
    out = _kc(tmp_path, "nb.ipynb", "--fix", "--unsafe-fixes")
    assert out.returncode == 0, out.stdout
    assert path.read_bytes() == once and path.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("style", [
    {"indent": 2}, {"indent": 4, "ensure_ascii": True}, {"indent": None}, {"indent": None, "separators": (",", ":")},
    {"indent": "\t", "sort_keys": True},
])
def test_notebook_fix_keeps_other_json_layouts(tmp_path, style):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(_nbformat_bytes(_notebook(), **style))
    _kc(tmp_path, "nb.ipynb", "--fix")
    expected = _notebook()
    for index, source in NB_FIXED_SOURCES.items():
        expected["cells"][index]["source"] = source
    assert path.read_bytes() == _nbformat_bytes(expected, **style)


def test_notebook_fix_keeps_crlf_and_bom(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(b"\xef\xbb\xbf" + _nbformat_bytes(_notebook()).replace(b"\n", b"\r\n"))
    _kc(tmp_path, "nb.ipynb", "--fix")
    expected = _notebook()
    for index, source in NB_FIXED_SOURCES.items():
        expected["cells"][index]["source"] = source
    assert path.read_bytes() == b"\xef\xbb\xbf" + _nbformat_bytes(expected).replace(b"\n", b"\r\n")


def test_notebook_whose_layout_cannot_be_reproduced_is_left_alone(tmp_path):
    path = tmp_path / "nb.ipynb"
    data = _nbformat_bytes(_notebook()).replace(b'"nbformat_minor": 5', b'"nbformat_minor":   5')
    path.write_bytes(data)
    before = path.stat().st_mtime_ns
    out = _kc(tmp_path, "nb.ipynb", "--fix")
    assert path.read_bytes() == data and path.stat().st_mtime_ns == before
    assert "cannot be reproduced" in out.stderr and "Traceback" not in out.stderr
    assert out.returncode == 1  # the findings are still reported


def test_notebook_diff_shows_each_cell_and_writes_nothing(tmp_path):
    path = tmp_path / "nb.ipynb"
    data = _nbformat_bytes(_notebook())
    path.write_bytes(data)
    out = _kc(tmp_path, "nb.ipynb", "--diff")
    assert out.returncode == 1
    assert "--- a/nb.ipynb:cell 1\n+++ b/nb.ipynb:cell 1\n" in out.stdout
    assert "-m.reset_states()  # keep\n\\ No newline at end of file\n+m.reset_state()  # keep\n" in out.stdout
    assert "--- a/nb.ipynb:cell 3\n" in out.stdout and "+opt = keras.optimizers.Adam(learning_rate=0.01)" in out.stdout
    assert "cell 2" not in out.stdout  # the %%bash cell (code cell 2) has nothing to fix
    assert path.read_bytes() == data


def test_notebook_fix_from_stdin_prints_the_notebook(tmp_path):
    data = _nbformat_bytes(_notebook())
    out = subprocess.run([sys.executable, "-m", "kerascheck", "-", "--stdin-filename", "nb.ipynb", "--fix",
                          "--no-cache", "--keras-version", "3"], input=data, capture_output=True,
                         cwd=tmp_path, env=env_with_checkout())
    assert json.loads(out.stdout)["cells"][1]["source"] == NB_FIXED_SOURCES[1]
    assert b"Fixed 2 findings" in out.stderr


def test_fix_reaching_into_another_cell_or_a_magic_is_dropped():
    from kerascheck import notebook
    from kerascheck.finding import Edit, Finding, Fix

    nb = notebook.load(json.dumps(_notebook()).encode())
    # Module lines: 1-5 are code cell 1 (line 1 %matplotlib, 2 !pip), 6-7 the %%bash cell, 8-9 cell 3.
    def finding(*edits):
        return Finding("nb.ipynb", 8, 1, 8, 4, "KC999", "x", "error", "m", Fix("f", "safe", tuple(edits)))

    assert notebook.to_cell(nb, finding(Edit(8, 1, 8, 4, "x"))).fix.edits == (Edit(1, 1, 1, 4, "x"),)
    assert notebook.to_cell(nb, finding(Edit(5, 3, 8, 1, ""))).fix is None  # spans cells 1 and 3
    assert notebook.to_cell(nb, finding(Edit(8, 1, 8, 2, ""), Edit(4, 1, 4, 2, ""))).fix is None
    assert notebook.to_cell(nb, finding(Edit(2, 1, 2, 2, ""))).fix is None  # the !pip line
    assert notebook.to_cell(nb, finding(Edit(7, 1, 7, 2, ""))).fix is None  # inside %%bash
    assert notebook.to_cell(nb, finding(Edit(9, 1, 10, 1, ""))).fix is None  # past the end


def test_diff_splits_lines_where_python_does():
    """A form feed (or U+2028) inside a line is not a line break: the diff shows one changed line, and
    only a real last line without a break gets git's marker."""
    from kerascheck.fix import unified_diff

    before = "x = 1\x0c  # page\ny = 2\u2028\nz = 3"
    after = before.replace("z = 3", "z = 4")
    assert unified_diff("t.py", before, after) == (
        "--- a/t.py\n+++ b/t.py\n@@ -1,3 +1,3 @@\n x = 1\x0c  # page\n y = 2\u2028\n-z = 3\n"
        "\\ No newline at end of file\n+z = 4\n\\ No newline at end of file\n")
