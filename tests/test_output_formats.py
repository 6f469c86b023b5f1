"""Output formats: golden files for every format, plus targeted behaviour tests.

Regenerate the golden files with `KERASCHECK_REGEN_GOLDEN=1 pytest tests/test_output_formats.py`,
then read the diff: a golden file is only as good as the eyes that checked it.
"""

from __future__ import annotations

import re
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from kerascheck.catalogue import parse_entry
from kerascheck.finding import Edit, Finding, Fix
from kerascheck.output import FORMATS, Report, render
from kerascheck.output import full as full_format
from kerascheck.output import github as github_format
from kerascheck.output import lsp as lsp_format

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
SARIF_SCHEMA = HERE / "data" / "sarif-schema-2.1.0.json"
REGEN = os.environ.get("KERASCHECK_REGEN_GOLDEN") == "1"
ROOT_PLACEHOLDER = "file:///ROOT"

GOLDEN_FILES = {
    "full": "output.full.txt",
    "concise": "output.concise.txt",
    "json": "output.json",
    "json-lines": "output.json-lines.jsonl",
    "github": "output.github.txt",
    "sarif": "output.sarif.json",
    "lsp": "output.lsp.json",
}


# --- a small synthetic catalogue (independent of the real rules/ folder) -------------------------

def _entry(code, name, severity, fix, summary, hint, **extra):
    data = {
        "code": code,
        "name": name,
        "summary": summary,
        "message": f"{name} message",
        "severity": severity,
        "fix": fix,
        "keras": ["2", "3"],
        "docs": {
            "what": f"Checks for {name.replace('-', ' ')}.",
            "why": f"Because {name.replace('-', ' ')} trains wrong.",
            "example": "model = bad()\n",
            "use_instead": "model = good()\n",
        },
    }
    if hint is not None:
        data["hint"] = hint
    data.update(extra)
    return parse_entry(data, f"{code}.yaml")


CATALOGUE = {
    m.code: m
    for m in (
        _entry("KC101", "squeeze-on-model-output", "error", "safe",
               "Squeezing the model output hides a shape mismatch with the labels.",
               "Reshape the labels instead of the predictions."),
        _entry("KC201", "sigmoid-with-categorical-crossentropy", "warning", "unsafe",
               "Categorical cross-entropy expects a softmax over classes, not independent sigmoids.",
               "Use `binary_crossentropy`, or a softmax output layer."),
        _entry("KC301", "ambiguous-accuracy-metric", "info", "none",
               "`\"accuracy\"` resolves to a different metric depending on the loss.", None),
    )
}

MODEL_PY = (
    "import keras\n"
    "from keras import layers\n"
    "\n"
    "inputs = keras.Input(shape=(3,))\n"
    "outputs = layers.Dense(1, activation=\"sigmoid\")(inputs)\n"
    "model = keras.Model(inputs, outputs)\n"
    "s = \"\U0001F600\"; y = keras.ops.squeeze(model(x))\n"
    "model.compile(\n"
    "    loss=\"categorical_crossentropy\",\n"
    "    metrics=[\"accuracy\"],\n"
    ")\n"
)
TABS_PY = "def f(model, x):\n\tif x:\n\t\treturn keras.ops.squeeze(model(x))\n"
SHORT_PY = "import keras\nmodel = (\n"

# line 7 of MODEL_PY: `s = "😀"; y = keras.ops.squeeze(model(x))` -- `keras` starts at code point 14
SQUEEZE_COL = MODEL_PY.splitlines()[6].index("keras") + 1
SQUEEZE_END = len(MODEL_PY.splitlines()[6]) + 1  # exclusive: just past `model(x))`


