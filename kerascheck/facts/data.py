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
            endpoint = const(kwargs.get("endpoint", Const(False)))
            if high is not None and endpoint is not False:
                high = high + 1 if endpoint is True else None  # integers(..., endpoint=True) includes high
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
    return numpy_derived(short, args, kwargs, node)


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
    return Array(shape + (n,), "float", node, one_hot=True, ids_divided=labels.ids_divided)


def eye_rows(eye: Array, labels: Array, node: Any) -> Any:
    """np.eye(C)[labels]: integer labels of shape S become one-hot rows of shape S + (C,)."""
    if eye.shape is None or len(eye.shape) != 2 or labels.shape is None or labels.dtype != "int":
        return UNKNOWN
    return Array(labels.shape + (eye.shape[1],), eye.dtype, node, one_hot=True)


# --- derived arrays: reductions, comparisons, indexing, joins -------------------------------------------
_REDUCTIONS = {"sum": None, "mean": "float", "prod": None, "max": None, "min": None, "std": "float",
               "var": "float", "median": "float", "nansum": None, "nanmean": "float", "any": "bool",
               "all": "bool", "argmax": "int", "argmin": "int", "amax": None, "amin": None, "average": "float"}
# elementwise NumPy functions: same shape; dtype is the input's (None) or float
_ELEMENTWISE = {"abs": None, "absolute": None, "round": None, "around": None, "clip": None, "square": None,
                "negative": None, "copy": None, "ascontiguousarray": None, "floor": "float", "ceil": "float",
                "exp": "float", "log": "float", "log1p": "float", "sqrt": "float", "sin": "float",
                "cos": "float", "tanh": "float", "sign": None}
_KIND_RANK = {"bool": 0, "int": 1, "float": 2}


def _like(arr: Array, shape: Optional[tuple], dtype: Optional[str], node: Any, keep: bool = False,
          values: bool = True) -> Any:
    """A new Array of `shape`. `values`: it holds some of `arr`'s values, so the class count still
    bounds them; `keep`: the one-hot class axis is intact too."""
    if shape is None:
        return UNKNOWN
    same = values and dtype == arr.dtype
    return Array(shape, dtype, node, arr.one_hot and keep and same, arr.int_high if same else None,
                 continuous=arr.continuous and dtype == "float")


def _axes(value: Any, rank: int) -> Optional[tuple]:
    """Normalized reduction axes; () for `axis=None` (all of them); None when not known."""
    if value is None or (isinstance(value, Const) and value.value is None):
        return tuple(range(rank))
    items = value.items if isinstance(value, Seq) else [value]
    out = []
    for item in items:
        a = int_const(item)
        if a is None or not -rank <= a < rank:
            return None
        out.append(a % rank)
    return tuple(sorted(set(out))) if len(set(out)) == len(out) else None


def reduce(arr: Array, fn: str, axis: Any, keepdims: Any, node: Any) -> Any:
    """x.sum(axis=1), np.mean(x, axis=(1, 2), keepdims=True), x.argmax(-1)."""
    if arr.shape is None:
        return UNKNOWN
    axes = _axes(axis, len(arr.shape))
    keep = const(keepdims) if keepdims is not None else False
    if axes is None or not isinstance(keep, bool) or (fn in ("argmax", "argmin") and len(axes) != 1 and
                                                        axis is not None):
        return UNKNOWN
    if fn in ("argmax", "argmin") and axis is None:
        shape: tuple = (1,) * len(arr.shape) if keep else ()
    elif keep:
        shape = tuple(1 if i in axes else d for i, d in enumerate(arr.shape))
    else:
        shape = tuple(d for i, d in enumerate(arr.shape) if i not in axes)
    kind = _REDUCTIONS[fn]
    if kind is None:
        kind = "int" if fn in ("sum", "prod", "nansum") and arr.dtype == "bool" else arr.dtype
    return Array(shape, kind, node, continuous=arr.continuous and kind == "float")


def compare(left: Any, right: Any, node: Any) -> Any:
    """`x > 0.5`: a bool array shaped like the array operand (a scalar or a same-shaped array)."""
    for arr, other in ((left, right), (right, left)):
        if isinstance(arr, Array) and arr.shape is not None and (
                (isinstance(other, Const) and isinstance(other.value, (int, float))) or
                (isinstance(other, Array) and other.shape == arr.shape)):
            return Array(arr.shape, "bool", node)
    return UNKNOWN


