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
    analysis = Linter(settings).lint_bytes(data, display)      # the file's one analysis
    findings = check_file(path, analysis, python=sys.executable, timeout=60, memory_mb=8192)

Runtime mode works from the file's `Analysis` (its text, libcst tree, facts and positions): it never
parses or analyses the file again.

The child runs under a time limit (per file), an address-space cap, with sockets, subprocesses and
writes outside its temporary folder blocked, by audit hooks (child.py) and, on Linux, by the kernel
(sandbox.py: a user + network namespace, Landlock, seccomp; `sandbox="auto"|"require"|"off"`): a
script that hangs, exits, crashes, allocates without bound or tries to leave the sandbox becomes a
KC905 finding, never a hung linter. `device="cpu"` (default) or `"auto"` (the local GPU).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable, Optional

from kerascheck.analysis import Analysis
from kerascheck.finding import Finding
from kerascheck.runtime.runner import (INSTALL_HINT, RuntimeUnavailable, SandboxRefused, layer_summary, probe_sandbox,
                                       refusal, run_child, tensorflow_importable)
from kerascheck.runtime.sandbox import REQUIRED
from kerascheck.runtime.probes import find_probes
from kerascheck.runtime.slicer import Plan, build_plan
from kerascheck.runtime.verdict import NOT_CHECKED, PROBED, RUNTIME_CODE, Judge

__all__ = ["check_file", "check_available", "check_sandbox", "RuntimeUnavailable", "SandboxRefused", "RUNTIME_CODE",
           "DEFAULT_TIMEOUT", "DEFAULT_MEMORY_MB", "probe_sandbox", "layer_summary"]

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY_MB = 8192


def check_available(python: Optional[str] = None) -> None:
    """Raise RuntimeUnavailable (one printable line) unless `python` can import TensorFlow.
    Cheap (no TensorFlow import): call it once before checking many files."""
    python = python or sys.executable
    if not tensorflow_importable(python):
        where = "" if python == sys.executable else f" (in {python})"
        raise RuntimeUnavailable(INSTALL_HINT + where)


def check_sandbox(python: str, mode: str) -> list[str]:
    """Before any file: the sandbox layers this system offers, tried in a throwaway process. Returns
    the lines to warn with (what `auto` will run without; `off`'s warning); raises SandboxRefused
    (one printable line) when `require` meets a system without a required layer."""
    if mode == "off":
        return ["--runtime-sandbox off: the code runtime mode runs is held only by the audit-hook guards, "
                "which native code can bypass (see SECURITY.md)"]
    layers = probe_sandbox(python)
    _, missing = layer_summary(layers)
    if mode == "require":
        lacking = [(name, layers.get(name, {}).get("why", "")) for name in REQUIRED if not layers.get(name, {}).get("ok")]
        if lacking:
            raise SandboxRefused(refusal(lacking))
    return [f"runtime sandbox without {m}" for m in missing]


def plan_for(analysis: Analysis, findings: Optional[list[Finding]] = None) -> Optional[Plan]:
    """The slice and the static models of an analysed file, or None when it has no Keras model (or
    was never parsed). The plan also probes the names `findings` (default: the analysis's) flag that
    only training runs."""
    if not analysis.parsed:
        return None
    assert analysis.module is not None and analysis.facts is not None and analysis.positions is not None
    facts = analysis.facts
    if not facts.models:
        return None
    findings = analysis.findings if findings is None else findings
    positions = analysis.positions.all()
    probes = find_probes(analysis.module, positions, findings, PROBED, len(facts.models))
    plan = build_plan(analysis.module, facts, positions, tuple(sorted({p.root for p in probes if p.model is None})),
                      anchor=analysis.scope.anchor if analysis.scope is not None else None)
    plan.probes = probes
    return plan


def check_file(path: Path, analysis: Analysis, findings: Optional[list[Finding]] = None, *,
               python: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT,
               memory_mb: int = DEFAULT_MEMORY_MB, keras_versions: Optional[Iterable[str]] = None,
               sandbox: str = "auto", device: str = "cpu") -> list[Finding]:
    """The findings (default: the analysis's static ones) with `runtime` filled, plus any KC905
    findings, shown under the analysis's path.

    Raises RuntimeUnavailable when the interpreter cannot run the checks (no TensorFlow).
    `keras_versions` are the Keras majors the static run assumed (findings made for Keras 2 are not
    checked on a Keras 3 interpreter). `sandbox` (auto/require/off) and `device` (cpu/auto): see
    sandbox.py and child.py; each verdict says the device it ran on and the sandbox layers it had.
    Raises SandboxRefused (a RuntimeUnavailable) when `require` meets a system without a layer."""
    from kerascheck.catalogue import load_catalogue

    python = python or sys.executable
    findings = analysis.findings if findings is None else findings
    if any(f.code == "KC901" for f in findings) or analysis.source is None:
        return _mark(findings, "the file does not parse")
    plan = plan_for(analysis, findings)
    if plan is None:
        return _mark(findings, "no Keras model in this file")
    path = Path(path).resolve()
    plan.path = str(path)
    run = run_child(python, path, analysis.source, plan.job(), timeout, memory_mb, sandbox, device)
    judge = Judge(plan, run, load_catalogue(), set(keras_versions) if keras_versions else None, findings=findings)
    out = []
    for f in findings:
        f.runtime = judge.judge(f)
        out.append(f)
    out += judge.runtime_findings(analysis.path)
    where = {"device": run.device.get("name", "cpu"), "sandbox": layer_summary(run.sandbox.get("layers") or {})[0]}
    if run.device.get("note"):
        where["device-note"] = run.device["note"]
    for f in out:
        if f.runtime is not None:
            f.runtime = dict(f.runtime, **where, detail=device_note(f.runtime.get("detail", ""), where["device"]))
    out.sort(key=Finding.sort_key)
    return out


# TensorFlow's documentation of sparse_softmax_cross_entropy_with_logits: "on CPU, an exception is
# raised; on GPU, NaN is returned for the corresponding loss and backprop rows".
_RANGE_CHECK = "outside the valid range"


def device_note(detail: str, device: str) -> str:
    """Where the CPU and a GPU differ, the verdict says which one it saw."""
    if _RANGE_CHECK not in detail or device != "cpu":
        return detail
    return detail + " (measured on the CPU; on a GPU the same labels give NaN losses instead of this error)"


def _mark(findings: list[Finding], detail: str) -> list[Finding]:
    for f in findings:
        f.runtime = {"status": NOT_CHECKED, "detail": detail}
    return findings
