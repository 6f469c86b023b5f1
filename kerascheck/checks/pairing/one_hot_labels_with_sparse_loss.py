from typing import Iterator

from kerascheck.checks.pairing._loss_swap import swap_edit
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import label_pairs
from kerascheck.rule import Hit, Rule


def _shape(shape: tuple) -> str:
    dims = ", ".join("?" if d is None else str(d) for d in shape)
    return f"({dims},)" if len(shape) == 1 else f"({dims})"


class OneHotLabelsWithSparseLoss(Rule):
    """KC208: one-hot rows fed to sparse_categorical_crossentropy, which wants class ids."""

    code = "KC208"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            for lp in label_pairs(model):
                out, y = lp.pair.output, lp.y
                if lp.pair.loss.name != "sparse_categorical_crossentropy" or out.rank is None:
                    continue
                if y.rank != out.rank or y.shape[-1] == 1:
                    continue  # class ids, with or without a trailing axis of 1
                if y.one_hot:
                    what = "one-hot"
                elif y.dtype == "float" and out.units is not None and out.units > 1 and y.shape[-1] == out.units:
                    what = "float rows with a class axis"
                else:
                    continue
                k3 = "ValueError: Argument `output` must have rank (ndim) `target.ndim - 1`"
                if y.shape[-1] is None:  # a dataset's targets: shapes unknown until TensorFlow runs
                    k2 = "InvalidArgumentError: logits and labels must have the same first dimension"
                elif y.rank == 2:
                    k2 = "ValueError: `labels.shape` must equal `logits.shape` except for the last dimension"
                else:
                    k2 = "a labels/logits shape error"
                versions = facts.keras_versions
                error = k3 if "2" not in versions else k2 if "3" not in versions else f"{k3} (Keras 3) / {k2} (Keras 2)"
                if (id(lp.pair.node), y.shape) in seen:
                    continue
                seen.add((id(lp.pair.node), y.shape))
                hit = self.hit(lp.pair.node, what=what, shape=_shape(y.shape), error=error)
                edit = swap_edit(facts, lp.pair, _one_hot_rows)
                if edit is not None:
                    # safe: Keras raises on these targets; the categorical loss computes on one-hot
                    # rows what the sparse one computes on their class ids
                    hit = self.fixed(hit, [edit], "Use categorical_crossentropy", "safe")
                yield hit


def _one_hot_rows(out, y) -> bool:
    """`y` holds one-hot rows (built by to_categorical / one_hot / an identity matrix) with one
    column per unit of the output `out`."""
    return (y.one_hot and out.rank is not None and out.units is not None and out.units > 1
            and y.rank == out.rank and y.shape[-1] == out.units)
