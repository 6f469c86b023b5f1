from typing import Iterator

from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import loss_pairs
from kerascheck.rule import Hit, Rule


class LogitsWithoutFromLogits(Rule):
    """KC205: raw scores (logits) fed to a crossentropy that expects probabilities."""

    code = "KC205"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            for pair in loss_pairs(model):
                out, name = pair.output, pair.loss.name
                if name not in K.LOGIT_SENSITIVE_LOSS_CLASSES or pair.loss.from_logits is not False:
                    continue
                if out.activation not in K.LOGIT_ACTIVATIONS:
                    continue
                if name != "binary_crossentropy" and out.units is not None and out.units < 2:
                    continue  # one unit with a categorical loss: KC202 (or a Keras error)
                if id(pair.node) in seen:
                    continue
                seen.add(id(pair.node))
                hit = self.hit(pair.node, loss=name, activation=out.activation,
                               cls=K.LOGIT_SENSITIVE_LOSS_CLASSES[name],
                               prob="sigmoid" if name == "binary_crossentropy" else "softmax")
                # the output layer, when another module builds it: the message names that line
                hit.cause = out.activation_node or (out.layer.node if out.layer is not None else None)
                yield hit
