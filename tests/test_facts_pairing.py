"""Facts the KC2xx (loss / activation / label pairing) rules rely on."""

import libcst as cst
import pytest

from kerascheck.facts.interp import analyze
from kerascheck.facts.pairing import label_pairs, loss_pairs
from kerascheck.facts.values import Array, LossSpec


def facts_of(source: str):
    module = cst.parse_module(source)
    return module, analyze(module)


def line_of(module, node) -> int:
    wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(cst.metadata.PositionProvider)
    return positions[node].start.line


HEAD = "import numpy as np\nimport keras\n"


@pytest.mark.parametrize("expr,expected", [
    ("keras.losses.SparseCategoricalCrossentropy()", False),
    ("keras.losses.SparseCategoricalCrossentropy(True)", True),
    ("keras.losses.SparseCategoricalCrossentropy(from_logits=True)", True),
    ("keras.losses.CategoricalCrossentropy(False, 0.1)", False),
    ("keras.losses.BinaryCrossentropy(label_smoothing=0.1)", False),
    ("keras.losses.BinaryFocalCrossentropy(False, 0.25, 2.0, True)", True),
    ("keras.losses.BinaryFocalCrossentropy(True)", False),  # apply_class_balancing, not from_logits
    ("keras.losses.CategoricalFocalCrossentropy(0.25, 2.0, True)", True),
    ("keras.losses.SparseCategoricalCrossentropy(from_logits=flag)", None),
    ("keras.losses.SparseCategoricalCrossentropy(**opts)", None),
    ("keras.losses.SparseCategoricalCrossentropy(*args)", None),
])
def test_loss_object_from_logits(expr, expected):
    _, facts = facts_of(HEAD + f"""
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
model.compile(loss={expr})
""")
    loss = facts.models[0].last_compile().loss
    assert isinstance(loss, LossSpec)
    assert loss.from_logits is expected


def test_string_and_function_losses_default_to_probabilities():
    _, facts = facts_of(HEAD + """
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
model.compile(loss="sparse_categorical_crossentropy")
model.compile(loss=keras.losses.sparse_categorical_crossentropy)
""")
    assert [c.loss.from_logits for c in facts.models[0].compiles] == [False, False]


def test_fit_records_the_compile_in_effect():
    _, facts = facts_of(HEAD + """
x = np.random.rand(8, 4)
y = np.random.randint(0, 3, size=(8,))
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
model.fit(x, y)
model.compile(loss="categorical_crossentropy")
model.fit(x, keras.utils.to_categorical(y, 3))
model.compile(loss="sparse_categorical_crossentropy")
model.evaluate(x, y)
""")
    model = facts.models[0]
    compiles = [None if f.compile is None else f.compile.loss.name for f in model.fits]
    assert compiles == [None, "categorical_crossentropy", "sparse_categorical_crossentropy"]


def test_eye_rows_are_one_hot():
    _, facts = facts_of(HEAD + """
labels = np.random.randint(0, 4, size=(8, 24, 24))
y = np.eye(4)[labels]
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
model.fit(labels, y)
""")
    y = facts.models[0].fits[0].y
    assert isinstance(y, Array)
    assert y.shape == (8, 24, 24, 4) and y.one_hot


def test_eye_rows_need_integer_labels():
    _, facts = facts_of(HEAD + """
idx = np.random.rand(8)
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
model.fit(idx, np.eye(4)[idx])
""")
    assert not isinstance(facts.models[0].fits[0].y, Array)


TWO_HEADS = HEAD + """
inp = keras.Input(shape=(8,))
cls = keras.layers.Dense(3, activation="softmax", name="cls")(inp)
flag = keras.layers.Dense(1, activation="sigmoid", name="flag")(inp)
model = keras.Model(inp, [cls, flag])
"""


def _pairs(source):
    module, facts = facts_of(source)
    return module, [(p.index, p.name, p.output.units, p.loss.name) for p in loss_pairs(facts.models[-1])], facts


def test_single_loss_applies_to_every_output():
    _, pairs, _ = _pairs(TWO_HEADS + 'model.compile(loss="binary_crossentropy")\n')
    assert pairs == [(0, "cls", 3, "binary_crossentropy"), (1, "flag", 1, "binary_crossentropy")]


def test_list_of_losses_pairs_by_position_at_the_element():
    module, pairs, facts = _pairs(TWO_HEADS + """model.compile(loss=[
    "categorical_crossentropy",
    keras.losses.BinaryCrossentropy(),
])
""")
    assert pairs == [(0, "cls", 3, "categorical_crossentropy"), (1, "flag", 1, "binary_crossentropy")]
    lines = [line_of(module, p.node) for p in loss_pairs(facts.models[-1])]
    assert lines == [9, 10]


