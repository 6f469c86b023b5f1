"""The engine on bad input: every problem with a user's file is a finding (KC9xx), never a crash,
and one broken file or rule never hides the results of the others."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kerascheck.cli import main
from kerascheck.config import Settings
from kerascheck.engine import Linter
from kerascheck.files import SourceFile
from kerascheck.rule import Rule

ROOT = Path(__file__).resolve().parent.parent
SELECT = ["--select", "KC201,KC9"]

BAD = """\
import keras

model = keras.Sequential([
    keras.Input(shape=(4,)),
    keras.layers.Dense(1, activation="softmax"),
])
"""
BAD_LINE, BAD_COL = 5, 38


def run_json(cwd: Path, *args: str) -> tuple[int, list[dict], str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        r = CliRunner().invoke(main, [*args, "--output-format", "json"], catch_exceptions=False)
    finally:
        os.chdir(old)
    return r.exit_code, json.loads(r.stdout), r.stderr


def codes(findings) -> list[tuple]:
    return [(f["path"], f["line"], f["column"], f["code"]) for f in findings]


def linter(**settings) -> Linter:
    return Linter(Settings(keras_version="3", select=["KC201", "KC9"], **settings))


# --- unreadable and unusual files -------------------------------------------------------------

def test_binary_file_is_kc902(tmp_path):
    (tmp_path / "weights.py").write_bytes(b"import keras\x00\x01\x02\xff" * 10)
    code, findings, err = run_json(tmp_path, "weights.py", *SELECT)
    assert code == 1 and err == ""
    assert codes(findings) == [("weights.py", 1, 1, "KC902")]
    assert "binary" in findings[0]["message"]


def test_non_utf8_file_is_kc902_naming_the_byte_and_position(tmp_path):
    (tmp_path / "legacy.py").write_bytes(b"import keras\n\nname = 'caf\xe9'\n")
    code, findings, _ = run_json(tmp_path, "legacy.py", *SELECT)
    assert code == 1
    assert codes(findings) == [("legacy.py", 3, 12, "KC902")]
    assert "0xe9" in findings[0]["message"] and "utf-8" in findings[0]["message"]


def test_pep263_latin1_file_decodes(tmp_path):
    source = "# -*- coding: latin-1 -*-\n" + BAD.replace("import keras", "import keras  # café")
    (tmp_path / "latin.py").write_bytes(source.encode("latin-1"))
    code, findings, _ = run_json(tmp_path, "latin.py", *SELECT)
    assert codes(findings) == [("latin.py", BAD_LINE + 1, BAD_COL, "KC201")]  # no KC902; the line after the cookie
    assert code == 1


def test_utf8_bom_file(tmp_path):
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf" + BAD.encode("utf-8"))
    code, findings, _ = run_json(tmp_path, "bom.py", *SELECT)
    assert codes(findings) == [("bom.py", BAD_LINE, BAD_COL, "KC201")]  # the BOM shifts no column


def test_crlf_file(tmp_path):
    (tmp_path / "crlf.py").write_bytes(BAD.replace("\n", "\r\n").encode("utf-8"))
    _, findings, _ = run_json(tmp_path, "crlf.py", *SELECT)
    assert codes(findings) == [("crlf.py", BAD_LINE, BAD_COL, "KC201")]


def test_empty_file(tmp_path):
    (tmp_path / "empty.py").write_bytes(b"")
    code, findings, _ = run_json(tmp_path, "empty.py")
    assert (code, findings) == (0, [])


def test_unknown_encoding_cookie_is_kc902(tmp_path):
    (tmp_path / "odd.py").write_bytes(b"# -*- coding: klingon -*-\nimport keras\n")
    code, findings, _ = run_json(tmp_path, "odd.py", *SELECT)
    assert code == 1 and [f["code"] for f in findings] == ["KC902"]
    assert "klingon" in findings[0]["message"]


def test_file_over_max_file_size_is_kc902(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.kerascheck]\nmax-file-size = 100\n", encoding="utf-8")
    (tmp_path / "big.py").write_text(BAD + "#" * 200 + "\n", encoding="utf-8")
    (tmp_path / "small.py").write_text("import keras\n", encoding="utf-8")
    code, findings, _ = run_json(tmp_path, ".", *SELECT)
    assert code == 1
    assert codes(findings) == [("big.py", 1, 1, "KC902")]
    assert "larger than max-file-size (100 bytes)" in findings[0]["message"]  # the same words as the editor server


def test_stdin_over_max_file_size_is_an_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.kerascheck]\nmax-file-size = 100\n", encoding="utf-8")
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        r = CliRunner().invoke(main, ["-", "--stdin-filename", "x.py"], input="#" * 500)
    finally:
        os.chdir(old)
    assert r.exit_code == 2 and "max-file-size" in r.stderr


def test_file_without_keras_is_skipped_before_parsing():
    result = linter().lint_bytes(b"def f(:\n", "plain.py")  # not even valid Python
    assert result.skipped and result.findings == []


# --- syntax errors --------------------------------------------------------------------------------

def test_syntax_error_is_kc901_at_its_position_and_other_files_are_still_linted(tmp_path):
    (tmp_path / "a_broken.py").write_text('import keras\n\nmodel.compile(loss="mse"\nx = 1\n', encoding="utf-8")
    (tmp_path / "b_bad.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "c_broken.py").write_text("import keras\ndef f(:\n    pass\n", encoding="utf-8")
    code, findings, err = run_json(tmp_path, ".", *SELECT)
    assert code == 1 and err == ""
    assert codes(findings) == [
        ("a_broken.py", 3, 14, "KC901"),  # the '(' that is never closed
        ("b_bad.py", BAD_LINE, BAD_COL, "KC201"),
        ("c_broken.py", 2, 7, "KC901"),
    ]
    assert "never closed" in findings[0]["message"]


def test_syntax_error_in_the_only_file_exits_1_not_2(tmp_path):
    (tmp_path / "broken.py").write_text("import keras\nif True\n    pass\n", encoding="utf-8")
    code, findings, _ = run_json(tmp_path, "broken.py")
    assert code == 1 and [(f["line"], f["code"]) for f in findings] == [(2, "KC901")]


def test_deeply_nested_code_is_a_finding_not_a_crash(tmp_path):
    """libcst's native parser segfaults on 2,000 nested brackets; a 900-term sum (which once
    exhausted the recursion limit in the analysis) must lint cleanly. In a subprocess, so that a
    regression fails this test only."""
    files = {
        "a_brackets.py": "import keras\nx = " + "[" * 3000 + "]" * 3000 + "\n",
        "b_unary.py": "import keras\nx = " + "-" * 20000 + "y\n",
        "c_long_sum.py": "import keras\nx = 1" + " + 1" * 900 + "\n",
        "d_bad.py": BAD,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, "-m", "kerascheck", ".", "--output-format", "json", *SELECT], cwd=tmp_path,
                       capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 1, (p.returncode, p.stderr)
    findings = json.loads(p.stdout)
    assert [(f["path"], f["code"]) for f in findings] == [
        ("a_brackets.py", "KC901"), ("b_unary.py", "KC901"), ("d_bad.py", "KC201")]
    assert "too many nested parentheses" in findings[0]["message"]
    assert (findings[0]["line"], findings[0]["column"]) == (2, 205)  # CPython stops at the 201st bracket
    assert "too deeply" in findings[1]["message"]


# --- a rule that raises ---------------------------------------------------------------------------

def exploding_rule(linter: Linter, code: str = "KC299") -> type[Rule]:
    """Add a rule (with its own catalogue entry) that raises, to this linter only. The class sets
    `code` after creation so that it stays out of the global Rule.registry."""
    meta = dataclasses.replace(linter.catalogue["KC201"], code=code, name="exploding-rule")

    class Exploding(Rule):
        def check(self, facts):
            yield from ()
            raise ZeroDivisionError("boom")

    Exploding.code, Exploding.meta = code, meta
    linter.catalogue = {**linter.catalogue, code: meta}
    linter.rules = {**linter.rules, code: Exploding}
    linter.enabled = set(linter.enabled) | {code}
    return Exploding


def test_crashing_rule_is_kc903_and_the_other_rules_still_report():
    lt = linter()
    exploding_rule(lt)
    findings = lt.lint_bytes(BAD.encode(), "model.py").findings
    assert [(f.line, f.code) for f in findings] == [(1, "KC903"), (BAD_LINE, "KC201")]
    crash = findings[0]
    assert "KC299" in crash.message and "exploding-rule" in crash.message and "ZeroDivisionError: boom" in crash.message
    assert "KC299" not in Rule.registry


def test_crashing_rule_does_not_stop_other_files():
    lt = linter()
    exploding_rule(lt)
    results = [lt.lint_bytes(BAD.encode(), f"m{i}.py") for i in range(3)]
    assert [[f.code for f in r.findings] for r in results] == [["KC903", "KC201"]] * 3


def test_crashing_rule_through_the_cli(tmp_path, monkeypatch):
    import kerascheck.engine

    real_init = kerascheck.engine.Linter.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        exploding_rule(self)

    monkeypatch.setattr(kerascheck.engine.Linter, "__init__", init)
    (tmp_path / "model.py").write_text(BAD, encoding="utf-8")
    code, findings, err = run_json(tmp_path, "model.py")
    assert code == 1 and err == ""
    assert [(f["line"], f["code"]) for f in findings] == [(1, "KC903"), (BAD_LINE, "KC201")]
    assert "exploding-rule" in findings[0]["message"]


def test_crashing_rule_can_be_ignored():
    lt = Linter(Settings(keras_version="3", select=["KC201", "KC9"], ignore=["KC903"]))
    exploding_rule(lt)
    assert [f.code for f in lt.lint_bytes(BAD.encode(), "model.py").findings] == ["KC201"]


def test_noqa_for_a_crashed_rule_is_not_reported_unused():
    lt = linter()
    exploding_rule(lt)
    source = BAD + "x = keras.layers.Dense(2)  # noqa: KC299\n"
    assert [f.code for f in lt.lint_bytes(source.encode(), "model.py").findings] == ["KC903", "KC201"]


def test_crashing_facts_layer_is_kc903(monkeypatch):
    import kerascheck.facts.interp

    def broken(module, importer=None):
        raise RecursionError("too deep")

    monkeypatch.setattr(kerascheck.facts.interp, "analyze", broken)
    findings = linter().lint_bytes((BAD + "y = 1  # noqa: KC201\n").encode(), "model.py").findings
    assert [(f.line, f.code) for f in findings] == [(1, "KC903")]  # and no unused-noqa: no rule ran
    assert "facts layer" in findings[0].message and "RecursionError" in findings[0].message


def test_unreadable_file_via_lint_file(tmp_path):
    findings = linter().lint_file(SourceFile(tmp_path / "gone.py", "gone.py")).findings
    assert [(f.path, f.code) for f in findings] == [("gone.py", "KC902")]


# --- a 5 MB file ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_five_megabyte_file_completes(tmp_path):
    """A generated 5 MB script (27,000 small models) ending in one bug, linted by a real process.
    No time limit (shared machines vary too much); the duration is printed for `pytest -rP`."""
    lines = ["import keras", "from keras import layers", ""]
    size, i = 0, 0
    while size < 5 * 1024 * 1024:
        line = (f"model_{i} = keras.Sequential([layers.Dense({i % 7 + 2}, activation='relu'), "
                f"layers.Dense(1, activation='sigmoid')])\n"
                f"model_{i}.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])")
        lines.append(line)
        size += len(line) + 1
        i += 1
    lines.append("bad = keras.Sequential([layers.Dense(1, activation='softmax')])")
    path = tmp_path / "generated.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 5 * 1024 * 1024
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    start = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "kerascheck", "generated.py", "--output-format", "json", *SELECT],
                       cwd=tmp_path, capture_output=True, text=True, env=env, timeout=3600)
    elapsed = time.perf_counter() - start
    print(f"5 MB file ({path.stat().st_size} bytes): {elapsed:.1f}s")
    assert p.returncode == 1, p.stderr
    assert [(f["line"], f["code"]) for f in json.loads(p.stdout)] == [(2 * i + 3 + 1, "KC201")]


def test_python_warnings_about_the_users_code_are_not_printed(tmp_path):
    """Checking the file with CPython's parser must not print its SyntaxWarnings (invalid escapes)."""
    (tmp_path / "esc.py").write_text('import keras\npattern = "\\d+"\n', encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, "-W", "always", "-m", "kerascheck", "esc.py", *SELECT], cwd=tmp_path,
                       capture_output=True, text=True, env=env, timeout=300)
    assert (p.returncode, p.stderr) == (0, "")


