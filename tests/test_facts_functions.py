"""The dataflow over custom loss/metric functions (kerascheck/facts/functions.py)."""

import textwrap

import libcst as cst
import pytest

from kerascheck.facts.functions import (analyse, class_count_effect, function_facts, label_dtype_error,
                                        labels_kind, output_of)
from kerascheck.facts.interp import analyze

HEADER = """\
import functools
import numpy as np
import tensorflow as tf
import keras
from keras import ops
from tensorflow.keras import backend as K
"""


def facts_of(body: str):
    """(ModuleFacts, FunctionFacts of the function named `f`) for a module defining f."""
    src = HEADER + textwrap.dedent(body)
    facts = analyze(cst.parse_module(src))
    node = facts.functions["f"]
    return facts, analyse(node, facts.resolve)


def code(facts, node):
    return facts.module.code_for_node(node)


# --- parameters ------------------------------------------------------------------------------------
def test_first_two_positional_params_are_labels_and_predictions():
    _, ff = facts_of("def f(gt, pr, smooth=1.0):\n    return tf.reduce_sum(gt * pr)\n")
    assert (ff.y_true, ff.y_pred) == ("gt", "pr")


def test_a_function_of_one_argument_is_not_analysed():
    facts = analyze(cst.parse_module(HEADER + "def f(x):\n    return x\n"))
    assert analyse(facts.functions["f"], facts.resolve) is None


# --- y_true dtype ------------------------------------------------------------------------------
@pytest.mark.parametrize("expr,op", [
    ("tf.reduce_sum(y_true * y_pred)", "Mul"),
    ("tf.reduce_mean(tf.square(y_true - y_pred))", "Sub"),
    ("K.sum(y_pred + y_true)", "AddV2"),
    ("tf.reduce_mean(tf.multiply(y_true, y_pred))", "Mul"),
    ("tf.reduce_mean(tf.maximum(y_true, y_pred))", "Maximum"),
    ("tf.reduce_mean(y_true / y_pred)", "RealDiv"),
    ("K.mean(K.equal(y_true, K.round(y_pred)))", "Equal"),
    ("tf.reduce_mean(tf.cast(y_true == tf.round(y_pred), tf.float32))", "Equal"),
])
def test_uncast_labels_meet_predictions_in_a_raw_op(expr, op):
    facts, ff = facts_of(f"def f(y_true, y_pred):\n    return {expr}\n")
    arith = ff.crashing_label_arith()
    assert arith is not None and arith.op == op


@pytest.mark.parametrize("cast", [
    "y_true = tf.cast(y_true, y_pred.dtype)",
    "y_true = tf.cast(y_true, tf.float32)",
    "y_true = tf.dtypes.cast(y_true, 'float32')",
    "y_true = K.cast(y_true, K.floatx())",
    "y_true = ops.cast(y_true, 'float32')",
    "y_true = keras.ops.cast(y_true, dtype=y_pred.dtype)",
    "y_true = y_true.astype('float32')",
    "y_true = tf.one_hot(tf.cast(y_true, tf.int32), 3)",
    "y_true = tf.convert_to_tensor(y_true, dtype=tf.float32)",
])
def test_a_float_cast_of_y_true_removes_the_clash(cast):
    _, ff = facts_of(f"def f(y_true, y_pred):\n    {cast}\n    return tf.reduce_sum(y_true * y_pred)\n")
    assert ff.crashing_label_arith() is None


def test_keras_ops_promote_dtypes():
    _, ff = facts_of("def f(y_true, y_pred):\n    return ops.sum(ops.multiply(y_true, y_pred))\n")
    assert ff.crashing_label_arith() is None
    assert [a.promotes for a in ff.label_arith] == [True]


def test_an_operator_inside_keras_ops_is_still_a_raw_op():
    _, ff = facts_of("def f(y_true, y_pred):\n    return ops.sum(y_true * y_pred)\n")
    assert ff.crashing_label_arith().op == "Mul"


def test_cast_to_int_keeps_the_clash_and_unknown_dtype_drops_it():
    _, ff = facts_of("def f(y_true, y_pred):\n    y_true = tf.cast(y_true, tf.int32)\n"
                     "    return tf.reduce_sum(y_true * y_pred)\n")
    assert ff.crashing_label_arith() is not None
    _, ff = facts_of("def f(y_true, y_pred, dt=None):\n    y_true = tf.cast(y_true, dt)\n"
                     "    return tf.reduce_sum(y_true * y_pred)\n")
    assert ff.crashing_label_arith() is None


