from typing import Iterator

from kerascheck.facts.functions import class_count_effect, function_facts, output_of
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule


class OneHotDepthMismatch(Rule):
    """KC404: a literal class count in a custom loss/metric that differs from the output units."""

    code = "KC404"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for use in facts.fn_uses:
            out = output_of(use)
            # one output unit is a binary model: 2 classes there is the right count
            if out is None or out.units is None or out.units < 2:
                continue
            ff = function_facts(facts, use.func)
            for count in ff.class_counts if ff else []:
                if count.value == out.units:
                    continue
                what = f"one_hot depth {count.value}" if count.kind == "one_hot" else f"num_classes={count.value}"
                yield self.hit(count.node, what=what, fn=ff.name, units=out.units, role=use.role,
                               effect=class_count_effect(ff, count, out.units))
