"""`kerascheck server`: the editor integration, a Language Server (LSP 3.17) over stdio on pygls 2.

- Diagnostics are computed from the editor's buffer (never the file on disk): immediately on open and
  save, debounced on change, cleared on close. Clients that declare pull diagnostics
  (`textDocument/diagnostic`) pull them instead and get no pushes.
- While a buffer is mid-edit and unparsable (KC901), the last good diagnostics stay, plus the parse error.
- Positions use the negotiated encoding (`general.positionEncodings`: UTF-16 by default, UTF-8 and
  UTF-32 when the client prefers them).
- Code actions: the rule's fix (preferred when safe), "Ignore KC… with `# noqa`", and the source
  action `source.fixAll.kerascheck` (safe fixes only). Hover on a `# noqa: KC…` code explains the rule.
- Settings come from the nearest `pyproject.toml` with `[tool.kerascheck]`, searched from the file's
  folder (the workspace root for unsaved buffers), re-read when it changes. Runtime mode never runs here.
- A buffer gets diagnostics when `kerascheck --show-files` in its workspace folder would list its file
  (files.FilePolicy: excludes, .gitignore, virtualenvs, build folders...), and never in installed packages.
- A malformed request is answered with an error and the server keeps serving; an exception inside the
  linter becomes a KC903 diagnostic, never a dead server.
- `exit` ends the process with 0 after `shutdown`, else 1 (LSP). A client that goes away (EOF on stdin)
  ends it cleanly; one that stops reading costs a single warning in the log, not a traceback per message.

Run it with `kerascheck server` or `python -m kerascheck.server`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Optional, Sequence

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.uris import to_fs_path

from kerascheck import __version__, noqa
from kerascheck.catalogue import RuleMeta, load_catalogue
from kerascheck.config import ConfigError, Settings, load_settings
from kerascheck.files import ReadError, check_size
from kerascheck.finding import Edit, Finding, error_finding
from kerascheck.output import lsp as lsp_output
from kerascheck.text import UTF16, LineIndex, from_units, split_keepends, to_units

logger = logging.getLogger("kerascheck.server")

DEBOUNCE = 0.150  # seconds between the last keystroke and the lint of a changed buffer
FIX_ALL_KIND = "source.fixAll.kerascheck"
FIX_ALL_TITLE = "Fix all auto-fixable kerascheck problems"
NO_NOQA = {"KC901", "KC904"}  # a syntax error is fixed, not ignored; an unused noqa is removed, not ignored
PYTHON_SUFFIXES = (".py", ".pyi")
SETTINGS_FILES = ("pyproject.toml", "/.gitignore")  # a change re-lints every open buffer


# ------------------------------------------------------------------------------------------------
# Positions: findings are 1-based (line, column) in code points; LSP is 0-based in the negotiated
# encoding's code units.
# ------------------------------------------------------------------------------------------------
class TextIndex(LineIndex):
    """A text's lines (split the way LSP splits them), with LSP positions in a negotiated encoding."""

    def offset(self, pos: lsp.Position, encoding: str) -> int:
        """Code-point offset of an LSP position, clamped to the text (for edits sent by the client)."""
        if pos.line >= len(self):
            return len(self.text)
        return self.starts[pos.line] + from_units(self.line(pos.line), pos.character, encoding)

    def position(self, line: int, column: int, encoding: str) -> lsp.Position:
        """LSP position of a 1-based (line, code-point column), clamped to the text."""
        i = line - 1
        if i >= len(self):
            last = len(self) - 1
            return lsp.Position(last, to_units(self.line(last), len(self.line(last)), encoding))
        i = max(i, 0)
        text = self.line(i)
        return lsp.Position(i, to_units(text, min(max(column - 1, 0), len(text)), encoding))

    def position_at(self, offset: int, encoding: str) -> lsp.Position:
        i = self.line_of(offset)
        return lsp.Position(i, to_units(self.line(i), min(offset - self.starts[i], len(self.line(i))), encoding))

    def check(self, pos: lsp.Position, uri: str) -> None:
        """Requests about a position past the last line are malformed: answer with an error. (A character
        past the end of its line means the end of the line, as the specification says.)"""
        if pos.line >= len(self):
            raise JsonRpcInvalidParams(
                f"position {pos.line}:{pos.character} is past the end of {uri} ({len(self)} lines)")


# ------------------------------------------------------------------------------------------------
# Documents and lint results
# ------------------------------------------------------------------------------------------------
@dataclass
class Document:
    uri: str
    text: str
    version: Optional[int]
    language_id: str = "python"
    changed_at: float = 0.0  # event-loop time of the last didChange
    _index: Optional[TextIndex] = field(default=None, repr=False)
    reparser: Any = field(default=None, repr=False)  # kerascheck.reparse.Reparser: the last parse (lint thread)

    @property
    def index(self) -> TextIndex:
        if self._index is None or self._index.text is not self.text:
            self._index = TextIndex(self.text)
        return self._index

    def apply(self, change: Any, encoding: str) -> None:
        if isinstance(change, lsp.TextDocumentContentChangePartial):
            index = self.index
            start = index.offset(change.range.start, encoding)
            end = index.offset(change.range.end, encoding)
            if end < start:
                start, end = end, start
            self.text = self.text[:start] + change.text + self.text[end:]
        else:
            self.text = change.text


