"""Layer construction and application: what a layer does to the shape and activation of a tensor."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterator, Optional

import libcst as cst

from kerascheck.facts import keras_api as K
from kerascheck.facts import shapes, training_mode
from kerascheck.facts.names import Canonical
from kerascheck.facts.values import UNKNOWN, Array, Const, Layer, Model, QName, Seq, Tensor


def const(value: Any) -> Any:
    return value.value if isinstance(value, Const) else None


def int_const(value: Any) -> Optional[int]:
    v = const(value)
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def shape_tuple(value: Any) -> Optional[tuple]:
    """(28, 28, 1) from a literal tuple/list/int value; None entries for unknown dims."""
    if isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return (value.value,)
    if isinstance(value, Seq):
        dims = []
        for item in value.items:
            v = const(item)
            if v is None or (isinstance(v, int) and not isinstance(v, bool)):
                dims.append(v)
            else:
                return None
        return tuple(dims)
    return None


def activation_value(value: Any) -> Optional[str]:
    if isinstance(value, Const):
        if value.value is None or isinstance(value.value, str):
            return K.activation_of(value.value)
        return None
    if isinstance(value, QName):
        return K.activation_of(str(value.name))
    return None


def make_layer(qname: Canonical, node: cst.Call, args: list, kwargs: dict, arg_nodes: dict) -> Layer:
    cls = qname.rsplit(".", 1)[-1]
    layer = Layer(cls=cls, qname=qname, node=node, kwargs=kwargs, args=args, arg_nodes=arg_nodes)
    if cls in K.UNIT_LAYERS:
        name, index = K.UNIT_LAYERS[cls]
        layer.units = int_const(layer.arg(name, index))
    if "activation" in kwargs:
        layer.activation = activation_value(kwargs["activation"])
        layer.activation_node = arg_nodes.get("activation")
    elif cls in K.LINEAR_DEFAULT:
        layer.activation = "linear"
    elif cls in K.ACTIVATION_LAYERS:
        fixed = K.ACTIVATION_LAYERS[cls]
        layer.activation = fixed if fixed else activation_value(layer.arg("activation", 0))
        layer.activation_node = node
    shape = kwargs.get("input_shape")
    if shape is not None:
        layer.input_shape = shape_tuple(shape)
    elif "input_dim" in kwargs and int_const(kwargs["input_dim"]) is not None:
        layer.input_shape = (int_const(kwargs["input_dim"]),)
    elif cls == "InputLayer":
        layer.input_shape = shape_tuple(kwargs.get("shape", kwargs.get("input_shape", layer.arg("shape", 0))))
    name = const(kwargs.get("name"))
    layer.name = name if isinstance(name, str) else None
    return layer


@dataclass(frozen=True)
class FloatCount:
    """A float written where a layer takes an integer (a unit count, a size, a shape entry)."""

    layer: Layer
    argument: str
    node: cst.CSTNode  # the expression that evaluates to a float
    value: Optional[float]  # when the interpreter knows it
    raises_on: frozenset  # the Keras majors that refuse it (keras_api.COUNT_ARGUMENTS)


def _surely_float(node: cst.CSTNode, value: Any) -> bool:
    if isinstance(value, Const):
        return isinstance(value.value, float)
    if isinstance(node, cst.Float):
        return True
    if isinstance(node, cst.BinaryOperation):
        # true division gives a float for any numbers (Python ints, floats, NumPy scalars), and so
        # does arithmetic with a float literal
        if isinstance(node.operator, cst.Divide):
            return True
        return (isinstance(node.operator, (cst.Add, cst.Subtract, cst.Multiply))
                and (isinstance(node.left, cst.Float) or isinstance(node.right, cst.Float)))
    return False


def float_counts(layer: Layer) -> Iterator[FloatCount]:
    """The integer arguments of `layer`'s constructor that are floats for certain (`Dense(h / 2)`,
    `Reshape((n / 2, 2))`, `hidden = 64 * 0.5; LSTM(hidden)`); unknown values never count."""
    for name, index, majors in K.COUNT_ARGUMENTS.get(layer.cls, ()):
        node = layer.arg_node(name, index)
        if node is None:
            continue
        value = layer.arg(name, index)
        pairs = [(node, value)]
        if isinstance(node, (cst.Tuple, cst.List)):
            items = value.items if isinstance(value, Seq) and len(value.items) == len(node.elements) else None
            pairs = [(el.value, items[i] if items else None) for i, el in enumerate(node.elements)
                     if isinstance(el, cst.Element)]
        for part, v in pairs:
            if _surely_float(part, v):
                known = const(v)
                yield FloatCount(layer, name, part, known if isinstance(known, float) else None, majors)


def input_tensor(shape: Optional[tuple], node: cst.CSTNode, name: Optional[str] = None) -> Tensor:
    if shape is None:
        return Tensor(node=node, is_input=True, name=name, chain=(), symbolic=True)
    full = (None,) + tuple(shape)
    return Tensor(rank=len(full), units=full[-1], shape=full, node=node, is_input=True, name=name, chain=(),
                  symbolic=True)


def apply_layer(layer: Layer, x: Any, follows: bool = True) -> Tensor:
    """The tensor `layer(x)` produces, as far as we know it (a KerasTensor when x is one). `follows`:
    the call leaves the training mode to the model's caller (no `training=` of its own), so a
    training-dependent layer joins the tensor's `mode_layers`."""
    out = _apply_layer(layer, x)
    if out.shape is None and isinstance(x, Tensor) and x.shape is not None:
        shape = shapes.output_shape(layer, x.shape)
        if shape is not None and out.rank in (None, len(shape)):
            out.shape, out.rank = shape, len(shape)
    mode = training_mode.chain(x)
    if follows and training_mode.depends_on_training(layer):
        mode = mode + (layer,)
    if mode:
        out.mode_layers = mode
    out.chain = x.chain + (layer,) if isinstance(x, Tensor) and x.chain is not None else None
    out.symbolic = isinstance(x, Tensor) and x.symbolic
    return out


