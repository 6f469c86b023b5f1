"""The names `fit` logs (`loss`, each compiled metric, their `val_` twins) and the callbacks that
monitor one of them (`EarlyStopping`, `ModelCheckpoint`, `ReduceLROnPlateau`).

Checked on Keras 3.15 and Keras 2.15 (`fit(...).history` keys):

- `loss`, then each metric under its name; with `validation_data`/`validation_split` the same
  names again prefixed `val_`;
- a metric string is logged as written (`"acc"` -> `acc`, `"mae"` -> `mae`); a metric class
  spelt as a string (`"AUC"`) is logged as written by Keras 3 but under the class's default name
  by Keras 2 (`auc`);
- a metric object is logged under its `name=`, else its class's default name (`AUC()` -> `auc`),
  which both majors suffix `_1`, `_2`... when the process built another metric of that name
  before (so `auc_1` may be right);
- a function of the script is logged under its `__name__`.

The monitoring callbacks read `logs[monitor]` at each epoch's end (default monitor `val_loss`).
With a name missing from the logs, Keras 2.15 and 3.15 warn and go on: `EarlyStopping` never stops,
`ReduceLROnPlateau` never lowers the learning rate, `ModelCheckpoint(save_best_only=True)` saves
every epoch (Keras 3) or never (Keras 2: "Can save best model only with ... available, skipping").
Keras 3 first orients the monitor in `mode="auto"` (`MonitorCallback._set_monitor_op`): `loss`
and `val_loss` are minimized, a compiled metric of that name (without `val_`) follows its
`_direction`, and any other name raises `ValueError` after the first epoch, in all three callbacks
(`ModelCheckpoint` without `save_best_only` too). A function of the script has no direction.
Keras 2.15 orients by the name's text (`acc`, `accuracy`, `auc` -> max) and never raises.

Everything here is known or None: an unknown metric, callback, model or argument makes the whole
answer None, and the rules stay silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.values import (UNKNOWN, CallbackV, Const, FitFact, Layer, LossSpec, MetricSpec, Model, Seq,
                                     Tensor)

# Metric strings logged as written by both majors, each with a direction in Keras 3.
STRING_METRICS = frozenset({
    "accuracy", "acc", "mae", "mse", "mape", "msle", "mean_absolute_error", "mean_squared_error",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "binary_accuracy",
    "categorical_accuracy", "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "binary_crossentropy", "categorical_crossentropy", "cosine_similarity", "poisson", "hinge",
    "squared_hinge",
})
# Metric classes: their default name, and whether Keras 3 gives them a direction (`_direction`).
METRIC_CLASSES = {
    "AUC": ("auc", True), "Precision": ("precision", True), "Recall": ("recall", True),
    "Accuracy": ("accuracy", True), "BinaryAccuracy": ("binary_accuracy", True),
    "CategoricalAccuracy": ("categorical_accuracy", True),
    "SparseCategoricalAccuracy": ("sparse_categorical_accuracy", True),
    "MeanAbsoluteError": ("mean_absolute_error", True), "MeanSquaredError": ("mean_squared_error", True),
    "RootMeanSquaredError": ("root_mean_squared_error", True),
    "BinaryCrossentropy": ("binary_crossentropy", True), "F1Score": ("f1_score", True),
    "TruePositives": ("true_positives", False),
}
# Class names accepted as metric strings by both majors (Keras 3 logs the string, Keras 2 the default name).
CLASS_STRINGS = frozenset({"AUC", "Precision", "RootMeanSquaredError", "MeanAbsoluteError"})

# Monitoring callbacks: position of `monitor` and of `mode` in their signature (both majors).
MONITORS = {"EarlyStopping": (0, 4), "ReduceLROnPlateau": (0, 4), "ModelCheckpoint": (1, 5)}
SAVE_BEST_ONLY_POSITION = 3
# Keras callbacks that add no name to the logs a monitor could read (the learning rate aside).
QUIET_CALLBACKS = frozenset({"TensorBoard", "CSVLogger", "TerminateOnNaN", "ProgbarLogger", "History",
                             "BackupAndRestore", "LearningRateScheduler", "RemoteMonitor"})
# Names callbacks themselves add (`lr` in Keras 2, `learning_rate` in Keras 3): never judged.
LEARNING_RATE = re.compile(r"(lr|learning_rate.*)$")
# fit(x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data, ...)
_FIT_POSITIONS = {"callbacks": 5, "validation_split": 6, "validation_data": 7}


@dataclass(frozen=True)
class LoggedMetric:
    names: frozenset  # exact names it may be logged under
    stems: frozenset  # default names Keras may suffix with `_1`, `_2`...
    oriented: bool  # Keras 3's `mode="auto"` knows its direction

    def matches(self, name: str) -> bool:
        return name in self.names or any(name == s or re.fullmatch(re.escape(s) + r"_\d+", name)
                                         for s in self.stems)


@dataclass(frozen=True)
class Logged:
    """What one `fit` call logs each epoch."""

    metrics: tuple  # LoggedMetric, in compile order
    validation: Optional[bool]  # None: `val_` names may or may not be logged

    def may_log(self, name: str) -> bool:
        """`fit` may log `name` (it surely does not when this is False)."""
        if self.is_train_name(name):
            return True
        return name.startswith("val_") and self.validation is not False and self.is_train_name(name[4:])

    def is_train_name(self, name: str) -> bool:
        return name == "loss" or any(m.matches(name) for m in self.metrics)

    def train_names(self) -> list:
        out = ["loss"]
        for m in self.metrics:
            out.extend(sorted(m.names | m.stems))
        return list(dict.fromkeys(out))

    def names(self) -> list:
        """The names it logs (a default metric name as its first spelling); with validation unknown,
        the `val_` names too."""
        train = self.train_names()
        return train if self.validation is False else train + ["val_" + n for n in train]

    def keras3_orients(self, monitor: str) -> bool:
        """Keras 3's `mode="auto"` finds a direction for `monitor` (else it raises after epoch 1)."""
        base = monitor[4:] if monitor.startswith("val_") else monitor
        return base == "loss" or any(m.oriented and m.matches(base) for m in self.metrics)


