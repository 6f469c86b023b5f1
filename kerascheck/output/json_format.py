"""`json`: a list of `Finding.to_dict()` objects (the documented, stable contract)."""

from __future__ import annotations

import json

from kerascheck.output import Report


def render(report: Report) -> str:
    return json.dumps([f.to_dict() for f in report.findings], indent=2) + "\n"
