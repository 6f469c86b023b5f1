"""A correct script: nothing to report, and the trace of fit's train step succeeds."""
import numpy as np
from tensorflow import keras

x = np.random.rand(32, 8).astype("float32")
y = np.random.rand(32, 1).astype("float32")

model = keras.Sequential([
    keras.Input(shape=(8,)),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(1),
])
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
model.fit(x, y, epochs=1, verbose=0)
print(model.evaluate(x, y, verbose=0))
