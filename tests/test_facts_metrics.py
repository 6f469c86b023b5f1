"""Facts the KC3xx metric rules rely on: IoU arguments, metric/output pairing, class counts, target
encodings, real-valued data."""

import libcst as cst

from kerascheck.facts.interp import analyze
from kerascheck.facts.model import flatten_specs
from kerascheck.facts.metrics import class_count, iou_config, metric_uses, target_encoding
from kerascheck.facts.values import Array

HEAD = "import numpy as np\nimport keras\n"


def _facts(src: str):
    return analyze(cst.parse_module(HEAD + src))


def _uses(src: str):
    facts = _facts(src)
    return [u for m in facts.models for u in metric_uses(m)]


def _line(facts, node) -> int:
    from libcst.metadata import MetadataWrapper, PositionProvider

    wrapper = MetadataWrapper(facts.module, unsafe_skip_copy=True)
    return wrapper.resolve(PositionProvider)[node].start.line


def _cfg(call: str):
    (use,) = _uses(f"""
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(4, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", metrics=[{call}])
""")
    return iou_config(use.spec)


def test_iou_defaults_and_explicit_flags():
    cfg = _cfg("keras.metrics.MeanIoU(num_classes=4)")
    assert (cfg.cls, cfg.num_classes, cfg.sparse_y_true, cfg.sparse_y_pred, cfg.axis_last) == \
        ("MeanIoU", 4, True, True, True)
    assert not cfg.explicit["sparse_y_pred"]
    cfg = _cfg("keras.metrics.MeanIoU(4, sparse_y_pred=False)")
    assert (cfg.num_classes, cfg.sparse_y_pred) == (4, False) and cfg.explicit["sparse_y_pred"]
    cfg = _cfg("keras.metrics.OneHotMeanIoU(3)")
    assert (cfg.num_classes, cfg.sparse_y_true, cfg.sparse_y_pred) == (3, False, False)


def test_iou_positional_arguments_follow_each_signature():
    # MeanIoU(num_classes, name, dtype, ignore_class, sparse_y_true, sparse_y_pred, axis)
    cfg = _cfg("keras.metrics.MeanIoU(2, None, None, None, True, False)")
    assert (cfg.num_classes, cfg.sparse_y_true, cfg.sparse_y_pred) == (2, True, False)
    # IoU(num_classes, target_class_ids, ...)
    cfg = _cfg("keras.metrics.IoU(4, [1, 2])")
    assert cfg.num_classes == 4 and isinstance(cfg.target_class_ids_node, cst.List)


def test_iou_starred_arguments_make_flags_unknown():
    cfg = _cfg("keras.metrics.MeanIoU(4, **IOU_ARGS)")
    assert cfg.num_classes == 4 and cfg.sparse_y_pred is None and cfg.sparse_y_true is None
    assert not cfg.axis_last
    assert _cfg("keras.metrics.MeanIoU(4, axis=1)").axis_last is False


def test_ignore_class():
    assert _cfg("keras.metrics.MeanIoU(3, ignore_class=3)").ignores_class
    assert not _cfg("keras.metrics.MeanIoU(3, ignore_class=None)").ignores_class
    assert not _cfg("keras.metrics.MeanIoU(3)").ignores_class


def test_models_built_in_branches_are_skipped():
    assert _uses("""
model = keras.Sequential()
model.add(keras.Input(shape=(8,)))
if MULTI:
    model.add(keras.layers.Dense(4, activation="softmax"))
else:
    model.add(keras.layers.Dense(1, activation="sigmoid"))
model.compile(loss="binary_crossentropy", metrics=[keras.metrics.MeanIoU(2)])
""") == []


def test_num_classes_through_module_constant():
    (use,) = _uses("""
NUM_CLASSES = 5
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(NUM_CLASSES, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", metrics=[keras.metrics.MeanIoU(NUM_CLASSES - 2)])
""")
    assert iou_config(use.spec).num_classes == 3 and use.output.units == 5


def test_metric_defined_before_compile_reports_at_its_construction():
    facts = _facts("""
miou = keras.metrics.MeanIoU(num_classes=3)
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy", miou])
""")
    (model,) = facts.models
    specs = flatten_specs(model.compiles[0].metrics)
    assert [s.name for s in specs] == ["accuracy", "MeanIoU"]
    assert _line(facts, specs[1].node) == 4


def test_string_metrics_report_at_their_own_element():
    facts = _facts("""
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1)])
model.compile(loss="mse", metrics=[
    "mae",
    "accuracy",
])
""")
    specs = flatten_specs(facts.models[0].compiles[0].metrics)
    assert [(s.name, _line(facts, s.node)) for s in specs] == [("mae", 6), ("accuracy", 7)]


def test_class_count_of_outputs():
    def count(layer: str, loss: str):
        (use,) = _uses(f"""
model = keras.Sequential([keras.Input(shape=(8,)), {layer}])
model.compile(loss={loss}, metrics=[keras.metrics.MeanIoU(2)])
""")
        return class_count(use.output, use.loss)

    assert count('keras.layers.Dense(4, activation="softmax")', '"categorical_crossentropy"') == 4
    assert count("keras.layers.Dense(6)", "keras.losses.SparseCategoricalCrossentropy(from_logits=True)") == 6
    assert count('keras.layers.Dense(5, activation="sigmoid")', '"binary_crossentropy"') is None  # multi-label
    assert count('keras.layers.Dense(1, activation="sigmoid")', '"binary_crossentropy"') is None


