from typing import Iterator

from kerascheck.facts.functions import LOG_NAN_ACTIVATIONS, function_facts, output_of, snippet
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule


class UnclippedLogInLoss(Rule):
    """KC403: log(y_pred) with no clip or epsilon, on an output that can be <= 0."""

    code = "KC403"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for use in facts.fn_uses:
            if use.role != "loss":
                continue
            out = output_of(use)
            if out is None or out.activation not in LOG_NAN_ACTIVATIONS:
                continue
            ff = function_facts(facts, use.func)
            for log in ff.logs if ff else []:
                if log.raw:
                    yield self.hit(log.node, fn=ff.name, activation=out.activation,
                                   call=snippet(facts.module, log.node))