def _findings() -> list[Finding]:
    return [
        Finding("missing.py", 3, 1, 3, 10, "KC101", "squeeze-on-model-output", "error",
                "`squeeze` on the model output"),
        Finding("pkg/model.py", 7, SQUEEZE_COL, 7, SQUEEZE_END, "KC101", "squeeze-on-model-output",
                "error", "`keras.ops.squeeze` on the model output hides a shape mismatch",
                fix=Fix("Remove the `squeeze` call", "safe",
                        (Edit(7, SQUEEZE_COL, 7, SQUEEZE_END, "model(x)"),)),
                runtime={"status": "confirmed", "detail": "shape (32, 1) vs labels (32,)"}),
        Finding("pkg/model.py", 8, 1, 11, 2, "KC201", "sigmoid-with-categorical-crossentropy",
                "warning", "`categorical_crossentropy` with a sigmoid output (line 5)",
                fix=Fix("Use `binary_crossentropy`", "unsafe",
                        (Edit(9, 10, 9, 34, "\"binary_crossentropy\""),))),
        Finding("pkg/model.py", 10, 14, 10, 24, "KC301", "ambiguous-accuracy-metric", "info",
                "metric \"accuracy\" is ambiguous: 50%, pick one"),
        Finding("short.py", 9, 1, 9, 1, "KC901", "syntax-error", "error",
                "cannot parse: unexpected EOF"),
        Finding("tabs.py", 3, 10, 3, 37, "KC101", "squeeze-on-model-output", "error",
                "`keras.ops.squeeze` on the model output hides a shape mismatch"),
    ]


def _report(root: Path, findings=None, sources=None) -> Report:
    return Report(
        findings=_findings() if findings is None else findings,
        catalogue=CATALOGUE,
        sources={"pkg/model.py": MODEL_PY, "tabs.py": TABS_PY, "short.py": SHORT_PY}
        if sources is None else sources,
        root=root,
        version="0.1.0-test",
        files_checked=4,
    )


@pytest.fixture
def root(tmp_path) -> Path:
    return tmp_path.resolve()


def _normalise(text: str, root: Path) -> str:
    """Replace the (per-run) temporary root URI with a stable placeholder."""
    return text.replace(root.as_uri(), ROOT_PLACEHOLDER)


# --- golden files ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(GOLDEN_FILES))
def test_golden(fmt, root):
    text = _normalise(render(fmt, _report(root)), root)
    path = GOLDEN / GOLDEN_FILES[fmt]
    if REGEN:
        GOLDEN.mkdir(exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        pytest.skip(f"regenerated {path.name}")
    assert path.exists(), f"{path} missing: run with KERASCHECK_REGEN_GOLDEN=1 and review it"
    with open(path, encoding="utf-8", newline="") as fh:
        expected = fh.read()
    assert text == expected


def test_golden_covers_every_format():
    assert set(GOLDEN_FILES) == set(FORMATS)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_ends_in_newline(fmt, root):
    text = render(fmt, _report(root))
    assert text.endswith("\n") and not text.endswith("\n\n")


# --- empty reports --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "fmt, expected",
    [("full", ""), ("concise", ""), ("github", ""), ("json", "[]\n"), ("json-lines", ""), ("lsp", "[]\n")],
)
def test_empty(fmt, expected, root):
    assert render(fmt, _report(root, findings=[])) == expected


def test_empty_sarif_is_valid_log(root):
    log = json.loads(render("sarif", _report(root, findings=[])))
    _validate_sarif(log)
    assert log["runs"][0]["results"] == []
    assert [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]] == ["KC101", "KC201", "KC301"]


# --- concise --------------------------------------------------------------------------------------

def test_concise_lines(root):
    lines = render("concise", _report(root)).splitlines()
    assert lines[1] == (f"pkg/model.py:7:{SQUEEZE_COL}: KC101 "
                        "`keras.ops.squeeze` on the model output hides a shape mismatch [runtime: confirmed]")
    assert len(lines) == len(_findings())


def test_concise_keeps_one_line_per_finding(root):
    f = Finding("a.py", 1, 1, 1, 2, "KC101", "squeeze-on-model-output", "error", "one\ntwo\r\nthree")
    assert render("concise", _report(root, findings=[f])) == "a.py:1:1: KC101 one two three\n"


# --- full -----------------------------------------------------------------------------------------

def _block(text: str, header_prefix: str) -> list[str]:
    for block in text.split("\n\n"):
        if block.startswith(header_prefix):
            return block.splitlines()
    raise AssertionError(f"no block for {header_prefix!r} in:\n{text}")


