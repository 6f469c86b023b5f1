"""The project's other modules (kerascheck/facts/project.py): a file that imports its model, its
constants or its losses from a module of the same project is analysed with them, without importing
or executing that module, and findings land in the linted file."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from kerascheck.cli import main
from kerascheck.config import Settings
from kerascheck.engine import Linter
from kerascheck.facts import project

NETS = """\
from tensorflow import keras
from tensorflow.keras import layers

NUM_CLASSES = 4


def build_classifier(n=NUM_CLASSES):
    model = keras.Sequential([
        layers.Dense(32, activation="relu", input_shape=(8,)),
        layers.Dense(n),
    ])
    return model
"""
NETS_SOFTMAX = NETS.replace("layers.Dense(n),", 'layers.Dense(n, activation="softmax"),')
COMPILE = 'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")\n'


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def run(cwd: Path, *args: str) -> tuple[int, list[dict]]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        r = CliRunner().invoke(main, [*args, "--output-format", "json", "--no-cache"], catch_exceptions=False)
    finally:
        os.chdir(old)
    return r.exit_code, json.loads(r.stdout)


def found(cwd: Path, *args: str) -> list[tuple]:
    code, findings = run(cwd, *args)
    assert code in (0, 1)
    return [(f["path"], f["line"], f["code"]) for f in findings]


# --- layouts ------------------------------------------------------------------------------------

def test_sibling_module_builds_the_model(tmp_path):
    write(tmp_path, {"nets.py": NETS, "train.py": "from nets import build_classifier\n\nmodel = build_classifier()\n"
                     + COMPILE})
    # train.py never names Keras, and nets.py is not on the command line (pre-commit passes changed files)
    assert found(tmp_path, "train.py") == [("train.py", 4, "KC205")]
    # the linear head is written in nets.py: the message names it, SARIF and LSP point at it
    code, findings = run(tmp_path, "train.py")
    assert findings[0]["message"].endswith("(in nets.py:10)")


def test_a_softmax_head_in_the_other_module_stays_silent(tmp_path):
    write(tmp_path, {"nets.py": NETS_SOFTMAX,
                     "train.py": "from nets import build_classifier\n\nmodel = build_classifier()\n" + COMPILE})
    assert found(tmp_path, "train.py") == []


def test_package_under_the_project_root(tmp_path):
    write(tmp_path, {"pyproject.toml": "[tool.kerascheck]\n", "proj/__init__.py": "", "proj/models/__init__.py": "",
                     "proj/models/nets.py": NETS,
                     "scripts/train.py": "from proj.models.nets import build_classifier\n"
                                         "model = build_classifier()\n" + COMPILE})
    assert found(tmp_path, "scripts/train.py") == [("scripts/train.py", 3, "KC205")]


def test_src_layout(tmp_path):
    write(tmp_path, {"pyproject.toml": "[tool.kerascheck]\n", "src/proj/__init__.py": "", "src/proj/nets.py": NETS,
                     "train.py": "from proj.nets import build_classifier\nmodel = build_classifier()\n" + COMPILE})
    assert found(tmp_path, "train.py") == [("train.py", 3, "KC205")]


def test_relative_imports(tmp_path):
    write(tmp_path, {"pkg/__init__.py": "", "pkg/models/__init__.py": "", "pkg/models/nets.py": NETS,
                     "pkg/models/train.py": "from .nets import build_classifier\nmodel = build_classifier()\n"
                                            + COMPILE,
                     "pkg/run.py": "from .models import nets\nmodel = nets.build_classifier()\n" + COMPILE,
                     "pkg/models/deep/up.py": "from ..nets import build_classifier\nmodel = build_classifier()\n"
                                              + COMPILE})
    assert found(tmp_path, "pkg") == [("pkg/models/deep/up.py", 3, "KC205"), ("pkg/models/train.py", 3, "KC205"),
                                      ("pkg/run.py", 3, "KC205")]


def test_import_module_and_alias(tmp_path):
    write(tmp_path, {"nets.py": NETS,
                     "a.py": "import nets\nmodel = nets.build_classifier()\n" + COMPILE,
                     "b.py": "import nets as n\nmodel = n.build_classifier(n=5)\n" + COMPILE,
                     "c.py": "from nets import build_classifier as build\nmodel = build()\n" + COMPILE})
    assert found(tmp_path, "a.py", "b.py", "c.py") == [("a.py", 3, "KC205"), ("b.py", 3, "KC205"),
                                                      ("c.py", 3, "KC205")]


def test_reexport_through_package_init_and_star_import(tmp_path):
    write(tmp_path, {"models/__init__.py": "from .nets import build_classifier\n", "models/nets.py": NETS,
                     "a.py": "from models import build_classifier\nmodel = build_classifier()\n" + COMPILE,
                     "b.py": "from models import *\nmodel = build_classifier()\n" + COMPILE,
                     "c.py": "import models.nets\nmodel = models.nets.build_classifier()\n" + COMPILE})
    assert found(tmp_path, "a.py", "b.py", "c.py") == [("a.py", 3, "KC205"), ("b.py", 3, "KC205"),
                                                      ("c.py", 3, "KC205")]


def test_star_import_honours_all(tmp_path):
    write(tmp_path, {"nets.py": NETS + '__all__ = ["NUM_CLASSES"]\n',
                     "train.py": "from nets import *\nmodel = build_classifier()\n" + COMPILE})
    assert found(tmp_path, "train.py") == []  # build_classifier is not exported: unknown, silent


def test_constant_from_another_module_feeds_a_rule(tmp_path):
    train = """\
        import keras
        from config import NUM_CLASSES

        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(NUM_CLASSES, activation="softmax")])
        """
    write(tmp_path, {"config.py": "NUM_CLASSES = 1\n", "train.py": train})
    assert found(tmp_path, "train.py", "--select", "KC201") == [("train.py", 4, "KC201")]
    write(tmp_path, {"config.py": "NUM_CLASSES = 3\n"})
    assert found(tmp_path, "train.py", "--select", "KC201") == []


def test_transitive_imports_and_a_helper_that_compiles(tmp_path):
    write(tmp_path, {"heads.py": "from tensorflow.keras import layers\n\ndef head(n):\n    return layers.Dense(n)\n",
                     "nets.py": """\
                        from tensorflow import keras
                        from heads import head
                        from config import NUM_CLASSES

                        def build():
                            return keras.Sequential([keras.Input((8,)), head(NUM_CLASSES)])

                        def compile_model(model, loss="sparse_categorical_crossentropy"):
                            model.compile(optimizer="adam", loss=loss)
                        """,
                     "config.py": "NUM_CLASSES = 4\n",
                     "train.py": "import nets\n\nmodel = nets.build()\nnets.compile_model(model)\n"})
    code, findings = run(tmp_path, "train.py")
    assert [(f["line"], f["code"]) for f in findings] == [(4, "KC205")]
    # compile() runs in nets.py: the finding sits on the call that compiles, naming that place
    assert "nets.py:9" in findings[0]["message"]


def test_imported_functions_run_only_when_called(tmp_path):
    nets = """\
        from tensorflow import keras

        def build_and_compile():
            model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])
            model.compile(loss="sparse_categorical_crossentropy")
            return model
        """
    write(tmp_path, {"nets.py": nets, "unused.py": "import keras\nfrom nets import build_and_compile\n",
                     "used.py": "import keras\nfrom nets import build_and_compile\n\nm = build_and_compile()\n"})
    assert found(tmp_path, "unused.py") == []  # nets.py's own finding is for nets.py
    code, findings = run(tmp_path, "used.py")
    assert [(f["line"], f["code"]) for f in findings] == [(4, "KC205")]
    assert "nets.py:5" in findings[0]["message"]


def test_model_built_at_the_other_modules_top_level(tmp_path):
    nets = "from tensorflow import keras\nmodel = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])\n"
    write(tmp_path, {"nets.py": nets, "train.py": "from nets import model\n" + COMPILE})
    assert found(tmp_path, "train.py") == [("train.py", 2, "KC205")]
    # nets.py's own compile is reported when nets.py is linted, not in every file importing it
    write(tmp_path, {"nets.py": nets + COMPILE, "other.py": "import keras\nfrom nets import model\n"})
    assert found(tmp_path, "other.py") == []


def test_custom_loss_from_another_module(tmp_path):
    losses = """\
        import tensorflow as tf

        def rounded_mse(y_true, y_pred):
            return tf.reduce_mean(tf.square(y_true - tf.round(y_pred)))
        """
    train = """\
        from tensorflow import keras
        from losses import rounded_mse

        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=rounded_mse)
        """
    write(tmp_path, {"losses.py": losses, "train.py": train})
    code, findings = run(tmp_path, "train.py")
    assert [(f["line"], f["code"]) for f in findings] == [(5, "KC402")]
    assert findings[0]["path"] == "train.py" and "losses.py:4" in findings[0]["message"]


# --- what stays unknown -------------------------------------------------------------------------

def test_import_cycle_stops(tmp_path):
    write(tmp_path, {"a.py": "from b import helper\nfrom nets import build_classifier\n",
                     "b.py": "from a import build_classifier\n\ndef helper():\n    return build_classifier()\n",
                     "nets.py": NETS,
                     "train.py": "from b import helper\nmodel = helper()\n" + COMPILE})
    assert found(tmp_path, "train.py") == [("train.py", 3, "KC205")]
    assert found(tmp_path, "a.py", "b.py") == []


def test_self_import_and_depth_limit(tmp_path):
    files = {"m0.py": NETS.replace("def build_classifier", "def build0")}
    for i in range(1, 6):
        files[f"m{i}.py"] = f"from m{i - 1} import build{i - 1}\n\ndef build{i}():\n    return build{i - 1}()\n"
    files["near.py"] = "from m2 import build2\nmodel = build2()\n" + COMPILE
    files["far.py"] = "from m5 import build5\nmodel = build5()\n" + COMPILE
    files["self.py"] = "import keras\nfrom self import x\n"
    write(tmp_path, files)
    assert found(tmp_path, "near.py", "far.py", "self.py") == [("near.py", 3, "KC205")]


@pytest.mark.parametrize("nets", [
    None,  # missing
    "from tensorflow import keras\ndef build_classifier(:\n",  # unparsable
    "import keras\n" + "x = 1\n" * 40,  # larger than max-file-size below
    "from tensorflow import keras\n\x00\n",  # binary
])
def test_missing_unparsable_or_oversized_module_is_unknown(tmp_path, nets):
    files = {"train.py": "import keras\nfrom nets import build_classifier\nmodel = build_classifier()\n" + COMPILE}
    if nets is not None:
        files["nets.py"] = nets
    write(tmp_path, files)
    code, findings = run(tmp_path, "train.py", "--config", str(_config(tmp_path)))
    assert (code, findings) == (0, [])  # no KC901/KC903 for the imported module, no finding from it


def _config(root: Path) -> Path:
    path = root / "kc.toml"
    path.write_text("[tool.kerascheck]\nmax-file-size = 200\n", encoding="utf-8")
    return path


def test_library_names_are_never_shadowed_by_local_files(tmp_path):
    # a local keras.py must not turn `keras.Sequential` into an unknown project function
    write(tmp_path, {"keras.py": "def Sequential(*a):\n    return None\n",
                     "train.py": "import keras\nm = keras.Sequential([keras.Input((4,)), "
                                 "keras.layers.Dense(1, activation='softmax')])\n"})
    assert found(tmp_path, "train.py", "--select", "KC201") == [("train.py", 2, "KC201")]


# --- notebooks, cache, outputs, parsing once ----------------------------------------------------

def test_notebook_imports_a_local_module(tmp_path):
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": ["%matplotlib inline\n", "from nets import build_classifier\n"]},
             {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": ["model = build_classifier()\n", COMPILE]}]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    write(tmp_path, {"nets.py": NETS, "explore.ipynb": json.dumps(nb)})
    code, findings = run(tmp_path, "explore.ipynb")
    assert [(f["path"], f.get("cell"), f["line"], f["code"]) for f in findings] == [("explore.ipynb", 2, 2, "KC205")]


def cached_run(root: Path) -> list:
    """The codes `kerascheck train.py` reports in `root`, with the result cache on."""
    old = os.getcwd()
    os.chdir(root)
    try:
        r = CliRunner().invoke(main, ["train.py", "--output-format", "concise"], catch_exceptions=False)
    finally:
        os.chdir(old)
    return [line.split(": ")[1].split()[0] for line in r.stdout.splitlines() if ": KC" in line]


def test_cached_result_is_invalid_when_an_imported_module_changes(tmp_path):
    write(tmp_path, {"nets.py": NETS, "train.py": "from nets import build_classifier\nmodel = build_classifier()\n"
                     + COMPILE})

    assert cached_run(tmp_path) == ["KC205"]
    assert cached_run(tmp_path) == ["KC205"]  # from the cache
    write(tmp_path, {"nets.py": NETS_SOFTMAX})
    assert cached_run(tmp_path) == []
    (tmp_path / "nets.py").unlink()  # gone: unknown, and the cached finding must not survive
    assert cached_run(tmp_path) == []
    write(tmp_path, {"nets.py": NETS})  # back: a module that appears later invalidates the result too
    assert cached_run(tmp_path) == ["KC205"]


def test_cached_result_of_a_file_without_keras_is_invalid_when_its_module_changes(tmp_path):
    """train.py never names Keras; the module it imports does only after an edit, and a package that
    did not exist is created later: neither may be served from the cache."""
    write(tmp_path, {"nets.py": "def build_classifier():\n    return None\n",
                     "train.py": "from nets import build_classifier\nfrom helpers import compile_it\n"
                                 "model = build_classifier()\ncompile_it(model)\n"})

    assert cached_run(tmp_path) == []
    write(tmp_path, {"nets.py": NETS})
    assert cached_run(tmp_path) == []  # nets.py builds the model now; nothing compiles it yet
    (tmp_path / "helpers").mkdir()
    write(tmp_path, {"helpers/__init__.py": "def compile_it(model):\n"
                                            "    model.compile(loss='sparse_categorical_crossentropy')\n"})
    assert cached_run(tmp_path) == ["KC205"]


def test_sarif_and_lsp_name_the_cause_in_the_other_module(tmp_path):
    write(tmp_path, {"nets.py": NETS.replace("layers.Dense(n),", 'layers.Dense(1, activation="softmax"),'),
                     "train.py": "import keras\nfrom nets import build_classifier\n\nmodel = build_classifier()\n"})
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        r = CliRunner().invoke(main, ["train.py", "--select", "KC201", "--output-format", "sarif", "--no-cache"],
                               catch_exceptions=False)
    finally:
        os.chdir(old)
    (result,) = json.loads(r.stdout)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert "nets.py:10" in result["message"]["text"]
    (related,) = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "nets.py"
    assert related["physicalLocation"]["region"]["startLine"] == 10

    from lsprotocol import types as lsp
    from pygls.protocol import default_converter

    from kerascheck.server import TextIndex, to_diagnostic

    linter = Linter(Settings(root=tmp_path, select=["KC201"]))
    (finding,) = linter.lint_text((tmp_path / "train.py").read_text(), str(tmp_path / "train.py")).findings
    text = (tmp_path / "train.py").read_text()
    diag = to_diagnostic(finding, TextIndex(text), lsp.PositionEncodingKind.Utf16, linter.catalogue,
                         default_converter())
    (info,) = diag.related_information
    assert info.location.uri == (tmp_path / "nets.py").resolve().as_uri() and info.location.range.start.line == 9


def test_each_module_is_parsed_once_per_process(tmp_path, monkeypatch):
    files = {"nets.py": NETS}
    for i in range(5):
        files[f"t{i}.py"] = "from nets import build_classifier\nmodel = build_classifier()\n" + COMPILE
    write(tmp_path, files)
    parsed: list[str] = []
    real = project._parse

    def counting(path, overlay, max_size):
        parsed.append(path)
        return real(path, overlay, max_size)

    monkeypatch.setattr(project, "_parse", counting)
    linter = Linter(Settings(root=tmp_path))
    for i in range(5):
        result = linter.lint_text(files[f"t{i}.py"], str(tmp_path / f"t{i}.py"))
        assert [f.code for f in result.findings] == ["KC205"]
    assert parsed == [str(tmp_path / "nets.py")]


def test_installed_libraries_are_not_project_modules(tmp_path):
    lib = tmp_path / "lib" / "site-packages"
    write(lib, {"nets.py": NETS, "train.py": "import keras\nfrom nets import build_classifier\n"
                "model = build_classifier()\n" + COMPILE})
    assert found(lib, "train.py") == []


@pytest.mark.parametrize("order", [("a.py", "nets.py", "b.py"), ("nets.py", "a.py", "b.py")])
def test_a_module_both_linted_and_imported_is_parsed_once(tmp_path, monkeypatch, order):
    import libcst

    files = {"nets.py": NETS, "a.py": "from nets import build_classifier\nmodel = build_classifier()\n" + COMPILE,
             "b.py": "import nets\nmodel = nets.build_classifier()\n" + COMPILE}
    write(tmp_path, files)
    texts: list[str] = []
    real = libcst.parse_module

    def counting(text, *args, **kwargs):
        texts.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(libcst, "parse_module", counting)
    linter = Linter(Settings(root=tmp_path))
    for name in order:
        linter.lint_text(files[name], str(tmp_path / name))
    assert sorted(texts) == sorted(files.values())


def test_files_of_one_process_never_see_each_others_changes(tmp_path):
    nets = "from tensorflow import keras\nmodel = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])\n"
    files = {"nets.py": nets, "a.py": "from nets import model\n" + COMPILE,
             "b.py": "import keras\nfrom nets import model\nmodel.fit(None, None)\n"}
    write(tmp_path, files)
    linter = Linter(Settings(root=tmp_path))
    assert [f.code for f in linter.lint_text(files["a.py"], str(tmp_path / "a.py")).findings] == ["KC205"]
    b = linter.lint_text(files["b.py"], str(tmp_path / "b.py"))
    assert [m.compiles for m in b.facts.models] == [[]]  # a.py's compile stayed in a.py


def test_a_shared_module_is_read_again_when_it_changes(tmp_path):
    files = {"config.py": "NUM_CLASSES = 1\n",
             "nets.py": NETS.replace("NUM_CLASSES = 4", "from config import NUM_CLASSES"),
             "a.py": "import keras\nfrom nets import build_classifier\nmodel = build_classifier()\n"}
    write(tmp_path, files)
    linter = Linter(Settings(root=tmp_path, select=["KC2"]))
    codes = [f.code for f in linter.lint_text(files["a.py"], str(tmp_path / "a.py")).findings]
    assert codes == []  # Dense(1) without softmax: nothing to say
    write(tmp_path, {"config.py": "NUM_CLASSES = 1  # one\n"})
    assert [f.code for f in linter.lint_text(files["a.py"] + COMPILE, str(tmp_path / "a.py")).findings] == []
    write(tmp_path, {"config.py": "NUM_CLASSES = 5\n"})
    assert [f.code for f in linter.lint_text(files["a.py"] + COMPILE, str(tmp_path / "a.py")).findings] == ["KC205"]


def test_an_open_editor_buffer_wins_over_the_disk(tmp_path):
    files = {"nets.py": NETS_SOFTMAX, "train.py": "from nets import build_classifier\nmodel = build_classifier()\n"
             + COMPILE}
    write(tmp_path, files)
    linter = Linter(Settings(root=tmp_path))
    assert linter.lint_text(files["train.py"], str(tmp_path / "train.py")).findings == []
    linter.modules.overlay = {str(tmp_path / "nets.py"): NETS}  # the unsaved edit removed the softmax
    assert [f.code for f in linter.lint_text(files["train.py"], str(tmp_path / "train.py")).findings] == ["KC205"]


def test_a_list_changed_by_one_file_is_not_seen_by_the_next(tmp_path):
    files = {"config.py": "UNITS = [4]\n",
             "nets.py": "from tensorflow import keras\nfrom config import UNITS\n\n"
                        "def build():\n    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(UNITS[-1])])\n",
             "a.py": "import keras\nimport config\nfrom nets import build\nconfig.UNITS.append(1)\nmodel = build()\n"
                     "model.compile(loss='sparse_categorical_crossentropy')\n",
             "b.py": "import keras\nfrom nets import build\nmodel = build()\n"
                     "model.compile(loss='sparse_categorical_crossentropy')\n"}
    write(tmp_path, files)
    linter = Linter(Settings(root=tmp_path, select=["KC2"]))
    for name in ("b.py", "a.py", "b.py"):
        result = linter.lint_text(files[name], str(tmp_path / name))
        (model,) = result.facts.models
        units = model.output_value().units
        assert units == (1 if name == "a.py" else 4), name
