"""Runtime mode (`kerascheck --runtime`): turn a static prediction into evidence.

For a file with Keras models, a separate Python process (the user's interpreter, `--python`) runs
only the slice of the script that builds and compiles the models (see slicer.py), then traces what
`fit` would compute on symbolic inputs and targets: no data, no training, no file or network I/O.
It then computes the loss and metrics once on a random batch shaped like the script's data (errors
that need a known batch size), and looks up the names the script uses only while training
(`model.fit_generator`, `metric.reset_states`, `fit(workers=...)`) on the objects it built (probes.py).
Each static finding gets `runtime = {"status": "confirmed"|"refuted"|"not-checked", "detail": ...}`;
errors the trace hits that no rule predicted become KC905 (`runtime-error`) findings.

    from kerascheck.runtime import check_file, RuntimeUnavailable
    findings = check_file(path, source, findings, python=sys.executable, timeout=60, memory_mb=8192)

The child runs under a time limit (per file), an address-space cap, with sockets, subprocesses and
writes outside its temporary folder blocked: a script that hangs, exits, crashes or allocates
without bound becomes a KC905 finding, never a hung linter. These guards stop accidents, not an
attacker: runtime mode runs the user's own code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable, Optional

import libcst as cst

from kerascheck.finding import Finding
from kerascheck.runtime.runner import INSTALL_HINT, RuntimeUnavailable, run_child, tensorflow_importable
from kerascheck.runtime.probes import find_probes
from kerascheck.runtime.slicer import Plan, build_plan
from kerascheck.runtime.verdict import NOT_CHECKED, PROBED, RUNTIME_CODE, Judge

__all__ = ["check_file", "check_available", "RuntimeUnavailable", "RUNTIME_CODE", "DEFAULT_TIMEOUT",
           "DEFAULT_MEMORY_MB"]

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY_MB = 8192


def check_available(python: Optional[str] = None) -> None:
    """Raise RuntimeUnavailable (one printable line) unless `python` can import TensorFlow.
    Cheap (no TensorFlow import): call it once before checking many files."""
    python = python or sys.executable
    if not tensorflow_importable(python):
        where = "" if python == sys.executable else f" (in {python})"
        raise RuntimeUnavailable(INSTALL_HINT + where)


def plan_for(source: str, module: Optional[cst.Module] = None,
             findings: Optional[list[Finding]] = None) -> Optional[Plan]:
    """The slice and the static models of one file, or None when it has no Keras model. With the
    file's static `findings`, the plan also probes the names they flag that only training runs."""
    from kerascheck.facts.interp import analyze

    if module is None:
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError:
            return None
    facts = analyze(module)
    if not facts.models:
        return None
    probes = find_probes(module, findings or [], PROBED, len(facts.models))
    plan = build_plan(module, facts, tuple(sorted({p.root for p in probes if p.model is None})))
    plan.probes = probes
    return plan


def check_file(path: Path, source: str, findings: list[Finding], *, python: Optional[str] = None,
               timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
               display: Optional[str] = None, module: Optional[cst.Module] = None,
               keras_versions: Optional[Iterable[str]] = None) -> list[Finding]:
    """`findings` (the static ones for this file) with `runtime` filled, plus any KC905 findings.

    Raises RuntimeUnavailable when the interpreter cannot run the checks (no TensorFlow). Pass the
    already-parsed `module` to save a parse; `display` is the path shown in findings (default: the
    static findings' path, else `path`); `keras_versions` are the Keras majors the static run assumed
    (findings made for Keras 2 are not checked on a Keras 3 interpreter)."""
    from kerascheck.catalogue import load_catalogue

    python = python or sys.executable
    display = display or (findings[0].path if findings else str(path))
    if any(f.code == "KC901" for f in findings):
        return _mark(findings, "the file does not parse")
    plan = plan_for(source, module, findings)
    if plan is None:
        return _mark(findings, "no Keras model in this file")
    path = Path(path).resolve()
    plan.path = str(path)
    run = run_child(python, path, source, plan.job(), timeout, memory_mb)
    judge = Judge(plan, run, load_catalogue(), set(keras_versions) if keras_versions else None, findings=findings)
    out = []
    for f in findings:
        f.runtime = judge.judge(f)
        out.append(f)
    out += judge.runtime_findings(display)
    out.sort(key=Finding.sort_key)
    return out


def _mark(findings: list[Finding], detail: str) -> list[Finding]:
    for f in findings:
        f.runtime = {"status": NOT_CHECKED, "detail": detail}
    return findings
