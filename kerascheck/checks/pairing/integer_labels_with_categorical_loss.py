from typing import Iterator

from kerascheck.checks.pairing._loss_swap import swap_edit
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import label_pairs
from kerascheck.rule import Hit, Rule


def _shape(shape: tuple) -> str:
    dims = ", ".join("?" if d is None else str(d) for d in shape)
    return f"({dims},)" if len(shape) == 1 else f"({dims})"


class IntegerLabelsWithCategoricalLoss(Rule):
    """KC207: class ids (no class axis) fed to categorical_crossentropy, which wants one-hot rows."""

    code = "KC207"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            for lp in label_pairs(model):
                out, y = lp.pair.output, lp.y
                if lp.pair.loss.name != "categorical_crossentropy" or y.one_hot:
                    continue
                if y.dtype != "int" and y.int_high is None:
                    continue  # not known to hold class ids
                if not _class_ids(out, y):
                    continue
                if y.rank == out.rank - 1:
                    k3 = "ValueError: Arguments `target` and `output` must have the same rank (ndim)"
                elif y.rank == out.rank and y.shape[-1] == 1:
                    k3 = "ValueError: Arguments `target` and `output` must have the same shape"
                else:
                    continue
                k2 = "ValueError: Shapes ... are incompatible"
                versions = facts.keras_versions
                error = k3 if "2" not in versions else k2 if "3" not in versions else f"{k3} (Keras 3) / {k2} (Keras 2)"
                if (id(lp.pair.node), y.shape) in seen:
                    continue
                seen.add((id(lp.pair.node), y.shape))
                hit = self.hit(lp.pair.node, units=out.units, shape=_shape(y.shape), error=error)
                edit = swap_edit(facts, lp.pair, _class_ids)
                if edit is not None:
                    # safe: Keras raises on these targets; the sparse loss computes on class ids what
                    # the categorical one computes on their one-hot rows
                    hit = self.fixed(hit, [edit], "Use sparse_categorical_crossentropy", "safe")
                yield hit


def _class_ids(out, y) -> bool:
    """`y` holds class ids for the classifier output `out`: integers without a class axis, or with
    a trailing axis of 1."""
    if y.one_hot or (y.dtype != "int" and y.int_high is None):
        return False
    if out.units is None or out.units < 2 or out.rank is None or y.rank is None:
        return False
    return y.rank == out.rank - 1 or (y.rank == out.rank and y.shape[-1] == 1)
