"""How Keras pairs `compile(loss=...)` and `fit(y=...)` with a model's outputs.

Keras (2.15 and 3) applies a single loss to every output, pairs a list of losses with the outputs
by position and a dict of losses with the outputs by name; `y` is split the same way (a list by
position, a dict by output name). Anything we cannot pair for certain (lists of another length,
unnamed outputs, unknown structures, models whose layers we could not follow) yields no pair, so
the rules reading these pairs stay silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

import libcst as cst

from kerascheck.facts import keras_api as K
from kerascheck.facts.values import Array, CompileFact, Const, DictV, FitFact, LossSpec, Model, Pipeline, Seq, Tensor


@dataclass(eq=False)
class LossPair:
    """One output of a model and the loss Keras computes on it."""

    model: Model
    compile: CompileFact
    loss: LossSpec
    output: Tensor
    index: int  # position of the output in model.output_list()
    name: Optional[str]  # the output's name, when known
    node: cst.CSTNode = field(repr=False)  # where the user wrote this output's loss


@dataclass(eq=False)
class LabelPair:
    """A loss pair and the targets one fit/evaluate/train_on_batch call feeds it."""

    pair: LossPair
    y: Array
    fit: FitFact


def _element_node(container: Any, index: int, key: Any) -> Optional[cst.CSTNode]:
    """The list element / dict value node for one output's loss inside a literal container."""
    if isinstance(container, (cst.List, cst.Tuple)) and index < len(container.elements):
        return container.elements[index].value
    if isinstance(container, cst.Dict):
        for el in container.elements:
            if isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString):
                try:
                    if el.key.evaluated_value == key:
                        return el.value
                except Exception:  # pragma: no cover - malformed literal
                    return None
    return None


def _spec_node(spec: LossSpec, fallback: Optional[cst.CSTNode]) -> Optional[cst.CSTNode]:
    # A loss object's constructor call is where `from_logits=` is written; a string is written in place.
    if isinstance(spec.node, cst.Call):
        return spec.node
    return fallback if fallback is not None else spec.node


# Methods through which a subclassed model may feed its loss something other than call()'s output.
_CUSTOM_TRAINING = ("train_step", "test_step", "compute_loss")


def _custom_training(model: Model) -> bool:
    if model.cls is None:
        return False
    return any(isinstance(stmt, cst.FunctionDef) and stmt.name.value in _CUSTOM_TRAINING
               for stmt in model.cls.node.body.body)


def pair_losses(model: Model, comp: CompileFact) -> list[LossPair]:
    """The (output, loss) pairs one compile() call gives the model; [] when unsure."""
    if model.uncertain or comp is None or _custom_training(model):
        return []
    outs = model.output_list()
    if not outs:
        return []
    loss = comp.loss
    found: list[tuple[int, Any, Optional[cst.CSTNode]]] = []
    if isinstance(loss, LossSpec):
        found = [(i, loss, comp.loss_node) for i in range(len(outs))]
    elif isinstance(loss, Seq):
        if len(loss.items) != len(outs):
            return []
        for i, spec in enumerate(loss.items):
            found.append((i, spec, _element_node(loss.node, i, None) or comp.loss_node))
    elif isinstance(loss, DictV):
        names = [n for n, _ in outs]
        for key, spec in loss.items:
            if not isinstance(key, Const) or not isinstance(key.value, str) or names.count(key.value) != 1:
                continue
            found.append((names.index(key.value), spec, _element_node(loss.node, -1, key.value) or comp.loss_node))
    pairs = []
    for i, spec, where in found:
        name, out = outs[i]
        if not isinstance(spec, LossSpec) or not isinstance(out, Tensor):
            continue
        node = _spec_node(spec, where)
        if node is None:
            continue
        pairs.append(LossPair(model, comp, spec, out, i, name, node))
    return pairs


def loss_pairs(model: Model) -> Iterator[LossPair]:
    """Every (output, loss) pair of every compile() call on the model."""
    for comp in model.compiles:
        yield from pair_losses(model, comp)


def _target_for(y: Any, pair: LossPair, n_outputs: int) -> Optional[Array]:
    if n_outputs == 1 and isinstance(y, Array):
        return y
    if isinstance(y, Seq) and len(y.items) == n_outputs:
        item = y.items[pair.index]
        return item if isinstance(item, Array) else None
    if isinstance(y, DictV) and pair.name is not None:
        for key, value in y.items:
            if isinstance(key, Const) and key.value == pair.name:
                return value if isinstance(value, Array) else None
    return None


def label_pairs(model: Model) -> Iterator[LabelPair]:
    """Every (output, loss, targets) triple: each training/evaluation call with statically known
    targets, paired with the compile() in effect at that call.

    The interpreter records compile() calls in branches too (`if sparse: compile(A) else:
    compile(B)`), so the compile "in effect" is only trusted when every compile() of the model
    gives that output the same loss."""
    outs = model.output_list()
    if not outs or model.uncertain:
        return
    losses: dict[int, set] = {}
    for comp in model.compiles:
        pairs = pair_losses(model, comp)
        if not pairs:
            return  # a compile we cannot pair: the loss in effect is unknown
        for pair in pairs:
            losses.setdefault(pair.index, set()).add(pair.loss.name)
    for fit in model.fits:
        if fit.compile is None:
            continue
        for pair in pair_losses(model, fit.compile):
            if len(losses.get(pair.index, ())) != 1:
                continue
            y = _target_for(fit.y, pair, len(outs))
            if y is None and len(outs) == 1 and isinstance(fit.x, Pipeline) and not isinstance(fit.y, Array):
                y = fit.x.labels  # `fit(dataset)`: the targets its elements carry
            if y is not None and y.shape is not None:
                yield LabelPair(pair, y, fit)


