"""Where the data comes from (facts/loaders.py): Keras's dataset loaders, LabelEncoder,
pd.get_dummies, train_test_split, and the targets of directory datasets and generator flows, as
the label rules (KC207, KC208, KC210) see them. Unknown stays unknown: each near miss is silent."""

from __future__ import annotations

import textwrap

import pytest

from kerascheck.config import Settings
from kerascheck.engine import Linter

HEAD = "import numpy as np\nimport pandas as pd\nfrom tensorflow import keras\n"


def codes(body: str) -> list[str]:
    text = HEAD + textwrap.dedent(body)
    return sorted(f.code for f in Linter(Settings(keras_version="3")).lint_text(text, "t.py").findings)


def head(units: int, loss: str, inputs: str = "(4,)") -> str:
    return (f"model = keras.Sequential([keras.Input({inputs}), keras.layers.Flatten(), "
            f"keras.layers.Dense({units}, activation='softmax')])\n"
            f"model.compile(optimizer='adam', loss='{loss}')\n")


@pytest.mark.parametrize("body, expected", [
    # mnist labels are class ids (N,): fine with the sparse loss, KC207 with the categorical one
    ("(x, y), _ = keras.datasets.mnist.load_data()\n" + head(10, "sparse_categorical_crossentropy", "(28, 28)")
     + "model.fit(x, y)\n", []),
    ("(x, y), _ = keras.datasets.mnist.load_data()\n" + head(10, "categorical_crossentropy", "(28, 28)")
     + "model.fit(x, y)\n", ["KC207"]),
    # CIFAR's labels are (N, 1): the sparse loss accepts them
    ("(x, y), (xt, yt) = keras.datasets.cifar10.load_data()\n" + head(10, "sparse_categorical_crossentropy", "(32, 32, 3)")
     + "model.fit(x, y, validation_data=(xt, yt))\n", []),
    # to_categorical without a count takes the loader's: 100 fine classes, 20 coarse ones
    ("(x, y), _ = keras.datasets.cifar100.load_data()\n" + head(100, "categorical_crossentropy", "(32, 32, 3)")
     + "model.fit(x, keras.utils.to_categorical(y))\n", []),
    ("(x, y), _ = keras.datasets.cifar100.load_data(label_mode='coarse')\n"
     + head(100, "categorical_crossentropy", "(32, 32, 3)") + "model.fit(x, keras.utils.to_categorical(y))\n",
     ["KC210"]),
    ("(x, y), _ = keras.datasets.cifar100.load_data(label_mode=MODE)\n"
     + head(100, "categorical_crossentropy", "(32, 32, 3)") + "model.fit(x, keras.utils.to_categorical(y))\n", []),
    # a regression loader: continuous targets, never class ids
    ("(x, y), _ = keras.datasets.boston_housing.load_data()\n"
     "model = keras.Sequential([keras.Input((13,)), keras.layers.Dense(1)])\n"
     "model.compile(optimizer='adam', loss='mse', metrics=['accuracy'])\nmodel.fit(x, y)\n", ["KC304"]),
])
def test_keras_dataset_loaders(body, expected):
    assert codes(body) == expected


@pytest.mark.parametrize("body, expected", [
    ("from sklearn.preprocessing import LabelEncoder\ndf = pd.read_csv('d.csv')\n"
     "y = LabelEncoder().fit_transform(df['label'])\n" + head(3, "categorical_crossentropy") + "model.fit(X, y)\n",
     ["KC207"]),
    ("from sklearn.preprocessing import LabelEncoder\ndf = pd.read_csv('d.csv')\nle = LabelEncoder()\n"
     "y = le.fit_transform(df['label'])\n" + head(3, "sparse_categorical_crossentropy") + "model.fit(X, y)\n", []),
    # LabelBinarizer gives one column for two classes: unknown, silent
    ("from sklearn.preprocessing import LabelBinarizer\ndf = pd.read_csv('d.csv')\n"
     "y = LabelBinarizer().fit_transform(df['label'])\n" + head(3, "sparse_categorical_crossentropy")
     + "model.fit(X, y)\n", []),
    ("df = pd.read_csv('d.csv')\ny = pd.get_dummies(df['label']).values\n"
     + head(3, "sparse_categorical_crossentropy") + "model.fit(X, y)\n", ["KC208"]),
    ("df = pd.read_csv('d.csv')\ny = pd.get_dummies(df['label'], drop_first=True)\n"
     + head(3, "sparse_categorical_crossentropy") + "model.fit(X, y)\n", []),
    ("df = pd.read_csv('d.csv')\ny = pd.get_dummies(df).to_numpy()\n"
     + head(3, "sparse_categorical_crossentropy") + "model.fit(X, y)\n", []),
    # train_test_split keeps each array's encoding, in (train, test) order per array
    ("from sklearn.model_selection import train_test_split\ndf = pd.read_csv('d.csv')\n"
     "X = np.random.rand(100, 4)\ny = pd.get_dummies(df['label']).values\n"
     "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)\n"
     + head(3, "sparse_categorical_crossentropy") + "model.fit(X_train, y_train)\n", ["KC208"]),
    ("from sklearn.model_selection import train_test_split\n"
     "X = np.random.rand(100, 4)\ny = np.random.randint(0, 3, size=(100,))\n"
     "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)\n"
     + head(3, "sparse_categorical_crossentropy") + "model.fit(X_train, y_train)\n", []),
])
def test_encoders_and_splits(body, expected):
    assert codes(body) == expected


