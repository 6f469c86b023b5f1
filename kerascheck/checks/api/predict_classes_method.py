from typing import Iterator

from kerascheck.checks.api._shared import model_class_name, model_method_calls, receiver_text
from kerascheck.facts import keras_api as K
from kerascheck.facts.interp import ModuleFacts
from kerascheck.rule import Hit, Rule


class PredictClassesMethod(Rule):
    """KC506: `model.predict_classes` / `predict_proba`, gone since TensorFlow 2.6."""

    code = "KC506"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for call, model, method in model_method_calls(facts, K.MODEL_METHODS_REMOVED):
            yield self.hit(call, receiver=receiver_text(call), method=method, cls=model_class_name(model),
                           replacement=K.MODEL_METHODS_REMOVED[method].replace("model.", receiver_text(call) + "."))
