"""Jupyter notebooks: code cells in order as one module, IPython syntax masked, positions mapped back.

Later cells see earlier definitions, as in a top-to-bottom run. Each cell is read as IPython runs
it: a common leading indent is removed, magics, shell escapes (with their backslash continuation
lines), help lines and automagic commands (`ls ./data`, `pip install x`) become `pass` at the same
indentation, so line numbers (and the surrounding blocks) stay intact. A cell that still does not
parse is left out (later cells still see the earlier ones) and reported on its own.

Writing back (`--fix`) changes nothing but the `source` of the cells that changed: the file is
re-serialised only in the JSON style that reproduces it byte for byte, otherwise it is left alone.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import re
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from kerascheck.finding import Edit, Finding, Fix
from kerascheck.text import line_starts, source_lines

_MAGIC_LINE = re.compile(r"^(\s*)(%|!|\?)")
_ASSIGN_MAGIC = re.compile(r"^(\s*)[\w.,\s]+=\s*[%!]")
_HELP = re.compile(r"^(\s*)[\w.]+\?\??\s*$")
# Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}


class NotebookError(Exception):
    pass


# Magics and shell aliases IPython runs without `%` (automagic), when the line is not Python.
_AUTOMAGICS = frozenset({
    "alias", "autoreload", "bookmark", "cat", "cd", "clear", "conda", "cp", "dirs", "env", "history", "less",
    "lf", "lk", "ll", "load_ext", "ls", "lx", "mamba", "man", "matplotlib", "mkdir", "mv", "pip", "popd",
    "pushd", "pwd", "reload_ext", "reset", "rm", "rmdir", "run", "store", "time", "timeit", "who", "whos",
})
_INDENT = re.compile(r"^[ \t]+")


@dataclass
class Notebook:
    text: str  # the code cells joined, magics masked
    lines: list[tuple[int, int]]  # module line - 1 -> (code cell number, line within the cell), 1-based
    sources: dict[int, str] = field(default_factory=dict)  # code cell number -> original text
    masked: frozenset[int] = frozenset()  # module lines (1-based) that differ from the cell's text
    indices: dict[int, int] = field(default_factory=dict)  # code cell number -> 0-based index in `cells`
    # module line (1-based) -> characters of common leading indent IPython strips from it
    dedent: dict[int, int] = field(default_factory=dict)
    # code cells that do not parse even as IPython reads them: cell -> (line, column, message)
    broken: dict[int, tuple[int, int, str]] = field(default_factory=dict)

    def cell_texts(self) -> dict[int, str]:
        return dict(self.sources)

    def masked_lines(self, cell: int) -> list[str]:
        """The cell's original lines that were masked (magics, shell escapes), in order."""
        originals = source_lines(self.sources.get(cell, ""))
        return [originals[self.lines[n - 1][1] - 1] for n in sorted(self.masked) if self.lines[n - 1][0] == cell]


def _cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        if not all(isinstance(s, str) for s in src):
            raise NotebookError("a cell's source is not text")
        return "".join(src)
    if not isinstance(src, str):
        raise NotebookError("a cell's source is not text")
    return src


def _opaque(lines: list[str]) -> bool:
    """A cell magic whose body is not Python (`%%bash`, `%%writefile`): masked whole."""
    first = lines[0].strip() if lines else ""
    return first.startswith("%%") and (first[2:].split() or [""])[0] not in _PYTHON_CELL_MAGICS


def _leading_indent(lines: list[str]) -> list[int]:
    """IPython's leading_indent: the first non-blank line's indentation is removed from every line
    that starts with it. The characters removed from each line."""
    first = next((line for line in lines if line and not line.isspace()), "")
    m = _INDENT.match(first)
    if not m:
        return [0] * len(lines)
    space = m.group(0)
    return [len(space) if line.startswith(space) else 0 for line in lines]


def _mask(lines: list[str]) -> list[str]:
    """The cell's lines (already dedented) with IPython's own syntax replaced by `pass` or blanks."""
    if _opaque(lines):
        return ["pass"] + ["" for _ in lines[1:]]
    out: list[str] = []
    start = 0
    if lines and lines[0].strip().startswith("%%"):
        out, start = ["pass"], 1
    continued = False  # inside the backslash continuation of an escaped line
    starts = _logical_starts(lines[start:])
    for line, logical_start in zip(lines[start:], starts):
        if continued:
            out.append("")
        else:
            # IPython's escapes count only where a logical line starts: `% (a, b)` inside an open
            # bracket is Python's modulo.
            shown = _mask_line(line) if logical_start else line
            out.append(shown)
            if shown == line:
                continue
        continued = line.rstrip().endswith("\\")
    return out


