"""The rule catalogue: one YAML entry per rule under `rules/`, the source of every user-facing doc,
and of what runtime mode expects to observe of each rule's bug (`runtime:`, see RuntimeSpec): adding
a rule touches its check, its entry and its fixtures, never a second table.

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


RUNTIME_KINDS = ("trace", "runtime", "symptom", "silent", "unreached")
# The measurements runtime mode takes on one random batch (kerascheck/runtime/verdict.py SYMPTOMS),
# plus "warning": a Keras warning matching `warns`.
SYMPTOM_NAMES = ("constant_one", "constant_output", "loss_zero", "loss_not_finite", "zero_grads",
                 "missing_grads", "not_normalized", "not_probabilities", "warning")
PROBE_KINDS = ("lookup", "construct")


@dataclass(frozen=True)
class ExpectedError:
    """One error a rule's bug makes Keras raise: `type` is matched in full against the exception's
    class name, `text` searched in Keras's message (both regular expressions)."""

    type: str
    text: str

    def matches(self, type_name: str, message: str) -> bool:
        return re.fullmatch(self.type, type_name or "") is not None and re.search(self.text, message or "") is not None


@dataclass(frozen=True)
class RuntimeSpec:
    """What runtime mode can observe of a rule's bug (see ../shared/keras-truth*.md): the catalogue
    entry's `runtime:` mapping.

    kind: "trace"     an exception `fit` raises before its first step: the expected error confirms
                      it; a clean trace of the train step refutes it on the `always_raises` majors
          "runtime"   an exception that needs real values (labels out of range, a batch of 1):
                      confirmed when seen, never refuted
          "symptom"   a silent bug with a symptom measurable on one random batch, without training
          "silent"    a silent bug tracing cannot observe (it may still raise in some shapes or
                      versions: `raises` lists those errors)
          "unreached" the flagged code runs only while training or evaluating, which runtime
                      mode never does (a `probe` can still look the flagged name up, probes.py)
    raises: per Keras major, the errors that prove the bug; any other error proves nothing about it.
    """

    kind: str
    raises: tuple[tuple[str, tuple[ExpectedError, ...]], ...] = ()  # (("3", (ExpectedError, ...)), ...)
    always_raises: tuple[str, ...] = ()  # majors where a clean trace refutes the rule ("trace" only)
    symptom: Optional[str] = None
    warns: str = ""
    needs_target: bool = True  # refuting needs the loss traced on the target's spec
    refute_on_exec: bool = False  # the flagged line raises as soon as it runs (imports, constructors)
    note: str = ""  # the not-checked detail, when the default one would mislead
    probe: str = ""  # probes.py: "lookup" the flagged name on the built object, or "construct" it

    def expected(self, major: Any) -> tuple[ExpectedError, ...]:
        return next((errs for m, errs in self.raises if m == str(major)), ())

    def matches(self, major: Any, type_name: str, message: str) -> bool:
        return any(e.matches(type_name, message) for e in self.expected(major))

    @property
    def majors(self) -> tuple[int, ...]:
        return tuple(int(m) for m in self.always_raises)


@dataclass(frozen=True)
class Example:
    code: str
    line: Optional[int] = None  # invalid examples: the line the finding must be on
    keras: Optional[str] = None  # run the example under this Keras version ("2"/"3")
    fixed: Optional[str] = None
    also: tuple[int, ...] = ()  # invalid examples: the lines of this rule's further findings, if any

    @property
    def lines(self) -> tuple[int, ...]:
        """Every line the rule fires on in an invalid example, once per finding."""
        return tuple(sorted((self.line, *self.also))) if self.line is not None else ()


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
    runtime: Optional[RuntimeSpec] = None
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
        unknown = set(ex) - {"code", "line", "keras", "fixed", "also"}
        if unknown:
            raise CatalogueError(f"{where}: examples.{kind}[{i}] has unknown keys {sorted(unknown)}")
        if kind == "invalid" and not isinstance(ex.get("line"), int):
            raise CatalogueError(f"{where}: examples.invalid[{i}] needs the expected 'line'")
        keras = ex.get("keras")
        if keras is not None and str(keras) not in KERAS_VERSIONS:
            raise CatalogueError(f"{where}: examples.{kind}[{i}].keras must be '2' or '3'")
        also = ex.get("also") or []
        if kind != "invalid" and also or not isinstance(also, list) or not all(isinstance(n, int) for n in also):
            raise CatalogueError(f"{where}: examples.{kind}[{i}].also must list the lines of further findings "
                                 "(invalid examples only)")
        out.append(Example(ex["code"], ex.get("line"), None if keras is None else str(keras), ex.get("fixed"),
                           tuple(also)))
    return tuple(out)


