"""Output formats. Each format is one module with `render(report) -> str`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from kerascheck.catalogue import RuleMeta
from kerascheck.finding import Finding

# format name -> module under kerascheck.output
FORMATS = {
    "full": "full",
    "concise": "concise",
    "json": "json_format",
    "json-lines": "json_lines",
    "github": "github",
    "sarif": "sarif",
    "lsp": "lsp",
}


@dataclass
class Report:
    findings: list[Finding]  # sorted by path, line, column, code
    catalogue: dict[str, RuleMeta]  # code -> rule entry (docs, summary, hint, severity)
    sources: dict[str, str] = field(default_factory=dict)  # path (as in Finding.path) -> text
    root: Path = field(default_factory=Path.cwd)  # paths are shown relative to this
    version: str = ""
    files_checked: int = 0
    color: bool = False  # ANSI colour in the human formats (full, concise); see terminal.py


def render(fmt: str, report: Report) -> str:
    module = importlib.import_module(f"kerascheck.output.{FORMATS[fmt]}")
    return module.render(report)
