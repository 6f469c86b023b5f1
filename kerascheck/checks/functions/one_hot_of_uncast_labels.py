from typing import Iterator, Optional

import libcst as cst

from kerascheck.facts.functions import (ONE_HOT_INDICES_ERROR, Y_TRUE_AS_FLOAT, float_indices_majors, function_facts,
                                        snippet)
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule


class OneHotOfUncastLabels(Rule):
    """KC406: tf.one_hot(y_true, ...) in a custom loss/metric whose y_true Keras hands over as floats."""

    code = "KC406"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for use in facts.fn_uses:
            cls = use.model.cls
            if cls is not None and cls.method("train_step") is not None:
                continue  # a custom train_step may call the function itself, without Keras's wrapper
            ff = function_facts(facts, use.func)
            for oh_use in ff.onehots if ff else []:
                call = oh_use.onehot.node
                majors = float_indices_majors(use, oh_use.onehot)
                if not majors or not facts.keras_versions <= majors:
                    continue
                indices = _indices_arg(call)
                if facts.keras_versions <= {Y_TRUE_AS_FLOAT.get(use.role)}:
                    reason = (f"Keras {Y_TRUE_AS_FLOAT[use.role]} converts y_true to floats before calling a "
                              f"custom {use.role}")
                else:
                    reason = "the labels passed to fit are floats"
                module = call.func.value if isinstance(call.func, cst.Attribute) else None
                fixed_call = None
                if indices is not None:
                    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                    cast = cst.Call(cst.Attribute(module if module is not None else cst.Name("tf"), cst.Name("cast")),
                                    [cst.Arg(indices.value, comma=comma), cst.Arg(cst.SimpleString('"int32"'))])
                    fixed_call = call.deep_replace(indices.value, cast)
                suggestion = snippet(facts.module, fixed_call, 90) if fixed_call is not None else \
                    'tf.one_hot(tf.cast(y_true, "int32"), depth)'
                hit = self.hit(call, expr=snippet(facts.module, call), fn=ff.name, role=use.role,
                               reason=reason, error=ONE_HOT_INDICES_ERROR, fixed=suggestion,
                               alt="" if "2" in facts.keras_versions else
                               " (or use `keras.ops.one_hot`, which casts them)")
                if fixed_call is not None and module is not None:
                    # safe: the indices are class ids; int32 ids select the same one-hot rows
                    hit = self.fixed(hit, [(indices.value, facts.module.code_for_node(cast))],
                                     "Cast the labels to int32 before one_hot", "safe")
                yield hit


def _indices_arg(call: cst.Call) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "indices":
            return arg
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[0] if positional and call.args[0] is positional[0] else None
