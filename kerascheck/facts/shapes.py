"""Output shapes of layers whose sizes follow from their arguments: convolutions, pooling,
upsampling, padding, cropping, resizing, Dense and Flatten, applied to a tensor whose shape (batch
axis aside) is fully known. Anything else, or any argument not written as a literal (a
`data_format`, a dilation, an `output_padding`), gives None: unknown stays unknown.

The arithmetic is Keras's (keras/src/ops/operation_utils.py, identical in 2.15's conv_utils):
"valid" gives floor((n - k) / s) + 1, "same" (and Conv1D's "causal") ceil(n / s); a transposed
convolution gives n * s + max(k - s, 0) ("valid") or n * s ("same"); pooling strides default to
the pool size.
"""

from __future__ import annotations

import math
from typing import Any, Optional

from kerascheck.facts import keras_api as K
from kerascheck.facts.values import Const, Layer, Seq

_CONV = {"Conv1D": 1, "Conv2D": 2, "Conv3D": 3, "Convolution1D": 1, "Convolution2D": 2, "Convolution3D": 3,
         "SeparableConv1D": 1, "SeparableConv2D": 2}
_TRANSPOSED = {"Conv1DTranspose": 1, "Conv2DTranspose": 2, "Conv3DTranspose": 3}
_POOL = {f"{kind}{d}D": d for d in (1, 2, 3) for kind in ("MaxPooling", "AveragePooling", "MaxPool", "AvgPool")}
_UPSAMPLE = {"UpSampling1D": 1, "UpSampling2D": 2, "UpSampling3D": 3}
_PAD = {"ZeroPadding1D": 1, "ZeroPadding2D": 2, "ZeroPadding3D": 3}
_CROP = {"Cropping1D": 1, "Cropping2D": 2, "Cropping3D": 3}
# Layers that keep the shape (the transparent and activation layers keep it through Tensor.derive
# already); Normalization and Masking keep it too, though Normalization's weights are shaped by it.
_KEEP = K.SHAPE_KEEPING_LAYERS | {"Normalization", "Masking"}


def _ints(value: Any, n: int) -> Optional[tuple]:
    """An int or a tuple/list of n ints, as n ints."""
    if isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return (value.value,) * n
    if isinstance(value, Seq) and len(value.items) == n:
        out = tuple(i.value for i in value.items if isinstance(i, Const))
        if len(out) == n and all(isinstance(v, int) and not isinstance(v, bool) for v in out):
            return out
    return None


def _text(value: Any, default: str) -> Optional[str]:
    if value is None:
        return default
    return value.value.lower() if isinstance(value, Const) and isinstance(value.value, str) else None


def _default_free(layer: Layer, names: tuple) -> bool:
    """None of `names` is given (a non-default data_format, dilation, ... is not followed)."""
    return not any(name in layer.kwargs for name in names)


def output_shape(layer: Layer, shape: tuple) -> Optional[tuple]:
    """The shape `layer` gives a tensor of `shape` (batch axis first, every other axis known), or None."""
    if len(shape) < 2 or not all(isinstance(d, int) and d > 0 for d in shape[1:]):
        return None
    cls, batch, spatial, channels = layer.cls, shape[0], tuple(shape[1:-1]), shape[-1]
    if cls in _KEEP:
        return tuple(shape)
    if cls == "Dense":
        return tuple(shape[:-1]) + (layer.units,) if layer.units else None
    if cls == "Flatten":
        return (batch, math.prod(shape[1:]))
    if cls.startswith(("GlobalAveragePooling", "GlobalMaxPooling", "GlobalAvgPool", "GlobalMaxPool")):
        return (batch, channels) if _default_free(layer, ("data_format", "keepdims")) else None
    if not _default_free(layer, ("data_format",)):
        return None
    n = _CONV.get(cls) or _TRANSPOSED.get(cls) or _POOL.get(cls) or _UPSAMPLE.get(cls) or _PAD.get(cls) \
        or _CROP.get(cls)
    if cls in K.RESIZING_LAYERS and len(spatial) == 2:
        size = (layer.arg("height", 0), layer.arg("width", 1))
        dims = tuple(v.value for v in size if isinstance(v, Const) and isinstance(v.value, int))
        return (batch,) + dims + (channels,) if len(dims) == 2 else None
    if n is None or len(spatial) != n:
        return None
    if cls in _CONV or cls in _TRANSPOSED:
        if not _default_free(layer, ("dilation_rate", "output_padding")) or not layer.units:
            return None
        kernel = _ints(layer.arg("kernel_size", 1), n)
        strides = _ints(layer.arg("strides", 2), n) if layer.arg("strides", 2) is not None else (1,) * n
        padding = _text(layer.arg("padding", 3), "valid")
        if kernel is None or strides is None or padding not in ("valid", "same", "causal"):
            return None
        if cls in _TRANSPOSED:
            out = [d * s + (max(k - s, 0) if padding == "valid" else 0) for d, k, s in zip(spatial, kernel, strides)]
        else:
            out = [(d - k) // s + 1 if padding == "valid" else math.ceil(d / s)
                   for d, k, s in zip(spatial, kernel, strides)]
        return (batch,) + tuple(out) + (layer.units,) if all(d > 0 for d in out) else None
    if cls in _POOL:
        pool = _ints(layer.arg("pool_size", 0), n) if layer.arg("pool_size", 0) is not None else (2,) * n
        given = layer.arg("strides", 1)
        strides = pool if given is None or (isinstance(given, Const) and given.value is None) else _ints(given, n)
        padding = _text(layer.arg("padding", 2), "valid")
        if pool is None or strides is None or padding not in ("valid", "same"):
            return None
        out = [(d - p) // s + 1 if padding == "valid" else math.ceil(d / s) for d, p, s in zip(spatial, pool, strides)]
        return (batch,) + tuple(out) + (channels,) if all(d > 0 for d in out) else None
    if cls in _UPSAMPLE:
        size = _ints(layer.arg("size", 0), n) if layer.arg("size", 0) is not None else (2,) * n
        return (batch,) + tuple(d * f for d, f in zip(spatial, size)) + (channels,) if size else None
    if cls in _PAD or cls in _CROP:
        key = "padding" if cls in _PAD else "cropping"
        given = layer.arg(key, 0)
        if given is None:
            return (batch,) + tuple(d + 2 for d in spatial) + (channels,) if cls in _PAD else None
        pairs = _pairs(given, n)
        if pairs is None:
            return None
        sign = 1 if cls in _PAD else -1
        out = [d + sign * (a + b) for d, (a, b) in zip(spatial, pairs)]
        return (batch,) + tuple(out) + (channels,) if all(d > 0 for d in out) else None
    return None


def _pairs(value: Any, n: int) -> Optional[list]:
    """ZeroPadding/Cropping amounts as n (before, after) pairs: an int, n ints, or n pairs."""
    flat = _ints(value, n)
    if flat is not None:
        return [(v, v) for v in flat]
    if n == 1:
        pair = _ints(value, 2)
        return [pair] if pair is not None else None
    if isinstance(value, Seq) and len(value.items) == n:
        pairs = [_ints(item, 2) for item in value.items]
        return pairs if all(p is not None for p in pairs) else None
    return None


assert set(_POOL) <= set(K.LAYER_OUTPUT_RANK)  # the rank table and these sizes agree on the layers
