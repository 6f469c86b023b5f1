from typing import Iterator

import libcst as cst

from kerascheck.checks._fixes import replacement
from kerascheck.checks.outputs._text import versions_text
from kerascheck.facts import keras_api as K
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.values import Tensor
from kerascheck.rule import Hit, Rule


_K2 = ("Keras 2 crashes on a batch of one sample (`slice index -1 of dimension 0 out of bounds`, or "
       "`Integer division by zero` with 1-D targets) and `predict` on one sample returns a scalar")
_K3_PARTIAL = ("Keras 3 `fit` raises `ValueError: Cannot take the length of shape with unknown rank.` as soon as "
               "a batch is not full (e.g. the last one)")
_K3_LAMBDA = ("Keras 3 cannot build the model: `NotImplementedError: We could not automatically infer the shape "
              "of the Lambda's output`")
_K3_TF_ON_KERAS_TENSOR = ("Keras 3 rejects any TensorFlow function on a Keras tensor (`A KerasTensor cannot be used "
                          "as input to a TensorFlow function`)")


class _LambdaBodies(cst.CSTVisitor):
    def __init__(self) -> None:
        self.ids: set[int] = set()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.ids.add(id(node.body))


class SqueezeOnModelOutput(Rule):
    """KC101: squeeze without an axis on what the model returns."""

    code = "KC101"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        lambdas = None  # only walk the module for lambda bodies when there is a squeeze to judge
        seen: set[int] = set()
        for model in facts.models:
            for _, out in model.output_list() or []:
                call = out.squeeze if isinstance(out, Tensor) else None
                if call is None or id(call) in seen:
                    continue
                name = facts.resolve(call.func)
                if name in ("keras.layers.Lambda",):  # Lambda(tf.squeeze): the function is its argument
                    fn = call.args[0].value if call.args else None
                    name = facts.resolve(fn) if fn is not None else None
                    in_lambda = True
                else:
                    if lambdas is None:
                        lambdas = _LambdaBodies()
                        facts.module.visit(lambdas)
                    in_lambda = id(call) in lambdas.ids
                if name not in K.NO_AXIS_SQUEEZES:
                    continue
                seen.add(id(call))
                short = "tf.squeeze" if name == "tf.squeeze" else "keras.ops.squeeze"
                fix = "pass `axis=-1`"
                if model.kind == "functional" and in_lambda:
                    k3 = _K3_LAMBDA
                elif model.kind == "functional" and name == "tf.squeeze":
                    if facts.keras_versions == frozenset({"3"}):
                        continue  # the axis is not the problem there: no tf.* op takes a Keras tensor
                    k3 = _K3_TF_ON_KERAS_TENSOR
                    fix = "pass `axis=-1` (on Keras 3: `keras.ops.squeeze(x, axis=-1)`)"
                else:
                    k3 = _K3_PARTIAL
                consequence = versions_text({"3": k3, "2": _K2}, facts.keras_versions)
                hit = self.hit(call, func=short, consequence=consequence, fix=fix)
                if out.squeeze_units == 1 and not (k3 is _K3_TF_ON_KERAS_TENSOR and "3" in facts.keras_versions):
                    # (a tf.squeeze on a Keras 3 Keras tensor fails whatever the axis: no fix hides that)
                    edit = _axis_edit(facts, call)
                    if edit is not None:
                        # unsafe: the output keeps its batch axis on 1-sample batches (and predict's shape)
                        hit = self.fixed(hit, [edit], "Pass `axis=-1`", "unsafe")
                yield hit


def _axis_edit(facts: ModuleFacts, call: cst.Call):
    """`tf.squeeze(x)` -> `tf.squeeze(x, axis=-1)`; `Lambda(tf.squeeze)` -> `Lambda(lambda t: tf.squeeze(t,
    axis=-1))`."""
    if facts.resolve(call.func) == "keras.layers.Lambda":
        fn = call.args[0].value if call.args and call.args[0].keyword is None else None
        if not isinstance(fn, (cst.Name, cst.Attribute)):
            return None
        return fn, f"lambda t: {facts.module.code_for_node(fn)}(t, axis=-1)"
    args = [a for a in call.args if not (a.keyword is not None and a.keyword.value == "name")]
    if len(args) != 1 or args[0].keyword is not None or args[0].star:
        return None
    first = call.args[0]
    if first is not args[0]:
        return None
    text = replacement(facts.module, first, first.with_changes(comma=cst.MaybeSentinel.DEFAULT))
    return None if text is None else (first, f"{text}, axis=-1")
