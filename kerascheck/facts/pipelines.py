"""Input pipelines: what the interpreter knows about the data a script feeds `fit`, `evaluate` and
`predict` when it is not arrays — a `tf.data.Dataset` (and whether it is batched), a Python
generator, a `keras.utils.Sequence`/`PyDataset` instance, an `ImageDataGenerator().flow*` iterator.

Checked on Keras 3.15 (TF 2.21) and Keras 2.15 (TF 2.15):

- `fit(pipeline, validation_split=0.2)` raises `ValueError` for each of these kinds before training
  (Keras 3: "Argument `validation_split` is only supported for tensors or NumPy arrays."; Keras 2:
  "`validation_split` is only supported for Tensors or NumPy arrays"). Keras only checks when
  `validation_split` is truthy and `validation_data` is None.
- A dataset from `from_tensor_slices` yields one sample per element; without `.batch(...)`
  (`padded_batch`, `ragged_batch`) the model gets a sample without the batch axis and `fit`,
  `evaluate` and `predict` raise (Keras 3: "Invalid input shape ... Expected shape (None, 4), but
  input has incompatible shape (4,)"; Keras 2: "Input 0 of layer "dense" is incompatible with the
  layer: expected min_ndim=2, found ndim=1"). `from_tensors` yields the whole arrays as one element
  (one batch): it trains. `.batch(n).unbatch()` is unbatched again. The `*_dataset_from_directory`
  loaders batch by default (32).
"""

from __future__ import annotations

from typing import Any, Optional

import libcst as cst

from kerascheck.facts import loaders
from kerascheck.facts.names import Canonical
from kerascheck.facts.walk import children
from kerascheck.facts.tensors import sequential_input
from kerascheck.facts.values import UNKNOWN, Array, Augmenter, Const, Model, Pipeline, QName, Seq, Tensor

# tf.data constructors: name -> batched (False: one sample per element; None: not known)
DATASET_CONSTRUCTORS = {
    "tf.data.Dataset.from_tensor_slices": False,
    "tf.data.Dataset.from_tensors": None,
    "tf.data.Dataset.from_generator": None,
    "tf.data.Dataset.range": None,
    "tf.data.Dataset.zip": None,
    "tf.data.Dataset.list_files": None,
    "tf.data.Dataset.sample_from_datasets": None,
    "tf.data.Dataset.choose_from_datasets": None,
    "tf.data.Dataset.load": None,
    "tf.data.TFRecordDataset": None,
    "tf.data.TextLineDataset": None,
    "tf.data.FixedLengthRecordDataset": None,
}
# Keras loaders that return a tf.data.Dataset batched by `batch_size` (default 32).
KERAS_DATASET_LOADERS = {
    f"keras.{module}.{name}" for module in ("utils", "preprocessing")
    for name in ("image_dataset_from_directory", "text_dataset_from_directory", "timeseries_dataset_from_array",
                 "audio_dataset_from_directory")
}
IMAGE_DATA_GENERATOR = "keras.preprocessing.image.ImageDataGenerator"
AUGMENTER_FLOWS = {"flow", "flow_from_directory", "flow_from_dataframe"}
SEQUENCE_BASES = {"keras.utils.Sequence", "keras.utils.PyDataset", "keras.utils.data_utils.Sequence"}

# Dataset methods that return a dataset whose elements keep their batch structure.
_KEEPS = {"map", "shuffle", "prefetch", "cache", "repeat", "take", "skip", "filter", "shard", "with_options",
          "ignore_errors", "take_while", "rebatch"}
_BATCHES = {"batch", "padded_batch", "ragged_batch", "bucket_by_sequence_length"}
# Dataset methods that return a dataset of unknown batching.
_OTHER = {"window", "flat_map", "interleave", "apply", "concatenate", "enumerate", "group_by_window", "scan", "zip",
          "snapshot", "rejection_resample", "unique", "map_with_legacy_function", "parallel_interleave"}


def construct(name: Canonical, args: list, kwargs: dict, node: cst.Call) -> Any:
    """The value of a call of `name` when it makes a pipeline, else None (not a pipeline maker)."""
    if name in DATASET_CONSTRUCTORS:
        batched = DATASET_CONSTRUCTORS[name]
        sliced = kwargs.get("tensors", args[0] if args else UNKNOWN) if batched is False else None
        if batched is False and any(a.star for a in node.args):
            batched = None
        return Pipeline("dataset", node, batched, sliced)
    if name in KERAS_DATASET_LOADERS:
        size = kwargs.get("batch_size", UNKNOWN if len(args) > 2 else Const(32))
        known = isinstance(size, Const) and isinstance(size.value, int) and not any(a.star for a in node.args)
        return Pipeline("dataset", node, True if known else None,
                        labels=loaders.directory_labels(name, args, kwargs, node),
                        features=loaders.directory_images(name, args, kwargs, node))
    if name == IMAGE_DATA_GENERATOR:
        return Augmenter(node)
    return None