@dataclass
class LintState:
    """The result for one version of a buffer."""

    version: Optional[int]
    text: str
    findings: list[Finding]  # for this text: what code actions work from
    diagnostics: list[lsp.Diagnostic]  # what the editor shows (may hold stale ones while unparsable)
    stamp: tuple
    result_id: str
    # The project modules the analysis read or looked for (path -> digest, facts/project.py): the
    # state is stale once one of them changes, in its buffer or on disk.
    deps: dict = field(default_factory=dict)


@dataclass
class Context:
    settings: Settings
    linter: Any  # kerascheck.engine.Linter
    display: str
    skip: bool  # excluded, not Python, or library code
    error: Optional[str]  # a configuration problem to show the user once


class SettingsResolver:
    """Settings per folder, re-read when a pyproject.toml on the way up changes (checked with stat)."""

    def __init__(self, config: Optional[Path] = None) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._folders: dict[Path, tuple[tuple, Settings, Any, Optional[str]]] = {}
        self._linters: dict[str, Any] = {}

    def stamp(self, folder: Path) -> tuple:
        candidates = [self.config] if self.config else [d / "pyproject.toml" for d in (folder, *folder.parents)]
        out = []
        for path in candidates:
            try:
                st = path.stat()
            except OSError:
                continue
            out.append((str(path), st.st_mtime_ns, st.st_size))
        return tuple(out)

    def invalidate(self) -> None:
        with self._lock:
            self._folders.clear()
            self._linters.clear()

    def resolve(self, folder: Path, root: Path) -> tuple[tuple, Settings, Any, Optional[str]]:
        from kerascheck.engine import Linter

        stamp = self.stamp(folder)
        with self._lock:
            hit = self._folders.get(folder)
            if hit is not None and hit[0] == stamp:
                return hit
        error = None
        try:
            settings = load_settings(self.config, start=folder)
            settings.validate_selectors(load_catalogue())
        except ConfigError as exc:
            error = f"kerascheck: configuration error, using the default settings: {exc}"
            settings = Settings()
        except Exception as exc:  # an unexpected problem in a config must not stop linting
            error = f"kerascheck: cannot load the configuration, using the default settings: {exc}"
            settings = Settings()
        if settings.config_file is None:
            settings.root = root
        key = repr(sorted(settings.as_dict().items()))
        with self._lock:
            linter = self._linters.get(key)
        if linter is None:
            # Paths shown are relative to settings.root (Server.context); the server lives long, so a
            # changed requirements file is read again.
            linter = Linter(settings, base=settings.root)
            linter.versions.recheck = True
            with self._lock:
                self._linters[key] = linter
        entry = (stamp, settings, linter, error)
        with self._lock:
            self._folders[folder] = entry
        return entry


# ------------------------------------------------------------------------------------------------
# Converting findings
# ------------------------------------------------------------------------------------------------
def to_diagnostic(f: Finding, index: TextIndex, encoding: str, catalogue: dict[str, RuleMeta],
                  converter: Any, stale: bool = False) -> lsp.Diagnostic:
    start = index.position(f.line, f.column, encoding)
    end = index.position(f.end_line, f.end_column, encoding)
    if (end.line, end.character) < (start.line, start.character):
        end = start
    raw = lsp_output.diagnostic(f, catalogue, {"line": start.line, "character": start.character},
                                {"line": end.line, "character": end.character})
    if stale:
        raw["data"]["stale"] = True
    if f.code == "KC904":
        raw["tags"] = [lsp.DiagnosticTag.Unnecessary.value]
    related = f.extra.get("related")
    if related:  # the cause, in a module the file imports (facts/project.py); columns as code points
        raw["relatedInformation"] = [
            {"location": {"uri": Path(r["path"]).resolve().as_uri(),
                          "range": {"start": {"line": r["line"] - 1, "character": r["column"] - 1},
                                    "end": {"line": r["end_line"] - 1, "character": r["end_column"] - 1}}},
             "message": r["message"]}
            for r in related]
    return converter.structure(raw, lsp.Diagnostic)


def text_edit(edit: Edit, index: TextIndex, encoding: str) -> lsp.TextEdit:
    return lsp.TextEdit(lsp.Range(index.position(edit.line, edit.column, encoding),
                                  index.position(edit.end_line, edit.end_column, encoding)), edit.content)


def minimal_edit(old: str, new: str, encoding: str) -> Optional[lsp.TextEdit]:
    """One TextEdit turning `old` into `new`, trimmed to the whole lines that changed."""
    if old == new:
        return None
    a, b = split_keepends(old), split_keepends(new)
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1
    start = sum(len(x) for x in a[:head])
    old_tail = sum(len(x) for x in a[len(a) - tail:]) if tail else 0
    new_tail = sum(len(x) for x in b[len(b) - tail:]) if tail else 0
    index = TextIndex(old)
    return lsp.TextEdit(lsp.Range(index.position_at(start, encoding), index.position_at(len(old) - old_tail, encoding)),
                        new[start:len(new) - new_tail])


