from typing import Iterator

import libcst as cst

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.values import Model
from kerascheck.rule import Hit, Rule

_READ = ("raises on Keras 3: optimizers have no `lr` attribute any more "
         "(AttributeError: '<optimizer>' object has no attribute 'lr')")
_WRITE = ("is silently ignored on Keras 3: it only sets a new Python attribute, and the optimizer keeps "
          "training with its old learning rate")


class OptimizerLrAttribute(Rule):
    """KC510: `model.optimizer.lr`, the Keras 2 alias of `learning_rate` that Keras 3 dropped."""

    code = "KC510"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        models = _model_names(facts)
        for node, name in facts.dotted_names:
            owner, sep, rest = name.rpartition(".optimizer.")
            if not sep or rest.split(".", 1)[0] != "lr" or not (owner == "self.model" or owner in models):
                continue
            # `model.optimizer.lr.numpy()`: the dotted name runs past `lr`; the finding is on `...lr`
            name = f"{owner}.optimizer.lr"
            while isinstance(node, cst.Attribute) and node.attr.value != "lr":
                node = node.value
            optimizer = f"{owner}.optimizer"
            if id(node) in facts.stores:
                hit = self.hit(node, name=f"{name} = ...", effect=_WRITE,
                               fix=f"set it with `{optimizer}.learning_rate.assign(value)`")
                # unsafe: the assignment now changes the learning rate (as `.lr = ...` did on Keras 2)
                applicability = "unsafe"
            else:
                hit = self.hit(node, name=name, effect=_READ, fix=f"read `{optimizer}.learning_rate` instead")
                applicability = "safe"  # the same variable Keras 2's `lr` alias returned
            if isinstance(node, cst.Attribute) and node.attr.value == "lr":
                hit = self.fixed(hit, [(node.attr, "learning_rate")], "Use `.learning_rate`", applicability)
            yield hit


def _model_names(facts: ModuleFacts) -> set:
    """Plain names the module uses as Keras models (receivers of model method calls)."""
    names = set()
    for call, value, _ in facts.receivers:
        func = call.func
        if isinstance(value, Model) and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            names.add(func.value.value)
    return names
