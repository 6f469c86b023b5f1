from typing import Iterator

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.rescaling import data_scaling, input_rescaling, pixel_divisor
from kerascheck.rule import Hit, Rule


def _shown(facts: ModuleFacts, node, divisor: float) -> str:
    text = facts.module.code_for_node(node).strip() if node is not None else ""
    if not text or len(text) > 60 or "\n" in text:
        return f"divided by {divisor:g}"
    return f"`{text}`"


class DoubleRescaling(Rule):
    """KC605: the model's first `Rescaling` divides by 255 images the data pipeline already did."""

    code = "KC605"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for model in facts.models:
            first = input_rescaling(model)
            if first is None or not pixel_divisor(first[1]):
                continue
            layer, layer_divisor = first
            for fit in model.fits:
                if fit.method != "fit":
                    continue
                scaled = data_scaling(fit.x)
                if scaled is None or not pixel_divisor(scaled[0]):
                    continue
                divisor, where = scaled
                top = 1.0 / layer_divisor * (255.0 / divisor)
                yield self.hit(fit.node, data=_shown(facts, where, divisor),
                               layer=facts.module.code_for_node(layer.node).strip(), top=f"{top:.4f}")
