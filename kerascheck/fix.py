"""Applying fixes: `--fix`, `--unsafe-fixes`, `--diff`. Never loses user code: edits are applied
to the text, the result must parse, and the file is replaced atomically (or left untouched).
Notebooks are fixed cell by cell; only the changed cells' `source` is rewritten in the JSON."""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import libcst as cst

from kerascheck.finding import Edit, Finding
from kerascheck.text import line_starts, split_keepends

MAX_PASSES = 10


def _offset(starts: list[int], text: str, line: int, column: int) -> Optional[int]:
    if not 1 <= line <= len(starts):
        return None
    off = starts[line - 1] + column - 1
    return off if 0 <= off <= len(text) else None


def apply_edits(text: str, edits: list[Edit]) -> Optional[str]:
    """The text with the edits applied, or None if an edit does not fit the text."""
    starts = line_starts(text)
    spans = []
    for e in edits:
        a, b = _offset(starts, text, e.line, e.column), _offset(starts, text, e.end_line, e.end_column)
        if a is None or b is None or b < a:
            return None
        spans.append((a, b, e.content))
    spans.sort()
    out, pos = [], 0
    for a, b, content in spans:
        if a < pos:
            return None  # overlapping edits within one fix: refuse
        out += [text[pos:a], content]
        pos = b
    out.append(text[pos:])
    return "".join(out)


def wanted(f: Finding, unsafe: bool) -> bool:
    return f.fix is not None and (f.fix.applicability == "safe" or unsafe)


def fix_text(text: str, findings: list[Finding], unsafe: bool) -> tuple[str, int]:
    """Apply the non-overlapping fixes of one lint pass; (new text, fixes applied)."""
    starts = line_starts(text)
    taken: list[tuple[int, int]] = []
    chosen: list[Edit] = []
    applied = 0
    for f in sorted((f for f in findings if wanted(f, unsafe)), key=Finding.sort_key):
        spans = []
        for e in f.fix.edits:
            a, b = _offset(starts, text, e.line, e.column), _offset(starts, text, e.end_line, e.end_column)
            if a is None or b is None:
                spans = None
                break
            spans.append((a, b))
        if not spans or any(a < tb and ta < b or a == b == ta for a, b in spans for ta, tb in taken):
            continue  # conflicts with a fix already chosen: the next pass will see it again
        taken += spans
        chosen += f.fix.edits
        applied += 1
    if not chosen:
        return text, 0
    new = apply_edits(text, chosen)
    return (text, 0) if new is None else (new, applied)


@dataclass
class FixResult:
    text: str
    fixed: int = 0
    remaining: list[Finding] = field(default_factory=list)
    problem: Optional[str] = None  # why the file was left untouched


def fix_source(lint, text: str, findings: list[Finding], unsafe: bool) -> FixResult:
    """Lint-fix-relint until nothing changes. `lint(text)` returns findings for a text."""
    current, total = text, 0
    for _ in range(MAX_PASSES):
        new, n = fix_text(current, findings, unsafe)
        if n == 0:
            break
        try:
            cst.parse_module(new)
        except Exception as exc:  # a fix that breaks the syntax is a kerascheck bug: keep the file
            return FixResult(text, 0, findings, f"a fix produced invalid code ({type(exc).__name__}); file left unchanged")
        current, total = new, total + n
        findings = lint(current)
    if total:
        cleaned = drop_orphaned_imports(text, current)
        if cleaned != current:
            current, findings = cleaned, lint(cleaned)
    return FixResult(current, total, findings)


_KERAS_ROOTS = ("keras", "tensorflow", "tf_keras")


def drop_orphaned_imports(before: str, after: str) -> str:
    """`after` without the module-level Keras/TensorFlow imports whose last use the fixes removed
    (`import keras.backend as K` once every `K.sum` became `ops.sum`). Anything unsure (a name
    still used anywhere, a parse failure) leaves `after` as it is."""
    try:
        old, new = cst.parse_module(before), cst.parse_module(after)
    except Exception:
        return after
    used_before, used_after = _NameUses.of(old), _NameUses.of(new)
    orphans = {local for local in _keras_import_bindings(new)
               if local in used_before and local not in used_after}
    if not orphans:
        return after
    code = new.visit(_RemoveImports(orphans)).code
    try:
        cst.parse_module(code)
    except Exception:
        return after
    return code


def _bound_name(alias: cst.ImportAlias) -> Optional[str]:
    target = alias.asname.name if alias.asname is not None else alias.name
    while isinstance(target, cst.Attribute):  # `import keras.backend` binds `keras`
        target = target.value
    return target.value if isinstance(target, cst.Name) else None


