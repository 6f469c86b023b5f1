from typing import Iterator

from kerascheck.checks._fixes import with_keywords
from kerascheck.checks.metrics._iou_text import length_error, one_hot_variant
from kerascheck.facts.metrics import IOU_PARAMS, iou_config, metric_uses, target_encoding
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule


class IouOneHotTargetsAsClassIds(Rule):
    """KC303: an IoU metric reads one-hot targets as class ids next to argmax predictions."""

    code = "KC303"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for model in facts.models:
            for use in metric_uses(model):
                cfg = iou_config(use.spec)
                # With sparse_y_pred=True on probabilities the metric is stuck instead (KC302).
                if cfg is None or cfg.sparse_y_true is not True or cfg.sparse_y_pred is not False or not cfg.axis_last:
                    continue
                if not any(target_encoding(y, use.output) == "dense" for y in use.targets):
                    continue
                units = use.output.units
                n = cfg.num_classes if cfg.num_classes is not None and cfg.num_classes >= units else units
                default = "" if cfg.explicit.get("sparse_y_true") else ", the default"
                hit = self.hit(use.spec.node, metric=cfg.cls, default=default, units=units,
                               error=length_error(facts.keras_versions),
                               suggest=one_hot_variant(cfg, n, facts.module))
                fits = [f for f in model.fits if getattr(f, "compile", use.compile) is use.compile]
                if len(use.targets) == len(fits) and \
                        all(y.one_hot and target_encoding(y, use.output) == "dense" for y in use.targets):
                    text = with_keywords(facts.module, use.spec.node, IOU_PARAMS[cfg.cls], {"sparse_y_true": "False"})
                    if text is not None:
                        # safe: Keras raises on these targets; now it takes their argmax
                        hit = self.fixed(hit, [(use.spec.node, text)], "Pass sparse_y_true=False", "safe")
                yield hit