def test_full_frame_and_notes(root):
    block = _block(render("full", _report(root)), "pkg/model.py:7:")
    assert block[0] == (f"pkg/model.py:7:{SQUEEZE_COL}: KC101 [error] "
                        "`keras.ops.squeeze` on the model output hides a shape mismatch")
    numbered = [line.split(" |")[0].strip() for line in block[1:] if line.strip()[:1].isdigit()]
    assert numbered == ["5", "6", "7", "8", "9"]  # two lines of context either side
    code_line = next(line for line in block if line.startswith("7 | "))
    caret_line = block[block.index(code_line) + 1]
    # The emoji is two columns wide, so the carets sit one column right of the code-point index.
    start = code_line.index("keras") - len("7 | ")
    assert caret_line == "  | " + " " * (start + 1) + "^" * len("keras.ops.squeeze(model(x))")
    assert "  = why: Squeezing the model output hides a shape mismatch with the labels." in block
    assert "  = help: Reshape the labels instead of the predictions." in block
    assert "  = fix (safe): Remove the `squeeze` call" in block
    assert "  = runtime: confirmed: shape (32, 1) vs labels (32,)" in block


def test_full_multiline_span_underlines_to_end_of_first_line(root):
    block = _block(render("full", _report(root)), "pkg/model.py:8:")
    i = block.index(" 8 | model.compile(")
    assert block[i + 1] == "   | " + "^" * len("model.compile(")


def test_full_tabs_are_expanded_and_carets_follow(root):
    block = _block(render("full", _report(root)), "tabs.py:3:")
    assert "3 | \t" not in "\n".join(block)
    assert "3 |         return keras.ops.squeeze(model(x))" in block
    code_line = block.index("3 |         return keras.ops.squeeze(model(x))")
    assert block[code_line + 1] == "  |                " + "^" * len("keras.ops.squeeze(model(x))")


def test_full_without_source_or_past_the_end(root):
    text = render("full", _report(root))
    assert _block(text, "missing.py:") == [
        "missing.py:3:1: KC101 [error] `squeeze` on the model output",
        "  = why: Squeezing the model output hides a shape mismatch with the labels.",
        "  = help: Reshape the labels instead of the predictions.",
    ]
    # short.py has two lines; the finding is on line 9 and KC901 is not in the catalogue
    assert _block(text, "short.py:") == ["short.py:9:1: KC901 [error] cannot parse: unexpected EOF"]


def test_full_skips_empty_hint(root):
    block = _block(render("full", _report(root)), "pkg/model.py:10:")
    assert any(line.startswith("  = why: ") for line in block)
    assert not any(line.startswith("  = help:") for line in block)


@pytest.mark.parametrize(
    "source, line, col, end_line, end_col",
    [
        ("", 1, 1, 1, 2),
        ("x = 1\n", 0, 0, 0, 0),
        ("x = 1\n", -3, -1, -5, -9),
        ("x = 1\n", 1, 50, 1, 80),
        ("x = 1\n", 1, 3, 0, 1),
        ("x = 1", 2, 1, 2, 1),
        ("a\x0cb\x1bc\r\nd\re\u2028f\n", 1, 2, 3, 1),
        ("\t\t\t\n", 1, 2, 1, 3),
    ],
)
def test_full_never_raises(root, source, line, col, end_line, end_col):
    f = Finding("w.py", line, col, end_line, end_col, "KC999", "weird", "warning", "m")
    text = render("full", _report(root, findings=[f], sources={"w.py": source}))
    assert text.startswith(f"w.py:{line}:{col}: KC999 [warning] m\n")
    assert "\x1b" not in text and "\x0c" not in text


def test_full_column_past_end_of_line_gets_one_caret(root):
    f = Finding("w.py", 1, 7, 1, 7, "KC999", "weird", "warning", "m")
    text = render("full", _report(root, findings=[f], sources={"w.py": "x = 1\n"}))
    assert text.splitlines()[3] == "  |       ^"


# --- json / json-lines ----------------------------------------------------------------------------

JSON_KEYS = ["path", "line", "column", "end_line", "end_column", "code", "name", "severity", "message",
             "fix", "runtime"]


def test_json_contract(root):
    data = json.loads(render("json", _report(root)))
    assert [list(d) for d in data] == [JSON_KEYS] * len(_findings())
    squeeze = data[1]
    assert squeeze["runtime"] == {"status": "confirmed", "detail": "shape (32, 1) vs labels (32,)"}
    assert squeeze["fix"] == {
        "message": "Remove the `squeeze` call",
        "applicability": "safe",
        "edits": [{"line": 7, "column": SQUEEZE_COL, "end_line": 7, "end_column": SQUEEZE_END,
                   "content": "model(x)"}],
    }
    assert data[0]["fix"] is None and data[0]["runtime"] is None
    assert data == [f.to_dict() for f in _findings()]


