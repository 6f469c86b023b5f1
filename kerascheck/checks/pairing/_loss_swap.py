"""The fix KC207 and KC208 share: switch a categorical crossentropy between its one-hot and its
class-id form when every target it ever meets is known to be in the other form."""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import LossPair, every_target_fits
from kerascheck.facts.values import Array, Tensor

# The metrics are left as they are: they see the same targets as before, and Keras 2.15 and 3.15 pick
# the variant of "accuracy" / "crossentropy" from the shapes of y_true and y_pred, not from the loss.


def swap_edit(facts: ModuleFacts, pair: LossPair, fits_target: Callable[[Tensor, Array], bool]) -> Optional[tuple]:
    """(node, replacement) that turns the loss written at `pair.node` into its other form, when the
    loss is written inside compile() and every compile/fit that uses it feeds targets for which
    `fits_target(output, y)` holds; None otherwise."""
    node = pair.node
    if not _inside(pair.compile.node, node) or not every_target_fits(facts.models, node, fits_target):
        return None
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:
            return None
        if value not in K.OTHER_TARGET_FORM or not value.islower() or node.prefix:
            return None
        quote = node.quote
        return node, f"{quote}{K.OTHER_TARGET_FORM[value]}{quote}"
    func = node.func if isinstance(node, cst.Call) else node
    if not isinstance(func, cst.Attribute) or func.attr.value not in K.OTHER_TARGET_FORM:
        return None
    if isinstance(node, cst.Call):
        positional = [a for a in node.args if a.keyword is None]
        if any(a.star for a in node.args) or len(positional) > 1 or \
                any(a.keyword is not None and a.keyword.value not in K.OTHER_FORM_SHARED_KEYWORDS for a in node.args):
            return None
    return func.attr, K.OTHER_TARGET_FORM[func.attr.value]


def _inside(root: cst.CSTNode, node: cst.CSTNode) -> bool:
    stack = [root]
    while stack:
        n = stack.pop()
        if n is node:
            return True
        stack.extend(n.children)
    return False
