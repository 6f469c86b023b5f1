"""Suppressions: `# noqa: KC201` on a line (or the first line of its statement), bare `# noqa`,
`# kerascheck: noqa[: codes]` for a file, and unused suppressions reported as KC904."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from kerascheck import noqa
from kerascheck.cli import main

ONE_LINE = 'model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])'
MULTI = """\
model = keras.Sequential([
    keras.Input(shape=(4,)),
    keras.layers.Dense(1, activation="softmax"),
])"""


def found(lint, source: str, **kwargs) -> list[tuple[int, str]]:
    kwargs.setdefault("select", ["KC201", "KC9"])
    return [(f.line, f.code) for f in lint("import keras\n" + source + "\n", **kwargs)]


# --- the scanner ---------------------------------------------------------------------------------

def test_scan_line_directives():
    sup = noqa.scan("a = 1  # noqa: KC201\nb = 2  # NOQA:kc101,  E501\nc = 3  # noqa\nd = 4 # no qa\n")
    assert sup.lines[1].codes == ["KC201"]
    assert sup.lines[2].codes == ["KC101", "E501"]
    assert sup.lines[3].codes is None  # bare: every code
    assert 4 not in sup.lines
    assert (sup.lines[1].column, sup.lines[1].end_column) == (8, 21)  # the `# noqa: KC201` text, 1-based
    assert not sup.file_all and sup.file_codes is None


def test_scan_stops_at_the_explanation():
    sup = noqa.scan("a = 1  # noqa: KC201 softmax is fine here\n")
    assert sup.lines[1].codes == ["KC201"]


def test_scan_file_directives():
    assert noqa.scan("# kerascheck: noqa\nimport keras\n").file_all
    sup = noqa.scan("# kerascheck: noqa: KC201, KC3\nimport keras\n")
    assert not sup.file_all and sup.file_codes == ["KC201", "KC3"]
    assert sup.file_suppresses("KC201") and not sup.file_suppresses("KC202")
    assert sup.lines == {}  # a file directive is not also a line directive


@pytest.mark.parametrize("separator", ["\f", "\x0b", "\x1c", "\x85", "\u2028"])
def test_scan_counts_lines_as_python_does(separator):
    """Only \\n, \\r\\n and \\r end a line; str.splitlines() would also split at these."""
    sup = noqa.scan(f"import keras\n{separator}\nx = '{separator}'\ny = 1  # noqa: KC201\n")
    assert list(sup.lines) == [4]


def test_scan_crlf_and_cr_line_endings():
    assert list(noqa.scan("a\r\nb\r\nc  # noqa\r\n").lines) == [3]
    assert list(noqa.scan("a\rb\rc  # noqa\r").lines) == [3]


# --- suppression in the engine -------------------------------------------------------------------------

def test_unsuppressed_baseline(lint):
    assert found(lint, ONE_LINE) == [(2, "KC201")]
    assert found(lint, MULTI) == [(4, "KC201")]


def test_noqa_with_the_code_on_the_reported_line(lint):
    assert found(lint, ONE_LINE + "  # noqa: KC201") == []
    assert found(lint, MULTI.replace('"softmax"),', '"softmax"),  # noqa: KC201')) == []


def test_noqa_on_the_first_line_of_a_multi_line_statement(lint):
    assert found(lint, MULTI.replace("Sequential([", "Sequential([  # noqa: KC201", 1)) == []


def test_noqa_on_another_line_of_the_statement_does_not_suppress(lint):
    source = MULTI.replace("shape=(4,)),", "shape=(4,)),  # noqa: KC201")
    assert found(lint, source) == [(3, "KC904"), (4, "KC201")]


def test_noqa_inside_a_function_body(lint):
    body = MULTI.replace("Sequential([", "Sequential([  # noqa: KC201", 1)
    source = "def build():\n    " + body.replace("\n", "\n    ")
    assert found(lint, source) == []


def test_noqa_with_another_code_does_not_suppress(lint):
    assert found(lint, ONE_LINE + "  # noqa: KC901") == [(2, "KC201"), (2, "KC904")]


def test_noqa_case_insensitive_and_with_other_tools_codes(lint):
    assert found(lint, ONE_LINE + "  # NOQA:kc201") == []
    assert found(lint, ONE_LINE + "  # noqa: E501, KC201") == []


def test_bare_noqa(lint):
    assert found(lint, ONE_LINE + "  # noqa") == []
    assert found(lint, "x = 1  # noqa") == []  # never reported as unused: it may serve another tool


def test_file_level_noqa(lint):
    assert found(lint, "# kerascheck: noqa\n" + ONE_LINE + "\n" + ONE_LINE) == []
    assert found(lint, ONE_LINE + "\n# kerascheck: noqa") == []  # anywhere in the file


def test_file_level_noqa_for_one_code(lint):
    assert found(lint, "# kerascheck: noqa: KC201\n" + ONE_LINE + "\n" + MULTI) == []
    assert found(lint, "# kerascheck: noqa: KC202\n" + ONE_LINE) == [(3, "KC201")]
    # only that code: a syntax error (KC901) is still reported
    assert found(lint, "# kerascheck: noqa: KC201\n" + ONE_LINE + "\nmodel.fit(") == [(4, "KC901")]


def test_suppressed_findings_are_not_counted(tmp_path):
    (tmp_path / "m.py").write_text("import keras\n" + ONE_LINE + "  # noqa: KC201\n", encoding="utf-8")
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        r = CliRunner().invoke(main, ["m.py", "--select", "KC201,KC9"], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert r.exit_code == 0 and "All checks passed" in r.stdout, r.stdout


# --- unused suppressions (KC904) -------------------------------------------------------------------

def test_unused_noqa_is_kc904_at_the_comment(lint):
    findings = lint("import keras\nx = keras.layers.Dense(3)  # noqa: KC201\n", select=["KC201", "KC9"])
    assert [(f.line, f.column, f.code) for f in findings] == [(2, 28, "KC904")]
    assert "KC201" in findings[0].message


def test_only_the_unused_codes_are_reported(lint):
    findings = lint("import keras\n" + ONE_LINE + "  # noqa: KC201, KC901\n", select=["KC201", "KC9"])
    assert [f.code for f in findings] == ["KC904"]
    assert "KC901" in findings[0].message and "KC201" not in findings[0].message


def test_unknown_code_in_noqa_is_reported(lint):
    findings = lint("import keras\nx = 1  # noqa: KC999\n", select=["KC9"])
    assert [f.code for f in findings] == ["KC904"] and "KC999 (unknown code)" in findings[0].message


def test_other_tools_codes_are_not_reported(lint):
    assert found(lint, "x = 1  # noqa: E501") == []
    assert found(lint, "x = 1  # noqa: E501,W291, F401") == []


def test_noqa_for_a_rule_that_is_not_selected_is_not_reported(lint):
    assert found(lint, "x = 1  # noqa: KC201", select=["KC9"]) == []


def test_unused_noqa_can_itself_be_switched_off(lint):
    assert found(lint, "x = 1  # noqa: KC201", select=["KC201"]) == []
    assert found(lint, "# kerascheck: noqa: KC904\nx = 1  # noqa: KC201") == []


def test_no_unused_noqa_in_a_file_that_does_not_parse(lint):
    """No rule ran, so nothing can be judged unused; the syntax error is the one finding."""
    assert found(lint, ONE_LINE + "  # noqa: KC201\nmodel.fit(") == [(3, "KC901")]


def test_noqa_suppresses_a_syntax_error(lint):
    assert found(lint, "model.fit(x  # noqa: KC901\n") == []


def test_unused_noqa_in_a_file_without_keras(lint):
    findings = lint("x = 1  # noqa: KC201\n", select=["KC201", "KC9"])
    assert [(f.line, f.code) for f in findings] == [(1, "KC904")]


def test_unused_noqa_line_numbers_after_a_form_feed(lint):
    source = "import keras\n\f\n" + ONE_LINE + "  # noqa: KC201\n"
    assert [(f.line, f.code) for f in lint(source, select=["KC201", "KC9"])] == []


def test_placement_of_a_new_noqa_comment():
    """Where the editor's "Ignore KC201 with `# noqa`" writes: the reported line, else the first line
    of its statement; appended to an existing `# noqa: X`; never inside a string or after a backslash."""
    from kerascheck.noqa import placement
    from kerascheck.text import LineIndex

    def where(text, line, code="KC201"):
        return placement(text, LineIndex(text), line, code)

    assert where("x = 1\n", 1) == (1, 5, 5, "  # noqa: KC201")
    assert where("x = 1   \n", 1) == (1, 5, 8, "  # noqa: KC201")  # trailing blanks replaced
    assert where("x = 1  # noqa: E501\n", 1) == (1, 19, 19, ", KC201")
    assert where("x = 1  # NOQA: kc201\n", 1) is None  # already there (codes are case-insensitive)
    assert where("x = 1  # noqa\n", 1) is None  # a bare noqa covers every code
    assert where("x = (1 +\n     2)\n", 2) == (2, 7, 7, "  # noqa: KC201")
    in_string = 'x = f("""\nabc""",\n  y)\n'
    assert where(in_string, 1) is None  # line 1 ends inside the string: a comment there would be text
    assert where(in_string, 2) == (2, 7, 7, "  # noqa: KC201")
    assert where("x = 1 + \\\n    2\n", 1) is None  # after a backslash a comment ends the statement
    assert where("x = 1\n", 7) is None


def test_code_under_the_cursor():
    from kerascheck.noqa import code_at

    line = "x = 1  # noqa: E501, kc201"
    assert code_at(line, line.index("kc201") + 2) == ("KC201", 21, 26)
    assert code_at(line, line.index("E501")) == ("E501", 15, 19)
    assert code_at(line, 2) is None and code_at("x  # noqa", 5) is None
    assert code_at("# kerascheck: noqa: KC101", 22) == ("KC101", 20, 25)
