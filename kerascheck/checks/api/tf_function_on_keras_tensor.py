from typing import Iterator

from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule


class TfFunctionOnKerasTensor(Rule):
    """KC512: a TensorFlow function given a KerasTensor while a functional model is built (Keras 3)."""

    code = "KC512"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for node, name in facts.tf_on_keras_tensors:
            if id(node) in seen:
                continue  # a function body run for two calls
            seen.add(id(node))
            instead = K.TF_TO_KERAS_OPS.get(str(name))
            use = f"`{instead}`" if instead else "the `keras.ops` function of the same name, or a custom layer"
            yield self.hit(node, name=str(name), use=use)
