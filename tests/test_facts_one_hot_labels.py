"""KC406 facts: is the one_hot indices argument y_true as Keras passed it (OneHot.raw_labels), and on
which Keras majors does that raise (float_indices_majors)."""

import textwrap

import libcst as cst
import pytest

from kerascheck.facts.functions import analyse, float_indices_majors, function_facts
from kerascheck.facts.interp import analyze

HEADER = """\
import numpy as np
import tensorflow as tf
import keras
from keras import ops
from tensorflow.keras import backend as K
"""


def raw_labels(body: str) -> list:
    facts = analyze(cst.parse_module(HEADER + textwrap.dedent(body)))
    ff = analyse(facts.functions["f"], facts.resolve)
    return [u.onehot.raw_labels for u in ff.onehots]


@pytest.mark.parametrize("expr", [
    "tf.one_hot(y_true, 3)",
    "tf.one_hot(tf.squeeze(y_true, -1), 3)",
    "tf.one_hot(tf.reshape(y_true, [-1]), depth=3)",
    "tf.one_hot(y_true[:, 0], 3)",
    "tf.one_hot(indices=y_true, depth=3)",
    "K.one_hot(K.flatten(y_true), 3)",
])
def test_uncast_labels_reach_one_hot(expr):
    assert raw_labels(f"def f(y_true, y_pred):\n    return tf.reduce_sum({expr} * y_pred)\n") == [True]


@pytest.mark.parametrize("expr", [
    "tf.one_hot(tf.cast(y_true, tf.int32), 3)",
    "tf.one_hot(tf.cast(tf.squeeze(y_true), 'int64'), 3)",
    "tf.one_hot(tf.argmax(y_true, -1), 3)",
    "tf.one_hot(y_true - 1, 3)",
    "tf.one_hot(tf.argmax(y_pred, -1), 3)",
])
def test_cast_or_computed_indices_are_not_raw(expr):
    assert raw_labels(f"def f(y_true, y_pred):\n    return tf.reduce_sum({expr} * y_pred)\n") == [False]


def test_a_cast_in_an_earlier_statement_counts():
    body = "def f(y_true, y_pred):\n    y_true = tf.cast(y_true, tf.int32)\n    y = tf.squeeze(y_true)\n" \
           "    return tf.reduce_sum(tf.one_hot(y, 3) * y_pred)\n"
    assert raw_labels(body) == [False]


def majors(src: str) -> list:
    facts = analyze(cst.parse_module(HEADER + textwrap.dedent(src)))
    out = []
    for use in facts.fn_uses:
        ff = function_facts(facts, use.func)
        out += [sorted(float_indices_majors(use, u.onehot)) for u in ff.onehots]
    return out


MODEL = """
def f(y_true, y_pred):
    return tf.reduce_sum({one_hot}(y_true, 3) * y_pred)
x = np.random.rand(64, 8)
y = np.random.randint(0, 3, size=(64,)){astype}
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", {compile})
model.fit(x, y)
"""


@pytest.mark.parametrize("one_hot,astype,compile_,expected", [
    ("tf.one_hot", "", "loss=f", ["3"]),  # Keras 3 converts y_true for losses
    ("tf.one_hot", "", "loss='mse', metrics=[f]", ["2"]),  # Keras 2 for metrics
    ("tf.one_hot", ".astype(\"float64\")", "loss=f", ["2", "3"]),  # float labels: every Keras
    ("K.one_hot", "", "loss='mse', metrics=[f]", ["2"]),
    ("keras.backend.one_hot", "", "loss=f", []),  # Keras 3's keras.backend has no one_hot (KC501)
    ("ops.one_hot", "", "loss=f", []),  # keras.ops.one_hot casts
])
def test_majors_where_one_hot_gets_float_indices(one_hot, astype, compile_, expected):
    assert majors(MODEL.format(one_hot=one_hot, astype=astype, compile=compile_)) == [expected]
