"""Facts the KC1xx (model outputs and shapes) rules rely on."""

import textwrap

import libcst as cst

from kerascheck.facts.interp import analyze
from kerascheck.facts.values import Array, DictV, Seq, Tensor


def facts_of(src: str):
    return analyze(cst.parse_module(textwrap.dedent(src)))


def test_list_literal_outputs_and_losses_are_sure():
    f = facts_of("""
        from tensorflow import keras
        inp = keras.Input(shape=(4,))
        outs = [keras.layers.Dense(1)(inp), keras.layers.Dense(1)(inp)]
        outs.append(keras.layers.Dense(1)(inp))
        model = keras.Model(inp, outs)
        model.compile(loss=["mse", "mae"])
    """)
    (model,) = f.models
    assert isinstance(model.outputs, Seq) and len(model.outputs.items) == 3 and not model.outputs.unsure
    loss = model.compiles[0].loss
    assert isinstance(loss, Seq) and len(loss.items) == 2 and not loss.unsure


def test_list_grown_in_a_loop_is_unsure():
    f = facts_of("""
        from tensorflow import keras
        inp = keras.Input(shape=(4,))
        outs = []
        for i in range(3):
            outs.append(keras.layers.Dense(1)(inp))
        model = keras.Model(inp, outs)
    """)
    assert f.models[0].outputs.unsure


def test_extend_and_item_assignment_make_lists_and_dicts_unsure():
    f = facts_of("""
        from tensorflow import keras
        inp = keras.Input(shape=(4,))
        outs = [keras.layers.Dense(1)(inp)]
        outs.extend(more)
        losses = {"a": "mse"}
        losses["b"] = "mae"
        model = keras.Model(inp, outs)
        model.compile(loss=losses)
    """)
    (model,) = f.models
    assert model.outputs.unsure
    assert isinstance(model.compiles[0].loss, DictV) and model.compiles[0].loss.unsure


def test_dict_update_makes_the_loss_dict_unsure():
    f = facts_of("""
        from tensorflow import keras
        inp = keras.Input(shape=(4,))
        model = keras.Model(inp, [keras.layers.Dense(1, name="a")(inp), keras.layers.Dense(1, name="b")(inp)])
        losses = {"a": "mse"}
        losses.update(extra)
        model.compile(loss=losses)
    """)
    assert f.models[0].compiles[0].loss.unsure


def test_squeeze_without_axis_is_marked_on_the_output():
    f = facts_of("""
        import tensorflow as tf
        from tensorflow import keras
        inp = keras.Input(shape=(4,))
        a = keras.Model(inp, tf.squeeze(keras.layers.Dense(1)(inp)))
        b = keras.Model(inp, tf.squeeze(keras.layers.Dense(1)(inp), axis=-1))
        c = keras.Model(inp, keras.layers.Lambda(lambda t: tf.squeeze(t))(keras.layers.Dense(1)(inp)))
        d = keras.Model(inp, keras.layers.Lambda(tf.squeeze)(keras.layers.Dense(1)(inp)))
    """)
    a, b, c, d = f.models
    assert a.single_output().squeeze is not None
    assert b.single_output().squeeze is None and b.single_output().rank == 1
    assert isinstance(c.single_output().squeeze, cst.Call)
    assert d.single_output().squeeze is not None


def test_concatenated_heads_are_recorded():
    f = facts_of("""
        import tensorflow as tf
        from tensorflow import keras

        class TwoHeads(keras.Model):
            def __init__(self):
                super().__init__()
                self.a = keras.layers.Dense(1)
                self.b = keras.layers.Dense(2)

            def call(self, x):
                return tf.concat([self.a(x), self.b(x)], axis=-1)

        model = TwoHeads()
    """)
    out = f.models[0].single_output()
    assert isinstance(out, Tensor) and len(out.concat_of) == 2 and out.units == 3


def test_declared_input_shape_and_data_shape():
    f = facts_of("""
        import numpy as np
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Conv2D(4, 3, input_shape=(32, 32, 3))])
        x = np.random.rand(64, 32, 32)
        model.fit(x[..., None], np.zeros((64, 1)))
    """)
    from kerascheck.facts.tensors import sequential_input

    (model,) = f.models
    assert sequential_input(model).shape == (None, 32, 32, 3)
    fit = model.fits[0]
    assert isinstance(fit.x, Array) and fit.x.shape == (64, 32, 32, 1)
