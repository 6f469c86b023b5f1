"""A custom layer that allocates without bound while the model is built."""
from tensorflow import keras


class Hog(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.blobs = []
        while True:
            self.blobs.append(bytearray(256 * 1024 * 1024))


model = keras.Sequential([keras.Input(shape=(8,)), Hog(), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
