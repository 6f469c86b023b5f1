"""The rules' own fixes: where they refuse (the right change is not certain), how they lay out the
code, and (slow) that a fixed end-to-end fixture really trains on the installed Keras."""

import importlib.util
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from helpers import ROOT, env_with_checkout

HAVE_TF = importlib.util.find_spec("tensorflow") is not None


def _fix(source: str, code: str, keras: str = "3", unsafe: bool = True):
    """(fixed text, the rule's findings before) for `source`, with every fix applied as --fix does."""
    from kerascheck.config import Settings
    from kerascheck.engine import Linter
    from kerascheck.fix import fix_source

    linter = Linter(Settings(keras_version=keras))

    def lint(text):
        return linter.lint_text(text, "example.py").findings

    text = textwrap.dedent(source)
    before = [f for f in lint(text) if f.code == code]
    assert before, f"{code} does not fire"
    out = fix_source(lint, text, [f for f in lint(text) if f.code == code], unsafe=unsafe)
    assert out.problem is None
    return out.text, before


def _offers_no_fix(source: str, code: str, keras: str = "3") -> None:
    text, before = _fix(source, code, keras)
    assert all(f.fix is None for f in before), before
    assert text == textwrap.dedent(source)


def _metric(source: str) -> str:
    """A module with the custom metric `overlap` in `source`, compiled and fit on integer labels."""
    return textwrap.dedent(source) + _METRIC_FIT


_METRIC_FIT = """
x = np.random.rand(64, 8)
y = np.random.randint(0, 2, size=(64, 1))
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[overlap])
model.fit(x, y)
"""


# --- KC401 ---------------------------------------------------------------------------------------------
def test_kc401_spells_the_cast_with_the_backend_shim_when_that_is_what_the_module_imports():
    text, _ = _fix(_metric("""
        import numpy as np
        from tensorflow import keras
        from tensorflow.keras import backend as K
        def overlap(y_true, y_pred):
            \"\"\"Soft overlap.\"\"\"
            # both in [0, 1]
            return K.sum(y_true * y_pred)
    """), "KC401")
    assert '    """Soft overlap."""\n    y_true = K.cast(y_true, y_pred.dtype)\n    # both in [0, 1]\n' \
           '    return K.sum(y_true * y_pred)\n' in text


def test_kc401_uses_the_functions_own_parameter_names():
    text, _ = _fix(_metric("""
        import numpy as np
        import keras
        from keras import ops
        import tensorflow as tf
        def overlap(labels, scores):
            return tf.reduce_sum(labels * scores)
    """), "KC401")
    assert "    labels = ops.cast(labels, scores.dtype)\n    return tf.reduce_sum(labels * scores)\n" in text


@pytest.mark.parametrize("body", [
    "return tf.reduce_sum(y_true * y_pred) + tf.reduce_sum(tf.one_hot(y_true, 2))",  # an index
    "hits = tf.equal(y_true, tf.argmax(y_pred, -1))\n    return tf.reduce_sum(y_true * y_pred)",  # int compare
    "return tf.reduce_sum(y_true * y_pred) + helper(y_true)",  # unknown use
    "return tf.reduce_sum(y_true * y_pred) + tf.reduce_sum(tf.gather(y_pred[0], y_true))",
])
def test_kc401_leaves_functions_that_need_integer_labels_somewhere_else(body):
    _offers_no_fix(_metric("""
        import numpy as np
        import tensorflow as tf
        from tensorflow import keras
        def overlap(y_true, y_pred):
            BODY
    """).replace("BODY", body), "KC401")


def test_kc401_needs_an_imported_module_to_spell_the_cast():
    # only `keras` from tensorflow, whose ops this Keras 3 metric could use: no guess at an import
    _offers_no_fix(_metric("""
        import numpy as np
        from tensorflow import keras
        from tensorflow.math import reduce_sum
        def overlap(y_true, y_pred):
            return reduce_sum(y_true * y_pred)
    """), "KC401")


