"""`concise`: one `path:line:col: CODE message` line per finding (flake8 / ruff concise style)."""

from __future__ import annotations

from kerascheck.output import Report
from kerascheck.text import LINE_BREAK


def render(report: Report) -> str:
    lines = []
    for f in report.findings:
        # One finding per line is the contract (grep, editors' error parsers): fold any line breaks.
        message = LINE_BREAK.sub(" ", f.message)
        lines.append(f"{f.location()}: {f.code} {message}")
    return "".join(line + "\n" for line in lines)
