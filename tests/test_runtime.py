"""Runtime mode (kerascheck.runtime): the slice (no TensorFlow needed), then real traces in a child
process (skipped when `sys.executable` cannot import TensorFlow)."""

from __future__ import annotations

import importlib.util
import stat
import sys
import time
from pathlib import Path

import pytest

from kerascheck.finding import Finding
from kerascheck.runtime import RuntimeUnavailable, check_file, plan_for
from kerascheck.runtime.runner import run_child

HERE = Path(__file__).resolve().parent
CASES = HERE / "runtime_cases"
FIXTURES = HERE / "fixtures"
HAS_TF = importlib.util.find_spec("tensorflow") is not None


def _analysis(text: str, display: str = "a.py", keras: str = "3"):
    """The file's one Analysis, as the CLI builds it (runtime mode works from it)."""
    from kerascheck.config import Settings
    from kerascheck.engine import Linter

    return Linter(Settings(keras_version=keras)).lint_text(text, display)


def _kept_lines(source: str) -> set[int]:
    plan = plan_for(_analysis(source))
    assert plan is not None
    return {ln for a, b in plan.keep for ln in range(a, b + 1)}


# --- the slice (static, no TensorFlow) -------------------------------------------------------------
SCRIPT = '''\
import numpy as np
import pandas as pd
from tensorflow import keras

NUM_CLASSES = 4
df = pd.read_csv("data.csv")
x_train = np.load("x.npy")
width = x_train.shape[1]

def build_model(n=NUM_CLASSES):
    x = keras.Input(shape=(32, 32, 3))
    out = keras.layers.Conv2D(n, 1, activation="softmax")(x)
    return keras.Model(x, out)

def from_data(width):
    return keras.Sequential([keras.Input(shape=(width,)), keras.layers.Dense(1)])

model = build_model()
model.compile(optimizer="adam", loss="categorical_crossentropy")
other = from_data(width)
print(model.summary())
for i in range(3):
    model.fit(x_train, x_train)

if __name__ == "__main__":
    model.fit(x_train, x_train)
'''


def test_slice_keeps_what_builds_models_and_drops_io_training_and_main():
    kept = _kept_lines(SCRIPT)
    lines = SCRIPT.splitlines()
    kept_text = {lines[i - 1].split("(")[0].split("=")[0].strip() for i in kept}
    assert {"import numpy as np", "import pandas as pd", "from tensorflow import keras"} <= kept_text
    assert "NUM_CLASSES" in kept_text  # needed by build_model's default
    assert "model" in kept_text and "model.compile" in kept_text
    for dropped in ("df", "x_train", "width", "other", "print", "for i in range", 'if __name__ == "__main__":'):
        assert dropped not in kept_text, dropped


def test_slice_explains_why_a_model_is_not_built():
    plan = plan_for(_analysis(SCRIPT))
    reasons = {m.model.kind: m.reason for m in plan.models}
    assert reasons["functional"] is None
    assert "x_train" in reasons["sequential"] and "np.load" in reasons["sequential"]
    assert "np.load" in plan.dropped[7]
    assert "needs `x_train`" in plan.dropped[8]


def test_slice_uses_scopes_not_names():
    # The builder's local `x` is not the global data `x`: the model must still be built.
    src = ("import numpy as np\nfrom tensorflow import keras\nx = np.load('x.npy')\n"
           "def build():\n    x = keras.Input(shape=(4,))\n    return keras.Model(x, keras.layers.Dense(1)(x))\n"
           "model = build()\n")
    plan = plan_for(_analysis(src))
    assert all(m.reason is None for m in plan.models)
    assert 3 not in {ln for a, b in plan.keep for ln in range(a, b + 1)}


def test_builders_defined_but_only_called_from_main_are_called():
    src = ("from tensorflow import keras\n"
           "def build_model(units=3):\n    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(units)])\n"
           "def train():\n    m = build_model()\n    m.fit(None, None)\n"
           "if __name__ == '__main__':\n    train()\n")
    plan = plan_for(_analysis(src))
    assert plan.call_builders == ["build_model"]