def test_target_encodings():
    uses = _uses("""
x = np.random.rand(64, 8)
labels = np.random.randint(0, 4, size=(64,))
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(4, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", metrics=[keras.metrics.MeanIoU(4)])
model.fit(x, labels)
model.evaluate(x, keras.utils.to_categorical(labels, 4))
model.evaluate(x, labels.reshape(-1, 1))
""")
    (use,) = uses
    assert [target_encoding(y, use.output) for y in use.targets] == ["sparse", "dense", "sparse"]


def test_segmentation_target_encodings():
    (use,) = _uses("""
masks = np.random.randint(0, 3, size=(8, 16, 16))
inputs = keras.Input(shape=(16, 16, 3))
outputs = keras.layers.Conv2D(3, 1, activation="softmax")(inputs)
model = keras.Model(inputs, outputs)
model.compile(loss="categorical_crossentropy", metrics=[keras.metrics.MeanIoU(3)])
model.fit(np.random.rand(8, 16, 16, 3), masks)
model.fit(np.random.rand(8, 16, 16, 3), keras.utils.to_categorical(masks, 3))
""")
    assert [target_encoding(y, use.output) for y in use.targets] == ["sparse", "dense"]


def test_multi_output_metrics_pair_by_name_and_flat_lists_are_skipped():
    src = """
inp = keras.Input(shape=(8,))
seg = keras.layers.Dense(4, activation="softmax", name="seg")(inp)
reg = keras.layers.Dense(1, name="reg")(inp)
model = keras.Model(inp, {{"seg": seg, "reg": reg}})
model.compile(loss={{"seg": "sparse_categorical_crossentropy", "reg": "mse"}}, metrics={metrics})
"""
    uses = _uses(src.format(metrics='{"seg": [keras.metrics.MeanIoU(4)], "reg": ["mae"]}'))
    assert [(u.spec.name, u.output.units, u.loss.name) for u in uses] == [
        ("MeanIoU", 4, "sparse_categorical_crossentropy"), ("mae", 1, "mean_squared_error")]
    assert _uses(src.format(metrics='["mae"]')) == []


def test_subclass_with_custom_train_step_is_skipped():
    assert _uses("""
class Seg(keras.Model):
    def __init__(self):
        super().__init__()
        self.head = keras.layers.Dense(3, activation="softmax")
    def call(self, x):
        return self.head(x)
    def train_step(self, data):
        return {}
model = Seg()
model.compile(loss="sparse_categorical_crossentropy", metrics=[keras.metrics.MeanIoU(3)])
""") == []


def test_continuous_arrays():
    facts = _facts("""
x = np.random.rand(256, 1)
y = 3.0 * x + 1.0 + 0.1 * np.random.randn(256, 1)
n = np.random.normal(0.0, 2.0, size=(128, 1)).astype("float32")
b = np.random.randint(0, 2, size=(256, 1)).astype("float32")
z = np.zeros((256, 1))
r = np.random.uniform(0, 10, size=(500, 3)).reshape(-1, 1)
model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
model.compile(loss="mse", metrics=["mae"])
model.fit(x, y)
model.fit(x, n)
model.fit(x, b)
model.fit(x, z)
model.fit(x, r)
model.fit(x, x.astype("int32"))
""")
    ys = [f.y for f in facts.models[0].fits]
    assert all(isinstance(y, Array) for y in ys)
    assert [y.continuous for y in ys] == [True, True, False, False, True, False]


def test_tf_metrics_and_losses_shortcuts_are_keras():
    facts = analyze(cst.parse_module("""
import tensorflow as tf
METRIC = tf.metrics.MeanIoU(num_classes=2)
inputs = tf.keras.Input(shape=(64, 64, 3))
outputs = tf.keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs)
model = tf.keras.Model(inputs, outputs)
model.compile(optimizer=tf.optimizers.Adam(), loss=tf.losses.binary_crossentropy, metrics=[METRIC])
"""))
    (use,) = [u for m in facts.models for u in metric_uses(m)]
    assert use.spec.name == "MeanIoU" and use.loss.name == "binary_crossentropy"
    assert iou_config(use.spec).num_classes == 2


def test_one_hot_reading_of_integer_class_ids():
    from kerascheck.facts.metrics import one_hot_reading_of_ids

    def kinds(y_src: str, out: str) -> list:
        return [one_hot_reading_of_ids(y, u.output) for u in _uses(f"""
y = {y_src}
inputs = keras.Input(shape={"(16, 16, 3)" if out == "conv" else "(8,)"})
outputs = {"keras.layers.Conv2D(4, 1, activation='softmax')" if out == "conv" else
           "keras.layers.Dense(4, activation='softmax')"}(inputs)
model = keras.Model(inputs, outputs)
model.compile(loss="sparse_categorical_crossentropy", metrics=[keras.metrics.OneHotMeanIoU(4)])
model.fit(np.random.rand(8, 16, 16, 3), y)
""") for y in u.targets]

    assert kinds("np.random.randint(0, 4, size=(8, 16, 16))", "conv") == ["raises"]
    assert kinds("np.random.randint(0, 4, size=(8, 16, 16, 1))", "conv") == ["zeros"]
    assert kinds("np.random.default_rng(0).integers(0, 4, size=(8, 1))", "dense") == ["zeros"]
    assert kinds("(np.random.rand(8) * 4).astype(int)", "dense") == ["batch"]
    assert kinds("np.random.rand(8, 1)", "dense") == [None]  # float: not known to be class ids
    assert kinds("keras.utils.to_categorical(np.random.randint(0, 4, size=(8,)), 4)", "dense") == [None]
