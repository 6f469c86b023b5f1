"""Notebooks: code cells as one module, magics masked, findings mapped back to cell and line."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
    # (The indented magic sits in a block: an indented line after `x = !ls` would be an indentation
    # error in IPython too, and such a cell is now left out whole.)
    nb = notebook.load(_nb(("code", "%%time\nimport keras\n"), ("code", "x = !ls\nif x:\n  %timeit f()\ny?\n")))
    assert nb.text.splitlines() == ["pass", "import keras", "pass", "if x:", "  pass", "pass"]
    assert nb.lines == [(1, 1), (1, 2), (2, 1), (2, 2), (2, 3), (2, 4)]
    assert nb.broken == {}


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


# --- SARIF and LSP: the right region for a cell ------------------------------------------------------

NOTEBOOK = {"cells": [
    {"cell_type": "markdown", "metadata": {}, "source": ["# title \U0001F600\n"]},
    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
     "source": ["%matplotlib inline\n", "import keras  # caf\u00e9 \U0001F600\n"]},
    {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
     "source": 'm = keras.metrics.Mean()\nx = "\U0001F600"; m.reset_states()\n'
               'model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1, activation="softmax")])\n'},
], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _validate_sarif(log):
    import jsonschema

    schema = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(log))
    assert not errors, [e.message for e in errors[:5]]


def _raw_slice(raw: str, region: dict) -> str:
    lines = raw.split("\n")
    assert region["startLine"] == region["endLine"]
    return lines[region["startLine"] - 1][region["startColumn"] - 1:region["endColumn"] - 1]


@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_sarif_region_points_into_the_notebook_file(tmp_path, ensure_ascii):
    raw = json.dumps(NOTEBOOK, indent=1, ensure_ascii=ensure_ascii) + "\n"
    out = _lint(tmp_path, raw.encode(), "--output-format", "sarif", "--keras-version", "3")
    log = json.loads(out.stdout)
    _validate_sarif(log)
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    kc201, kc502 = results["KC201"], results["KC502"]
    loc = kc201["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"] == {"uri": "nb.ipynb", "uriBaseId": "%SRCROOT%"}
    # The region is where the code is in the .ipynb text (escaped quotes and all), as GitHub shows it.
    assert _raw_slice(raw, loc["physicalLocation"]["region"]) == '\\"softmax\\"'
    assert loc["properties"]["cell"] == 2 and loc["properties"]["cellIndex"] == 2
    assert loc["properties"]["cellRegion"]["startLine"] == 3
    # After an astral character, written raw or as a \ud83d\ude00 escape, columns still line up.
    assert _raw_slice(raw, kc502["locations"][0]["physicalLocation"]["region"]).startswith("m.reset_states")
    # The fix, applied to the file's text as SARIF describes it, is the fix of the cell.
    (change,) = kc502["fixes"][0]["artifactChanges"]
    (rep,) = change["replacements"]
    region, lines = rep["deletedRegion"], raw.split("\n")
    line = lines[region["startLine"] - 1]
    lines[region["startLine"] - 1] = (line[:region["startColumn"] - 1] + rep["insertedContent"]["text"]
                                      + line[region["endColumn"] - 1:])
    fixed = json.loads("\n".join(lines))
    assert fixed["cells"][2]["source"] == NOTEBOOK["cells"][2]["source"].replace("reset_states", "reset_state")


def test_sarif_fix_with_quotes_is_escaped_for_the_json_text(tmp_path):
    raw = json.dumps(NOTEBOOK, indent=1) + "\n"
    log = json.loads(_lint(tmp_path, raw.encode(), "--output-format", "sarif", "--keras-version", "3").stdout)
    kc201 = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "KC201")
    (rep,) = kc201["fixes"][0]["artifactChanges"][0]["replacements"]
    assert rep["insertedContent"]["text"] == '\\"sigmoid\\"'


def test_lsp_gives_one_entry_per_cell_with_cell_relative_utf16_ranges(tmp_path):
    raw = json.dumps(NOTEBOOK, indent=1) + "\n"
    out = _lint(tmp_path, raw.encode(), "--output-format", "lsp", "--keras-version", "3")
    entries = json.loads(out.stdout)
    uri = (tmp_path / "nb.ipynb").resolve().as_uri()
    assert [(e["uri"], e["cell"], e["cellIndex"]) for e in entries] == [(uri, 2, 2)]  # the markdown cell counts
    diags = {d["code"]: d for d in entries[0]["diagnostics"]}
    # Line 2 of the cell (0-based 1); '😀' before it is one code point but two UTF-16 units.
    assert diags["KC502"]["range"]["start"] == {"line": 1, "character": 10}
    assert diags["KC502"]["data"]["fix"]["edits"][0]["column"] == 12  # `reset_states`: code points, 1-based
    assert diags["KC201"]["range"]["start"]["line"] == 2 and diags["KC201"]["data"]["cell"] == 2


def test_source_map_positions_survive_escapes_and_surrogate_pairs():
    raw = json.dumps({"cells": [{"cell_type": "code", "source": ['a = "\\t\U0001F600"\n', "b\n"]}]}, indent=1)
    sm = notebook.SourceMap(raw)
    line, column = sm.position(1, 2, 1)
    assert raw.split("\n")[line - 1][column - 1:column] == "b"
    line, column = sm.position(1, 1, 9)  # the closing quote of line 1's "a = ...": after \ud83d\ude00
    assert raw.split("\n")[line - 1][column - 1:column + 1] == '\\"'
    assert sm.indices == {1: 0}
    assert notebook.SourceMap("{not json").position(1, 1, 1) is None


def test_sarif_without_the_notebook_text_claims_no_region(tmp_path):
    from kerascheck.finding import Edit, Finding, Fix
    from kerascheck.output import Report, render

    f = Finding("nb.ipynb", 2, 1, 2, 5, "KC999", "x", "error", "m", Fix("f", "safe", (Edit(2, 1, 2, 2, "y"),)), cell=3)
    log = json.loads(render("sarif", Report([f], {}, {}, tmp_path)))
    _validate_sarif(log)
    (result,) = log["runs"][0]["results"]
    assert "region" not in result["locations"][0]["physicalLocation"]  # cell lines are not file lines
    assert result["locations"][0]["properties"]["cellRegion"]["startLine"] == 2
    assert "fixes" not in result


def test_github_annotation_points_into_the_notebook_file(tmp_path):
    raw = json.dumps(NOTEBOOK, indent=1) + "\n"
    out = _lint(tmp_path, raw.encode(), "--output-format", "github", "--keras-version", "3")
    kc201 = next(line for line in out.stdout.splitlines() if "KC201" in line)
    props = dict(p.split("=", 1) for p in kc201.split("::")[1].split(" ", 1)[1].split(","))
    # GitHub puts the annotation on a line of the stored file: the .ipynb JSON line with the code.
    line, col, end = int(props["line"]), int(props["col"]), int(props["endColumn"])
    assert raw.split("\n")[line - 1][col - 1:end - 1] == '\\"softmax\\"'
    assert props["title"] == "KC201 (softmax-on-single-unit) in cell 2%2C line 3"


def test_github_annotation_without_the_notebook_text_is_file_level(tmp_path):
    from kerascheck.finding import Finding
    from kerascheck.output import Report, render

    f = Finding("nb.ipynb", 2, 1, 2, 5, "KC999", "x", "error", "m", None, cell=3)
    line = render("github", Report([f], {}, {}, tmp_path))
    assert line.startswith("::error file=nb.ipynb,title=KC999 (x) in cell 3%2C line 2::")
