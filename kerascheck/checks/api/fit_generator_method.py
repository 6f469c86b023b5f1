from typing import Iterator

from kerascheck.checks.api._shared import keyword, model_class_name, model_method_calls, receiver_text
from kerascheck.facts import keras_api as K
from kerascheck.facts.interp import ModuleFacts
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
            yield self.hit(call, receiver=receiver_text(call), method=method, cls=model_class_name(model),
                           replacement=K.MODEL_METHODS_REMOVED_IN_3[method], extra=extra)
