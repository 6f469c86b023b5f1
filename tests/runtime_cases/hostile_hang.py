"""A custom layer whose call() never returns: the trace hangs until the time limit."""
import numpy as np
from tensorflow import keras


class Spin(keras.layers.Layer):
    def call(self, x):
        while True:
            pass


model = keras.Sequential([keras.Input(shape=(8,)), Spin(), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(np.zeros((4, 8)), np.zeros((4, 1)))
