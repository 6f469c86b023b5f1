from typing import Iterator

from kerascheck.facts import keras_api as K
from kerascheck.facts.interp import ModuleFacts
from kerascheck.facts.pairing import loss_pairs
from kerascheck.rule import Hit, Rule


class FromLogitsAfterSoftmax(Rule):
    """KC206: from_logits=True on an output that already went through softmax/sigmoid."""

    code = "KC206"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            for pair in loss_pairs(model):
                out = pair.output
                if pair.loss.name not in K.CROSSENTROPY_LOSSES or pair.loss.from_logits is not True:
                    continue
                if out.activation not in K.PROBABILITY_ACTIVATIONS:
                    continue
                if id(pair.node) in seen:
                    continue
                seen.add(id(pair.node))
                yield self.hit(pair.node, loss=pair.loss.name, activation=out.activation)
