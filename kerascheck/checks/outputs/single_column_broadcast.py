from typing import Iterator

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import label_pairs, width_mismatch
from kerascheck.rule import Hit, Rule


class SingleColumnBroadcast(Rule):
    """KC110: a regression loss broadcasting one target column over k outputs (or one output over m
    target columns)."""

    code = "KC110"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            for lp in label_pairs(model):
                found = width_mismatch(lp)
                if found is None or not found.broadcasts or (id(lp.pair.node), found) in seen:
                    continue
                seen.add((id(lp.pair.node), found))
                units, width = found.units, found.width
                if units > 1:
                    what = (f"the one target column is broadcast across the {units} outputs: each is trained toward "
                            f"the same value, and predict returns {units} values per sample for one target")
                    if lp.y.rank == 1 and "3" in facts.keras_versions:
                        what += " (Keras 3 refuses `(N,)` targets here: ValueError: Dimensions must be equal)"
                    fix = "Give the last layer one unit (Dense(1)) for one target per sample"
                else:
                    what = (f"the one output is broadcast across the {width} target columns: the model learns "
                            "their mean, not each of them")
                    fix = f"Give the last layer one unit per target column (Dense({width}))"
                shown = "(N,)" if lp.y.rank == 1 else f"(N, {width})"
                yield self.hit(lp.pair.node, loss=lp.pair.loss.name, units=units, targets=shown, what=what, fix=fix)
