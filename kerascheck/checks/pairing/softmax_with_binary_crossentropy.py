from typing import Iterator

from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import loss_pairs
from kerascheck.rule import Hit, Rule


class SoftmaxWithBinaryCrossentropy(Rule):
    """KC204: a softmax over several classes trained with a per-class (binary) crossentropy."""

    code = "KC204"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            for pair in loss_pairs(model):
                out = pair.output
                if pair.loss.name not in K.BINARY_LOSSES or out.activation != "softmax":
                    continue
                if out.units is None or out.units < 2:
                    continue
                if id(pair.node) in seen:
                    continue
                seen.add(id(pair.node))
                yield self.hit(pair.node, units=out.units, loss=pair.loss.name)