def matmul(a: Any, b: Any, node: Any) -> Any:
    """(..., n, k) @ (k, m) → (..., n, m); a vector operand drops its axis."""
    if not (isinstance(a, Array) and isinstance(b, Array)) or a.shape is None or b.shape is None:
        return UNKNOWN
    if len(a.shape) < 1 or len(b.shape) not in (1, 2):
        return UNKNOWN
    k_a, k_b = a.shape[-1], b.shape[0]
    if k_a is None or k_b is None or k_a != k_b:
        return UNKNOWN
    shape = a.shape[:-1] + (b.shape[1:] if len(b.shape) == 2 else ())
    kind = "float" if "float" in (a.dtype, b.dtype) else (a.dtype if a.dtype == b.dtype else None)
    return Array(shape, kind, node, continuous=(a.continuous or b.continuous) and kind == "float")


def _kind_of(value: Any) -> Optional[str]:
    if isinstance(value, Array):
        return value.dtype
    v = const(value)
    return "bool" if isinstance(v, bool) else "int" if isinstance(v, int) else "float" if isinstance(v, float) else None


def _promote(kinds: list) -> Optional[str]:
    if any(k not in _KIND_RANK for k in kinds):
        return None
    return max(kinds, key=_KIND_RANK.__getitem__)


def join(fn: str, items: Any, axis: Any, node: Any) -> Any:
    """np.concatenate / stack / hstack / vstack / column_stack of arrays with known shapes."""
    if not isinstance(items, Seq) or not items.items or getattr(items, "unsure", False):
        return UNKNOWN
    arrays = items.items
    if not all(isinstance(a, Array) and a.shape is not None for a in arrays):
        return UNKNOWN
    shapes = [a.shape for a in arrays]
    kind = _promote([a.dtype for a in arrays])
    if fn == "column_stack":
        shapes = [s + (1,) if len(s) == 1 else s for s in shapes]
        fn, axis = "concatenate", Const(1)
    elif fn == "hstack":
        fn, axis = "concatenate", Const(0 if len(shapes[0]) == 1 else 1)
    elif fn == "vstack":
        shapes = [(1,) + s if len(s) == 1 else s for s in shapes]
        fn, axis = "concatenate", Const(0)
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        return UNKNOWN
    ax = int_const(axis) if axis is not None else 0
    if fn == "stack":
        if ax is None or not -(rank + 1) <= ax <= rank or any(s != shapes[0] for s in shapes):
            return UNKNOWN
        ax %= rank + 1
        return Array(shapes[0][:ax] + (len(shapes),) + shapes[0][ax:], kind, node)
    if ax is None or rank == 0 or not -rank <= ax < rank:
        return UNKNOWN
    ax %= rank
    for s in shapes:
        if any(d != shapes[0][i] for i, d in enumerate(s) if i != ax) or any(d is None for d in s):
            return UNKNOWN
    total = sum(s[ax] for s in shapes)
    out = shapes[0][:ax] + (total,) + shapes[0][ax + 1:]
    return Array(out, kind, node, continuous=all(a.continuous for a in arrays) and kind == "float")


def squeeze(arr: Array, axis: Any, node: Any) -> Any:
    if arr.shape is None:
        return UNKNOWN
    if axis is None or (isinstance(axis, Const) and axis.value is None):
        if any(d is None for d in arr.shape):
            return UNKNOWN
        return _like(arr, tuple(d for d in arr.shape if d != 1), arr.dtype, node)
    axes = _axes(axis, len(arr.shape))
    if axes is None or any(arr.shape[a] != 1 for a in axes):
        return UNKNOWN
    return _like(arr, tuple(d for i, d in enumerate(arr.shape) if i not in axes), arr.dtype, node,
                 keep=len(arr.shape) - 1 not in axes)


def array_method(arr: Array, name: str, args: list, kwargs: dict, node: Any) -> Any:
    """Methods of an ndarray: x.sum(axis=1), x.copy(), x.ravel(), x.squeeze(-1), x.argmax(-1)."""
    if name in _REDUCTIONS:
        return reduce(arr, name, kwargs.get("axis", args[0] if args else None),
                      kwargs.get("keepdims"), node)
    if name in ("copy", "to_numpy"):  # to_numpy: a DataFrame the facts hold as an Array (pd.get_dummies)
        return arr
    if name in ("ravel", "flatten"):
        n = _numel(arr.shape) if arr.shape is not None else None
        return _like(arr, (n,), arr.dtype, node) if n is not None else UNKNOWN
    if name == "squeeze":
        return squeeze(arr, kwargs.get("axis", args[0] if args else None), node)
    if name in ("round", "clip"):
        return _like(arr, arr.shape, arr.dtype, node, values=False)
    return UNKNOWN


