"""A binary classifier whose predictions never change."""
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

x = np.random.rand(256, 20).astype("float32")
y = np.random.randint(0, 2, size=(256, 1))

model = keras.Sequential([
    keras.Input(shape=(20,)),
    layers.Dense(32, activation="relu"),
    layers.Dense(1, activation="softmax"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=3, batch_size=32)