# --- positions: only the statements that hold findings are regenerated -----------------------------

def _statement_nodes(module):
    """Every node inside the module's statements (not the module, its header or footer comments)."""
    out, stack = [], list(module.body)
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.children)
    return out


def _fast_and_full(text: str):
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from kerascheck.positions import Positions, cpython_tree

    module = cst.parse_module(text)
    tree = cpython_tree(text)
    nodes = _statement_nodes(module)
    fast = Positions(module, text, tree, nodes)
    full = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return module, nodes, fast, full, Positions(module, text, None)


POSITION_CASES = {
    "nested": ("import keras\n\n\nclass Head:\n    '''Doc.'''\n\n    def build(self):\n        def inner():\n"
               "            return keras.layers.Dense(1, activation='softmax')\n        return inner\n\n"
               "    class Inner:\n        x = [\n            1,\n        ]\n"),
    "multi_line_statements": ("import keras\nmodel = keras.Sequential([\n    keras.Input((4,)),\n"
                              "    keras.layers.Dense(1,\n        activation='softmax'),\n])\n"
                              "model.compile(loss='mse',\n              optimizer='adam')  # trailing\n"),
    "tabs": "import keras\nif True:\n\tif True:\n\t\tx = keras.layers.Dense(\n\t\t\t1)\n\telse:\n\t\tpass\n",
    "non_ascii": "import keras\nnom = 'é𝔘'; modèle = keras.layers.Dense(1)  # ü 😀\nx = f'{nom!r:>{10}}'\n",
    "decorators": ("import keras\n# lead\n\n@keras.saving.register_keras_serializable()\n# between\n"
                  "@functools.wraps(\n    f)\n\ndef loss(y_true, y_pred):\n    return y_pred\n"),
    "comments_and_blank_lines": ("#!/usr/bin/env python\n# header\n\nimport keras\n\n\n# lead\nx = 1\n\n"
                                 "def f():\n    y = 1\n    # end of f\n\n        # deeper\n# module\nz = 2\n\n"
                                 "# footer\n"),
    "no_trailing_newline": "import keras\nx = [\n    1]\ny = keras.layers.Dense(1)",
    "backslashes": "import keras\nx = 1 + \\\n    2\nif x and \\\n   keras:\n    pass\n",
    "strings": 'import keras\nx = """a\nb\r\nc"""\ny = (\'a\'\n     \'b\')\n',
    "compound": ("import keras\nasync def f():\n    async with a as b:\n        pass\n    async for i in b:\n"
                 "        pass\ntry:\n    pass\nexcept (A,\n        B):\n    pass\nelse:\n    pass\nfinally:\n"
                 "    pass\nwhile x: y = 1; z = 2\nmatch x:\n    case [1, *rest]:\n        pass\n"),
    "form_feed": "import keras\n\f\nx = 1\n\f# c\ny = 2\n",
}
POSITION_CASES["crlf"] = POSITION_CASES["nested"].replace("\n", "\r\n")
POSITION_CASES["lone_cr"] = POSITION_CASES["multi_line_statements"].replace("\n", "\r")
POSITION_CASES["mixed_line_breaks"] = "import keras\r\nx = [\r    1,\n    2]\ny = 3\r\n"
FIXTURE_FILES = sorted((ROOT / "tests" / "fixtures").rglob("*.py"))