def _module_root(node: cst.BaseExpression) -> str:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else ""


def _keras_import_bindings(module: cst.Module) -> set[str]:
    out = set()
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                out |= {_bound_name(a) for a in small.names if _module_root(a.name) in _KERAS_ROOTS}
            elif isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None \
                    and _module_root(small.module) in _KERAS_ROOTS and not isinstance(small.names, cst.ImportStar):
                out |= {_bound_name(a) for a in small.names}
    return out - {None}


class _NameUses(cst.CSTVisitor):
    """Every name the module uses outside import statements (attribute names after a dot excluded)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    @classmethod
    def of(cls, module: cst.Module) -> set[str]:
        visitor = cls()
        module.visit(visitor)
        return visitor.names

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)


class _RemoveImports(cst.CSTTransformer):
    """Remove the module-level import aliases binding `names` (the statement when none is left)."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.depth = 0

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.depth += 1

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        self.depth -= 1
        return updated

    def _prune(self, updated):
        if self.depth or isinstance(updated.names, cst.ImportStar):
            return updated
        kept = [a for a in updated.names if _bound_name(a) not in self.names]
        if len(kept) == len(updated.names):
            return updated
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(names=kept)

    def leave_Import(self, original: cst.Import, updated: cst.Import):
        return self._prune(updated)

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom):
        return self._prune(updated)


@dataclass
class NotebookFixResult:
    data: bytes  # the notebook's new bytes (the input itself when nothing changed)
    fixed: int = 0
    remaining: list[Finding] = field(default_factory=list)  # in cell coordinates
    cells: dict[int, tuple[str, str]] = field(default_factory=dict)  # changed code cell -> (before, after)
    problem: Optional[str] = None  # why the file was left untouched


def fix_notebook(lint, data: bytes, unsafe: bool) -> NotebookFixResult:
    """Lint-fix-relint a notebook. `lint(text)` returns findings for the masked module text.

    Fixes are applied to each cell's own text; a fix that reaches into another cell or a masked
    magic line was already dropped by `notebook.to_cell`. Before anything is returned the masked
    lines must be unchanged, the module must parse, and the JSON must re-serialise exactly."""
    from kerascheck import notebook

    try:
        original = current = notebook.load(data)
    except notebook.NotebookError as err:
        return NotebookFixResult(data, problem=str(err))
    findings = [notebook.to_cell(current, f) for f in lint(current.text)]
    total = 0
    for _ in range(MAX_PASSES):
        sources, applied = dict(current.sources), 0
        for cell, text in current.sources.items():
            new, n = fix_text(text, [f for f in findings if f.cell == cell], unsafe)
            sources[cell], applied = new, applied + n
        if applied == 0:
            break
        rebuilt = notebook.from_sources(sources)
        if any(rebuilt.masked_lines(c) != original.masked_lines(c) for c in sources):
            return NotebookFixResult(data, problem="a fix touched a magic or shell line; file left unchanged")
        try:
            cst.parse_module(rebuilt.text)
        except Exception as exc:  # a fix that breaks the syntax is a kerascheck bug: keep the file
            return NotebookFixResult(data, problem=f"a fix produced invalid code ({type(exc).__name__}); "
                                                   "file left unchanged")
        rebuilt.indices = current.indices
        current, total = rebuilt, total + applied
        findings = [notebook.to_cell(current, f) for f in lint(current.text)]
    changed = {c: (original.sources[c], t) for c, t in current.sources.items() if t != original.sources[c]}
    if not changed:
        return NotebookFixResult(data, 0, findings)
    try:
        new_data = notebook.dump(data, current.sources)
    except notebook.NotebookError as err:
        return NotebookFixResult(data, problem=f"{err}")
    return NotebookFixResult(new_data, total, findings, changed)


def write_atomic(path: Path, text: str, encoding: str, bom: bool) -> None:
    """Replace path's content: temporary file in the same folder, permissions kept, then rename."""
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    write_bytes_atomic(path, data)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".kerascheck")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def unified_diff(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(split_keepends(before), split_keepends(after),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    # A last line without a line break (the norm in notebook cells) gets git's marker, not a glued line.
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def notebook_diff(path: str, cells: dict[int, tuple[str, str]]) -> str:
    """One unified diff per changed code cell, headed `a/nb.ipynb:cell 3` as in every finding."""
    return "".join(unified_diff(f"{path}:cell {c}", before, after) for c, (before, after) in sorted(cells.items()))
