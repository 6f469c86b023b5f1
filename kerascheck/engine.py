"""Lint one file: read, parse once, build the facts, run every selected rule, apply suppressions."""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Optional

import libcst as cst

from kerascheck import noqa
from kerascheck.catalogue import RuleMeta, load_catalogue
from kerascheck.checks import META_CODES, load_rules
from kerascheck.config import Settings, detect_keras_version, keras_versions
from kerascheck.files import ReadError, SourceFile, decode, read_bytes
from kerascheck.finding import Edit, Finding, Fix, error_finding, make_finding
from kerascheck.rule import Hit, Rule

if TYPE_CHECKING:
    from libcst.metadata import CodeRange

    from kerascheck.reparse import Reparser

# Files that never mention Keras or TensorFlow cannot hold a Keras bug: skip them before parsing.
MARKER_RE = re.compile(r"keras|tensorflow|tf_keras")


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    source: Optional[str] = None
    skipped: bool = False  # fast path: no Keras in the file
    encoding: str = "utf-8"
    cells: dict[int, str] = field(default_factory=dict)  # notebooks: code cell number -> its text
    notebook: Optional[str] = None  # notebooks: the .ipynb text itself (SARIF/LSP map cells into it)

    def sources(self) -> dict[str, str]:
        """Texts for code frames, keyed like Finding.source_key."""
        out = {f"{self.path}#cell{n}": text for n, text in self.cells.items()}
        if self.notebook is not None:
            out[self.path] = self.notebook
        if self.source is not None and not self.cells:
            out[self.path] = self.source
        return out


