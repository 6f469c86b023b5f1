from typing import Iterator

from kerascheck.checks._fixes import without_args
from kerascheck.checks.api._shared import keyword
from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.tensors import const
from kerascheck.rule import Hit, Rule


class RemovedLayerArgument(Rule):
    """KC513: a Keras 2 layer keyword (`weights=`, `batch_input_shape=`, ...) that Keras 3 refuses."""

    code = "KC513"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for layer in facts.layers_built:
            if layer.cls not in K.PUBLIC_LAYERS or id(layer.node) in seen:
                continue
            seen.add(id(layer.node))
            for name, (takes, instead, harmless) in K.REMOVED_LAYER_KEYWORDS.items():
                arg = keyword(layer.node, name)
                if arg is None or layer.cls in takes:
                    continue
                hit = self.hit(arg, cls=layer.cls, name=name, instead=instead)
                value = layer.kwargs.get(name)
                if harmless is None or (value is not None and const(value) in harmless
                                        and isinstance(const(value), bool)):
                    text = without_args(facts.module, layer.node, [arg])
                    if text is not None:
                        # safe: Keras 3 refuses the keyword, and the value given was Keras 2's no-op
                        hit = self.fixed(hit, [(layer.node, text)], f"Remove `{name}=`", "safe")
                yield hit
