from typing import Iterator

from kerascheck.facts import keras_api as K
from kerascheck.facts.interp import ModuleFacts
from kerascheck.facts.pairing import loss_pairs
from kerascheck.rule import Hit, Rule

# Measured on Keras 3.15 and 2.15 (tests/fixtures/KC205): sparse categorical, categorical and binary
# crossentropy on a linear/ReLU output with from_logits=False train far worse than with logits.
_LOSSES = {"categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy"}
_CLASS = {"categorical_crossentropy": "CategoricalCrossentropy",
          "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
          "binary_crossentropy": "BinaryCrossentropy"}


class LogitsWithoutFromLogits(Rule):
    """KC205: raw scores (logits) fed to a crossentropy that expects probabilities."""

    code = "KC205"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            for pair in loss_pairs(model):
                out, name = pair.output, pair.loss.name
                if name not in _LOSSES or pair.loss.from_logits is not False:
                    continue
                if out.activation not in K.LOGIT_ACTIVATIONS:
                    continue
                if name != "binary_crossentropy" and out.units is not None and out.units < 2:
                    continue  # one unit with a categorical loss: KC202 (or a Keras error)
                if id(pair.node) in seen:
                    continue
                seen.add(id(pair.node))
                hit = self.hit(pair.node, loss=name, activation=out.activation, cls=_CLASS[name],
                               prob="sigmoid" if name == "binary_crossentropy" else "softmax")
                # the output layer, when another module builds it: the message names that line
                hit.cause = out.activation_node or (out.layer.node if out.layer is not None else None)
                yield hit
