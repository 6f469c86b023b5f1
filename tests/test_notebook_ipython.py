"""Notebook cells are read as IPython runs them; a cell that still does not parse costs only itself."""

import json

import pytest

from kerascheck.config import Settings
from kerascheck.engine import Linter
from kerascheck.fix import fix_notebook
from kerascheck.notebook import load

BUG = "m = keras.Sequential([keras.layers.Dense(1, activation='softmax')])"
BUG_COLUMN = BUG.index("'softmax'") + 1


def _nb(*cells: str) -> bytes:
    return json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                                  "source": c} for c in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1).encode()


def _findings(*cells: str) -> list[tuple]:
    a = Linter(Settings(keras_version="3")).lint_bytes(_nb(*cells), "nb.ipynb")
    return [(f.code, f.cell, f.line, f.column) for f in a.findings]


def test_a_cell_indented_as_a_whole_is_dedented_and_positions_stay_in_the_cell():
    assert _findings("    import keras\n    " + BUG + "\n") == [("KC201", 1, 2, BUG_COLUMN + 4)]


def test_a_line_without_the_common_indent_is_left_as_it_is():
    # IPython strips the first line's indent only from lines that start with it.
    assert _findings("  import keras\n  if True:\n      " + BUG + "\n") == [("KC201", 1, 3, BUG_COLUMN + 6)]


@pytest.mark.parametrize("escape", ["!pip install \\\n    tensorflow \\\n    keras",
                                    "%pip install \\\n  keras",
                                    "files = !ls \\\n  data"])
def test_escaped_lines_with_backslash_continuations_are_masked(escape):
    assert _findings(escape + "\nimport keras\n" + BUG) == [("KC201", 1, escape.count("\n") + 3, BUG_COLUMN)]


@pytest.mark.parametrize("line", ["ls ./data", "cd data/train", "pip install -q keras", "mkdir -p out",
                                  "rm -rf logs", "cp a.txt b.txt", "cat requirements.txt"])
def test_automagic_commands_are_masked(line):
    assert _findings("import keras\n" + line, BUG) == [("KC201", 2, 1, BUG_COLUMN)]


def test_a_python_line_that_starts_like_a_magic_is_kept():
    # `ls = [...]` is Python: IPython runs it as Python, and so does kerascheck (no automagic).
    text = "import keras\nls = [1]\ncd = ls\n" + BUG
    assert _findings(text) == [("KC201", 1, 4, BUG_COLUMN)]
    assert load(_nb(text)).masked == frozenset()


def test_help_lines_are_masked():
    assert _findings("import keras\nkeras.layers.Dense?\n??keras.Model\nkeras?", BUG) == [("KC201", 2, 1, BUG_COLUMN)]


def test_a_cell_that_does_not_parse_costs_only_that_cell():
    cells = ("import keras\nNUM = 1", "def broken(:\n    pass", BUG.replace("Dense(1", "Dense(NUM"))
    assert _findings(*cells) == [("KC901", 2, 1, 12), ("KC201", 3, 1, BUG_COLUMN + 2)]


def test_a_python_file_keeps_python_syntax():
    a = Linter(Settings(keras_version="3")).lint_text("import keras\nls ./data\n", "script.py")
    assert [f.code for f in a.findings] == ["KC901"]


def test_fixes_land_in_the_dedented_cell_at_the_right_columns():
    data = _nb("  import keras\n  " + BUG + "\n")
    linter = Linter(Settings(keras_version="3"))
    out = fix_notebook(lambda text: linter.lint_text(text, "nb.ipynb").findings, data, unsafe=True)
    assert out.problem is None and out.fixed == 1
    (cell,) = json.loads(out.data)["cells"]
    assert "".join(cell["source"]) == "  import keras\n  " + BUG.replace("'softmax'", "'sigmoid'") + "\n"


def test_a_modulo_or_not_at_the_start_of_a_continued_line_is_python():
    # `% (a, b)` inside an open bracket (black's style for long % formatting) is not a magic.
    text = 'import keras\nprint(\n    "%d samples"\n    % (3,)\n)\ns = """\n%not a magic\n"""\n' + BUG
    assert _findings(text) == [("KC201", 1, 9, BUG_COLUMN)]
    assert load(_nb(text)).masked == frozenset()