@pytest.mark.parametrize("name", sorted(POSITION_CASES) + [p.relative_to(ROOT).as_posix() for p in FIXTURE_FILES])
def test_positions_of_the_fast_path_equal_libcsts_position_provider(name):
    """Every node of every statement, and the statement start of every line, as PositionProvider
    gives them, without falling back to regenerating the whole module."""
    if name in POSITION_CASES:
        text = POSITION_CASES[name]
    else:
        text = (ROOT / name).read_bytes().decode("utf-8")
    module, nodes, fast, full, slow = _fast_and_full(text)
    assert not fast._full, "the fast path fell back to the whole-module provider"
    wrong = [(type(n).__name__, fast._map.get(n), full[n]) for n in nodes if fast._map.get(n) != full[n]]
    assert wrong == []
    lines = len(text.splitlines()) + 2
    assert [fast.statement_start(ln) for ln in range(lines)] == [slow.statement_start(ln) for ln in range(lines)]
    assert slow._full


def test_positions_when_the_ast_disagrees_fall_back_to_the_whole_module():
    """A tree whose lines do not match the text (here: another text's) must not shift a finding."""
    import ast

    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from kerascheck.positions import Positions

    text = POSITION_CASES["multi_line_statements"]
    module = cst.parse_module(text)
    nodes = _statement_nodes(module)
    full = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    for other in ("\n" + text, text.replace("\n", "\n\n", 2), "import keras\nmodel = 1\n"):
        fast = Positions(module, text, ast.parse(other), nodes)
        assert all(fast._map.get(n) == full[n] for n in nodes)


