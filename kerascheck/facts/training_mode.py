"""Training mode: the layers whose computation depends on the `training` flag, and the models a
custom training loop calls inside `tf.GradientTape` (KC606).

A model called as `model(x)` computes in inference mode: Keras 3 resolves the missing flag to
False, Keras 2 to its learning phase, which is 0 (inference) outside `fit` — inside a
`GradientTape` too. Measured on Keras 3.15 and 2.15, each layer below behaves in `model(x)` exactly
as in `model(x, training=False)` and differently from `training=True`: dropout never drops, noise is
never added, and BatchNormalization normalises with its moving statistics, which never update
(moving mean stays 0, variance 1). LayerNormalization and ActivityRegularization do not depend on
the flag; random augmentation layers do, but were not measured here and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import libcst as cst

from kerascheck.facts.model import Method
from kerascheck.facts.values import Const, DictV, Layer, Model, Seq, Tensor

# class name -> the constructor argument (name, position) that must be a positive number for the
# layer to do anything in training mode; None: always depends on the flag
DROPOUT_LIKE = {"Dropout": ("rate", 0), "SpatialDropout1D": ("rate", 0), "SpatialDropout2D": ("rate", 0),
                "SpatialDropout3D": ("rate", 0), "GaussianNoise": ("stddev", 0), "GaussianDropout": ("rate", 0),
                "AlphaDropout": ("rate", 0)}
NORMALIZATION = {"BatchNormalization"}
# recurrent layers whose `dropout=` / `recurrent_dropout=` applies only in training mode
RECURRENT = {"LSTM", "GRU", "SimpleRNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"}
GRADIENT_TAPE = "tf.GradientTape"
TRAINABLE_ATTRS = ("trainable_variables", "trainable_weights")


def _positive(value: Any) -> bool:
    return isinstance(value, Const) and isinstance(value.value, (int, float)) and \
        not isinstance(value.value, bool) and value.value > 0


def depends_on_training(layer: Any) -> bool:
    """The layer computes differently in training mode, as it is built (a dropout rate of 0, a
    frozen `trainable=False` BatchNormalization or an unknown rate: no)."""
    if not isinstance(layer, Layer):
        return False
    if layer.cls in DROPOUT_LIKE:
        name, index = DROPOUT_LIKE[layer.cls]
        return _positive(layer.arg(name, index))
    if layer.cls in NORMALIZATION:
        trainable = layer.kwargs.get("trainable")
        return trainable is None or (isinstance(trainable, Const) and trainable.value is True)
    if layer.cls in RECURRENT:
        return _positive(layer.kwargs.get("dropout")) or _positive(layer.kwargs.get("recurrent_dropout"))
    return False


def chain(value: Any) -> tuple:
    """The training-dependent layers on the way to a tensor (or to each tensor of a list)."""
    if isinstance(value, Tensor):
        return value.mode_layers
    if isinstance(value, Seq):
        return tuple(layer for item in value.items for layer in chain(item))
    if isinstance(value, DictV):
        return tuple(layer for _, item in value.items for layer in chain(item))
    return ()


def model_mode_layers(model: Model) -> list:
    """The training-dependent layers between the model's inputs and its outputs, each once."""
    seen: dict[int, Layer] = {}
    for layer in chain(model.output_value()):
        seen.setdefault(id(layer), layer)
    return list(seen.values())


@dataclass(eq=False)
class TrainingFlag:
    """The `training` argument a subclassed model's `call` receives from whoever calls the model: a
    layer called with `training=training` follows the model's mode."""


@dataclass(eq=False)
class Tape:
    """A `tf.GradientTape()`: what its `gradient(target, sources)` calls differentiate."""

    node: cst.Call
    sources: list = field(default_factory=list)

    def differentiates(self, model: Model) -> bool:
        """`tape.gradient(..., model.trainable_variables)` (or `trainable_weights`): the tape
        trains this model."""
        return any(isinstance(s, Method) and s.obj is model and s.name in TRAINABLE_ATTRS for s in self.sources)


@dataclass(eq=False)
class TapeCall:
    """`model(x, ...)` run while a `with tf.GradientTape() as tape:` block records."""

    node: cst.Call
    model: Model
    tapes: tuple  # the tapes recording, innermost last
    training: Optional[Any]  # the `training=` value, None when the call passes none


def follows_caller(node: cst.Call, kwargs: dict) -> bool:
    """A layer or model call that leaves the mode to its caller: no `training=` (or the enclosing
    model's own flag passed on), one positional argument, no `*args`/`**kwargs`."""
    if any(a.star for a in node.args) or sum(1 for a in node.args if a.keyword is None) > 1:
        return False
    flag = kwargs.get("training")
    return flag is None or isinstance(flag, TrainingFlag)


def inference_in_tape(call: TapeCall) -> list:
    """The training-dependent layers a call runs in inference mode while a tape trains its model:
    no `training=` at all (an explicit `training=False` is a choice, e.g. BatchNormalization kept
    frozen while fine-tuning); empty when the case is not certain."""
    if call.training is not None:
        return []
    if not any(tape.differentiates(call.model) for tape in call.tapes):
        return []
    return model_mode_layers(call.model)
