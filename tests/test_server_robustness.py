"""`kerascheck server` under stress (issue 8): edits that arrive faster than they are linted, a client
that disappears without saying goodbye, and the exit codes of the LSP shutdown handshake. Everything
runs against the real server process; the disconnect tests drive it over raw pipes, since a client
library would tidy up for us."""

from __future__ import annotations

import asyncio
import json
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

import pytest

from helpers import env_with_checkout
# Importing test_server skips this module too when pygls 2 or pytest-lsp is missing.
from test_server import (BUG_LINE, BUGGY, CONFIG, FIXED, TIMEOUT, open_doc, pull_client,  # noqa: F401 (a fixture)
                         replace_all, start, wait_for)

import attrs  # noqa: E402  (lsprotocol's dependency)
import pytest_lsp  # noqa: E402
from lsprotocol import types as lsp  # noqa: E402
from pytest_lsp import LanguageClient  # noqa: E402
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, default_converter, register_lsp_features  # noqa: E402

BURST = 60  # didChange notifications in one burst: far more than the server should lint
EXIT_WITHIN = 10.0  # seconds a server has to exit once its client is gone
TICK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------------------------
# A client that records every publishDiagnostics, not only the latest per document
# ------------------------------------------------------------------------------------------------
def recording_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    client.published = []

    def publish(ls: LanguageClient, params: lsp.PublishDiagnosticsParams) -> None:
        ls.published.append(params)
        ls.diagnostics[params.uri] = params.diagnostics

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish})
    return client


@pytest_lsp.fixture(config=attrs.evolve(CONFIG, client_factory=recording_client))
async def recorder(lsp_client: LanguageClient, tmp_path: Path):
    await start(lsp_client, tmp_path)
    yield
    await lsp_client.shutdown_session()


def shape(diagnostics) -> list[tuple]:
    """What the user sees of a diagnostic: code, range and message."""
    return sorted((str(d.code), d.range.start.line, d.range.start.character, d.range.end.line,
                   d.range.end.character, d.message) for d in diagnostics)


@pytest.mark.asyncio
@pytest.mark.parametrize("final", ["buggy", "clean"])
async def test_a_burst_of_changes_is_linted_once_for_the_final_text(recorder: LanguageClient, tmp_path: Path, final):
    client = recorder
    # The reference: what the server publishes for each text when it is opened on its own.
    expected = {}
    for name, text in (("buggy", BUGGY), ("clean", FIXED)):
        ref = open_doc(client, tmp_path / f"ref_{name}.py", text)
        await wait_for(lambda: ref in client.diagnostics, f"diagnostics for the {name} reference")
        expected[name] = shape(client.diagnostics[ref])
    assert [d[0] for d in expected["buggy"]] == ["KC201"] and expected["clean"] == []

    uri = open_doc(client, tmp_path / "train.py", BUGGY)
    await wait_for(lambda: any(p.uri == uri for p in client.published), "the publish on open")
    line = BUGGY.splitlines()[BUG_LINE]
    start_char = line.index('"softmax"')
    token = lsp.Range(lsp.Position(BUG_LINE, start_char), lsp.Position(BUG_LINE, start_char + len('"softmax"')))
    # Versions 2..BURST+1 alternate clean/buggy (incremental edits of the activation), ending on `final`.
    versions = list(range(2, BURST + 2))
    buggy_at = {v: ((versions[-1] - v) % 2 == 0) == (final == "buggy") for v in versions}
    buggy_at[1] = True
    before = len(client.published)
    began = time.monotonic()
    for v in versions:
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=v),
            content_changes=[lsp.TextDocumentContentChangePartial(
                range=token, text='"softmax"' if buggy_at[v] else '"sigmoid"')]))
        await asyncio.sleep(0)  # let the transport write: a fast typist, not one giant write
    sent_in = time.monotonic() - began

    last = versions[-1]
    await wait_for(lambda: any(p.uri == uri and p.version == last for p in client.published),
                   f"a publish for the final version {last}", timeout=TIMEOUT)
    # Anything still queued would arrive within a debounce plus a lint: wait well past that.
    await asyncio.sleep(2.0)
    burst = [p for p in client.published[before:] if p.uri == uri]
    assert burst[-1].version == last, [p.version for p in burst]
    assert shape(burst[-1].diagnostics) == expected[final]
    # The server debounces: a handful of publishes at most (a starved event loop may see a gap
    # longer than the debounce now and then), never one per keystroke.
    assert len(burst) <= 10, f"{len(burst)} publishes for a burst of {BURST} changes sent in {sent_in:.3f} s"
    # Every publish carries the version it was computed for, and that version's diagnostics.
    for p in burst:
        assert p.version in buggy_at, p.version
        assert shape(p.diagnostics) == expected["buggy" if buggy_at[p.version] else "clean"], p.version

    # Still serving, and serving the final text: the quick fixes match it and carry its version.
    actions = await asyncio.wait_for(client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=token,
        context=lsp.CodeActionContext(diagnostics=[]))), TIMEOUT)
    if final == "buggy":
        ignore = next(a for a in actions if a.title == "Ignore KC201 with `# noqa`")
        assert ignore.edit.document_changes[0].text_document.version == last
    else:
        assert list(actions) == []
    hover = await asyncio.wait_for(client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(0, 0))), TIMEOUT)
    assert hover is None


