"""Where the data comes from: Keras's dataset loaders and scikit-learn/pandas label encoders, as the
arrays they return (shape, dtype, label encoding), so that the label and shape rules see data that
is not built from NumPy literals.

The loader facts come from Keras's own sources (`keras/src/datasets/*.py`, the same in Keras 2.15 and
3.15; `california_housing` is Keras 3 only): the loaders download their data, so nothing here or in
the tests calls them. What a loader does not fix (a `test_split` argument, the sequences of `imdb`
and `reuters`) stays unknown.
"""

from __future__ import annotations

from typing import Any, Optional

from kerascheck.facts.values import UNKNOWN, Array, Const, Seq

# name -> (train samples, test samples, x's trailing shape or None (unknown), x's dtype, class count
# or None for a regression target, the label array's trailing shape)
_LOADERS: dict[str, tuple[Optional[int], Optional[int], Optional[tuple], Optional[str], Optional[int], tuple]] = {
    "mnist": (60000, 10000, (28, 28), "int", 10, ()),
    "fashion_mnist": (60000, 10000, (28, 28), "int", 10, ()),
    "cifar10": (50000, 10000, (32, 32, 3), "int", 10, (1,)),  # labels (N, 1), not (N,)
    "cifar100": (50000, 10000, (32, 32, 3), "int", 100, (1,)),
    "imdb": (25000, 25000, None, None, 2, ()),  # x: sequences of word ids of varying length
    "reuters": (None, None, None, None, 46, ()),
    "boston_housing": (None, None, (13,), "float", None, ()),
    "california_housing": (None, None, (8,), "float", None, ()),
}
_CIFAR100_COARSE = 20

# scikit-learn classes whose `fit_transform`/`transform` output the facts layer knows: class ids.
# Not LabelBinarizer (one column, not two, for two classes) nor OneHotEncoder (a sparse matrix by
# default): their outputs stay unknown.
ENCODERS = frozenset({"sklearn.preprocessing.LabelEncoder"})


def load_data(name: str, kwargs: dict, node: Any) -> Any:
    """`keras.datasets.<name>.load_data(...)`: ((x_train, y_train), (x_test, y_test))."""
    entry = _LOADERS.get(name)
    if entry is None:
        return UNKNOWN
    n_train, n_test, x_tail, x_dtype, classes, y_tail = entry
    if name == "cifar100":
        mode = kwargs.get("label_mode")
        if mode is not None:
            value = mode.value if isinstance(mode, Const) else None
            classes = 100 if value == "fine" else _CIFAR100_COARSE if value == "coarse" else None
    if {"test_split"} & set(kwargs):
        n_train = n_test = None

    def split(n: Optional[int]) -> Seq:
        x = Array((n,) + x_tail, x_dtype, node) if x_tail is not None else UNKNOWN
        if classes is None:
            y = Array((n,) + y_tail, "float", node, continuous=True)
        else:
            y = Array((n,) + y_tail, "int", node, int_high=classes)
        return Seq([x, y], "tuple", node)

    return Seq([split(n_train), split(n_test)], "tuple", node)


def encoder_output(cls: str, method: str, labels: Any, node: Any) -> Any:
    """`LabelEncoder().fit_transform(y)` / `.transform(y)`: class ids 0..k-1, one per label."""
    if cls not in ENCODERS or method not in ("fit_transform", "transform"):
        return UNKNOWN
    samples = labels.shape[0] if isinstance(labels, Array) and labels.shape else None
    return Array((samples,), "int", node)


def get_dummies(args: list, kwargs: dict, arg_nodes: dict, node: Any) -> Any:
    """`pd.get_dummies(df["label"])`: one-hot columns, one per distinct label (how many is unknown).
    Only for one column named by a string: a whole DataFrame keeps its numeric columns, and
    `drop_first=True` leaves one column for two labels."""
    import libcst as cst

    column = arg_nodes.get("data", arg_nodes.get(0))
    if set(kwargs) - {"data", "dtype", "prefix", "prefix_sep"} or not isinstance(column, cst.Subscript) or \
            len(column.slice) != 1 or not isinstance(column.slice[0].slice, cst.Index) or \
            not isinstance(column.slice[0].slice.value, cst.SimpleString):
        return UNKNOWN
    return Array((None, None), None, node, one_hot=True)


