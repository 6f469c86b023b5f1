from typing import Iterator, Optional

import libcst as cst

from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.model_api import tf_internal
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
    if cls not in K.LEGACY_OPTIMIZER_KEYWORDS or not isinstance(func, cst.Attribute) \
            or not isinstance(func.value, cst.Attribute) or func.value.attr.value != "legacy":
        return None
    if any(a.star for a in call.args) or len([a for a in call.args if a.keyword is None]) > 1:
        return None
    kept = K.LEGACY_OPTIMIZER_KEYWORDS[cls] | K.LEGACY_OPTIMIZER_COMMON_KEYWORDS
    if any(a.keyword is not None and a.keyword.value not in kept for a in call.args):
        return None
    return func.value, facts.module.code_for_node(func.value.value)
