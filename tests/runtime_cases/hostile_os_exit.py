"""A custom loss that calls os._exit() when fit traces it."""
import os

import numpy as np

from tensorflow import keras


def my_loss(y_true, y_pred):
    os._exit(7)


model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss=my_loss)
model.fit(np.zeros((4, 8)), np.zeros((4, 1)))
