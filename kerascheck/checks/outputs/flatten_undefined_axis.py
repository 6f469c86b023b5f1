from typing import Iterator

from kerascheck.checks.outputs._text import raises_text
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.tensors import undefined_flattens
from kerascheck.rule import Hit, Rule

# Measured on 3.15 and 2.15 (tests/fixtures/KC112): both raise when the Dense is built.
_K3 = "ValueError: Shapes used to initialize variables must be fully-defined (no `None` dimensions)"
_K2 = "ValueError: The last dimension of the inputs to a Dense layer should be defined. Found None"


class FlattenUndefinedAxis(Rule):
    """KC112: `Flatten()` over an input declared with a `None` axis, feeding a `Dense`."""

    code = "KC112"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for found in undefined_flattens(facts.layers_built):
            if id(found.flatten.node) in seen:
                continue
            seen.add(id(found.flatten.node))
            shape = "(" + ", ".join("None" if d is None else str(d) for d in found.shape[1:]) + ")"
            yield self.hit(found.flatten.node, shape=shape,
                           error=raises_text({"3": _K3, "2": _K2}, facts.keras_versions, "Keras"))
