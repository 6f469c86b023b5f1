from typing import Iterator, Optional

import libcst as cst

from kerascheck.checks._fixes import imported_as, replacement
from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
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
        calls = None
        for node, path in facts.references:
            name = canonical(path)
            module = _backend_module(name)
            fn = name.rsplit(".", 1)[-1]
            if module is None or path.startswith("tensorflow.python.") or not K.backend_missing_on_keras3(module, fn):
                continue
            shown = K.BACKEND_MODULES[module]
            hit = self.hit(node, name=dotted(node) or path,
                           error=f"AttributeError: module '{shown}' has no attribute '{fn}'",
                           fix=K.backend_fix(fn, fn not in K.TF_KERAS_BACKEND_MISSING))
            if fn in K.BACKEND_TO_OPS_PARAMS and module == "keras.backend" and "2" not in facts.keras_versions:
                if calls is None:
                    calls = {id(site.node.func): site.node for site in facts.calls}
                hit = self._fix(facts, hit, node, calls.get(id(node)), fn)
            yield hit

    def _fix(self, facts: ModuleFacts, hit: Hit, func: cst.CSTNode, call: Optional[cst.Call], fn: str) -> Hit:
        """`K.sum(x)` -> `ops.sum(x)` (or `keras.ops.sum`) when the module imports keras.ops (or keras)
        and every argument means the same to the keras.ops function."""
        if call is None or any(a.star for a in call.args):
            return hit
        k2, k3 = K.BACKEND_TO_OPS_PARAMS[fn]
        positional = [a for a in call.args if a.keyword is None]
        keywords = [a.keyword.value for a in call.args if a.keyword is not None]
        if len(positional) > min(len(k2), len(k3)):
            return hit
        for kw in keywords:
            if kw not in k2 or kw not in k3 or k2.index(kw) != k3.index(kw):
                return hit
        ops = imported_as(facts, "keras.ops")
        prefix = f"{ops}." if ops else None
        if prefix is None:
            keras = imported_as(facts, "keras")
            prefix = f"{keras}.ops." if keras else None
        if prefix is None:
            return hit
        target = K.BACKEND_TO_OPS[fn].split("(")[0].rsplit(".", 1)[-1]
        edits = [(func, prefix + target)]
        default = K.BACKEND_TO_OPS_DEFAULTS.get(fn)
        if default is not None:
            param, index, value = default
            if len(positional) <= index and param not in keywords:
                if not call.args:
                    return hit
                last = call.args[-1]
                text = replacement(facts.module, last, last.with_changes(comma=cst.MaybeSentinel.DEFAULT))
                if text is None:
                    return hit
                edits.append((last, f"{text}, {param}={value}"))
        return self.fixed(hit, edits, f"Use `{prefix}{target}`", "safe")