def _apply_layer(layer: Layer, x: Any) -> Tensor:
    src = x if isinstance(x, Tensor) else Tensor()
    cls = layer.cls
    if cls in ("Reshape", "Dense", "Flatten") and isinstance(x, Tensor) and len(layer.inputs) < 8:
        # a Sequential model's output is worked out anew on each request: one entry per distinct input
        key = (x.shape, x.rank, x.units, id(x.layer), x.is_input)
        if not any((t.shape, t.rank, t.units, id(t.layer), t.is_input) == key for t in layer.inputs):
            layer.inputs.append(x)
    if cls in K.TRANSPARENT_LAYERS or (cls == "Activation" and layer.activation == "linear"):
        # An identity activation (the mixed-precision idiom `Activation("linear", dtype="float32")`
        # after a softmax) keeps what came before it.
        return src.derive(layer=layer, node=layer.node, name=layer.name or src.name)
    if cls in K.ACTIVATION_LAYERS:
        return src.derive(activation=layer.activation, activation_node=layer.node, layer=layer,
                          node=layer.node, name=layer.name or src.name)
    out = Tensor(layer=layer, node=layer.node, name=layer.name)
    if cls in K.UNIT_LAYERS:
        out.units = layer.units
        out.activation = layer.activation
        out.activation_node = layer.activation_node or layer.node
        out.rank = K.LAYER_OUTPUT_RANK.get(cls, src.rank)
        if cls == "Dense" and src.rank is None and layer.input_shape is not None:
            out.rank = len(layer.input_shape) + 1
        return out
    if cls in K.RECURRENT_LAYERS:
        given = layer.kwargs.get("return_sequences", Const(False))
        seq = const(given) if isinstance(given, Const) else None
        out.rank = 3 if seq is True else 2 if seq is False else None
        out.units = int_const(layer.arg("units", 0))
        out.activation = None
        return out
    if cls in K.LAYER_OUTPUT_RANK:
        out.rank = K.LAYER_OUTPUT_RANK[cls]
        return out
    if cls == "Lambda":
        fn = layer.arg("function", 0)
        squeeze = getattr(fn, "squeeze_call", None)
        if squeeze is not None:
            out = src.derive(layer=layer, node=layer.node, squeeze=squeeze, squeeze_units=src.units, rank=None,
                             units=None, shape=None)
        return out
    if cls == "Concatenate":
        return out  # filled by the caller, which sees the list of inputs
    return out


def positional_source(layers: tuple) -> Optional[Layer]:
    """The layer whose output still has positions (time steps, pixels) under a model's head: the last
    layer before the trailing Dense, activation and rank-keeping layers; None when it is not a layer."""
    for layer in reversed(layers):
        if isinstance(layer, Layer) and (layer.cls == "Dense" or layer.cls in K.ACTIVATION_LAYERS
                                         or layer.cls in K.TRANSPARENT_LAYERS):
            continue
        return layer if isinstance(layer, Layer) else None
    return None


def sample_size(t: Tensor) -> Optional[int]:
    """The number of values in one sample of `t` (all axes but the batch), when known: a declared
    input's full shape, or the units of a rank-2 output (`Dense(6272)` gives 6272)."""
    if t.shape is not None and len(t.shape) >= 2 and all(isinstance(d, int) and d > 0 for d in t.shape[1:]):
        return math.prod(t.shape[1:])
    if t.rank == 2 and isinstance(t.units, int) and t.units > 0:
        return t.units
    return None


