"""A subclassed model with two regression heads, written with Keras 3's `keras.ops`."""
import keras
import numpy as np
from keras import layers, ops


class TwoHeads(keras.Model):
    def __init__(self):
        super().__init__()
        self.body = layers.Dense(32, activation="relu")
        self.price = layers.Dense(1)
        self.volume = layers.Dense(1)

    def call(self, inputs):
        h = self.body(inputs)
        return ops.concatenate([self.price(h), self.volume(h)], axis=-1)


x = np.random.rand(64, 10).astype("float32")
y_price = np.random.rand(64, 1).astype("float32")
y_volume = np.random.rand(64, 1).astype("float32")

model = TwoHeads()
model.compile(optimizer="adam", loss=["mse", "mae"])
model.fit(x, [y_price, y_volume], epochs=2)
