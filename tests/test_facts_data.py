"""Statically inferred NumPy data (kerascheck/facts/data.py): the shape and dtype of the arrays a
script feeds `fit` (the expected values are NumPy's own, re-checked when NumPy is installed), and
UNKNOWN (never a guess) where the expression cannot be followed."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from kerascheck.facts.interp import analyze
from kerascheck.facts.values import Array

PRELUDE = """\
import numpy as np
import keras
rng = np.random.default_rng(0)
legacy = np.random.RandomState(0)
x = rng.random((12, 4)).astype("float32")
img = rng.random((3, 5, 5, 2))
labels = rng.integers(0, 3, size=(12,))
"""


def target(expr: str, setup: str = ""):
    """The fact for `expr` when it is the target `fit` gets."""
    src = PRELUDE + textwrap.dedent(setup) + f"""
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(x, {expr})
"""
    (model,) = analyze(cst.parse_module(src)).models
    return model.fits[0].y


# (expression, shape, dtype kind): what NumPy computes (test_table_matches_numpy re-checks it)
EXPECTED = [
    ("rng.random((12, 3))", (12, 3), "float"),
    ("rng.integers(0, 5, size=(12, 1))", (12, 1), "int"),
    ("rng.normal(0, 1, size=(12, 2))", (12, 2), "float"),
    ("rng.standard_normal((12, 2))", (12, 2), "float"),
    ("legacy.rand(12, 2)", (12, 2), "float"),
    ("legacy.randint(0, 2, size=(12, 1))", (12, 1), "int"),
    ("x.sum(axis=1)", (12,), "float"),
    ("x.sum(axis=1, keepdims=True)", (12, 1), "float"),
    ("x.mean(axis=-1)", (12,), "float"),
    ("img.sum(axis=(1, 2))", (3, 2), "float"),
    ("img.max(axis=(1, 2), keepdims=True)", (3, 1, 1, 2), "float"),
    ("x.argmax(axis=1)", (12,), "int"),
    ("np.sum(x, axis=1)", (12,), "float"),
    ("np.mean(img, axis=(1, 2, 3))", (3,), "float"),
    ("(x > 0.5)", (12, 4), "bool"),
    ("(x > 0.5).astype('float32')", (12, 4), "float"),
    ("(x.sum(axis=1) > 2).astype('float32')[:, None]", (12, 1), "float"),
    ("x[:, 0]", (12,), "float"),
    ("x[:, :1]", (12, 1), "float"),
    ("x[:, 1:]", (12, 3), "float"),
    ("x[:, 1:3]", (12, 2), "float"),
    ("x[:6]", (6, 4), "float"),
    ("x[::2, -1]", (6,), "float"),
    ("img[..., :1]", (3, 5, 5, 1), "float"),
    ("img[..., 0]", (3, 5, 5), "float"),
    ("img[:, :, :, np.newaxis]", (3, 5, 5, 1, 2), "float"),
    ("x @ np.array([[1.0], [-2.0], [0.5], [3.0]])", (12, 1), "float"),
    ("np.concatenate([x[:, :1] > 0.5, x[:, 1:]], axis=1).astype('float32')", (12, 4), "float"),
    ("np.concatenate([x, x], axis=0)", (24, 4), "float"),
    ("np.stack([x[:, 0], x[:, 1]], axis=1)", (12, 2), "float"),
    ("np.stack([x, x])", (2, 12, 4), "float"),
    ("np.column_stack([x[:, 0], x[:, 1]])", (12, 2), "float"),
    ("np.hstack([x, x])", (12, 8), "float"),
    ("np.vstack([x, x])", (24, 4), "float"),
    ("np.expand_dims(x.sum(axis=1), -1)", (12, 1), "float"),
    ("x.reshape(-1, 2)", (24, 2), "float"),
    ("x.copy()", (12, 4), "float"),
    ("x[:, :1].squeeze(-1)", (12,), "float"),
    ("np.squeeze(x[:, :1], axis=1)", (12,), "float"),
    ("x.ravel()", (48,), "float"),
    ("np.eye(3)[labels]", (12, 3), "float"),
    ("np.where(x > 0.5, 1, 0)", (12, 4), "int"),
    ("np.zeros_like(x)", (12, 4), "float"),
    ("np.abs(x)", (12, 4), "float"),
    ("np.arange(12)", (12,), "int"),
    ("labels.reshape(-1, 1)", (12, 1), "int"),
    ("rng.integers(0, 3, size=())[..., None]", (1,), "int"),  # a 0-d array (found by fuzzing: IndexError)
]


@pytest.mark.parametrize("expr,shape,kind", EXPECTED, ids=[e for e, _, _ in EXPECTED])
def test_inferred_shape_and_dtype(expr, shape, kind):
    fact = target(expr)
    assert isinstance(fact, Array), fact
    assert (fact.shape, fact.dtype) == (shape, kind)


def test_table_matches_numpy():
    """The expectations above are NumPy's own answers (skipped where NumPy is not installed)."""
    np = pytest.importorskip("numpy")
    ns: dict = {}
    exec(PRELUDE.replace("import keras\n", ""), ns)
    for expr, shape, kind in EXPECTED:
        real = np.asarray(eval(expr, ns))
        real_kind = "bool" if real.dtype == bool else "int" if np.issubdtype(real.dtype, np.integer) else "float"
        assert (real.shape, real_kind) == (shape, kind), expr


def test_one_hot_idioms_carry_the_class_count():
    for expr in ("np.eye(3)[labels]", "keras.utils.to_categorical(labels, 3)"):
        fact = target(expr)
        assert fact.shape == (12, 3) and fact.one_hot, expr
    assert target("keras.utils.to_categorical(labels, 3)[:6]").one_hot
    # a column of a one-hot matrix is not one-hot
    col = target("keras.utils.to_categorical(labels, 3)[:, 0]")
    assert col.shape == (12,) and not col.one_hot
    assert target("labels[:6]").int_high == 3
    assert target("rng.integers(0, 3, size=(12,), endpoint=True)").int_high == 4


UNKNOWN_EXPRS = [
    "x.sum(axis=2)",  # out of range: NumPy raises, the fact must not invent a shape
    "x.sum(axis=n)",  # an unknown axis
    "x[:, idx]",  # fancy indexing
    "x[:, :k]",  # an unknown bound
    "x[:, 7]",  # out of range
    "np.concatenate([x, img], axis=1)",  # ranks differ
    "np.concatenate([x, rows], axis=0)",  # one part unknown
    "np.stack([x, x[:, :1]])",  # shapes differ
    "x @ x",  # inner dimensions differ
    "x[:, :1].squeeze(0)",  # axis 0 is not of size 1
    "x[0][1][2]",  # a scalar indexed
]


@pytest.mark.parametrize("expr", UNKNOWN_EXPRS)
def test_unfollowable_expressions_are_unknown(expr):
    fact = target(expr, setup="n = int(input())\nidx = [0, 2]\nk = len(idx)\nrows = np.load('r.npy')\n")
    assert not (isinstance(fact, Array) and fact.shape is not None and None not in fact.shape), fact


def test_comparison_with_a_non_number_is_not_an_array():
    assert not isinstance(target("x is None"), Array)
    assert not isinstance(target("x == 'a'"), Array)