def test_json_lines(root):
    text = render("json-lines", _report(root))
    lines = text.split("\n")
    assert lines[-1] == ""
    assert lines[:-1] == [json.dumps(f.to_dict()) for f in _findings()]
    assert [json.loads(line) for line in lines[:-1]] == [f.to_dict() for f in _findings()]


# --- github ---------------------------------------------------------------------------------------

def test_github_escaping():
    f = Finding("dir,x/a:b%c.py", 2, 3, 4, 5, "KC101", "squeeze-on-model-output", "error",
                "50% done\r\nnext: a,b")
    text = render("github", _report(Path("/"), findings=[f]))
    assert text == (
        "::error file=dir%2Cx/a%3Ab%25c.py,line=2,col=3,endLine=4,endColumn=5,"
        "title=KC101 (squeeze-on-model-output)::50%25 done%0D%0Anext: a,b\n"
    )
    assert github_format.escape_property("a:b,c%\r\n") == "a%3Ab%2Cc%25%0D%0A"
    assert github_format.escape_data("a:b,c%\r\n") == "a:b,c%25%0D%0A"


def test_github_levels(root):
    lines = render("github", _report(root)).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == [
        "::error", "::error", "::warning", "::notice", "::error", "::error"]


# --- sarif ----------------------------------------------------------------------------------------

def _validate_sarif(log):
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_sarif_validates(root):
    _validate_sarif(json.loads(render("sarif", _report(root))))


def test_sarif_validation_can_fail():
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": []}]}  # driver.name missing
    assert list(jsonschema.Draft4Validator(schema).iter_errors(bad))


def test_sarif_content(root):
    log = json.loads(render("sarif", _report(root)))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "kerascheck" and driver["version"] == "0.1.0-test"
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": root.as_uri() + "/"}}
    rules = driver["rules"]
    assert [r["id"] for r in rules] == ["KC101", "KC201", "KC301", "KC901"]  # KC901: not catalogued
    kc101 = rules[0]
    meta = CATALOGUE["KC101"]
    assert kc101["name"] == "squeeze-on-model-output"
    assert kc101["shortDescription"]["text"] == meta.summary
    assert kc101["fullDescription"]["text"] == "Checks for squeeze on model output."
    assert kc101["help"] == {"text": meta.markdown(), "markdown": meta.markdown()}
    assert kc101["helpUri"] == meta.url
    assert [r.get("defaultConfiguration", {}).get("level") for r in rules] == ["error", "warning", "note", None]

    results = run["results"]
    assert [rules[r["ruleIndex"]]["id"] for r in results] == [r["ruleId"] for r in results]
    assert [r["level"] for r in results] == ["error", "error", "warning", "note", "error", "error"]
    squeeze = results[1]
    loc = squeeze["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "pkg/model.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 7, "startColumn": SQUEEZE_COL, "endLine": 7,
                             "endColumn": SQUEEZE_END}
    assert squeeze["properties"]["runtime"]["status"] == "confirmed"
    (fix,) = squeeze["fixes"]
    assert fix["description"]["text"] == "Remove the `squeeze` call"
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "pkg/model.py"
    assert change["replacements"] == [{
        "deletedRegion": {"startLine": 7, "startColumn": SQUEEZE_COL, "endLine": 7,
                          "endColumn": SQUEEZE_END},
        "insertedContent": {"text": "model(x)"},
    }]
    assert "fixes" not in results[0] and "properties" not in results[0]


def test_sarif_paths(root, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere").resolve() / "x.py"
    findings = [
        Finding(str(root / "sub" / "abs.py"), 1, 1, 1, 2, "KC101", "squeeze-on-model-output", "error", "m"),
        Finding("dir with space/nb.py", 1, 1, 1, 2, "KC101", "squeeze-on-model-output", "error", "m"),
        Finding(str(outside), 1, 1, 1, 2, "KC101", "squeeze-on-model-output", "error", "m"),
    ]
    log = json.loads(render("sarif", _report(root, findings=findings)))
    _validate_sarif(log)
    locs = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in log["runs"][0]["results"]]
    assert locs == [
        {"uri": "sub/abs.py", "uriBaseId": "%SRCROOT%"},
        {"uri": "dir%20with%20space/nb.py", "uriBaseId": "%SRCROOT%"},
        {"uri": outside.as_uri()},
    ]


