"""Notebooks: code cells as one module, magics masked, findings mapped back to cell and line."""

import json
import subprocess
import sys

from helpers import env_with_checkout

from kerascheck import notebook

BUGGY_CELL = ['model = keras.Sequential([\n', '    keras.Input(shape=(8,)),\n',
              '    keras.layers.Dense(1, activation="softmax"),\n', '])\n']


def _nb(*cells):
    return json.dumps({"cells": [{"cell_type": t, "source": s, "metadata": {}, "outputs": []} for t, s in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def _lint(tmp_path, data, *args):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(data)
    return subprocess.run([sys.executable, "-m", "kerascheck", str(path), "--no-cache", *args],
                          capture_output=True, text=True, cwd=tmp_path, env=env_with_checkout())


def test_finding_in_a_later_cell_is_reported_at_that_cell(tmp_path):
    data = _nb(("markdown", "# title"), ("code", "%matplotlib inline\nimport keras\n!pip install x\n"),
               ("code", BUGGY_CELL))
    out = _lint(tmp_path, data, "--output-format", "concise")
    assert out.returncode == 1, out.stderr
    assert "nb.ipynb:cell 2:3:" in out.stdout and "KC201" in out.stdout


def test_json_has_cell_and_cell_relative_line(tmp_path):
    data = _nb(("code", ["import keras\n", "x = 1\n"]), ("code", BUGGY_CELL))
    out = _lint(tmp_path, data, "--output-format", "json")
    [finding] = json.loads(out.stdout)
    assert (finding["cell"], finding["line"], finding["code"]) == (2, 3, "KC201")


def test_full_output_shows_the_cells_own_line(tmp_path):
    data = _nb(("code", ["import keras\n"]), ("code", BUGGY_CELL))
    out = _lint(tmp_path, data)
    assert 'keras.layers.Dense(1, activation="softmax")' in out.stdout
    assert "nb.ipynb:cell 2:3:" in out.stdout


def test_magics_and_shell_lines_are_masked_without_shifting_lines():
    nb = notebook.load(_nb(("code", "%%time\nimport keras\n"), ("code", "x = !ls\n  %timeit f()\ny?\n")))
    assert nb.text.splitlines() == ["pass", "import keras", "pass", "  pass", "pass"]
    assert nb.lines == [(1, 1), (1, 2), (2, 1), (2, 2), (2, 3)]


def test_non_python_cell_magic_is_masked_whole():
    nb = notebook.load(_nb(("code", "%%bash\necho hi\nls\n")))
    assert nb.text.splitlines() == ["pass", "", ""]


def test_malformed_notebook_is_a_finding_not_a_crash(tmp_path):
    out = _lint(tmp_path, b"{not json", "--output-format", "concise")
    assert out.returncode == 1
    assert "KC902" in out.stdout and "notebook" in out.stdout
    assert "Traceback" not in out.stderr


def test_clean_notebook_passes(tmp_path):
    data = _nb(("code", "import keras\nmodel = keras.Sequential([keras.layers.Dense(3, activation='softmax')])\n"))
    assert _lint(tmp_path, data).returncode == 0
