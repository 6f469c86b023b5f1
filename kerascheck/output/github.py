"""`github`: GitHub Actions workflow commands (`::error file=…::message`), shown as annotations.

GitHub places an annotation on a line of the file as stored, so a finding in a notebook cell points
at its characters in the .ipynb JSON text (as SARIF does); the title names the cell and its line."""

from __future__ import annotations

from typing import Optional

from kerascheck import notebook
from kerascheck.finding import Finding
from kerascheck.output import Report

_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message, as @actions/core does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property value, as @actions/core does."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _region(f: Finding, maps: dict[str, Optional[notebook.SourceMap]], report: Report) -> Optional[list]:
    """(line, col, endLine, endColumn) in the file as stored; None when a cell cannot be mapped."""
    if f.cell is None:
        return [f.line, f.column, f.end_line, f.end_column]
    if f.path not in maps:
        raw = report.sources.get(f.path)
        maps[f.path] = notebook.SourceMap(raw) if raw is not None else None
    cells = maps[f.path]
    start = cells.position(f.cell, f.line, f.column) if cells is not None else None
    end = cells.position(f.cell, f.end_line, f.end_column) if cells is not None else None
    return [*start, *end] if start is not None and end is not None else None


def render(report: Report) -> str:
    out = []
    maps: dict[str, Optional[notebook.SourceMap]] = {}
    for f in report.findings:
        level = _LEVELS.get(f.severity, "warning")
        title = f"{f.code} ({f.name})"
        if f.cell is not None:
            title += f" in cell {f.cell}, line {f.line}"
        region = _region(f, maps, report)
        props = [("file", f.path)]
        if region is not None:  # else: a file-level annotation rather than a wrong line
            props += [(key, str(value)) for key, value in zip(("line", "col", "endLine", "endColumn"), region)]
        props.append(("title", title))
        joined = ",".join(f"{key}={escape_property(value)}" for key, value in props)
        out.append(f"::{level} {joined}::{escape_data(f.message)}\n")
    return "".join(out)
