"""`json-lines`: one compact `Finding.to_dict()` object per line."""

from __future__ import annotations

import json

from kerascheck.output import Report


def render(report: Report) -> str:
    return "".join(json.dumps(f.to_dict()) + "\n" for f in report.findings)
