"""A custom layer that opens a network connection while the model is built."""
import socket

from tensorflow import keras


class Phone(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        with socket.socket() as s:
            s.connect(("192.0.2.1", 80))


model = keras.Sequential([keras.Input(shape=(8,)), Phone(), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
