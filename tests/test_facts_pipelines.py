"""Input pipelines (kerascheck/facts/pipelines.py): what the interpreter knows about a dataset,
generator, Sequence or ImageDataGenerator iterator that reaches `fit`/`evaluate`/`predict`, and
whether a dataset is batched (True / False / None: not known, never a guess)."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from kerascheck.facts.interp import analyze
from kerascheck.facts.pipelines import unbatched_samples
from kerascheck.facts.values import Pipeline

PRELUDE = """\
import numpy as np
import tensorflow as tf
from tensorflow import keras
x = np.random.rand(64, 4)
y = np.random.rand(64, 1)
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
"""


def fed(expr: str, setup: str = "", method: str = "fit"):
    """The value `method` gets as its data."""
    src = PRELUDE + textwrap.dedent(setup) + f"\nmodel.{method}({expr})\n"
    facts = analyze(cst.parse_module(src))
    (feed,) = facts.feeds
    assert feed.method == method
    return feed


@pytest.mark.parametrize("expr, batched", [
    ("tf.data.Dataset.from_tensor_slices((x, y))", False),
    ("tf.data.Dataset.from_tensor_slices((x, y)).shuffle(64).map(lambda a, b: (a, b)).prefetch(2)", False),
    ("tf.data.Dataset.from_tensor_slices((x, y)).cache().repeat().take(3)", False),
    ("tf.data.Dataset.from_tensor_slices((x, y)).batch(8)", True),
    ("tf.data.Dataset.from_tensor_slices((x, y)).padded_batch(8)", True),
    ("tf.data.Dataset.from_tensor_slices((x, y)).batch(8).unbatch()", False),
    ("tf.data.Dataset.from_tensor_slices((x, y)).window(4)", None),
    ("tf.data.Dataset.from_tensor_slices((x, y)).map(lambda a, b: (tf.expand_dims(a, 0), b))", None),
    ("tf.data.Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a[None, :], b))", None),
    ("tf.data.Dataset.from_tensors((x, y))", None),
    ("tf.data.Dataset.from_generator(gen)", None),
    ("keras.utils.image_dataset_from_directory('d')", True),
    ("keras.utils.image_dataset_from_directory('d', batch_size=None)", None),
    ("keras.utils.image_dataset_from_directory('d', batch_size=n)", None),
])
def test_dataset_batching(expr, batched):
    value = fed(expr, "def gen():\n    yield 1\nimport sys\nn = sys.argv\n").x
    assert isinstance(value, Pipeline) and value.kind == "dataset"
    assert value.batched is batched


def test_batched_on_one_branch_is_unknown():
    setup = """
    import sys
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if sys.argv:
        ds = ds.batch(8)
    """
    assert not isinstance(fed("ds", setup).x, Pipeline)


@pytest.mark.parametrize("setup, expr, kind", [
    ("def gen():\n    while True:\n        yield x, y\n", "gen()", "generator"),
    ("class Data(keras.utils.Sequence):\n    pass\n", "Data()", "sequence"),
    ("class Data(keras.utils.PyDataset):\n    pass\nclass More(Data):\n    pass\n", "More()", "sequence"),
    ("from tensorflow.keras.preprocessing.image import ImageDataGenerator\naug = ImageDataGenerator()\n",
     "aug.flow(x, y)", "iterator"),
])
def test_other_pipelines(setup, expr, kind):
    value = fed(expr, setup).x
    assert isinstance(value, Pipeline) and value.kind == kind


@pytest.mark.parametrize("setup, expr", [
    ("def gen():\n    def inner():\n        yield 1\n    return [1]\n", "gen()"),  # the nested def yields
    ("class Data:\n    pass\n", "Data()"),
    ("from tensorflow.keras.preprocessing.image import ImageDataGenerator\naug = ImageDataGenerator()\n",
     "aug.standardize(x)"),
])
def test_not_pipelines(setup, expr):
    assert not isinstance(fed(expr, setup).x, Pipeline)


@pytest.mark.parametrize("setup, unbatched", [
    ("ds = tf.data.Dataset.from_tensor_slices((x, y))", True),
    ("ds = tf.data.Dataset.from_tensor_slices((np.load('x.npy'), y))", True),  # shape unknown: one sample
    ("ds = tf.data.Dataset.from_tensor_slices((np.random.rand(4, 16, 4), y))", False),  # slices are batches
    ("ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)", False),
])
def test_unbatched_samples(setup, unbatched):
    feed = fed("ds", setup)
    assert unbatched_samples(feed.x, feed.model) is unbatched


def test_feeds_record_predict_and_keywords():
    feed = fed("x=tf.data.Dataset.from_tensor_slices(x)", method="predict")
    assert isinstance(feed.x, Pipeline) and "x" in feed.arg_nodes
