from typing import Iterator, Optional

import libcst as cst

from kerascheck.checks.outputs._text import versions_text
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.outputs import (concat_heads_problem, dict_keys, fit_targets, is_trained_head, loss_names,
                                      output_count, output_items, seq_len, trusted_output_names)
from kerascheck.facts.values import DictV, Model
from kerascheck.rule import Hit, Rule

_GRADIENT_WARNING = " (Keras 3 only warns `Gradients do not exist for variables [...]`)"


def _untrained(what: str, plural: bool) -> str:
    return f"{what} {'get' if plural else 'gets'} no loss, so {'their' if plural else 'its'} weights never train"


class LossCountMismatch(Rule):
    """KC103: the losses given to compile do not match the model's outputs one to one."""

    code = "KC103"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for model in facts.models:
            if concat_heads_problem(model) is not None:
                continue  # KC102 reports it
            n = output_count(model)
            if n is None:
                continue
            for comp in model.compiles:
                found = self._list(model, comp, n, facts) if seq_len(comp.loss) is not None else \
                    self._dict(model, comp, facts) if dict_keys(comp.loss) is not None else None
                if found is None:
                    continue
                losses, outputs, consequence, fix = found
                yield self.hit(comp.loss_node or comp.node, losses=losses, outputs=outputs,
                               consequence=consequence, fix=fix)

    def _list(self, model: Model, comp, n: int, facts: ModuleFacts) -> Optional[tuple]:
        m = seq_len(comp.loss)
        versions = facts.keras_versions
        losses = f"{m} loss{'es' if m != 1 else ''}"
        outputs = f"{n} output{'s' if n != 1 else ''}"
        fix = "Give exactly one loss per output, in order (`None` for an output that must not train)"
        if m < n:
            missing = output_items(model)[m:]
            if not any(is_trained_head(t) for t in missing):
                return None
            names = trusted_output_names(model)
            if names is not None and not isinstance(model.output_value(), DictV):
                which = f"output{'s' if n - m > 1 else ''} {', '.join(repr(k) for k in names[m:])}"
            else:
                which = f"output {m + 1}" if n - m == 1 else f"outputs {m + 1}-{n}"
            text = _untrained(which, n - m > 1)
            return losses, outputs, versions_text({"3": text + _GRADIENT_WARNING, "2": text}, versions), fix
        if m > n >= 2:
            if "3" not in versions:
                return None  # Keras 2 drops the extra losses and trains every output correctly
            k3 = (f"Keras 3 raises `KeyError: \"The path: ({n},) in the `loss` argument, can't be found in either "
                  f"the model's output (`y_pred`) or in the labels (`y_true`).\"`")
            return losses, outputs, versions_text({"3": k3, "2": "Keras 2 ignores the extra losses"}, versions), fix
        if n == 1 and m >= 2:
            list_targets = any(kind == "seq" and cnt >= 2 for _, kind, cnt in fit_targets(model))
            names = loss_names(comp.loss)
            different = names is not None and len(set(names)) > 1
            if list_targets and "3" in versions:
                k3 = "with one target per loss Keras 3 raises `ValueError: Expected an instance of list, got <tf.Tensor ...>`"
                k2 = "Keras 2 uses only the first loss and the first target"
                return losses, outputs, versions_text({"3": k3, "2": k2}, versions), fix
            if different:
                lit = comp.loss.node
                first = facts.module.code_for_node(lit.elements[0].value) \
                    if isinstance(lit, (cst.List, cst.Tuple)) and lit.elements else f"`{names[0]}`"
                text = f"only the first loss ({first}) is used; the others are silently ignored"
                return losses, outputs, text, ("To combine several losses on one output, pass one function "
                                               "that adds them")
        return None

    def _dict(self, model: Model, comp, facts: ModuleFacts) -> Optional[tuple]:
        keys = dict_keys(comp.loss)
        names = trusted_output_names(model)
        if names is None or any(not isinstance(k, str) for k in keys):
            return None
        extra = [k for k in keys if k not in names]
        missing = [k for k in names if k not in keys]
        if not extra and not missing:
            return None
        versions = facts.keras_versions
        dict_out = isinstance(model.output_value(), DictV)
        items = dict(zip(names, output_items(model)))
        untrained_heads = [k for k in missing if is_trained_head(items.get(k))]
        untrained = _untrained(f"output{'s' if len(untrained_heads) > 1 else ''} "
                               f"{', '.join(repr(k) for k in untrained_heads)}",
                               len(untrained_heads) > 1) if untrained_heads else None
        # Keras 2 documents leaving an output out of the loss dict as the way not to train it (it
        # accepts the dict): only keys that name no output are a Keras 2 bug.
        parts = {}
        if extra:
            parts["2"] = ("Keras 2 raises `ValueError: Found unexpected losses or metrics that do not correspond "
                          "to any Model output`")
        if not dict_out:
            parts["3"] = (f"Keras 3 raises `ValueError: Expected keys {names!r} in loss dict, but found "
                          f"loss.keys()={list(keys)!r}`")
        elif extra:
            parts["3"] = (f"Keras 3 raises `KeyError: \"The path: ({extra[0]!r},) in the `loss` argument, can't be "
                          f"found in either the model's output (`y_pred`) or in the labels (`y_true`).\"`")
        elif untrained:
            parts["3"] = "on Keras 3 the " + untrained + _GRADIENT_WARNING
        consequence = versions_text(parts, versions)
        if not consequence:
            return None
        return (f"loss keys {list(keys)!r}", f"outputs named {names!r}", consequence,
                f"Use the output names as keys: {names!r}")

