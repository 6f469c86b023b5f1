"""Integer masks (N, 32, 32) with categorical_crossentropy: fit raises at its first step."""
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

x = np.random.rand(16, 32, 32, 3).astype("float32")
masks = np.random.randint(0, 4, size=(16, 32, 32))

model = keras.Sequential([
    keras.Input(shape=(32, 32, 3)),
    layers.Conv2D(8, 3, padding="same", activation="relu"),
    layers.Conv2D(4, 1, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x, masks, epochs=1, batch_size=8)
