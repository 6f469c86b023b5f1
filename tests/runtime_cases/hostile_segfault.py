"""A custom layer that dereferences a null pointer with ctypes: the interpreter segfaults."""
import ctypes

from tensorflow import keras


class Crash(keras.layers.Layer):
    def build(self, input_shape):
        ctypes.string_at(0)


model = keras.Sequential([keras.Input(shape=(8,)), Crash(), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