@dataclass
class MonitorUse:
    """A monitoring callback that reaches one `fit` call whose logged names are all known."""

    callback: CallbackV
    fit: FitFact
    logged: Logged
    monitor: str
    monitor_node: Optional[cst.CSTNode]  # None: the default `val_loss`
    mode: str  # "auto" | "min" | "max"
    save_best_only: Optional[bool]  # ModelCheckpoint only (None: unknown or another callback)


def monitor_uses(facts: ModuleFacts) -> list:
    """Every monitoring callback of a known `fit` whose logs are fully known, and its monitor."""
    renamed = _renamed_functions(facts)
    out: list = []
    for model in facts.models:
        if not _single_output(model):
            continue
        for fit in model.fits:
            if fit.method != "fit" or fit.starred:
                continue
            logged = fit_logs(fit, model, renamed)
            callbacks = _callbacks(fit)
            if logged is None or callbacks is None:
                continue
            for cb in callbacks:
                use = _monitor_use(cb, fit, logged)
                if use is not None:
                    out.append(use)
    if out and "add_metric" in facts.module.code:
        return []  # Keras 2 also logs the names a layer's `add_metric` gives
    return out


def fit_logs(fit: FitFact, model: Model, renamed: frozenset = frozenset()) -> Optional[Logged]:
    """What `fit` logs, or None when any of it is unknown."""
    metrics = _compiled_metrics(fit.compile, renamed)
    if metrics is None:
        return None
    for other in model.compiles:  # a recompile in a branch the interpreter followed both ways
        if _compiled_metrics(other, renamed) != metrics:
            return None
    validation = _validation(fit)
    return Logged(tuple(metrics), validation)


def _single_output(model: Model) -> bool:
    """One output, built from Keras layers only (a layer of the script may `add_metric` in Keras 2)."""
    if model.kind == "sequential":
        return not model.uncertain and all(isinstance(layer, Layer) or isinstance(layer, Tensor) and layer.is_input
                                           for layer in model.layers)
    return model.kind == "functional" and isinstance(model.outputs, Tensor)


def _compiled_metrics(compile: Any, renamed: frozenset) -> Optional[list]:
    if compile is None or not isinstance(compile.loss, LossSpec):
        return None
    node = compile.node
    positional = [a for a in node.args if a.keyword is None]
    if len(positional) > 2 or any(a.star for a in node.args) or \
            any(a.keyword is not None and a.keyword.value == "weighted_metrics" for a in node.args):
        return None
    if compile.metrics is None:
        return []
    if not isinstance(compile.metrics, Seq) or compile.metrics.unsure:
        return None
    out = []
    for spec in compile.metrics.items:
        metric = _logged_metric(spec, renamed)
        if metric is None:
            return None
        out.append(metric)
    return out


