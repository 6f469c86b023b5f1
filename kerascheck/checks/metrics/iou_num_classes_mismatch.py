from typing import Iterator, Optional

import libcst as cst

from kerascheck.facts.metrics import IOU_PARAMS, class_count, iou_config, metric_uses
from kerascheck.facts.model import ModuleFacts
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
                hit = self.hit(use.spec.node, metric=cfg.cls, k=cfg.num_classes, classes=classes,
                               outcome=_outcome(facts.keras_versions, cfg.num_classes))
                literal = _num_classes_literal(use.spec.node, cfg.cls)
                if literal is not None:
                    # safe: training is untouched; the metric counts every class the model predicts
                    # (Keras 2 no longer raises, Keras 3 no longer drops samples)
                    hit = self.fixed(hit, [(literal, str(classes))], f"Set num_classes={classes}", "safe")
                yield hit


def _num_classes_literal(call: cst.Call, cls: str) -> Optional[cst.Integer]:
    """The integer literal written as the metric's num_classes (keyword or position)."""
    params = IOU_PARAMS.get(cls, ())
    positional = [a for a in call.args if a.keyword is None]
    value = None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "num_classes":
            value = arg.value
    if value is None and "num_classes" in params and params.index("num_classes") < len(positional):
        value = positional[params.index("num_classes")].value
    return value if isinstance(value, cst.Integer) else None


def _outcome(versions: frozenset, k: int) -> str:
    k3 = (f"Keras 3 silently leaves out every sample (or pixel) whose true or predicted class is >= {k}, "
          "so the reported IoU is wrong")
    k2 = 'Keras 2 raises "InvalidArgumentError: assertion failed: [`labels` out of bound]"'
    if versions == {"3"}:
        return k3
    if versions == {"2"}:
        return k2
    return f"{k3}; {k2}"