def _logical_starts(lines: list[str]) -> list[bool]:
    """For each line: does a new logical line start there (no open bracket, no open triple-quoted
    string, no backslash continuation from the line before)? Escaped lines count as one line."""
    out = []
    depth, quote, continued = 0, "", False
    for line in lines:
        out.append(depth == 0 and not quote and not continued)
        if not quote and depth == 0 and not continued and _MAGIC_LINE.match(line):
            continued = line.rstrip().endswith("\\")
            continue  # a magic or shell line: its brackets and quotes are not Python's
        i, n = 0, len(line)
        while i < n:
            ch = line[i]
            if quote:
                if ch == "\\":
                    i += 2
                    continue
                if line.startswith(quote, i):
                    i += len(quote)
                    quote = ""
                    continue
                i += 1
                continue
            if ch == "#":
                break
            if ch in "\"'":
                quote = ch * 3 if line.startswith(ch * 3, i) else ch
                i += len(quote)
                continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth = max(0, depth - 1)
            i += 1
        if quote in ("'", '"'):
            quote = ""  # a single-quoted string cannot span lines (without a backslash)
        continued = line.rstrip().endswith("\\") and not line.lstrip().startswith("#")
    return out


def _mask_line(line: str) -> str:
    for pattern in (_MAGIC_LINE, _ASSIGN_MAGIC, _HELP):
        m = pattern.match(line)
        if m:
            return m.group(1) + "pass"
    return line


