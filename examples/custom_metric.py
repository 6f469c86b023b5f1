"""Custom Dice metric and loss for binary masks, ported from a Keras 2 tutorial to Keras 3."""
import keras
import numpy as np
from keras import layers, ops

x = np.random.rand(32, 16, 16, 1).astype("float32")
y = np.random.randint(0, 2, size=(32, 16, 16, 1))  # integer 0/1 masks


def dice_coef(y_true, y_pred, smooth=1.0):
    intersection = ops.sum(y_true * y_pred)
    return (2.0 * intersection + smooth) / (ops.sum(y_true) + ops.sum(y_pred) + smooth)


def hard_dice_loss(y_true, y_pred):
    y_pred = ops.round(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    intersection = ops.sum(y_true * y_pred)
    return 1.0 - (2.0 * intersection + 1.0) / (ops.sum(y_true) + ops.sum(y_pred) + 1.0)


model = keras.Sequential([
    keras.Input(shape=(16, 16, 1)),
    layers.Conv2D(8, 3, padding="same", activation="relu"),
    layers.Conv2D(1, 1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss=hard_dice_loss, metrics=[dice_coef])
model.fit(x, y, epochs=2)
