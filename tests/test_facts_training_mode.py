"""Facts KC606 relies on: which layers depend on the training flag, the chain of such layers a
tensor carries through a model, and the model calls a GradientTape records."""

import libcst as cst

from kerascheck.facts import training_mode as TM
from kerascheck.facts.interp import analyze

HEAD = "import tensorflow as tf\nfrom tensorflow import keras\nL = keras.layers\n"


def facts_of(src: str):
    return analyze(cst.parse_module(HEAD + src))


def mode_classes(model):
    return sorted(layer.cls for layer in TM.model_mode_layers(model))


def test_layers_that_depend_on_the_flag_as_built():
    f = facts_of(
        "m = keras.Sequential([keras.Input(shape=(4,)), L.Dense(4), L.Dropout(0.5), L.Dropout(0.0),\n"
        "    L.BatchNormalization(), L.BatchNormalization(trainable=False), L.LayerNormalization(),\n"
        "    L.GaussianNoise(0.1), L.Dense(1)])\n"
    )
    assert mode_classes(f.models[0]) == ["BatchNormalization", "Dropout", "GaussianNoise"]


def test_functional_chain_follows_only_the_path_to_the_outputs():
    f = facts_of(
        "i = keras.Input(shape=(4,))\n"
        "side = L.Dropout(0.5)(i)\n"
        "h = L.LSTM(4, dropout=0.2)(L.Reshape((2, 2))(i))\n"
        "m = keras.Model(i, L.Dense(1)(h))\n"
        "n = keras.Model(i, L.Dense(1)(L.Dropout(0.5)(i, training=True)))\n"
    )
    assert mode_classes(f.models[0]) == ["LSTM"]
    assert mode_classes(f.models[1]) == []  # a layer with its own flag does not follow the model's


def test_subclass_layers_called_with_the_models_own_flag_follow_it():
    f = facts_of(
        "class M(keras.Model):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.d = L.Dropout(0.5)\n"
        "        self.o = L.Dense(1)\n"
        "    def call(self, x, training=None):\n"
        "        return self.o(self.d(x, training=training))\n"
        "m = M()\n"
    )
    assert mode_classes(f.models[0]) == ["Dropout"]


def test_tape_records_model_calls_and_what_it_differentiates():
    f = facts_of(
        "m = keras.Sequential([keras.Input(shape=(4,)), L.Dropout(0.5), L.Dense(1)])\n"
        "x = tf.ones((2, 4))\n"
        "with tf.GradientTape() as tape:\n"
        "    a = m(x)\n"
        "    b = m(x, training=False)\n"
        "    c = m(*[x])\n"
        "g = tape.gradient(tf.reduce_mean(a), m.trainable_variables)\n"
        "d = m(x)\n"
    )
    calls = f.tape_calls
    assert len(calls) == 3
    assert [TM.inference_in_tape(c) != [] for c in calls] == [True, False, False]
    assert calls[0].tapes[0].differentiates(f.models[0])
