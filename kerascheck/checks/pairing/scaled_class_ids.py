from typing import Iterator

import libcst as cst

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
                yield self.hit(_y_node(lp.fit.node), divisor=f"{divisor:g}", how=how, loss=lp.pair.loss.name)


def _y_node(call: cst.Call) -> cst.CSTNode:
    """The `y` argument as written in the fit/evaluate call (the call itself when not found)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "y":
            return arg.value
    positional = [a for a in call.args if a.keyword is None]
    return positional[1].value if len(positional) > 1 and not any(a.star for a in positional[:2]) else call