@pytest.mark.asyncio
async def test_a_pull_client_asking_on_every_keystroke_gets_the_settled_text(pull_client: LanguageClient,
                                                                               tmp_path: Path):
    """Pull clients ask for diagnostics after each change: the server waits for the buffer to settle
    and answers them all from one lint of the final text, instead of queueing a lint per keystroke."""
    client = pull_client
    uri = open_doc(client, tmp_path / "train.py", BUGGY)
    texts = [FIXED if v % 2 == 0 else BUGGY for v in range(2, BURST + 2)]  # ends on BUGGY
    pulls = []
    for version, text in enumerate(texts, start=2):
        replace_all(client, uri, text, version)
        pulls.append(asyncio.ensure_future(client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=uri)))))
        await asyncio.sleep(0)
    reports = await asyncio.wait_for(asyncio.gather(*pulls), TIMEOUT)
    assert all(r.kind == "full" for r in reports)
    assert [str(d.code) for d in reports[-1].items] == ["KC201"]
    # One result for all of them (a few if the loaded machine stalled the server for longer than
    # the debounce mid-burst), never one per keystroke.
    distinct = {r.result_id for r in reports}
    assert len(distinct) <= 5, f"{len(distinct)} different results for {len(reports)} pulls"


# ------------------------------------------------------------------------------------------------
# A raw client over pipes: it can vanish at any moment
# ------------------------------------------------------------------------------------------------
def frame(message: dict) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a live process, all threads (fields 14 and 15 of /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class RawServer:
    """`python -m kerascheck server` on pipes, with stderr in a file (a full stderr pipe would block it)."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path
        self.stderr_path = tmp_path / "server-stderr.txt"
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "kerascheck", "server"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=err, env=env_with_checkout(), cwd=tmp_path)
        self.buffer = b""
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)
        self.rusage: Any = None

    def send(self, **message: Any) -> None:
        self.proc.stdin.write(frame(message))
        self.proc.stdin.flush()

    def receive(self, timeout: float = TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while True:
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if sep:
                length = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
                if len(rest) >= length:
                    self.buffer = rest[length:]
                    return json.loads(rest[:length])
            left = deadline - time.monotonic()
            assert left > 0, "timed out waiting for a message from the server"
            if self.selector.select(left):
                chunk = os.read(fd, 65536)
                assert chunk, "the server closed its stdout"
                self.buffer += chunk

    def receive_until(self, predicate, timeout: float = TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(max(deadline - time.monotonic(), 0.001))
            if predicate(message):
                return message

    def handshake(self) -> None:
        self.send(id=1, method="initialize", params={
            "processId": os.getpid(), "rootUri": self.root.as_uri(),
            "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}}})
        assert "capabilities" in self.receive_until(lambda m: m.get("id") == 1)["result"]
        self.send(method="initialized", params={})

    def open(self, uri: str, text: str) -> None:
        self.send(method="textDocument/didOpen", params={"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": text}})

    def wait_exit(self, timeout: float = EXIT_WITHIN) -> tuple[Optional[int], float, float]:
        """(exit code or None if still running, wall seconds waited, CPU seconds the server used meanwhile).

        The CPU time comes from /proc while the process lives, and from the kernel's final account
        (wait4) once it has exited, so the time spent tearing down counts too."""
        pid = self.proc.pid
        began, cpu_began = time.monotonic(), cpu_seconds(pid)
        while True:
            done, status, rusage = os.wait4(pid, os.WNOHANG)
            if done:
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                cpu = rusage.ru_utime + rusage.ru_stime - cpu_began
                return self.proc.returncode, time.monotonic() - began, cpu
            cpu = cpu_seconds(pid) - cpu_began  # the last sample before exit
            waited = time.monotonic() - began
            if waited > timeout:
                return None, waited, cpu
            time.sleep(0.05)

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if self.proc.returncode is None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.selector.close()


@pytest.fixture
def raw_server(tmp_path: Path):
    server = RawServer(tmp_path)
    yield server
    server.close()


def assert_exited_cleanly(server: RawServer, code: Optional[int], waited: float, cpu: float, cpu_limit: float) -> None:
    err = server.stderr()
    assert code is not None, (f"the server is still running {waited:.1f} s after its client left, "
                              f"{'spinning' if cpu > 0.5 * waited else 'idle'}: {cpu:.2f} s CPU\n{err}")
    assert code in (0, 1), f"exit code {code}\n{err}"  # not a crash, not killed by a signal
    assert "Traceback" not in err and "Exception ignored" not in err and "ERROR" not in err, err
    assert cpu <= cpu_limit, f"{cpu:.2f} s CPU in the {waited:.2f} s between the client leaving and the exit"


def big_buffer(copies: int) -> str:
    """BUGGY followed by `copies` more models: a buffer that takes a noticeable time to lint."""
    body = BUGGY.split("\n", 1)[1]
    return BUGGY + "".join(body.replace("model", f"model_{i}") for i in range(copies))


def test_a_client_that_closes_stdin_without_shutdown(raw_server: RawServer):
    server = raw_server
    server.handshake()
    uri = (server.root / "train.py").as_uri()
    server.open(uri, BUGGY)
    published = server.receive_until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    assert [d["code"] for d in published["params"]["diagnostics"]] == ["KC201"]
    server.proc.stdin.close()  # the editor crashed: no shutdown, no exit, just EOF
    code, waited, cpu = server.wait_exit()
    # Nothing was left to do: the exit itself costs a fraction of the wall time at most.
    assert_exited_cleanly(server, code, waited, cpu, cpu_limit=0.5 * waited + 0.5)


@pytest.mark.parametrize("when", ["right-after-change", "mid-lint"])
def test_a_client_that_vanishes_while_a_change_is_pending(raw_server: RawServer, when: str):
    server = raw_server
    server.handshake()
    uri = (server.root / "train.py").as_uri()
    text = big_buffer(150)
    cpu_before = cpu_seconds(server.proc.pid)
    server.open(uri, text)
    published = server.receive_until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    assert len(published["params"]["diagnostics"]) == 151
    # The first lint (imports, catalogue, a full parse) bounds what one more lint of this buffer may cost.
    lint_cpu = cpu_seconds(server.proc.pid) - cpu_before

    changed = text.replace('"softmax"', '"sigmoid"')  # every model changes: no cheap incremental re-parse
    cpu_at_change = cpu_seconds(server.proc.pid)
    server.send(method="textDocument/didChange", params={
        "textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": changed}]})
    if when == "mid-lint":
        # Wait for the debounce to pass and the lint to start burning CPU, then pull the plug.
        deadline = time.monotonic() + TIMEOUT
        while cpu_seconds(server.proc.pid) - cpu_at_change < 0.1:
            assert time.monotonic() < deadline, "the change was never linted"
            time.sleep(0.01)
    # The client is killed: both ends of its pipes go away at once.
    server.proc.stdin.close()
    server.proc.stdout.close()
    code, waited, cpu = server.wait_exit()
    assert_exited_cleanly(server, code, waited, cpu, cpu_limit=lint_cpu + 1.0)


def test_a_client_that_stops_reading_but_keeps_its_input_open(raw_server: RawServer):
    """Half a client: its read end is gone, so every message the server sends hits a broken pipe. The
    server says so once (no traceback per message), idles without spinning, and exits at EOF."""
    server = raw_server
    server.handshake()
    uri = (server.root / "train.py").as_uri()
    server.open(uri, BUGGY)
    server.receive_until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    server.proc.stdout.close()
    server.send(method="textDocument/didChange", params={
        "textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": FIXED}]})
    server.send(id=2, method="textDocument/hover", params={
        "textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}})
    server.send(id=3, method="textDocument/codeAction", params={
        "textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        "context": {"diagnostics": []}})
    deadline = time.monotonic() + TIMEOUT
    while not any(sign in server.stderr() for sign in ("stopped reading", "Broken pipe", "BrokenPipe")):
        assert server.proc.poll() is None, server.stderr()
        assert time.monotonic() < deadline, f"no broken pipe noticed\n{server.stderr()}"
        time.sleep(0.05)
    cpu, began = cpu_seconds(server.proc.pid), time.monotonic()
    time.sleep(1.0)
    idle_cpu, idle_wall = cpu_seconds(server.proc.pid) - cpu, time.monotonic() - began
    assert server.proc.poll() is None  # still serving (into the void) while its input is open
    assert idle_cpu < 0.3 * idle_wall, f"{idle_cpu:.2f} s CPU in {idle_wall:.2f} s with nothing to do"
    server.proc.stdin.close()
    code, waited, cpu = server.wait_exit()
    assert_exited_cleanly(server, code, waited, cpu, cpu_limit=0.5 * waited + 0.5)
    assert server.stderr().count("stopped reading") == 1, server.stderr()


# ------------------------------------------------------------------------------------------------
# The shutdown handshake (LSP: `exit` ends the process, with 0 after `shutdown` and 1 without)
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("polite", [True, False], ids=["shutdown-then-exit", "exit-without-shutdown"])
def test_exit_codes(raw_server: RawServer, polite: bool):
    server = raw_server
    server.handshake()
    server.open((server.root / "train.py").as_uri(), BUGGY)
    server.receive_until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
    if polite:
        server.send(id=2, method="shutdown")
        assert server.receive_until(lambda m: m.get("id") == 2) == {"jsonrpc": "2.0", "id": 2, "result": None}
    server.send(method="exit")  # stdin stays open: `exit` alone must end the process
    code, waited, cpu = server.wait_exit()
    assert code == (0 if polite else 1), f"exit code {code} after {waited:.1f} s\n{server.stderr()}"
    assert_exited_cleanly(server, code, waited, cpu, cpu_limit=0.5 * waited + 0.5)
