"""What the facts layer knows about one module: the types every rule reads (`ModuleFacts` and the
records it holds), and small pure helpers on them. The interpreter (facts.interp) fills them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import libcst as cst

from kerascheck.facts.names import Canonical, canonical, dotted
from kerascheck.facts.values import CompileFact, DictV, Func, LossSpec, MetricSpec, Model, Seq


@dataclass(eq=False)
class Method:
    obj: Any
    name: str


@dataclass(eq=False)
class LambdaV:
    node: cst.Lambda
    squeeze_call: Optional[cst.Call] = None


@dataclass(eq=False)
class FnUse:
    """A custom function used as a loss or metric in a compile() call."""

    func: Func
    role: str  # "loss" | "metric"
    compile: CompileFact
    model: Model
    node: cst.CSTNode


@dataclass
class CallSite:
    node: cst.Call
    name: Canonical  # canonical dotted name of the callee
    receiver: Optional[str] = None  # for method calls on a value: the method name


@dataclass
class ImportSite:
    """One imported name: `alias` is the ImportAlias node, `stmt` the Import/ImportFrom statement,
    `path` the full dotted path it imports as written (`keras.layers.core.Dense`, `keras.utils.np_utils`),
    `guarded` True when the import sits directly in a `try:` whose handlers catch ImportError."""

    alias: cst.ImportAlias
    stmt: cst.CSTNode
    local: str
    path: str
    guarded: bool = False


@dataclass
class ModuleFacts:
    module: cst.Module
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    models: list[Model] = field(default_factory=list)
    fn_uses: list[FnUse] = field(default_factory=list)
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)
    calls: list[CallSite] = field(default_factory=list)  # every call to a resolvable dotted name
    method_calls: list[tuple[cst.Call, str]] = field(default_factory=list)  # x.name(...) calls
    import_sites: list[ImportSite] = field(default_factory=list)  # every import alias, in order
    # every dotted name `a.b.c` whose head is an imported name: (node, qualified name as written)
    references: list[tuple[cst.Attribute, str]] = field(default_factory=list)
    # every maximal dotted name `a.b.c` in the module, imported head or not (`self.model.optimizer.lr`)
    dotted_names: list[tuple[cst.Attribute, str]] = field(default_factory=list)
    stores: set[int] = field(default_factory=set)  # id() of Attribute nodes assigned to (`x.lr = ...`)
    # method calls whose receiver the interpreter knows: (call node, receiver value, method name)
    receivers: list[tuple[cst.Call, Any, str]] = field(default_factory=list)
    keras_evidence: set = field(default_factory=set)  # Keras majors the code itself implies
    saves: list = field(default_factory=list)  # facts.saving.SaveCall: where models and weights are written
    # `tf.*` calls given a KerasTensor while a functional model is built (outside any class method)
    tf_on_keras_tensors: list = field(default_factory=list)  # [(cst.Call, canonical name)]
    yields: Optional[bool] = None  # the module holds a `yield` (None: not walked, not known)
    feeds: list = field(default_factory=list)  # values.Feed: fit/evaluate/predict calls on known models
    tape_calls: list = field(default_factory=list)  # facts.training_mode.TapeCall: models called under a GradientTape
    eval_mismatches: list = field(default_factory=list)  # facts.evaluation.Mismatch: shuffled predictions vs labels
    layers_built: list = field(default_factory=list)  # values.Layer: every layer constructor call evaluated
    legacy_keras_env: bool = False  # sets TF_USE_LEGACY_KERAS before importing TensorFlow
    mentions_keras: bool = False
    keras_versions: frozenset = frozenset({"2", "3"})  # set by the engine from settings + evidence

    def resolve(self, expr: cst.BaseExpression) -> Optional[Canonical]:
        return resolve_dotted(expr, self.imports)

    def qualify(self, expr: cst.BaseExpression) -> Optional[str]:
        """The fully qualified dotted name as written, before canonicalisation (old module paths such
        as `keras.layers.core.Dense` stay as they are)."""
        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        if head not in self.imports:
            return None
        return self.imports[head] + ("." + rest if rest else "")


def resolve_dotted(expr: cst.BaseExpression, imports: dict[str, str]) -> Optional[Canonical]:
    name = dotted(expr)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    if head not in imports:
        return None
    full = imports[head] + ("." + rest if rest else "")
    return canonical(full)


def flatten_specs(spec: Any) -> list:
    """Every LossSpec/MetricSpec in a compile argument, in order (unknown entries skipped)."""
    if isinstance(spec, (LossSpec, MetricSpec)):
        return [spec]
    if isinstance(spec, Seq):
        return [x for item in spec.items for x in flatten_specs(item)]
    if isinstance(spec, DictV):
        return [x for _, item in spec.items for x in flatten_specs(item)]
    return []

