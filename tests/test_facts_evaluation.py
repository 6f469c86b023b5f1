"""Facts KC607 relies on: sources that shuffle by default, predictions over them and their labels
read apart, and the comparisons that put the two together."""

import libcst as cst

from kerascheck.facts.interp import analyze

HEAD = ("import numpy as np\nimport tensorflow as tf\nimport keras\n"
        "from tensorflow.keras.preprocessing.image import ImageDataGenerator\n"
        "model = keras.models.load_model('m.keras')\n")


def mismatches(src: str) -> list:
    f = analyze(cst.parse_module(HEAD + src))
    return [type(m.node).__name__ for m in f.eval_mismatches]


def test_generator_classes_against_predictions():
    assert mismatches(
        "g = ImageDataGenerator().flow_from_directory('d')\n"
        "p = model.predict(g)\n"
        "confusion_matrix(g.classes, np.argmax(p, axis=1))\n"
        "ok = (p > 0.5).astype('int32').ravel() == g.labels\n"
        "print(g.classes, p)\n"
    ) == ["Call", "Comparison"]


def test_no_mismatch_without_shuffling_or_with_labels_from_elsewhere():
    assert mismatches(
        "g = ImageDataGenerator().flow_from_directory('d', shuffle=False)\n"
        "accuracy_score(g.classes, model.predict(g))\n"
        "h = ImageDataGenerator().flow(np.zeros((4, 2)), np.zeros(4))\n"
        "accuracy_score(h.classes if False else None, model.predict(h))\n"
        "ds = keras.utils.image_dataset_from_directory('d').cache()\n"
        "accuracy_score([y for x, y in ds], model.predict(ds))\n"
        "other = keras.utils.image_dataset_from_directory('d')\n"
        "accuracy_score([y for x, y in other], model.predict(keras.utils.image_dataset_from_directory('d')))\n"
        "accuracy_score([x for x, y in other], model.predict(other))\n"
    ) == []


def test_dataset_second_pass_labels():
    assert mismatches(
        "ds = keras.utils.image_dataset_from_directory('d').prefetch(2)\n"
        "y = np.concatenate([np.argmax(b, axis=1) for _, b in ds])\n"
        "sklearn.metrics.accuracy_score(y_true=y, y_pred=model.predict(ds))\n"
    ) == ["Call"]
