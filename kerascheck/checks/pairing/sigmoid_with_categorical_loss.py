from typing import Iterator

from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import loss_pairs
from kerascheck.rule import Hit, Rule


class SigmoidWithCategoricalLoss(Rule):
    """KC203: sigmoid outputs over several classes with a single-label (softmax) loss."""

    code = "KC203"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            for pair in loss_pairs(model):
                out = pair.output
                if pair.loss.name not in K.SOFTMAX_LIKE_ON_SIGMOID_LOSSES or out.activation != "sigmoid":
                    continue
                if out.units is None or out.units < 2 or pair.loss.from_logits is not False:
                    continue
                node = out.activation_node or out.node
                if node is None or id(node) in seen:
                    continue
                seen.add(id(node))
                yield self.hit(node, units=out.units, loss=pair.loss.name)
