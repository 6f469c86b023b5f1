from typing import Iterator

from kerascheck.facts.interp import ModuleFacts
from kerascheck.facts.metrics import class_count, iou_config, metric_uses
from kerascheck.rule import Hit, Rule


class IouNumClassesMismatch(Rule):
    """KC301: an IoU metric with fewer classes than the classifier output it measures."""

    code = "KC301"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for model in facts.models:
            for use in metric_uses(model):
                cfg = iou_config(use.spec)
                # Only where predictions become real class ids (argmax); with sparse_y_pred=True on
                # probabilities KC302 reports the metric instead.
                if cfg is None or cfg.num_classes is None or cfg.sparse_y_pred is not False or not cfg.axis_last:
                    continue
                if cfg.ignores_class:
                    continue  # a smaller num_classes may be how the user leaves a void class out
                classes = class_count(use.output, use.loss)
                if classes is None or cfg.num_classes >= classes:
                    continue  # more classes than the model has is correct in Keras 2 and 3
                yield self.hit(use.spec.node, metric=cfg.cls, k=cfg.num_classes, classes=classes,
                               outcome=_outcome(facts.keras_versions, cfg.num_classes))


def _outcome(versions: frozenset, k: int) -> str:
    k3 = (f"Keras 3 silently leaves out every sample (or pixel) whose true or predicted class is >= {k}, "
          "so the reported IoU is wrong")
    k2 = 'Keras 2 raises "InvalidArgumentError: assertion failed: [`labels` out of bound]"'
    if versions == {"3"}:
        return k3
    if versions == {"2"}:
        return k2
    return f"{k3}; {k2}"
