from typing import Iterator

import libcst as cst

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.values import Tensor
from kerascheck.rule import Hit, Rule


class SoftmaxOnSingleUnit(Rule):
    """KC201: a softmax over an axis of size 1 is the constant 1.0."""

    code = "KC201"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for model in facts.models:
            for _, out in model.output_list() or []:
                if isinstance(out, Tensor) and out.units == 1 and out.activation == "softmax":
                    node = out.activation_node or out.node
                    hit = self.hit(node, layer=out.layer.cls if out.layer else "layer")
                    if isinstance(node, cst.SimpleString) and node.value in ('"softmax"', "'softmax'"):
                        q = node.value[0]
                        # unsafe: it changes what the model computes (from a constant to a probability)
                        hit = self.fixed(hit, [(node, f"{q}sigmoid{q}")], 'Use activation="sigmoid"', "unsafe")
                    yield hit
