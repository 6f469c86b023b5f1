"""Probes: a static finding about an attribute or keyword the script uses only while it trains
(`model.fit_generator(...)`, `metric.reset_states()`, `self.model.optimizer.lr` in a callback,
`fit(workers=2)`) is checked by looking the name up on the object the slice really built, without
running the training code: `getattr(model, "fit_generator")`, or binding the keyword to the
method's signature. Keras's own AttributeError/TypeError is the evidence. A flagged argument of a
Keras constructor called with literal arguments only (`keras.optimizers.SGD(decay=0.5)`, passed to
a function that trains) is checked by making that object alone.

The parent finds the probed expression from the finding's exact span; the child (child.py) resolves
the receiver in the slice's namespace (or, for `self.model` in a callback, the model the script
builds) and reports one `probe` event per probe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Optional

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider

from kerascheck.facts.names import dotted
from kerascheck.finding import Finding

if TYPE_CHECKING:
    from libcst.metadata import CodeRange


@dataclass
class Probe:
    id: int
    code: str
    line: int
    column: int
    kind: str  # "attr": the attribute must exist; "kwarg": the method must accept the keyword;
    #            "construct": calling `receiver.attr(*args, **kwargs)` (literals) must not raise
    receiver: str  # a dotted name: a module-level variable, or `self.model...` in a callback
    attr: str
    keyword: Optional[str] = None
    model: Optional[int] = None  # the static model `self.model` stands for
    args: tuple = ()  # "construct": the literal arguments
    kwargs: Optional[dict] = None

    @property
    def root(self) -> str:
        return self.receiver.split(".", 1)[0]

    @property
    def text(self) -> str:
        target = f"{self.receiver}.{self.attr}"
        if self.kind == "construct":
            return f"{target}(" + ", ".join([repr(a) for a in self.args] +
                                            [f"{k}={v!r}" for k, v in (self.kwargs or {}).items()]) + ")"
        return f"{target}({self.keyword}=...)" if self.kind == "kwarg" else target

    def job(self) -> dict:
        return {"id": self.id, "kind": self.kind, "receiver": self.receiver, "attr": self.attr,
                "keyword": self.keyword, "model": self.model, "args": list(self.args), "kwargs": self.kwargs}


def find_probes(module: cst.Module, pos: Mapping[cst.CSTNode, CodeRange], findings: list[Finding],
                codes: dict[str, str], n_models: int) -> list[Probe]:
    """One probe per finding of `codes` ({code: "lookup" | "construct"}) whose span is exactly a call
    or attribute on a dotted name, or a keyword argument of such a call. `pos`: every node's range
    (the analysis's positions)."""
    wanted = [f for f in findings if f.code in codes]
    if not wanted:
        return []
    parents = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ParentNodeProvider)
    by_span: dict[tuple, list[cst.CSTNode]] = {}
    for node, rng in pos.items():
        if isinstance(node, (cst.Call, cst.Attribute, cst.Arg)):
            key = (rng.start.line, rng.start.column + 1, rng.end.line, rng.end.column + 1)
            by_span.setdefault(key, []).append(node)
    out: list[Probe] = []
    for f in wanted:
        for node in by_span.get((f.line, f.column, f.end_line or f.line, f.end_column or f.column), []):
            if codes[f.code] == "construct":
                probe = _construct(node, parents)
                if probe is not None:
                    out.append(Probe(len(out), f.code, f.line, f.column, "construct", *probe))
                    break
                continue
            probe = _probe_of(node, parents)
            if probe is None:
                continue
            kind, receiver, attr, keyword = probe
            model = None
            if receiver.split(".")[:2] == ["self", "model"]:
                if n_models != 1:
                    continue  # which model a callback sees is only known while fit runs
                model = 0
            elif receiver.split(".", 1)[0] == "self":
                continue
            out.append(Probe(len(out), f.code, f.line, f.column, kind, receiver, attr, keyword, model))
            break
    return out


def _construct(node: cst.CSTNode, parents) -> Optional[tuple]:
    """(receiver, attr, None, None, args, kwargs) of the `a.b.C(literals)` call `node` is or is an
    argument of."""
    import ast

    call = parents.get(node) if isinstance(node, cst.Arg) else node
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return None
    receiver = dotted(call.func.value)
    if not receiver or receiver.split(".", 1)[0] == "self" or not call.func.attr.value[:1].isupper():
        return None
    args, kwargs = [], {}
    for arg in call.args:
        if arg.star:
            return None
        try:
            value = ast.literal_eval(cst.Module([]).code_for_node(arg.value))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None  # not a literal: making the object could run anything
        if not isinstance(value, (int, float, str, bool, type(None))):
            return None
        if arg.keyword is None:
            args.append(value)
        else:
            kwargs[arg.keyword.value] = value
    return receiver, call.func.attr.value, None, None, tuple(args), kwargs


def _probe_of(node: cst.CSTNode, parents) -> Optional[tuple]:
    if isinstance(node, cst.Arg):
        call = parents.get(node)
        if node.keyword is None or not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return None
        receiver = dotted(call.func.value)
        return ("kwarg", receiver, call.func.attr.value, node.keyword.value) if receiver else None
    if isinstance(node, cst.Call):
        node = node.func
    elif isinstance(parents.get(node), (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
        return None  # `model.optimizer.lr = 1e-4` creates the attribute it names
    if isinstance(node, cst.Attribute):
        receiver = dotted(node.value)
        return ("attr", receiver, node.attr.value, None) if receiver else None
    return None