def per_sample_targets(lp: LabelPair) -> bool:
    """The output keeps positions (one prediction per time step or pixel: rank 3 or more) while the
    targets hold one value or one row per sample, under a loss whose behaviour on that was measured
    (keras_api.PER_SAMPLE_TARGET_LOSSES). Two shapes qualify: targets at least two ranks below the
    output (`(N, 10)` against `(None, 26, 26, 10)`), and one-hot rows one rank below it (`(N, 5)`
    against `(None, T, 5)`); `(N, T)` class ids against `(None, T, k)` are per-position targets and do
    not."""
    out, y = lp.pair.output, lp.y
    if lp.pair.loss.name not in K.PER_SAMPLE_TARGET_LOSSES or out.rank is None or out.rank < 3 or y.rank is None:
        return False
    if y.rank <= out.rank - 2:
        return True
    return (y.rank == out.rank - 1 and y.one_hot and out.units is not None and out.units > 1
            and y.shape[-1] == out.units)


def scaled_class_ids(lp: LabelPair) -> Optional[float]:
    """The constant integer class ids were divided by (`y_train / 255`) before they reached a sparse
    loss as class ids, or `to_categorical` as ids to encode; None otherwise. Both Kerases cast the
    fractions back to integers: every label becomes 0 (measured on 3.15 and 2.15)."""
    y, loss = lp.y, lp.pair.loss.name
    if y.ids_divided is None:
        return None
    if loss in K.SPARSE_LOSSES and not y.one_hot:
        return y.ids_divided
    if loss in K.CATEGORICAL_LOSSES and y.one_hot:
        return y.ids_divided
    return None


def position_mismatch(lp: LabelPair) -> Optional[tuple]:
    """(output shape, target shape) when the output keeps positions (rank 3 or more), both shapes are
    known, the ranks agree (or the targets are sparse class ids one rank below), and an axis between
    the batch and the last has another size in each (both above 1: a size of 1 may broadcast)."""
    out, y, loss = lp.pair.output, lp.y, lp.pair.loss.name
    if loss not in K.POSITION_COUNT_LOSSES or out.shape is None or y.shape is None or len(out.shape) < 3:
        return None
    if len(y.shape) == len(out.shape):
        inner = y.shape[1:-1]
    elif loss in K.SPARSE_LOSSES and len(y.shape) == len(out.shape) - 1:
        inner = y.shape[1:]
    else:
        return None  # other ranks are KC105's
    for a, b in zip(out.shape[1:-1], inner):
        if isinstance(a, int) and isinstance(b, int) and a > 1 and b > 1 and a != b:
            return tuple(out.shape), tuple(y.shape)
    return None


@dataclass(frozen=True)
class WidthMismatch:
    units: int  # of the flat output
    width: int  # columns of the targets; `(N,)` counts as one
    # one column on either side under a regression loss: NumPy broadcasting computes another loss
    # instead of raising (measured, keras_api.ELEMENTWISE_WIDTH_LOSSES)
    broadcasts: bool


def width_mismatch(lp: LabelPair) -> Optional[WidthMismatch]:
    """A flat output (rank 2, k units) meeting targets of another known width m under a loss of
    keras_api.ELEMENTWISE_WIDTH_LOSSES. None when either is unknown, or the widths agree."""
    out, y, loss = lp.pair.output, lp.y, lp.pair.loss.name
    if loss not in K.ELEMENTWISE_WIDTH_LOSSES or out.rank != 2 or out.units is None:
        return None
    if y.rank == 1:
        width = 1
    elif y.rank == 2 and isinstance(y.shape[-1], int):
        width = y.shape[-1]
    else:
        return None
    if out.units == width:
        return None
    return WidthMismatch(out.units, width, loss != "binary_crossentropy" and min(out.units, width) == 1)


def every_target_fits(models: list[Model], node: cst.CSTNode, fits_target: Callable[[Tensor, Array], bool]) -> bool:
    """True when the loss written at `node` is paired with an output by some compile() and every
    compile that uses it is followed by fit/evaluate calls, all of whose targets for that output are
    known and satisfy `fits_target(output, y)`; False when any of it is unknown."""
    found = False
    for model in models:
        pairs = None
        for comp in model.compiles:
            for pair in pair_losses(model, comp):
                if pair.node is not node:
                    continue
                if any(a.star for a in comp.node.args):
                    return False
                fits = [f for f in model.fits if f.compile is comp]
                if not fits:
                    return False
                if pairs is None:
                    pairs = list(label_pairs(model))
                for fit in fits:
                    seen = [lp for lp in pairs if lp.fit is fit and lp.pair.index == pair.index]
                    if not seen or not all(fits_target(lp.pair.output, lp.y) for lp in seen):
                        return False
                found = True
    return found
