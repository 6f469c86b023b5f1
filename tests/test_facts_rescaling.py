"""Facts KC605 relies on: data divided by about 255 (arrays, data of unknown shape, tf.data maps,
ImageDataGenerator(rescale=...)) and the Rescaling layer a model applies first to its input."""

import libcst as cst

from kerascheck.facts import rescaling as RS
from kerascheck.facts.interp import analyze

HEAD = "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\nL = keras.layers\n"


def facts_of(src: str):
    return analyze(cst.parse_module(HEAD + src))


def fit_scaling(f, i=0):
    found = RS.data_scaling(f.models[0].fits[i].x)
    return None if found is None else round(found[0], 1)


def test_divisions_the_data_carries_to_fit():
    f = facts_of(
        "m = keras.Sequential([keras.Input(shape=(4,)), L.Dense(1)])\n"
        "(a, _), _ = keras.datasets.mnist.load_data()\n"
        "m.fit(np.random.rand(8, 4) / 255.0)\n"
        "m.fit(a.astype('float32') / 255)\n"
        "m.fit(np.random.rand(8, 4) / 127.5 - 1)\n"
        "m.fit(np.random.rand(8, 4) * (1 / 255))\n"
        "m.fit(np.random.rand(8, 4) / 2)\n"
        "m.fit(a / 255.0 * 2)\n"
        "ds = tf.data.Dataset.from_tensor_slices((a, a))\n"
        "m.fit(ds.map(lambda x, y: (x / 255.0, y)).batch(4))\n"
        "m.fit(ds.map(lambda x, y: (y / 255.0, x)))\n"
        "m.fit(keras.preprocessing.image.ImageDataGenerator(rescale=1./255).flow(a, a))\n"
    )
    assert [fit_scaling(f, i) for i in range(9)] == [255.0, 255.0, 127.5, 255.0, 2.0, None, 255.0, None, 255.0]


def test_first_rescaling_of_sequential_and_functional_models():
    f = facts_of(
        "s = keras.Sequential([keras.Input(shape=(8, 8, 3)), L.RandomFlip(), L.Rescaling(1./255), L.Flatten()])\n"
        "t = keras.Sequential([keras.Input(shape=(8, 8, 3)), L.Conv2D(4, 3), L.Rescaling(1./255)])\n"
        "i = keras.Input(shape=(8, 8, 3))\n"
        "u = keras.Model(i, L.Flatten()(L.Rescaling(scale=1 / 127.5, offset=-1)(i)))\n"
        "v = keras.Model(i, L.Rescaling(1./255)(L.Dense(3)(i)))\n"
    )
    found = [RS.input_rescaling(m) for m in f.models]
    assert [None if x is None else round(x[1], 1) for x in found] == [255.0, None, 127.5, None]
