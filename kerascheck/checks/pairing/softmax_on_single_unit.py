from typing import Iterator

from kerascheck.facts.interp import ModuleFacts
from kerascheck.facts.values import Tensor
from kerascheck.rule import Hit, Rule


class SoftmaxOnSingleUnit(Rule):
    """KC201: a softmax over an axis of size 1 is the constant 1.0."""

    code = "KC201"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for model in facts.models:
            for _, out in model.output_list() or []:
                if isinstance(out, Tensor) and out.units == 1 and out.activation == "softmax":
                    yield self.hit(out.activation_node or out.node,
                                   layer=out.layer.cls if out.layer else "layer")
