from typing import Iterator

from kerascheck.checks.outputs._text import raises_text
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.tensors import reshape_mismatches
from kerascheck.rule import Hit, Rule

# Measured on 3.15 and 2.15 (tests/fixtures/KC107): both raise while the model is built.
_K3 = "ValueError: The total size of the tensor must be unchanged"
_K2 = "ValueError: total size of new array must be unchanged"


class ReshapeSizeMismatch(Rule):
    """KC107: `Reshape(target_shape)` whose sizes do not multiply out to the incoming sample size."""

    code = "KC107"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        reported = set()
        for found in reshape_mismatches(facts.layers_built):
            layer = found.layer
            if id(layer.node) in reported:
                continue
            reported.add(id(layer.node))
            target = "(" + ", ".join(map(str, found.target)) + ("," if len(found.target) == 1 else "") + ")"
            product = 1
            for d in found.target:
                product *= d if d != -1 else 1
            holds = f"{found.size} is not a multiple of {product}" if -1 in found.target else f"it holds {product}"
            yield self.hit(layer.node, target=target, size=found.size, holds=holds,
                           error=raises_text({"3": _K3, "2": _K2}, facts.keras_versions, "Keras"))
