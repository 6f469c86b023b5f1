from typing import Iterator

import libcst as cst

from kerascheck.checks.api._shared import keyword, receiver_text
from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.model_api import model_class_name, model_method_calls
from kerascheck.rule import Hit, Rule


class FitGeneratorMethod(Rule):
    """KC503: `model.fit_generator` / `evaluate_generator` / `predict_generator`, removed in Keras 3."""

    code = "KC503"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for call, model, method in model_method_calls(facts, K.MODEL_METHODS_REMOVED_IN_3):
            queue = [a for a in K.FIT_QUEUE_ARGS if keyword(call, a) is not None]
            extra = ""
            if queue:
                extra = (f", and drop {', '.join(f'`{a}=`' for a in queue)} (Keras 3 takes these in "
                         "`keras.utils.PyDataset`, not in fit/evaluate/predict)")
            replacement = K.MODEL_METHODS_REMOVED_IN_3[method]
            hit = self.hit(call, receiver=receiver_text(call), method=method, cls=model_class_name(model),
                           replacement=replacement, extra=extra)
            edits = _rename(call, replacement)
            if edits:
                # safe: Keras 2's *_generator methods only call the plain method with the same
                # arguments. The queue keywords stay: KC509 reports (and removes) them next.
                hit = self.fixed(hit, edits, f"Call `{replacement}()` instead", "safe")
            yield hit


def _rename(call: cst.Call, method: str) -> list:
    if not isinstance(call.func, cst.Attribute):
        return []
    edits = [(call.func.attr, method)]
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args) or len(positional) > 1:
        return []  # the second positional parameter differs (steps_per_epoch vs y)
    allowed = K.GENERATOR_METHOD_KEYWORDS[method] | set(K.FIT_QUEUE_ARGS)
    for arg in call.args:
        if arg.keyword is None:
            continue
        if arg.keyword.value == "generator" and not positional:
            edits.append((arg.keyword, "x"))
        elif arg.keyword.value not in allowed:
            return []
    return edits
