from typing import Iterator, Optional

from kerascheck.checks.outputs._text import raises_text, shape_text
from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.pairing import LabelPair, label_pairs, per_sample_targets
from kerascheck.facts.tensors import positional_source
from kerascheck.facts.values import Layer, Model
from kerascheck.rule import Hit, Rule

# What each Keras raises, by loss (measured on 3.15 and 2.15: tests/fixtures/KC105).
_SQUARED = "ValueError: Dimensions must be equal (or, where two axis sizes happen to agree, a silently broadcast loss)"
_K3 = {
    "categorical_crossentropy": "ValueError: Arguments `target` and `output` must have the same rank (ndim)",
    "binary_crossentropy": "ValueError: Arguments `target` and `output` must have the same rank (ndim)",
    "mean_squared_error": _SQUARED,
    "mean_absolute_error": _SQUARED,
}
_K2 = {
    "categorical_crossentropy": "ValueError: Shapes (batch, ...) and (batch, ...) are incompatible",
    "sparse_categorical_crossentropy":
        "ValueError: `labels.shape` must equal `logits.shape` except for the last dimension",
    "binary_crossentropy": "ValueError: `logits` and `labels` must have the same shape",
    "mean_squared_error": _SQUARED,
    "mean_absolute_error": _SQUARED,
}


def _k3(loss: str, lp: LabelPair) -> str:
    if loss != "sparse_categorical_crossentropy":
        return _K3[loss]
    if lp.y.rank == lp.pair.output.rank - 1:
        return "ValueError: Arguments `target` and `output` must have the same shape up until the last dimension"
    return "ValueError: Argument `output` must have rank (ndim) `target.ndim - 1`"


def _dims(shape: Optional[tuple], rank: int, units: Optional[int]) -> str:
    return shape_text(shape if shape is not None else (None,) * (rank - 1) + (units,))


def _layers(model: Model, lp: LabelPair) -> tuple:
    if model.kind == "sequential":
        return tuple(model.layers)
    return lp.pair.output.chain or ()


def _remedy(source: Optional[Layer]) -> str:
    if source is not None and source.cls in K.RECURRENT_LAYERS:
        return f"set return_sequences=False on the last {source.cls} (it returns one vector per time step)"
    rank = K.LAYER_OUTPUT_RANK.get(source.cls) if source is not None else None
    if rank is not None and rank >= 3:
        return (f"add Flatten() or GlobalAveragePooling{rank - 2}D() after {source.cls} and before the last Dense "
                "(Dense acts on the last axis only)")
    return ("reduce the positions before the last Dense (Flatten(), a global pooling layer, or "
            "return_sequences=False), or give one target per position")


class PerSampleTargetsOnPositions(Rule):
    """KC105: a model that predicts per position (rank 3+) trained on one target per sample."""

    code = "KC105"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for model in facts.models:
            for lp in label_pairs(model):
                if not per_sample_targets(lp) or id(lp.pair.node) in seen:
                    continue
                seen.add(id(lp.pair.node))
                out, y, loss = lp.pair.output, lp.y, lp.pair.loss.name
                error = raises_text({"3": _k3(loss, lp), "2": _K2[loss]}, facts.keras_versions)
                yield self.hit(lp.pair.node, loss=loss, output=_dims(out.shape, out.rank, out.units),
                               targets=_dims(y.shape, y.rank, None), error=error,
                               remedy=_remedy(positional_source(_layers(model, lp))))