NETS = ("from tensorflow import keras\n\n\ndef build():\n"
        "    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])\n")
TRAIN = ("import numpy as np\nfrom nets import build\n\n"
         "x = np.random.rand(32, 8).astype('float32')\ny = np.random.randint(0, 4, size=(32,))\n"
         "model = build()\nmodel.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n"
         "model.fit(x, y, epochs=1)\n")


def test_a_model_built_in_another_module_is_built_by_the_line_that_calls_it(tmp_path):
    (tmp_path / "nets.py").write_text(NETS, encoding="utf-8")
    (tmp_path / "train.py").write_text(TRAIN, encoding="utf-8")
    plan = plan_for(_analysis(TRAIN, str(tmp_path / "train.py")))
    (model,) = plan.models
    assert model.reason is None and model.spans == [(6, 6)] and model.compile_spans == [(7, 7)]
    kept = {ln for a, b in plan.keep for ln in range(a, b + 1)}
    assert {2, 6, 7} <= kept and 8 not in kept  # the import, the call, the compile; never fit


def test_static_data_specs_come_from_fit():
    src = ("import numpy as np\nfrom tensorflow import keras\n"
           "x = np.random.rand(16, 8)\ny = np.random.randint(0, 3, size=(16,))\n"
           "model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation='softmax')])\n"
           "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\nmodel.fit(x, y)\n")
    (m,) = plan_for(_analysis(src)).models
    assert m.x == {"t": "tensor", "shape": [None, 8], "dtype": "float32"}
    assert m.y == {"t": "tensor", "shape": [None], "dtype": "int64", "high": 3}


def _static(path: Path, keras: str = "3"):
    """(the file's analysis, its findings)."""
    analysis = _analysis(path.read_text(encoding="utf-8"), str(path), keras)
    return analysis, analysis.findings


def test_names_used_only_while_training_are_probed_on_what_the_slice_builds():
    analysis, findings = _static(FIXTURES / "KC502/bad_metric_reset_states.py")
    plan = plan_for(analysis, findings)
    (probe,) = plan.probes
    assert (probe.code, probe.kind, probe.receiver, probe.attr) == ("KC502", "attr", "train_acc", "reset_states")
    kept = {ln for a, b in plan.keep for ln in range(a, b + 1)}
    assert 15 in kept  # `train_acc = keras.metrics.SparseCategoricalAccuracy()`: built for the probe
    assert not kept & {16, 17, 18, 19, 20, 21, 22}  # the training loop still never runs

    analysis, findings = _static(FIXTURES / "KC509/bad_fit_workers.py")
    probes = plan_for(analysis, findings).probes
    assert {(p.kind, p.receiver, p.attr, p.keyword) for p in probes} == {
        ("kwarg", "model", "fit", "workers"), ("kwarg", "model", "fit", "use_multiprocessing")}

    analysis, findings = _static(FIXTURES / "KC510/bad_callback_reads_optimizer_lr.py")
    (probe,) = plan_for(analysis, findings).probes
    assert (probe.receiver, probe.attr, probe.model) == ("self.model.optimizer", "lr", 0)


def test_a_flagged_argument_of_a_literal_constructor_is_made_alone():
    # The optimizer is built inside `train()`, which fits: only the flagged object itself is made.
    analysis, findings = _static(FIXTURES / "KC505/bad_sgd_decay.py", keras="2")
    (probe,) = plan_for(analysis, findings).probes
    assert (probe.kind, probe.receiver, probe.attr) == ("construct", "keras.optimizers", "SGD")
    assert probe.kwargs == {"learning_rate": 0.01, "decay": 0.5}
    src = "import keras\nlr = 0.1\nopt = keras.optimizers.SGD(learning_rate=lr, decay=0.5)\n" \
          "m = keras.Sequential([keras.layers.Dense(1)])\nm.compile(optimizer=opt, loss='mse')\n"
    f = Finding("a.py", 3, 46, 3, 55, "KC505", "x", "warning", "m")
    assert plan_for(_analysis(src), [f]).probes == []  # `lr` is not a literal: nothing is called


