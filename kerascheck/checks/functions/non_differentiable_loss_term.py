from typing import Iterator

from kerascheck.facts.functions import function_facts, snippet
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.values import LossSpec
from kerascheck.rule import Hit, Rule


class NonDifferentiableLossTerm(Rule):
    """KC405: part of a custom loss (or all of it, through tf.sign) carries no useful gradient."""

    code = "KC405"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for use in facts.fn_uses:
            if use.role != "loss" or not isinstance(use.compile.loss, LossSpec):
                continue
            ff = function_facts(facts, use.func)
            if ff is None:
                continue
            zero = ff.zero_gradient()
            if zero is not None:
                node, _op = zero
                yield self.hit(node, fn=ff.name, op=snippet(facts.module, node),
                               effect="its gradient is zero everywhere, so fit runs but the weights never move")
                continue
            for _term, node, _op in ff.ignored_terms()[:1]:
                yield self.hit(node, fn=ff.name, op=snippet(facts.module, node),
                               effect="this term of the loss has no gradient, so training silently ignores "
                                      "it and optimises only the other terms")