_KEYS = {"code", "name", "summary", "message", "severity", "fix", "keras", "hint", "docs", "examples",
         "removed", "examples_exempt", "runtime"}
_RUNTIME_KEYS = {"kind", "raises", "always_raises", "symptom", "warns", "needs_target", "refute_on_exec", "note",
                 "probe"}


def _regex(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise CatalogueError(f"{where} must be a non-empty regular expression")
    try:
        re.compile(value)
    except re.error as exc:
        raise CatalogueError(f"{where} is not a valid regular expression: {exc}") from None
    return value


def _runtime(raw: Any, where: str) -> RuntimeSpec:
    where = f"{where}: runtime"
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where} must be a mapping")
    unknown = set(raw) - _RUNTIME_KEYS
    if unknown:
        raise CatalogueError(f"{where} has unknown keys {sorted(unknown)}")
    kind = raw.get("kind")
    if kind not in RUNTIME_KINDS:
        raise CatalogueError(f"{where}.kind must be one of {RUNTIME_KINDS}")
    raises = []
    raw_raises = raw.get("raises") or {}
    if not isinstance(raw_raises, dict):
        raise CatalogueError(f"{where}.raises must map a Keras major ('2'/'3') to its errors")
    for major, errs in raw_raises.items():
        major = str(major)
        if major not in KERAS_VERSIONS:
            raise CatalogueError(f"{where}.raises: {major!r} is not a Keras major ('2'/'3')")
        errs = [errs] if isinstance(errs, dict) else errs
        if not isinstance(errs, list) or not errs:
            raise CatalogueError(f"{where}.raises.{major} must be an error or a list of errors")
        out = []
        for i, err in enumerate(errs):
            at = f"{where}.raises.{major}[{i}]"
            if not isinstance(err, dict) or set(err) != {"type", "text"}:
                raise CatalogueError(f"{at} needs exactly 'type' and 'text'")
            out.append(ExpectedError(_regex(err["type"], f"{at}.type"), _regex(err["text"], f"{at}.text")))
        raises.append((major, tuple(out)))
    always = tuple(str(v) for v in raw.get("always_raises") or ())
    if kind == "trace" and "always_raises" not in raw:
        always = tuple(m for m, _ in raises)
    if kind != "trace" and always:
        raise CatalogueError(f"{where}.always_raises applies to kind 'trace' only")
    if any(m not in dict(raises) for m in always):
        raise CatalogueError(f"{where}.always_raises names a major without its expected error in 'raises'")
    if kind in ("trace", "runtime") and not raises:
        raise CatalogueError(f"{where}: a '{kind}' rule must declare the error it expects ('raises')")
    symptom = raw.get("symptom")
    if (kind == "symptom") != (symptom is not None):
        raise CatalogueError(f"{where}.symptom is required for kind 'symptom', and only for it")
    if symptom is not None and symptom not in SYMPTOM_NAMES:
        raise CatalogueError(f"{where}.symptom must be one of {SYMPTOM_NAMES}")
    warns = raw.get("warns", "")
    if (symptom == "warning") != bool(warns):
        raise CatalogueError(f"{where}.warns is required for symptom 'warning', and only for it")
    if warns:
        _regex(warns, f"{where}.warns")
    probe = raw.get("probe", "")
    if probe and probe not in PROBE_KINDS:
        raise CatalogueError(f"{where}.probe must be one of {PROBE_KINDS}")
    for key in ("needs_target", "refute_on_exec"):
        if key in raw and not isinstance(raw[key], bool):
            raise CatalogueError(f"{where}.{key} must be true or false")
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise CatalogueError(f"{where}.note must be text")
    return RuntimeSpec(kind, tuple(raises), always, symptom, warns, raw.get("needs_target", True),
                       raw.get("refute_on_exec", False), " ".join(note.split()), probe)


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
        runtime=_runtime(data["runtime"], where) if data.get("runtime") is not None else None,
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
