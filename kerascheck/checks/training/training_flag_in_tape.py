from typing import Iterator

from kerascheck.checks._fixes import with_keywords
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.training_mode import inference_in_tape
from kerascheck.rule import Hit, Rule


class TrainingFlagInTape(Rule):
    """KC606: a custom training step calls the model without `training=True`, so its Dropout and
    BatchNormalization layers run in inference mode while it trains."""

    code = "KC606"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen: set[int] = set()
        for call in facts.tape_calls:
            if id(call.node) in seen:
                continue
            layers = inference_in_tape(call)
            if not layers:
                continue
            seen.add(id(call.node))
            names = sorted({layer.cls for layer in layers})
            listed = ", ".join(f"`{n}`" for n in names)
            hit = self.hit(call.node, layers=f"{listed} layers run" if len(names) > 1 else f"{listed} layer runs")
            text = with_keywords(facts.module, call.node, ("inputs",), {"training": "True"})
            if text is not None:
                hit = self.fixed(hit, [(call.node, text)], "Pass training=True")
            yield hit
