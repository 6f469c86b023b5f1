from typing import Iterator

import libcst as cst

from kerascheck.facts.functions import Y_TRUE_AS_FLOAT, float_labels_majors, function_facts, snippet
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule


class IntegerOpOnFloatLabels(Rule):
    """KC407: y_true, uncast, into a TensorFlow op that takes only integers (sparse softmax labels,
    gather indices) in a custom loss/metric whose y_true Keras hands over as floats."""

    code = "KC407"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        seen = set()
        for use in facts.fn_uses:
            cls = use.model.cls
            if cls is not None and cls.method("train_step") is not None:
                continue  # a custom train_step may call the function itself, without Keras's wrapper
            ff = function_facts(facts, use.func)
            for op in ff.integer_ops if ff else []:
                majors = float_labels_majors(use)
                if not majors or not facts.keras_versions <= majors or id(op.node) in seen:
                    continue
                seen.add(id(op.node))
                if facts.keras_versions <= {Y_TRUE_AS_FLOAT.get(use.role)}:
                    reason = (f"Keras {Y_TRUE_AS_FLOAT[use.role]} converts y_true to floats before calling a "
                              f"custom {use.role}")
                else:
                    reason = "the labels passed to fit are floats"
                module = op.node.func
                while isinstance(module, cst.Attribute) and isinstance(module.value, cst.Attribute):
                    module = module.value
                tf_name = module.value if isinstance(module, cst.Attribute) else None
                cast = cst.Call(cst.Attribute(tf_name if tf_name is not None else cst.Name("tf"), cst.Name("cast")),
                                [cst.Arg(op.arg, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                                 cst.Arg(cst.SimpleString('"int32"'))])
                error = (f"TypeError: Value passed to parameter '{op.param}' has DataType float32 not in list of "
                         f"allowed values: {op.allowed}")
                hit = self.hit(op.node, expr=snippet(facts.module, op.node), fn=ff.name, role=use.role,
                               param=op.param, reason=reason, error=error,
                               fixed=snippet(facts.module, cast, 70))
                if tf_name is not None:
                    # safe: the values are class ids; int32 ids select the same classes
                    hit = self.fixed(hit, [(op.arg, facts.module.code_for_node(cast))],
                                     f"Cast `{op.param}` to int32", "safe")
                yield hit