# --- KC501 ---------------------------------------------------------------------------------------------
def test_kc501_rewrites_only_calls_whose_arguments_mean_the_same():
    text, _ = _fix("""
        import keras
        from keras import backend as K
        def loss(y_true, y_pred):
            a = K.clip(y_pred, 0.0, 1.0)
            b = K.clip(y_pred, min_value=0.0, max_value=1.0)
            c = K.int_shape(y_pred)
            return K.mean(K.square(y_true - a), axis=-1)
    """, "KC501")
    assert "a = keras.ops.clip(y_pred, 0.0, 1.0)" in text
    assert "b = K.clip(y_pred, min_value=0.0, max_value=1.0)" in text  # keras.ops names them x_min/x_max
    assert "c = K.int_shape(y_pred)" in text  # keras.ops.shape returns something else
    assert "return keras.ops.mean(keras.ops.square(y_true - a), axis=-1)" in text


def test_kc501_spells_out_the_keras_2_default_where_keras_ops_has_another():
    text, _ = _fix("""
        from keras import backend as K
        from keras import ops
        def acc(y_true, y_pred):
            return K.cumsum(K.concatenate([y_true, y_pred]))
    """, "KC501")
    assert "return ops.cumsum(ops.concatenate([y_true, y_pred], axis=-1), axis=0)" in text


def test_kc501_removes_the_backend_import_its_fixes_left_unused():
    text, _ = _fix("""
        import keras
        import keras.backend as K
        def loss(y_true, y_pred):
            return K.mean(K.square(y_true - y_pred))
    """, "KC501")
    assert "keras.backend" not in text and "return keras.ops.mean(keras.ops.square(y_true - y_pred))" in text


def test_kc501_keeps_the_backend_import_while_it_is_still_used():
    text, _ = _fix("""
        import keras
        from keras import backend as K
        def loss(y_true, y_pred):
            return K.mean(y_true - y_pred) + K.int_shape(y_pred)[0]
    """, "KC501")
    assert "from keras import backend as K" in text and "K.int_shape(y_pred)" in text


def test_an_import_the_fixes_did_not_orphan_stays():
    from kerascheck.fix import drop_orphaned_imports

    before = "import keras\nimport keras.backend as K\nimport numpy as np\nx = K.sum(1)\n"
    assert drop_orphaned_imports(before, before.replace("K.sum", "keras.ops.sum")) == \
        "import keras\nimport numpy as np\nx = keras.ops.sum(1)\n"
    unused = "import keras\nimport keras.backend as K\nx = keras.ops.sum(1)\n"  # unused before the fix too
    assert drop_orphaned_imports(unused, unused) == unused
    other = "import numpy as np\nx = np.sum(1)\n"  # not a Keras import: not kerascheck's to remove
    assert drop_orphaned_imports(other, "import numpy as np\nx = sum(1)\n") == "import numpy as np\nx = sum(1)\n"


def test_kc501_adds_no_import():
    _offers_no_fix("""
        import keras.backend as K
        def dice(y_true, y_pred):
            return K.sum(y_true * y_pred)
    """, "KC501")


# --- KC2xx ---------------------------------------------------------------------------------------------
def test_kc206_leaves_a_from_logits_that_is_not_the_literal_true():
    _offers_no_fix("""
        import keras
        LOGITS = True
        model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=LOGITS))
    """, "KC206")


_CLASS_IDS = """
import numpy as np
import keras
x = np.random.rand(64, 8)
y = np.random.randint(0, 3, size=(64,))
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation="softmax")])
"""


