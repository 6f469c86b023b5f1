from typing import Iterator, Optional

import libcst as cst

from kerascheck.checks._fixes import replacement
from kerascheck.checks.outputs._text import versions_text
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.outputs import compile_of, concat_heads_problem, concat_output
from kerascheck.facts.values import Model, Seq
from kerascheck.rule import Hit, Rule

_K2_FIRST_TARGET = ("Keras 2 trains silently on the first target against every column and ignores the "
                    "other targets")
_K2_UNEXPECTED = ("Keras 2 raises `ValueError: Found unexpected losses or metrics that do not correspond to "
                  "any Model output`")


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
            hit = self.hit(out.concat_node, heads=heads, what=what, consequence=consequence)
            if reason in ("targets", "list_loss") and n == heads:
                text = _heads_list(facts, model, out.concat_node, heads)
                if text is not None:
                    # unsafe: the model gets one output per head (predict returns a list), each
                    # trained on its own target and loss
                    hit = self.fixed(hit, [(out.concat_node, text)], "Return the heads as a list", "unsafe")
            yield hit


def _heads_list(facts: ModuleFacts, model: Model, concat: cst.CSTNode, heads: int) -> Optional[str]:
    """`[a, b]` for `concatenate([a, b])` when the concatenation is only the model's output: returned
    by call(), passed to Model(), or bound to a name used once more; and no compile() passes metrics
    (Keras 3 wants one metric list per output then)."""
    if not isinstance(concat, cst.Call) or not concat.args or concat.args[0].keyword is not None:
        return None
    elements = concat.args[0].value
    if not isinstance(elements, (cst.List, cst.Tuple)) or len(elements.elements) != heads or \
            any(isinstance(el, cst.StarredElement) for el in elements.elements):
        return None
    if any(comp.metrics is not None for comp in model.compiles):
        return None
    if not _only_the_output(facts, concat):
        return None
    listed = elements if isinstance(elements, cst.List) else cst.List(
        elements=elements.elements, lbracket=cst.LeftSquareBracket(), rbracket=cst.RightSquareBracket())
    return replacement(facts.module, elements, listed)


def _only_the_output(facts: ModuleFacts, concat: cst.Call) -> bool:
    module = facts.module
    parents: dict[int, cst.CSTNode] = {}
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        for child in node.children:
            parents[id(child)] = node
            stack.append(child)

    def consumed(node: cst.CSTNode) -> bool:
        """Returned from call(), or given to `Model(...)` as is."""
        parent = parents.get(id(node))
        if isinstance(parent, cst.Return):
            return True
        call = parents.get(id(parent)) if isinstance(parent, cst.Arg) else None
        return isinstance(call, cst.Call) and facts.resolve(call.func) in ("keras.Model", "keras.models.Model")

    if consumed(concat):
        return True
    parent = parents.get(id(concat))
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
        target = parent.targets[0].target
        uses = [n for n in _names(module, target.value) if n is not target]
        return len(uses) == 1 and consumed(uses[0])
    return False


def _names(module: cst.Module, name: str) -> list:
    out, stack = [], [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name) and node.value == name:
            out.append(node)
        stack.extend(node.children)
    return out
