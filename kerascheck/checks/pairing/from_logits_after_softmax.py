from typing import Iterator, Optional

import libcst as cst

from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
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
                hit = self.hit(pair.node, loss=pair.loss.name, activation=out.activation)
                value = _from_logits_true(pair.loss.node, pair.loss.name)
                if value is not None:
                    # unsafe: the loss (and so training) changes, from wrong to right
                    hit = self.fixed(hit, [(value, "False")], "Pass `from_logits=False`", "unsafe")
                yield hit


def _from_logits_true(node: cst.CSTNode, loss: str) -> Optional[cst.Name]:
    """The literal `True` given as the loss constructor's from_logits, by keyword or position."""
    if not isinstance(node, cst.Call):
        return None
    pos = K.FROM_LOGITS_POSITION.get(loss)
    positional = [a for a in node.args if a.keyword is None]
    for arg in node.args:
        if arg.star:
            return None
        is_it = (arg.keyword is not None and arg.keyword.value == "from_logits") or \
            (arg.keyword is None and pos is not None and pos < len(positional) and positional[pos] is arg)
        if is_it:
            value = arg.value
            return value if isinstance(value, cst.Name) and value.value == "True" else None
    return None
