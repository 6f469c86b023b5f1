"""Facts the KC6xx monitor rules rely on: the names `fit` logs and the callbacks that monitor them."""

import libcst as cst
import pytest

from kerascheck.facts.interp import analyze
from kerascheck.facts.logs import monitor_uses

HEAD = """import keras
def rmse(y_true, y_pred):
    return y_pred
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
"""


def _uses(src: str):
    return monitor_uses(analyze(cst.parse_module(HEAD + src)))


def _logged(metrics: str, fit: str = "validation_split=0.2"):
    (use,) = _uses(f"""model.compile(optimizer="adam", loss="mse", metrics={metrics})
model.fit(x, y, {fit}, callbacks=[keras.callbacks.EarlyStopping()])
""")
    return use.logged


def test_metric_names_as_keras_logs_them():
    logged = _logged('["acc", "mae", rmse, keras.metrics.AUC(name="roc"), keras.metrics.Precision()]')
    assert logged.names() == ["loss", "acc", "mae", "rmse", "roc", "precision",
                              "val_loss", "val_acc", "val_mae", "val_rmse", "val_roc", "val_precision"]
    assert logged.may_log("val_precision_1")  # a later Precision() is suffixed
    assert not logged.may_log("val_accuracy") and not logged.may_log("val_precision_x")


def test_class_name_strings_log_either_spelling():
    logged = _logged('["AUC"]')
    assert logged.may_log("val_AUC") and logged.may_log("val_auc") and not logged.may_log("val_Auc")


def test_validation_known_absent_or_unknown():
    assert _logged('["acc"]', "epochs=2").validation is False
    assert _logged('["acc"]', "validation_data=(x, y)").validation is True
    assert _logged('["acc"]', "validation_data=None").validation is False
    assert _logged('["acc"]', "validation_split=0.0").validation is False
    assert _logged('["acc"]', "validation_data=val").validation is None
    unknown = _logged('["acc"]', "validation_data=val")
    assert unknown.may_log("val_acc") and not unknown.may_log("val_accuracy")


def test_keras3_orientation():
    logged = _logged('["acc", rmse, keras.metrics.TruePositives()]')
    assert logged.keras3_orients("val_loss") and logged.keras3_orients("val_acc")
    assert not logged.keras3_orients("val_rmse") and not logged.keras3_orients("true_positives")
    assert not logged.keras3_orients("val_accuracy")


def test_monitor_mode_and_save_best_only_positions():
    (use,) = _uses("""model.compile(optimizer="adam", loss="mse")
model.fit(x, y, callbacks=[keras.callbacks.ModelCheckpoint("m.keras", "val_x", 0, True, False, "max")])
""")
    assert (use.monitor, use.mode, use.save_best_only) == ("val_x", "max", True)


@pytest.mark.parametrize("src", [
    # a metric kerascheck cannot name
    'model.compile(optimizer="adam", loss="mse", metrics=[make()])\nmodel.fit(x, y, callbacks=[keras.callbacks.EarlyStopping()])',
    'model.compile(optimizer="adam", loss="mse", metrics=["f1"])\nmodel.fit(x, y, callbacks=[keras.callbacks.EarlyStopping()])',
    'model.compile(optimizer="adam", loss="mse", metrics=[keras.metrics.mae])\nmodel.fit(x, y, callbacks=[keras.callbacks.EarlyStopping()])',
    'model.compile(optimizer="adam", loss="mse", metrics=[keras.metrics.MeanSquaredError("m")])\n'
    'model.fit(x, y, callbacks=[keras.callbacks.EarlyStopping()])',
    'model.compile(optimizer="adam", loss="mse", weighted_metrics=["mae"])\nmodel.fit(x, y, callbacks=[keras.callbacks.EarlyStopping()])',
    'model.compile("adam", "mse", ["mae"])\nmodel.fit(x, y, callbacks=[keras.callbacks.EarlyStopping()])',
    'model.compile(optimizer="adam", loss=LOSS)\nmodel.fit(x, y, callbacks=[keras.callbacks.EarlyStopping()])',
    # a function whose __name__ the script changes
    'rmse.__name__ = "RMSE"\nmodel.compile(optimizer="adam", loss="mse", metrics=[rmse])\n'
    'model.fit(x, y, callbacks=[keras.callbacks.EarlyStopping()])',
    # a callback that may add names to the logs, or callbacks not spelt out
    'model.compile(optimizer="adam", loss="mse")\nmodel.fit(x, y, callbacks=[keras.callbacks.LambdaCallback(), '
    'keras.callbacks.EarlyStopping()])',
    'model.compile(optimizer="adam", loss="mse")\nmodel.fit(x, y, callbacks=get_callbacks())',
    'model.compile(optimizer="adam", loss="mse")\nmodel.fit(x, y, **options, callbacks=[keras.callbacks.EarlyStopping()])',
    # two compiles logging different names
    'model.compile(optimizer="adam", loss="mse", metrics=["mae"])\nmodel.compile(optimizer="adam", loss="mse")\n'
    'model.fit(x, y, callbacks=[keras.callbacks.EarlyStopping()])',
    # a layer of the script may add_metric (Keras 2)
    'class L(keras.layers.Layer):\n    def call(self, x):\n        self.add_metric(x, name="m")\n        return x\n'
    'model.compile(optimizer="adam", loss="mse")\nmodel.fit(x, y, callbacks=[keras.callbacks.EarlyStopping()])',
])
def test_unknown_logs_give_nothing(src):
    assert _uses(src) == []


def test_multi_output_and_unknown_layers_give_nothing():
    src = """
inp = keras.Input(shape=(4,))
two = keras.Model(inp, [keras.layers.Dense(1)(inp), keras.layers.Dense(1)(inp)])
two.compile(optimizer="adam", loss="mse")
two.fit(x, y, callbacks=[keras.callbacks.EarlyStopping()])
seq = keras.Sequential([keras.Input(shape=(4,)), MyLayer()])
seq.compile(optimizer="adam", loss="mse")
seq.fit(x, y, callbacks=[keras.callbacks.EarlyStopping()])
"""
    assert _uses(src) == []
