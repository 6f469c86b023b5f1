from typing import Iterator

from kerascheck.checks.metrics._iou_text import length_error, sparse_variant
from kerascheck.facts import keras_api as K
from kerascheck.facts.metrics import iou_config, metric_uses, one_hot_reading_of_ids
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule

_ORDER = ("raises", "zeros", "batch")  # the outcome a user meets first


class OneHotIouOnClassIds(Rule):
    """KC305: OneHotIoU / OneHotMeanIoU on integer class-id targets (the mirror image of KC303)."""

    code = "KC305"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for model in facts.models:
            for use in metric_uses(model):
                cfg = iou_config(use.spec)
                # sparse_y_pred=True on probabilities is KC302's finding
                if cfg is None or cfg.cls not in ("OneHotIoU", "OneHotMeanIoU") or \
                        cfg.sparse_y_pred is not False or not cfg.axis_last:
                    continue
                # a categorical loss on these targets is a different bug (and fails first)
                if use.loss is not None and use.loss.name is not None and use.loss.name not in K.SPARSE_LOSSES:
                    continue
                found = {}
                for y in use.targets:
                    kind = one_hot_reading_of_ids(y, use.output)
                    if kind is not None:
                        found.setdefault(kind, y)
                if not found:
                    continue
                kind = next(k for k in _ORDER if k in found)
                units = use.output.units
                n = cfg.num_classes if cfg.num_classes is not None and cfg.num_classes >= units else units
                yield self.hit(use.spec.node, metric=cfg.cls, shape=_shape(found[kind].shape),
                               outcome=_outcome(kind, found[kind].shape, facts.keras_versions),
                               suggest=sparse_variant(cfg, n, facts.module))


def _shape(shape: tuple) -> str:
    dims = ["?" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def _outcome(kind: str, shape: tuple, versions: frozenset) -> str:
    if kind == "raises":
        return (f"the argmax runs over a spatial axis of size {shape[-1]}, so y_true comes out {shape[-1]}x "
                f"shorter than the argmax predictions and fit raises {length_error(versions)}")
    zeros = "the argmax over their size-1 last axis is 0 everywhere, so every target reads as class 0"
    if kind == "zeros":
        return zeros + " and the IoU is silently wrong"
    k2 = "Keras 2 expands them to (N, 1), where the argmax is 0 everywhere and every target reads as class 0"
    k3 = "Keras 3 takes the argmax over the batch axis, a single index for the whole batch"
    if versions == {"2"}:
        return k2 + ", so the IoU is silently wrong"
    if versions == {"3"}:
        return k3 + ", so the IoU is silently wrong"
    return f"{k3}; {k2}. The IoU is silently wrong"

