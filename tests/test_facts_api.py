"""Facts the KC5xx (Keras version and API) rules rely on: import sites, dotted references, method
calls on known values, and the Keras 2 -> 3 removal tables (the slow test re-reads them from the
installed Keras so they cannot drift)."""

import importlib
import importlib.util
import re
import warnings

import libcst as cst
import pytest

from kerascheck.facts import keras_api as K
from kerascheck.facts.interp import analyze
from kerascheck.facts.values import MetricItem, MetricSpec, Model


def facts_of(src: str):
    return analyze(cst.parse_module(src))


def test_import_sites_keep_the_path_as_written_and_mark_guarded_imports():
    f = facts_of(
        "import keras\n"
        "import keras.utils.np_utils as npu\n"
        "try:\n"
        "    from keras.layers.core import Dense\n"
        "except ImportError:\n"
        "    from tensorflow.keras.layers import Dense\n"
        "from keras.backend import sum as ksum\n"
    )
    sites = [(s.local, s.path, s.guarded) for s in f.import_sites]
    assert sites == [
        ("keras", "keras", False),
        ("npu", "keras.utils.np_utils", False),
        ("Dense", "keras.layers.core.Dense", True),
        ("Dense", "tensorflow.keras.layers.Dense", False),
        ("ksum", "keras.backend.sum", False),
    ]


def test_references_are_maximal_dotted_names_with_imported_heads():
    f = facts_of(
        "import tensorflow as tf\n"
        "from keras import backend as K\n"
        "from keras.layers.core import Dense\n"
        "y = K.sum(foo(x).bar.baz)\n"
        "loss = tf.keras.losses.mean_squared_error\n"
        "z = local.attr\n"
    )
    refs = sorted(path for _, path in f.references)
    # the import statement's own module path is not a reference; `local.attr` has no imported head
    assert refs == ["keras.backend.sum", "tensorflow.keras.losses.mean_squared_error"]
    node = next(n for n, p in f.references if p == "keras.backend.sum")
    assert f.qualify(node) == "keras.backend.sum"


def test_dotted_names_and_attribute_stores():
    f = facts_of(
        "import keras\n"
        "class Halve(keras.callbacks.Callback):\n"
        "    def on_epoch_end(self, epoch, logs=None):\n"
        "        print(self.model.optimizer.lr)\n"
        "model.optimizer.lr = 0.1\n"
        "model.optimizer.lr += 0.1\n"
    )
    names = [(name, id(node) in f.stores) for node, name in f.dotted_names]
    assert ("self.model.optimizer.lr", False) in names
    assert names.count(("model.optimizer.lr", True)) == 2
    assert ("keras.callbacks.Callback", False) in names


def test_receivers_record_method_calls_on_metrics_models_and_model_metrics():
    f = facts_of(
        "import keras\n"
        "acc = keras.metrics.SparseCategoricalAccuracy()\n"
        "for epoch in range(2):\n"
        "    acc.reset_states()\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\n"
        "model.compile(optimizer='adam', loss='mse')\n"
        "model.fit_generator(gen())\n"
        "for m in model.metrics:\n"
        "    m.reset_states()\n"
        "def unknown(metric):\n"
        "    metric.reset_states()\n"
    )
    got = [(type(v).__name__, name) for _, v, name in f.receivers]
    assert ("MetricSpec", "reset_states") in got
    assert ("Model", "fit_generator") in got
    assert ("MetricItem", "reset_states") in got
    assert got.count(("MetricSpec", "reset_states")) == 1  # the unknown parameter is not a receiver
    item = next(v for _, v, n in f.receivers if isinstance(v, MetricItem))
    assert isinstance(item.model, Model)
    spec = next(v for _, v, n in f.receivers if isinstance(v, MetricSpec))
    assert spec.name == "SparseCategoricalAccuracy"


def test_backend_tables():
    assert K.backend_missing_on_keras3("keras.backend", "sum")
    assert K.backend_missing_on_keras3("keras.backend", "int_shape")
    assert not K.backend_missing_on_keras3("keras.backend", "epsilon")
    assert not K.backend_missing_on_keras3("keras.backend", "no_such_name")  # unknown: stay silent
    assert not K.backend_missing_on_keras3("tf.keras.backend", "sum")  # TensorFlow's shim keeps it
    assert K.backend_missing_on_keras3("tf.keras.backend", "set_learning_phase")
    assert K.backend_missing_on_keras3("tf.compat.v1.keras.backend", "set_session")
    assert K.backend_fix("sum", True) == "use `keras.ops.sum` instead"
    assert "axis=-1" in K.backend_fix("argmax", True)  # keras.ops.argmax defaults to axis=None
    assert not K.KERAS3_BACKEND_KEEPS & K.KERAS2_BACKEND_REMOVED