class Linter:
    def __init__(self, settings: Settings, enabled: Optional[set[str]] = None) -> None:
        self.settings = settings
        self.catalogue = load_catalogue()
        self.rules = load_rules()
        self.enabled = enabled if enabled is not None else settings.enabled(self.catalogue)
        self.detected = detect_keras_version() if settings.keras_version == "auto" else None

    # -- entry points -------------------------------------------------------------------------
    def lint_file(self, source: SourceFile) -> FileResult:
        try:
            data = read_bytes(source.path, self.settings.max_file_size)
        except ReadError as err:
            return self._read_error(source.display, err)
        return self.lint_bytes(data, source.display)

    def lint_bytes(self, data: bytes, display: str) -> FileResult:
        if display.endswith(".ipynb"):
            return self.lint_notebook(data, display)
        try:
            text, encoding = decode(data)
        except ReadError as err:
            return self._read_error(display, err)
        result = self.lint_text(text, display)
        result.encoding = encoding
        return result

    def lint_notebook(self, data: bytes, display: str) -> FileResult:
        """Code cells as one module (later cells see earlier ones); findings mapped back to cells."""
        from kerascheck import notebook

        try:
            nb = notebook.load(data)
        except notebook.NotebookError as err:
            return self._read_error(display, ReadError("notebook", str(err)))
        result = self.lint_text(nb.text, display)
        result.findings = [notebook.to_cell(nb, f) for f in result.findings]
        result.cells = nb.cell_texts()
        result.notebook = data.decode("utf-8-sig")
        return result

    def lint_text(self, text: str, display: str, reparser: Optional["Reparser"] = None) -> FileResult:
        """`reparser`: the previous parse of this buffer (the language server's), which re-parses only
        the statements an edit touched."""
        # Python's warnings about the user's code ("invalid escape sequence" while parsing it or
        # evaluating its string literals) are not kerascheck's to print.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self._lint_text(text, display, reparser)

    def _lint_text(self, text: str, display: str, reparser: Optional["Reparser"] = None) -> FileResult:
        result = FileResult(display, source=text)
        if not MARKER_RE.search(text):
            result.skipped = True
            result.findings = self._finish(display, text, [], None)
            return result
        # When no rule runs (the file does not parse), no `# noqa` can be judged unused: checked=set().
        tree, too_deep = _cpython_parse(text)
        if too_deep is not None:
            finding = self._meta("KC901", display, *too_deep)
            result.findings = self._finish(display, text, [finding] if finding else [], None, checked=set())
            return result
        try:
            module = reparser.parse(text) if reparser is not None else cst.parse_module(text)
        except (cst.ParserSyntaxError, cst.CSTValidationError) as err:
            # CSTValidationError: text libcst tokenizes but then refuses to build (a non-printable
            # character as a name)
            line, column, detail = _syntax_error(text, err)
            finding = self._meta("KC901", display, line, column, detail=detail)
            result.findings = self._finish(display, text, [finding] if finding else [], None, checked=set())
            return result
        except (RecursionError, MemoryError, ValueError) as err:
            finding = self._meta("KC901", display, 1, 1, detail=f"the parser gave up: {type(err).__name__}")
            result.findings = self._finish(display, text, [finding] if finding else [], None, checked=set())
            return result
        try:
            checked: set[str] = set()
            raw = self._run_rules(module, display, checked)
            result.findings = self._finish(display, text, raw, module, checked=checked | META_CODES, tree=tree)
        except RecursionError:
            # Valid but deeply nested code (a sum of 1,000 terms) exhausts Python's recursion limit
            # in libcst's position or code generation visitors: report it, do not stop the run.
            crash = self._meta("KC903", display, 1, 1,
                               detail="the file is nested too deeply to analyse (RecursionError)")
            result.findings = self._finish(display, text, [crash] if crash else [], None, checked=set())
        return result

    # -- internals ------------------------------------------------------------------------------
    def _run_rules(self, module: cst.Module, display: str, checked: set[str]) -> list[tuple[Rule, Hit] | Finding]:
        """Hits of every selected rule; adds to `checked` the codes whose rule ran to completion."""
        from kerascheck.facts.interp import analyze

        try:
            facts = analyze(module)
        except Exception as exc:  # one broken analysis must not stop the run
            crash = self._meta("KC903", display, 1, 1, detail=f"the facts layer failed: {type(exc).__name__}: {exc}")
            return [crash] if crash else []
        facts.keras_versions = keras_versions(self.settings, facts.keras_evidence, self.detected)
        out: list = []
        ignored = self.settings.ignored_for(display)
        for code in sorted(self.enabled):
            cls = self.rules.get(code)
            if cls is None or any(code.startswith(s) for s in ignored):
                continue
            if not facts.keras_versions <= set(cls.meta.keras):
                continue  # the bug exists only on a Keras the user may not run
            try:
                out.extend((cls, hit) for hit in cls().check(facts))
                checked.add(code)
            except Exception as exc:
                crash = self._meta("KC903", display, 1, 1,
                                   detail=f"rule {code} ({cls.meta.name}) crashed: {type(exc).__name__}: {exc}")
                if crash:
                    out.append(crash)
        return out

    def _finish(self, display: str, text: str, raw: list, module: Optional[cst.Module],
                checked: Optional[set[str]] = None, tree: Optional[ast.Module] = None) -> list[Finding]:
        """Positions, de-duplication and suppressions. `checked`: the codes whose rule actually ran on
        this file (None: all), so that a `# noqa` for a rule that crashed, did not apply to the file's
        Keras version or could not run on an unparsable file is not reported as unused. `tree`:
        CPython's ast of the same text, which lets _Positions skip most of the module."""
        sup = noqa.scan(text)
        positions = None
        if module is not None and raw:
            hits = [item[1] for item in raw if not isinstance(item, Finding)]
            nodes = [h.node for h in hits] + [node for h in hits for node, _ in h.fix_edits or ()]
            positions = _Positions(module, text, tree, nodes)
        findings: list[Finding] = []
        seen: set = set()
        for item in raw:
            if isinstance(item, Finding):
                f = item
            else:
                cls, hit = item
                f = self._from_hit(cls.meta, hit, display, positions)
                if f is None:
                    continue
            key = (f.code, f.line, f.column, f.message)
            if key in seen:
                continue
            seen.add(key)
            if sup.file_suppresses(f.code):
                continue
            lines = [f.line]
            if positions is not None:
                start = positions.statement_start(f.line)
                if start is not None and start != f.line:
                    lines.append(start)
            directive = next((d for d in (sup.line_suppresses(ln, f.code) for ln in lines) if d), None)
            if directive is not None:
                directive.used.add(f.code)
                continue
            findings.append(f)
        if "KC904" in self.enabled and not sup.file_suppresses("KC904"):
            findings += self._unused_noqa(display, sup, checked)
        findings.sort(key=Finding.sort_key)
        return findings

    def _unused_noqa(self, display: str, sup: noqa.Suppressions, checked: Optional[set[str]]) -> list[Finding]:
        out = []
        for d in sup.lines.values():
            if d.codes is None:
                continue  # a bare `# noqa` may serve another linter
            unused = []
            for code in d.codes:
                if not code.startswith("KC") or code in d.used:
                    continue
                if code not in self.catalogue:
                    unused.append(f"{code} (unknown code)")
                elif code in self.enabled and (checked is None or code in checked):
                    unused.append(code)
            if unused:
                f = self._meta("KC904", display, d.line, d.column, end_column=d.end_column,
                               detail=", ".join(unused))
                if f:
                    out.append(f)
        return out

    def _from_hit(self, meta: RuleMeta, hit: Hit, display: str, positions: "_Positions") -> Optional[Finding]:
        span = positions.span(hit.node)
        if span is None:
            return None
        fix = None
        if hit.fix_edits:
            edits = []
            for node, content in hit.fix_edits:
                s = positions.span(node)
                if s is None:
                    edits = []
                    break
                edits.append(Edit(s[0], s[1], s[2], s[3], content))
            if edits:
                applicability = hit.fix_applicability or (meta.fix if meta.fix != "none" else "unsafe")
                fix = Fix(hit.fix_message or meta.hint, applicability, tuple(edits))
        return make_finding(meta, display, span, hit.message, fix)

    def _meta(self, code: str, display: str, line: int, column: int, detail: str = "",
              end_column: Optional[int] = None) -> Optional[Finding]:
        if code not in self.enabled:
            return None
        return error_finding(self.catalogue[code], display, line, column, detail, end_column)

    def lint_error(self, display: str, err: ReadError) -> FileResult:
        """The result for a file that could not be read."""
        return self._read_error(display, err)

    def _read_error(self, display: str, err: ReadError) -> FileResult:
        code = "KC901" if err.kind == "decode-syntax" else "KC902"
        finding = self._meta(code, display, err.line, err.column, detail=str(err))
        return FileResult(display, [finding] if finding else [])


