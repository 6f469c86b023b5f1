from typing import Iterator

from kerascheck.facts.metrics import ACCURACY_METRICS, REGRESSION_LOSSES, metric_uses
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule


class AccuracyOnRegressionOutput(Rule):
    """KC304: an accuracy metric on a 1-unit regression output fitted on real-valued targets."""

    code = "KC304"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for model in facts.models:
            for use in metric_uses(model):
                spec = use.spec
                if spec.func is not None or spec.name not in ACCURACY_METRICS:
                    continue
                if use.output.units != 1 or use.loss is None or use.loss.name not in REGRESSION_LOSSES:
                    continue
                # Only on targets known to be real-valued: 'accuracy' on 0/1 targets is meaningful
                # even with a regression loss.
                if not use.targets or not all(y.continuous and not y.one_hot for y in use.targets):
                    continue
                compares = ("`y_true == y_pred` exactly" if spec.name == "Accuracy"
                            else "`y_true == (y_pred > 0.5)`")
                shown = f"{spec.name}()" if spec.name[:1].isupper() else f'"{spec.name}"'
                yield self.hit(spec.node, metric=shown, loss=use.loss.name, compares=compares)