def hover_markdown(meta: RuleMeta) -> str:
    status = " (removed)" if meta.removed else ""
    head = f"**{meta.code}** `{meta.name}`{status} · {meta.severity}\n\n{meta.summary}\n\n[Documentation]({meta.url})"
    return head + "\n\n---\n\n" + meta.markdown()


def hover_plaintext(meta: RuleMeta) -> str:
    return f"{meta.code} {meta.name} ({meta.severity})\n\n{meta.summary}\n\n{meta.url}"


def _safe(f: Finding) -> bool:
    return f.fix is not None and f.fix.applicability == "safe" and bool(f.fix.edits)


def _kind_wanted(kind: str, only: Optional[Sequence[str]]) -> bool:
    return only is None or any(kind == o or kind.startswith(o + ".") for o in only)


def _overlaps(a: lsp.Range, b: lsp.Range) -> bool:
    return ((a.start.line, a.start.character) <= (b.end.line, b.end.character)
            and (b.start.line, b.start.character) <= (a.end.line, a.end.character))


# ------------------------------------------------------------------------------------------------
# The protocol: answer malformed requests, keep the text store ours
# ------------------------------------------------------------------------------------------------
class _Answered:
    """A request that failed to deserialise and has already been answered with an error."""

    jsonrpc = "2.0"


class KerascheckProtocol(LanguageServerProtocol):
    def structure_message(self, data: Any) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(data, dict) and "method" in data and isinstance(data.get("id"), (int, str)):
                cause = exc.__cause__ or exc
                detail = " ".join(str(cause).split())[:300]
                error = JsonRpcInvalidParams(f"invalid params for {data['method']}: {detail}")
                self._send_response(data["id"], error=error.to_response_error())
                return _Answered()
            raise

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Answered):
            return
        super().handle_message(message)

    # pygls keeps its own copy of every document; kerascheck keeps its own (LSP line breaks, clamped
    # ranges, never raising), so the built-in handlers only hand over to the server's handlers.
    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: lsp.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: lsp.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: lsp.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


