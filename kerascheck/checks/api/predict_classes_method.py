from typing import Iterator, Optional

import libcst as cst

from kerascheck.checks._fixes import replacement
from kerascheck.checks.api._shared import receiver_text
from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.model_api import model_class_name, model_method_calls
from kerascheck.facts.values import Model
from kerascheck.rule import Hit, Rule


class PredictClassesMethod(Rule):
    """KC506: `model.predict_classes` / `predict_proba`, gone since TensorFlow 2.6."""

    code = "KC506"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for call, model, method in model_method_calls(facts, K.MODEL_METHODS_REMOVED):
            hit = self.hit(call, receiver=receiver_text(call), method=method, cls=model_class_name(model),
                           replacement=K.MODEL_METHODS_REMOVED[method].replace("model.", receiver_text(call) + "."))
            text = _as_predict(facts, call, model, method)
            if text is not None:
                # safe: what the removed method computed from predict() (Keras 2.5 source)
                hit = self.fixed(hit, [(call, text)], "Compute it from `predict()`", "safe")
            yield hit


def _as_predict(facts: ModuleFacts, call: cst.Call, model: Model, method: str) -> Optional[str]:
    """Keras 2.5: predict_proba(x, batch_size=32, verbose=0) returned predict(x, batch_size, verbose);
    predict_classes took the argmax over the last axis when it has more than one unit, else `> 0.5`
    as int32. Both took the same positional arguments as predict."""
    if not isinstance(call.func, cst.Attribute) or any(a.star for a in call.args):
        return None
    if any(a.keyword is not None and a.keyword.value not in ("x", "batch_size", "verbose") for a in call.args):
        return None
    predict = replacement(facts.module, call, call.with_changes(func=call.func.with_changes(attr=cst.Name("predict"))))
    if predict is None:
        return None
    if method == "predict_proba":
        return predict
    out = model.single_output()
    units = getattr(out, "units", None)
    if units is None or units < 1:
        return None
    return f"{predict}.argmax(axis=-1)" if units > 1 else f'({predict} > 0.5).astype("int32")'