def test_a_cast_in_one_branch_makes_the_dtype_unknown():
    _, ff = facts_of("def f(y_true, y_pred):\n    if y_true.dtype != tf.float32:\n"
                     "        y_true = tf.cast(y_true, tf.float32)\n    return tf.reduce_sum(y_true * y_pred)\n")
    assert ff.crashing_label_arith() is None


def test_argmax_of_predictions_is_an_integer_not_a_clash():
    _, ff = facts_of("def f(y_true, y_pred):\n"
                     "    return tf.reduce_mean(tf.cast(tf.equal(y_true, tf.argmax(y_pred, -1)), tf.float32))\n")
    assert ff.crashing_label_arith() is None


def test_arithmetic_inside_a_helper_is_not_followed():
    _, ff = facts_of("def f(y_true, y_pred):\n    return helper(y_true, y_pred) + 1\n")
    assert ff.label_arith == []


def test_label_dtype_error_text():
    _, ff = facts_of("def f(y_true, y_pred):\n    return tf.reduce_sum(y_pred * y_true)\n")
    assert label_dtype_error(ff.crashing_label_arith()) == (
        "TypeError: Input 'y' of 'Mul' Op has type int64 that does not match type float32 of argument 'x'.")
    _, ff = facts_of("def f(y_true, y_pred):\n    return tf.reduce_sum(y_true / y_pred)\n")
    assert "must have the same dtype" in label_dtype_error(ff.crashing_label_arith())


# --- gradients ------------------------------------------------------------------------------------
@pytest.mark.parametrize("body,op", [
    ("p = tf.round(y_pred)", "round"),
    ("p = K.round(K.clip(y_pred, 0, 1))", "round"),
    ("p = ops.round(y_pred)", "round"),
    ("p = tf.floor(y_pred + 0.5)", "floor"),
    ("p = tf.math.ceil(y_pred - 0.5)", "ceil"),
    ("p = tf.cast(tf.cast(y_pred + 0.5, tf.int32), tf.float32)", "cast"),
    ("p = tf.cast(y_pred > 0.5, tf.float32)", "comparison"),
    ("p = tf.where(y_pred > 0.5, 1.0, 0.0)", "comparison"),
    ("p = tf.cast(tf.greater(y_pred, 0.5), 'float32')", "greater"),
    ("p = tf.one_hot(tf.argmax(y_pred, -1), 3)", "argmax"),
    ("p = ops.one_hot(ops.argmin(y_pred, axis=-1), 3)", "argmin"),
    ("p = tf.stop_gradient(y_pred)", "stop_gradient"),
])
def test_no_gradient_reaches_y_pred(body, op):
    facts, ff = facts_of("def f(y_true, y_pred):\n"
                         f"    {body}\n"
                         "    inter = tf.reduce_sum(y_true * p)\n"
                         "    return 1 - inter / (tf.reduce_sum(y_true) + tf.reduce_sum(p) - inter + 1e-7)\n")
    cut = ff.no_gradient()
    assert cut is not None and cut[1] == op
    assert ff.zero_gradient() is None and ff.ignored_terms() == []


@pytest.mark.parametrize("body", [
    "return 1 - tf.reduce_sum(y_true * y_pred) / tf.reduce_sum(y_true + y_pred)",
    "p = tf.clip_by_value(y_pred, 0.0, 1.0)\n    return tf.reduce_mean(tf.abs(y_true - p))",
    "mask = tf.cast(y_pred > 0.1, tf.float32)\n    return tf.reduce_mean(mask * tf.square(y_true - y_pred))",
    "return tf.reduce_mean(tf.where(y_true > 0, 2.0, 1.0) * tf.square(y_true - y_pred))",
    "return tf.reduce_mean(tf.where(y_pred > 0.5, y_pred, 0.0) - y_true)",
    "return keras.losses.binary_crossentropy(y_true, y_pred)",
    "return 1 - helper(y_true, tf.round(y_pred))",
    "def inner(t):\n        return t * y_pred\n    return inner(y_true) + tf.reduce_mean(tf.round(y_pred))",
    "inner = lambda t: t * y_pred\n    return inner(y_true) + tf.reduce_mean(tf.round(y_pred))",
    "total = 0.0\n    for i in range(3):\n        total = total + tf.reduce_sum(y_true[..., i] * y_pred[..., i])\n"
    "    return -total",
])
def test_differentiable_or_unknown_losses_are_not_cut(body):
    _, ff = facts_of(f"def f(y_true, y_pred):\n    {body}\n")
    assert ff.no_gradient() is None
    assert ff.zero_gradient() is None