# Targets of the directory loaders and ImageDataGenerator's flows, per sample, by label mode:
# class ids, one-hot rows (one column per class folder: how many is unknown here), or 0./1.
_DIRECTORY_LOADERS = ("keras.utils.image_dataset_from_directory", "keras.utils.text_dataset_from_directory",
                      "keras.utils.audio_dataset_from_directory", "keras.preprocessing.image_dataset_from_directory",
                      "keras.preprocessing.text_dataset_from_directory")


def _mode(kwargs: dict, key: str, default: str) -> Optional[str]:
    value = kwargs.get(key, Const(default))
    return value.value if isinstance(value, Const) and isinstance(value.value, str) else None


def _labels_of(mode: Optional[str], node: Any) -> Optional[Array]:
    if mode in ("int", "sparse"):  # class_mode="sparse" yields float32 class ids: ids all the same
        return Array((None,), "int", node)
    if mode == "categorical":
        return Array((None, None), "float", node, one_hot=True)
    return None


def directory_labels(name: str, args: list, kwargs: dict, node: Any) -> Optional[Array]:
    """`image_dataset_from_directory(...)`: label_mode "int" (the default) or "categorical", when the
    labels are inferred from the folders (the default); None otherwise."""
    if name not in _DIRECTORY_LOADERS or len(args) > 1 or "labels" in kwargs:
        return None
    return _labels_of(_mode(kwargs, "label_mode", "int"), node)


def flow_labels(method: str, kwargs: dict, node: Any) -> Optional[Array]:
    """`ImageDataGenerator().flow_from_directory(...)` / `flow_from_dataframe(...)`: class_mode
    "categorical" (the default) or "sparse"; None otherwise (and for `flow(x, y)`)."""
    if method not in ("flow_from_directory", "flow_from_dataframe"):
        return None
    return _labels_of(_mode(kwargs, "class_mode", "categorical"), node)


# Channels per `color_mode` (image_dataset_from_directory, ImageDataGenerator.flow_from_*: default "rgb").
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
_IMAGE_DIRECTORY_LOADERS = ("keras.utils.image_dataset_from_directory", "keras.preprocessing.image_dataset_from_directory")


def _images(kwargs: dict, size_key: str, node: Any) -> Optional[Array]:
    size = kwargs.get(size_key, Seq([Const(256), Const(256)], "tuple", None))
    dims = [i.value for i in size.items if isinstance(i, Const)] if isinstance(size, Seq) else []
    if len(dims) != 2 or not all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
        return None
    channels = _CHANNELS.get(_mode(kwargs, "color_mode", "rgb") or "")
    return Array((None, dims[0], dims[1], channels), "float", node) if channels else None


def directory_images(name: str, args: list, kwargs: dict, node: Any) -> Optional[Array]:
    """The image batches `image_dataset_from_directory(...)` yields: (batch, *image_size, channels),
    `image_size` (256, 256) and `color_mode` "rgb" by default; None when either is not known."""
    if name not in _IMAGE_DIRECTORY_LOADERS or len(args) > 1 or any(a.star for a in node.args):
        return None  # color_mode and image_size passed by position: not read
    return _images(kwargs, "image_size", node)


def flow_images(method: str, kwargs: dict, node: Any) -> Optional[Array]:
    """The image batches `flow_from_directory`/`flow_from_dataframe` yields: (batch, *target_size,
    channels), `target_size` (256, 256) and `color_mode` "rgb" by default."""
    if method not in ("flow_from_directory", "flow_from_dataframe") or any(a.star for a in node.args):
        return None
    positional = sum(1 for a in node.args if a.keyword is None)
    if positional > (1 if method == "flow_from_directory" else 2):
        return None  # target_size or color_mode passed by position: not read
    return _images(kwargs, "target_size", node)


def train_test_split(args: list, kwargs: dict, node: Any) -> Any:
    """`train_test_split(x, y, test_size=...)`: a train and a test part of each array, in that order,
    each keeping the array's trailing shape, dtype and label encoding (the sample count changes)."""
    if kwargs.keys() - {"test_size", "train_size", "random_state", "shuffle", "stratify"} or not args:
        return UNKNOWN
    out: list = []
    for arr in args:
        if isinstance(arr, Array) and arr.shape:
            part = Array((None,) + tuple(arr.shape[1:]), arr.dtype, node, arr.one_hot, arr.int_high,
                         arr.continuous)
            out += [part, part]
        else:
            out += [UNKNOWN, UNKNOWN]
    return Seq(out, "tuple", node)