def _cpython_parse(text: str) -> tuple[Optional[ast.Module], Optional[tuple[int, int, str]]]:
    """(CPython's ast of the file or None, (line, column, detail) when CPython's parser refuses the
    file for its nesting depth).

    libcst's native parser crashes the whole process (segfault) or runs for minutes on code nested
    deeper than CPython accepts (2,000 nested brackets, a chain of 5,000 unary operators), so ask
    CPython's parser first: it is written in C and costs a few percent of the libcst parse. Other
    syntax errors go on to libcst, which may know newer syntax than the running Python. The tree
    tells _Positions where each statement starts."""
    try:
        return ast.parse(text), None
    except SyntaxError as exc:
        if exc.msg.startswith("too many"):  # "too many nested parentheses", "... levels of indentation"
            return None, (exc.lineno or 1, max(exc.offset or 1, 1), exc.msg)
    except (RecursionError, MemoryError):
        return None, (1, 1, "nested too deeply for Python's parser")
    except ValueError:  # e.g. NUL characters: libcst reports those
        pass
    return None, None


def _syntax_error(text: str, err: Exception) -> tuple[int, int, str]:
    """Position and message of a syntax error. CPython's own messages ("'(' was never closed") are
    far clearer than the parser's token lists, so ask it first; this runs only on broken files."""
    try:
        ast.parse(text)
    except SyntaxError as exc:
        return exc.lineno or 1, max(exc.offset or 1, 1), exc.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    if isinstance(err, cst.ParserSyntaxError):
        return err.editor_line, err.editor_column, " ".join(err.message.split())
    return 1, 1, str(err)


# libcst's line breaks (libcst.metadata.position_provider.NEWLINE_RE): lines are counted as it counts them.
_LINE_BREAK = re.compile(r"\r\n?|\n")


