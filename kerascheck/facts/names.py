"""Light, single-pass name resolution: which Keras/TensorFlow/NumPy object does a name denote?

libcst's QualifiedNameProvider costs about 5x a bare parse; a Keras script's interesting names come
from its imports, so we resolve dotted names against the module's import table instead.
"""

from __future__ import annotations

import functools
from typing import Optional

import libcst as cst

# Prefixes that all mean "the Keras API", mapped to the flavour they imply.
_KERAS_ROOTS = (
    ("tensorflow.python.keras.", "tf.keras"),
    ("tensorflow.keras.", "tf.keras"),
    ("tf_keras.", "tf_keras"),
    ("keras.api._v2.keras.", "keras"),
    ("keras.", "keras"),
)
# Old module paths that re-export the public API.
_KERAS_SUBMODULE_ALIASES = {
    "keras.layers.core.": "keras.layers.",
    "keras.layers.convolutional.": "keras.layers.",
    "keras.engine.training.": "keras.models.",
    "keras.engine.sequential.": "keras.models.",
    "keras.engine.functional.": "keras.models.",
}


def dotted(expr: cst.BaseExpression) -> Optional[str]:
    """`a.b.c` as a string, or None when expr is not a plain dotted name."""
    parts = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if not isinstance(expr, cst.Name):
        return None
    parts.append(expr.value)
    return ".".join(reversed(parts))


def module_name(node: cst.BaseExpression) -> str:
    return dotted(node) or ""


class Canonical(str):
    """A canonical dotted name (`keras.layers.Dense`, `tf.squeeze`, `np.random.rand`) that remembers
    which spelling the user wrote it with (`flavor`: keras, tf.keras, tf_keras, or None)."""

    flavor: Optional[str]

    def __new__(cls, value: str, flavor: Optional[str] = None) -> "Canonical":
        obj = super().__new__(cls, value)
        obj.flavor = flavor
        return obj


# TensorFlow 2 re-exports these Keras modules at its top level: `tf.metrics is tf.keras.metrics`
# (checked on TF 2.15 and 2.21 for metrics, losses and optimizers).
_TF_KERAS_SHORTCUTS = ("tensorflow.metrics.", "tensorflow.losses.", "tensorflow.optimizers.")


@functools.lru_cache(maxsize=8192)  # a few hundred distinct names, asked for ~200 times each per file
def canonical(qualified: str) -> Canonical:
    q = qualified + "."
    if q.startswith(_TF_KERAS_SHORTCUTS):
        q = "tensorflow.keras." + q[len("tensorflow."):]
    for prefix, flavor in _KERAS_ROOTS:
        if q.startswith(prefix) or q == prefix:
            rest = q[len(prefix):]
            name = ("keras." + rest)
            for old, new in _KERAS_SUBMODULE_ALIASES.items():
                if name.startswith(old):
                    name = new + name[len(old):]
            return Canonical(name.rstrip("."), flavor)
    if q.startswith("tensorflow."):
        return Canonical(("tf." + q[len("tensorflow."):]).rstrip("."))
    if q.startswith("numpy."):
        return Canonical(("np." + q[len("numpy."):]).rstrip("."))
    return Canonical(qualified)


def import_bindings(node: cst.Import | cst.ImportFrom) -> list[tuple[str, str]]:
    """(local name, fully qualified name) pairs an import statement binds."""
    out: list[tuple[str, str]] = []
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = module_name(alias.name)
            if alias.asname is not None:
                out.append((module_name(alias.asname.name), full))
            else:
                # `import tensorflow.keras` binds `tensorflow`
                top = full.split(".")[0]
                out.append((top, top))
        return out
    if node.relative or node.module is None:
        return out
    base = module_name(node.module)
    if isinstance(node.names, cst.ImportStar):
        # `from keras.layers import *`: the names every Keras major exports there; other modules'
        # names are unknown (nothing is bound, as before).
        from kerascheck.facts.star_exports import star_exports

        return [(name, f"{base}.{name}") for name in star_exports(base)]
    for alias in node.names:
        name = module_name(alias.name)
        local = module_name(alias.asname.name) if alias.asname is not None else name
        out.append((local, f"{base}.{name}"))
    return out


def is_main_guard(test: cst.BaseExpression) -> bool:
    """`if __name__ == "__main__":` (any comparison of `__name__`): the script's entry point."""
    return isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and test.left.value == "__name__"
