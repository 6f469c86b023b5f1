from typing import Iterator

from kerascheck.checks.outputs._text import raises_text
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import label_pairs, width_mismatch
from kerascheck.rule import Hit, Rule

# Measured on 3.15 and 2.15 (tests/fixtures/KC109).
_BCE = {"3": "ValueError: Arguments `target` and `output` must have the same shape",
        "2": "ValueError: `logits` and `labels` must have the same shape"}
_RAISES = "ValueError: Dimensions must be equal"


def _consequence(loss: str, width_rank: int, versions: frozenset) -> str:
    if loss != "binary_crossentropy":
        return f"fit raises {_RAISES}"
    errors = dict(_BCE)
    if width_rank == 1:
        errors["3"] = "ValueError: Arguments `target` and `output` must have the same rank (ndim)"
    return raises_text(errors, versions)


class OutputWidthMismatch(Rule):
    """KC109: a flat output of k units trained on targets of another width: binary crossentropy, or a
    regression loss with several columns on both sides."""

    code = "KC109"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            for lp in label_pairs(model):
                found = width_mismatch(lp)
                if found is None or (id(lp.pair.node), found) in seen:
                    continue
                loss, out = lp.pair.loss.name, lp.pair.output
                if loss == "binary_crossentropy" and out.activation == "softmax" and out.units > 1:
                    continue  # KC204's: a softmax trained with a per-class loss
                if found.broadcasts:
                    continue  # KC110's
                units, width = found.units, found.width
                seen.add((id(lp.pair.node), found))
                shown = "(N,)" if lp.y.rank == 1 else f"(N, {width})"
                yield self.hit(lp.pair.node, loss=loss, units=units, targets=shown,
                               consequence=_consequence(loss, lp.y.rank, facts.keras_versions), width=width)