@pytest.mark.parametrize("rest", [
    # another fit whose targets are not known
    'model.compile(optimizer="adam", loss="categorical_crossentropy")\nmodel.fit(x, y)\nmodel.fit(train_ds)\n',
    # a loss object that is also used elsewhere
    "loss_fn = keras.losses.CategoricalCrossentropy()\n"
    'model.compile(optimizer="adam", loss=loss_fn)\nmodel.fit(x, y)\n',
])
def test_kc207_changes_the_loss_only_where_every_target_it_meets_is_known(rest):
    _offers_no_fix(_CLASS_IDS + rest, "KC207")


def test_kc207_keeps_accuracy_which_follows_the_loss():
    text, before = _fix(_CLASS_IDS + 'model.compile(optimizer="adam", loss=\'categorical_crossentropy\', '
                        'metrics=["accuracy"])\nmodel.fit(x, y)\n', "KC207")
    assert before[0].fix.applicability == "safe"
    assert "loss='sparse_categorical_crossentropy', metrics=[\"accuracy\"]" in text


# --- KC1xx ---------------------------------------------------------------------------------------------
def test_kc101_adds_no_axis_when_the_squeezed_axis_is_not_known_to_be_1():
    _offers_no_fix("""
        import keras
        inp = keras.Input(shape=(4,))
        out = keras.ops.squeeze(keras.layers.Dense(3)(inp))
        model = keras.Model(inp, out)
    """, "KC101")


@pytest.mark.parametrize("extra", [
    "aux = keras.layers.Dense(1)(out)\n",  # the concatenation feeds something else too
    "",
])
def test_kc102_returns_the_heads_only_when_the_concatenation_is_just_the_output(extra):
    source = textwrap.dedent("""
        import numpy as np
        import keras
        from keras import layers
        inp = keras.Input(shape=(4,))
        out = layers.concatenate([layers.Dense(1)(inp), layers.Dense(1)(inp)])
        EXTRA
        model = keras.Model(inp, out)
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.zeros((8, 4)), [np.zeros((8, 1)), np.zeros((8, 1))])
    """).replace("EXTRA\n", extra)
    if extra:
        _offers_no_fix(source, "KC102")
    else:
        text, _ = _fix(source, "KC102")
        assert "out = [layers.Dense(1)(inp), layers.Dense(1)(inp)]\n" in text


def test_kc102_leaves_models_compiled_with_metrics():
    _offers_no_fix("""
        import numpy as np
        import keras
        from keras import layers
        inp = keras.Input(shape=(4,))
        model = keras.Model(inp, layers.concatenate([layers.Dense(1)(inp), layers.Dense(1)(inp)]))
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        model.fit(np.zeros((8, 4)), [np.zeros((8, 1)), np.zeros((8, 1))])
    """, "KC102")


# --- KC5xx ---------------------------------------------------------------------------------------------
def test_kc509_removes_the_keywords_and_keeps_the_layout():
    text, before = _fix("""
        import keras
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        def train():
            model.fit(
                seq,
                workers=4,  # four processes
                epochs=2,
                use_multiprocessing=True,
            )
    """, "KC509")
    assert {f.fix.applicability for f in before} == {"unsafe"}
    assert "    model.fit(\n        seq,\n        epochs=2,\n    )\n" in text


def test_kc503_keeps_a_call_whose_positional_arguments_differ():
    _offers_no_fix("""
        import keras
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.fit_generator(gen(), 10, 5)
    """, "KC503")


def test_kc503_then_kc509_with_unsafe_fixes():
    text, _ = _fix("""
        import keras
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.fit_generator(generator=gen(), steps_per_epoch=2, workers=2)
    """, "KC503")
    assert "model.fit(x=gen(), steps_per_epoch=2)" in text


def test_kc505_decay_becomes_the_schedule_it_stood_for():
    text, before = _fix("""
        import tensorflow as tf
        opt = tf.keras.optimizers.SGD(0.1, momentum=0.9, decay=1e-4)
    """, "KC505")
    assert before[0].fix.applicability == "unsafe"
    assert ("opt = tf.keras.optimizers.SGD(tf.keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=1, "
            "decay_rate=1e-4), momentum=0.9)") in text


