"""Keras's own methods on the models and optimizers a script builds (the KC5xx facts): which calls
reach a Keras model's method, how Keras names the model's class in its errors, and which optimizer
constructors a script calls. Code written against TensorFlow's private Keras 2 copy is left out."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from kerascheck.facts import keras_api as K
from kerascheck.facts.model import CallSite, ModuleFacts
from kerascheck.facts.values import Model


def tf_internal(facts: ModuleFacts, expr: cst.CSTNode) -> bool:
    """True for names under `tensorflow.python.keras`: TensorFlow still ships that private Keras 2 copy
    (TF 2.21 included), and it keeps every Keras 2 API, so the Keras 3 rules must leave it alone."""
    if isinstance(expr, cst.Call):
        expr = expr.func
    path = facts.qualify(expr) if isinstance(expr, (cst.Name, cst.Attribute)) else None
    return bool(path) and path.startswith("tensorflow.python.")


def model_class_name(model: Model) -> str:
    """The class name Keras puts in its AttributeError: 'Sequential', 'Functional' or the subclass."""
    if model.kind == "sequential":
        return "Sequential"
    if model.kind == "functional":
        return "Functional"
    return model.cls.node.name.value if model.cls is not None else "Model"


def model_lacks(facts: ModuleFacts, model: Model, method: str) -> bool:
    """True when we can show `model.<method>` is Keras's own attribute: a Sequential/functional model,
    or a subclass of keras.Model that does not define the method itself."""
    if model.kind in ("sequential", "functional"):
        return not tf_internal(facts, model.node)
    if model.cls is None:
        return False
    node = model.cls.node
    if model.cls.method(method) is not None:
        return False
    for base in node.bases:
        name = facts.resolve(base.value)
        if name not in K.MODEL_CLASSES or name.flavor == "tf_keras" or tf_internal(facts, base.value):
            return False
    return bool(node.bases)


def model_method_calls(facts: ModuleFacts, methods) -> Iterator[tuple[cst.Call, Model, str]]:
    """Each `model.<method>(...)` call (once) whose receiver the interpreter knows is a Keras model."""
    seen: set[int] = set()
    for call, value, name in facts.receivers:
        if name in methods and isinstance(value, Model) and id(call) not in seen:
            seen.add(id(call))
            if model_lacks(facts, value, name):
                yield call, value, name


def optimizer_calls(facts: ModuleFacts) -> Iterator[tuple[CallSite, str]]:
    """`keras.optimizers.Adam(...)` (keras or tf.keras spelling, not tf_keras) -> (call site, class)."""
    for site in facts.calls:
        name = site.name
        if name.flavor not in ("keras", "tf.keras") or tf_internal(facts, site.node):
            continue
        module, _, cls = name.rpartition(".")
        if module == "keras.optimizers" and cls in K.OPTIMIZER_CLASSES:
            yield site, cls
