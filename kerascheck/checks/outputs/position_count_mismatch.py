from typing import Iterator

from kerascheck.checks.outputs._text import raises_text, shape_text
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import label_pairs, position_mismatch
from kerascheck.rule import Hit, Rule

# Measured on 3.15 and 2.15 (tests/fixtures/KC111): every one raises at the first step.
_SQUARED = "ValueError: Dimensions must be equal"
_K3 = {"mean_squared_error": _SQUARED, "mean_absolute_error": _SQUARED,
       "binary_crossentropy": "ValueError: Arguments `target` and `output` must have the same shape",
       "categorical_crossentropy": "ValueError: Arguments `target` and `output` must have the same shape",
       "sparse_categorical_crossentropy":
           "ValueError: Arguments `target` and `output` must have the same shape up until the last dimension"}
_K2 = {"mean_squared_error": _SQUARED, "mean_absolute_error": _SQUARED,
       "binary_crossentropy": "ValueError: `logits` and `labels` must have the same shape",
       "categorical_crossentropy": "ValueError: Shapes (...) and (...) are incompatible",
       "sparse_categorical_crossentropy":
           "ValueError: `labels.shape` must equal `logits.shape` except for the last dimension"}


class PositionCountMismatch(Rule):
    """KC111: an output with another number of positions (pixels, time steps) than its targets."""

    code = "KC111"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            for lp in label_pairs(model):
                found = position_mismatch(lp)
                if found is None or id(lp.pair.node) in seen:
                    continue
                seen.add(id(lp.pair.node))
                loss = lp.pair.loss.name
                error = raises_text({"3": _K3[loss], "2": _K2[loss]}, facts.keras_versions)
                yield self.hit(lp.pair.node, loss=loss, output=shape_text(found[0]), targets=shape_text(found[1]),
                               error=error)
