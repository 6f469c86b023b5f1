"""`--fix` and the editor's "Fix all" are one fixer: for every end-to-end fixture and every catalogue
example with a `fixed:` text, the text `kerascheck --fix` writes (fix.fix_source over the engine) and
the text the server's `source.fixAll` action produces are byte for byte the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("pygls.lsp.server", reason="the LSP server needs pygls 2")

from lsprotocol import types as lsp  # noqa: E402

from kerascheck.catalogue import load_catalogue  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "fixtures").glob("KC*/*.py"))
_KERAS = re.compile(r"^# kc-keras:\s*([23])", re.MULTILINE)
EXAMPLES = [(m.code, i, ex.code, v) for m in load_catalogue().values() for i, ex in enumerate(m.invalid)
            if ex.fixed for v in ([ex.keras] if ex.keras else list(m.keras))]


def _cli_fix(folder: Path, text: str) -> str:
    """What `kerascheck --fix` writes: safe fixes, the engine re-linting each pass."""
    from kerascheck.config import load_settings
    from kerascheck.engine import Linter
    from kerascheck.fix import fix_source

    linter = Linter(load_settings(start=folder))

    def lint(t: str):
        return linter.lint_text(t, "train.py").findings

    return fix_source(lint, text, lint(text), unsafe=False).text


def _apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """Apply TextEdits given in code points (the server negotiated UTF-32), as an editor would."""
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def offset(p: lsp.Position) -> int:
        return starts[p.line] + p.character if p.line < len(starts) else len(text)

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[:offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text


async def _editor_fix(path: Path, text: str) -> str:
    """What the editor's `source.fixAll.kerascheck` turns the buffer into (the server's own code path)."""
    from kerascheck.server import FIX_ALL_KIND, Document, KerascheckServer

    server = KerascheckServer()
    server.encoding = lsp.PositionEncodingKind.Utf32
    server.roots = [path.parent]
    uri = path.as_uri()
    server.docs[uri] = Document(uri, text, 1)
    try:
        actions = await server.code_actions(lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
            context=lsp.CodeActionContext(diagnostics=[], only=[FIX_ALL_KIND])))
    finally:
        server.lint_pool.shutdown(wait=True)
    if not actions:
        return text
    (action,) = actions
    (change,) = action.edit.changes[uri]
    return _apply(text, [change])


async def _same(tmp_path: Path, text: str, keras: str) -> tuple[str, str]:
    (tmp_path / "pyproject.toml").write_text(f'[tool.kerascheck]\nkeras-version = "{keras}"\n', encoding="utf-8")
    path = tmp_path / "train.py"
    path.write_text(text, encoding="utf-8")
    return _cli_fix(tmp_path, text), await _editor_fix(path, text)


@pytest.mark.asyncio
@pytest.mark.parametrize("fixture", FIXTURES, ids=[f"{p.parent.name}/{p.name}" for p in FIXTURES])
async def test_fix_and_editor_fix_all_agree_on_every_fixture(fixture: Path, tmp_path: Path):
    text = fixture.read_text(encoding="utf-8")
    m = _KERAS.search(text)
    cli, editor = await _same(tmp_path, text, m.group(1) if m else "3")
    assert editor == cli


@pytest.mark.asyncio
@pytest.mark.parametrize("code,index,source,keras", EXAMPLES, ids=[f"{c}-fixed{i}-k{v}" for c, i, _, v in EXAMPLES])
async def test_fix_and_editor_fix_all_agree_on_every_fixed_example(code, index, source, keras, tmp_path: Path):
    cli, editor = await _same(tmp_path, source, keras)
    assert editor == cli


@pytest.mark.asyncio
async def test_the_parity_check_sees_fixes(tmp_path: Path):
    """Not a vacuous comparison: the fixtures hold safe fixes that both paths apply."""
    changed = 0
    for fixture in FIXTURES:
        text = fixture.read_text(encoding="utf-8")
        if "reset_states()" in text or "lr=" in text:
            cli, editor = await _same(tmp_path, text, "3")
            changed += cli != text and editor == cli
    assert changed >= 2


def _stand_in(text: str):
    """A linter whose fixes touch: one replaces `bad`, another inserts `not_` where `bad` starts."""
    from kerascheck.finding import Edit, Finding, Fix

    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        col = line.find("bad") + 1
        if col:
            for code, edit in (("KC501", Edit(number, col, number, col + 3, "good")),
                               ("KC502", Edit(number, col, number, col, "not_"))):
                out.append(Finding("t.py", number, col, number, col + 3, code, "name", "warning", "m",
                                   Fix("fix", "safe", (edit,))))
    return out


@pytest.mark.asyncio
async def test_touching_fixes_are_resolved_the_same_way(monkeypatch):
    """An insertion where another fix's replacement starts: --fix used to apply only the first, the
    editor's fix-all both (`a = not_good`). One fixer, one answer."""
    from kerascheck.fix import fix_source
    from kerascheck.server import FIX_ALL_KIND, Document, KerascheckServer

    text = "a = bad\nb = 1\n"
    cli = fix_source(_stand_in, text, _stand_in(text), unsafe=False).text
    server = KerascheckServer()
    server.encoding = lsp.PositionEncodingKind.Utf32
    monkeypatch.setattr(server, "lint_sync", lambda doc, t=None: (_stand_in(doc.text if t is None else t), [], (), {}))
    uri = "file:///nowhere/t.py"
    server.docs[uri] = Document(uri, text, 1)
    (action,) = await server.code_actions(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
        context=lsp.CodeActionContext(diagnostics=[], only=[FIX_ALL_KIND])))
    assert cli == "a = good\nb = 1\n"
    assert _apply(text, action.edit.changes[uri]) == cli