# ------------------------------------------------------------------------------------------------
# The server
# ------------------------------------------------------------------------------------------------
class KerascheckServer(LanguageServer):
    def __init__(self, config: Optional[Path] = None, debounce: float = DEBOUNCE) -> None:
        super().__init__("kerascheck", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
                         protocol_cls=KerascheckProtocol)
        self.debounce = debounce
        self.resolver = SettingsResolver(config)
        self.docs: dict[str, Document] = {}
        self.states: dict[str, LintState] = {}
        self.last_good: dict[str, tuple[str, list[Finding]]] = {}
        self.skips: dict[tuple, tuple[Optional[str]]] = {}  # skip_reason's answers
        self.pending: dict[str, asyncio.Task] = {}
        self.inflight: dict[str, tuple[str, Document, asyncio.Future]] = {}
        self.encoding: str = UTF16
        self.pull = False
        self.document_changes = False
        self.markdown = True
        self.resolve_edits = False  # the client can fill in a code action's edit later (codeAction/resolve)
        self.refresh_support = False
        self.roots: list[Path] = []
        self.shown_errors: set[str] = set()
        self.serial = 0
        self.generation = 0
        self.shutdown_received = False
        self.exit_code: Optional[int] = None  # set by `exit`: 0 after a shutdown request, else 1 (LSP)
        # One worker: lints never race each other, and the event loop stays free to read messages.
        self.lint_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kerascheck-lint")

    @property
    def catalogue(self) -> dict[str, RuleMeta]:
        """The rule catalogue, or nothing while it cannot be loaded (the lint then reports why)."""
        try:
            return load_catalogue()
        except Exception:
            logger.error("cannot load the rule catalogue:\n%s", traceback.format_exc())
            return {}

    # -- session -----------------------------------------------------------------------------
    def on_initialize(self, params: lsp.InitializeParams) -> None:
        caps = params.capabilities
        try:
            self.encoding = self.workspace.position_encoding or UTF16
        except RuntimeError:
            self.encoding = UTF16
        text_caps = caps.text_document
        self.pull = text_caps is not None and text_caps.diagnostic is not None
        ws = caps.workspace
        self.document_changes = bool(ws and ws.workspace_edit and ws.workspace_edit.document_changes)
        self.refresh_support = bool(ws and ws.diagnostics and ws.diagnostics.refresh_support)
        actions = text_caps.code_action if text_caps else None
        resolve = actions.resolve_support if actions else None
        self.resolve_edits = bool(resolve and "edit" in (resolve.properties or []))
        hover = text_caps.hover if text_caps else None
        if hover is not None and hover.content_format:
            self.markdown = lsp.MarkupKind.Markdown in hover.content_format
        uris = [f.uri for f in params.workspace_folders or []]
        if not uris and params.root_uri:
            uris = [params.root_uri]
        for uri in uris:
            path = self.path_of(uri)
            if path is not None:
                self.roots.append(path)
        if not self.roots and params.root_path:
            self.roots.append(Path(params.root_path))

    def on_initialized(self) -> None:
        caps = self.client_capabilities.workspace
        watch = caps.did_change_watched_files if caps else None
        if watch is not None and watch.dynamic_registration:
            options = lsp.DidChangeWatchedFilesRegistrationOptions(
                watchers=[lsp.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
                          lsp.FileSystemWatcher(glob_pattern="**/.gitignore"),
                          # modules the open files import, written outside the editor
                          lsp.FileSystemWatcher(glob_pattern="**/*.py")])
            registration = lsp.Registration(id="kerascheck-pyproject", method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                            register_options=options)
            try:
                future = self.client_register_capability(lsp.RegistrationParams(registrations=[registration]))
                # The client may refuse: settings are still re-read (by stat) before each lint.
                future.add_done_callback(lambda f: f.cancelled() or f.exception())
            except Exception:
                logger.debug("file watch registration failed", exc_info=True)

    def change_folders(self, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
        removed = {self.path_of(f.uri) for f in params.event.removed or []}
        self.roots = [r for r in self.roots if r not in removed]
        for folder in params.event.added or []:
            path = self.path_of(folder.uri)
            if path is not None and path not in self.roots:
                self.roots.append(path)
        self.relint_all()

    # -- helpers --------------------------------------------------------------------------------
    @staticmethod
    def path_of(uri: str) -> Optional[Path]:
        if not uri.startswith("file:"):
            return None
        try:
            path = to_fs_path(uri)
        except Exception:
            return None
        return Path(path) if path else None

    def open_modules(self, doc: Document) -> dict[str, str]:
        """path -> text of the other Python files open in the editor: a linted file's imports read
        those buffers rather than the disk (facts/project.py)."""
        out = {}
        for uri, other in list(self.docs.items()):
            path = self.path_of(uri) if other is not doc else None
            if path is not None and path.suffix == ".py":
                out[os.path.abspath(path)] = other.text
        return out

    def document(self, uri: str) -> Document:
        """An open document, or a readable Python file on disk; anything else is a malformed request."""
        doc = self.docs.get(uri)
        if doc is not None:
            return doc
        path = self.path_of(uri)
        if path is not None and path.is_file():
            from kerascheck.files import decode

            try:
                text, _ = decode(path.read_bytes())
            except (OSError, ReadError) as exc:
                raise JsonRpcInvalidParams(f"cannot read {uri}: {exc}") from None
            return Document(uri, text, None)
        raise JsonRpcInvalidParams(f"unknown document {uri!r}: not open in the editor and not a readable file")

    def folder_for(self, uri: str) -> tuple[Path, Path]:
        """(where to search for pyproject.toml, the root paths are shown relative to)."""
        path = self.path_of(uri)
        fallback = self.roots[0] if self.roots else Path.cwd()
        if path is None:
            return fallback, fallback
        folder = path.parent
        root = next((r for r in self.roots if _is_within(path, r)), folder)
        return folder, root

    def context(self, doc: Document) -> tuple[Context, tuple]:
        folder, root = self.folder_for(doc.uri)
        stamp, settings, linter, error = self.resolver.resolve(folder, root)
        path = self.path_of(doc.uri)
        if path is None:
            display = doc.uri.rsplit("/", 1)[-1] or "untitled.py"
            skip = doc.language_id != "python"
        else:
            try:
                display = path.resolve().relative_to(settings.root.resolve()).as_posix()
            except (ValueError, OSError):
                display = path.as_posix()
            skip = self.skip_reason(doc, path, settings, root, stamp) is not None
        return Context(settings, linter, display, skip, error), stamp

    def skip_reason(self, doc: Document, path: Path, settings: Settings, root: Path, stamp: tuple) -> Optional[str]:
        """Why the buffer gets no diagnostics (None: it is linted): exactly the files `kerascheck
        --show-files` run in the workspace folder would not list (files.FilePolicy), plus buffers that
        are not Python and installed library code. Remembered per document (it may ask git) until the
        document is reopened or the settings, workspace folders or a .gitignore change."""
        from kerascheck.files import FilePolicy, library_code

        key = (doc.uri, doc.language_id, stamp)
        hit = self.skips.get(key)  # the event loop may clear the cache meanwhile: one lookup
        if hit is not None:
            return hit[0]
        if doc.language_id != "python" and not path.name.endswith(PYTHON_SUFFIXES):
            reason: Optional[str] = "not a Python file"
        elif library_code(path):
            reason = "installed library code"
        else:
            # The walk starts at the workspace folder holding the file; a file outside every
            # workspace folder is walked to from its project root (or its own folder).
            start = root
            if not any(_is_within(path, r) for r in self.roots) and _is_within(path, settings.root):
                start = settings.root
            reason = FilePolicy.create(settings.excludes(), start, settings.root).skip(path, start)
        if reason is not None:
            logger.info("not linting %s: %s", doc.uri, reason)
        self.skips[key] = (reason,)
        return reason

    # -- linting (runs on the lint thread) ----------------------------------------------------------
    def lint_sync(self, doc: Document, text: Optional[str] = None) -> tuple[list[Finding], list[str], tuple, dict]:
        """(findings, messages for the user, settings stamp, the project modules the analysis read:
        path -> digest). Never raises."""
        text = doc.text if text is None else text
        notices: list[str] = []
        stamp: tuple = ()
        display = doc.uri.rsplit("/", 1)[-1]
        try:
            ctx, stamp = self.context(doc)
            display = ctx.display
            if ctx.error:
                notices.append(ctx.error)
            if ctx.skip:
                return [], notices, stamp, {}
            try:
                check_size(len(text.encode("utf-8", "surrogatepass")), ctx.settings.max_file_size)
            except ReadError as err:  # reported as the CLI reports a file over max-file-size
                return ctx.linter.lint_error(display, err).findings, notices, stamp, {}
            if doc.reparser is None:
                from kerascheck.reparse import Reparser  # imports libcst: not before the first lint

                doc.reparser = Reparser()
            ctx.linter.modules.overlay = self.open_modules(doc)
            analysis = ctx.linter.lint_text(text, display, reparser=doc.reparser)
            # A malformed requirements file (or pyproject.toml, environment.yml) was skipped: say so
            # once (notify shows each message once).
            notices += [f"kerascheck: warning: {w}" for w in ctx.linter.versions.warnings]
            return analysis.findings, notices, stamp, dict(analysis.deps)
        except Exception as exc:  # the server outlives any bug in the linter
            logger.error("linting %s failed:\n%s", doc.uri, traceback.format_exc())
            f = self._meta("KC903", display, None, f"kerascheck crashed: {type(exc).__name__}: {exc}")
            notices.append(f"kerascheck crashed while linting {doc.uri}: {type(exc).__name__}: {exc}")
            return ([f] if f else []), notices, stamp, {}

    def _meta(self, code: str, display: str, enabled: Optional[set], detail: str) -> Optional[Finding]:
        meta = self.catalogue.get(code)
        if meta is None or (enabled is not None and code not in enabled):
            return None
        return error_finding(meta, display, detail=detail)

    async def run_lint(self, doc: Document, text: Optional[str] = None) -> list[Finding]:
        loop = asyncio.get_running_loop()
        findings, notices, _, _ = await loop.run_in_executor(self.lint_pool, self.lint_sync, doc, text)
        self.notify(notices)
        return findings

    async def lint(self, doc: Document) -> LintState:
        """The lint state for the document's current text: cached per version and settings, and shared by
        every caller while it is being computed (pushes, pulls and code actions never lint the same
        text twice, and never queue up lints of texts that are already out of date)."""
        state = self.states.get(doc.uri)
        if (state is not None and doc.version is not None and state.text == doc.text
                and state.stamp == self.resolver_stamp(doc) and not self.deps_changed(doc, state)):
            if state.version != doc.version:
                # An edit that left the text as it was (typed and deleted again, an undo, a save
                # that reformatted nothing): the same findings, for the new version.
                state = replace(state, version=doc.version)
                self.states[doc.uri] = state
            return state
        running = self.inflight.get(doc.uri)
        if running is not None and running[0] is doc.text and running[1] is doc:
            return await asyncio.shield(running[2])
        task = asyncio.ensure_future(self._compute(doc))
        if doc.version is not None:
            self.inflight[doc.uri] = (doc.text, doc, task)

            def done(_: asyncio.Future, uri: str = doc.uri) -> None:
                if self.inflight.get(uri, (None, None, None))[2] is task:
                    del self.inflight[uri]

            task.add_done_callback(done)
        return await asyncio.shield(task)

    async def settle(self, doc: Document) -> None:
        """Wait until the buffer has been quiet for the debounce interval (pull clients ask on every
        keystroke; linting each intermediate text would only queue up work that is already stale)."""
        loop = asyncio.get_running_loop()
        while (wait := doc.changed_at + self.debounce - loop.time()) > 0:
            await asyncio.sleep(wait)

    async def _compute(self, doc: Document) -> LintState:
        text, version = doc.text, doc.version
        loop = asyncio.get_running_loop()
        findings, notices, stamp, deps = await loop.run_in_executor(self.lint_pool, self.lint_sync, doc, text)
        self.notify(notices)
        index = TextIndex(text)
        convert, catalogue = self.protocol._converter, self.catalogue
        diagnostics = [to_diagnostic(f, index, self.encoding, catalogue, convert) for f in findings]
        broken = any(f.code == "KC901" for f in findings)
        tracked = doc.version is not None and self.docs.get(doc.uri) is doc
        if broken and tracked and doc.uri in self.last_good:
            good_text, good = self.last_good[doc.uri]
            good_index = TextIndex(good_text)
            stale = [to_diagnostic(f, good_index, self.encoding, catalogue, convert, stale=True) for f in good]
            diagnostics = [_clamp(d, index, self.encoding) for d in stale] + diagnostics
        elif not broken and tracked:
            self.last_good[doc.uri] = (text, findings)
        self.serial += 1
        state = LintState(version, text, findings, diagnostics, stamp, f"{self.generation}.{self.serial}", deps)
        if tracked and doc.version == version:
            self.states[doc.uri] = state
        return state

    def deps_changed(self, doc: Document, state: LintState) -> bool:
        """Whether a project module the state's analysis read (or looked for) has changed since, in
        an open buffer or on disk."""
        if not state.deps:
            return False
        from kerascheck.facts.project import changed

        return changed(state.deps, self.open_modules(doc))

    def relint_dependents(self, uri: str) -> None:
        """The open documents whose last analysis read (or looked for) the module at `uri`: their
        diagnostics may change though their own text did not (train.py builds its model in nets.py)."""
        path = self.path_of(uri)
        if path is None:
            return
        key = os.path.abspath(path)
        stale = [other for other, state in self.states.items() if other != uri and key in state.deps]
        if not stale:
            return
        for other in stale:
            self.states.pop(other, None)
        if self.pull:
            if self.refresh_support:
                self.workspace_diagnostic_refresh(None)
            return
        for other in stale:
            if other in self.docs:
                self.schedule(other, self.debounce)

    def resolver_stamp(self, doc: Document) -> tuple:
        folder, _ = self.folder_for(doc.uri)
        return self.resolver.stamp(folder)

    def notify(self, notices: list[str]) -> None:
        for message in notices:
            if message in self.shown_errors:
                continue
            self.shown_errors.add(message)
            logger.warning("%s", message)
            self.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Warning, message))

    # -- push diagnostics -------------------------------------------------------------------------
    def schedule(self, uri: str, delay: float) -> None:
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        if self.pull:
            return
        self.pending[uri] = asyncio.ensure_future(self._lint_and_publish(uri, delay))

    async def _lint_and_publish(self, uri: str, delay: float) -> None:
        me = asyncio.current_task()
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            doc = self.docs.get(uri)
            if doc is None:
                return
            version = doc.version
            state = await self.lint(doc)
            if self.docs.get(uri) is not doc or doc.version != version:
                return  # superseded: a newer change has its own lint scheduled
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=uri, diagnostics=state.diagnostics, version=version))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.error("publishing diagnostics for %s failed:\n%s", uri, traceback.format_exc())
        finally:
            if self.pending.get(uri) is me:
                del self.pending[uri]

    def relint_all(self) -> None:
        self.generation += 1
        self.resolver.invalidate()
        self.skips = {}
        self.states.clear()
        if self.pull:
            if self.refresh_support:
                self.workspace_diagnostic_refresh(None)
            return
        for uri in list(self.docs):
            self.schedule(uri, 0)

    # -- features -----------------------------------------------------------------------------------
    def did_open(self, params: lsp.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        self.docs[item.uri] = Document(item.uri, item.text, item.version, item.language_id or "python")
        self.skips = {k: v for k, v in self.skips.items() if k[0] != item.uri}
        self.states.pop(item.uri, None)
        self.last_good.pop(item.uri, None)
        self.schedule(item.uri, 0)
        self.relint_dependents(item.uri)

    def did_change(self, params: lsp.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        doc = self.docs.get(uri)
        if doc is None:
            logger.warning("didChange for a document that is not open: %s", uri)
            return
        for change in params.content_changes:
            try:
                doc.apply(change, self.encoding)
            except Exception:
                logger.error("cannot apply a change to %s:\n%s", uri, traceback.format_exc())
        doc.version = params.text_document.version
        doc.changed_at = asyncio.get_running_loop().time()
        self.schedule(uri, self.debounce)
        self.relint_dependents(uri)

    def did_save(self, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith(SETTINGS_FILES):
            self.relint_all()
            return
        if uri in self.docs:
            self.schedule(uri, 0)
        self.relint_dependents(uri)

    def did_close(self, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.docs.pop(uri, None)
        self.states.pop(uri, None)
        self.last_good.pop(uri, None)
        if not self.pull:
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self.relint_dependents(uri)  # what imports it reads the disk again, not the closed buffer

    async def pull_diagnostics(self, params: lsp.DocumentDiagnosticParams) -> Any:
        doc = self.document(params.text_document.uri)
        await self.settle(doc)
        state = await self.lint(doc)
        if params.previous_result_id is not None and params.previous_result_id == state.result_id:
            return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=state.result_id)
        return lsp.RelatedFullDocumentDiagnosticReport(items=state.diagnostics, result_id=state.result_id)

    async def code_actions(self, params: lsp.CodeActionParams) -> Optional[list[lsp.CodeAction]]:
        doc = self.document(params.text_document.uri)
        index = TextIndex(doc.text)
        index.check(params.range.start, doc.uri)
        index.check(params.range.end, doc.uri)
        only = params.context.only
        state = await self.lint(doc)
        text, findings = state.text, state.findings
        index = TextIndex(text)
        convert, catalogue = self.protocol._converter, self.catalogue
        actions: list[lsp.CodeAction] = []
        quick = _kind_wanted(lsp.CodeActionKind.QuickFix, only)
        for f in findings if quick else []:
            diag = to_diagnostic(f, index, self.encoding, catalogue, convert)
            if not _overlaps(diag.range, params.range):
                continue
            if f.fix is not None and f.fix.edits:
                unsafe = f.fix.applicability != "safe"
                actions.append(lsp.CodeAction(
                    title=f"{f.fix.message} ({f.code}{', unsafe fix' if unsafe else ''})",
                    kind=lsp.CodeActionKind.QuickFix, diagnostics=[diag], is_preferred=not unsafe,
                    edit=self.workspace_edit(doc, state.version, [text_edit(e, index, self.encoding) for e in f.fix.edits])))
            if f.code in NO_NOQA:
                continue
            where = noqa.placement(text, index, f.line, f.code)
            if where is None:
                continue
            ln, start, end, content = where
            if ln != f.line and not await self._noqa_works(doc, text, index, f, where):
                continue
            line = index.line(ln - 1)
            rng = lsp.Range(lsp.Position(ln - 1, to_units(line, start, self.encoding)),
                            lsp.Position(ln - 1, to_units(line, end, self.encoding)))
            actions.append(lsp.CodeAction(
                title=f"Ignore {f.code} with `# noqa`", kind=lsp.CodeActionKind.QuickFix, diagnostics=[diag],
                edit=self.workspace_edit(doc, state.version, [lsp.TextEdit(rng, content)])))
        if _kind_wanted(FIX_ALL_KIND, only) and any(_safe(f) for f in findings):
            action = lsp.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL_KIND,
                                    data={"uri": doc.uri, "version": state.version})
            if self.resolve_edits:
                actions.append(action)  # the fixes are computed when the client resolves the action
            else:
                resolved = await self.resolve_fix_all(action, doc, state)
                if resolved.edit is not None:
                    actions.append(resolved)
        return actions

    async def resolve_code_action(self, action: lsp.CodeAction) -> lsp.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        if action.kind != FIX_ALL_KIND or not isinstance(data.get("uri"), str):
            return action
        doc = self.document(data["uri"])
        return await self.resolve_fix_all(action, doc, await self.lint(doc))

    async def resolve_fix_all(self, action: lsp.CodeAction, doc: Document, state: LintState) -> lsp.CodeAction:
        """Applying fixes re-lints the text (fixes can enable others), so this runs only when wanted:
        when the client resolves the action, or right away for clients that cannot resolve edits."""
        fixed = await self.fix_all(doc, state.text, state.findings)
        edit = minimal_edit(state.text, fixed, self.encoding)
        if edit is not None:
            action.edit = self.workspace_edit(doc, state.version, [edit])
        return action

    async def _noqa_works(self, doc: Document, text: str, index: TextIndex, f: Finding,
                          where: tuple[int, int, int, str]) -> bool:
        ln, start, end, content = where
        base = index.starts[ln - 1]
        edited = text[:base + start] + content + text[base + end:]
        after = await self.run_lint(doc, edited)
        return not any(g.code == f.code and g.message == f.message for g in after)

    async def fix_all(self, doc: Document, text: str, findings: list[Finding]) -> str:
        """The text `kerascheck --fix` would write for this buffer (fix.fix_source, safe fixes only),
        re-linted with the buffer's own settings on the lint thread."""
        from kerascheck.fix import fix_source  # imports libcst: not before the first lint

        notices: list[str] = []

        def lint(new: str) -> list[Finding]:
            found, said, _, _ = self.lint_sync(doc, new)
            notices.extend(said)
            return found

        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self.lint_pool, fix_source, lint, text, findings, False)
        self.notify(notices)
        if result.problem:
            logger.warning("fix all for %s: %s", doc.uri, result.problem)
        return result.text

    def workspace_edit(self, doc: Document, version: Optional[int], edits: list[lsp.TextEdit]) -> lsp.WorkspaceEdit:
        if self.document_changes:
            ident = lsp.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=version)
            return lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(text_document=ident, edits=edits)])
        return lsp.WorkspaceEdit(changes={doc.uri: edits})

    def hover(self, params: lsp.HoverParams) -> Optional[lsp.Hover]:
        doc = self.document(params.text_document.uri)
        index = doc.index
        pos = params.position
        index.check(pos, doc.uri)
        line = index.line(pos.line)
        column = from_units(line, pos.character, self.encoding)
        found = noqa.code_at(line, column)
        if found is None:
            return None
        code, start, end = found
        meta = self.catalogue.get(code)
        if meta is None:
            if not code.startswith("KC"):
                return None  # another linter's code
            value = f"`{code}` is not a kerascheck rule (see `kerascheck rules`)."
        else:
            value = hover_markdown(meta) if self.markdown else hover_plaintext(meta)
        kind = lsp.MarkupKind.Markdown if self.markdown else lsp.MarkupKind.PlainText
        rng = lsp.Range(lsp.Position(pos.line, to_units(line, start, self.encoding)),
                        lsp.Position(pos.line, to_units(line, end, self.encoding)))
        return lsp.Hover(contents=lsp.MarkupContent(kind=kind, value=value), range=rng)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls would pop up "Error in server" for every malformed message; log instead. Requests have
        # already been answered with an error.
        name = getattr(source, "__name__", str(source))
        level = logging.INFO if name == "FeatureRequestError" else logging.ERROR
        logger.log(level, "%s: %s", name, error)