def _logged_metric(spec: Any, renamed: frozenset) -> Optional[LoggedMetric]:
    if not isinstance(spec, MetricSpec):
        return None
    if spec.source == "string":
        if spec.name in STRING_METRICS:
            return LoggedMetric(frozenset({spec.name}), frozenset(), True)
        if spec.name in CLASS_STRINGS:
            return LoggedMetric(frozenset({spec.name}), frozenset({METRIC_CLASSES[spec.name][0]}), True)
        return None
    if spec.source == "class" and spec.name in METRIC_CLASSES:
        default, oriented = METRIC_CLASSES[spec.name]
        if spec.args or (isinstance(spec.node, cst.Call) and any(a.star for a in spec.node.args)):
            return None  # a positional argument may be the name
        if "name" not in spec.kwargs:
            return LoggedMetric(frozenset(), frozenset({default}), oriented)
        name = spec.kwargs["name"]
        if isinstance(name, Const) and isinstance(name.value, str):
            return LoggedMetric(frozenset({name.value}), frozenset(), oriented)
        return None
    if spec.source == "func" and spec.func is not None and spec.func.name not in renamed:
        return LoggedMetric(frozenset({spec.func.name}), frozenset(), False)
    return None


def _renamed_functions(facts: ModuleFacts) -> frozenset:
    """Functions whose `__name__` the script sets (`rmse.__name__ = "RMSE"`)."""
    return frozenset(name[: -len(".__name__")] for node, name in facts.dotted_names
                     if name.endswith(".__name__") and id(node) in facts.stores)


def _fit_arg(fit: FitFact, name: str) -> Any:
    """The argument's value, None when not passed."""
    if name in fit.kwargs:
        return fit.kwargs[name]
    index = _FIT_POSITIONS[name]
    return fit.args[index] if index < len(fit.args) else None


def _validation(fit: FitFact) -> Optional[bool]:
    if "validation_freq" in fit.kwargs:
        return None
    data, split = _fit_arg(fit, "validation_data"), _fit_arg(fit, "validation_split")
    found: list = []
    for value in (data, split):
        if value is None or (isinstance(value, Const) and value.value is None):
            found.append(False)
        elif value is UNKNOWN:
            found.append(None)
        elif value is split:
            found.append(bool(value.value) if isinstance(value, Const) and isinstance(value.value, (int, float))
                         else None)
        else:
            found.append(True)
    if True in found:
        return True
    return None if None in found else False


def _callbacks(fit: FitFact) -> Optional[list]:
    value = _fit_arg(fit, "callbacks")
    if not isinstance(value, Seq) or value.unsure:
        return None
    for cb in value.items:
        if not isinstance(cb, CallbackV) or cb.cls not in MONITORS and cb.cls not in QUIET_CALLBACKS:
            return None
    return list(value.items)


def _callback_arg(cb: CallbackV, name: str, index: int) -> tuple:
    """(value, node) of a callback argument; (None, None) when not passed."""
    if name in cb.kwargs:
        return cb.kwargs[name], cb.arg_nodes.get(name)
    if index < len(cb.args):
        return cb.args[index], cb.arg_nodes.get(index)
    return None, None


def _monitor_use(cb: CallbackV, fit: FitFact, logged: Logged) -> Optional[MonitorUse]:
    if cb.cls not in MONITORS or cb.starred:
        return None
    monitor_at, mode_at = MONITORS[cb.cls]
    value, node = _callback_arg(cb, "monitor", monitor_at)
    if value is None:
        monitor = "val_loss"
    elif isinstance(value, Const) and isinstance(value.value, str):
        monitor = value.value
    else:
        return None
    mode_value, _ = _callback_arg(cb, "mode", mode_at)
    if mode_value is None:
        mode = "auto"
    elif isinstance(mode_value, Const) and isinstance(mode_value.value, str):
        mode = mode_value.value if mode_value.value in ("min", "max") else "auto"  # both warn, then use auto
    else:
        return None
    save_best_only = None
    if cb.cls == "ModelCheckpoint":
        flag, _ = _callback_arg(cb, "save_best_only", SAVE_BEST_ONLY_POSITION)
        if flag is None:
            save_best_only = False
        elif isinstance(flag, Const) and isinstance(flag.value, bool):
            save_best_only = flag.value
    return MonitorUse(cb, fit, logged, monitor, node, mode, save_best_only)
