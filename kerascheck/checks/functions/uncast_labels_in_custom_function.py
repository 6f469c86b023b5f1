from typing import Iterator

from kerascheck.facts.functions import function_facts, label_dtype_error, labels_kind, snippet
from kerascheck.facts.interp import ModuleFacts
from kerascheck.rule import Hit, Rule

# The Keras major whose wrapper does NOT cast y_true for each role (keras-truth rows a1, a2).
_NO_CAST = {"metric": "3", "loss": "2"}


class UncastLabelsInCustomFunction(Rule):
    """KC401: integer y_true meets float y_pred in a raw TensorFlow op of a custom loss/metric."""

    code = "KC401"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for use in facts.fn_uses:
            crashes_on = _NO_CAST[use.role]
            if not facts.keras_versions <= {crashes_on}:
                continue  # the other Keras casts y_true for this role: no error there
            ff = function_facts(facts, use.func)
            arith = ff.crashing_label_arith() if ff else None
            if arith is None or labels_kind(use) != "int":
                continue
            yield self.hit(arith.node, fn=ff.name, role=use.role, keras=crashes_on,
                           expr=snippet(facts.module, arith.node), error=label_dtype_error(arith))
