"""Lint one file: read, parse once, build the facts, run every selected rule, apply suppressions.
The result is the file's `Analysis` (analysis.py), which every surface then works from."""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import libcst as cst

from kerascheck import noqa
from kerascheck.analysis import Analysis
from kerascheck.catalogue import RuleMeta, load_catalogue
from kerascheck.checks import META_CODES, load_rules
from kerascheck.config import ASSUMED_NOTE, CURRENT_MAJOR, KerasChoice, Settings, detect_keras_version, keras_versions
from kerascheck.files import ReadError, SourceFile, decode, read_bytes
from kerascheck.finding import Edit, Finding, Fix, error_finding, make_finding
from kerascheck.positions import Positions
from kerascheck.project_versions import Declared, ProjectVersions
from kerascheck.rule import Hit, Rule

if TYPE_CHECKING:
    from kerascheck.facts.model import ModuleFacts
    from kerascheck.reparse import Reparser

# Files that never mention Keras or TensorFlow cannot hold a Keras bug: skip them before parsing.
MARKER_RE = re.compile(r"keras|tensorflow|tf_keras")


class Linter:
    def __init__(self, settings: Settings, enabled: Optional[set[str]] = None, base: Optional[Path] = None) -> None:
        """`base`: the folder the paths shown (`display`) are relative to (default: the working
        directory); the project's dependency declarations are looked up from each file's folder."""
        self.settings = settings
        self.catalogue = load_catalogue()
        self.rules = load_rules()
        self.enabled = enabled if enabled is not None else settings.enabled(self.catalogue)
        # Runtime mode runs the code under --python: that environment's Keras is the installed one.
        python = settings.runtime_python if settings.runtime else None
        self.detected = detect_keras_version(python) if settings.keras_version == "auto" else None
        self.installed_where = "in --python's environment" if python else "where kerascheck runs"
        self.base = base or Path.cwd()
        self.versions = ProjectVersions(stop=settings.root if settings.config_file else None)
        # The project's other modules, which a linted file's imports read (facts/project.py).
        from kerascheck.facts.project import Project

        self.modules = Project(settings.root, settings.max_file_size)

    def declared(self, display: str) -> Optional[Declared]:
        """What the file's project declares (None when keras-version is configured: not needed)."""
        if self.settings.keras_version != "auto":
            return None
        return self.versions.for_path(self.base / display)

    def keras_choice(self, display: str, evidence: frozenset = frozenset(), legacy_env: bool = False) -> KerasChoice:
        return keras_versions(self.settings, set(evidence), self.detected, self.declared(display), legacy_env,
                              self.installed_where)

    # -- entry points: each returns the file's Analysis ---------------------------------------------
    def lint_file(self, source: SourceFile) -> Analysis:
        try:
            data = read_bytes(source.path, self.settings.max_file_size)
        except ReadError as err:
            return self.lint_error(source.display, err)
        return self.lint_bytes(data, source.display)

    def lint_bytes(self, data: bytes, display: str) -> Analysis:
        if display.endswith(".ipynb"):
            return self.lint_notebook(data, display)
        try:
            text, encoding = decode(data)
        except ReadError as err:
            return self.lint_error(display, err)
        result = self.lint_text(text, display)
        result.encoding = encoding
        return result

    def lint_notebook(self, data: bytes, display: str) -> Analysis:
        """Code cells as one module (later cells see earlier ones); findings mapped back to cells."""
        from kerascheck import notebook

        try:
            nb = notebook.load(data)
        except notebook.NotebookError as err:
            return self.lint_error(display, ReadError("notebook", str(err)))
        result = self.lint_text(nb.text, display)
        result.findings = [notebook.to_cell(nb, f) for f in result.findings]
        for cell, (line, column, message) in sorted(nb.broken.items()):
            # The cell was left out of the module; its syntax error is reported in its own coordinates.
            finding = self._meta("KC901", display, line, column, detail=f"{message} (cell {cell} is not linted)")
            if finding is not None:
                result.findings.append(replace(finding, cell=cell))
        result.findings.sort(key=Finding.sort_key)
        result.cells = nb.cell_texts()
        result.notebook = data.decode("utf-8-sig")
        result.nb = nb
        return result

    def lint_text(self, text: str, display: str, reparser: Optional["Reparser"] = None) -> Analysis:
        """`reparser`: the previous parse of this buffer (the language server's), which re-parses only
        the statements an edit touched."""
        # Python's warnings about the user's code ("invalid escape sequence" while parsing it or
        # evaluating its string literals) are not kerascheck's to print.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self._lint_text(text, display, reparser)

    def _lint_text(self, text: str, display: str, reparser: Optional["Reparser"] = None) -> Analysis:
        result = Analysis(display, source=text, suppressions=noqa.scan(text))
        if not MARKER_RE.search(text) and not self.modules.may_reach_keras(text, display, result.deps):
            result.skipped = True
            result.findings = self._finish(result, [])
            return result
        # When no rule runs (the file does not parse), no `# noqa` can be judged unused: checked=set().
        too_deep = _too_deep(text)
        if too_deep is not None:
            return self._broken(result, "KC901", *too_deep)
        try:
            module = reparser.parse(text) if reparser is not None else self.modules.parse(display, text)
        except (cst.ParserSyntaxError, cst.CSTValidationError) as err:
            # CSTValidationError: text libcst tokenizes but then refuses to build (a non-printable
            # character as a name)
            return self._broken(result, "KC901", *_syntax_error(text, err))
        except (RecursionError, MemoryError, ValueError) as err:
            return self._broken(result, "KC901", 1, 1, f"the parser gave up: {type(err).__name__}")
        result.module = module
        result.positions = Positions(module, text, None, lazy_tree=True)
        try:
            checked: set[str] = set()
            raw = self._run_rules(result, checked)
            result.findings = self._finish(result, raw, checked=checked | META_CODES)
        except RecursionError:
            # Valid but deeply nested code (a sum of 1,000 terms) exhausts Python's recursion limit
            # in libcst's position or code generation visitors: report it, do not stop the run.
            return self._broken(result, "KC903", 1, 1, "the file is nested too deeply to analyse (RecursionError)")
        return result

    # -- internals ------------------------------------------------------------------------------
    def _broken(self, result: Analysis, code: str, line: int, column: int, detail: str) -> Analysis:
        """The analysis of a file no rule could run on: one KC9xx finding (no `# noqa` is unused)."""
        finding = self._meta(code, result.path, line, column, detail=detail)
        result.module = result.facts = result.positions = None
        result.findings = self._finish(result, [finding] if finding else [], checked=set())
        return result

    def _run_rules(self, result: Analysis, checked: set[str]) -> list[tuple[Rule, Hit] | Finding]:
        """Hits of every selected rule; sets result.facts; adds to `checked` the codes whose rule ran
        to completion."""
        from kerascheck.facts.interp import analyze

        display = result.path
        assert result.module is not None
        scope = self.modules.scope(display)
        try:
            facts = analyze(result.module, scope.importer())
        except Exception as exc:  # one broken analysis must not stop the run
            crash = self._meta("KC903", display, 1, 1, detail=f"the facts layer failed: {type(exc).__name__}: {exc}")
            return [crash] if crash else []
        result.keras = self.keras_choice(display, facts.keras_evidence, facts.legacy_keras_env)
        facts.keras_versions = result.keras.versions
        result.facts = facts
        # An assumed Keras says so on each finding that holds only for that Keras.
        assumed = f" (assuming Keras {CURRENT_MAJOR}: {ASSUMED_NOTE})" if result.keras.assumed else ""
        result.deps.update(scope.deps)
        result.scope = scope
        out: list = []
        ignored = self.settings.ignored_for(display)
        for code in sorted(self.enabled):
            cls = self.rules.get(code)
            if cls is None or any(code.startswith(s) for s in ignored):
                continue
            if not facts.keras_versions <= set(cls.meta.keras):
                continue  # the bug exists only on a Keras the user may not run
            try:
                hits = list(scope.relocate(cls().check(facts)))
                if assumed and set(cls.meta.keras) != {"2", "3"}:
                    for hit in hits:
                        hit.message += assumed
                out.extend((cls, hit) for hit in hits)
                checked.add(code)
            except Exception as exc:
                crash = self._meta("KC903", display, 1, 1,
                                   detail=f"rule {code} ({cls.meta.name}) crashed: {type(exc).__name__}: {exc}")
                if crash:
                    out.append(crash)
        return out

    def _finish(self, result: Analysis, raw: list, checked: Optional[set[str]] = None) -> list[Finding]:
        """Positions, de-duplication and suppressions. `checked`: the codes whose rule actually ran on
        this file (None: all), so that a `# noqa` for a rule that crashed, did not apply to the file's
        Keras version or could not run on an unparsable file is not reported as unused."""
        display, sup, positions = result.path, result.suppressions, result.positions
        assert sup is not None
        if positions is not None and raw:
            hits = [item[1] for item in raw if not isinstance(item, Finding)]
            positions.load([h.node for h in hits] + [node for h in hits for node, _ in h.fix_edits or ()])
        findings: list[Finding] = []
        seen: set = set()
        for item in raw:
            if isinstance(item, Finding):
                f = item
            else:
                cls, hit = item
                assert positions is not None
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

    def _from_hit(self, meta: RuleMeta, hit: Hit, display: str, positions: Positions) -> Optional[Finding]:
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
        finding = make_finding(meta, display, span, hit.message, fix)
        if hit.related:
            finding.extra["related"] = hit.related
        return finding

    def _meta(self, code: str, display: str, line: int, column: int, detail: str = "",
              end_column: Optional[int] = None) -> Optional[Finding]:
        if code not in self.enabled:
            return None
        return error_finding(self.catalogue[code], display, line, column, detail, end_column)

    def meta_finding(self, code: str, display: str, detail: str = "") -> Optional[Finding]:
        """A KC9xx finding at the top of a file, or None when the code is not selected (the server's
        crash and size findings)."""
        return self._meta(code, display, 1, 1, detail=detail)

    def lint_error(self, display: str, err: ReadError) -> Analysis:
        """The analysis of a file that could not be read (or decoded)."""
        code = "KC901" if err.kind == "decode-syntax" else "KC902"
        finding = self._meta(code, display, err.line, err.column, detail=str(err))
        return Analysis(display, [finding] if finding else [])


def _too_deep(text: str) -> Optional[tuple[int, int, str]]:
    """(line, column, detail) when CPython's parser refuses the file for its nesting depth, else None.

    libcst's native parser crashes the whole process (segfault) or runs for minutes on code nested
    deeper than CPython accepts (2,000 nested brackets, a chain of 5,000 unary operators), so ask
    CPython first: its parser and compiler are written in C and cost a few percent of the libcst
    parse (compiling to bytecode costs less than building the Python objects of an `ast` tree, which
    Positions parses only for the files that have findings). Other syntax errors go on to libcst,
    which may know newer syntax than the running Python."""
    try:
        compile(text, "<kerascheck>", "exec", dont_inherit=True)
        return None
    except SyntaxError as exc:
        # the tokenizer's "too many nested parentheses", "too many levels of indentation"; not the
        # compiler's "too many statically nested blocks", which ast.parse (and libcst) accept
        if exc.msg.startswith("too many") and "statically nested blocks" not in exc.msg:
            return exc.lineno or 1, max(exc.offset or 1, 1), exc.msg
    except (RecursionError, MemoryError):
        return 1, 1, "nested too deeply for Python's parser"
    except ValueError:  # e.g. NUL characters: libcst reports those
        pass
    return None


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