# --- lsp ------------------------------------------------------------------------------------------

def test_lsp_utf16_after_astral_char(root):
    data = json.loads(render("lsp", _report(root)))
    model = next(p for p in data if p["uri"].endswith("/pkg/model.py"))
    diag = model["diagnostics"][0]
    # '😀' is one code point but two UTF-16 code units: every later position shifts by one.
    assert diag["range"] == {
        "start": {"line": 6, "character": SQUEEZE_COL - 1 + 1},
        "end": {"line": 6, "character": SQUEEZE_END - 1 + 1},
    }
    assert lsp_format.utf16_character("\U0001F600x", 2) == 2
    assert lsp_format.utf16_character("\U0001F600x", 3) == 3
    assert lsp_format.utf16_character("é\U0001F600\U0001F600x", 4) == 5
    assert lsp_format.utf16_character("ab", 10) == 9  # past the end: one unit per column
    assert lsp_format.utf16_character(None, 5) == 4


def test_lsp_content(root):
    data = json.loads(render("lsp", _report(root)))
    assert [p["uri"] for p in data] == [(root / p).as_uri() for p in
                                        ("missing.py", "pkg/model.py", "short.py", "tabs.py")]
    missing = data[0]["diagnostics"][0]
    assert missing["range"] == {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 9}}
    model = data[1]["diagnostics"]
    assert [d["severity"] for d in model] == [1, 2, 3]
    assert [d["code"] for d in model] == ["KC101", "KC201", "KC301"]
    assert model[0]["codeDescription"] == {"href": CATALOGUE["KC101"].url}
    assert model[0]["source"] == "kerascheck"
    assert model[0]["data"] == {"fix": _findings()[1].fix.to_dict(), "name": "squeeze-on-model-output"}
    assert model[2]["data"] == {"fix": None, "name": "ambiguous-accuracy-metric"}
    assert model[1]["range"]["end"] == {"line": 10, "character": 1}


def test_lsp_groups_by_path_in_path_order(root):
    mk = lambda p, line: Finding(p, line, 1, line, 2, "KC101", "squeeze-on-model-output", "error", "m")  # noqa: E731
    data = json.loads(render("lsp", _report(root, findings=[mk("b.py", 1), mk("a.py", 2), mk("b.py", 3)],
                                            sources={})))
    assert [p["uri"].rsplit("/", 1)[1] for p in data] == ["a.py", "b.py"]
    assert [d["range"]["start"]["line"] for d in data[1]["diagnostics"]] == [0, 2]


# --- imports stay light ---------------------------------------------------------------------------

def test_output_modules_do_not_import_libcst():
    modules = ", ".join(f"kerascheck.output.{m}" for m in FORMATS.values())
    code = (f"import sys, importlib\nfor m in '{modules}'.split(', '): importlib.import_module(m)\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('libcst', 'yaml', 'click')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=HERE.parent)



def test_concise_shows_the_runtime_verdict(root):
    f = Finding("a.py", 1, 1, 1, 2, "KC201", "softmax-on-single-unit", "warning", "softmax on one unit",
                runtime={"status": "confirmed", "detail": "every prediction is exactly 1.0"})
    assert render("concise", _report(root, findings=[f])) == "a.py:1:1: KC201 softmax on one unit [runtime: confirmed]\n"


def test_colour_paints_path_code_severity_caret_and_notes_and_only_when_asked(root):
    report = _report(root)
    plain = render("full", report)
    assert "\x1b[" not in plain and "\x1b[" not in render("concise", report)
    report.color = True
    coloured = render("full", report)
    assert "\x1b[1mpkg/model.py:7:14\x1b[0m: \x1b[1;31mKC101\x1b[0m \x1b[1;31m[error]\x1b[0m" in coloured
    assert "\x1b[1;31m^^^" in coloured and "\x1b[1;36m= why:\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain  # colour adds escapes, nothing else
    concise = render("concise", report)
    assert concise.startswith("\x1b[1mmissing.py:3:1\x1b[0m: \x1b[1;31mKC101\x1b[0m ")
