from typing import Iterator

import libcst as cst

from kerascheck.checks.api._shared import receiver_text
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.model_api import model_class_name, model_lacks, tf_internal
from kerascheck.facts.values import MetricItem, MetricSpec, Model
from kerascheck.rule import Hit, Rule

_METRIC_FIX = "Call `{receiver}.reset_state()` (no final s), or `model.reset_metrics()` to reset all of a model's metrics"
_MODEL_FIX = ("Reset its stateful layers instead: `for layer in {receiver}.layers: "
              "if getattr(layer, \"stateful\", False): layer.reset_states()`")


class ResetStatesRemoved(Rule):
    """KC502: `.reset_states()` on a Keras metric (or model), which Keras 3 removed."""

    code = "KC502"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen: set[int] = set()
        for call, value, name in facts.receivers:
            if name != "reset_states" or id(call) in seen:
                continue
            receiver = receiver_text(call)
            if isinstance(value, MetricSpec) and self._keras_metric(facts, value):
                cls, fix = value.name, _METRIC_FIX
            elif isinstance(value, MetricItem) and isinstance(value.model, Model) and value.model.compiles:
                cls, fix = "Mean", _METRIC_FIX  # model.metrics[0] is the loss tracker, a Mean
            elif isinstance(value, Model) and model_lacks(facts, value, "reset_states"):
                cls, fix = model_class_name(value), _MODEL_FIX
            else:
                continue
            seen.add(id(call))
            hit = self.hit(call, receiver=receiver, cls=cls, fix=fix.format(receiver=receiver))
            if fix is _METRIC_FIX and isinstance(call.func, cst.Attribute):
                # the metric API's own replacement: same object, same effect
                hit = self.fixed(hit, [(call.func.attr, "reset_state")], "Rename to `reset_state()`", "safe")
            yield hit

    @staticmethod
    def _keras_metric(facts: ModuleFacts, spec: MetricSpec) -> bool:
        """A metric object built by a visible `keras.metrics.<Class>(...)` call (not tf_keras's)."""
        node = spec.node
        if not isinstance(node, cst.Call) or spec.name is None:
            return False
        name = facts.resolve(node.func)
        return (name is not None and name.startswith("keras.metrics.") and name.flavor in ("keras", "tf.keras")
                and not tf_internal(facts, node))
