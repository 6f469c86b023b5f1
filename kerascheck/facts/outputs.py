"""A model's output structure as compile() and fit() see it (the KC1xx facts): how many outputs,
losses and targets a model has, as far as the facts know them exactly. Anything uncertain is None, and
the rules stay silent."""

from __future__ import annotations

from typing import Any, Optional

from kerascheck.facts import keras_api as K
from kerascheck.facts.values import Array, DictV, LossSpec, Model, Seq, Tensor


def seq_len(value: Any) -> Optional[int]:
    """Number of items of a list/tuple known exactly (not grown in a loop, extended, ...)."""
    if isinstance(value, Seq) and not value.unsure:
        return len(value.items)
    return None


def dict_keys(value: Any) -> Optional[list]:
    """Constant keys of a dict known exactly."""
    if isinstance(value, DictV) and not value.unsure:
        return value.const_keys()
    return None


def concat_output(model: Model) -> Optional[Tensor]:
    """The model's single output when it is a concatenation of two or more heads."""
    if model.uncertain:
        return None
    out = model.single_output()
    if isinstance(out, Tensor) and out.concat_of and len(out.concat_of) >= 2 and out.concat_node is not None:
        return out
    return None


def fit_targets(model: Model) -> list:
    """(FitFact, kind, count) for every fit/evaluate call: kind 'seq' | 'dict' | 'array' | None."""
    out = []
    for fit in model.fits:
        y = fit.y
        if seq_len(y) is not None:
            out.append((fit, "seq", seq_len(y)))
        elif dict_keys(y) is not None:
            out.append((fit, "dict", len(dict_keys(y))))
        elif isinstance(y, Array):
            out.append((fit, "array", 1))
        else:
            out.append((fit, None, None))
    return out


def compile_of(model: Model, fit: Any) -> Any:
    """The compile in effect at a fit call (falls back to the model's last compile)."""
    return getattr(fit, "compile", None) or model.last_compile()


def loss_names(loss: Any) -> Optional[list]:
    """Canonical names of a list of losses (None entries stay None); None when one is not known."""
    if not isinstance(loss, Seq):
        return None
    names = []
    for item in loss.items:
        if isinstance(item, LossSpec) and item.func is None and item.name is not None:
            names.append(item.name)
        elif isinstance(item, LossSpec) and item.func is not None:
            names.append("fn:" + item.func.name)
        else:
            return None
    return names


def trusted_output_names(model: Model) -> Optional[list]:
    """The names Keras gives the outputs of a functional model (its output layers' names), when every
    output comes straight out of a layer given an explicit `name=`; dict outputs: their keys."""
    out = model.output_value()
    if isinstance(out, DictV):
        return dict_keys(out)
    if model.kind != "functional":
        return None
    tensors = [out] if isinstance(out, Tensor) else (out.items if seq_len(out) is not None else None)
    if not tensors:
        return None
    names = []
    for t in tensors:
        if not (isinstance(t, Tensor) and t.layer is not None and isinstance(t.layer.name, str)
                and t.node is t.layer.node and t.name == t.layer.name):
            return None
        names.append(t.name)
    return names


def output_count(model: Model) -> Optional[int]:
    """Number of model outputs, when the output structure is known exactly."""
    if model.uncertain:
        return None
    out = model.output_value()
    if isinstance(out, Tensor):
        return 1
    if seq_len(out) is not None:
        return seq_len(out)
    keys = dict_keys(out)
    return len(keys) if keys is not None else None


def output_items(model: Model) -> list:
    out = model.output_value()
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, Seq):
        return list(out.items)
    if isinstance(out, DictV):
        return [v for _, v in out.items]
    return []


def is_trained_head(t: Any) -> bool:
    """A tensor produced directly by a layer with its own weights (its only training signal is its loss)."""
    return isinstance(t, Tensor) and t.layer is not None and (
        t.layer.cls in K.UNIT_LAYERS or t.layer.cls in K.RECURRENT_LAYERS)


def concat_heads_problem(model: Model) -> Optional[tuple]:
    """(reason, n) when the model's single output concatenates heads that the compile/fit calls treat
    as separate outputs; reason: 'targets' | 'dict_targets' | 'dict_loss' | 'list_loss'."""
    if concat_output(model) is None:
        return None
    targets = fit_targets(model)
    for fit, kind, n in targets:
        if kind == "seq" and n >= 2:
            return ("targets", n, fit)
    for comp in model.compiles:
        keys = dict_keys(comp.loss)
        if keys is not None and len(keys) >= 2:
            return ("dict_loss", len(keys), comp)
    for fit, kind, n in targets:
        loss = getattr(compile_of(model, fit), "loss", None)
        if kind == "dict" and n >= 2 and not isinstance(loss, Seq):
            return ("dict_targets", n, fit)
    if all(kind is None for _, kind, _ in targets):
        for comp in model.compiles:
            n = seq_len(comp.loss)
            if n is not None and n >= 2:
                return ("list_loss", n, comp)
    return None