def method(obj: Any, name: str, node: cst.Call, kwargs: Optional[dict] = None) -> Any:
    """What calling `obj.name(...)` returns when obj is a pipeline or an augmenter; UNKNOWN else."""
    if isinstance(obj, Augmenter):
        if name not in AUGMENTER_FLOWS:
            return UNKNOWN
        return Pipeline("iterator", node, labels=loaders.flow_labels(name, kwargs or {}, node),
                        features=loaders.flow_images(name, kwargs or {}, node))
    if not isinstance(obj, Pipeline) or obj.kind != "dataset":
        return UNKNOWN
    if name in _BATCHES:
        return Pipeline("dataset", node, True)
    if name == "unbatch":
        return Pipeline("dataset", node, False)
    if name == "map" and _may_add_axis(node):
        return Pipeline("dataset", node, None)
    if name in _KEEPS:  # `map` may change the inputs and targets; the others pass them on
        if name == "map":
            return Pipeline("dataset", node, obj.batched, obj.sliced)
        return Pipeline("dataset", node, obj.batched, obj.sliced, obj.labels, features=obj.features)
    if name in _OTHER:
        return Pipeline("dataset", node, None)
    return UNKNOWN


def _may_add_axis(node: cst.Call) -> bool:
    """`ds.map(lambda x, y: (tf.expand_dims(x, 0), y))`: a map whose lambda may add an axis (a batch
    of one) makes the batching unknown."""
    for arg in node.args:
        if isinstance(arg.value, cst.Lambda):
            code = cst.Module([]).code_for_node(arg.value)
            if any(word in code for word in ("expand_dims", "reshape", "newaxis", "None]", "None,", "stack")):
                return True
    return False


def is_sequence_base(value: Any) -> bool:
    """A base class that makes a class a Keras data pipeline (`class Data(keras.utils.Sequence)`)."""
    if isinstance(value, QName):
        return value.name in SEQUENCE_BASES
    return bool(getattr(value, "is_pipeline", False))


# id(def) -> (the def, whether it yields); the def is kept so that its id is not reused. Bounded.
_GENERATORS: dict[int, tuple[cst.FunctionDef, bool]] = {}


def is_generator_function(node: cst.FunctionDef) -> bool:
    """A `def` whose own body contains `yield`: calling it makes a generator. Asked at every call of
    the function, so the answer is kept per definition (a walk of the body, not a libcst visitor)."""
    if node.asynchronous is not None:
        return False
    known = _GENERATORS.get(id(node))
    if known is None or known[0] is not node:
        if len(_GENERATORS) > 4096:
            _GENERATORS.clear()
        known = _GENERATORS[id(node)] = (node, _yields(node.body))
    return known[1]


def _yields(body: cst.CSTNode) -> bool:
    stack = [body]
    while stack:
        n = stack.pop()
        if isinstance(n, cst.Yield):
            return True
        if isinstance(n, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue  # a nested function's yield is its own
        stack.extend(children(n))
    return False


def sample_rank(sliced: Any) -> Optional[int]:
    """The rank of one input sample of a `from_tensor_slices` dataset, when the sliced features are
    a known array (or the first item of a known `(x, y)` tuple)."""
    features = sliced.items[0] if isinstance(sliced, Seq) and sliced.kind == "tuple" and sliced.items else sliced
    if isinstance(features, Array) and features.rank is not None and features.rank >= 1:
        return features.rank - 1
    return None


def model_input_rank(model: Any) -> Optional[int]:
    """The rank (batch axis included) of a model's single declared `keras.Input`, when known."""
    if not isinstance(model, Model) or model.uncertain:
        return None
    inp = sequential_input(model) if model.kind == "sequential" else model.inputs if model.kind == "functional" \
        else None
    if isinstance(inp, Tensor) and inp.is_input and inp.shape is not None:
        return len(inp.shape)
    return None


def described(pipeline: Pipeline) -> str:
    """How a message names the pipeline."""
    return {"dataset": "a `tf.data.Dataset`", "generator": "a Python generator",
            "sequence": "a `keras.utils.Sequence`/`PyDataset`",
            "iterator": "an `ImageDataGenerator` iterator"}[pipeline.kind]


def split_value(feed: Any) -> Optional[float]:
    """The `validation_split` a `fit` call asks for, when Keras would act on it: a known nonzero
    number, with no `validation_data` given (Keras ignores the split then)."""
    if feed.method != "fit":
        return None
    split = feed.kwargs.get("validation_split")
    if not isinstance(split, Const) or isinstance(split.value, bool) or not isinstance(split.value, (int, float)):
        return None
    data = feed.kwargs.get("validation_data", Const(None))
    if not split.value or not (isinstance(data, Const) and data.value is None):
        return None
    return split.value


def has_y(feed: Any) -> bool:
    """`fit(ds, y)`: Keras refuses a `y` next to a dataset first, with its own message."""
    return "y" in feed.kwargs or 1 in feed.arg_nodes


def unbatched_samples(value: Any, model: Any) -> bool:
    """A dataset known to yield single samples (`from_tensor_slices` with no `.batch(...)` since, or
    `.unbatch()`), unless the sliced arrays are known to hold whole batches already (their samples
    have the rank of the model's declared input, batch axis included)."""
    if not isinstance(value, Pipeline) or value.kind != "dataset" or value.batched is not False:
        return False
    rank = sample_rank(value.sliced)
    if rank is None:
        return True
    wanted = model_input_rank(model)
    return wanted is not None and rank < wanted
