"""Input scaling: pixel values divided by 255 in the data pipeline and divided again by the model's
own `Rescaling` layer (KC605).

Measured on Keras 3.15 and 2.15 (images 0..255, a small classifier): with `x / 255.0` fed to a
model that starts with `Rescaling(1/255)` the network sees values in [0, 1/255]; training makes
little progress (test accuracy 0.28-0.68 on 3 classes against 0.93-1.00 for the same script scaled
once). `Rescaling(2, offset=-1)` after `/ 255` (to [-1, 1]) is correct: only a second division by
about 255 (a divisor from 127 to 256, `1/127.5` included) is reported.

What the interpreter records: an `Array` keeps the constant it was divided by (`Array.divided`);
data of unknown shape divided by such a constant becomes `ScaledData`, and so does a `tf.data`
pipeline whose `map` divides the images; `ImageDataGenerator(rescale=1/255)` is an
`ImageGenerator`, and its `flow*` methods give a `GeneratorFlow`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import libcst as cst

from kerascheck.facts.values import Array, Augmenter, Const, Layer, Model, Pipeline, Seq, Tensor

LOW, HIGH = 127.0, 256.0  # a divisor in this range maps 0..255 pixels to about [0, 1] (or [0, 2])
IMAGE_DATA_GENERATOR = "keras.preprocessing.image.ImageDataGenerator"
GENERATOR_FLOWS = ("flow", "flow_from_directory", "flow_from_dataframe")
# methods of arrays and tf.data datasets that keep the values as they are
KEEPS_VALUES = {"batch", "prefetch", "cache", "shuffle", "repeat", "reshape", "copy", "unbatch", "padded_batch"}
# layers that move, flip, crop or resize pixels but keep their value range
KEEPS_RANGE = {"InputLayer", "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomCrop",
               "Resizing", "CenterCrop", "Reshape"}


def pixel_divisor(divisor: float) -> bool:
    return LOW <= divisor <= HIGH


def _number(value: Any) -> Optional[float]:
    if isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
        return float(value.value)
    return None


def divisor_of(operator: cst.BaseBinaryOp, other: Any, data_on_left: bool) -> Optional[float]:
    """The divisor `data / c` or `data * (1/c)` applies, None for anything else."""
    c = _number(other)
    if c is None or c <= 0:
        return None
    if isinstance(operator, cst.Divide) and data_on_left:
        return c
    if isinstance(operator, cst.Multiply) and c < 1:
        return 1.0 / c
    return None


def keeps_divisor(operator: cst.BaseBinaryOp, other: Any) -> bool:
    """`x / 127.5 - 1`: adding or subtracting a constant keeps the scale."""
    return isinstance(operator, (cst.Add, cst.Subtract)) and _number(other) is not None


@dataclass(eq=False)
class ScaledData:
    """Data whose values the script divided by `divisor` though their shape is not known:
    `x_train / 255.0` of a loaded dataset, `ds.map(lambda x, y: (x / 255, y))`."""

    divisor: float
    node: cst.CSTNode  # where the division is written


@dataclass(eq=False)
class ImageGenerator(Augmenter):
    """`ImageDataGenerator(...)`: `rescale` is the divisor its `rescale=` applies (None: none or unknown)."""

    kwargs: dict = field(default_factory=dict)
    divisor: Optional[float] = None
    rescale_node: Optional[cst.CSTNode] = None


@dataclass(eq=False)
class GeneratorFlow(Pipeline):
    """`gen.flow(...)`, `gen.flow_from_directory(...)`, `gen.flow_from_dataframe(...)`: an iterator
    pipeline (facts/pipelines.py) whose order and scaling this module follows."""

    gen: Optional[ImageGenerator] = None
    method: str = ""
    kwargs: dict = field(default_factory=dict)
    uses: list = field(default_factory=list)  # facts.evaluation: where its labels are read


def image_generator(node: cst.Call, kwargs: dict, arg_nodes: dict) -> ImageGenerator:
    gen = ImageGenerator(node=node, kwargs=kwargs)
    scale = _number(kwargs.get("rescale"))
    if scale is not None and scale > 0:
        gen.divisor = 1.0 / scale
        gen.rescale_node = arg_nodes.get("rescale")
    return gen


def map_divisor(func: Any, eval_const: Any) -> Optional[tuple[float, cst.CSTNode]]:
    """`lambda x, y: (x / 255.0, y)` (or `tf.cast(x, tf.float32) / 255.`): the divisor the map
    applies to the images, and the division node."""
    node = getattr(func, "node", None)
    if not isinstance(node, cst.Lambda) or not isinstance(node.body, cst.Tuple) or not node.body.elements:
        return None
    params = node.params.params
    if len(params) < 2:
        return None
    first = node.body.elements[0].value
    if not isinstance(first, cst.BinaryOperation):
        return None
    left = first.left
    if isinstance(left, cst.Call) and left.args and isinstance(left.func, cst.Attribute) and \
            left.func.attr.value == "cast":
        left = left.args[0].value
    if not (isinstance(left, cst.Name) and left.value == params[0].name.value):
        return None
    divisor = divisor_of(first.operator, eval_const(first.right), True)
    return (divisor, first) if divisor is not None else None


def data_scaling(value: Any) -> Optional[tuple[float, Optional[cst.CSTNode]]]:
    """(the divisor, where it is written) of training data the script scaled, None when not known."""
    if isinstance(value, Array) and value.divided is not None:
        return value.divided, value.node
    if isinstance(value, ScaledData):
        return value.divisor, value.node
    if isinstance(value, GeneratorFlow) and value.gen.divisor is not None:
        return value.gen.divisor, value.gen.rescale_node
    return None


def _rescaling_divisor(layer: Layer) -> Optional[float]:
    scale = _number(layer.arg("scale", 0))
    return 1.0 / scale if scale is not None and scale > 0 else None


def input_rescaling(model: Model) -> Optional[tuple[Layer, float]]:
    """The `Rescaling` layer the model applies first to its input (after layers that keep the
    value range), with the divisor it applies; None when the model starts otherwise or is unknown."""
    if model.kind == "sequential":
        if model.uncertain:
            return None
        chain = model.layers
    else:
        out = model.output_value()
        if isinstance(out, Seq):
            out = next((t for t in out.items if isinstance(t, Tensor) and t.chain), None)
        if not isinstance(out, Tensor) or not out.chain:
            return None
        chain = out.chain
    for layer in chain:
        if isinstance(layer, Tensor) and layer.is_input:
            continue
        if not isinstance(layer, Layer):
            return None
        if layer.cls in KEEPS_RANGE:
            continue
        if layer.cls != "Rescaling":
            return None
        divisor = _rescaling_divisor(layer)
        return (layer, divisor) if divisor is not None else None
    return None
