"""`github`: GitHub Actions workflow commands (`::error file=…::message`), shown as annotations."""

from __future__ import annotations

from kerascheck.output import Report

_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message, as @actions/core does."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property value, as @actions/core does."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    out = []
    for f in report.findings:
        level = _LEVELS.get(f.severity, "warning")
        props = [
            ("file", f.path),
            ("line", str(f.line)),
            ("col", str(f.column)),
            ("endLine", str(f.end_line)),
            ("endColumn", str(f.end_column)),
            ("title", f"{f.code} ({f.name})"),
        ]
        joined = ",".join(f"{key}={escape_property(value)}" for key, value in props)
        out.append(f"::{level} {joined}::{escape_data(f.message)}\n")
    return "".join(out)
