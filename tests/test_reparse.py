"""Re-parsing only the statements an edit touched must give exactly the tree a full parse gives."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import libcst as cst
import pytest

from kerascheck.reparse import Reparser, _bounds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from lsp_latency import generate  # noqa: E402

FIXTURES = sorted((ROOT / "tests" / "fixtures").rglob("*.py"))

# What people type, and what breaks the layout: block openers, continuation clauses, indentation,
# comments at several depths, brackets and quotes left open, decorators, line continuations, the
# other line breaks.
SNIPPETS = ["x", "1", " ", "\n", "\n\n", "    ", "\t", "# note\n", "    # note\n", "        # deep\n",
            "if x:\n", "if x:\n    pass\n", "else:\n    pass\n", "elif y:\n", "    pass\n", "try:\n", "except E:\n",
            "def f():\n", "def f():\n    return 1\n", "class C:\n", "@d\n", "(", ")", "[", "]", "'''", '"', "\\\n",
            "\r\n", "\r", ":", "model = keras.Sequential([\n", "layers.Dense(1, activation='softmax')", "])\n",
            "async def g():\n    await h()\n", "match x:\n    case 1:\n        pass\n", "\f"]


def mutate(text: str, rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.3:  # at the start of a line: where layout changes
        starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        at = rng.choice(starts)
        return text[:at] + rng.choice(SNIPPETS) + text[at:]
    at = rng.randrange(len(text) + 1)
    if kind < 0.65:
        return text[:at] + rng.choice(SNIPPETS) + text[at:]
    if kind < 0.9:
        return text[:at] + text[at + rng.randint(1, 30):]
    lines = text.splitlines(keepends=True)
    if len(lines) > 1:  # move a line elsewhere
        line = lines.pop(rng.randrange(len(lines)))
        lines.insert(rng.randrange(len(lines) + 1), line)
    return "".join(lines)


def check_step(reparser: Reparser, text: str) -> bool:
    """One edit: the reparser agrees with a full parse (raising when it raises). True if parsed."""
    found = reparser._splice(text)  # directly: parse() hides a failing splice behind a full parse
    try:
        full = cst.parse_module(text)
    except Exception as exc:
        assert found is None
        with pytest.raises(type(exc)):
            reparser.parse(text)
        return False
    got = reparser.parse(text)
    for tree in [got] + ([found[0]] if found else []):
        assert tree.code == full.code  # not always `text`: libcst drops a form feed that starts a line
        assert tree.deep_equals(full), "the spliced tree differs from a full parse"
        assert (tree.default_indent, tree.default_newline, tree.has_trailing_newline, tree.encoding) == (
            full.default_indent, full.default_newline, full.has_trailing_newline, full.encoding)
    assert reparser.bounds == _bounds(full, text)
    return True


@pytest.mark.parametrize("seed", range(8))
def test_random_edits_of_fixtures_give_the_full_parse(seed):
    rng = random.Random(seed)
    spliced = 0
    order = rng.sample(FIXTURES, len(FIXTURES))
    # At least 12 fixtures, and more until splicing was exercised: which fixtures a seed draws
    # changes whenever a fixture is added, and short ones are mostly parsed whole.
    for done, path in enumerate(order):
        if done >= 12 and spliced > 20:
            break
        text = path.read_text(encoding="utf-8")
        reparser = Reparser()
        reparser.parse(text)
        for _ in range(12):
            new = mutate(text, rng)
            if check_step(reparser, new):
                text = new  # edits pile up, as in an editor; a broken text is edited from the last good one
            else:
                reparser.parse(text)
        spliced += reparser.spliced
    assert spliced > 20  # the test exercised splicing, not only full parses


def test_random_edits_of_a_long_script_are_spliced():
    rng = random.Random(7)
    text = generate(400)
    reparser = Reparser()
    reparser.parse(text)
    parsed = 0
    for _ in range(60):
        new = mutate(text, rng)
        if check_step(reparser, new):
            text, parsed = new, parsed + 1
        else:
            reparser.parse(text)
    # Most random edits break the syntax. Of the others, those that touch the first or last
    # statement, or leave a line libcst does not give back (a lone `\` or form feed), are parsed whole.
    assert parsed >= 15 and reparser.spliced >= parsed // 2


@pytest.mark.parametrize("name, edit", [
    ("an else joins the if before it", lambda t: t.replace("y = 2\n", "else:\n    y = 2\n")),
    ("an indented line joins the def before it", lambda t: t.replace("y = 2\n", "    y = 2\n")),
    ("an open bracket swallows what follows", lambda t: t.replace("y = 2\n", "y = (2\n")),
    ("an open string", lambda t: t.replace("y = 2\n", "y = '''2\n")),
    ("an indented comment goes to the block before", lambda t: t.replace("# before y\n", "    # before y\n")),
    ("a statement becomes a block, and the indented comment after it joins the block",
     lambda t: t.replace("z = 3\n", "if z:\n    z = 3\n")),
    ("tabs change the indentation style", lambda t: t.replace("    return 1", "\treturn 1")),
    ("CRLF line breaks", lambda t: t.replace("y = 2\n", "y = 2\r\n")),
    ("the first statement", lambda t: t.replace("import keras", "import keras as k")),
    ("the last statement", lambda t: t + "w = 4\n"),
    ("no line break at the end", lambda t: t[:-1]),
])
def test_edits_that_change_the_layout(name, edit):
    base = ("import keras\n\n\ndef f():\n    if x:\n        return 1\n    # end of f\n\n"
            "# before y\ny = 2\n\n\nclass C:\n    pass\nz = 3\n\n    # indented, after z\nv = 5\nw = 6\n")
    reparser = Reparser()
    reparser.parse(base)
    check_step(reparser, edit(base))
    if name.startswith("a statement becomes a block"):
        assert reparser.spliced == 1


def test_an_edit_in_the_middle_reparses_only_the_statements_around_it(monkeypatch):
    text = generate(300)
    reparser = Reparser()
    reparser.parse(text)
    parsed: list[str] = []
    real = cst.parse_module
    monkeypatch.setattr(cst, "parse_module", lambda source, *a: parsed.append(source) or real(source, *a))
    new = text.replace('activation="softmax")', 'activation="sigmoid")', 1)
    assert reparser.parse(new).code == new
    (fragment,) = parsed
    assert 'activation="sigmoid")' in fragment and len(fragment) < len(new) // 5
    assert reparser.spliced == 1
