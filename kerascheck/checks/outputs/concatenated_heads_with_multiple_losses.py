from typing import Iterator, Optional

from kerascheck.checks.outputs._structure import (compile_of, concat_output, dict_keys, fit_targets, seq_len,
                                                  versions_text)
from kerascheck.facts.interp import ModuleFacts
from kerascheck.facts.values import Model, Seq
from kerascheck.rule import Hit, Rule

_K2_FIRST_TARGET = ("Keras 2 trains silently on the first target against every column and ignores the "
                    "other targets")
_K2_UNEXPECTED = ("Keras 2 raises `ValueError: Found unexpected losses or metrics that do not correspond to "
                  "any Model output`")


def concat_heads_problem(model: Model) -> Optional[tuple]:
    """(reason, n) when the model's single output concatenates heads that the compile/fit calls treat
    as separate outputs; reason: 'targets' | 'dict_targets' | 'dict_loss' | 'list_loss'."""
    if concat_output(model) is None:
        return None
    targets = fit_targets(model)
    for fit, kind, n in targets:
        if kind == "seq" and n >= 2:
            return ("targets", n, fit)
    for comp in model.compiles:
        keys = dict_keys(comp.loss)
        if keys is not None and len(keys) >= 2:
            return ("dict_loss", len(keys), comp)
    for fit, kind, n in targets:
        loss = getattr(compile_of(model, fit), "loss", None)
        if kind == "dict" and n >= 2 and not isinstance(loss, Seq):
            return ("dict_targets", n, fit)
    if all(kind is None for _, kind, _ in targets):
        for comp in model.compiles:
            n = seq_len(comp.loss)
            if n is not None and n >= 2:
                return ("list_loss", n, comp)
    return None


class ConcatenatedHeadsWithMultipleLosses(Rule):
    """KC102: one concatenated output, but a loss or a target per head."""

    code = "KC102"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for model in facts.models:
            found = concat_heads_problem(model)
            if found is None:
                continue
            reason, n, where = found
            out = concat_output(model)
            heads = len(out.concat_of)
            if reason == "targets":
                loss = getattr(compile_of(model, where), "loss", None)
                if isinstance(loss, Seq):
                    k3 = (f"Keras 3 raises `ValueError: Expected an instance of {loss.kind}, got <tf.Tensor ...>`")
                else:
                    k3 = "Keras 3 raises `ValueError: y_true and y_pred have different structures`"
                what = f"`{where.method}` gets {n} separate targets"
                consequence = versions_text({"3": k3, "2": _K2_FIRST_TARGET}, facts.keras_versions)
            elif reason == "dict_targets":
                what = f"`{where.method}` gets a dict of {n} targets"
                consequence = versions_text({
                    "3": "Keras 3 raises `ValueError: y_true and y_pred have different structures`",
                    "2": _K2_UNEXPECTED}, facts.keras_versions)
            elif reason == "dict_loss":
                what = f"`compile` gets a dict of {n} losses"
                k3 = ("Keras 3 raises `ValueError: Expected keys [...] in loss dict`" if model.kind == "functional"
                      else "Keras 3 raises `TypeError: 'NoneType' object is not iterable`")
                consequence = versions_text({"3": k3, "2": _K2_UNEXPECTED}, facts.keras_versions)
            else:
                what = f"`compile` gets {n} losses"
                consequence = "given one target per head, " + versions_text({
                    "3": "Keras 3 raises `ValueError: Expected an instance of list, got <tf.Tensor ...>`",
                    "2": "Keras 2 silently trains every column on the first target",
                }, facts.keras_versions) + "; given one concatenated target, only the first loss is used"
            yield self.hit(out.concat_node, heads=heads, what=what, consequence=consequence)
