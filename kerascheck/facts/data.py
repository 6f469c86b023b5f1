"""Statically knowable training data: shapes and dtypes of NumPy arrays built in the script."""

from __future__ import annotations

from typing import Any, Optional

from kerascheck.facts.tensors import const, int_const, shape_tuple
from kerascheck.facts.values import UNKNOWN, Array, Const, QName, Seq

_FLOAT_FUNCS = {"rand", "randn", "random", "random_sample", "uniform", "normal", "standard_normal",
                "sample", "ranf"}
_INT_DTYPES = ("int", "uint")


def dtype_kind(value: Any) -> Optional[str]:
    """'int' | 'float' | 'bool' for a dtype given as a string or np./tf. name."""
    text = None
    if isinstance(value, Const) and isinstance(value.value, str):
        text = value.value
    elif isinstance(value, QName):
        text = str(value.name).rsplit(".", 1)[-1]
    elif isinstance(value, Const) and value.value is None:
        return None
    if not text:
        return None
    text = text.lower()
    if text in ("bool", "bool_"):
        return "bool"
    if text.startswith(_INT_DTYPES) or text in ("long", "short", "byte"):
        return "int"
    if text.startswith(("float", "half", "double", "bfloat")):
        return "float"
    return None


def _size(value: Any) -> Optional[tuple]:
    if value is None:
        return None
    return shape_tuple(value)


def _numel(shape: tuple) -> Optional[int]:
    n = 1
    for d in shape:
        if d is None:
            return None
        n *= d
    return n


def literal_array(value: Any) -> Optional[Array]:
    """np.array([[0, 1], [1, 0]]) → shape (2, 2), int."""
    shape: list = []
    kinds: set = set()

    def walk(v: Any, depth: int) -> bool:
        if isinstance(v, Seq):
            if len(shape) <= depth:
                shape.append(len(v.items))
            elif shape[depth] != len(v.items):
                return False
            return all(walk(item, depth + 1) for item in v.items)
        if isinstance(v, Const) and isinstance(v.value, (bool, int, float)):
            kinds.add("bool" if isinstance(v.value, bool) else "int" if isinstance(v.value, int) else "float")
            return len(shape) == depth
        return False

    if not isinstance(value, Seq) or not walk(value, 0):
        return None
    kind = "float" if "float" in kinds else ("int" if "int" in kinds else ("bool" if kinds else None))
    return Array(tuple(shape), kind)


def numpy_call(name: str, args: list, kwargs: dict, node: Any) -> Any:
    """The Array a NumPy constructor returns, or UNKNOWN. `name` is canonical (np.random.rand)."""
    short = name.rsplit(".", 1)[-1]
    if name in ("np.random.RandomState", "np.random.default_rng"):
        # a seeded generator: rng.randint(...) / rng.integers(...) / rng.random(...) draw like np.random.*
        from kerascheck.facts.names import canonical

        return QName(canonical("numpy.random"))
    if name.startswith("np.random.") or name.startswith("rng."):
        if short in ("rand", "randn"):
            dims = [int_const(a) for a in args]
            if all(d is not None for d in dims) and dims:
                return Array(tuple(dims), "float", node, continuous=True)
            return UNKNOWN
        if short in ("randint", "integers"):
            size = kwargs.get("size", args[2] if len(args) > 2 else None)
            shape = _size(size)
            low = int_const(kwargs.get("low", args[0] if args else None))
            high = int_const(kwargs.get("high", args[1] if len(args) > 1 else None))
            if high is None and low is not None and len(args) < 2 and "high" not in kwargs:
                high = low  # randint(n) draws from [0, n)
            kind = dtype_kind(kwargs.get("dtype")) or "int"
            return Array(shape, kind, node, int_high=high) if shape is not None else UNKNOWN
        if short in _FLOAT_FUNCS:
            if short in ("uniform", "normal"):
                size = kwargs.get("size", args[2] if len(args) > 2 else None)
            else:
                size = kwargs.get("size", args[0] if args else None)
            shape = _size(size)
            return Array(shape, "float", node, continuous=True) if shape is not None else UNKNOWN
        return UNKNOWN
    if short in ("zeros", "ones", "empty", "full"):
        shape = _size(kwargs.get("shape", args[0] if args else None))
        dtype = kwargs.get("dtype", args[2] if short == "full" and len(args) > 2 else
                           (args[1] if short != "full" and len(args) > 1 else None))
        kind = dtype_kind(dtype) if dtype is not None else "float"
        if short == "full" and dtype is None:
            fill = const(kwargs.get("fill_value", args[1] if len(args) > 1 else None))
            kind = "int" if isinstance(fill, int) and not isinstance(fill, bool) else "float"
        return Array(shape, kind, node) if shape is not None else UNKNOWN
    if short in ("array", "asarray"):
        arr = literal_array(args[0]) if args else None
        if arr is None and args and isinstance(args[0], Array):
            arr = Array(args[0].shape, args[0].dtype, node, args[0].one_hot, args[0].int_high,
                        continuous=args[0].continuous)
        if arr is None:
            return UNKNOWN
        kind = dtype_kind(kwargs.get("dtype")) if "dtype" in kwargs else arr.dtype
        return Array(arr.shape, kind, node, arr.one_hot, arr.int_high, continuous=arr.continuous and kind == "float")
    if short == "expand_dims" and args and isinstance(args[0], Array):
        return expand_dims(args[0], int_const(kwargs.get("axis", args[1] if len(args) > 1 else None)), node)
    if short == "eye":
        n = int_const(args[0]) if args else None
        return Array((n, n), "float", node, one_hot=True) if n is not None else UNKNOWN
    return UNKNOWN