def test_positions_of_a_statement_the_ast_places_elsewhere_fall_back():
    """`@\\` puts the decorator's name on the line after the `@`: the ast's line is one too late, the
    regenerated code does not match the text there, and the whole-module provider answers."""
    text = "import keras\n@\\\nkeras.saving.register_keras_serializable()\ndef f():\n    return keras.layers.Dense(1)\n"
    _, nodes, fast, full, _ = _fast_and_full(text)
    assert fast._full
    assert all(fast._map.get(n) == full[n] for n in nodes)


def test_finding_positions_without_the_ast_are_the_same(monkeypatch):
    """Code newer than the running Python has no ast: findings keep their positions."""
    from kerascheck import positions

    text = ("import keras\n\n\ndef build():\n    def inner():\n        return keras.Sequential([\n"
            "            keras.Input((4,)),  # é\n            keras.layers.Dense(1, activation='softmax')])\n"
            "    return inner()\n").replace("\n", "\r\n")
    lt = Linter(Settings(keras_version="3"))
    expected = [(f.code, f.line, f.column, f.end_line, f.end_column) for f in lt.lint_text(text, "a.py").findings]
    assert [c for c, *_ in expected] == ["KC201"]
    monkeypatch.setattr(positions, "cpython_tree", lambda text: None)  # no ast: the whole-module provider
    got = [(f.code, f.line, f.column, f.end_line, f.end_column) for f in lt.lint_text(text, "a.py").findings]
    assert got == expected == [("KC201", 8, 46, 8, 55)]


