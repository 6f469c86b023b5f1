from typing import Iterator, Optional

from kerascheck.checks._fixes import imported_as, insert_at_start
from kerascheck.facts.float_labels import bound_names, float_labels_are_fine
from kerascheck.facts.functions import (CAST_SPELLINGS, Y_TRUE_UNCAST, FunctionFacts, function_facts,
                                        label_dtype_error, labels_kind, snippet)
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule


class UncastLabelsInCustomFunction(Rule):
    """KC401: integer y_true meets float y_pred in a raw TensorFlow op of a custom loss/metric."""

    code = "KC401"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for use in facts.fn_uses:
            crashes_on = Y_TRUE_UNCAST[use.role]
            if not facts.keras_versions <= {crashes_on}:
                continue  # the other Keras casts y_true for this role: no error there
            ff = function_facts(facts, use.func)
            arith = ff.crashing_label_arith() if ff else None
            if arith is None or labels_kind(use) != "int":
                continue
            hit = self.hit(arith.node, fn=ff.name, role=use.role, keras=crashes_on,
                           expr=snippet(facts.module, arith.node), error=label_dtype_error(arith))
            edit = _cast_edit(facts, ff, crashes_on)
            if edit is not None:
                # safe: the labels Keras feeds are integers, and every use of y_true in the function
                # is one where a float of the same value computes the same (arithmetic, reductions)
                hit = self.fixed(hit, [edit], f"Cast `{ff.y_true}` to `{ff.y_pred}.dtype` first", "safe")
            yield hit


def _cast_edit(facts: ModuleFacts, ff: FunctionFacts, keras: str) -> Optional[tuple]:
    """The cast spelt as the Keras that raises wants it (the first module the file imports at top level
    wins), when the function computes the same on float labels."""
    names = bound_names(ff.node)
    for module, spelling in CAST_SPELLINGS[keras]:
        local = imported_as(facts, module)
        if local is not None and local not in names:
            cast = spelling.format(local)
            break
    else:
        return None
    if not float_labels_are_fine(facts.resolve, ff):
        return None
    return insert_at_start(facts.module, ff.node, f"{ff.y_true} = {cast}({ff.y_true}, {ff.y_pred}.dtype)")