@dataclass(frozen=True)
class ReshapeMismatch:
    """`Reshape(target_shape)` applied to a tensor whose sample size the target cannot hold."""

    layer: Layer
    size: int  # values per sample coming in
    target: tuple  # the target shape, -1 included


def reshape_mismatches(layers: list) -> Iterator[ReshapeMismatch]:
    """The Reshape layers among `layers` whose target cannot hold what they get: Keras 3.15 and 2.15
    raise at model construction when the target's sizes multiply to another number than the
    incoming sample size (or, with one -1, do not divide it)."""
    seen = set()
    for layer in layers:
        if layer.cls == "Reshape" and id(layer.node) not in seen:
            seen.add(id(layer.node))
            yield from _reshape_mismatches(layer)


def _reshape_mismatches(layer: Layer) -> Iterator[ReshapeMismatch]:
    if not layer.inputs:
        return
    target = shape_tuple(layer.arg("target_shape", 0))
    if not target or any(not isinstance(d, int) or d == 0 or d < -1 for d in target) or target.count(-1) > 1:
        return
    known = 1
    for d in target:
        if d != -1:
            known *= d
    seen = set()
    for t in layer.inputs:
        size = sample_size(t)
        if size is None or size in seen:
            continue
        seen.add(size)
        if (-1 in target and size % known) or (-1 not in target and size != known):
            yield ReshapeMismatch(layer, size, target)


@dataclass(frozen=True)
class UndefinedFlatten:
    """`Flatten()` over a declared input with a `None` axis besides the batch, feeding a `Dense`."""

    flatten: Layer
    dense: Layer
    shape: tuple  # the declared input's shape, batch axis first


def undefined_flattens(layers: list) -> Iterator[UndefinedFlatten]:
    """Keras cannot size the Dense kernel: its input has an undefined last axis (Keras 3.15 and 2.15
    raise when the Dense is built). Only `None`s the script declares (`keras.Input(shape=(None, 8))`,
    reaching the Flatten through layers that keep the shape) count: elsewhere a `None` in a shape
    only means not known here."""
    seen = set()
    for dense in layers:
        if dense.cls != "Dense" or id(dense.node) in seen:
            continue
        seen.add(id(dense.node))
        for t in dense.inputs:
            flat = t.layer
            if not isinstance(flat, Layer) or flat.cls != "Flatten":
                continue
            declared = next((i.shape for i in flat.inputs if i.is_input and i.shape is not None
                             and any(d is None for d in i.shape[1:])), None)
            if declared is not None:
                yield UndefinedFlatten(flat, dense, declared)
                break


def embedding_weights_mismatch(layer: Layer) -> Optional[tuple]:
    """`Embedding(input_dim, output_dim, weights=[matrix])` whose matrix shape is known and is not
    (input_dim, output_dim): ((input_dim, output_dim), the matrix shape, the matrix's node)."""
    if layer.cls != "Embedding":
        return None
    weights = layer.kwargs.get("weights")
    dims = (int_const(layer.arg("input_dim", 0)), int_const(layer.arg("output_dim", 1)))
    if not isinstance(weights, Seq) or len(weights.items) != 1 or None in dims:
        return None
    matrix = weights.items[0]
    shape = matrix.shape if isinstance(matrix, Array) else None
    if shape is None or len(shape) != 2 or not all(isinstance(d, int) for d in shape):
        return None
    return (dims, tuple(shape), matrix.node) if tuple(shape) != dims else None


def sequential_output(model: Model) -> Any:
    if not model.layers:
        return UNKNOWN
    x: Any = None
    first = model.layers[0]
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Tensor):  # keras.Input(...) as the first element
            x = layer
            continue
        if not isinstance(layer, Layer):
            x = UNKNOWN
            continue
        if layer.cls == "InputLayer":
            x = input_tensor(layer.input_shape, layer.node)
            continue
        if x is None:
            x = input_tensor(layer.input_shape, layer.node) if layer.input_shape is not None else Tensor()
        x = apply_layer(layer, x)
    del first
    return x if isinstance(x, Tensor) else UNKNOWN


def sequential_input(model: Model) -> Optional[Tensor]:
    for layer in model.layers[:1]:
        if isinstance(layer, Tensor):
            return layer
        if isinstance(layer, Layer):
            if layer.cls == "InputLayer" or layer.input_shape is not None:
                return input_tensor(layer.input_shape, layer.node)
    return None
