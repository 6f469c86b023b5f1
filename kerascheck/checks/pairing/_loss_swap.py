"""The fix KC207 and KC208 share: switch a categorical crossentropy between its one-hot and its
class-id form when every target it ever meets is known to be in the other form."""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import LossPair, label_pairs, pair_losses
from kerascheck.facts.values import Array, Tensor

# written name -> the other form's name (strings, loss functions, loss classes)
_OTHER = {
    "categorical_crossentropy": "sparse_categorical_crossentropy",
    "sparse_categorical_crossentropy": "categorical_crossentropy",
    "CategoricalCrossentropy": "SparseCategoricalCrossentropy",
    "SparseCategoricalCrossentropy": "CategoricalCrossentropy",
}
# Constructor keywords both classes take with the same meaning (Keras 2.15 and 3.15); the first
# positional argument is from_logits in both.
_SHARED_KEYWORDS = {"from_logits", "reduction", "name"}
# The metrics are left as they are: they see the same targets as before, and Keras 2.15 and 3.15 pick
# the variant of "accuracy" / "crossentropy" from the shapes of y_true and y_pred, not from the loss.


def swap_edit(facts: ModuleFacts, pair: LossPair, fits_target: Callable[[Tensor, Array], bool]) -> Optional[tuple]:
    """(node, replacement) that turns the loss written at `pair.node` into its other form, when the
    loss is written inside compile() and every compile/fit that uses it feeds targets for which
    `fits_target(output, y)` holds; None otherwise."""
    node = pair.node
    if not _inside(pair.compile.node, node) or not _checked_everywhere(facts, node, fits_target):
        return None
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:
            return None
        if value not in _OTHER or not value.islower() or node.prefix:
            return None
        quote = node.quote
        return node, f"{quote}{_OTHER[value]}{quote}"
    func = node.func if isinstance(node, cst.Call) else node
    if not isinstance(func, cst.Attribute) or func.attr.value not in _OTHER:
        return None
    if isinstance(node, cst.Call):
        positional = [a for a in node.args if a.keyword is None]
        if any(a.star for a in node.args) or len(positional) > 1 or \
                any(a.keyword is not None and a.keyword.value not in _SHARED_KEYWORDS for a in node.args):
            return None
    return func.attr, _OTHER[func.attr.value]


def _inside(root: cst.CSTNode, node: cst.CSTNode) -> bool:
    stack = [root]
    while stack:
        n = stack.pop()
        if n is node:
            return True
        stack.extend(n.children)
    return False


def _checked_everywhere(facts: ModuleFacts, node: cst.CSTNode, fits_target: Callable) -> bool:
    found = False
    for model in facts.models:
        pairs = None
        for comp in model.compiles:
            for pair in pair_losses(model, comp):
                if pair.node is not node:
                    continue
                if any(a.star for a in comp.node.args):
                    return False
                fits = [f for f in model.fits if f.compile is comp]
                if not fits:
                    return False
                if pairs is None:
                    pairs = list(label_pairs(model))
                for fit in fits:
                    seen = [lp for lp in pairs if lp.fit is fit and lp.pair.index == pair.index]
                    if not seen or not all(fits_target(lp.pair.output, lp.y) for lp in seen):
                        return False
                found = True
    return found