def _syntax_error(text: str) -> Optional[tuple[int, int, str]]:
    """Where the cell text fails to parse as Python (top-level `await` allowed, as IPython does),
    or None. A text CPython refuses but libcst reads (newer syntax) parses."""
    import ast

    try:
        compile(text, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        return None
    except SyntaxError as exc:
        error = (exc.lineno or 1, max(exc.offset or 1, 1), exc.msg)
    except (ValueError, RecursionError, MemoryError) as exc:
        error = (1, 1, f"{type(exc).__name__}: {exc}")
    try:
        import libcst as cst

        cst.parse_module(text)
        return None
    except Exception:
        return error


def _automagic(line: str) -> bool:
    """`ls ./data`, `pip install x`: a magic or shell alias written without `%`, which IPython runs
    only because the line is not Python."""
    stripped = line.strip()
    word = stripped.split(None, 1)[0] if stripped else ""
    return word in _AUTOMAGICS and _syntax_error(stripped) is not None


def _unmagic(line: str) -> str:
    if not _automagic(line):
        return line
    m = _INDENT.match(line)
    return (m.group(0) if m else "") + "pass"


def _cell(lines: list[str]) -> tuple[list[str], list[int], Optional[tuple[int, int, str]]]:
    """(the lines the module shows for one cell, the indent removed from each, the cell's syntax
    error when it does not parse even as IPython reads it)."""
    if _opaque(lines):
        return _mask(lines), [0] * len(lines), None
    cut = _leading_indent(lines)
    dedented = [line[n:] for line, n in zip(lines, cut)]
    shown = _mask(dedented)
    if _syntax_error("\n".join(shown) + "\n") is None:
        return shown, cut, None
    shown = [_unmagic(line) for line in shown]
    error = _syntax_error("\n".join(shown) + "\n")
    return shown, cut, error


def _parse(data: bytes) -> dict:
    try:
        nb = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise NotebookError(f"not a valid notebook (JSON): {exc}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError("not a valid notebook: no 'cells' list")
    if not all(isinstance(cell, dict) for cell in nb["cells"]):
        raise NotebookError("not a valid notebook: a cell is not an object")
    return nb


def _code_cells(nb: dict) -> list[tuple[int, dict]]:
    return [(i, cell) for i, cell in enumerate(nb["cells"]) if cell.get("cell_type") == "code"]


def load(data: bytes) -> Notebook:
    nb = _parse(data)
    cells = _code_cells(nb)
    sources = {number: _cell_source(cell) for number, (_, cell) in enumerate(cells, start=1)}
    result = from_sources(sources)
    result.indices = {number: index for number, (index, _) in enumerate(cells, start=1)}
    return result


def from_sources(sources: dict[int, str]) -> Notebook:
    """The module for code cell texts (numbered from 1, in order)."""
    chunks: list[str] = []
    mapping: list[tuple[int, int]] = []
    masked: set[int] = set()
    dedent: dict[int, int] = {}
    broken: dict[int, tuple[int, int, str]] = {}
    for number in sorted(sources):
        lines = source_lines(sources[number])
        shown_lines, cut, error = _cell(lines)
        if error is not None:
            # Left out whole: the other cells are linted as if it were not there.
            line, column, message = error
            broken[number] = (line, column + cut[line - 1] if 0 < line <= len(cut) else column, message)
            shown_lines = ["pass" if i == 0 else "" for i in range(len(lines))]
        opaque = error is not None or _opaque(lines)
        for i, (line, shown, n) in enumerate(zip(lines, shown_lines, cut), start=1):
            chunks.append(shown)
            mapping.append((number, i))
            if shown != line[n:] or opaque:
                masked.add(len(chunks))
            elif n:
                dedent[len(chunks)] = n
    text = "\n".join(chunks) + "\n" if chunks else ""
    return Notebook(text, mapping, dict(sources), frozenset(masked), dedent=dedent, broken=broken)


def to_cell(nb: Notebook, f: Finding) -> Finding:
    """The finding with `cell` set and lines relative to that cell."""
    if not nb.lines:
        return f
    first, last = min(max(f.line, 1), len(nb.lines)), min(max(f.end_line, 1), len(nb.lines))
    start, end = nb.lines[first - 1], nb.lines[last - 1]
    column = f.column + nb.dedent.get(first, 0)
    end_line, end_column = ((end[1], f.end_column + nb.dedent.get(last, 0)) if end[0] == start[0]
                            else (start[1], column + 1))
    return replace(f, line=start[1], column=column, end_line=end_line, end_column=end_column, cell=start[0],
                   fix=_cell_fix(nb, f.fix, start[0]))


def _cell_fix(nb: Notebook, fix: Optional[Fix], cell: int) -> Optional[Fix]:
    """The fix in cell coordinates, or None when it reaches another cell, a masked line (a magic
    must come back untouched) or past the text."""
    if fix is None:
        return None
    edits = []
    for e in fix.edits:
        lines = range(e.line, e.end_line + 1)
        if not lines or lines[0] < 1 or lines[-1] > len(nb.lines):
            return None
        if any(nb.lines[n - 1][0] != cell or n in nb.masked for n in lines):
            return None
        if "\n" in e.content and any(nb.dedent.get(n) for n in lines):
            return None  # inserted lines would miss the indent IPython removed from the cell
        edits.append(Edit(nb.lines[e.line - 1][1], e.column + nb.dedent.get(e.line, 0), nb.lines[e.end_line - 1][1],
                          e.end_column + nb.dedent.get(e.end_line, 0), e.content))
    return Fix(fix.message, fix.applicability, tuple(edits))


# -- writing back -------------------------------------------------------------------------------

def _styles(text: str):
    """json.dumps keyword sets that could have written `text`, most likely first (nbformat's own:
    indent=1, ensure_ascii=False)."""
    m = re.match(r"\s*[{\[]\r?\n([ \t]+)", text)
    indent = [m.group(1)] if m else [None]
    separators = [(",", ": "), (", ", ": ")] if m else [(", ", ": "), (",", ":")]
    for ind in indent:
        for seps in separators:
            for ascii_only in (False, True):
                yield {"indent": ind, "separators": seps, "ensure_ascii": ascii_only}


def _dump(nb: Any, style: dict, newline: str) -> str:
    out = json.dumps(nb, **style)
    return out.replace("\n", newline) if newline != "\n" else out


def dump(data: bytes, sources: dict[int, str]) -> bytes:
    """The notebook's bytes with the given code cells' sources replaced, everything else as it was.

    Raises NotebookError when the file's JSON style cannot be reproduced exactly (then writing it
    would change more than the sources) or the result does not read back to the same cells."""
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"not a valid notebook (JSON): {exc}") from None
    nb = _parse(data)
    body = text.strip()
    head, tail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
    newline = "\r\n" if "\r\n" in body else "\n"
    style = next((s for s in _styles(body) if _dump(nb, s, newline) == body), None)
    if style is None:
        raise NotebookError("its JSON layout cannot be reproduced exactly; not rewritten")
    cells = _code_cells(nb)
    for number, (_, cell) in enumerate(cells, start=1):
        if number in sources and sources[number] != _cell_source(cell):
            new = sources[number]
            # Jupyter stores lines with their line break (str.splitlines(True)); keep a string a string.
            cell["source"] = new.splitlines(True) if isinstance(cell.get("source"), list) else new
    out = (head + _dump(nb, style, newline) + tail).encode("utf-8")
    if bom:
        out = b"\xef\xbb\xbf" + out
    if load(out).sources != {n: sources.get(n, _cell_source(c)) for n, (_, c) in enumerate(cells, start=1)}:
        raise NotebookError("the rewritten notebook does not read back the same; not rewritten")
    return out


# -- positions inside the .ipynb file -----------------------------------------------------------

class _Located(str):
    """A JSON string value that remembers where its content sits in the raw text."""

    span: tuple[int, int]


def _scan_with_spans(raw: str) -> Any:
    decoder = json.JSONDecoder()
    plain = json.decoder.scanstring

    def parse_string(s: str, end: int, strict: bool = True):
        value, after = plain(s, end, strict)
        located = _Located(value)
        located.span = (end, after - 1)  # content only: after the opening quote, before the closing one
        return located, after

    decoder.parse_string = parse_string
    # The C scanner ignores parse_string; the Python one calls it for every string value.
    scan = json.scanner.py_make_scanner(decoder)
    start = len(raw) - len(raw.lstrip())
    value, _ = scan(raw, start)
    return value


class SourceMap:
    """Where each code cell's characters are in the raw .ipynb text (for formats such as SARIF,
    whose regions are positions in the file as stored)."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self._starts = line_starts(raw)
        self._cells: dict[int, tuple[str, list[int], list[int], list[int], int]] = {}
        self.indices: dict[int, int] = {}  # code cell number -> 0-based index in `cells`
        try:
            nb = _scan_with_spans(raw.lstrip("\ufeff"))
        except (ValueError, RecursionError, IndexError):
            return
        offset = len(raw) - len(raw.lstrip("\ufeff"))
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            return
        number = 0
        for index, cell in enumerate(nb["cells"]):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            number += 1
            self.indices[number] = index
            src = cell.get("source", "")
            tokens = src if isinstance(src, list) else [src]
            if not all(isinstance(t, _Located) for t in tokens):
                continue
            located = self._locate(raw, [(t, t.span[0] + offset, t.span[1] + offset) for t in tokens])
            if located is not None:
                self._cells[number] = located

    @staticmethod
    def _locate(raw: str, tokens: list[tuple[str, int, int]]):
        """(text, raw offset of each character, raw offset after it, its token, end of last token)."""
        text, starts, ends, owner = [], [], [], []
        for k, (value, a, b) in enumerate(tokens):
            i, count = a, 0
            while i < b:
                width = 1
                if raw[i] == "\\":
                    width = 2
                    if raw[i + 1] == "u":
                        width = 6
                        high = int(raw[i + 2:i + 6], 16)
                        if 0xD800 <= high < 0xDC00 and raw[i + 6:i + 8] == "\\u" and \
                                0xDC00 <= int(raw[i + 8:i + 12], 16) < 0xE000:
                            width = 12  # a surrogate pair decodes to one code point
                starts.append(i)
                ends.append(i + width)
                owner.append(k)
                i += width
                count += 1
            if count != len(value):
                return None
            text.append(value)
        if not tokens:
            return None
        return "".join(text), starts, ends, owner, tokens[-1][2]

    def _char(self, cell: int, line: int, column: int) -> Optional[int]:
        text = self._cells[cell][0]
        starts = line_starts(text)
        if not 1 <= line <= len(starts):
            return None
        return min(max(starts[line - 1] + column - 1, 0), len(text))

    def _line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1

    def position(self, cell: int, line: int, column: int) -> Optional[tuple[int, int]]:
        """1-based (line, column) in the raw file of a cell position; columns in code points."""
        if cell not in self._cells:
            return None
        o = self._char(cell, line, column)
        if o is None:
            return None
        _, starts, _, _, last = self._cells[cell]
        return self._line_col(starts[o] if o < len(starts) else last)

    def replacement(self, cell: int, e: Edit) -> Optional[tuple[tuple[int, int], tuple[int, int], str]]:
        """An edit as (start, end, JSON-escaped content) in the raw file, or None unless it lies
        inside one JSON string (replacing across strings would need the list rewritten)."""
        if cell not in self._cells:
            return None
        a, b = self._char(cell, e.line, e.column), self._char(cell, e.end_line, e.end_column)
        if a is None or b is None or b < a:
            return None
        _, starts, ends, owner, last = self._cells[cell]
        if a == b:
            start = end = starts[a] if a < len(starts) else last
        else:
            if owner[a] != owner[b - 1]:
                return None
            start, end = starts[a], ends[b - 1]
        return self._line_col(start), self._line_col(end), json.dumps(e.content, ensure_ascii=False)[1:-1]