def test_an_assigned_attribute_is_not_probed():
    # `model.optimizer.lr = 1e-4` creates the attribute: looking it up afterwards proves nothing.
    analysis, findings = _static(FIXTURES / "KC510/bad_assign_optimizer_lr.py")
    assert [f.code for f in findings] == ["KC510"]
    assert plan_for(analysis, findings).probes == []


def test_no_model_no_child():
    f = Finding("a.py", 1, 1, 1, 2, "KC201", "softmax-on-single-unit", "warning", "m")
    out = check_file(Path("a.py"), _analysis("import keras\nprint(1)\n"), [f], python="/nonexistent/python")
    assert out[0].runtime == {"status": "not-checked", "detail": "no Keras model in this file"}


# --- which error proves which finding (synthetic child runs, no TensorFlow) ---------------------------
def _judge(findings: list[Finding], error: dict):
    from kerascheck.catalogue import load_catalogue
    from kerascheck.runtime.runner import ChildRun
    from kerascheck.runtime.slicer import Plan, StaticModel
    from kerascheck.runtime.verdict import Judge

    # one model: built at line 10, compiled at 11-13, with a custom loss function at lines 3-6
    model = StaticModel(0, None, [(10, 10)], [(11, 13)], [(3, 6), (10, 13)])
    run = ChildRun(events=[{"ev": "start", "major": 3, "keras": "3.15.1", "tf": "2.21.0"},
                           {"ev": "model", "rid": 0, "static": [0], "error": dict(error, keras=True, kind="error")},
                           {"ev": "done"}])
    judge = Judge(Plan([(1, 13)], {}, [model]), run, load_catalogue(), {"3"}, findings=findings)
    return {f.code: f for f in findings}, {f.code: judge.judge(f) for f in findings}, judge.runtime_findings("a.py")


def _finding(code: str, line: int) -> Finding:
    return Finding("a.py", line, 5, line, 40, code, code.lower(), "warning", "m")


def test_an_error_goes_to_the_finding_on_its_traceback_line_not_to_every_match():
    # KC404 (one_hot depth, line 5) and KC302 (MeanIoU, line 12) both predict "Dimensions must be
    # equal"; the error's traceback runs through line 5, so it proves KC404 only.
    _, verdicts, kc905 = _judge([_finding("KC404", 5), _finding("KC302", 12)],
                                {"type": "ValueError", "message": "Dimensions must be equal, but are 4 and 3",
                                 "lines": [5]})
    assert verdicts["KC404"]["status"] == "confirmed"
    assert verdicts["KC302"]["status"] == "not-checked"
    assert verdicts["KC302"]["detail"].startswith("the check stopped at another error first")
    assert kc905 == []


def test_an_error_of_another_type_or_text_proves_nothing_and_is_kc905():
    for error in ({"type": "TypeError", "message": "Dimensions must be equal, but are 4 and 3", "lines": [5]},
                  {"type": "ValueError", "message": "Unrecognized keyword arguments passed to Conv2D", "lines": []}):
        _, verdicts, kc905 = _judge([_finding("KC404", 5), _finding("KC302", 12)], error)
        assert {v["status"] for v in verdicts.values()} == {"not-checked"}, verdicts
        (f,) = kc905
        assert error["message"] in f.runtime["detail"]


def test_a_finding_outside_every_model_is_not_given_the_models_error():
    # the file's only model raised KC207's own error, but the finding at line 30 is not about it
    _, verdicts, kc905 = _judge([_finding("KC207", 30)],
                                {"type": "ValueError", "lines": [],
                                 "message": "Arguments `target` and `output` must have the same rank (ndim)"})
    assert verdicts["KC207"] == {"status": "not-checked", "detail": "not tied to a model the runtime check builds"}
    assert len(kc905) == 1


