"""Evaluation order: predictions over a data source that shuffles, compared with labels taken in
another order (KC607).

`flow_from_directory`, `flow_from_dataframe` and `image_dataset_from_directory` shuffle by default
(`shuffle=True`). `model.predict(source)` then returns predictions in a shuffled order, while
`gen.classes` / `gen.labels` keep the files' order and a second pass over the dataset
(`[y for x, y in ds]`) draws a new shuffle. Measured on Keras 3.15 and 2.15 (3 classes, a model
whose `evaluate` says 1.0): the predictions agree with those labels 0.32-0.40 of the time, chance;
with `shuffle=False` they agree 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import libcst as cst

from kerascheck.facts.rescaling import GeneratorFlow
from kerascheck.facts.values import Const, Pipeline

IMAGE_DATASETS = {"keras.utils.image_dataset_from_directory", "keras.preprocessing.image_dataset_from_directory"}
SHUFFLING_FLOWS = ("flow_from_directory", "flow_from_dataframe")
LABEL_ATTRS = ("classes", "labels")
PREDICT_METHODS = ("predict", "predict_generator")
# functions and methods that keep the samples' order (and which predictions or labels they hold)
KEEPS_ORDER_FUNCS = {"np.argmax", "np.round", "np.rint", "np.around", "np.squeeze", "np.ravel", "np.array",
                     "np.asarray", "np.concatenate", "np.hstack", "np.vstack", "tf.argmax", "tf.concat",
                     "tf.squeeze", "tf.round", "keras.ops.argmax", "np.where"}
KEEPS_ORDER_METHODS = {"argmax", "round", "ravel", "flatten", "squeeze", "astype", "numpy", "reshape", "tolist"}
DATASET_KEEPS_ORDER = {"prefetch", "map"}  # `cache()` fixes the first pass's order: not followed
# the last name of a function or method that scores predictions against labels (scikit-learn's
# metrics, TensorFlow's, a Keras metric's update_state)
COMPARING = {"confusion_matrix", "multilabel_confusion_matrix", "classification_report", "accuracy_score",
             "balanced_accuracy_score", "f1_score", "precision_score", "recall_score", "fbeta_score",
             "precision_recall_fscore_support", "cohen_kappa_score", "matthews_corrcoef", "roc_auc_score",
             "roc_curve", "average_precision_score", "precision_recall_curve", "log_loss", "top_k_accuracy_score",
             "from_predictions", "update_state", "equal", "not_equal", "array_equal"}


def compares(func: cst.BaseExpression) -> bool:
    """The call scores predictions against labels (by its name)."""
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return name in COMPARING


@dataclass(eq=False)
class ImageDataset(Pipeline):
    """`keras.utils.image_dataset_from_directory(...)` (and what `map`/`prefetch` make of it): a
    batched dataset (facts/pipelines.py) whose order this module follows."""

    kwargs: dict = field(default_factory=dict)
    origin: Optional["ImageDataset"] = None  # the dataset a `map` of it came from (same order)

    @property
    def root(self) -> "ImageDataset":
        return self.origin if self.origin is not None else self


@dataclass(eq=False)
class Predictions:
    """`model.predict(source)`, and what keeps its order (`np.argmax(..., axis=1)`, `> 0.5`)."""

    source: Any
    node: cst.CSTNode


@dataclass(eq=False)
class SourceLabels:
    """The labels of a source read apart from its predictions: `gen.classes`, `[y for x, y in ds]`."""

    source: Any
    node: cst.CSTNode


@dataclass(eq=False)
class Mismatch:
    """Predictions over a shuffling source compared with labels the source gives in another order."""

    node: cst.CSTNode  # the comparison: a call that receives both, or `==`
    predictions: Predictions
    labels: SourceLabels


def creation(source: Any) -> Optional[cst.Call]:
    """The call that made a source which shuffles (default `shuffle=True`), None when it does not
    or is not known to."""
    if isinstance(source, GeneratorFlow):
        if source.method not in SHUFFLING_FLOWS:
            return None
        kwargs, node = source.kwargs, source.node
    elif isinstance(source, ImageDataset):
        kwargs, node = source.kwargs, source.node
    else:
        return None
    flag = kwargs.get("shuffle")
    if flag is None or (isinstance(flag, Const) and flag.value is True):
        return node
    return None


def labels_in_comprehension(node: cst.CSTNode, iterable: Any) -> Optional[SourceLabels]:
    """`[y for x, y in ds]` (or `y.numpy()`, `np.argmax(y, ...)` as the element) over a source."""
    if not isinstance(node, (cst.ListComp, cst.GeneratorExp)) or creation(iterable) is None:
        return None
    loop = node.for_in
    if loop.inner_for_in is not None or loop.ifs or not isinstance(loop.target, cst.Tuple) or \
            len(loop.target.elements) != 2:
        return None
    label = loop.target.elements[1].value
    if not isinstance(label, cst.Name):
        return None
    elt = node.elt
    while True:
        if isinstance(elt, cst.Call) and isinstance(elt.func, cst.Attribute) and not elt.args and \
                elt.func.attr.value in KEEPS_ORDER_METHODS:
            elt = elt.func.value  # y.numpy()
        elif isinstance(elt, cst.Call) and elt.args and elt.args[0].keyword is None and \
                getattr(elt.func, "attr", None) is not None and elt.func.attr.value == "argmax":
            elt = elt.args[0].value  # np.argmax(y, axis=1)
        else:
            break
    if isinstance(elt, cst.Name) and elt.value == label.value:
        return SourceLabels(iterable, node)
    return None


def mismatch(node: cst.CSTNode, values: list) -> Optional[Mismatch]:
    """A call or comparison that receives predictions over a shuffling source and that source's
    labels taken apart."""
    preds = [v for v in values if isinstance(v, Predictions)]
    labels = [v for v in values if isinstance(v, SourceLabels)]
    for p in preds:
        for lab in labels:
            if _root(p.source) is _root(lab.source) and creation(p.source) is not None:
                return Mismatch(node, p, lab)
    return None


def _root(source: Any) -> Any:
    """A mapped dataset iterates its origin, in the order of that pass."""
    return source.root if isinstance(source, ImageDataset) else source
