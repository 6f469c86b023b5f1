from typing import Iterator

from kerascheck.facts.functions import function_facts, snippet
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.values import LossSpec
from kerascheck.rule import Hit, Rule


class NonDifferentiableLoss(Rule):
    """KC402: a custom loss whose value reaches y_pred only through ops without a gradient."""

    code = "KC402"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for use in facts.fn_uses:
            # with other losses beside it (multi-output), the other heads still get gradients
            if use.role != "loss" or not isinstance(use.compile.loss, LossSpec):
                continue
            ff = function_facts(facts, use.func)
            cut = ff.no_gradient() if ff else None
            if cut is None:
                continue
            node, _op = cut
            yield self.hit(node, fn=ff.name, op=snippet(facts.module, node))
