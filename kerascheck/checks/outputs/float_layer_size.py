from typing import Iterator

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.tensors import float_counts
from kerascheck.rule import Hit, Rule

# What Keras says, by argument (measured on 3.15 and 2.15: tests/fixtures/KC106).
_K3 = {
    "units": "ValueError: Received an invalid value for `units`, expected a positive integer",
    "kernel_size": "ValueError: The `kernel_size` argument must be a tuple of integers",
    "pool_size": "ValueError: The `pool_size` argument must be a tuple of integers",
    "input_dim": "ValueError: `input_dim` must be a positive integer",
    "output_dim": "ValueError: `output_dim` must be a positive integer",
}
_K3_SHAPE = "ValueError: Cannot convert '(...)' to a shape. Found invalid dimension"
_K2 = {
    "kernel_size": "ValueError: The `kernel_size` argument must be a tuple of integers",
    "pool_size": "ValueError: The `pool_size` argument must be a tuple of integers",
}
_K2_DIM = "TypeError: Dimension value must be integer or None or have an __index__ method"


def _said(cls: str, argument: str, major: str) -> str:
    if major == "3":
        if argument == "units" and cls != "Dense":
            return _K3_SHAPE  # recurrent layers fail building their kernels
        return _K3.get(argument, _K3_SHAPE)
    return _K2.get(argument, _K2_DIM)


class FloatLayerSize(Rule):
    """KC106: a float where a layer takes an integer size (`Dense(h / 2)`)."""

    code = "KC106"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for layer in facts.layers_built:
            for found in float_counts(layer):
                majors = [m for m in ("3", "2") if m in found.raises_on and m in facts.keras_versions]
                if not majors or id(found.node) in seen:
                    continue
                seen.add(id(found.node))
                said = {m: _said(layer.cls, found.argument, m) for m in majors}
                if len(set(said.values())) == 1 and len(majors) == 2:
                    consequence = f"Keras raises {said['3']}"
                else:
                    consequence = "; ".join(f"Keras {m} raises {t}" for m, t in said.items())
                if found.raises_on == frozenset({"3"}) and "2" in facts.keras_versions:
                    consequence += " (Keras 2 truncated it with int())"
                v = found.value
                value = "" if v is None else f" ({v!r})" if v.is_integer() else f" ({v:.4g}...)"
                yield self.hit(found.node, layer=layer.cls, argument=found.argument, value=value,
                               consequence=consequence)
