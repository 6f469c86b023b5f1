"""The rule catalogue: one YAML entry per rule under `rules/`, the source of every user-facing doc.

In a source checkout the catalogue is the top-level `rules/` folder; in a wheel it is packaged as
`kerascheck/_rules/` (see `[tool.hatch.build]` in pyproject.toml).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

CODE_RE = re.compile(r"^KC[0-9]{3}$")
NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SEVERITIES = ("error", "warning", "info")
FIX_KINDS = ("none", "safe", "unsafe")
KERAS_VERSIONS = ("2", "3")
DOC_SECTIONS = ("what", "why", "example", "use_instead")
DOCS_URL = "https://github.com/kerascheck/kerascheck/blob/main/docs/rules/{code}.md"


class CatalogueError(Exception):
    pass


@dataclass(frozen=True)
class Example:
    code: str
    line: Optional[int] = None  # invalid examples: the line the finding must be on
    keras: Optional[str] = None  # run the example under this Keras version ("2"/"3")
    fixed: Optional[str] = None


@dataclass(frozen=True)
class RuleMeta:
    code: str
    name: str
    summary: str
    message: str
    severity: str
    fix: str
    keras: tuple[str, ...]
    hint: str
    docs: dict[str, Any]
    valid: tuple[Example, ...]
    invalid: tuple[Example, ...]
    source: str
    removed: bool = False
    examples_exempt: Optional[str] = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)

    def markdown(self) -> str:
        """The rule's page, ruff style."""
        d = self.docs
        out = [f"# {self.name} ({self.code})", "", f"Severity: {self.severity} · Fix: {self.fix} · "
               f"Keras: {', '.join(self.keras)}", ""]
        sections = [("What it does", "what"), ("Why is this bad?", "why"), ("Example", "example"),
                    ("Use instead", "use_instead"), ("Known problems", "known_problems")]
        for title, key in sections:
            text = d.get(key)
            if not text:
                continue
            out.append(f"## {title}")
            if key in ("example", "use_instead"):
                out += ["```python", text.rstrip("\n"), "```"]
            else:
                out.append(text.rstrip("\n"))
            out.append("")
        refs = d.get("references") or []
        if refs:
            out.append("## References")
            out += [f"- {r}" for r in refs]
            out.append("")
        return "\n".join(out).rstrip("\n") + "\n"


def catalogue_dir() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "_rules"
    if packaged.is_dir():
        return packaged
    return here.parent / "rules"


def _examples(raw: Any, where: str, kind: str) -> tuple[Example, ...]:
    out = []
    for i, ex in enumerate(raw or []):
        if isinstance(ex, str):
            ex = {"code": ex}
        if not isinstance(ex, dict) or not isinstance(ex.get("code"), str):
            raise CatalogueError(f"{where}: examples.{kind}[{i}] needs a 'code' string")
        unknown = set(ex) - {"code", "line", "keras", "fixed"}
        if unknown:
            raise CatalogueError(f"{where}: examples.{kind}[{i}] has unknown keys {sorted(unknown)}")
        if kind == "invalid" and not isinstance(ex.get("line"), int):
            raise CatalogueError(f"{where}: examples.invalid[{i}] needs the expected 'line'")
        keras = ex.get("keras")
        if keras is not None and str(keras) not in KERAS_VERSIONS:
            raise CatalogueError(f"{where}: examples.{kind}[{i}].keras must be '2' or '3'")
        out.append(Example(ex["code"], ex.get("line"), None if keras is None else str(keras), ex.get("fixed")))
    return tuple(out)


_KEYS = {"code", "name", "summary", "message", "severity", "fix", "keras", "hint", "docs", "examples",
         "removed", "examples_exempt"}


def parse_entry(data: Any, where: str) -> RuleMeta:
    if not isinstance(data, dict):
        raise CatalogueError(f"{where}: a rule entry must be a mapping")
    unknown = set(data) - _KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("code", "name", "summary", "message", "severity", "fix", "keras", "docs"):
        if key not in data:
            raise CatalogueError(f"{where}: missing '{key}'")
    code, name = str(data["code"]), str(data["name"])
    if not CODE_RE.match(code):
        raise CatalogueError(f"{where}: bad code {code!r}")
    if not NAME_RE.match(name):
        raise CatalogueError(f"{where}: name {name!r} is not kebab-case")
    if data["severity"] not in SEVERITIES:
        raise CatalogueError(f"{where}: severity must be one of {SEVERITIES}")
    if data["fix"] not in FIX_KINDS:
        raise CatalogueError(f"{where}: fix must be one of {FIX_KINDS}")
    keras = tuple(str(v) for v in data["keras"])
    if not keras or any(v not in KERAS_VERSIONS for v in keras):
        raise CatalogueError(f"{where}: keras must list '2' and/or '3'")
    docs = data["docs"]
    if not isinstance(docs, dict) or any(not docs.get(s) for s in DOC_SECTIONS):
        raise CatalogueError(f"{where}: docs need {', '.join(DOC_SECTIONS)}")
    examples = data.get("examples") or {}
    return RuleMeta(
        code=code,
        name=name,
        summary=str(data["summary"]).strip(),
        message=str(data["message"]).strip(),
        severity=data["severity"],
        fix=data["fix"],
        keras=keras,
        hint=str(data.get("hint") or "").strip(),
        docs=docs,
        valid=_examples(examples.get("valid"), where, "valid"),
        invalid=_examples(examples.get("invalid"), where, "invalid"),
        source=where,
        removed=bool(data.get("removed", False)),
        examples_exempt=data.get("examples_exempt"),
    )


@functools.lru_cache(maxsize=None)
def load_catalogue(directory: Optional[str] = None) -> dict[str, RuleMeta]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = Path(directory) if directory else catalogue_dir()
    if not root.is_dir():
        raise CatalogueError(f"rule catalogue not found at {root}")
    entries: dict[str, RuleMeta] = {}
    names: dict[str, str] = {}
    for path in sorted(root.rglob("*.yaml")):
        where = str(path.relative_to(root))
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except yaml.YAMLError as exc:
            raise CatalogueError(f"{where}: invalid YAML: {exc}") from None
        meta = parse_entry(data, where)
        if meta.code in entries:
            raise CatalogueError(f"{where}: duplicate code {meta.code}")
        if meta.name in names:
            raise CatalogueError(f"{where}: duplicate name {meta.name}")
        entries[meta.code] = meta
        names[meta.name] = meta.code
    return dict(sorted(entries.items()))
