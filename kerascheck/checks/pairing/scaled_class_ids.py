from typing import Iterator

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import label_pairs, scaled_class_ids
from kerascheck.rule import Hit, Rule


class ScaledClassIds(Rule):
    """KC211: integer class ids divided like pixels (`y / 255`), then used as class ids."""

    code = "KC211"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            for lp in label_pairs(model):
                divisor = scaled_class_ids(lp)
                if divisor is None or id(lp.y.node) in seen or lp.y.node is None:
                    continue
                seen.add(id(lp.y.node))
                how = ("`to_categorical` casts them back to integers, so every row is class 0"
                       if lp.y.one_hot else f"{lp.pair.loss.name} casts them back to integers, so every label is 0")
                yield self.hit(lp.fit.arg_node("y", 1) or lp.fit.node, divisor=f"{divisor:g}", how=how,
                               loss=lp.pair.loss.name)

