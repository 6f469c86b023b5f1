"""Jupyter notebooks: code cells in order as one module, IPython syntax masked, positions mapped back.

Later cells see earlier definitions, as in a top-to-bottom run. Magics and shell escapes become
`pass` at the same indentation so line numbers (and the surrounding blocks) stay intact.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

from kerascheck.finding import Edit, Finding, Fix

_MAGIC_LINE = re.compile(r"^(\s*)(%|!|\?)")
_ASSIGN_MAGIC = re.compile(r"^(\s*)[\w.,\s]+=\s*[%!]")
_HELP = re.compile(r"^(\s*)[\w.]+\?\??\s*$")
# Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}


class NotebookError(Exception):
    pass


@dataclass
class Notebook:
    text: str  # the code cells joined, magics masked
    lines: list[tuple[int, int]]  # module line - 1 -> (code cell number, line within the cell), 1-based
    sources: dict[int, str] = field(default_factory=dict)  # code cell number -> original text

    def cell_texts(self) -> dict[int, str]:
        return dict(self.sources)


def _cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        if not all(isinstance(s, str) for s in src):
            raise NotebookError("a cell's source is not text")
        return "".join(src)
    if not isinstance(src, str):
        raise NotebookError("a cell's source is not text")
    return src


def _mask(lines: list[str]) -> list[str]:
    out = []
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic in _PYTHON_CELL_MAGICS:
            return ["pass"] + [_mask_line(line) for line in lines[1:]]
        return ["pass"] + ["" for _ in lines[1:]]
    for line in lines:
        out.append(_mask_line(line))
    return out


def _mask_line(line: str) -> str:
    for pattern in (_MAGIC_LINE, _ASSIGN_MAGIC, _HELP):
        m = pattern.match(line)
        if m:
            return m.group(1) + "pass"
    return line


def load(data: bytes) -> Notebook:
    try:
        nb = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotebookError(f"not a valid notebook (JSON): {exc}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError("not a valid notebook: no 'cells' list")
    chunks: list[str] = []
    mapping: list[tuple[int, int]] = []
    sources: dict[int, str] = {}
    number = 0
    for cell in nb["cells"]:
        if not isinstance(cell, dict):
            raise NotebookError("not a valid notebook: a cell is not an object")
        if cell.get("cell_type") != "code":
            continue
        number += 1
        text = _cell_source(cell)
        sources[number] = text
        # Only line breaks Python itself recognises (str.splitlines also splits on \x0c, U+2028...).
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for i, line in enumerate(_mask(lines), start=1):
            chunks.append(line)
            mapping.append((number, i))
    return Notebook("\n".join(chunks) + "\n" if chunks else "", mapping, sources)


def to_cell(nb: Notebook, f: Finding) -> Finding:
    """The finding with `cell` set and lines relative to that cell."""
    if not nb.lines:
        return f
    start = nb.lines[min(max(f.line, 1), len(nb.lines)) - 1]
    end = nb.lines[min(max(f.end_line, 1), len(nb.lines)) - 1]
    end_line, end_column = (end[1], f.end_column) if end[0] == start[0] else (start[1], f.column + 1)
    fix = f.fix
    if fix is not None:
        edits = []
        for e in fix.edits:
            a = nb.lines[min(max(e.line, 1), len(nb.lines)) - 1]
            b = nb.lines[min(max(e.end_line, 1), len(nb.lines)) - 1]
            if a[0] != start[0] or b[0] != start[0]:
                fix = None
                break
            edits.append(Edit(a[1], e.column, b[1], e.end_column, e.content))
        if fix is not None:
            fix = Fix(fix.message, fix.applicability, tuple(edits))
    return replace(f, line=start[1], end_line=end_line, end_column=end_column, cell=start[0], fix=fix)