def test_dict_of_losses_pairs_by_output_name():
    module, pairs, facts = _pairs(TWO_HEADS + """model.compile(loss={
    "flag": "binary_crossentropy",
    "cls": "sparse_categorical_crossentropy",
})
""")
    assert sorted(pairs) == [(0, "cls", 3, "sparse_categorical_crossentropy"), (1, "flag", 1, "binary_crossentropy")]
    by_name = {p.name: line_of(module, p.node) for p in loss_pairs(facts.models[-1])}
    assert by_name == {"flag": 9, "cls": 10}


@pytest.mark.parametrize("loss", [
    '["categorical_crossentropy"]',  # fewer losses than outputs
    '["mse", "mse", "mse"]',
    '{"head_a": "mse", "head_b": "mse"}',  # names that match no output
    "losses",  # unknown
])
def test_unpairable_losses_yield_nothing(loss):
    _, pairs, _ = _pairs(TWO_HEADS + f"model.compile(loss={loss})\n")
    assert pairs == []


def test_unnamed_outputs_cannot_take_a_dict():
    _, pairs, _ = _pairs(HEAD + """
inp = keras.Input(shape=(8,))
a = keras.layers.Dense(3)(inp)
b = keras.layers.Dense(1)(inp)
model = keras.Model(inp, [a, b])
model.compile(loss={"a": "mse", "b": "mse"})
""")
    assert pairs == []


def test_uncertain_models_yield_nothing():
    _, pairs, _ = _pairs(HEAD + """
model = keras.Sequential([keras.Input(shape=(8,))])
if deep:
    model.add(keras.layers.Dense(16))
model.add(keras.layers.Dense(3, activation="softmax"))
model.compile(loss="categorical_crossentropy")
""")
    assert pairs == []


def test_labels_pair_with_outputs_by_position_and_name():
    _, facts = facts_of(TWO_HEADS + """
ids = np.random.randint(0, 3, size=(16,))
flags = np.random.randint(0, 2, size=(16, 1))
x = np.random.rand(16, 8)
model.compile(loss=["sparse_categorical_crossentropy", "binary_crossentropy"])
model.fit(x, [ids, flags])
model.fit(x, {"flag": flags, "cls": ids})
model.fit(x, ids)
""")
    got = [(lp.pair.name, lp.y.shape, lp.fit.node is not None) for lp in label_pairs(facts.models[-1])]
    assert got == [("cls", (16,), True), ("flag", (16, 1), True), ("cls", (16,), True), ("flag", (16, 1), True)]


def test_single_output_labels():
    _, facts = facts_of(HEAD + """
x = np.random.rand(16, 8)
y = np.random.randint(0, 3, size=(16,))
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation="softmax")])
model.compile(loss="categorical_crossentropy")
model.fit(x, y)
model.fit(dataset)
""")
    pairs = list(label_pairs(facts.models[0]))
    assert len(pairs) == 1
    assert pairs[0].y.dtype == "int" and pairs[0].pair.output.rank == 2


def test_custom_train_step_yields_nothing():
    _, pairs, _ = _pairs(HEAD + """
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.out = keras.layers.Dense(3)

    def call(self, x):
        return self.out(x)

    def train_step(self, data):
        x, y = data
        return {}

model = Net()
model.compile(loss="sparse_categorical_crossentropy")
""")
    assert pairs == []


def test_subclassed_model_pairs_its_call_output():
    _, pairs, _ = _pairs(HEAD + """
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.out = keras.layers.Dense(3)

    def call(self, x):
        return self.out(x)

model = Net()
model.compile(loss="sparse_categorical_crossentropy")
""")
    assert pairs == [(0, None, 3, "sparse_categorical_crossentropy")]


def test_labels_are_not_paired_when_the_loss_depends_on_a_branch():
    _, facts = facts_of(HEAD + """
x = np.random.rand(16, 8)
y = np.random.randint(0, 3, size=(16,))
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation="softmax")])
if sparse:
    model.compile(loss="sparse_categorical_crossentropy")
else:
    model.compile(loss="categorical_crossentropy")
model.fit(x, y)
""")
    assert list(label_pairs(facts.models[0])) == []


def test_recompiling_with_the_same_loss_keeps_labels_paired():
    _, facts = facts_of(HEAD + """
x = np.random.rand(16, 8)
y = np.random.randint(0, 3, size=(16,))
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(x, y)
model.compile(optimizer=keras.optimizers.Adam(1e-5), loss="categorical_crossentropy")
model.fit(x, y)
""")
    assert len(list(label_pairs(facts.models[0]))) == 2


