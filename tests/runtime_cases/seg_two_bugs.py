"""Two bugs on one model: integer masks with a categorical loss (KC207) and MeanIoU on softmax
probabilities with class-id masks (KC302). The loss error stops the trace before the metric runs."""
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

NUM_CLASSES = 4

images = np.random.rand(16, 32, 32, 3).astype("float32")
masks = np.random.randint(0, NUM_CLASSES, size=(16, 32, 32))  # class ids, no channel axis


def build_model(num_classes):
    inputs = tf.keras.Input(shape=(32, 32, 3))
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    outputs = layers.Conv2D(num_classes, 1, activation="softmax")(x)
    return tf.keras.Model(inputs, outputs)


model = build_model(NUM_CLASSES)
model.compile(
    optimizer="adam",
    loss="categorical_crossentropy",
    metrics=[tf.keras.metrics.MeanIoU(num_classes=3)],
)
model.fit(images, masks, batch_size=4, epochs=2)
