from typing import Iterator

from kerascheck.checks.api._shared import keyword
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.model_api import optimizer_calls
from kerascheck.rule import Hit, Rule


class OptimizerLrArgument(Rule):
    """KC504: `Adam(lr=...)`: Keras 3 rejects the old `lr` alias of `learning_rate`."""

    code = "KC504"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for site, cls in optimizer_calls(facts):
            arg = keyword(site.node, "lr")
            if arg is not None and arg.keyword is not None:
                value = facts.module.code_for_node(arg.value)
                hit = self.hit(arg, cls=cls, value=value if len(value) <= 20 else "...")
                if keyword(site.node, "learning_rate") is None:  # `lr` is an alias: renaming is exact
                    hit = self.fixed(hit, [(arg.keyword, "learning_rate")], "Rename `lr=` to `learning_rate=`", "safe")
                yield hit
