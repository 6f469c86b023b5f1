from typing import Iterator

from kerascheck.checks.api._optimizers import optimizer_calls
from kerascheck.checks.api._shared import keyword
from kerascheck.facts.interp import ModuleFacts
from kerascheck.rule import Hit, Rule


class OptimizerLrArgument(Rule):
    """KC504: `Adam(lr=...)`: Keras 3 rejects the old `lr` alias of `learning_rate`."""

    code = "KC504"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for site, cls in optimizer_calls(facts):
            arg = keyword(site.node, "lr")
            if arg is not None:
                value = facts.module.code_for_node(arg.value)
                yield self.hit(arg, cls=cls, value=value if len(value) <= 20 else "...")
