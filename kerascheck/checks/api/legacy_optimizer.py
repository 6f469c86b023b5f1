from typing import Iterator, Optional

import libcst as cst

from kerascheck.checks.api._shared import tf_internal
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule

# Keywords of each legacy optimizer (Keras 2.15) that the Keras 3.15 class of the same name takes with the
# same meaning (inspect.signature on both); `lr` and `decay` are left for KC504 / KC505 to report next.
_COMMON = {"clipnorm", "clipvalue", "global_clipnorm", "name", "lr", "decay"}
_KEYWORDS = {
    "Adadelta": {"learning_rate", "rho", "epsilon"},
    "Adagrad": {"learning_rate", "initial_accumulator_value", "epsilon"},
    "Adam": {"learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"},
    "Adamax": {"learning_rate", "beta_1", "beta_2", "epsilon"},
    "Ftrl": {"learning_rate", "learning_rate_power", "initial_accumulator_value", "l1_regularization_strength",
             "l2_regularization_strength", "l2_shrinkage_regularization_strength", "beta"},
    "Nadam": {"learning_rate", "beta_1", "beta_2", "epsilon"},
    "RMSprop": {"learning_rate", "rho", "momentum", "epsilon", "centered"},
    "SGD": {"learning_rate", "momentum", "nesterov"},
}


class LegacyOptimizer(Rule):
    """KC507: `keras.optimizers.legacy.<Optimizer>(...)`, which Keras 3 does not support."""

    code = "KC507"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for site in facts.calls:
            name = site.name
            module, _, cls = name.rpartition(".")
            if module == "keras.optimizers.legacy" and name.flavor in ("keras", "tf.keras") and cls[:1].isupper() \
                    and not tf_internal(facts, site.node):
                hit = self.hit(site.node, cls=cls)
                edit = _drop_legacy(facts, site.node, cls)
                if edit is not None:
                    # unsafe: Keras 3's optimizer implements the same algorithm, but not bit for bit
                    hit = self.fixed(hit, [edit], f"Use the `{cls}` optimizer of `keras.optimizers`", "unsafe")
                yield hit


def _drop_legacy(facts: ModuleFacts, call: cst.Call, cls: str) -> Optional[tuple]:
    """`tf.keras.optimizers.legacy.Adam(...)` -> `tf.keras.optimizers.Adam(...)` when every argument
    means the same to the new class."""
    func = call.func
    if cls not in _KEYWORDS or not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Attribute) \
            or func.value.attr.value != "legacy":
        return None
    if any(a.star for a in call.args) or len([a for a in call.args if a.keyword is None]) > 1:
        return None
    if any(a.keyword is not None and a.keyword.value not in _KEYWORDS[cls] | _COMMON for a in call.args):
        return None
    return func.value, facts.module.code_for_node(func.value.value)
