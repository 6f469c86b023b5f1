from typing import Iterator, Optional

import libcst as cst

from kerascheck.checks._fixes import replacement, without_args
from kerascheck.checks.api._shared import keyword
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.model_api import optimizer_calls
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
            hit = self.hit(arg, cls=cls, effect="; ".join(effects), value=value, fix=fix)
            if zero:
                text = without_args(facts.module, site.node, [arg])
                if text is not None:
                    # safe: Keras 3 ignores decay=0 and Keras 2 rejects any decay
                    hit = self.fixed(hit, [(site.node, text)], f"Remove `decay={value}`", "safe")
            else:
                text = _schedule(facts, site.node, arg)
                if text is not None:
                    # unsafe: Keras 3 trained with a constant learning rate; now it decays
                    hit = self.fixed(hit, [(site.node, text)], "Use an InverseTimeDecay learning-rate schedule",
                                     "unsafe")
            yield hit


def _schedule(facts: ModuleFacts, call: cst.Call, decay: cst.Arg) -> Optional[str]:
    """`SGD(learning_rate=0.01, decay=1e-4)` -> `SGD(learning_rate=keras.optimizers.schedules.
    InverseTimeDecay(0.01, decay_steps=1, decay_rate=1e-4))`, the schedule Keras 2's `decay` applied
    (`lr / (1 + decay * iterations)`). Only for a number written as the learning rate, and an
    optimizer spelled through its module (`keras.optimizers.SGD`), whose `.schedules` is then used."""
    func = call.func
    if not isinstance(func, cst.Attribute) or facts.resolve(func.value) != "keras.optimizers":
        return None
    if not isinstance(decay.value, (cst.Integer, cst.Float)) or any(a.star for a in call.args):
        return None
    positional = [a for a in call.args if a.keyword is None]
    lr = keyword(call, "learning_rate") or keyword(call, "lr") or (positional[0] if positional else None)
    if lr is None or not isinstance(lr.value, (cst.Integer, cst.Float)):
        return None
    module = facts.module
    schedule = (f"{module.code_for_node(func.value)}.schedules.InverseTimeDecay("
                f"{module.code_for_node(lr.value)}, decay_steps=1, decay_rate={module.code_for_node(decay.value)})")
    args = []
    for a in call.args:
        if a is decay:
            continue
        args.append(a.with_changes(value=cst.parse_expression(schedule)) if a is lr else a)
    if call.args[-1] is decay:
        args[-1] = args[-1].with_changes(comma=decay.comma)
    return replacement(module, call, call.with_changes(args=args))


def _is_zero(node) -> bool:
    import libcst as cst

    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            return float(node.value.replace("_", "")) == 0.0
        except ValueError:
            return False
    return False