@pytest.mark.parametrize("body, expected", [
    ("ds = keras.utils.image_dataset_from_directory('d', image_size=(8, 8))\n"
     + head(3, "categorical_crossentropy", "(8, 8, 3)") + "model.fit(ds.prefetch(2))\n", ["KC207"]),
    ("ds = keras.utils.image_dataset_from_directory('d', image_size=(8, 8), label_mode='categorical')\n"
     + head(3, "categorical_crossentropy", "(8, 8, 3)") + "model.fit(ds)\n", []),
    ("ds = keras.utils.image_dataset_from_directory('d', image_size=(8, 8), label_mode='categorical')\n"
     + head(3, "sparse_categorical_crossentropy", "(8, 8, 3)") + "model.fit(ds)\n", ["KC208"]),
    # a map may re-encode the labels: unknown after it
    ("ds = keras.utils.image_dataset_from_directory('d', image_size=(8, 8))\n"
     "ds = ds.map(lambda x, y: (x, tf.one_hot(y, 3)))\n"
     + head(3, "categorical_crossentropy", "(8, 8, 3)") + "model.fit(ds)\n", []),
    # labels given as a list: not inferred from folders
    ("ds = keras.utils.image_dataset_from_directory('d', labels=LABELS, image_size=(8, 8))\n"
     + head(3, "categorical_crossentropy", "(8, 8, 3)") + "model.fit(ds)\n", []),
    ("from tensorflow.keras.preprocessing.image import ImageDataGenerator\n"
     "gen = ImageDataGenerator(rescale=1 / 255).flow_from_directory('d', target_size=(8, 8))\n"
     + head(3, "sparse_categorical_crossentropy", "(8, 8, 3)") + "model.fit(gen)\n", ["KC208"]),
    ("from tensorflow.keras.preprocessing.image import ImageDataGenerator\n"
     "gen = ImageDataGenerator().flow_from_directory('d', target_size=(8, 8), class_mode='sparse')\n"
     + head(3, "sparse_categorical_crossentropy", "(8, 8, 3)") + "model.fit(gen)\n", []),
    ("from tensorflow.keras.preprocessing.image import ImageDataGenerator\n"
     "gen = ImageDataGenerator().flow_from_directory('d', target_size=(8, 8), class_mode=MODE)\n"
     + head(3, "sparse_categorical_crossentropy", "(8, 8, 3)") + "model.fit(gen)\n", []),
])
def test_directory_datasets_and_flows(body, expected):
    assert codes("import tensorflow as tf\n" + body) == expected


def conv_head(inputs: str) -> str:
    return (f"model = keras.Sequential([keras.Input({inputs}), keras.layers.Conv2D(4, 3), "
            f"keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2, activation='softmax')])\n"
            f"model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n")


@pytest.mark.parametrize("loader, inputs, expected", [
    # image_dataset_from_directory: 256 x 256 RGB unless told otherwise
    ("keras.utils.image_dataset_from_directory('d')", "(256, 256, 3)", []),
    ("keras.utils.image_dataset_from_directory('d', color_mode='grayscale')", "(256, 256, 3)", ["KC104"]),
    ("keras.utils.image_dataset_from_directory('d', color_mode='rgba')", "(256, 256, 4)", []),
    ("keras.utils.image_dataset_from_directory('d', image_size=(64, 64)).prefetch(2)", "(64, 64, 1)", ["KC104"]),
    # positional size and mode are not read; a map may change the images
    ("keras.utils.image_dataset_from_directory('d', 'inferred', 'int', None, 'grayscale')", "(256, 256, 3)", []),
    ("keras.utils.image_dataset_from_directory('d', color_mode='grayscale').map(lambda x, y: (x, y))",
     "(256, 256, 3)", []),
    ("keras.utils.image_dataset_from_directory('d', color_mode=mode)", "(256, 256, 3)", []),
    # flow_from_directory: target_size (256, 256) and color_mode "rgb" by default
    ("keras.preprocessing.image.ImageDataGenerator().flow_from_directory('d', class_mode='sparse')",
     "(256, 256, 3)", []),
    ("keras.preprocessing.image.ImageDataGenerator().flow_from_directory('d', class_mode='sparse', "
     "color_mode='grayscale')", "(256, 256, 3)", ["KC104"]),
    ("keras.preprocessing.image.ImageDataGenerator().flow_from_directory('d', (64, 64), class_mode='sparse')",
     "(256, 256, 1)", []),
])
def test_image_loaders_yield_their_declared_image_shape(loader, inputs, expected):
    assert codes(f"train = {loader}\n" + conv_head(inputs) + "model.fit(train)\n") == expected


@pytest.mark.parametrize("body, expected", [
    ("(x, y), _ = keras.datasets.mnist.load_data()\ny = y / 255.0\n" + head(10, "sparse_categorical_crossentropy", "(28, 28)")
     + "model.fit(x, y)\n", ["KC211"]),
    ("y = np.random.randint(0, 3, 64) / 10\n" + head(3, "sparse_categorical_crossentropy") + "model.fit(np.random.rand(64, 4), y)\n",
     ["KC211"]),
    ("y = keras.utils.to_categorical(np.random.randint(0, 3, 64) / 255, 3)\n" + head(3, "categorical_crossentropy")
     + "model.fit(np.random.rand(64, 4), y)\n", ["KC211"]),
    # the pixels only; a float column divided (not class ids); ids divided by 1
    ("(x, y), _ = keras.datasets.mnist.load_data()\n" + head(10, "sparse_categorical_crossentropy", "(28, 28)")
     + "model.fit(x / 255.0, y)\n", []),
    ("y = np.random.rand(64) / 255\n" + head(3, "sparse_categorical_crossentropy") + "model.fit(np.random.rand(64, 4), y)\n", []),
    ("y = np.random.randint(0, 3, 64) / 1\n" + head(3, "sparse_categorical_crossentropy") + "model.fit(np.random.rand(64, 4), y)\n", []),
])
def test_class_ids_divided_like_pixels(body, expected):
    assert codes(body) == expected
