"""`sarif`: a SARIF 2.1.0 log (GitHub code scanning, IDE SARIF viewers).

Paths are relative to `report.root` (`uriBaseId: %SRCROOT%`); columns are code points, declared
with `columnKind: unicodeCodePoints`; `endColumn` is exclusive, as in SARIF.

Notebooks: a region is a position in the artifact as stored, so a finding in a cell points at its
characters inside the .ipynb JSON text (what GitHub code scanning shows and fingerprints); the
location's `properties` carry the cell and the cell-relative region, as the other formats give them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePath
from typing import Any, Optional
from urllib.parse import quote

from kerascheck import notebook
from kerascheck.catalogue import RuleMeta
from kerascheck.finding import Edit, Finding
from kerascheck.output import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/kerascheck/kerascheck"
SRCROOT = "%SRCROOT%"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _root(report: Report) -> Path:
    return Path(os.path.abspath(report.root))


def root_uri(root: Path) -> str:
    uri = root.as_uri()
    return uri if uri.endswith("/") else uri + "/"


def artifact_location(path: str, root: Path) -> dict[str, Any]:
    """Relative to SRCROOT when the file is under the root, else an absolute file:// URI."""
    p = PurePath(path)
    if not p.is_absolute():
        p = root / p
    absolute = Path(os.path.normpath(p))
    try:
        rel = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(rel.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    line, column = max(line, 1), max(column, 1)
    end_line = max(end_line, line)
    end_column = max(end_column, 1)
    if end_line == line:
        end_column = max(end_column, column)  # a zero-length region is an insertion point
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _rule(meta: RuleMeta) -> dict[str, Any]:
    markdown = meta.markdown()
    rule: dict[str, Any] = {
        "id": meta.code,
        "name": meta.name,
        "shortDescription": {"text": meta.summary or meta.name},
        "fullDescription": {"text": str(meta.docs.get("what") or meta.summary or meta.name).strip()},
        "help": {"text": markdown, "markdown": markdown},
        "helpUri": meta.url,
        "defaultConfiguration": {"level": _LEVELS.get(meta.severity, "warning")},
        "properties": {"fix": meta.fix, "keras": list(meta.keras)},
    }
    if meta.removed:
        rule["properties"]["removed"] = True
    return rule


def _fix(f: Finding, location: dict[str, Any], cells: Optional[notebook.SourceMap]) -> Optional[dict[str, Any]]:
    if f.fix is None:
        return None

    def replacement(e: Edit) -> Optional[dict[str, Any]]:
        if f.cell is None:
            return {
                "deletedRegion": _region(e.line, e.column, e.end_line, e.end_column),
                "insertedContent": {"text": e.content},
            }
        # In a notebook the edit must become an edit of the JSON text: escaped, inside one string.
        raw = cells.replacement(f.cell, e) if cells is not None else None
        if raw is None:
            return None
        (line, column), (end_line, end_column), content = raw
        return {"deletedRegion": _region(line, column, end_line, end_column), "insertedContent": {"text": content}}

    replacements = [replacement(e) for e in f.fix.edits]
    if any(r is None for r in replacements):
        return None  # still in the JSON output, in cell coordinates
    return {
        "description": {"text": f.fix.message},
        "artifactChanges": [
            {"artifactLocation": dict(location), "replacements": replacements}
        ],
        "properties": {"applicability": f.fix.applicability},
    }


def _location(f: Finding, artifact: dict[str, Any], cells: Optional[notebook.SourceMap]) -> dict[str, Any]:
    region = _region(f.line, f.column, f.end_line, f.end_column)
    if f.cell is None:
        return {"physicalLocation": {"artifactLocation": artifact, "region": region}}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    start = cells.position(f.cell, f.line, f.column) if cells is not None else None
    end = cells.position(f.cell, f.end_line, f.end_column) if cells is not None else None
    if start is not None and end is not None:
        physical["region"] = _region(*start, *end)
    # Without the notebook's text there is no honest file region: the location is the whole file.
    properties: dict[str, Any] = {"cell": f.cell, "cellRegion": region}
    if cells is not None and f.cell in cells.indices:
        properties["cellIndex"] = cells.indices[f.cell]
    return {"physicalLocation": physical, "properties": properties}


def build_log(report: Report) -> dict[str, Any]:
    root = _root(report)
    rules = [_rule(meta) for _, meta in sorted(report.catalogue.items())]
    # Findings whose code has no catalogue entry still need a rule to point at.
    known = {r["id"] for r in rules}
    for f in report.findings:
        if f.code not in known:
            known.add(f.code)
            rules.append({"id": f.code, "name": f.name, "shortDescription": {"text": f.name}})
    rules.sort(key=lambda r: r["id"])
    index = {r["id"]: i for i, r in enumerate(rules)}

    maps: dict[str, Optional[notebook.SourceMap]] = {}
    results = []
    for f in report.findings:
        location = artifact_location(f.path, root)
        cells = None
        if f.cell is not None:
            if f.path not in maps:
                raw = report.sources.get(f.path)
                maps[f.path] = notebook.SourceMap(raw) if raw is not None else None
            cells = maps[f.path]
        result: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _LEVELS.get(f.severity, "warning"),
            "message": {"text": f.message},
            "locations": [_location(f, location, cells)],
        }
        fix = _fix(f, location, cells)
        if fix is not None:
            result["fixes"] = [fix]
        if f.runtime is not None:
            result["properties"] = {"runtime": f.runtime}
        related = f.extra.get("related")
        if related:  # the cause, in a module the file imports (facts/project.py)
            result["relatedLocations"] = [
                {"id": i, "physicalLocation": {"artifactLocation": artifact_location(r["path"], root),
                                               "region": _region(r["line"], r["column"], r["end_line"],
                                                                 r["end_column"])},
                 "message": {"text": r["message"]}}
                for i, r in enumerate(related)]
        results.append(result)

    driver: dict[str, Any] = {"name": "kerascheck"}
    if report.version:
        driver["version"] = report.version
    driver["informationUri"] = INFORMATION_URI
    driver["rules"] = rules
    run = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {SRCROOT: {"uri": root_uri(root)}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    return json.dumps(build_log(report), indent=2) + "\n"
