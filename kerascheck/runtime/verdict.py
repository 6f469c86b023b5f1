"""Turn the child's events into evidence: each static finding confirmed, refuted or not checked, and
the errors no rule predicted as KC905 findings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from kerascheck.catalogue import RuntimeSpec, load_catalogue
from kerascheck.finding import Finding, error_finding
from kerascheck.runtime.runner import ChildRun
from kerascheck.runtime.sandbox import SIGSYS
from kerascheck.runtime.slicer import Plan, StaticModel

RUNTIME_CODE = "KC905"
CONFIRMED, REFUTED, NOT_CHECKED = "confirmed", "refuted", "not-checked"
# Sandbox blocks that are not bugs of the user's model: they only stop the check.
_QUIET_KINDS = ("write", "process")
_HOSTILE_KINDS = ("exit", "socket", "signal", "sandbox", "memory", "recursion")


# --- what each rule predicts: its catalogue entry's `runtime:` mapping (catalogue.RuntimeSpec) -----------
_UNDECLARED = RuntimeSpec("silent", note="the rule declares nothing runtime mode can observe")


def expectation(code: str, catalogue: Optional[dict] = None) -> RuntimeSpec:
    meta = (load_catalogue() if catalogue is None else catalogue).get(code)
    return meta.runtime if meta is not None and meta.runtime is not None else _UNDECLARED


# --- measured symptoms ---------------------------------------------------------------------------------
def _constant_one(rec: dict) -> Optional[str]:
    for i, st in enumerate((rec.get("measure") or {}).get("outputs") or []):
        if st and st.get("all_equal") == 1.0:
            n = st["shape"][0] if st.get("shape") else "?"
            text = f"measured: output {i} is exactly 1.0 for all {n} random inputs (shape {tuple(st['shape'])})"
            warn = next((w for w in rec.get("warnings", []) if "softmax" in w), None)
            return text + (f"; Keras warns: {warn}" if warn else "")
    return None


def _constant_output(rec: dict) -> Optional[str]:
    for i, st in enumerate((rec.get("measure") or {}).get("outputs") or []):
        if st and st.get("constant"):
            return f"measured: output {i} is the same for every random input (min {st['min']:.4g}, max {st['max']:.4g})"
    return None


def _loss_zero(rec: dict) -> Optional[str]:
    m = rec.get("measure") or {}
    if m.get("loss") == 0.0:
        return "measured: the loss is exactly 0.0 on a random batch, so nothing trains"
    return None


def _loss_not_finite(rec: dict) -> Optional[str]:
    m = rec.get("measure") or {}
    if "loss_finite" in m and not m["loss_finite"]:
        return f"measured: the loss is {m.get('loss')} on a random batch at initialisation"
    return None


def _zero_grads(rec: dict) -> Optional[str]:
    g = (rec.get("measure") or {}).get("grads") or {}
    if g.get("variables") and g.get("zero", 0) + g.get("none", 0) == g["variables"]:
        return f"measured: all {g['variables']} gradients are zero or missing on a random batch, so nothing trains"
    return None


def _not_normalized(rec: dict) -> Optional[str]:
    for i, st in enumerate((rec.get("measure") or {}).get("outputs") or []):
        if st and st.get("sums_to_one") is False and st.get("min", -1) >= 0:
            return f"measured: output {i}'s scores do not sum to 1 over the classes (random input)"
    return None


def _not_probabilities(rec: dict) -> Optional[str]:
    for i, st in enumerate((rec.get("measure") or {}).get("outputs") or []):
        if st and "min" in st and (st["min"] < 0 or st["max"] > 1 or st.get("sums_to_one") is False):
            what = f"ranges over [{st['min']:.3g}, {st['max']:.3g}]" if st["min"] < 0 or st["max"] > 1 \
                else "does not sum to 1 over the classes"
            return f"measured: output {i} {what} on random input, so it is not a probability"
    return None


def _missing_grads(rec: dict) -> Optional[str]:
    g = (rec.get("measure") or {}).get("grads") or {}
    if g.get("none"):
        return f"measured: {g['none']} of {g['variables']} variables get no gradient ({', '.join(g['none_names'])})"
    return None


SYMPTOMS: dict[str, Callable[[dict], Optional[str]]] = {
    "constant_one": _constant_one,
    "constant_output": _constant_output,
    "loss_zero": _loss_zero,
    "loss_not_finite": _loss_not_finite,
    "zero_grads": _zero_grads,
    "missing_grads": _missing_grads,
    "not_normalized": _not_normalized,
    "not_probabilities": _not_probabilities,
}


# --- the verdicts -------------------------------------------------------------------------------------
@dataclass
class _Error:
    event: dict
    lines: list[int]  # script lines involved, innermost last
    where: str  # "statement" | "trace" | "crash"
    models: set[int] = field(default_factory=set)

    @property
    def text(self) -> str:
        e = self.event
        return f"{e.get('type', 'Error')}: {e.get('message', '')}".strip()

    @property
    def kind(self) -> str:
        return self.event.get("kind", "error")


def _overlaps(a: tuple[int, int], spans: list) -> bool:
    return any(s <= a[1] and a[0] <= e for s, e in spans)


def _spec_text(spec: Any) -> str:
    if isinstance(spec, str):
        return spec
    if isinstance(spec, (list, tuple)):
        return "[" + ", ".join(_spec_text(s) for s in spec) + "]"
    if isinstance(spec, dict):
        return "{" + ", ".join(f"{k}: {_spec_text(v)}" for k, v in spec.items()) + "}"
    return str(spec)


class Judge:
    def __init__(self, plan: Plan, run: ChildRun, catalogue: dict, linted_for: Optional[set[str]] = None,
                 findings: Optional[list[Finding]] = None) -> None:
        self.linted_for = linted_for
        # All the file's findings: an error proves the ones its rule declares, so they compete for it.
        self.findings: list[Finding] = list(findings or [])
        self._claimed: Optional[dict[int, list[Finding]]] = None
        self.plan = plan
        self.run = run
        self.catalogue = catalogue
        start = run.first("start") or {}
        self.major = start.get("major")
        self.version = f"Keras {start.get('keras', '?')} on TensorFlow {start.get('tf', '?')}"
        self.records: dict[int, dict] = {}  # static model id -> model event
        for ev in run.all("model"):
            for sid in ev.get("static") or []:
                self.records[sid] = ev
        self.unmatched = [ev for ev in run.all("model") if not ev.get("static")]
        self.errors = self._errors()
        self.stopped = self._stopped()

    # -- collecting -------------------------------------------------------------------------------
    def _errors(self) -> list[_Error]:
        out: list[_Error] = []
        for ev in self.run.all("stmt_error"):
            lines = list(ev.get("lines") or [])
            err = _Error(ev, lines or [ev["line"]], "statement")
            span = (ev["line"], ev.get("end_line", ev["line"]))
            for sm in self.plan.models:
                if _overlaps(span, sm.spans + sm.compile_spans) or any(_overlaps((ln, ln), sm.region) for ln in lines):
                    err.models.add(sm.id)
            out.append(err)
        for ev in self.run.all("model"):
            if "error" in ev:
                err = _Error(ev["error"], list(ev["error"].get("lines") or []), "trace", models=set(ev.get("static") or []))
                err.event = dict(ev["error"], rid=ev.get("rid"), record=ev)
                out.append(err)
            batch = (ev.get("measure") or {}).get("batch_error")
            if batch is None and ev.get("y") and ev.get("measure_error"):
                batch = ev["measure_error"]  # the loss itself failed on values shaped like the script's targets
            if batch:  # the loss and metrics on one random batch shaped like the script's data
                out.append(_Error(dict(batch, rid=ev.get("rid"), record=ev), list(batch.get("lines") or []),
                                  "batch", models=set(ev.get("static") or [])))
        return out

    def _stopped(self) -> Optional[_Error]:
        """The child did not finish: a hang, a crash, os._exit, the memory cap."""
        run = self.run
        if run.finished:
            return None
        last = next((e for e in reversed(run.events) if e.get("ev") in ("exec", "phase")), None)
        lines: list[int] = []
        if last and last["ev"] == "exec":
            lines = [last["line"]]
            where = f" while running line {last['line']}"
        elif last:
            where = f" while {'tracing' if last['phase'] == 'trace' else 'measuring'} a model"
        else:
            where = ""
        dump = _dump_lines(run.log, self.plan)
        if dump:  # faulthandler's traceback: innermost first
            where += f" (it was at line {dump[0]})" if not lines or dump[0] != lines[0] else ""
            lines = lines + [dump[0]]
        rc = run.returncode
        if run.timed_out:
            kind, text = "timeout", f"the script did not finish within the time limit{where}"
        elif rc is not None and rc == -SIGSYS:
            kind = "sandbox"
            text = (f"the runtime sandbox stopped the script: it made a system call the sandbox forbids "
                    f"(a new process, a network socket, a signal to another process; SIGSYS){where}")
        elif rc is not None and rc < 0:
            sig = _signal_name(-rc)
            memory = re.search(r"MemoryError|bad_alloc|Cannot allocate memory|out of memory", run.log)
            kind = "memory" if memory else "crash"
            text = (f"the script ran out of memory under the memory cap and the process died ({sig}){where}"
                    if memory else f"the script crashed the Python process ({sig}){where}")
        else:
            kind, text = "exit", f"the script ended the process (exit status {rc}){where}"
        ev = {"type": kind, "message": text, "kind": kind}
        return _Error(ev, lines, "crash")

    # -- which error proves which finding ------------------------------------------------------------
    def _direct_models(self, f: Finding) -> set[int]:
        span = (f.line, f.end_line or f.line)
        return {sm.id for sm in self.plan.models if _overlaps(span, sm.region + sm.spans + sm.compile_spans)}

    def _tie(self, f: Finding, e: _Error) -> Optional[str]:
        """How the error is tied to the finding: "line" (a script line of its traceback lies in the
        finding's span), "model" (it came from the model the finding is about), or None."""
        span = (f.line, f.end_line or f.line)
        if any(span[0] <= ln <= span[1] for ln in e.lines):
            return "line"
        if e.models & self._direct_models(f):
            return "model"
        return None

    def _applies(self, f: Finding) -> bool:
        """The finding is a rule's prediction this interpreter's Keras can check."""
        if f.code.startswith("KC9"):
            return False
        meta = self.catalogue.get(f.code)
        if self.major is not None:
            if meta is not None and str(self.major) not in meta.keras:
                return False
            if self.linted_for and str(self.major) not in self.linted_for:
                return False
        return True

    def _proves(self, f: Finding, e: _Error) -> bool:
        """The error is the one the finding's rule declares for this Keras (type and text)."""
        if e.kind in _HOSTILE_KINDS or e.kind in _QUIET_KINDS or not _is_evidence(e):
            return False
        spec = expectation(f.code, self.catalogue)
        return spec.matches(self.major, e.event.get("type", ""), e.event.get("message", ""))

    def _claims(self) -> dict[int, list[Finding]]:
        """Error index -> the findings it proves: those whose declared error it is, tied to it by a
        line of its traceback, else by their model. An error proves no finding but these."""
        if self._claimed is None:
            self._claimed = {}
            findings = [f for f in self.findings if self._applies(f)]
            for i, e in enumerate(self.errors):
                cands = [(f, self._tie(f, e)) for f in findings if self._proves(f, e)]
                cands = [(f, tie) for f, tie in cands if tie]
                by_line = [f for f, tie in cands if tie == "line"]
                owners = by_line or [f for f, _ in cands]
                if owners:
                    self._claimed[i] = owners
        return self._claimed

    # -- findings -------------------------------------------------------------------------------------
    def models_of(self, f: Finding) -> list[StaticModel]:
        ids = self._direct_models(f)
        return [sm for sm in self.plan.models if sm.id in ids]

    def judge(self, f: Finding) -> dict[str, str]:
        if f.code.startswith("KC9"):
            return _verdict(NOT_CHECKED, "a linter diagnostic, not a Keras bug")
        meta = self.catalogue.get(f.code)
        expect = expectation(f.code, self.catalogue)
        if self.major is not None:
            if meta is not None and str(self.major) not in meta.keras:
                return _verdict(NOT_CHECKED, f"the rule applies to Keras {', '.join(meta.keras)}; "
                                             f"the interpreter runs {self.version}")
            if self.linted_for and str(self.major) not in self.linted_for:
                return _verdict(NOT_CHECKED, f"linted for Keras {', '.join(sorted(self.linted_for))}; "
                                             f"the interpreter runs {self.version}")
        if not any(g is f for g in self.findings):  # judged one by one: it competes with those judged before
            self.findings.append(f)
            self._claimed = None
        probed = self._probe(f, expect)
        if probed is not None:
            return probed
        models = self.models_of(f)
        span = (f.line, f.end_line or f.line)
        claims = self._claims()
        # 1. The error its rule declares for this Keras, tied to it: confirmed.
        mine = [self.errors[i] for i, owners in claims.items() if any(g is f for g in owners)]
        if mine:
            return _verdict(CONFIRMED, self._raised(mine[0]))
        # 2. Any other error on its model or lines stopped the check before it could show.
        raises = expect.kind in ("trace", "runtime") or bool(expect.raises)
        errors = [e for e in self.errors if _is_evidence(e) and self._tie(f, e) and (e.where != "batch" or raises)]
        if errors:
            return _verdict(NOT_CHECKED, f"the check stopped at another error first: {errors[0].text}")
        if expect.kind == "unreached":
            return _verdict(NOT_CHECKED, "the flagged code runs only while the script trains or evaluates, "
                                         "which runtime mode never does")
        if expect.kind == "silent":
            return _verdict(NOT_CHECKED, expect.note or
                            "a silent bug: tracing fit without training or data cannot observe it")
        if expect.refute_on_exec and self.major in expect.majors and self.executed_ok(span):
            return _verdict(REFUTED, f"line {f.line} ran on {self.version} without error")
        if not models:
            return _verdict(NOT_CHECKED, "not tied to a model the runtime check builds")
        recs = [self.records[m.id] for m in models if m.id in self.records]
        if not recs:
            return _verdict(NOT_CHECKED, self._why_unbuilt(models))
        rec = recs[0]
        if rec.get("skipped"):
            return _verdict(NOT_CHECKED, f"the model was built but not traced: {rec['skipped']}")
        # 3. A measured symptom.
        if expect.kind == "symptom":
            for r in recs:
                evidence = self._symptom(expect, r)
                if evidence:
                    return _verdict(CONFIRMED, f"{evidence} ({self.version}, no training)")
            if "measure_error" in rec:
                return _verdict(NOT_CHECKED, f"measuring failed: {rec['measure_error'].get('message')}")
            return _verdict(NOT_CHECKED, f"the symptom ({expect.symptom}) did not show on one random batch "
                                         "before training")
        if expect.kind == "runtime":
            return _verdict(NOT_CHECKED, "this error needs real values (labels, a partial batch); "
                                         "the trace raised nothing")
        # 4. A predicted exception that did not happen.
        if self.major not in expect.majors:
            shows = ", ".join(map(str, expect.majors))
            return _verdict(NOT_CHECKED, f"the error shows at trace time on Keras {shows} only; "
                                         f"the interpreter runs {self.version}" if shows else
                            f"the error does not show at trace time on {self.version}")
        if rec.get("traced") != "train_step" and expect.needs_target:
            why = "the model is not compiled with a loss" if not rec.get("has_loss") else \
                "the target's shape and dtype are not known statically"
            return _verdict(NOT_CHECKED, f"only the forward pass was traced: {why}")
        traced = "fit's train step" if rec.get("traced") == "train_step" else "the forward pass"
        data = f"x {_spec_text(rec.get('x'))}" + (f", y {_spec_text(rec.get('y'))}" if rec.get("y") else "")
        if any(a <= f.line <= b for sm in models for a, b in sm.untraced_feeds):
            # `fit(x_ok)` then `predict(x[0])`: the trace ran on the other call's data
            return _verdict(NOT_CHECKED, f"traced {traced} with another call's data ({data}); the data of "
                                         f"line {f.line} is not traced")
        return _verdict(REFUTED, f"traced {traced} on {self.version} with {data}: no error")

    def _probe(self, f: Finding, expect: RuntimeSpec) -> Optional[dict[str, str]]:
        """The verdict of the probe of this finding (probes.py), None when there is none to give. Only
        the error the rule declares for this Keras confirms it."""
        probe = next((p for p in self.plan.probes if (p.code, p.line, p.column) == (f.code, f.line, f.column)), None)
        ev = next((e for e in self.run.all("probe") if probe is not None and e.get("id") == probe.id), None)
        if ev is None or ev.get("skipped"):
            return None
        where = f"on the {ev.get('type', 'object')} the script builds"
        if "error" in ev:
            err = ev["error"]
            text = f"{err.get('type', 'Error')}: {err.get('message', '')}"
            doing = f"making `{probe.text}` alone" if probe.kind == "construct" else f"looking up `{probe.text}` {where}"
            if not expect.matches(self.major, err.get("type", ""), err.get("message", "")):
                return _verdict(NOT_CHECKED, f"{self.version} raises {doing}, but not the error the rule "
                                             f"predicts: {text}")
            return _verdict(CONFIRMED, f"{self.version} raises {doing} (without training): {text}")
        if probe.kind == "construct":
            return None  # it may still fail or misbehave where the script uses it
        if expect.expected(self.major):
            return _verdict(REFUTED, f"`{probe.text}` exists {where} on {self.version}")
        return None

    def _symptom(self, expect: RuntimeSpec, rec: dict) -> Optional[str]:
        if expect.symptom == "warning":
            hit = next((w for w in rec.get("warnings", []) if re.search(expect.warns, w)), None)
            return f"Keras warns while tracing fit: {hit}" if hit else None
        fn = SYMPTOMS.get(expect.symptom or "")
        evidence = fn(rec) if fn else None
        if evidence and (rec.get("measure") or {}).get("targets") == "guessed" and expect.symptom in (
                "loss_zero", "loss_not_finite", "zero_grads", "missing_grads"):
            evidence += " (random targets shaped like the output)"
        return evidence

    def executed_ok(self, span: tuple[int, int]) -> bool:
        """A statement overlapping `span` (not a def or class) ran without raising."""
        failed = {e.event.get("line") for e in self.errors if e.where == "statement"}
        return any(not ev.get("definition") and ev["line"] not in failed and
                   ev["line"] <= span[1] and span[0] <= ev.get("end_line", ev["line"])
                   for ev in self.run.all("exec"))

    def _raised(self, e: _Error) -> str:
        if e.where == "batch":
            rec = e.event.get("record") or {}
            data = f"x {_spec_text(rec.get('x'))}" + (f", y {_spec_text(rec.get('y'))}" if rec.get("y") else "")
            return f"{self.version} raises computing the loss and metrics on one random batch ({data}): {e.text}"
        if e.where == "trace":
            rec = e.event.get("record") or {}
            data = f"x {_spec_text(rec.get('x'))}" + (f", y {_spec_text(rec.get('y'))}" if rec.get("y") else "")
            return f"{self.version} raises tracing fit's train step ({data}): {e.text}"
        return f"{self.version} raises running line {e.event.get('line')}: {e.text}"

    def _why_unbuilt(self, models: list[StaticModel]) -> str:
        for m in models:
            if m.reason:
                return f"the model is not built: {m.reason}"
        if self.stopped is not None:
            return f"the runtime check stopped: {self.stopped.event['message']}"
        for e in self.errors:
            if e.where == "statement" and e.models & {m.id for m in models}:
                return f"building the model failed at line {e.event.get('line')}: {e.text}"
        return "the slice did not build the model"

    # -- KC905 ------------------------------------------------------------------------------------------
    def runtime_findings(self, display: str) -> list[Finding]:
        out = []
        claims = self._claims()
        # a batch error only confirms a prediction: random values shaped like the data are not the data
        errors = [e for i, e in enumerate(self.errors) if i not in claims and e.where != "batch" and _is_evidence(e)]
        if self.stopped is not None:
            errors.append(self.stopped)
        seen = set()
        for e in errors:
            line = self._line_of(e)
            if e.where == "crash":
                detail = e.event["message"]
            elif e.kind in _HOSTILE_KINDS:
                at = f"line {line}" if line else "an unknown line"
                during = "while fit's train step was traced" if e.where == "trace" else \
                    f"running line {e.event.get('line')}"
                detail = f"{e.event['message']} ({during}, at {at})"
            elif e.where == "trace":
                detail = self._raised(e)
            else:
                detail = f"{self.version} raises running line {e.event.get('line')}: {e.text}"
            key = (line, detail)
            if key in seen:
                continue
            seen.add(key)
            out.append(self._finding(display, line or 1, detail))
        return out

    def _line_of(self, e: _Error) -> Optional[int]:
        if e.lines:
            return e.lines[-1]
        if e.where == "trace":
            for sid in sorted(e.models):
                sm = self.plan.models[sid]
                if sm.compile_spans:
                    return sm.compile_spans[0][0]
                if sm.spans:
                    return sm.spans[0][0]
        return e.event.get("line")

    def _finding(self, display: str, line: int, detail: str) -> Finding:
        return error_finding(self.catalogue[RUNTIME_CODE], display, line, detail=detail,
                             runtime={"status": CONFIRMED, "detail": detail})


PROBED = {code: m.runtime.probe for code, m in load_catalogue().items() if m.runtime is not None and m.runtime.probe}


def _is_evidence(e: _Error) -> bool:
    """An error of the user's model: Keras's own, the trace's, or a hostile act (not a sandbox block
    of a write or a process, and not the user's own code failing outside Keras)."""
    return e.kind not in _QUIET_KINDS and bool(e.event.get("keras") or e.where in ("trace", "batch")
                                                or e.kind in _HOSTILE_KINDS)


def _verdict(status: str, detail: str) -> dict[str, str]:
    return {"status": status, "detail": detail}


def _signal_name(num: int) -> str:
    import signal

    try:
        return signal.Signals(num).name
    except ValueError:
        return f"signal {num}"


def _dump_lines(log: str, plan: Plan) -> list[int]:
    """Script lines in the last faulthandler dump of the log (most recent call first)."""
    idx = max(log.rfind("Fatal Python error"), log.rfind("Current thread"), log.rfind("Thread 0x"),
              log.rfind("Stack (most recent call first)"))
    if idx < 0:
        return []
    path = plan.path
    return [int(n) for f, n in re.findall(r'File "([^"]+)", line (\d+)', log[idx:]) if f == path]
