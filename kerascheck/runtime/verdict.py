"""Turn the child's events into evidence: each static finding confirmed, refuted or not checked, and
the errors no rule predicted as KC905 findings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from kerascheck.finding import Finding, error_finding
from kerascheck.runtime.runner import ChildRun
from kerascheck.runtime.slicer import Plan, StaticModel

RUNTIME_CODE = "KC905"
CONFIRMED, REFUTED, NOT_CHECKED = "confirmed", "refuted", "not-checked"
# Sandbox blocks that are not bugs of the user's model: they only stop the check.
_QUIET_KINDS = ("write", "process")
_HOSTILE_KINDS = ("exit", "socket", "memory", "recursion")


# --- what each rule predicts --------------------------------------------------------------------------
@dataclass(frozen=True)
class Expect:
    """What runtime mode can observe of a rule's bug (see ../shared/keras-truth*.md).

    kind: "trace"     an exception `fit` raises before its first step: a trace (or the slice) that
                      raises confirms it; a clean trace of the train step refutes it
          "runtime"   an exception that needs real values (labels out of range, a batch of 1):
                      confirmed when seen, never refuted
          "symptom"   a silent bug with a symptom measurable on one random batch, without training
          "silent"    a silent bug tracing cannot observe
          "unreached" the flagged code runs only while training or evaluating, which runtime
                      mode never does (a `probe` can still look the flagged name up, probes.py)
    """

    kind: str
    patterns: tuple[str, ...] = ()  # regexes; one must match Keras's text (empty: any error)
    symptom: Optional[str] = None  # a name in SYMPTOMS, or "warning" (a Keras warning matching `warns`)
    warns: str = ""
    majors: tuple[int, ...] = (2, 3)  # Keras majors where the error shows at trace time
    needs_target: bool = True  # refuting needs the loss traced on the target's spec
    also_raises: bool = False  # a silent bug that raises in some shapes/versions: an error confirms it
    refute_on_exec: bool = False  # the flagged line raises as soon as it runs (imports, constructors)
    note: str = ""  # the not-checked detail, when the default one would mislead
    probe: str = ""  # probes.py: "lookup" the flagged name on the built object, or "construct" it


_SHAPE = r"rank|shape|[Ii]ncompatible|[Dd]imensions must be equal|[Ee]xpected"
EXPECT: dict[str, Expect] = {
    # KC1xx outputs and shapes
    "KC101": Expect("trace", majors=(3,)),  # K2 fails only at run time on a batch of 1
    "KC102": Expect("trace", majors=(3,)),  # K2 trains silently on the wrong target
    "KC103": Expect("symptom", symptom="missing_grads", also_raises=True),
    "KC104": Expect("trace", patterns=(_SHAPE,), needs_target=False),
    # KC2xx loss / activation pairing
    "KC201": Expect("symptom", symptom="constant_one"),
    "KC202": Expect("symptom", symptom="loss_zero"),
    "KC203": Expect("symptom", symptom="not_normalized"),
    "KC204": Expect("silent"),
    "KC205": Expect("symptom", symptom="not_probabilities"),
    "KC206": Expect("symptom", symptom="warning", warns=r"from_logits=True"),
    "KC207": Expect("trace", patterns=(_SHAPE,)),
    "KC208": Expect("trace", patterns=(_SHAPE,)),
    # KC3xx metrics
    "KC301": Expect("silent", also_raises=True),  # K2 raises at run time (labels out of bound)
    "KC302": Expect("silent", also_raises=True),  # sparse masks vs probabilities raise in fit
    "KC303": Expect("runtime"),
    "KC304": Expect("silent", also_raises=True),  # K2 raises with a squeezed output
    "KC305": Expect("silent", also_raises=True),  # (N, H, W) class-id masks raise "Dimensions must be equal"
    # KC4xx custom loss and metric functions
    "KC401": Expect("trace", patterns=(r"type|dtype|cannot compute",)),
    "KC402": Expect("trace", patterns=(r"[Nn]o gradients",)),
    "KC403": Expect("symptom", symptom="loss_not_finite"),
    "KC404": Expect("silent", also_raises=True),  # one-sided one_hot raises "Dimensions must be equal"
    "KC405": Expect("symptom", symptom="zero_grads"),
    # KC5xx Keras version and API
    "KC501": Expect("trace", patterns=(r"has no attribute",)),
    "KC502": Expect("unreached", probe="lookup"),
    "KC503": Expect("unreached", probe="lookup"),
    "KC504": Expect("trace", patterns=(r"not recognized|lr",), needs_target=False, refute_on_exec=True),
    "KC505": Expect("silent", also_raises=True, probe="construct"),  # K2's optimizers reject decay=
    "KC506": Expect("unreached", probe="lookup"),
    "KC507": Expect("trace", patterns=(r"legacy|has no attribute|No module",), needs_target=False,
                    refute_on_exec=True),
    "KC508": Expect("trace", patterns=(r"No module|cannot import|has no attribute",), needs_target=False,
                    refute_on_exec=True),
    "KC509": Expect("unreached", probe="lookup"),
    "KC510": Expect("silent", also_raises=True, probe="lookup",
                    note="reading `optimizer.lr` raises only where it runs (callbacks, training loops), and "
                         "assigning it is silently ignored: tracing fit cannot observe either"),
}


def expectation(code: str, severity: str) -> Expect:
    if code in EXPECT:
        return EXPECT[code]
    return Expect("trace") if severity == "error" else Expect("silent")


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
    claimed: bool = False
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
    def __init__(self, plan: Plan, run: ChildRun, catalogue: dict, linted_for: Optional[set[str]] = None) -> None:
        self.linted_for = linted_for
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

    # -- findings -------------------------------------------------------------------------------------
    def models_of(self, f: Finding) -> list[StaticModel]:
        span = (f.line, f.end_line or f.line)
        hits = [sm for sm in self.plan.models if _overlaps(span, sm.region + sm.spans + sm.compile_spans)]
        if not hits and len(self.plan.models) == 1:
            hits = list(self.plan.models)
        return hits

    def judge(self, f: Finding) -> dict[str, str]:
        if f.code.startswith("KC9"):
            return _verdict(NOT_CHECKED, "a linter diagnostic, not a Keras bug")
        meta = self.catalogue.get(f.code)
        expect = expectation(f.code, f.severity)
        if self.major is not None:
            if meta is not None and str(self.major) not in meta.keras:
                return _verdict(NOT_CHECKED, f"the rule applies to Keras {', '.join(meta.keras)}; "
                                             f"the interpreter runs {self.version}")
            if self.linted_for and str(self.major) not in self.linted_for:
                return _verdict(NOT_CHECKED, f"linted for Keras {', '.join(sorted(self.linted_for))}; "
                                             f"the interpreter runs {self.version}")
        probed = self._probe(f, expect)
        if probed is not None:
            return probed
        models = self.models_of(f)
        span = (f.line, f.end_line or f.line)
        ids = {m.id for m in models}
        raises = expect.kind in ("trace", "runtime") or expect.also_raises
        errors = [e for e in self.errors if (e.models & ids or any(span[0] <= ln <= span[1] for ln in e.lines))
                  and e.kind not in _QUIET_KINDS and (e.where != "batch" or raises)
                  and (e.event.get("keras") or e.where in ("trace", "batch") or e.kind in _HOSTILE_KINDS)]
        # 1. An exception: it confirms a rule that predicts one.
        if errors:
            if expect.kind in ("trace", "runtime") or expect.also_raises:
                for e in errors:
                    if e.kind in _HOSTILE_KINDS:
                        continue
                    if not expect.patterns or any(re.search(p, e.text) for p in expect.patterns):
                        e.claimed = True
                        return _verdict(CONFIRMED, self._raised(e))
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
        # 2. A measured symptom.
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
        # 3. A predicted exception that did not happen.
        if self.major not in expect.majors:
            return _verdict(NOT_CHECKED, f"the error shows at trace time on Keras "
                                         f"{', '.join(map(str, expect.majors))} only; the interpreter runs {self.version}")
        if rec.get("traced") != "train_step" and expect.needs_target:
            why = "the model is not compiled with a loss" if not rec.get("has_loss") else \
                "the target's shape and dtype are not known statically"
            return _verdict(NOT_CHECKED, f"only the forward pass was traced: {why}")
        traced = "fit's train step" if rec.get("traced") == "train_step" else "the forward pass"
        data = f"x {_spec_text(rec.get('x'))}" + (f", y {_spec_text(rec.get('y'))}" if rec.get("y") else "")
        return _verdict(REFUTED, f"traced {traced} on {self.version} with {data}: no error")

    def _probe(self, f: Finding, expect: Expect) -> Optional[dict[str, str]]:
        """The verdict of the probe of this finding (probes.py), None when there is none to give."""
        probe = next((p for p in self.plan.probes if (p.code, p.line, p.column) == (f.code, f.line, f.column)), None)
        ev = next((e for e in self.run.all("probe") if probe is not None and e.get("id") == probe.id), None)
        if ev is None or ev.get("skipped"):
            return None
        where = f"on the {ev.get('type', 'object')} the script builds"
        if probe.kind == "construct":
            if "error" not in ev:
                return None  # it may still fail or misbehave where the script uses it
            err = ev["error"]
            return _verdict(CONFIRMED, f"{self.version} raises making `{probe.text}` alone (without training): "
                                       f"{err.get('type', 'Error')}: {err.get('message', '')}")
        if "error" in ev:
            err = ev["error"]
            return _verdict(CONFIRMED, f"{self.version} raises looking up `{probe.text}` {where} (without "
                                       f"training): {err.get('type', 'Error')}: {err.get('message', '')}")
        if self.major in expect.majors:
            return _verdict(REFUTED, f"`{probe.text}` exists {where} on {self.version}")
        return None

    def _symptom(self, expect: Expect, rec: dict) -> Optional[str]:
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
        # a batch error only confirms a prediction: random values shaped like the data are not the data
        errors = [e for e in self.errors if not e.claimed and e.kind not in _QUIET_KINDS and e.where != "batch" and
                  (e.kind in _HOSTILE_KINDS or e.event.get("keras") or e.where == "trace")]
        if self.stopped is not None:
            errors.append(self.stopped)
        seen = set()
        for e in errors:
            line = self._line_of(e)
            if e.kind in _HOSTILE_KINDS:
                at = f"line {line}" if line else "an unknown line"
                during = "while fit's train step was traced" if e.where == "trace" else \
                    f"running line {e.event.get('line')}"
                detail = f"{e.event['message']} ({during}, at {at})"
            elif e.where == "trace":
                detail = self._raised(e)
            elif e.where == "crash":
                detail = e.event["message"]
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


PROBED = {code: e.probe for code, e in EXPECT.items() if e.probe}


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
