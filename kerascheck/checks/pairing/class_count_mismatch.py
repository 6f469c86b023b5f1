from typing import Iterator

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import label_pairs
from kerascheck.rule import Hit, Rule

_CATEGORICAL = ("categorical_crossentropy", "categorical_focal_crossentropy")


class ClassCountMismatch(Rule):
    """KC210: one-hot targets with k columns against an output with n != k units."""

    code = "KC210"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            for lp in label_pairs(model):
                out, y = lp.pair.output, lp.y
                if lp.pair.loss.name not in _CATEGORICAL or not y.one_hot or y.rank != out.rank:
                    continue
                units, width = out.units, y.shape[-1]
                if units is None or width is None or units < 2 or width == units:
                    continue  # one unit is KC202's
                k3 = "ValueError: Arguments `target` and `output` must have the same shape"
                k2 = f"ValueError: Shapes (batch, {width}) and (batch, {units}) are incompatible"
                versions = facts.keras_versions
                error = k3 if "2" not in versions else k2 if "3" not in versions else f"{k3} (Keras 3) / {k2} (Keras 2)"
                if (id(lp.pair.node), width) in seen:
                    continue
                seen.add((id(lp.pair.node), width))
                yield self.hit(lp.pair.node, loss=lp.pair.loss.name, units=units, width=width, error=error)