def expand_dims(arr: Array, axis: Optional[int], node: Any) -> Any:
    if arr.shape is None or axis is None:
        return UNKNOWN
    shape = list(arr.shape)
    pos = axis if axis >= 0 else len(shape) + 1 + axis
    if not 0 <= pos <= len(shape):
        return UNKNOWN
    shape.insert(pos, 1)
    return Array(tuple(shape), arr.dtype, node, arr.one_hot, arr.int_high, continuous=arr.continuous)


def reshape(arr: Array, args: list, node: Any) -> Any:
    if len(args) == 1:
        new = shape_tuple(args[0])
    else:
        new = shape_tuple(Seq(args))
    if new is None or arr.shape is None:
        return UNKNOWN
    if -1 in new:
        total = _numel(arr.shape)
        rest = _numel(tuple(d for d in new if d != -1))
        if total is None or not rest or new.count(-1) != 1:
            new = tuple(None if d == -1 else d for d in new)
        else:
            inferred = total // rest
            if inferred.bit_length() > 4096:  # a product of huge dims: str() of it raises in messages
                inferred = None
            new = tuple(inferred if d == -1 else d for d in new)
    return Array(new, arr.dtype, node, arr.one_hot and new[-1:] == arr.shape[-1:], arr.int_high,
                 continuous=arr.continuous)


def one_hot(labels: Any, n: Optional[int], node: Any) -> Any:
    """keras.utils.to_categorical(y, n): a trailing axis of size 1 is dropped, then n appended."""
    if not isinstance(labels, Array) or labels.shape is None:
        return UNKNOWN
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    if n is None:
        n = labels.int_high
    return Array(shape + (n,), "float", node, one_hot=True)


def eye_rows(eye: Array, labels: Array, node: Any) -> Any:
    """np.eye(C)[labels]: integer labels of shape S become one-hot rows of shape S + (C,)."""
    if eye.shape is None or len(eye.shape) != 2 or labels.shape is None or labels.dtype != "int":
        return UNKNOWN
    return Array(labels.shape + (eye.shape[1],), eye.dtype, node, one_hot=True)


def subscript(arr: Array, index: list, node: Any) -> Any:
    """a[..., None], a[:, :, np.newaxis], a[:100] — the shapes we can follow."""
    if arr.shape is None:
        return UNKNOWN
    if len(index) == 2 and index[0] == "..." and index[1] == "newaxis":
        return Array(arr.shape + (1,), arr.dtype, node, False, arr.int_high, continuous=arr.continuous)
    if index and all(i in (":", "newaxis", "slice") for i in index):
        shape = list(arr.shape)
        out, pos = [], 0
        for i in index:
            if i == "newaxis":
                out.append(1)
            else:
                if pos >= len(shape):
                    return UNKNOWN
                out.append(None if i == "slice" and pos == 0 else shape[pos])
                pos += 1
        out.extend(shape[pos:])
        return Array(tuple(out), arr.dtype, node, arr.one_hot, arr.int_high, continuous=arr.continuous)
    return UNKNOWN