@pytest.mark.parametrize("path,expected", [
    ("keras.layers.core.Dense", ("keras.layers.core", "module", "2,3")),
    ("keras.utils.np_utils", ("keras.utils.np_utils", "module", "2,3")),
    ("tensorflow.keras.layers.core.Dense", ("tensorflow.keras.layers.core", "module", "2,3")),
    ("keras.preprocessing.image.ImageDataGenerator", ("keras.preprocessing.image.ImageDataGenerator", "name", "3")),
    ("keras.layers.experimental.preprocessing.Rescaling", ("keras.layers.experimental", "module", "3")),
    ("tensorflow.keras.losses.mean_squared_error", ("tensorflow.keras.losses.mean_squared_error", "name", "3")),
    ("keras.losses.mse", ("keras.losses.mse", "name", "3")),
    ("keras.layers.CuDNNLSTM", ("keras.layers.CuDNNLSTM", "name", "2,3")),
    ("tensorflow.keras.preprocessing.image.ImageDataGenerator", None),
    ("keras.losses.mean_squared_error", None),
    ("tensorflow.keras.losses.mse", None),
    ("keras.layers.Dense", None),
])
def test_removed_import(path, expected):
    got = K.removed_import(path)
    assert (got[:3] if got else None) == expected


# --- slow: the tables against the installed Keras ---------------------------------------------------
HAVE_TF = importlib.util.find_spec("tensorflow") is not None


def _importable(path: str) -> bool:
    module, _, name = path.rpartition(".")
    try:
        exec(f"from {module} import {name}", {})
        return True
    except Exception:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_TF, reason="TensorFlow is not installed")
def test_tables_match_the_installed_keras():
    import keras
    import tensorflow as tf

    major = keras.__version__[0]
    bad = []
    for prefix, (missing_on, _) in K.REMOVED_MODULES.items():
        if _importable(prefix) == (major in missing_on.split(",")):
            bad.append(("module", prefix))
    for table, missing_on in ((K.REMOVED_NAMES_IN_3, "3"), (K.REMOVED_NAMES_IN_2_AND_3, "2,3")):
        for module, names in table.items():
            for name in names:
                if _importable(f"{module}.{name}") == (major in missing_on.split(",")):
                    bad.append(("name", f"{module}.{name}"))
    backend = {n for n in dir(keras.backend) if not n.startswith("_")}
    for fn in K.KERAS2_BACKEND_REMOVED:
        if (fn in backend) == (major == "3"):
            bad.append(("keras.backend", fn))
    if major == "3":
        assert backend == set(K.KERAS3_BACKEND_KEEPS)
        shim = set(dir(tf.keras.backend)) | set(dir(tf.compat.v1.keras.backend))
        bad += [("tf.keras.backend has", fn) for fn in K.TF_KERAS_BACKEND_MISSING | K.BACKEND_SESSION_FUNCS
                if fn in shim]
        bad += [("tf.keras.backend lacks", fn) for fn in K.KERAS2_BACKEND_REMOVED - K.TF_KERAS_BACKEND_MISSING
                if fn not in shim]
        for fn, text in list(K.BACKEND_TO_OPS.items()) + list(K.BACKEND_OTHER_FIX.items()):
            for ref in re.findall(r"`(keras\.[a-z_.]+[a-zA-Z_]+)", text):
                module, _, name = ref.rpartition(".")
                if not hasattr(importlib.import_module(module), name):
                    bad.append(("replacement", fn, ref))
    for cls in K.OPTIMIZER_CLASSES:
        for optimizers in (keras.optimizers, tf.keras.optimizers):
            ctor = getattr(optimizers, cls)
            try:
                ctor(lr=0.1)
                lr_ok = True
            except ValueError:
                lr_ok = False
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ctor(decay=0.1)
                decay_ok = True
            except ValueError:
                decay_ok = False
            if (lr_ok, decay_ok) != ((False, True) if major == "3" else (True, False)):
                bad.append(("optimizer", cls, lr_ok, decay_ok))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    bad += [("model has", m) for m in K.MODEL_METHODS_REMOVED if hasattr(model, m)]
    bad += [("model method", m) for m in K.MODEL_METHODS_REMOVED_IN_3 if hasattr(model, m) == (major == "3")]
    assert not bad, bad
