"""`concise`: one `path:line:col: CODE message` line per finding (flake8 / ruff concise style); in runtime
mode the verdict follows as ` [runtime: confirmed]` (its detail is in `full` and the JSON formats)."""

from __future__ import annotations

import re

from kerascheck.output import Report

_NEWLINES = re.compile(r"\r\n|\r|\n")


def render(report: Report) -> str:
    lines = []
    for f in report.findings:
        # One finding per line is the contract (grep, editors' error parsers): fold any line breaks.
        message = _NEWLINES.sub(" ", f.message)
        verdict = f" [runtime: {f.runtime['status']}]" if f.runtime and f.runtime.get("status") else ""
        lines.append(f"{f.location()}: {f.code} {message}{verdict}")
    return "".join(line + "\n" for line in lines)
