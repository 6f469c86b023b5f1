"""What Keras's built-in metrics do with their arguments, the model's outputs and the fit targets.

Backed by runs of Keras 3.15 (TF 2.21) and Keras 2.15 (see the KC30x fixtures and the keras-truth
rows i1-i5, f2, h4):

- the IoU family (`IoU`, `MeanIoU`, `OneHotIoU`, `OneHotMeanIoU`) has the same signature in both
  versions. With `sparse_y_pred=True` (the default of `IoU`/`MeanIoU`) predictions are cast to int,
  so probabilities all become class 0; with `sparse_y_pred=False` they are argmax'ed over `axis`.
  `sparse_y_true` works the same way for the targets. Both sides are then flattened and compared
  element by element, so a class axis on one side only raises.
- `"accuracy"` on a 1-unit output resolves to binary accuracy (`y_true == (y_pred > 0.5)`) in both
  versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import libcst as cst

from kerascheck.facts import keras_api as K
from kerascheck.facts.values import Array, CompileFact, Const, DictV, LossSpec, MetricSpec, Model, Seq, Tensor

# Constructor parameters in order (identical in Keras 2.15 and 3.15).
IOU_PARAMS = {
    "IoU": ("num_classes", "target_class_ids", "name", "dtype", "ignore_class", "sparse_y_true",
            "sparse_y_pred", "axis"),
    "MeanIoU": ("num_classes", "name", "dtype", "ignore_class", "sparse_y_true", "sparse_y_pred", "axis"),
    "OneHotIoU": ("num_classes", "target_class_ids", "name", "dtype", "ignore_class", "sparse_y_pred", "axis"),
    "OneHotMeanIoU": ("num_classes", "name", "dtype", "ignore_class", "sparse_y_pred", "axis"),
}
# Defaults; the OneHot variants hard-wire sparse_y_true=False.
IOU_DEFAULTS = {
    "IoU": {"sparse_y_true": True, "sparse_y_pred": True},
    "MeanIoU": {"sparse_y_true": True, "sparse_y_pred": True},
    "OneHotIoU": {"sparse_y_true": False, "sparse_y_pred": False},
    "OneHotMeanIoU": {"sparse_y_true": False, "sparse_y_pred": False},
}
# What fit raises when y_true and y_pred flatten to different lengths inside an IoU metric (first line).
IOU_LENGTH_ERRORS = {
    "3": "ValueError: Dimensions must be equal",
    "2": "ValueError: Dimension 0 in both shapes must be equal",
}
# Built-in regression losses: a model trained with one of these predicts real values.
REGRESSION_LOSSES = {
    "mean_squared_error", "mean_absolute_error", "huber", "log_cosh", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
}
# Metric names that resolve to binary (1-unit output) or exact-match accuracy.
ACCURACY_METRICS = {"accuracy", "acc", "Accuracy", "binary_accuracy", "BinaryAccuracy"}
# Methods of a Model subclass that replace how compiled metrics are fed: stay silent then.
_CUSTOM_STEPS = {"train_step", "test_step", "compute_metrics"}


@dataclass
class IoUConfig:
    cls: str  # IoU | MeanIoU | OneHotIoU | OneHotMeanIoU
    num_classes: Optional[int]  # None: not a known constant
    sparse_y_true: Optional[bool]  # effective value; None: not statically known
    sparse_y_pred: Optional[bool]
    explicit: dict = field(default_factory=dict)  # parameter -> True when the call spells it out
    axis_last: bool = True  # axis is -1 (the default); False when another or unknown axis is given
    target_class_ids_node: Optional[cst.CSTNode] = None  # the argument as written (IoU/OneHotIoU)
    ignores_class: bool = False  # `ignore_class=` is (or may be) set to a class id


def iou_config(spec: MetricSpec) -> Optional[IoUConfig]:
    """The arguments an IoU-family metric object was built with, or None for other metrics."""
    params = IOU_PARAMS.get(spec.name or "")
    if params is None or not isinstance(spec.node, cst.Call):
        return None
    starred = any(a.star for a in spec.node.args)  # *args / **kwargs may set anything
    bound: dict[str, Any] = dict(zip(params, spec.args))
    bound.update({k: v for k, v in spec.kwargs.items() if k in params})

    def flag(name: str) -> Optional[bool]:
        if name not in params:  # the OneHot variants fix sparse_y_true
            return IOU_DEFAULTS[spec.name][name]
        if name in bound:
            v = _const(bound[name])
            return v if isinstance(v, bool) else None
        return None if starred else IOU_DEFAULTS[spec.name][name]

    n = _const(bound.get("num_classes"))
    axis = _const(bound["axis"]) if "axis" in bound else (None if starred else -1)
    return IoUConfig(
        cls=spec.name or "",
        num_classes=n if isinstance(n, int) and not isinstance(n, bool) else None,
        sparse_y_true=flag("sparse_y_true"),
        sparse_y_pred=flag("sparse_y_pred"),
        explicit={p: p in bound for p in params},
        axis_last=axis == -1,
        target_class_ids_node=_arg_node(spec.node, params, "target_class_ids"),
        ignores_class=starred or ("ignore_class" in bound and not (isinstance(bound["ignore_class"], Const)
                                                                  and bound["ignore_class"].value is None)),
    )


def _arg_node(call: cst.Call, params: tuple, name: str) -> Optional[cst.CSTNode]:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    index = params.index(name) if name in params else None
    if index is not None and index < len(positional):
        return positional[index].value
    return None


@dataclass
class MetricUse:
    """One metric of a compile() call, with the model output it is computed on."""

    spec: MetricSpec
    model: Model
    compile: CompileFact
    output: Tensor
    loss: Optional[LossSpec]  # the loss of the same output, when known
    targets: list  # the Arrays fit/evaluate pass for this output (known ones only)


def metric_uses(model: Model) -> list[MetricUse]:
    """Every built-in metric of every compile() of `model`, paired with its output tensor. Models whose
    layers were added in branches, and subclasses that feed metrics themselves (train_step/test_step),
    are left out."""
    if model.uncertain or (model.cls is not None and _defines(model.cls.node, _CUSTOM_STEPS)):
        return []
    outputs = model.output_list()
    if not outputs:
        return []
    uses = []
    for comp in model.compiles:
        fits = [f for f in model.fits if getattr(f, "compile", comp) is comp]
        for index, specs in _per_output(comp.metrics, outputs):
            name, out = outputs[index]
            if not isinstance(out, Tensor):
                continue
            loss = _for_output(comp.loss, outputs, index)
            targets = [y for y in (_for_output(f.y, outputs, index) for f in fits) if isinstance(y, Array)]
            for spec in specs:
                uses.append(MetricUse(spec, model, comp, out, loss if isinstance(loss, LossSpec) else None,
                                      targets))
    return uses


def class_count(output: Tensor, loss: Optional[LossSpec]) -> Optional[int]:
    """How many classes a single-label classifier output scores: the units of a softmax output, or of
    any output trained with a (sparse) categorical crossentropy. None when it is not such an output
    (a sigmoid with binary crossentropy is multi-label: each unit is its own yes/no)."""
    units = output.units
    if units is None or units < 2:
        return None
    if output.activation == "softmax":
        return units
    if loss is not None and loss.name in K.CATEGORICAL_LOSSES | K.SPARSE_LOSSES:
        return units
    return None


def target_encoding(y: Array, output: Tensor) -> Optional[str]:
    """'dense' when the targets carry the output's class axis (one-hot or per-class values), 'sparse'
    when they hold one class id per position, None when unknown or neither."""
    units, rank = output.units, output.rank
    if y.shape is None or units is None or units < 2:
        return None
    last = y.shape[-1]
    if rank is not None:
        if len(y.shape) == rank and last == units:
            return "dense"
        if len(y.shape) == rank - 1 or (len(y.shape) == rank and last == 1):
            return None if y.one_hot else "sparse"
        return None
    if y.one_hot and last == units:
        return "dense"
    return None


def one_hot_reading_of_ids(y: Array, output: Tensor) -> Optional[str]:
    """What `OneHotIoU`/`OneHotMeanIoU` (argmax of y_true over the last axis) make of integer class-id
    targets for `output` (measured on Keras 3.15 and 2.15, KC305 fixtures):
    'raises' - the ids have no size-1 last axis, e.g. (N, H, W) masks next to an (N, H, W, C) output:
               the argmax runs over W, y_true comes out W times shorter than the predictions and fit
               raises the IOU_LENGTH_ERRORS error;
    'zeros'  - a size-1 last axis ((N, 1), (N, H, W, 1)): the argmax is 0 everywhere, every target
               reads as class 0 and the IoU is silently wrong;
    'batch'  - plain (N,) labels next to an (N, C) output: Keras 2 expands them to (N, 1) (then
               'zeros'); Keras 3 takes the argmax over the batch axis. Silently wrong in both;
    None     - not integer class ids, or not known."""
    if y.dtype != "int" or y.one_hot or target_encoding(y, output) != "sparse":
        return None
    rank, last = output.rank, y.shape[-1]
    if len(y.shape) == rank:
        return "zeros" if last == 1 else None
    if len(y.shape) == 1:
        return "batch"
    if last is None:
        return None
    return "zeros" if last == 1 else "raises"


def _defines(cls: cst.ClassDef, names: set) -> bool:
    return any(isinstance(s, cst.FunctionDef) and s.name.value in names for s in cls.body.body)


def _const(value: Any) -> Any:
    return value.value if isinstance(value, Const) else None


def _per_output(metrics: Any, outputs: list) -> list:
    """[(output index, [MetricSpec])] for a compile's `metrics=` argument."""
    from kerascheck.facts.model import flatten_specs

    if metrics is None:
        return []
    if len(outputs) == 1:
        specs = [s for s in flatten_specs(metrics) if isinstance(s, MetricSpec)]
        return [(0, specs)] if specs else []
    names = [n for n, _ in outputs]
    if isinstance(metrics, DictV):
        out = []
        for key, value in metrics.items:
            k = _const(key)
            if isinstance(k, str) and k in names:
                out.append((names.index(k), [s for s in flatten_specs(value) if isinstance(s, MetricSpec)]))
        return out
    if isinstance(metrics, Seq) and len(metrics.items) == len(outputs) and \
            all(isinstance(item, Seq) for item in metrics.items):
        return [(i, [s for s in flatten_specs(item) if isinstance(s, MetricSpec)])
                for i, item in enumerate(metrics.items)]
    return []  # a flat list on several outputs: Keras 2 and 3 disagree on what it means


def _for_output(value: Any, outputs: list, index: int) -> Any:
    """The part of a per-output structure (loss=, y=) that belongs to output `index`."""
    if len(outputs) == 1:
        if isinstance(value, Seq) and len(value.items) == 1:
            return value.items[0]
        if isinstance(value, DictV) and len(value.items) == 1:
            return value.items[0][1]
        return value
    if isinstance(value, LossSpec):
        return value  # one loss for every output
    if isinstance(value, Seq) and len(value.items) == len(outputs):
        return value.items[index]
    if isinstance(value, DictV):
        name = outputs[index][0]
        for key, item in value.items:
            if name is not None and _const(key) == name:
                return item
    return None
