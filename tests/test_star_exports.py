"""Star imports of Keras modules bind the names every Keras major exports there (facts/star_exports.py)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from kerascheck.config import Settings
from kerascheck.engine import Linter
from kerascheck.facts.star_exports import star_exports

ROOT = Path(__file__).resolve().parent.parent
HAVE_TF = importlib.util.find_spec("tensorflow") is not None


def _codes(text: str, keras: str = "3") -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in Linter(Settings(keras_version=keras)).lint_text(text, "t.py").findings]


@pytest.mark.parametrize("module", ["keras.layers", "tensorflow.keras.layers"])
def test_layers_from_a_star_import_are_recognised(module):
    text = (f"from {module} import *\nimport keras\n"
            "model = keras.Sequential([Input((8,)), Dense(16), Dense(1, activation='softmax')])\n")
    assert _codes(text) == [("KC201", 3)]


def test_models_and_layers_both_from_star_imports():
    text = ("from tensorflow.keras.models import *\nfrom tensorflow.keras.layers import *\n"
            "model = Sequential([Input((8,)), Dense(1, activation='softmax')])\n")
    assert _codes(text) == [("KC201", 3)]


def test_a_name_only_one_major_exports_stays_unknown():
    # Keras 2's `from keras.backend import *` binds `sum`; Keras 3's does not (the builtin stays):
    # claiming `sum` is keras.backend.sum would flag a builtin call on Keras 3.
    assert "sum" not in star_exports("keras.backend") and "epsilon" in star_exports("keras.backend")
    text = ("from keras.backend import *\nimport keras\n"
            "def loss(y_true, y_pred):\n    return sum([y_true, y_pred])\n"
            "m = keras.Sequential([keras.layers.Dense(1)])\nm.compile(loss=loss)\n")
    assert _codes(text) == []


def test_star_import_of_an_unknown_module_binds_nothing():
    assert star_exports("mypackage.layers") == ()
    text = "from mypackage.layers import *\nimport keras\nmodel = keras.Sequential([Dense(1, activation='softmax')])\n"
    assert _codes(text) == []


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_TF, reason="TensorFlow is not installed")
def test_the_table_holds_only_names_the_installed_keras_exports():
    """Each listed name is bound by `from M import *` on the Keras installed here (3.15 in CI's main
    environment, 2.15 in its Keras 2 environment)."""
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "star_exports.py"), "dump"], capture_output=True,
                         text=True, timeout=600, check=True)
    import json

    real = json.loads(out.stdout)
    checked = 0
    for module, names in real.items():
        if names is None:
            continue  # keras.ops on Keras 2
        missing = set(star_exports(module)) - set(names)
        assert not missing, f"{module}: listed but not exported here: {sorted(missing)}"
        checked += 1
    assert checked >= 28
