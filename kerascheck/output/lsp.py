"""`lsp`: LSP `PublishDiagnosticsParams` objects (one per file), 0-based, UTF-16 positions.

Notebooks: in LSP 3.17 each cell is its own text document, whose URI the client assigns (VS Code's
`vscode-notebook-cell:` URIs carry an internal handle), so a batch tool cannot name it. A notebook
gets one object per code cell with findings: `uri` is the notebook file, `cell` the 1-based code cell
(as in every format), `cellIndex` its 0-based index in the notebook's `cells` (= the index in
`NotebookDocument.cells`), and the ranges are positions in that cell's text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

from kerascheck import notebook
from kerascheck.catalogue import DOCS_URL, RuleMeta
from kerascheck.finding import Finding
from kerascheck.output import Report
from kerascheck.text import UTF16, split_lines, to_units

_SEVERITY = {"error": 1, "warning": 2, "info": 3}


def utf16_character(text: Optional[str], column: int) -> int:
    """0-based UTF-16 offset of the 1-based code-point `column` in `text` (column-1 without text)."""
    return to_units(text, max(column - 1, 0), UTF16)


def _position(lines: Optional[list[str]], line: int, column: int) -> dict[str, int]:
    text = None
    if lines is not None and 1 <= line <= len(lines):
        text = lines[line - 1]
    return {"line": max(line - 1, 0), "character": utf16_character(text, column)}


def diagnostic(f: Finding, catalogue: dict[str, RuleMeta], start: dict[str, int], end: dict[str, int]) -> dict[str, Any]:
    """An LSP `Diagnostic` (as JSON) for a finding, between the given 0-based positions. The editor
    server builds its diagnostics with this too, positions in its negotiated encoding."""
    meta = catalogue.get(f.code)
    href = meta.url if meta is not None else DOCS_URL.format(code=f.code)
    return {
        "range": {"start": start, "end": end},
        "severity": _SEVERITY.get(f.severity, 2),
        "code": f.code,
        "codeDescription": {"href": href},
        "source": "kerascheck",
        "message": f.message,
        "data": {"fix": f.fix.to_dict() if f.fix else None, "name": f.name,
                 **({"cell": f.cell} if f.cell is not None else {})},
    }


def _diagnostic(f: Finding, report: Report, lines: Optional[list[str]]) -> dict[str, Any]:
    return diagnostic(f, report.catalogue, _position(lines, f.line, f.column),
                      _position(lines, f.end_line, f.end_column))


def file_uri(root: Path, path: str) -> str:
    try:
        return (Path(root) / path).resolve().as_uri()
    except RuntimeError:  # a symlink loop (KC902) raises before Python 3.13
        return Path(root).absolute().joinpath(path).as_uri()


def build(report: Report) -> list[dict[str, Any]]:
    by_path: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_path.setdefault(f.path, []).append(f)
    out = []
    for path in sorted(by_path):
        uri = file_uri(report.root, path)
        plain = [f for f in by_path[path] if f.cell is None]
        if plain:
            source = report.sources.get(path)
            lines = split_lines(source) if source is not None else None
            out.append({"uri": uri, "diagnostics": [_diagnostic(f, report, lines) for f in plain]})
        out += _cells(report, path, uri, [f for f in by_path[path] if f.cell is not None])
    return out


def _cells(report: Report, path: str, uri: str, findings: list[Finding]) -> list[dict[str, Any]]:
    if not findings:
        return []
    indices: dict[int, int] = {}
    raw = report.sources.get(path)
    if raw is not None:
        try:
            indices = notebook.load(raw.encode("utf-8", "surrogatepass")).indices
        except notebook.NotebookError:
            pass
    by_cell: dict[int, list[Finding]] = {}
    for f in findings:
        by_cell.setdefault(f.cell, []).append(f)
    out = []
    for cell in sorted(by_cell):
        source = report.sources.get(f"{path}#cell{cell}")
        lines = split_lines(source) if source is not None else None
        entry: dict[str, Any] = {"uri": uri, "cell": cell}
        if cell in indices:
            entry["cellIndex"] = indices[cell]
        entry["diagnostics"] = [_diagnostic(f, report, lines) for f in by_cell[cell]]
        out.append(entry)
    return out


def render(report: Report) -> str:
    return json.dumps(build(report), indent=2) + "\n"