def test_a_hard_term_added_to_a_soft_one_is_ignored():
    facts, ff = facts_of("def f(y_true, y_pred):\n"
                         "    hard = tf.round(y_pred)\n"
                         "    jac = tf.reduce_sum(y_true * hard) / tf.reduce_sum(y_true + hard)\n"
                         "    return keras.losses.binary_crossentropy(y_true, y_pred) + (1.0 - jac)\n")
    assert ff.no_gradient() is None
    terms = ff.ignored_terms()
    assert len(terms) == 1 and code(facts, terms[0][1]) == "tf.round(y_pred)"


def test_sign_has_a_zero_gradient():
    facts, ff = facts_of("def f(y_true, y_pred):\n"
                         "    return tf.reduce_mean(tf.abs(y_true - (tf.sign(y_pred - 0.5) + 1) / 2))\n")
    assert ff.no_gradient() is None
    assert code(facts, ff.zero_gradient()[0]) == "tf.sign(y_pred - 0.5)"


def test_gradient_through_branches_and_returns():
    _, ff = facts_of("def f(y_true, y_pred, hard=False):\n"
                     "    if hard:\n        return tf.reduce_mean(tf.round(y_pred))\n"
                     "    return tf.reduce_mean(y_pred)\n")
    assert ff.no_gradient() is None
    _, ff = facts_of("def f(y_true, y_pred, hard=False):\n"
                     "    if hard:\n        p = tf.round(y_pred)\n    else:\n        p = tf.floor(y_pred)\n"
                     "    return tf.reduce_mean(p * y_true)\n")
    assert ff.no_gradient() is not None


# --- log ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("body,raw", [
    ("return -tf.reduce_sum(y_true * tf.math.log(y_pred))", True),
    ("return -K.mean(y_true * K.log(y_pred))", True),
    ("return -ops.mean(y_true * ops.log(ops.reshape(y_pred, (-1,))))", True),
    ("return -tf.reduce_sum(y_true * tf.math.log(y_pred[..., 0]))", True),
    ("return -tf.reduce_sum(y_true * tf.math.log(y_pred + 1e-7))", False),
    ("return -K.sum(y_true * K.log(y_pred + K.epsilon()))", False),
    ("y_pred = tf.clip_by_value(y_pred, 1e-7, 1.0)\n    return -tf.reduce_sum(y_true * tf.math.log(y_pred))", False),
    ("p = K.clip(y_pred, K.epsilon(), 1 - K.epsilon())\n    return -K.sum(y_true * K.log(p))", False),
    ("return -tf.reduce_sum(y_true * tf.math.log(tf.nn.softmax(y_pred)))", False),
    ("return -tf.reduce_sum(y_true * tf.math.log(1 - y_pred))", False),
])
def test_log_of_raw_predictions(body, raw):
    _, ff = facts_of(f"def f(y_true, y_pred):\n    {body}\n")
    assert [log.raw for log in ff.logs] == [raw]


# --- class counts --------------------------------------------------------------------------------
def test_one_hot_of_labels_times_predictions_meets_pred():
    facts, ff = facts_of("def f(y_true, y_pred):\n"
                         "    t = tf.one_hot(tf.cast(y_true[..., 0], tf.int32), depth=4)\n"
                         "    return tf.reduce_mean(t * y_pred)\n")
    (count,) = ff.class_counts
    assert (count.value, count.kind, code(facts, count.node)) == (4, "one_hot", "4")
    assert count.onehot.onehot.source == "true" and count.onehot.meets_pred
    assert "Dimensions must be equal` (4 vs 3 classes)" in class_count_effect(ff, count, 3)


def test_one_hot_on_both_sides_is_silent():
    _, ff = facts_of("N = 4\n"
                     "def f(y_true, y_pred):\n"
                     "    t = K.one_hot(K.cast(y_true[..., 0], 'int32'), N)\n"
                     "    p = K.one_hot(K.argmax(y_pred, -1), N)\n"
                     "    return K.mean(t * p)\n")
    assert ff.class_counts == []  # analysed without the module's globals: N is unknown
    facts = analyze(cst.parse_module(HEADER + "N = 4\ndef f(y_true, y_pred):\n"
                                     "    t = K.one_hot(K.cast(y_true[..., 0], 'int32'), N)\n"
                                     "    p = K.one_hot(K.argmax(y_pred, -1), N)\n    return K.mean(t * p)\n"
                                     "model = keras.Sequential([keras.layers.Dense(3, activation='softmax')])\n"
                                     "model.compile(loss='sparse_categorical_crossentropy', metrics=[f])\n"))
    ff = function_facts(facts, facts.fn_uses[0].func)
    assert [(c.value, c.onehot.onehot.source, c.onehot.meets_pred) for c in ff.class_counts] == [
        (4, "true", False), (4, "pred", False)]
    assert "always-empty class" in class_count_effect(ff, ff.class_counts[0], 3)


