"""`kerascheck server`: a real LSP client (pytest-lsp) talking to the real server process over stdio,
plus a few in-process checks of the pure helpers (fix application, noqa placement, positions)."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import sys
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

pytest.importorskip("pygls.lsp.server", reason="the LSP server needs pygls 2")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types as lsp  # noqa: E402
from pygls.exceptions import JsonRpcException  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 20.0

BUGGY = """\
import keras

model = keras.Sequential([
    keras.Input(shape=(8,)),
    keras.layers.Dense(1, activation="softmax"),
])
model.compile(optimizer="adam", loss="binary_crossentropy")
"""
BUG_LINE = 4  # 0-based line of `activation="softmax"`
FIXED = BUGGY.replace('"softmax"', '"sigmoid"')

CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "kerascheck.server"],
    server_env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))},
)


def capabilities(pull: bool = False, encodings: Optional[list[str]] = None) -> lsp.ClientCapabilities:
    return lsp.ClientCapabilities(
        general=lsp.GeneralClientCapabilities(position_encodings=encodings) if encodings else None,
        text_document=lsp.TextDocumentClientCapabilities(
            hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText]),
            code_action=lsp.CodeActionClientCapabilities(
                code_action_literal_support=lsp.ClientCodeActionLiteralOptions(
                    code_action_kind=lsp.ClientCodeActionKindOptions(value_set=list(lsp.CodeActionKind)))),
            publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(version_support=True),
            diagnostic=lsp.DiagnosticClientCapabilities() if pull else None,
        ),
        workspace=lsp.WorkspaceClientCapabilities(
            workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=True)),
    )


async def start(client: LanguageClient, root: Path, **caps: Any) -> lsp.InitializeResult:
    return await client.initialize_session(lsp.InitializeParams(
        capabilities=capabilities(**caps), root_uri=root.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name="ws")]))


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await start(lsp_client, tmp_path)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def pull_client(lsp_client: LanguageClient, tmp_path: Path):
    await start(lsp_client, tmp_path, pull=True)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG, params=["utf-8", "utf-32", "emacs", "neovim"])
async def encoding_client(lsp_client: LanguageClient, tmp_path: Path, request):
    """Clients that prefer other position encodings: declared by hand, and Emacs 29 (eglot, prefers
    UTF-32) and Neovim 0.11 (prefers UTF-8) with their real capabilities from pytest-lsp."""
    registrations: list = []
    lsp_client.registrations = registrations
    lsp_client.feature(lsp.CLIENT_REGISTER_CAPABILITY)(lambda params: registrations.append(params))
    if request.param in ("emacs", "neovim"):
        caps = pytest_lsp.client_capabilities(request.param)
        lsp_client.init_result = await lsp_client.initialize_session(lsp.InitializeParams(
            capabilities=caps, root_uri=tmp_path.as_uri()))
        lsp_client.expected_encoding = caps.general.position_encodings[0]
    else:
        lsp_client.init_result = await start(lsp_client, tmp_path, encodings=[request.param, "utf-16"])
        lsp_client.expected_encoding = request.param
    yield
    await lsp_client.shutdown_session()


# -- helpers ------------------------------------------------------------------------------------
async def wait_for(predicate: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def diagnostics_of(client: LanguageClient, uri: str, expected: list[str]) -> list[lsp.Diagnostic]:
    """Wait until the document's diagnostics have the expected codes: pulled when the client declares
    pull diagnostics (Neovim 0.10+), else pushed."""
    caps = client.capabilities
    if caps is not None and caps.text_document is not None and caps.text_document.diagnostic is not None:
        async def pulled():
            report = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri)))
            return list(report.items)

        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while True:
            items = await pulled()
            if sorted(str(d.code) for d in items) == expected:
                break
            assert loop.time() < deadline, f"pulled {items}, expected {expected}"
            await asyncio.sleep(0.05)
        assert uri not in client.diagnostics  # and nothing pushed
        return items
    await wait_for(lambda: codes(client, uri) == expected, f"{expected} pushed")
    return list(client.diagnostics[uri])


def codes(client: LanguageClient, uri: str) -> list[str]:
    return sorted(str(d.code) for d in client.diagnostics.get(uri, []))


def open_doc(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        lsp.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)))
    return uri


def replace_all(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))


def apply_edits(text: str, edits: list[lsp.TextEdit]) -> str:
    """Apply LSP TextEdits (UTF-16 positions) to text, as an editor would."""
    lines = text.splitlines(keepends=True) + [""]

    def offset(pos: lsp.Position) -> int:
        line = lines[pos.line]
        units, index = 0, 0
        while index < len(line) and units < pos.character:
            units += 2 if ord(line[index]) > 0xFFFF else 1
            index += 1
        return sum(len(x) for x in lines[:pos.line]) + index

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


async def send_raw(client: LanguageClient, msg_id: str, method: str, params: Any) -> Any:
    """Send a request exactly as given (the typed client API cannot send malformed params)."""
    future: Future = Future()
    client.protocol._request_futures[msg_id] = future
    body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    result = client.protocol.writer.write(f"Content-Length: {len(body)}\r\n\r\n{body}".encode("utf-8"))
    if inspect.isawaitable(result):
        await result
    return await asyncio.wait_for(asyncio.wrap_future(future), TIMEOUT)


def edits_of(action: lsp.CodeAction, uri: str) -> list[lsp.TextEdit]:
    assert action.edit is not None
    if action.edit.document_changes:
        (change,) = action.edit.document_changes
        assert change.text_document.uri == uri
        return list(change.edits)
    return list(action.edit.changes[uri])


# -- end to end ----------------------------------------------------------------------------------
@pytest.mark.asyncio
async def test_diagnostics_appear_then_vanish_after_the_fix(client: LanguageClient, tmp_path: Path):
    uri = open_doc(client, tmp_path / "train.py", BUGGY)
    await wait_for(lambda: codes(client, uri) == ["KC201"], "KC201 on open")
    (diag,) = client.diagnostics[uri]
    assert diag.severity == lsp.DiagnosticSeverity.Warning
    assert diag.source == "kerascheck"
    assert diag.range.start.line == BUG_LINE
    line = BUGGY.splitlines()[BUG_LINE]
    assert line[diag.range.start.character:diag.range.end.character] == '"softmax"'
    assert diag.code_description is not None and diag.code_description.href.endswith("KC201.md")
    assert diag.data["name"] == "softmax-on-single-unit"
    # KC201's own (unsafe) fix travels with the diagnostic, as the quick fix's source
    assert diag.data["fix"]["applicability"] == "unsafe"
    assert diag.data["fix"]["edits"][0]["content"] == '"sigmoid"'

    # Apply the fix as an incremental edit: replace "softmax" by "sigmoid".
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[lsp.TextDocumentContentChangePartial(range=diag.range, text='"sigmoid"')]))
    await wait_for(lambda: codes(client, uri) == [], "KC201 to vanish after didChange")

    client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri=uri)))


@pytest.mark.asyncio
async def test_unsaved_edits_are_linted_not_the_disk(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "train.py"
    path.write_text(FIXED, encoding="utf-8")
    uri = open_doc(client, path, FIXED)
    await wait_for(lambda: uri in client.diagnostics, "the first publish")
    assert codes(client, uri) == []
    replace_all(client, uri, BUGGY, 2)  # typed, not saved
    await wait_for(lambda: codes(client, uri) == ["KC201"], "KC201 from the unsaved buffer")
    assert path.read_text(encoding="utf-8") == FIXED


@pytest.mark.asyncio
async def test_an_imported_module_is_read_from_its_unsaved_buffer(client: LanguageClient, tmp_path: Path):
    """train.py builds its model with nets.py's function; nets.py's unsaved buffer drops the softmax:
    train.py's compile gets KC205, with the head's line in nets.py as related information."""
    nets_disk = ("from tensorflow import keras\n\n\ndef build():\n"
                 "    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation='softmax')])\n")
    (tmp_path / "nets.py").write_text(nets_disk, encoding="utf-8")
    train = "from nets import build\n\nmodel = build()\nmodel.compile(loss='sparse_categorical_crossentropy')\n"
    (tmp_path / "train.py").write_text(train, encoding="utf-8")
    open_doc(client, tmp_path / "nets.py", nets_disk.replace(", activation='softmax'", ""))
    uri = open_doc(client, tmp_path / "train.py", train)
    (diag,) = await diagnostics_of(client, uri, ["KC205"])
    assert diag.range.start.line == 3
    (info,) = diag.related_information
    assert info.location.uri == (tmp_path / "nets.py").resolve().as_uri() and info.location.range.start.line == 4


@pytest.mark.asyncio
async def test_an_edit_of_an_imported_module_relints_the_file_that_imports_it(client: LanguageClient,
                                                                            tmp_path: Path):
    """Only nets.py is edited; train.py, which compiles nets.py's model, gets its diagnostics anew
    (pushed without any change of its own): the softmax dropped, then restored."""
    nets = ("from tensorflow import keras\n\n\ndef build():\n"
            "    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation='softmax')])\n")
    (tmp_path / "nets.py").write_text(nets, encoding="utf-8")
    train = "from nets import build\n\nmodel = build()\nmodel.compile(loss='sparse_categorical_crossentropy')\n"
    nets_uri = open_doc(client, tmp_path / "nets.py", nets)
    uri = open_doc(client, tmp_path / "train.py", train)
    await wait_for(lambda: uri in client.diagnostics and codes(client, uri) == [], "train.py linted, clean")
    replace_all(client, nets_uri, nets.replace(", activation='softmax'", ""), 2)
    await diagnostics_of(client, uri, ["KC205"])
    replace_all(client, nets_uri, nets, 3)
    await diagnostics_of(client, uri, [])


@pytest.mark.asyncio
async def test_a_pulled_result_is_stale_once_an_imported_module_changes(pull_client: LanguageClient,
                                                                       tmp_path: Path):
    client = pull_client
    nets = ("from tensorflow import keras\n\n\ndef build():\n"
            "    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])\n")
    (tmp_path / "nets.py").write_text(nets, encoding="utf-8")
    train = "from nets import build\n\nmodel = build()\nmodel.compile(loss='sparse_categorical_crossentropy')\n"
    uri = open_doc(client, tmp_path / "train.py", train)
    report = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri)))
    assert [d.code for d in report.items] == ["KC205"]
    # nets.py is fixed on disk (not open in the editor): the same train.py text is linted again
    (tmp_path / "nets.py").write_text(nets.replace("Dense(4)", "Dense(4, activation='softmax')"), encoding="utf-8")
    again = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), previous_result_id=report.result_id))
    assert again.kind == "full" and list(again.items) == []


@pytest.mark.asyncio
async def test_close_clears_diagnostics(client: LanguageClient, tmp_path: Path):
    uri = open_doc(client, tmp_path / "train.py", BUGGY)
    await wait_for(lambda: codes(client, uri) == ["KC201"], "KC201 on open")
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri=uri)))
    await wait_for(lambda: codes(client, uri) == [], "diagnostics cleared on close")


@pytest.mark.asyncio
async def test_noqa_code_action_applies_cleanly(client: LanguageClient, tmp_path: Path):
    uri = open_doc(client, tmp_path / "train.py", BUGGY)
    await wait_for(lambda: codes(client, uri) == ["KC201"], "KC201 on open")
    (diag,) = client.diagnostics[uri]
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=diag.range,
        context=lsp.CodeActionContext(diagnostics=[diag])))
    titles = [a.title for a in actions]
    assert "Ignore KC201 with `# noqa`" in titles, titles
    action = next(a for a in actions if a.title == "Ignore KC201 with `# noqa`")
    assert action.kind == lsp.CodeActionKind.QuickFix
    assert action.edit.document_changes[0].text_document.version == 1
    new_text = apply_edits(BUGGY, edits_of(action, uri))
    assert new_text.splitlines()[BUG_LINE] == '    keras.layers.Dense(1, activation="softmax"),  # noqa: KC201'
    replace_all(client, uri, new_text, 2)
    await wait_for(lambda: codes(client, uri) == [], "KC201 suppressed, and no unused-noqa KC904")

    # A second code on an existing noqa comment is appended to it.
    other = BUGGY.replace('"softmax"),', '"softmax"),  # noqa: E501')
    replace_all(client, uri, other, 3)
    await wait_for(lambda: codes(client, uri) == ["KC201"], "KC201 again")
    (diag,) = client.diagnostics[uri]
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=diag.range, context=lsp.CodeActionContext(diagnostics=[])))
    action = next(a for a in actions if a.title == "Ignore KC201 with `# noqa`")
    assert apply_edits(other, edits_of(action, uri)).splitlines()[BUG_LINE].endswith("# noqa: E501, KC201")

    # Only source actions requested: no quick fixes, and no fix-all since KC201 has no safe fix.
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=diag.range,
        context=lsp.CodeActionContext(diagnostics=[], only=[lsp.CodeActionKind.SourceFixAll])))
    assert list(actions) == []


@pytest.mark.asyncio
async def test_hover_on_noqa_code_explains_the_rule(client: LanguageClient, tmp_path: Path):
    text = BUGGY.replace('"softmax"),', '"softmax"),  # noqa: E501, KC201')
    uri = open_doc(client, tmp_path / "train.py", text)
    line = text.splitlines()[BUG_LINE]
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        position=lsp.Position(line=BUG_LINE, character=line.index("KC201") + 2)))
    assert hover is not None
    assert hover.contents.kind == lsp.MarkupKind.Markdown
    assert "softmax-on-single-unit" in hover.contents.value
    assert "A softmax over one unit always outputs 1.0" in hover.contents.value
    assert "KC201.md" in hover.contents.value
    assert "## Why is this bad?" in hover.contents.value
    assert hover.range.start.character == line.index("KC201")
    assert hover.range.end.character == line.index("KC201") + 5

    # Another linter's code, or code outside a noqa comment: nothing.
    for character in (line.index("E501") + 1, 6):
        assert await client.text_document_hover_async(lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=BUG_LINE, character=character))) is None


@pytest.mark.asyncio
async def test_malformed_requests_get_errors_and_the_server_keeps_serving(client: LanguageClient, tmp_path: Path):
    text = BUGGY.replace('"softmax"),', '"softmax"),  # noqa: KC201')
    uri = open_doc(client, tmp_path / "train.py", text)

    def hover_at(doc_uri: str, line: int, character: int):
        return client.text_document_hover_async(lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc_uri), position=lsp.Position(line, character)))

    with pytest.raises(JsonRpcException, match="unknown document"):
        await hover_at("not a uri at all", 0, 0)
    with pytest.raises(JsonRpcException, match="unknown document"):
        await hover_at((tmp_path / "missing.py").as_uri(), 0, 0)
    with pytest.raises(JsonRpcException, match="past the end"):
        await hover_at(uri, 10_000, 0)
    with pytest.raises(JsonRpcException, match="past the end"):
        await client.text_document_code_action_async(lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            range=lsp.Range(lsp.Position(0, 0), lsp.Position(5_000, 0)), context=lsp.CodeActionContext(diagnostics=[])))
    with pytest.raises(JsonRpcException) as unknown:
        await client.protocol.send_request_async("kerascheck/noSuchMethod", {"x": 1})
    assert unknown.value.code == -32601  # MethodNotFound
    with pytest.raises(JsonRpcException) as invalid:  # params that do not even deserialise
        await send_raw(client, "raw-1", lsp.TEXT_DOCUMENT_HOVER,
                       {"textDocument": {"uri": uri}, "position": {"line": -3, "character": "x"}})
    assert invalid.value.code == -32602  # InvalidParams
    with pytest.raises(JsonRpcException) as invalid:
        await send_raw(client, "raw-2", lsp.TEXT_DOCUMENT_CODE_ACTION, {"textDocument": {"uri": uri}})
    assert invalid.value.code == -32602
    # Notifications about documents that are not open are ignored.
    replace_all(client, "file:///nowhere/never-opened.py", "x = 1", 7)

    # Still serving: a correct hover right afterwards.
    line = text.splitlines()[BUG_LINE]
    hover = await hover_at(uri, BUG_LINE, line.index("KC201"))
    assert hover is not None and "softmax-on-single-unit" in hover.contents.value
    # A character past the end of a line means the end of the line (LSP), not an error.
    assert await hover_at(uri, 0, 500) is None


@pytest.mark.asyncio
async def test_unparsable_buffer_keeps_last_good_diagnostics_plus_kc901(client: LanguageClient, tmp_path: Path):
    uri = open_doc(client, tmp_path / "train.py", BUGGY)
    await wait_for(lambda: codes(client, uri) == ["KC201"], "KC201 on open")
    broken = BUGGY.replace("])\n", "]\n")  # mid-edit: the Sequential( call is not closed
    replace_all(client, uri, broken, 2)
    await wait_for(lambda: codes(client, uri) == ["KC201", "KC901"], "last good KC201 plus KC901")
    by_code = {d.code: d for d in client.diagnostics[uri]}
    assert by_code["KC901"].severity == lsp.DiagnosticSeverity.Error
    assert by_code["KC201"].range.start.line == BUG_LINE
    assert by_code["KC201"].data.get("stale") is True
    # Once it parses again, the fresh result replaces both.
    replace_all(client, uri, FIXED, 3)
    await wait_for(lambda: codes(client, uri) == [], "clean once the buffer parses")


@pytest.mark.asyncio
async def test_pull_diagnostics_when_the_client_supports_them(pull_client: LanguageClient, tmp_path: Path):
    client = pull_client
    uri = open_doc(client, tmp_path / "train.py", BUGGY)
    report = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri)))
    assert report.kind == "full"
    assert [d.code for d in report.items] == ["KC201"]
    again = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), previous_result_id=report.result_id))
    assert again.kind == "unchanged" and again.result_id == report.result_id
    replace_all(client, uri, FIXED, 2)
    fresh = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), previous_result_id=report.result_id))
    assert fresh.kind == "full" and list(fresh.items) == []
    await asyncio.sleep(0.4)  # longer than the debounce: a pull client never gets pushes
    assert uri not in client.diagnostics


@pytest.mark.asyncio
async def test_positions_in_the_negotiated_encoding(encoding_client: LanguageClient, tmp_path: Path):
    client = encoding_client
    encoding = client.expected_encoding
    assert client.init_result.capabilities.position_encoding == encoding
    text = BUGGY.replace('Dense(1, activation', 'Dense(1, name="é😀", activation')
    uri = open_doc(client, tmp_path / "train.py", text)
    (diag,) = await diagnostics_of(client, uri, ["KC201"])
    line = text.splitlines()[BUG_LINE]

    def units(s: str) -> int:
        if encoding == "utf-8":
            return len(s.encode("utf-8"))
        if encoding == "utf-16":
            return len(s.encode("utf-16-le")) // 2
        return len(s)

    start = line.index('"softmax"')
    assert diag.range.start.character == units(line[:start])
    assert diag.range.end.character == units(line[:start + 9])
    # Incoming positions use the same encoding: replace exactly the flagged text.
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[lsp.TextDocumentContentChangePartial(range=diag.range, text='"sigmoid"')]))
    assert await diagnostics_of(client, uri, []) == []
    if client.capabilities.workspace and client.capabilities.workspace.did_change_watched_files \
            and client.capabilities.workspace.did_change_watched_files.dynamic_registration:
        # Clients that can watch files for the server are asked to report pyproject.toml changes.
        await wait_for(lambda: client.registrations, "client/registerCapability")
        (registration,) = client.registrations[0].registrations
        assert registration.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES


@pytest.mark.asyncio
async def test_settings_come_from_the_workspace_pyproject(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.kerascheck]\nignore = ["KC201"]\n', encoding="utf-8")
    (tmp_path / "src").mkdir()
    uri = open_doc(client, tmp_path / "src" / "train.py", BUGGY)
    await wait_for(lambda: uri in client.diagnostics, "the first publish")
    assert codes(client, uri) == []
    # The config changes on disk: the next lint uses it (settings are re-read when pyproject.toml changes).
    (tmp_path / "pyproject.toml").write_text('[tool.kerascheck]\nselect = ["KC2"]\n', encoding="utf-8")
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri=uri)))
    await wait_for(lambda: codes(client, uri) == ["KC201"], "KC201 once the pyproject no longer ignores it")
    # A broken config is reported to the user, and linting goes on with the defaults.
    (tmp_path / "pyproject.toml").write_text('[tool.kerascheck]\nselect = ["KC999"]\n', encoding="utf-8")
    replace_all(client, uri, BUGGY + "\n", 2)
    await wait_for(lambda: any("KC999" in m.message for m in client.messages), "a configuration error message")
    await wait_for(lambda: codes(client, uri) == ["KC201"], "KC201 with the default settings")


@pytest.mark.asyncio
async def test_diagnostics_for_exactly_the_files_show_files_lists(client: LanguageClient, tmp_path: Path):
    """The editor lints a buffer when `kerascheck --show-files` in the workspace would list its file: not
    when git ignores it, it sits in a virtualenv, an excluded folder, `*.egg-info` or build/."""
    import shutil
    import subprocess

    from helpers import env_with_checkout

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    rels = ["train.py", "pkg/model.py", "pkg/scratch.py", "generated/gen.py", "myvenv/lib/site.py",
            "data/raw.py", "kc.egg-info/x.py", "build/lib/b.py", "stubs.pyi"]
    for rel in rels:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(BUGGY, encoding="utf-8")
    (tmp_path / "myvenv" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("generated/\nscratch.py\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.kerascheck]\nextend-exclude = ["data"]\n', encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, capture_output=True)
    shown = subprocess.run([sys.executable, "-m", "kerascheck", "--show-files", "--no-cache"], cwd=tmp_path,
                           capture_output=True, text=True, env=env_with_checkout())
    assert shown.returncode == 0, shown.stderr
    listed = sorted(shown.stdout.splitlines())
    assert listed == ["pkg/model.py", "stubs.pyi", "train.py"]

    uris = {rel: open_doc(client, tmp_path / rel, BUGGY) for rel in rels}
    await wait_for(lambda: all(uri in client.diagnostics for uri in uris.values()), "a publish for every file")
    linted = sorted(rel for rel, uri in uris.items() if codes(client, uri) == ["KC201"])
    assert linted == listed
    assert all(codes(client, uri) == [] for rel, uri in uris.items() if rel not in listed)


# -- in process -----------------------------------------------------------------------------------
def _finding(code="KC201", line=1, column=1, end_line=1, end_column=2, fix=None):
    from kerascheck.finding import Finding

    return Finding("t.py", line, column, end_line, end_column, code, "name", "warning", "message", fix)


def test_fix_text_skips_overlaps_and_minimal_edit_keeps_unchanged_lines():
    """The editor's fix-all applies fixes with fix.py's one function (as --fix does)."""
    from kerascheck.finding import Edit, Fix
    from kerascheck.fix import fix_text
    from kerascheck.server import minimal_edit

    text = "a = 1\nb = 22\nc = 3\n"
    fixes = [Fix("one", "safe", (Edit(2, 5, 2, 7, "2"),)),
             Fix("overlapping", "safe", (Edit(2, 6, 2, 7, "9"),)),
             Fix("two", "safe", (Edit(3, 5, 3, 6, "4"),))]
    new, applied = fix_text(text, [_finding(line=e.line, column=e.column, fix=fx) for fx in fixes for e in fx.edits],
                            unsafe=False)
    assert applied == 2
    assert new == "a = 1\nb = 2\nc = 4\n"
    edit = minimal_edit(text, new, "utf-16")
    assert (edit.range.start.line, edit.range.start.character, edit.range.end.line, edit.range.end.character) == (1, 0, 3, 0)
    assert edit.new_text == "b = 2\nc = 4\n"
    assert minimal_edit(text, text, "utf-16") is None


def test_noqa_placement_avoids_multiline_strings():
    from kerascheck.noqa import placement
    from kerascheck.server import TextIndex

    def noqa_edit(text, index, f):
        return placement(text, index, f.line, f.code)

    text = 'x = f("""\nabc""", y)\n'
    f = _finding(line=2)
    assert noqa_edit(text, TextIndex(text), _finding(line=1)) is None or noqa_edit(text, TextIndex(text), _finding(line=1))[0] != 1
    where = noqa_edit(text, TextIndex(text), f)
    assert where is not None and where[0] == 2 and where[3] == "  # noqa: KC201"
    bare = "x = 1  # noqa\n"
    assert noqa_edit(bare, TextIndex(bare), _finding(line=1)) is None


def test_position_conversions():
    from kerascheck.server import TextIndex, from_units, to_units

    line = 'a😀b'
    assert [to_units(line, i, "utf-16") for i in range(4)] == [0, 1, 3, 4]
    assert [to_units(line, i, "utf-8") for i in range(4)] == [0, 1, 5, 6]
    assert [to_units(line, i, "utf-32") for i in range(4)] == [0, 1, 2, 3]
    assert from_units(line, 3, "utf-16") == 2 and from_units(line, 5, "utf-8") == 2 and from_units(line, 99, "utf-8") == 3
    index = TextIndex("one\r\ntwo\rthree\n")
    assert index.lines == ["one", "two", "three", ""]
    assert index.position(9, 1, "utf-16") == lsp.Position(3, 0)  # clamped to the end


def test_a_crashing_linter_becomes_a_kc903_diagnostic(monkeypatch):
    from kerascheck.server import Document, KerascheckServer

    server = KerascheckServer()
    doc = Document("file:///tmp/x/train.py", BUGGY, 1)
    _, _, linter, _ = server.resolver.resolve(Path("/tmp/x"), Path("/tmp/x"))

    def boom(text, display, reparser=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(linter, "lint_text", boom)
    findings, notices, _, _ = server.lint_sync(doc)
    assert [f.code for f in findings] == ["KC903"] and "boom" in findings[0].message
    assert notices and "boom" in notices[0]


@pytest.mark.asyncio
async def test_fix_actions_and_fix_all_in_process(monkeypatch):
    """KC201 has no automatic fix yet, so fixes are exercised with a stand-in linter."""
    from kerascheck.finding import Edit, Finding, Fix
    from kerascheck.server import Document, KerascheckServer

    def fake_lint(doc, text=None):
        text = doc.text if text is None else text
        out = []
        for number, line in enumerate(text.split("\n"), start=1):
            for word, kind in (("bad", "safe"), ("worse", "unsafe")):
                col = line.find(word)
                if col >= 0:
                    fix = Fix(f"replace {word}", kind, (Edit(number, col + 1, number, col + 1 + len(word), "good"),))
                    out.append(Finding("t.py", number, col + 1, number, col + 1 + len(word), "KC201",
                                       "softmax-on-single-unit", "warning", f"{word} here", fix))
        return out, [], (), {}

    server = KerascheckServer()
    monkeypatch.setattr(server, "lint_sync", fake_lint)
    uri = "file:///nowhere/train.py"
    server.docs[uri] = Document(uri, "a = bad\nb = worse\nc = bad\n", 4)

    def params(line: int, only=None) -> lsp.CodeActionParams:
        return lsp.CodeActionParams(text_document=lsp.TextDocumentIdentifier(uri=uri),
                                    range=lsp.Range(lsp.Position(line, 5), lsp.Position(line, 5)),
                                    context=lsp.CodeActionContext(diagnostics=[], only=only))

    actions = await server.code_actions(params(0))
    by_title = {a.title: a for a in actions}
    safe = by_title["replace bad (KC201)"]
    assert safe.is_preferred and safe.kind == lsp.CodeActionKind.QuickFix
    assert [e.new_text for e in safe.edit.changes[uri]] == ["good"]
    assert "Ignore KC201 with `# noqa`" in by_title
    fix_all = by_title["Fix all auto-fixable kerascheck problems"]
    assert fix_all.kind == "source.fixAll.kerascheck"
    assert apply_edits(server.docs[uri].text, fix_all.edit.changes[uri]) == "a = good\nb = worse\nc = good\n"

    unsafe = {a.title: a for a in await server.code_actions(params(1))}["replace worse (KC201, unsafe fix)"]
    assert not unsafe.is_preferred

    only = await server.code_actions(params(1, only=[lsp.CodeActionKind.Source]))
    assert [a.kind for a in only] == ["source.fixAll.kerascheck"]

    # Clients that resolve edits get the fix-all action first, and its edit on codeAction/resolve.
    server.resolve_edits = True
    (lazy,) = await server.code_actions(params(1, only=[lsp.CodeActionKind.SourceFixAll]))
    assert lazy.edit is None and lazy.data["uri"] == uri
    resolved = await server.resolve_code_action(lazy)
    assert apply_edits(server.docs[uri].text, resolved.edit.changes[uri]) == "a = good\nb = worse\nc = good\n"


@pytest.mark.asyncio
async def test_an_edit_that_restores_the_linted_text_is_not_linted_again(monkeypatch):
    """Typing a character and deleting it again within the debounce (or a save that changes nothing)
    brings a new version of the text last linted: its findings are reused under the new version."""
    from kerascheck.server import Document, KerascheckServer

    server = KerascheckServer()
    linted: list[str] = []
    real = server.lint_sync

    def counting(doc, text=None):
        linted.append(doc.text if text is None else text)
        return real(doc, text)

    monkeypatch.setattr(server, "lint_sync", counting)
    uri = (ROOT / "tests" / "no-such-dir" / "train.py").as_uri()
    doc = server.docs[uri] = Document(uri, BUGGY, 1)
    first = await server.lint(doc)
    assert [d.code for d in first.diagnostics] == ["KC201"] and first.version == 1

    end = lsp.Position(len(BUGGY.splitlines()), 0)
    doc.apply(lsp.TextDocumentContentChangePartial(range=lsp.Range(end, end), text="x"), "utf-16")
    doc.version = 2  # not linted: the next keystroke came within the debounce
    doc.apply(lsp.TextDocumentContentChangePartial(range=lsp.Range(end, lsp.Position(end.line, 1)), text=""),
              "utf-16")
    doc.version = 3
    assert doc.text == BUGGY and doc.text is not BUGGY
    third = await server.lint(doc)
    assert third.version == 3 and third.result_id == first.result_id
    assert third.diagnostics == first.diagnostics
    assert linted == [BUGGY]

    doc.apply(lsp.TextDocumentContentChangeWholeDocument(text=FIXED), "utf-16")
    doc.version = 4
    assert (await server.lint(doc)).diagnostics == []
    assert linted == [BUGGY, FIXED]


@pytest.mark.asyncio
async def test_an_edit_inside_a_long_buffer_is_spliced_and_linted_as_a_whole_file():
    """After an edit the server re-parses only the statements around it; the findings (positions
    included) are those of linting the new text from scratch."""
    from kerascheck.config import Settings
    from kerascheck.engine import Linter
    from kerascheck.server import Document, KerascheckServer

    head = "import keras\nimport numpy as np\n\n"
    blocks = [f"\ndef block_{i}():\n    x = np.zeros((8, 4))\n    return x\n" for i in range(30)]
    text = head + "".join(blocks[:15]) + "\n" + BUGGY.split("\n", 1)[1] + "".join(blocks[15:])
    server = KerascheckServer()
    uri = (ROOT / "tests" / "no-such-dir" / "train.py").as_uri()
    doc = server.docs[uri] = Document(uri, text, 1)
    assert [d.code for d in (await server.lint(doc)).diagnostics] == ["KC201"]

    for version, (old, new) in enumerate([('"softmax"', '"sigmoid"'), ('"sigmoid"', '"softmax"'),
                                          ("shape=(8,)", "shape=(\n        8,\n    )")], start=2):
        doc.apply(lsp.TextDocumentContentChangeWholeDocument(text=doc.text.replace(old, new)), "utf-16")
        doc.version = version
        state = await server.lint(doc)
        fresh = Linter(Settings()).lint_text(doc.text, "train.py").findings
        assert [(f.code, f.line, f.column, f.end_line, f.end_column) for f in state.findings] == [
            (f.code, f.line, f.column, f.end_line, f.end_column) for f in fresh]
    assert [f.code for f in state.findings] == ["KC201"] and state.findings[0].line > 40
    assert doc.reparser.spliced == 3


@pytest.mark.asyncio
async def test_each_files_project_declares_its_keras(client: LanguageClient, tmp_path: Path):
    """The server looks up dependency declarations from each file's folder, as the command line does:
    a sub-project pinning Keras 2 gets no Keras-3-only finding (KC501), its sibling does (this venv
    has Keras 3). A malformed declaration file is one warning message, not a crash."""
    both_and_k3 = BUGGY + "import keras.backend as K\n\ndef dice(y_true, y_pred):\n    return K.sum(y_true * y_pred)\n"
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "requirements.txt").write_text("tensorflow==2.15.1\n", encoding="utf-8")
    (tmp_path / "modern").mkdir()
    (tmp_path / "modern" / "pyproject.toml").write_text("[project\n", encoding="utf-8")
    modern = open_doc(client, tmp_path / "modern" / "train.py", both_and_k3)
    await wait_for(lambda: codes(client, modern) == ["KC201", "KC501"], "KC201 and KC501 in modern/")
    legacy = open_doc(client, tmp_path / "legacy" / "train.py", both_and_k3)
    await wait_for(lambda: codes(client, legacy) == ["KC201"], "KC201 only in legacy/")
    await wait_for(lambda: any("pyproject.toml: skipped: invalid TOML" in m.message for m in client.messages),
                   "the warning")
