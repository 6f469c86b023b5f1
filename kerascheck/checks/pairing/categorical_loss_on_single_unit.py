from typing import Iterator

from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import label_pairs, loss_pairs
from kerascheck.rule import Hit, Rule


class CategoricalLossOnSingleUnit(Rule):
    """KC202: a categorical crossentropy over one unit is identically 0."""

    code = "KC202"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            # Targets with a class axis wider than 1 make Keras raise a shape error instead.
            raises = {(id(lp.pair.compile), lp.pair.index) for lp in label_pairs(model)
                      if lp.y.rank == lp.pair.output.rank and lp.y.shape[-1] not in (None, 1)}
            for pair in loss_pairs(model):
                if pair.loss.name not in K.CATEGORICAL_LOSSES or pair.output.units != 1:
                    continue
                if (id(pair.compile), pair.index) in raises:
                    continue
                if id(pair.node) in seen:
                    continue
                seen.add(id(pair.node))
                yield self.hit(pair.node, loss=pair.loss.name)
