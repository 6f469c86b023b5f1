"""One Analysis per file: built once by the engine, then read by the CLI, --fix and runtime mode."""

import pickle
import shutil
from pathlib import Path

import libcst
import pytest
from click.testing import CliRunner

import kerascheck.engine
import kerascheck.runtime
from kerascheck.cli import main
from kerascheck.config import Settings
from kerascheck.engine import Linter
from kerascheck.runtime.runner import ChildRun

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BAD = FIXTURES / "KC201" / "bad_softmax_single_unit.py"


def _analysis(text: str, display: str = "train.py"):
    return Linter(Settings(keras_version="3")).lint_text(text, display)


def test_a_parsed_file_carries_its_trees_facts_positions_and_noqa_map():
    a = _analysis(BAD.read_text(encoding="utf-8"))
    assert a.parsed and a.module is not None and a.positions is not None
    assert a.facts is not None and a.facts.models  # the rules' facts, for runtime mode's slicer
    assert [f.code for f in a.findings] == ["KC201"]
    (f,) = a.findings
    model_call = a.facts.models[0].node
    assert a.positions.span(model_call)[0] <= f.line  # positions answer for any node of the module
    assert a.suppressions is not None and a.suppressions.lines == {}


def test_an_unparsable_or_keras_free_file_has_no_trees():
    broken = _analysis("import keras\nmodel = keras.Sequential(\n")
    assert [f.code for f in broken.findings] == ["KC901"] and not broken.parsed and broken.positions is None
    plain = _analysis("print('no deep learning here')\n")
    assert plain.skipped and not plain.parsed and plain.findings == []


def test_a_notebook_analysis_keeps_its_cell_map():
    import json

    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": src}
             for src in ("import keras\n%matplotlib inline", "m = keras.Sequential([keras.layers.Dense(1, activation='softmax')])")]
    data = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
    a = Linter(Settings(keras_version="3")).lint_bytes(data, "nb.ipynb")
    assert a.nb is not None and a.parsed and sorted(a.cells) == [1, 2]
    assert [(f.code, f.cell, f.line) for f in a.findings] == [("KC201", 2, 1)]


def test_pickling_keeps_findings_and_texts_but_drops_the_trees():
    # The process pool sends analyses back to the parent: trees and facts stay in the worker.
    a = _analysis(BAD.read_text(encoding="utf-8"))
    b = pickle.loads(pickle.dumps(a))
    assert b.findings == a.findings and b.source == a.source and b.path == a.path
    assert b.module is None and b.facts is None and b.positions is None and not b.parsed
    assert a.parsed  # the original is untouched


def test_runtime_mode_parses_and_analyses_each_file_once(tmp_path, monkeypatch):
    """The static run's Analysis is what runtime mode slices: no second parse, no second facts run."""
    for name in ("one.py", "two.py"):
        shutil.copy(BAD, tmp_path / name)
    parses, analyses, children = [], [], []
    real_parse, real_analyze = libcst.parse_module, kerascheck.facts.interp.analyze

    def counting_parse(text, *args, **kwargs):
        parses.append(text)
        return real_parse(text, *args, **kwargs)

    def counting_analyze(module, importer=None):
        analyses.append(module)
        return real_analyze(module, importer)

    def fake_child(python, path, source, job, timeout, memory_mb, *sandbox_and_device):
        children.append((path.name, job["models"][0]["spans"]))
        return ChildRun(returncode=0)

    monkeypatch.setattr(libcst, "parse_module", counting_parse)
    monkeypatch.setattr(kerascheck.facts.interp, "analyze", counting_analyze)
    monkeypatch.setattr(kerascheck.runtime, "check_available", lambda python=None: None)
    monkeypatch.setattr(kerascheck.runtime, "run_child", fake_child)
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["check", "--runtime", "--no-cache", "--jobs", "2", "--keras-version", "3",
                                  "--output-format", "json", "one.py", "two.py"], catch_exceptions=False)
    assert r.exit_code == 1, r.output
    assert sorted(name for name, _ in children) == ["one.py", "two.py"]  # runtime mode did run
    assert len(parses) == 2, "each file is parsed once, by the static run"
    assert len(analyses) == 2, "each file's facts are built once"
    assert all(spans for _, spans in children)  # the slice was positioned from the static analysis


def test_fix_then_runtime_slices_the_fixed_text(tmp_path, monkeypatch):
    path = tmp_path / "train.py"
    shutil.copy(BAD, path)
    seen = []
    monkeypatch.setattr(kerascheck.runtime, "check_available", lambda python=None: None)
    monkeypatch.setattr(kerascheck.runtime, "run_child",
                        lambda python, p, source, job, timeout, memory_mb, *sandbox_and_device: seen.append(source) or ChildRun())
    monkeypatch.chdir(tmp_path)
    CliRunner().invoke(main, ["check", "--runtime", "--fix", "--unsafe-fixes", "--no-cache", "--keras-version", "3",
                              "train.py"], catch_exceptions=False)
    assert seen == [path.read_text(encoding="utf-8")] and 'activation="sigmoid"' in seen[0]


def test_engine_module_builds_every_finding_through_the_factory():
    source = Path(kerascheck.engine.__file__).read_text(encoding="utf-8")
    assert "Finding(" not in source.replace("make_finding(", "").replace("error_finding(", "")