# --- real traces ------------------------------------------------------------------------------------
def _lint(path: Path, keras: str = "3"):
    """(the file's analysis, its static findings)."""
    return _static(path, keras)


def _check(path: Path, timeout: float = 120, memory_mb: int = 8192, findings=None) -> list[Finding]:
    analysis, _ = _lint(path)
    return check_file(path, analysis, findings, python=sys.executable, timeout=timeout, memory_mb=memory_mb)


def _by_code(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.code, []).append(f)
    return out


@pytest.mark.slow
@pytest.mark.skipif(not HAS_TF, reason="TensorFlow is not importable")
class TestTrace:
    def test_silent_softmax_single_unit_is_measured(self):
        out = _by_code(_check(FIXTURES / "KC201/bad_softmax_single_unit.py"))
        (f,) = out["KC201"]
        assert f.runtime["status"] == "confirmed"
        assert "exactly 1.0" in f.runtime["detail"]
        assert "KC905" not in out

    def test_good_fixture_has_nothing(self):
        assert _check(FIXTURES / "KC201/good_sigmoid_single_unit.py") == []

    def test_integer_masks_with_categorical_loss_confirmed_with_keras_text(self):
        out = _by_code(_check(CASES / "seg_int_mask_cce.py"))
        (f,) = out["KC207"]
        assert f.runtime["status"] == "confirmed"
        assert "must have the same rank" in f.runtime["detail"]
        assert "KC905" not in out  # the error was predicted, so it is not reported twice

    def test_unpredicted_error_becomes_kc905(self):
        # The same script with the rule switched off: the trace's error is reported on its own.
        analysis, static = _lint(CASES / "seg_int_mask_cce.py")
        out = check_file(CASES / "seg_int_mask_cce.py", analysis, [f for f in static if f.code != "KC207"],
                         python=sys.executable, timeout=120, memory_mb=8192)
        (f,) = [f for f in out if f.code == "KC905"]
        assert f.line == 14 and f.severity == "error"
        assert "must have the same rank" in f.message and f.runtime["status"] == "confirmed"

    def test_one_bugs_error_does_not_confirm_another_bug(self):
        # KC207's loss error stops the trace before MeanIoU runs: it says nothing about KC302.
        out = _by_code(_check(CASES / "seg_two_bugs.py"))
        (loss,), (iou,) = out["KC207"], out["KC302"]
        assert loss.runtime["status"] == "confirmed"
        assert "must have the same rank" in loss.runtime["detail"]
        assert iou.runtime["status"] == "not-checked", iou.runtime
        assert iou.runtime["detail"].startswith("the check stopped at another error first: ValueError: Arguments")
        assert "KC905" not in out  # the error proved KC207, so it is not reported twice

    def test_an_error_no_rule_predicts_is_kc905_and_confirms_nothing(self):
        out = _by_code(_check(CASES / "seg_unrelated_error.py"))
        (err,) = out["KC905"]
        assert "kernel_sise" in err.message and err.runtime["status"] == "confirmed"
        for f in out["KC207"] + out["KC302"]:
            assert f.runtime["status"] == "not-checked", (f.code, f.runtime)
            assert "stopped at another error first" in f.runtime["detail"] and "kernel_sise" in f.runtime["detail"]

    def test_a_model_built_in_another_module_is_checked(self, tmp_path):
        (tmp_path / "nets.py").write_text(NETS, encoding="utf-8")
        (tmp_path / "train.py").write_text(TRAIN, encoding="utf-8")
        out = _by_code(_check(tmp_path / "train.py"))
        (f,) = out["KC205"]
        assert f.runtime["status"] == "confirmed", f.runtime

    def test_correct_script_traces_the_train_step_cleanly(self):
        path = CASES / "correct_regression.py"
        assert _check(path) == []
        text = path.read_text()
        plan = plan_for(_analysis(text))
        plan.path = str(path)
        run = run_child(sys.executable, path, text, plan.job(), 120, 8192)
        (model,) = run.all("model")
        assert model["traced"] == "train_step" and "error" not in model
        assert model["x"] == "(None, 8) float32" and model["y"] == "(None, 1) float32"
        assert not any(e["ev"] == "exec" and e["line"] == 14 for e in run.events)  # fit never runs

    def test_a_predicted_trace_error_that_does_not_happen_is_refuted(self):
        f = Finding("correct_regression.py", 13, 1, 13, 60, "KC207", "integer-labels-with-categorical-loss",
                    "error", "synthetic")
        (out,) = _check(CASES / "correct_regression.py", findings=[f])
        assert out.runtime["status"] == "refuted"
        assert "no error" in out.runtime["detail"]

    def test_a_probe_confirms_a_name_only_training_uses(self):
        (f,) = _check(FIXTURES / "KC503/bad_fit_generator.py")
        assert f.runtime["status"] == "confirmed"
        assert "no attribute 'fit_generator'" in f.runtime["detail"]

    def test_a_probe_refutes_a_name_that_exists(self):
        # A synthetic KC503 on `model.fit(...)`: the name exists, so the prediction is wrong.
        path = FIXTURES / "KC503/good_fit_with_generator.py"
        text = path.read_text()
        line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("model.fit("))
        end = len(text.splitlines()[line - 1].rstrip()) + 1
        f = Finding(str(path), line, 1, line, end, "KC503", "fit-generator", "error", "synthetic")
        (out,) = _check(path, findings=[f])
        assert out.runtime["status"] == "refuted", out.runtime
        assert "`model.fit` exists" in out.runtime["detail"]

    def test_metric_errors_on_a_batch_confirm_but_never_become_kc905(self):
        path = FIXTURES / "KC303/bad_meaniou_one_hot_targets.py"
        (f,) = _check(path)
        assert f.runtime["status"] == "confirmed"
        assert "Dimensions must be equal" in f.runtime["detail"] and "one random batch" in f.runtime["detail"]
        assert _check(path, findings=[]) == []  # random values are not the data: no error of its own

    def test_missing_tensorflow_is_one_clear_error(self, tmp_path):
        fake = tmp_path / "python-without-site"
        fake.write_text(f"#!/bin/sh\nexec {sys.executable} -S \"$@\"\n")
        fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
        analysis, static = _lint(FIXTURES / "KC201/bad_softmax_single_unit.py")
        with pytest.raises(RuntimeUnavailable, match=r"runtime mode needs TensorFlow: pip install 'kerascheck\[runtime\]'"):
            check_file(FIXTURES / "KC201/bad_softmax_single_unit.py", analysis, static, python=str(fake),
                       timeout=60, memory_mb=8192)
        with pytest.raises(RuntimeUnavailable):
            check_file(FIXTURES / "KC201/bad_softmax_single_unit.py", analysis, static,
                       python=str(tmp_path / "nope"), timeout=60, memory_mb=8192)


HOSTILE = [
    ("hostile_hang.py", 40, "time limit", {8, 9}),  # the spinning loop, wherever the signal lands
    ("hostile_sys_exit.py", 60, "sys.exit(3)", {10}),
    ("hostile_os_exit.py", 60, "os._exit(7)", {10}),
    ("hostile_segfault.py", 60, "SIGSEGV", {9}),
    ("hostile_socket.py", 60, "network access", {10}),
    ("hostile_memory.py", 60, "memory", {9, 10}),
]


@pytest.mark.slow
@pytest.mark.skipif(not HAS_TF, reason="TensorFlow is not importable")
@pytest.mark.parametrize("name,timeout,text,lines", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_scripts_become_kc905_within_the_limit(name, timeout, text, lines):
    start = time.monotonic()
    out = _check(CASES / name, timeout=timeout, memory_mb=3072)
    took = time.monotonic() - start
    assert took < timeout + 15
    kc905 = [f for f in out if f.code == "KC905"]
    assert kc905, out
    assert any(text in f.message for f in kc905), [f.message for f in kc905]
    assert any(f.line in lines for f in kc905), [(f.line, f.message) for f in kc905]
