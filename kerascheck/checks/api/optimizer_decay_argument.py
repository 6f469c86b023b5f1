from typing import Iterator

from kerascheck.checks.api._optimizers import optimizer_calls
from kerascheck.checks.api._shared import keyword
from kerascheck.facts.interp import ModuleFacts
from kerascheck.rule import Hit, Rule

_K3 = ("Keras 3 ignores it: it only warns \"Argument `decay` is no longer supported and will be ignored.\" "
       "and trains with a constant learning rate")
_K2 = ("Keras 2.11+ raises \"ValueError: decay is deprecated in the new Keras optimizer, please check the "
       "docstring for valid arguments, or use the legacy optimizer\"")


class OptimizerDecayArgument(Rule):
    """KC505: `Adam(decay=...)`: ignored by Keras 3, rejected by Keras 2.11+."""

    code = "KC505"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        versions = facts.keras_versions
        for site, cls in optimizer_calls(facts):
            arg = keyword(site.node, "decay")
            if arg is None:
                continue
            zero = _is_zero(arg.value)
            effects = []
            if "3" in versions and not zero:
                effects.append(_K3)
            if "2" in versions:
                effects.append(_K2)
            if not effects:
                continue  # decay=0 on Keras 3: warned about, and changes nothing
            value = facts.module.code_for_node(arg.value)
            fix = (f"Remove `decay={value}`" if zero else
                   "Use a learning-rate schedule instead: `learning_rate=keras.optimizers.schedules."
                   f"InverseTimeDecay(<initial lr>, decay_steps=1, decay_rate={value})` computes the old "
                   "`lr / (1 + decay * step)`")
            yield self.hit(arg, cls=cls, effect="; ".join(effects), value=value, fix=fix)


def _is_zero(node) -> bool:
    import libcst as cst

    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            return float(node.value.replace("_", "")) == 0.0
        except ValueError:
            return False
    return False
