from typing import Iterator, Optional

import libcst as cst

from kerascheck.checks._fixes import with_keywords
from kerascheck.checks.metrics._iou_text import length_error, one_hot_variant
from kerascheck.facts.metrics import (IOU_PARAMS, IoUConfig, MetricUse, class_count, iou_config, metric_uses,
                                      target_encoding)
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule

_STUCK = "the metric is stuck at one value however the model trains"
_BINARY = "`BinaryIoU(target_class_ids=[0, 1])`, which thresholds each probability at 0.5"


class IouProbabilitiesAsClassIds(Rule):
    """KC302: an IoU metric that turns the model's probabilities into class ids that are all 0."""

    code = "KC302"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for model in facts.models:
            for use in metric_uses(model):
                cfg = iou_config(use.spec)
                out = use.output
                if cfg is None or not cfg.axis_last or out.units is None or \
                        out.activation not in ("softmax", "sigmoid"):
                    continue
                default = "" if cfg.explicit.get("sparse_y_pred") else ", the default"
                if out.units > 1 and cfg.sparse_y_pred is True:
                    hit = self.hit(use.spec.node, metric=cfg.cls, activation=out.activation,
                                   how=f"casts y_pred to int (`sparse_y_pred=True`{default})",
                                   outcome=_outcome(use, cfg, facts.keras_versions),
                                   fix=_fix(use, cfg, facts.module))
                    flags = _flags(use, cfg)
                    text = with_keywords(facts.module, use.spec.node, IOU_PARAMS[cfg.cls], flags) if flags else None
                    if text is not None:
                        # safe: training is untouched; the metric reads the argmax of the probabilities
                        # (and one-hot targets as such) instead of all-zero class ids or a shape error
                        hit = self.fixed(hit, [(use.spec.node, text)],
                                         "Pass " + ", ".join(f"{k}=False" for k in flags), "safe")
                    yield hit
                elif out.units == 1 and out.activation == "sigmoid" and cfg.sparse_y_pred is not None \
                        and not _class_axis_targets(use):
                    how = (f"casts y_pred to int (`sparse_y_pred=True`{default})" if cfg.sparse_y_pred
                           else "takes the argmax over a single unit (`sparse_y_pred=False`)")
                    yield self.hit(use.spec.node, metric=cfg.cls, activation="sigmoid", how=how, outcome=_STUCK,
                                   fix=f"Use {_BINARY}")


def _class_axis_targets(use: MetricUse) -> bool:
    """Targets with a class axis (e.g. one-hot (N, 2)) next to one output unit: another error."""
    rank = use.output.rank
    return any(y.shape is not None and len(y.shape) == rank and y.shape[-1] not in (1, None) for y in use.targets)


def _kind(use: MetricUse) -> Optional[str]:
    kinds = {target_encoding(y, use.output) for y in use.targets}
    return kinds.pop() if len(kinds) == 1 else None


def _outcome(use: MetricUse, cfg: IoUConfig, versions: frozenset) -> str:
    kind = _kind(use)
    if kind == "dense" and cfg.sparse_y_true is True:
        return _STUCK + " (the 0/1 targets are read as class ids as well)"
    if (kind == "sparse" and cfg.sparse_y_true is True) or (kind == "dense" and cfg.sparse_y_true is False):
        return (f"the flattened predictions are {use.output.units}x longer than the labels and Keras raises "
                f"{length_error(versions)}")
    return f"{_STUCK} (with integer labels Keras raises {length_error(versions)} instead)"


def _fix(use: MetricUse, cfg: IoUConfig, module: cst.Module) -> str:
    classes = class_count(use.output, use.loss)
    if classes is None:  # a sigmoid output without a categorical loss: multi-label
        return (f"For independent (multi-label) sigmoid outputs use {_BINARY}; for exclusive classes pass "
                "`sparse_y_pred=False` so Keras takes the argmax")
    n = cfg.num_classes if cfg.num_classes is not None and cfg.num_classes >= classes else classes
    # name num_classes in the fix only when it must change too (KC301 waits for sparse_y_pred=False)
    args = "sparse_y_pred=False" if n == cfg.num_classes else f"num_classes={n}, sparse_y_pred=False"
    kind = _kind(use)
    if kind == "dense" and cfg.sparse_y_true is True:
        return (f"The targets are one-hot: use `{one_hot_variant(cfg, n, module)}` (or pass "
                "`sparse_y_true=False, sparse_y_pred=False`)")
    if kind == "sparse":
        return f"Pass `{args}` so Keras takes the argmax of the probabilities"
    return (f"Pass `{args}` so Keras takes the argmax (with one-hot targets use "
            f"`{one_hot_variant(cfg, n, module)}`)")


def _flags(use: MetricUse, cfg: IoUConfig) -> dict:
    """The flags that make the metric read these targets and the probabilities right, when every
    fit/evaluate of the compile shows its targets: class ids -> sparse_y_pred=False; one-hot rows ->
    sparse_y_true=False too. {} when unsure (unknown or mixed targets, a multi-label sigmoid)."""
    fits = [f for f in use.model.fits if getattr(f, "compile", use.compile) is use.compile]
    if not use.targets or len(use.targets) != len(fits) or class_count(use.output, use.loss) is None:
        return {}
    kind = _kind(use)
    if kind == "sparse" and cfg.sparse_y_true is True:
        return {"sparse_y_pred": "False"}
    if kind == "dense" and all(y.one_hot for y in use.targets) and cfg.sparse_y_true is not None:
        flags = {"sparse_y_true": "False"} if cfg.sparse_y_true else {}
        return {**flags, "sparse_y_pred": "False"}
    return {}