def test_kc505_needs_the_optimizers_module_for_the_schedule():
    _offers_no_fix("""
        from keras.optimizers import SGD
        opt = SGD(learning_rate=0.1, decay=1e-4)
    """, "KC505")


def test_kc506_predict_classes_on_one_sigmoid_unit_thresholds():
    text, _ = _fix("""
        import keras
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
        labels = model.predict_classes(x, batch_size=8)
    """, "KC506")
    assert 'labels = (model.predict(x, batch_size=8) > 0.5).astype("int32")' in text


def test_kc508_moves_only_names_the_public_module_has():
    _offers_no_fix("""
        from keras.layers.core import Dense, _Private
    """, "KC508")


# --- slow: the fixed fixture trains ------------------------------------------------------------------
# Bad fixtures whose findings are all fixable (with --unsafe-fixes): after the fix each must train.
FIXED_FIXTURES = [
    "KC101/bad_subclass_squeeze.py", "KC101/bad_functional_lambda_squeeze.py", "KC101/bad_ops_squeeze.py",
    "KC102/bad_concatenate_list_targets.py", "KC102/bad_concat_heads_list_targets.py",
    "KC201/bad_softmax_single_unit.py", "KC206/bad_softmax_output_from_logits.py",
    "KC207/bad_integer_labels_categorical_loss.py", "KC207/bad_integer_masks_categorical_loss.py",
    "KC208/bad_one_hot_labels_sparse_loss.py", "KC208/bad_one_hot_masks_sparse_loss.py",
    "KC301/bad_onehot_meaniou_segmentation.py", "KC302/bad_meaniou_on_softmax_int_masks.py",
    "KC302/bad_meaniou_on_softmax_one_hot.py", "KC303/bad_meaniou_one_hot_targets.py",
    "KC401/bad_int_labels_custom_metric.py", "KC401/bad_int_labels_custom_loss_k2.py",
    "KC501/bad_backend_sum_in_dice.py", "KC502/bad_metric_reset_states.py", "KC503/bad_fit_generator.py",
    "KC504/bad_adam_lr.py", "KC505/bad_sgd_decay.py", "KC506/bad_predict_classes.py",
    "KC507/bad_legacy_adam.py", "KC508/bad_layers_core_np_utils.py", "KC509/bad_fit_workers.py",
    "KC510/bad_assign_optimizer_lr.py",
]


def _keras_major() -> str:
    out = subprocess.run([sys.executable, "-c", "from importlib.metadata import version; print(version('keras'))"],
                         capture_output=True, text=True)
    return out.stdout.strip()[:1] or "3"


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_TF, reason="TensorFlow is not installed (pip install '.[runtime]')")
@pytest.mark.parametrize("name", FIXED_FIXTURES)
def test_fixed_fixture_trains(name, tmp_path):
    from fixture_spec import all_fixtures

    spec = next(fx for fx in all_fixtures() if fx.path == ROOT / "tests" / "fixtures" / name)
    major = _keras_major()
    if spec.keras and spec.keras != major:
        pytest.skip(f"fixture targets Keras {spec.keras}, Keras {major} installed")
    script = tmp_path / "train.py"
    shutil.copy(spec.path, script)
    env = env_with_checkout(TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="", PYTHONHASHSEED="0")
    kc = [sys.executable, "-m", "kerascheck", str(script), "--no-cache", "--keras-version", major]
    fixed = subprocess.run(kc + ["--fix", "--unsafe-fixes"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert "Fixed" in fixed.stdout + fixed.stderr, fixed.stdout + fixed.stderr
    again = subprocess.run(kc, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert again.returncode == 0, f"findings left after the fix:\n{again.stdout}"
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES=""))
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"{name} fixed still fails:\n{script.read_text()}\n{output[-3000:]}"
    assert "SYMPTOM" not in output, f"{name} fixed still shows its symptom:\n{output[-2000:]}"