def _clamp(d: lsp.Diagnostic, index: TextIndex, encoding: str) -> lsp.Diagnostic:
    """Stale diagnostics keep their old positions, but never point past the end of the current text."""
    last = len(index) - 1

    def fix(p: lsp.Position) -> lsp.Position:
        if p.line > last:
            return lsp.Position(last, to_units(index.line(last), len(index.line(last)), encoding))
        return p

    d.range = lsp.Range(fix(d.range.start), fix(d.range.end))
    return d


def _is_within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def create_server(config: Optional[Path] = None, debounce: float = DEBOUNCE) -> KerascheckServer:
    server = KerascheckServer(config=config, debounce=debounce)

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: KerascheckServer, params: lsp.InitializeParams) -> None:
        ls.on_initialize(params)

    @server.feature(lsp.INITIALIZED)
    def initialized(ls: KerascheckServer, params: lsp.InitializedParams) -> None:
        ls.on_initialized()

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: KerascheckServer, params: None) -> None:
        ls.shutdown_received = True

    @server.feature(lsp.EXIT)
    def exit_(ls: KerascheckServer, params: None) -> None:
        ls.exit_code = 0 if ls.shutdown_received else 1

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: KerascheckServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.did_open(params)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: KerascheckServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.did_change(params)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: KerascheckServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.did_save(params)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: KerascheckServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.did_close(params)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: KerascheckServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        if any(c.uri.endswith(SETTINGS_FILES) for c in params.changes):
            ls.relint_all()
            return
        for change in params.changes:  # a module written, created or deleted outside the editor
            if change.uri.endswith(".py"):
                ls.relint_dependents(change.uri)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders(ls: KerascheckServer, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
        ls.change_folders(params)

    @server.feature(lsp.TEXT_DOCUMENT_DIAGNOSTIC,
                    lsp.DiagnosticOptions(identifier="kerascheck", inter_file_dependencies=True,
                                          workspace_diagnostics=False))
    async def diagnostic(ls: KerascheckServer, params: lsp.DocumentDiagnosticParams) -> Any:
        return await ls.pull_diagnostics(params)

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND],
                                          resolve_provider=True))
    async def code_action(ls: KerascheckServer, params: lsp.CodeActionParams) -> Any:
        return await ls.code_actions(params)

    @server.feature(lsp.CODE_ACTION_RESOLVE)
    async def code_action_resolve(ls: KerascheckServer, params: lsp.CodeAction) -> lsp.CodeAction:
        return await ls.resolve_code_action(params)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: KerascheckServer, params: lsp.HoverParams) -> Optional[lsp.Hover]:
        return ls.hover(params)

    return server