class _Positions:
    """The positions of the nodes findings point at, exactly as libcst's PositionProvider gives them.

    PositionProvider regenerates the code of the whole module, which costs more than the parse, and
    recurses once per nesting level (a 600-branch elif chain exhausts the recursion limit). Inside
    a top-level statement, positions depend only on the line the statement's code starts on, so only
    the statements that hold findings are regenerated, each from its first line: CPython's ast
    (parsed anyway by _cpython_parse) gives the line of each statement's first token, and libcst's
    own `leading_lines` say how many blank and comment lines come before it. The regenerated code
    must equal the source text from that line on and end where the next statement starts; when it
    does not (the two parsers disagree, or there is no ast), the whole-module provider answers."""

    def __init__(self, module: cst.Module, text: str, tree: Optional[ast.Module],
                 nodes: Iterable[cst.CSTNode] = ()) -> None:
        self.module = module
        self.text = text
        self._map: dict[cst.CSTNode, CodeRange] = {}
        self._full = False  # _map holds every node (the whole-module provider ran)
        self._regions = _region_starts(module, tree)  # first line of each top-level statement's code
        self._done: dict[int, dict[cst.CSTNode, CodeRange]] = {}  # statement index -> its positions
        self._line_starts: Optional[list[int]] = None
        self._starts: dict[Optional[int], dict[int, int]] = {}
        self._load(nodes)

    def _load(self, nodes: Iterable[cst.CSTNode]) -> None:
        """Compute the positions of `nodes` (and of everything in the statements that hold them)."""
        if self._full:
            return
        wanted = {id(n) for n in nodes if n not in self._map}
        if not wanted:
            return
        if self._regions is None:
            self._load_all()
            return
        from kerascheck.facts.walk import children

        # No parent links in libcst: find the top-level statements that hold the nodes with one
        # (iterative) walk, which costs a fraction of regenerating their code.
        for k, stmt in enumerate(self.module.body):
            if not wanted:
                break
            if k in self._done:
                continue
            stack: list[cst.CSTNode] = [stmt]
            found = False
            while stack:
                node = stack.pop()
                if id(node) in wanted:
                    wanted.discard(id(node))
                    found = True
                stack.extend(children(node))
            if found and not self._load_statement(k):
                self._load_all()
                return
        if wanted:  # not inside a statement (the module itself, a comment in its header): rare
            self._load_all()

    def _load_statement(self, k: int) -> bool:
        """Positions of top-level statement k, False when its code is not where the ast says."""
        from libcst.metadata import PositionProvider
        from libcst.metadata.position_provider import PositionProvidingCodegenState

        assert self._regions is not None
        first = self._regions[k]
        provider = PositionProvider()
        state = PositionProvidingCodegenState(default_indent=self.module.default_indent,
                                              default_newline=self.module.default_newline,
                                              provider=provider, line=first)
        with _recursion_is_recursion():
            self.module.body[k]._codegen(state)
        last = k == len(self.module.body) - 1
        if last and not self.module.has_trailing_newline:
            state.pop_trailing_newline()  # as Module._codegen_impl does
        elif not last and state.line != self._regions[k + 1]:
            return False
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(self.text)]
        if not 1 <= first <= len(self._line_starts):
            return False
        code = "".join(state.tokens)
        offset = self._line_starts[first - 1]
        if self.text[offset:offset + len(code)] != code:
            return False
        self._done[k] = provider._computed
        self._map.update(provider._computed)
        return True

    def _load_all(self) -> None:
        from libcst.metadata import MetadataWrapper, PositionProvider

        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        with _recursion_is_recursion():
            try:
                # wrapper.resolve() also walks the whole tree once more with an empty batch of
                # visitors (libcst 1.x), a third of the cost on big files; run the provider alone.
                self._map = dict(PositionProvider()._gen(wrapper))
            except (AttributeError, TypeError):  # a libcst without that private method
                self._map = dict(wrapper.resolve(PositionProvider))
        self._full = True

    def span(self, node: cst.CSTNode) -> Optional[tuple[int, int, int, int]]:
        self._load([node])
        pos = self._map.get(node)
        if pos is None:
            return None
        return pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1

    def statement_start(self, line: int) -> Optional[int]:
        """First line of the simple statement that spans `line` (for multi-line statements)."""
        key: Optional[int] = None  # the top-level statement whose positions are searched; None: all
        if not self._full and self._regions is not None:
            # Statements' code is line-disjoint: only the top-level statement whose code holds `line`
            # can hold a statement that spans it.
            key = bisect.bisect_right(self._regions, line) - 1
            if key < 0:
                return None
            if key not in self._done and not self._load_statement(key):
                key = None
        if key is None and not self._full:
            self._load_all()
        starts = self._starts.get(key)
        if starts is None:
            starts = self._starts[key] = {}
            for node, pos in (self._map if key is None else self._done[key]).items():
                if isinstance(node, cst.SimpleStatementLine) and pos.end.line > pos.start.line:
                    for ln in range(pos.start.line, pos.end.line + 1):
                        prev = starts.get(ln)
                        if prev is None or pos.start.line > prev:
                            starts[ln] = pos.start.line
        return starts.get(line)


def _region_starts(module: cst.Module, tree: Optional[ast.Module]) -> Optional[list[int]]:
    """The line each top-level statement's code (its leading blank and comment lines included)
    starts on, from the ast's statement lines; None when the two trees do not pair up."""
    if tree is None:
        return None
    flat = tree.body
    out: list[int] = []
    i = 0
    for stmt in module.body:
        if i >= len(flat):
            return None
        first = flat[i]
        line = first.lineno
        lead = len(stmt.leading_lines)
        decorators = getattr(stmt, "decorators", ())
        if decorators:
            # The ast places a decorated def on its `def` line; its code starts with the decorators.
            listed = getattr(first, "decorator_list", None)
            if not listed:
                return None
            line = listed[0].lineno
            lead += len(decorators[0].leading_lines)
        start = line - lead
        if start < 1 or (out and start <= out[-1]):
            return None
        out.append(start)
        # `a = 1; b = 2` is one libcst statement line but two ast statements.
        i += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
    return out if i == len(flat) else None


@contextmanager
def _recursion_is_recursion():
    """libcst's position recording runs code in `finally:` that reads the position of a child: after
    a RecursionError in that child it raises KeyError (chained ~1,000 deep) instead. Say what it is."""
    try:
        yield
    except RecursionError:
        raise
    except Exception as exc:
        seen = 0
        cause: Optional[BaseException] = exc
        while cause is not None and seen < 100_000:
            if isinstance(cause, RecursionError):
                raise RecursionError("nested too deeply to compute positions") from None
            cause, seen = cause.__context__, seen + 1
        raise
