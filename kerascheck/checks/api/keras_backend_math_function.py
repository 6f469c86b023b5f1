from typing import Iterator, Optional

from kerascheck.facts import keras_api as K
from kerascheck.facts.interp import ModuleFacts
from kerascheck.facts.names import Canonical, canonical, dotted
from kerascheck.rule import Hit, Rule


def _backend_module(name: Canonical) -> Optional[str]:
    """The backend spelling a canonical name lives in (`keras.backend` is Keras 3's own module,
    `tf.keras.backend` TensorFlow's legacy shim), or None when it is not a backend function."""
    module, _, _ = name.rpartition(".")
    if module == "keras.backend":
        return {"keras": "keras.backend", "tf.keras": "tf.keras.backend"}.get(name.flavor or "")
    if module in ("tf.compat.v1.keras.backend", "tf.compat.v2.keras.backend"):
        return module
    return None


class KerasBackendMathFunction(Rule):
    """KC501: a `keras.backend` function that Keras 3 no longer has (`K.sum`, `K.int_shape`, ...)."""

    code = "KC501"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for site in facts.import_sites:
            name = canonical(site.path)
            module = _backend_module(name)
            fn = name.rsplit(".", 1)[-1]
            if site.guarded or module is None or site.path.startswith("tensorflow.python.") or \
                    not K.backend_missing_on_keras3(module, fn):
                continue
            shown = K.BACKEND_MODULES[module]
            yield self.hit(site.alias, name=f"{site.path.rsplit('.', 1)[0]}.{fn}",
                           error=f"ImportError: cannot import name '{fn}' from '{shown}'",
                           fix=K.backend_fix(fn, fn not in K.TF_KERAS_BACKEND_MISSING))
        for node, path in facts.references:
            name = canonical(path)
            module = _backend_module(name)
            fn = name.rsplit(".", 1)[-1]
            if module is None or path.startswith("tensorflow.python.") or not K.backend_missing_on_keras3(module, fn):
                continue
            shown = K.BACKEND_MODULES[module]
            yield self.hit(node, name=dotted(node) or path,
                           error=f"AttributeError: module '{shown}' has no attribute '{fn}'",
                           fix=K.backend_fix(fn, fn not in K.TF_KERAS_BACKEND_MISSING))