def numpy_derived(short: str, args: list, kwargs: dict, node: Any) -> Any:
    """np.sum(x, axis=1), np.concatenate([a, b], axis=1), np.where(c, a, b), np.zeros_like(x), ..."""
    first = kwargs.get("a", args[0] if args else None)
    if short in ("concatenate", "stack", "hstack", "vstack", "column_stack"):
        return join(short, first if first is not None else kwargs.get("arrays"),
                    kwargs.get("axis", args[1] if len(args) > 1 else None), node)
    if short == "arange" and len(args) == 1 and not kwargs:
        n = int_const(args[0])
        return Array((n,), "int", node) if n is not None and n >= 0 else UNKNOWN
    if short == "linspace" and len(args) == 3 and not kwargs:
        n = int_const(args[2])
        return Array((n,), "float", node, continuous=True) if n is not None and n >= 0 else UNKNOWN
    if not isinstance(first, Array):
        return UNKNOWN
    if short in _REDUCTIONS:
        return reduce(first, short, kwargs.get("axis", args[1] if len(args) > 1 else None),
                      kwargs.get("keepdims"), node)
    if short == "squeeze":
        return squeeze(first, kwargs.get("axis", args[1] if len(args) > 1 else None), node)
    if short in ("zeros_like", "ones_like", "empty_like"):
        dtype = kwargs.get("dtype", args[1] if len(args) > 1 else None)
        return _like(first, first.shape, dtype_kind(dtype) if dtype is not None else first.dtype, node,
                     values=False)
    if short in _ELEMENTWISE and len(args) <= (3 if short == "clip" else 1) and \
            not set(kwargs) - {"decimals", "a_min", "a_max"}:
        kind = _ELEMENTWISE[short] or first.dtype
        if short == "clip":  # float bounds make an integer array float
            kind = _promote([kind] + [_kind_of(v) for v in args[1:] if not (isinstance(v, Const) and v.value is None)])
        same = short in ("copy", "ascontiguousarray")
        return _like(first, first.shape, kind, node, keep=same, values=same)
    if short == "where" and len(args) == 3:
        if first.shape is None or any(isinstance(v, Array) and v.shape != first.shape for v in args[1:]):
            return UNKNOWN
        return Array(first.shape, _promote([_kind_of(v) for v in args[1:]]), node)
    return UNKNOWN


def _slice_len(n: Optional[int], lo: Any, hi: Any, step: Any) -> Optional[int]:
    """len(range(n)[lo:hi:step]); bounds are ints, None (absent) or "?" (not known)."""
    if "?" in (lo, hi, step) or step == 0:
        return None
    if n is None:
        return None
    return len(range(n)[slice(lo, hi, step)])


def index(arr: Array, items: list, node: Any) -> Any:
    """Basic NumPy indexing: items are ("int", k), ("slice", lo, hi, step), "newaxis" or "..."."""
    if arr.shape is None or items.count("...") > 1:
        return UNKNOWN
    consumed = sum(1 for i in items if i not in ("...", "newaxis"))
    if consumed > len(arr.shape):
        return UNKNOWN
    if "..." in items:
        at = items.index("...")
        items = items[:at] + [("slice", None, None, None)] * (len(arr.shape) - consumed) + items[at + 1:]
    shape = list(arr.shape)
    out: list = []
    pos = 0
    last_kept = True  # the class axis is still the last one and whole (one-hot rows stay one-hot)
    for item in items:
        if item == "newaxis":
            out.append(1)
            continue
        d = shape[pos]
        if item[0] == "int":
            k = item[1]
            if d is not None and not -d <= k < d:
                return UNKNOWN
            if pos == len(shape) - 1:
                last_kept = False
        else:
            _, lo, hi, step = item
            whole = lo is None and hi is None and step is None
            out.append(d if whole else _slice_len(d, lo, hi, step))
            if pos == len(shape) - 1 and not whole:
                last_kept = False
        pos += 1
    out.extend(shape[pos:])
    keep = last_kept and bool(shape) and (not out or out[-1] == shape[-1])  # a 0-d array has no class axis
    return _like(arr, tuple(out), arr.dtype, node, keep=keep)
