from typing import Iterator

from kerascheck.checks.api._shared import tf_internal
from kerascheck.facts.interp import ModuleFacts
from kerascheck.rule import Hit, Rule


class LegacyOptimizer(Rule):
    """KC507: `keras.optimizers.legacy.<Optimizer>(...)`, which Keras 3 does not support."""

    code = "KC507"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for site in facts.calls:
            name = site.name
            module, _, cls = name.rpartition(".")
            if module == "keras.optimizers.legacy" and name.flavor in ("keras", "tf.keras") and cls[:1].isupper() \
                    and not tf_internal(facts, site.node):
                yield self.hit(site.node, cls=cls)