def test_num_classes_keyword_is_a_class_count():
    facts, ff = facts_of("def f(y_true, y_pred):\n"
                         "    m = keras.metrics.MeanIoU(num_classes=5)\n"
                         "    return m(y_true, tf.argmax(y_pred, -1))\n")
    assert [(c.value, c.kind) for c in ff.class_counts] == [(5, "num_classes")]


# --- uses: functools.partial, factories, label kinds ---------------------------------------------
USES = HEADER + """\
def base(y_true, y_pred, w=1.0):
    return w * tf.reduce_sum(y_true * y_pred)

def make(depth):
    def inner(y_true, y_pred):
        return tf.reduce_mean(tf.one_hot(tf.cast(y_true, tf.int32), depth) * y_pred)
    return inner

rng = np.random.RandomState(0)
x = rng.rand(64, 8)
y = rng.randint(0, 3, size=(64,))
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation="softmax")])
model.compile(loss=functools.partial(base, w=2.0), metrics=[make(4)])
model.fit(x, y)
other = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation="softmax")])
other.compile(loss="sparse_categorical_crossentropy", metrics=[base])
other.fit(dataset)
floaty = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3)])
floaty.compile(loss=base)
floaty.fit(x, np.random.rand(64, 3))
"""


def test_partial_and_factory_functions_reach_compile():
    facts = analyze(cst.parse_module(USES))
    uses = [(u.func.name, u.role) for u in facts.fn_uses]
    assert uses == [("base", "loss"), ("inner", "metric"), ("base", "metric"), ("base", "loss")]
    ff = function_facts(facts, facts.fn_uses[1].func)
    assert [(c.value, c.onehot.meets_pred) for c in ff.class_counts] == [(4, True)]  # depth from the factory call
    assert output_of(facts.fn_uses[1]).units == 3


def test_labels_kind():
    facts = analyze(cst.parse_module(USES))
    kinds = [labels_kind(u) for u in facts.fn_uses]
    # randint labels; unknown data next to sparse CCE (class ids); float labels
    assert kinds == ["int", "int", "int", "float"]


@pytest.mark.parametrize("gen", ["np.random.RandomState(0)", "np.random.default_rng(0)"])
def test_seeded_generators_draw_like_np_random(gen):
    src = HEADER + f"rng = {gen}\nx = rng.random((64, 8))\ny = rng.{'integers' if 'default' in gen else 'randint'}(0, 3, size=(64,))\n" \
        "model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3)])\nmodel.fit(x, y)\n"
    fit = analyze(cst.parse_module(src)).models[0].fits[0]
    assert (fit.x.shape, fit.x.dtype) == ((64, 8), "float")
    assert (fit.y.shape, fit.y.dtype, fit.y.int_high) == ((64,), "int", 3)


@pytest.mark.parametrize("base, used", [
    ("keras.losses.Loss", True),
    ("tf.keras.losses.Loss", True),
    ("object", False),
])
def test_a_loss_subclass_instance_is_a_custom_loss(base, used):
    module = cst.parse_module(HEADER + textwrap.dedent(f"""
        class Scaled({base}):
            def __init__(self, scale=2.0):
                super().__init__()
                self.scale = scale

            def call(self, y_true, y_pred):
                return self.scale * tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred)

        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        model.compile(optimizer="adam", loss=Scaled(3.0))
        """))
    facts = analyze(module)
    uses = [(u.role, u.func.name) for u in facts.fn_uses]
    assert uses == ([("loss", "call")] if used else [])
    if used:
        ff = function_facts(facts, facts.fn_uses[0].func)
        assert [(op.param, code(facts, op.arg)) for op in ff.integer_ops] == [("labels", "y_true")]


def test_only_uncast_labels_reach_integer_only_ops():
    _, ff = facts_of("""
        def f(y_true, y_pred):
            a = tf.gather(tf.eye(3), tf.reshape(y_true, [-1]))
            b = tf.gather(tf.eye(3), tf.cast(y_true, "int32"))
            c = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_true + 0, logits=y_pred)
            return a + b + c
    """)
    assert [op.param for op in ff.integer_ops] == ["indices"]