DEEP_ELIF = "if y:\n    x = 0\n" + "".join(f"elif y == {i}:\n    x = {i}\n" for i in range(700))
SOFTMAX_ONE = "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation='softmax')])\n"


def test_a_finding_next_to_a_deep_elif_chain_gets_its_position():
    lt = Linter(Settings(keras_version="3"))
    findings = lt.lint_text("import keras\n" + DEEP_ELIF + SOFTMAX_ONE, "a.py").findings
    where = (2 + DEEP_ELIF.count("\n"), SOFTMAX_ONE.index("'softmax'") + 1)
    assert [(f.code, f.line, f.column) for f in findings] == [("KC201", *where)]


def test_a_finding_inside_a_deep_elif_chain_is_kc903_not_an_exception(monkeypatch):
    """Regenerating the chain itself exhausts the recursion limit, and libcst then raises KeyError
    from its position bookkeeping: reported as the file being nested too deeply, never raised. The
    same without the ast (the whole-module provider)."""
    from kerascheck import positions

    text = "import keras\n" + DEEP_ELIF + "else:\n    " + SOFTMAX_ONE
    lt = Linter(Settings(keras_version="3"))
    for _ in range(2):
        findings = lt.lint_text(text, "a.py").findings
        assert [(f.code, f.line) for f in findings] == [("KC903", 1)]
        assert "nested too deeply" in findings[0].message
        monkeypatch.setattr(positions, "cpython_tree", lambda text: None)


# --- undecodable bytes: where they are -------------------------------------------------------------

@pytest.mark.parametrize("data, where, byte", [
    (b"import keras\rx = 1\r\x80\n", (3, 1), "0x80"),  # lone CR line breaks, all within the first b"\n" line
    (b"import keras\r\nx = 1\r\ny = '\x80'\r\n", (3, 6), "0x80"),
    (b"\x80import keras\n", (1, 1), "0x80"),
    (b"\xef\xbb\xbfimport keras\nx = 1\ny = '\xff'\n", (3, 6), "0xff"),  # after a BOM
    (b"# coding: ascii\nimport keras\nx = '\xe9'\n", (3, 6), "0xe9"),
])
def test_undecodable_byte_is_kc902_at_its_line_and_column(data, where, byte):
    (f,) = linter().lint_bytes(data, "a.py").findings
    assert f.code == "KC902" and (f.line, f.column) == where
    assert f"byte {byte} is not valid" in f.message