class ClientOutput:
    """The protocol's stdout. A client that stops reading (it died, or closed its end) must not turn each
    later message into a logged traceback: say so once and drop what would be sent. The server still
    ends when the client's side of stdin does."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.gone = False

    def write(self, data: bytes) -> None:
        if self.gone:
            return
        view = memoryview(data)
        try:
            while view:  # unbuffered: after a broken pipe no half-sent message waits in a buffer
                view = view[os.write(self.stream.fileno(), view):]
        except (OSError, ValueError) as exc:  # EPIPE, or the stream already closed
            self.gone = True
            logger.warning("the client stopped reading (%s); dropping messages until its input ends", exc)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.gone = True
        self.stream.close()


def serve(config: Optional[Path] = None) -> None:
    """Run the language server on stdin/stdout until the client says exit."""
    level = os.environ.get("KERASCHECK_LOG", "WARNING").upper()
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level, logging.WARNING),
                        format="kerascheck-server %(levelname)s %(name)s: %(message)s")
    if level != "DEBUG":
        logging.getLogger("pygls").setLevel(logging.WARNING)  # pygls logs every message body at INFO
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() must never corrupt the protocol stream
    server = create_server(config=config)
    server.start_io(stdin, ClientOutput(stdout))
    # pygls ends the loop on `exit` with SystemExit(code) but its start_io swallows it: the process
    # would always exit 0, and the client could not tell an orderly shutdown from an abandoned one.
    if server.exit_code:
        sys.exit(server.exit_code)


if __name__ == "__main__":
    serve()