@pytest.mark.parametrize("layers,rank", [
    ("keras.layers.Conv2D(8, 3), keras.layers.Dense(4)", 4),  # Dense keeps the positions
    ("keras.layers.Conv2D(8, 3), keras.layers.MaxPooling2D(), keras.layers.Dense(4)", 4),
    ("keras.layers.Conv2D(8, 3), keras.layers.UpSampling2D(), keras.layers.Dense(4)", 4),
    ("keras.layers.Conv2D(8, 3), keras.layers.Flatten(), keras.layers.Dense(4)", 2),
    ("keras.layers.Conv2D(8, 3), keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(4)", 2),
    ("keras.layers.Reshape((-1, 4)), keras.layers.Dense(4)", None),  # unknown stays unknown
])
def test_output_rank_through_layers(layers, rank):
    _, facts = facts_of(HEAD + f"model = keras.Sequential([keras.Input((8, 8, 3)), {layers}])\n")
    (out,) = [o for _, o in facts.models[0].output_list()]
    assert out.rank == rank


@pytest.mark.parametrize("seq,rank", [("True", 3), ("False", 2), ("flag", None)])
def test_recurrent_rank_needs_a_known_return_sequences(seq, rank):
    _, facts = facts_of(HEAD + f"model = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4, return_sequences={seq})])\n")
    (out,) = [o for _, o in facts.models[0].output_list()]
    assert out.rank == rank


@pytest.mark.parametrize("head,loss,y,expected", [
    ("keras.layers.Conv2D(8, 3), keras.layers.Dense(4)", "categorical_crossentropy",
     "keras.utils.to_categorical(np.random.randint(0, 4, 16), 4)", True),  # (N, 4) vs (None, ?, ?, 4)
    ("keras.layers.Conv2D(8, 3), keras.layers.Dense(4)", "sparse_categorical_crossentropy",
     "np.random.randint(0, 4, (16, 6, 6))", False),  # per-pixel masks
    ("keras.layers.Reshape((64, 3)), keras.layers.LSTM(4, return_sequences=True), keras.layers.Dense(4)",
     "categorical_crossentropy", "keras.utils.to_categorical(np.random.randint(0, 4, 16), 4)", True),
    ("keras.layers.Reshape((64, 3)), keras.layers.LSTM(4, return_sequences=True), keras.layers.Dense(4)",
     "sparse_categorical_crossentropy", "np.random.randint(0, 4, (16, 64))", False),  # per-step tags
    ("keras.layers.Conv2D(8, 3), keras.layers.Dense(4)", "huber", "np.random.rand(16, 4)", False),  # unmeasured
])
def test_per_sample_targets_on_a_positional_output(head, loss, y, expected):
    from kerascheck.facts.pairing import per_sample_targets

    _, facts = facts_of(HEAD + f"""
model = keras.Sequential([keras.Input((8, 8, 3)), {head}])
model.compile(optimizer="adam", loss="{loss}")
model.fit(np.random.rand(16, 8, 8, 3), {y})
""")
    pairs = list(label_pairs(facts.models[0]))
    assert [per_sample_targets(lp) for lp in pairs] == [expected]


@pytest.mark.parametrize("units, loss, y, expected", [
    (4, "mse", "np.random.rand(16, 1)", (4, 1, True)),  # one target column over 4 outputs
    (1, "mae", "np.random.rand(16, 3)", (1, 3, True)),  # one output over 3 columns
    (4, "huber", "np.random.rand(16, 3)", (4, 3, False)),  # raises
    (2, "binary_crossentropy", "np.random.randint(0, 2, 16)", (2, 1, False)),  # raises: bce never broadcasts
    (3, "mse", "np.random.rand(16, 3)", None),
    (3, "categorical_crossentropy", "np.random.rand(16, 4)", None),  # the categorical rules' business
    (3, "mse", "np.load('y.npy')", None),  # unknown width
])
def test_width_mismatch(units, loss, y, expected):
    from kerascheck.facts.pairing import width_mismatch

    _, facts = facts_of(HEAD + f"""
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense({units})])
model.compile(optimizer="adam", loss="{loss}")
model.fit(np.random.rand(16, 8), {y})
""")
    found = [width_mismatch(lp) for lp in label_pairs(facts.models[0])]
    got = [(f.units, f.width, f.broadcasts) if f else None for f in found]
    if expected is not None:
        assert got == [expected]
    else:
        assert all(g is None for g in got)
