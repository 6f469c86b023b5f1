"""Layer-level facts (facts/tensors.py): the values one sample holds, Reshape's size check, an
Embedding's pretrained matrix, floats given as layer sizes. Unknown stays unknown."""

import libcst as cst
import pytest

from kerascheck.facts.interp import analyze
from kerascheck.facts.tensors import embedding_weights_mismatch, float_counts, reshape_mismatches

HEAD = "import numpy as np\nimport keras\nfrom keras import layers\n"


def layers_of(body: str):
    return analyze(cst.parse_module(HEAD + body)).layers_built


@pytest.mark.parametrize("before, target, expected", [
    ("keras.Input((100,)), layers.Dense(7 * 7 * 128)", "(7, 7, 256)", [6272]),
    ("keras.Input((100,)), layers.Dense(7 * 7 * 256)", "(7, 7, 256)", []),
    ("keras.Input((784,))", "(-1, 10)", [784]),  # 784 is not a multiple of 10
    ("keras.Input((784,))", "(-1, 16)", []),
    ("keras.Input((28, 28))", "(28, 28, 1)", []),
    ("keras.Input((None, 8))", "(-1, 3)", []),  # the sample size is not known
    ("keras.Input((8, 8, 3)), layers.Conv2D(4, 3)", "(100,)", [144]),  # "valid": 6 x 6 x 4
    ("keras.Input((8, 8, 3)), layers.Conv2D(4, 3, dilation_rate=2)", "(100,)", []),  # not followed
    ("keras.Input((100,)), layers.Dense(n)", "(7, 7, 256)", []),
])
def test_reshape_sizes(before, target, expected):
    facts = analyze(cst.parse_module(HEAD + f"model = keras.Sequential([{before}, layers.Reshape({target})])\n"))
    found = [m.size for m in reshape_mismatches(facts.layers_built)]
    assert found == expected


@pytest.mark.parametrize("call, expected", [
    ("layers.Embedding(1001, 64, weights=[np.zeros((1000, 64))])", ((1001, 64), (1000, 64))),
    ("layers.Embedding(1000, 64, weights=[np.zeros((1000, 64))])", None),
    ("layers.Embedding(input_dim=1000, output_dim=32, weights=[np.random.rand(1000, 64)])", ((1000, 32), (1000, 64))),
    ("layers.Embedding(vocab, 64, weights=[np.zeros((1000, 64))])", None),
    ("layers.Embedding(1000, 64, weights=[np.load('m.npy')])", None),
])
def test_embedding_weights(call, expected):
    (layer,) = layers_of(f"emb = {call}\n")
    found = embedding_weights_mismatch(layer)
    assert (found[:2] if found else None) == expected


@pytest.mark.parametrize("call, expected", [
    ("layers.Dense(64 / 2)", [("units", 32.0)]),
    ("layers.Dense(h / 2)", [("units", None)]),  # true division: a float whatever h is
    ("layers.Dense(h * 0.5)", [("units", None)]),
    ("layers.Dense(64 // 2)", []),
    ("layers.Dense(int(h / 2))", []),
    ("layers.Dense(h)", []),
    ("layers.Conv2D(32, 6 / 2)", [("kernel_size", 3.0)]),
    ("layers.Conv2D(32, (3.0, 3))", [("kernel_size", 3.0)]),
    ("layers.Reshape((n / 2, 2))", [("target_shape", None)]),
    ("layers.Dropout(0.5)", []),
    ("layers.Dense(*sizes)", []),
])
def test_float_layer_sizes(call, expected):
    (layer,) = layers_of(f"x = {call}\n")
    assert [(f.argument, f.value) for f in float_counts(layer)] == expected


@pytest.mark.parametrize("layers, shape", [
    ("layers.Conv2D(8, 3)", (None, 26, 26, 8)),
    ("layers.Conv2D(8, 3, padding='same', strides=2)", (None, 14, 14, 8)),
    ("layers.Conv2D(8, (3, 5), strides=(1, 2))", (None, 26, 12, 8)),
    ("layers.MaxPooling2D()", (None, 14, 14, 1)),
    ("layers.MaxPooling2D(3)", (None, 9, 9, 1)),  # strides default to the pool size
    ("layers.MaxPooling2D(2), layers.MaxPooling2D(2), layers.MaxPooling2D(2, padding='same')", (None, 4, 4, 1)),
    ("layers.Conv2DTranspose(4, 3, strides=2)", (None, 57, 57, 4)),  # valid: 28 * 2 + (3 - 2)
    ("layers.Conv2DTranspose(4, 3, strides=2, padding='same')", (None, 56, 56, 4)),
    ("layers.UpSampling2D((2, 3))", (None, 56, 84, 1)),
    ("layers.ZeroPadding2D(2)", (None, 32, 32, 1)),
    ("layers.ZeroPadding2D()", (None, 30, 30, 1)),
    ("layers.Cropping2D(((1, 2), (3, 4)))", (None, 25, 21, 1)),
    ("layers.Resizing(64, 32)", (None, 64, 32, 1)),
    ("layers.Rescaling(1 / 255), layers.Flatten()", (None, 784)),
    ("layers.Conv2D(8, 3), layers.GlobalAveragePooling2D(), layers.Dense(5)", (None, 5)),
    ("layers.Dense(4)", (None, 28, 28, 4)),
    ("layers.Conv2D(8, 3, data_format='channels_first')", None),
    ("layers.Conv2D(8, 3, dilation_rate=2)", None),
    ("layers.Conv2D(8, k)", None),
    ("layers.Lambda(lambda t: t), layers.Dense(4)", None),
])
def test_shapes_through_layers(layers, shape):
    facts = analyze(cst.parse_module(HEAD + f"model = keras.Sequential([keras.Input((28, 28, 1)), {layers}])\n"))
    (out,) = [o for _, o in facts.models[0].output_list()]
    assert out.shape == shape


@pytest.mark.parametrize("body, expected", [
    ("m = keras.Sequential([keras.Input((None, 8)), layers.Flatten(), layers.Dense(1)])", [(None, None, 8)]),
    ("m = keras.Sequential([keras.Input((None, 8)), layers.Dropout(0.1), layers.Flatten(), layers.Dense(1)])",
     [(None, None, 8)]),
    ("i = keras.Input((None, 8))\no = layers.Dense(1)(layers.Flatten()(i))", [(None, None, 8)]),
    ("m = keras.Sequential([keras.Input((20, 8)), layers.Flatten(), layers.Dense(1)])", []),
    ("m = keras.Sequential([keras.Input((None, 8)), layers.GlobalAveragePooling1D(), layers.Dense(1)])", []),
    ("m = keras.Sequential([keras.Input((None, 8)), layers.Flatten()])", []),  # no Dense to size
    ("m = keras.Sequential([keras.Input(shape), layers.Flatten(), layers.Dense(1)])", []),  # not known
])
def test_flatten_over_a_declared_variable_axis(body, expected):
    from kerascheck.facts.tensors import undefined_flattens

    facts = analyze(cst.parse_module(HEAD + body + "\n"))
    assert [f.shape for f in undefined_flattens(facts.layers_built)] == expected
