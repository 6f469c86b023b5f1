"""How fast is kerascheck, against a bare libcst parse, `import libcst` and pylint?

    nice python benchmarks/bench.py [--corpus PATH ...] [--repeat 5] [--cold-repeat 1]
                                    [--pylint-budget 300] [--one-file FILE] [--breakdown] [--profile]

Times, in one run and on one corpus (default: the installed Keras 3 sources `keras/src` plus
examples/), every command in a fresh subprocess with time.perf_counter:

1. kerascheck cold, one job:  python -m kerascheck CORPUS --output-format concise --exit-zero
   [--no-cache] [--jobs 1]   (the two flags only when `check --help` lists them);
2. kerascheck warm: the same with the cache on, once to prime it, then timed (median of
   --repeat), only if the CLI has a cache (`--no-cache` in the help);
3. a bare `libcst.parse_module` over the same files, in a `python -c` child: the whole child
   (interpreter start + `import libcst` + parse) and, measured inside it, the parse loop alone.
   Runs 1 and 3 alternate (--cold-repeat rounds) so that both see the same load;
4. pylint over the same files (`--disable=all --enable=E --jobs=1`, errors only). If a sample
   predicts more than --pylint-budget seconds for the whole corpus, only the sample is timed,
   kerascheck and the bare parse are timed on the same sample (pylint / bare parse is the ceiling
   of any libcst-based linter's speed-up), and the pylint figure is scaled by lines;
5. one file: `python -m kerascheck FILE` against `python -c "import libcst"` and `python -c pass`,
   interleaved, median of --repeat.

--breakdown times the stages in one process without a profiler (parse / facts / the rest of
`Linter.lint_text`, and reading the project modules the files import); --profile runs one cold run
under cProfile and prints the top costs.

--project N lints a generated multi-module Keras project instead (N copies of a package whose
training and evaluation scripts import their model builders, blocks, constants, losses and callbacks
from sibling modules, a package `__init__` and relative imports), so that the cost of reading
imported modules (kerascheck/facts/project.py) shows in the cold run and the breakdown.

The file list is the one kerascheck itself lints (`check --show-files`), so every tool sees the
same files. Children run with cwd in a temporary folder (no config file found, the cache, if any,
lands there) and PYTHONPATH pointing at this checkout.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import pstats
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent


def _installed_keras_src() -> Path:
    """The installed Keras's sources (found, not imported); a missing Keras is a clear error later."""
    import importlib.util

    spec = importlib.util.find_spec("keras")
    origin = spec.origin if spec is not None else None
    return Path(origin).parent / "src" if origin else Path("keras-is-not-installed/keras/src")


KERAS3_SRC = _installed_keras_src()
DEFAULT_CORPUS = [KERAS3_SRC, ROOT / "examples"]
DEFAULT_ONE_FILE = ROOT / "examples" / "binary_classifier.py"

TARGETS = {  # name: (limit, direction) -- "max": the ratio must be <= limit; "min": >= limit
    "cold / bare parse (incl. import)": (1.5, "max"),
    "warm / cold": (0.15, "max"),
    "one-file / import libcst": (2.0, "max"),
    "pylint / kerascheck cold (speed-up)": (20.0, "min"),
}

PARSE_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import libcst
t1 = time.perf_counter()
paths = open(sys.argv[1], encoding="utf-8").read().splitlines()
errors = 0
for p in paths:
    with open(p, "rb") as fh:
        text = fh.read().decode("utf-8", "surrogateescape")
    try:
        libcst.parse_module(text)
    except Exception:
        errors += 1
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "parse": t2 - t1, "errors": errors}))
"""

BREAKDOWN_SCRIPT = r"""
import ast, json, sys, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import libcst
from kerascheck.config import Settings
from kerascheck.engine import Linter, MARKER_RE
from kerascheck.facts.interp import _Syntax, analyze  # noqa: E402  (the syntax visitor: a white-box benchmark)
from kerascheck.facts.model import ModuleFacts  # noqa: E402
from kerascheck.facts.walk import walk  # noqa: E402
t1 = time.perf_counter()
paths = open(sys.argv[1], encoding="utf-8").read().splitlines()
linter = Linter(Settings())
parse = facts = whole = pyast = walked = children = 0.0
marked = failed = 0
# Reading imported project modules (parse of those not linted yet + their top levels), outermost only.
imported = [0.0, 0, 0]  # seconds, depth, top levels run
try:
    from kerascheck.facts import project as _project

    def _timed(fn, count=False):
        def wrapper(*args, **kwargs):
            if count:
                imported[2] += 1
            if imported[1]:
                return fn(*args, **kwargs)
            imported[1] += 1
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                imported[0] += time.perf_counter() - t
                imported[1] -= 1
        return wrapper

    _project.Scope.run = _timed(_project.Scope.run)
    _project.Scope._execute = _timed(_project.Scope._execute, count=True)
except ImportError:  # a checkout without project modules
    pass
for p in paths:
    with open(p, "rb") as fh:
        text = fh.read().decode("utf-8", "surrogateescape")
    a = time.perf_counter()
    linter.lint_text(text, p)
    b = time.perf_counter()
    whole += b - a
    if not MARKER_RE.search(text):
        continue
    marked += 1
    try:
        a = time.perf_counter()
        module = libcst.parse_module(text)
        b = time.perf_counter()
        analyze(module)
        c = time.perf_counter()
        ast.parse(text)
        d = time.perf_counter()
        walk(module, _Syntax(ModuleFacts(module)))  # the facts layer's own walk, as analyze runs it
        e = time.perf_counter()
        stack = [module]  # a bare pre-order walk through libcst's `.children`, for comparison
        while stack:
            stack.extend(reversed(stack.pop().children))
        f = time.perf_counter()
    except Exception:  # counted and printed: a broken stage must not read as 0 s
        failed += 1
        continue
    parse += b - a
    facts += c - b
    pyast += d - c
    walked += e - d
    children += f - e
print(json.dumps({"import": t1 - t0, "parse": parse, "facts": facts, "whole": whole, "marked": marked,
                  "ast": pyast, "walk": walked, "children": children, "failed": failed, "imported": imported[0],
                  "top_levels": imported[2]}))
"""


# -- a generated multi-module project (--project) -------------------------------------------------
PROJECT_FILES = {
    "__init__.py": '"""Package {k}."""\n',
    "config.py": '''"""Settings shared by training and evaluation."""

NUM_CLASSES = 10
IMG_SIZE = (32, 32)
CHANNELS = 3
BATCH_SIZE = 64
EPOCHS = 20
LEARNING_RATE = 1e-3
DROPOUT = 0.3
FILTERS = [32, 64, 128]
SEED = {k}
''',
    "utils.py": '''"""Command line and logging helpers (no Keras here)."""
import argparse
import logging
import os

log = logging.getLogger(__name__)


def parse_args(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--data", default=os.environ.get("DATA_DIR", "data"))
    ap.add_argument("--out", default="runs")
    return ap.parse_args(argv)


def run_dir(root, name):
    path = os.path.join(root, name)
    os.makedirs(path, exist_ok=True)
    log.info("writing to %s", path)
    return path
''',
    "data.py": '''"""Datasets."""
import numpy as np
import tensorflow as tf

from .config import BATCH_SIZE, IMG_SIZE, NUM_CLASSES, SEED


def load(split="train"):
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.cifar10.load_data()
    x, y = (x_train, y_train) if split == "train" else (x_test, y_test)
    x = x.astype("float32") / 255.0
    return x, tf.keras.utils.to_categorical(y, NUM_CLASSES)


def dataset(x, y, training=True):
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if training:
        ds = ds.shuffle(10_000, seed=SEED)
    return ds.map(lambda a, b: (tf.image.resize(a, IMG_SIZE), b)).batch(BATCH_SIZE).prefetch(2)


def class_weights(y):
    counts = np.bincount(np.argmax(y, axis=1), minlength=NUM_CLASSES)
    return {i: float(len(y)) / (NUM_CLASSES * max(c, 1)) for i, c in enumerate(counts)}
''',
    "models/__init__.py": '''from .blocks import conv_block, dense_block
from .nets import build_classifier, build_small
''',
    "models/blocks.py": '''"""Reusable blocks."""
from tensorflow import keras
from tensorflow.keras import layers


def conv_block(x, filters, dropout=0.0):
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    return x


def dense_block(x, units, dropout=0.0):
    x = layers.Dense(units, activation="relu")(x)
    return layers.Dropout(dropout)(x) if dropout else x
''',
    "models/nets.py": '''"""Model builders."""
from tensorflow import keras
from tensorflow.keras import layers

from ..config import CHANNELS, DROPOUT, FILTERS, IMG_SIZE, NUM_CLASSES
from .blocks import conv_block, dense_block


def build_classifier(num_classes=NUM_CLASSES, filters=FILTERS):
    inputs = keras.Input(shape=IMG_SIZE + (CHANNELS,))
    x = inputs
    for f in filters:
        x = conv_block(x, f, DROPOUT)
    x = layers.GlobalAveragePooling2D()(x)
    x = dense_block(x, 256, DROPOUT)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="classifier")


def build_small(num_classes=NUM_CLASSES):
    return keras.Sequential([
        keras.Input(shape=IMG_SIZE + (CHANNELS,)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(num_classes, activation="softmax"),
    ])
''',
    "losses.py": '''"""Custom losses and metrics."""
import tensorflow as tf


def smoothed_crossentropy(y_true, y_pred, smoothing=0.1):
    y_true = y_true * (1.0 - smoothing) + smoothing / tf.cast(tf.shape(y_true)[-1], tf.float32)
    y_pred = tf.clip_by_value(y_pred, 1e-7, 1.0)
    return -tf.reduce_sum(y_true * tf.math.log(y_pred), axis=-1)


def top2(y_true, y_pred):
    return tf.keras.metrics.top_k_categorical_accuracy(y_true, y_pred, k=2)
''',
    "callbacks.py": '''"""Callbacks."""
from tensorflow import keras


class PrintLR(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        print(epoch, float(keras.backend.get_value(self.model.optimizer.learning_rate)))


def default_callbacks(out):
    return [PrintLR(), keras.callbacks.ModelCheckpoint(out + "/best.keras", save_best_only=True),
            keras.callbacks.EarlyStopping(patience=3)]
''',
    "train.py": '''"""Train the classifier."""
from tensorflow import keras

from . import config
from .callbacks import default_callbacks
from .data import class_weights, dataset, load
from .losses import smoothed_crossentropy, top2
from .models import build_classifier
from .utils import parse_args, run_dir


def main(argv=None):
    args = parse_args(argv)
    x, y = load("train")
    model = build_classifier()
    model.compile(optimizer=keras.optimizers.Adam(config.LEARNING_RATE), loss=smoothed_crossentropy,
                  metrics=["accuracy", top2])
    model.fit(dataset(x, y), epochs=args.epochs or config.EPOCHS, class_weight=class_weights(y),
              callbacks=default_callbacks(run_dir(args.out, "train")))
    return model


if __name__ == "__main__":
    main()
''',
    "evaluate.py": '''"""Evaluate a small model."""
from .config import NUM_CLASSES
from .data import dataset, load
from .models import build_small


def main():
    x, y = load("test")
    model = build_small(NUM_CLASSES)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model.evaluate(dataset(x, y, training=False))


if __name__ == "__main__":
    main()
''',
}


def make_project(root: Path, copies: int) -> Path:
    """N packages `pkgK/` of the files above (a realistic split of one Keras project into modules)."""
    for k in range(copies):
        for rel, text in PROJECT_FILES.items():
            path = root / f"pkg{k}" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text.replace("{k}", str(k)), encoding="utf-8")
    return root


# -- helpers ------------------------------------------------------------------------------------
def run(cmd: list[str], env: dict, cwd: Path, timeout: Optional[float] = None) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                          timeout=timeout, check=False)
    return time.perf_counter() - start, proc


def median_of(n: int, cmd: list[str], env: dict, cwd: Path) -> tuple[float, list[float]]:
    times = [run(cmd, env, cwd)[0] for _ in range(n)]
    return statistics.median(times), times


def spread(ts: list[float]) -> str:
    if len(ts) == 1:
        return "1 run"
    return f"median of {len(ts)}, min {fmt_s(min(ts))}, max {fmt_s(max(ts))}"


def fmt_s(t: Optional[float]) -> str:
    if t is None:
        return "n/a"
    return f"{t * 1000:.0f} ms" if t < 1 else f"{t:.2f} s"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def count_lines(paths: list[str]) -> int:
    total = 0
    for p in paths:
        data = Path(p).read_bytes()
        total += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return total


def sample(paths: list[str], fraction: float) -> list[str]:
    """Every k-th file (of the sorted list), so the sample spans every folder of the corpus."""
    k = max(1, round(1 / fraction))
    return paths[::k]


# -- the benchmark ------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", nargs="+", type=Path, default=None,
                    help="files or folders to lint (default: Keras 3 keras/src + examples/)")
    ap.add_argument("--python", default=sys.executable, help="interpreter for every child")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each short measure (median)")
    ap.add_argument("--cold-repeat", type=int, default=1, help="runs of the whole-corpus cold measure")
    ap.add_argument("--pylint-budget", type=float, default=300.0,
                    help="seconds pylint may take on the whole corpus before it is sampled")
    ap.add_argument("--pylint-sample", type=float, default=0.1, help="fraction of files in the pylint sample")
    ap.add_argument("--skip-pylint", action="store_true")
    ap.add_argument("--one-file", type=Path, default=DEFAULT_ONE_FILE)
    ap.add_argument("--breakdown", action="store_true", help="time parse / facts / rest in-process")
    ap.add_argument("--profile", action="store_true", help="one cold run under cProfile: top costs")
    ap.add_argument("--profile-top", type=int, default=25)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (file list, cache, profile)")
    ap.add_argument("--project", type=int, default=0, metavar="N",
                    help="lint a generated multi-module Keras project of N packages instead of --corpus")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="kerascheck-bench-"))
    if args.project:
        corpus = [make_project(tmp / "project", args.project)]
    else:
        corpus = [p.resolve() for p in (args.corpus or DEFAULT_CORPUS)]
    py = args.python
    notes: list[str] = []
    load_start = loadavg()
    started = _dt.datetime.now().astimezone()

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["KERASCHECK_CACHE_DIR"] = str(tmp / "cache-unused")
    # An installed kerascheck has .pyc files; a checkout run with PYTHONDONTWRITEBYTECODE=1 would
    # recompile its ~65 modules on every start (~150 ms). Keep bytecode, but in the temporary folder.
    if env.pop("PYTHONDONTWRITEBYTECODE", None):
        notes.append("PYTHONDONTWRITEBYTECODE was set: unset for the children, bytecode kept under a "
                     "temporary PYTHONPYCACHEPREFIX (primed before timing), as for an installed package")
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    kc = [py, "-m", "kerascheck"]

    # -- what the CLI accepts --------------------------------------------------------------------
    _, helpp = run(kc + ["check", "--help"], env, tmp)
    help_text = helpp.stdout.decode(errors="replace")
    has_cache = "--no-cache" in help_text
    has_jobs = re.search(r"--jobs\b", help_text) is not None
    cold_flags = ["--output-format", "concise", "--exit-zero"]
    if has_cache:
        cold_flags.append("--no-cache")
    else:
        notes.append("the CLI has no `--no-cache` yet: the cold run has no cache to bypass and the warm run is n/a")
    if has_jobs:
        cold_flags += ["--jobs", "1"]
    else:
        notes.append("the CLI has no `--jobs` yet: every run is single-process anyway")

    run(kc + [str(args.one_file.resolve())], env, tmp)  # primes the bytecode cache; not timed
    if not args.skip_pylint:  # primes pylint's bytecode too
        run([py, "-m", "pylint", "--disable=all", "--enable=E", str(args.one_file.resolve())], env, tmp)

    # -- the corpus: kerascheck's own file list ---------------------------------------------------
    _, showp = run(kc + ["check", "--show-files"] + [str(p) for p in corpus], env, tmp)
    files = [ln for ln in showp.stdout.decode(errors="replace").splitlines() if ln.strip()]
    if showp.returncode != 0 or not files:
        files = sorted(str(f) for p in corpus for f in ([p] if p.is_file() else p.rglob("*.py")))
        notes.append("`check --show-files` failed: the corpus is every *.py under the paths")
    files = sorted(f if os.path.isabs(f) else str(tmp / f) for f in files)  # shown relative to the cwd (tmp)
    lines_of = {f: count_lines([f]) for f in files}
    n_lines = sum(lines_of.values())
    listfile = tmp / "files.txt"
    listfile.write_text("\n".join(files) + "\n", encoding="utf-8")
    try:
        marked = sum(1 for f in files if re.search(r"keras|tensorflow|tf_keras",
                                                   Path(f).read_bytes().decode("utf-8", "replace")))
    except OSError:
        marked = -1

    print(f"kerascheck benchmark -- {started:%Y-%m-%d %H:%M %Z}", flush=True)
    print(f"corpus: {', '.join(map(str, corpus))}")
    print(f"        {len(files)} files, {n_lines} lines ({marked} files mention keras/tensorflow and are parsed "
          f"by kerascheck; the others are skipped before parsing)", flush=True)

    results: dict[str, Optional[float]] = {}
    detail: dict[str, str] = {}
    cold_cmd = kc + [str(p) for p in corpus] + cold_flags

    # 3. bare parse and 1. cold, interleaved (parse, cold, parse, cold, ...) so that both see the
    # same load on a shared machine; one untimed parse first warms the OS page cache.
    parse_cmd = [py, "-c", PARSE_SCRIPT, str(listfile)]
    run(parse_cmd, env, tmp)
    walls, inner, colds = [], [], []
    proc = None
    for i in range(args.cold_repeat):
        wall, pproc = run(parse_cmd, env, tmp)
        walls.append(wall)
        inner.append(json.loads(pproc.stdout.decode().strip().splitlines()[-1]))
        t, proc = run(cold_cmd, env, tmp)
        colds.append(t)
        if proc.returncode != 0:
            notes.append(f"kerascheck cold exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-300:]}")
        print(f"  round {i + 1}: bare parse {fmt_s(wall)}, kerascheck cold {fmt_s(t)} (load {loadavg()})", flush=True)
    results["bare parse (incl. interpreter + import)"] = statistics.median(walls)
    results["bare parse (parse loop only)"] = statistics.median(d["parse"] for d in inner)
    detail["bare parse (incl. interpreter + import)"] = (
        f"{spread(walls)}; import libcst inside {fmt_s(statistics.median(d['import'] for d in inner))}; "
        f"{inner[0]['errors']} parse errors")
    results["kerascheck cold, 1 job"] = statistics.median(colds)
    last = proc.stdout.decode(errors="replace").strip().splitlines() if proc else []
    detail["kerascheck cold, 1 job"] = f"{spread(colds)}; " + (last[-1] if last else "")

    # 2. warm
    if has_cache:
        warm_env = dict(env, KERASCHECK_CACHE_DIR=str(tmp / "cache"))
        warm_cmd = [a for a in cold_cmd if a != "--no-cache"]
        run(warm_cmd, warm_env, tmp)  # primes
        results["kerascheck warm (cache primed)"], ws = median_of(args.repeat, warm_cmd, warm_env, tmp)
        detail["kerascheck warm (cache primed)"] = spread(ws)
        misses = [w for w in ws if w > 0.5 * results["kerascheck cold, 1 job"] and w > 3 * min(ws)]
        if misses:
            notes.append(f"{len(misses)} of {len(ws)} warm runs took as long as a cold one ({', '.join(map(fmt_s, misses))}): "
                         "the cache key includes the mtimes of kerascheck's own sources, so an edit to kerascheck/ "
                         "during the benchmark empties the cache; the median ignores it")
    else:
        results["kerascheck warm (cache primed)"] = None
        detail["kerascheck warm (cache primed)"] = "n/a (no cache yet)"
    warm_t = results["kerascheck warm (cache primed)"]
    print(f"warm: {fmt_s(warm_t) if has_cache else detail['kerascheck warm (cache primed)']}", flush=True)

    # 4. pylint
    pylint_flags = ["--disable=all", "--enable=E", "--jobs=1", "--score=n", "--reports=n", "--persistent=n"]
    pylint_ratio: Optional[float] = None
    pylint_ceiling: Optional[float] = None  # pylint / bare parse: the speed-up a parse-only linter would get
    if args.skip_pylint:
        results["pylint -E"] = None
        detail["pylint -E"] = "skipped"
    else:
        smp = sample(files, args.pylint_sample)
        smp_lines = sum(lines_of[f] for f in smp)
        t_smp, proc = run([py, "-m", "pylint"] + pylint_flags + smp, env, tmp)
        if b"No module named pylint" in proc.stderr:
            results["pylint -E"] = None
            detail["pylint -E"] = "pylint is not installed in the interpreter"
        else:
            estimate = t_smp * n_lines / max(1, smp_lines)
            if estimate <= args.pylint_budget:
                t_full, _ = run([py, "-m", "pylint"] + pylint_flags + files, env, tmp)
                results["pylint -E"] = t_full
                detail["pylint -E"] = f"all {len(files)} files"
                pylint_ratio = t_full / results["kerascheck cold, 1 job"]
                pylint_ceiling = t_full / results["bare parse (incl. interpreter + import)"]
            else:
                smp_list = tmp / "sample.txt"
                smp_list.write_text("\n".join(smp) + "\n", encoding="utf-8")
                kc_smp, _ = run(kc + smp + cold_flags, env, tmp)
                parse_smp, _ = run([py, "-c", PARSE_SCRIPT, str(smp_list)], env, tmp)
                results["pylint -E"] = estimate
                pylint_ratio = t_smp / kc_smp
                pylint_ceiling = t_smp / parse_smp
                detail["pylint -E"] = (f"scaled by lines from a sample of {len(smp)} files / {smp_lines} lines: "
                                       f"pylint {fmt_s(t_smp)}, kerascheck cold {fmt_s(kc_smp)}, "
                                       f"bare parse {fmt_s(parse_smp)} on the same sample")
        print(f"pylint: {fmt_s(results['pylint -E'])} ({detail['pylint -E']})", flush=True)

    # 5. one file
    one = args.one_file.resolve()
    one_cmds = {"python -c pass": [py, "-c", "pass"],
                "python -c 'import libcst'": [py, "-c", "import libcst"],
                "kerascheck one file": kc + [str(one)]}
    one_times: dict[str, list[float]] = {k: [] for k in one_cmds}
    for _ in range(args.repeat):  # interleaved, like the corpus runs
        for name, cmd in one_cmds.items():
            one_times[name].append(run(cmd, env, tmp)[0])
    for name, ts in one_times.items():
        results[name] = statistics.median(ts)
        detail[name] = spread(ts)
    detail["kerascheck one file"] = f"{one.name}, {count_lines([str(one)])} lines; {spread(one_times['kerascheck one file'])}"
    print(f"one file: {fmt_s(results['kerascheck one file'])}", flush=True)

    breakdown = None
    if args.breakdown:
        _, proc = run([py, "-c", BREAKDOWN_SCRIPT, str(listfile)], env, tmp)
        try:
            breakdown = json.loads(proc.stdout.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            notes.append(f"--breakdown failed: {proc.stderr.decode(errors='replace')[-300:]}")

    profile_rows = None
    if args.profile:
        prof = tmp / "cold.prof"
        run([py, "-m", "cProfile", "-o", str(prof), "-m", "kerascheck"] + [str(p) for p in corpus] + cold_flags,
            env, tmp)
        profile_rows = profile_summary(prof, args.profile_top)
        profile_rows += [""] + import_times(py, ["-m", "kerascheck", str(args.one_file.resolve())], env, tmp)

    load_end = loadavg()
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)

    # -- report ------------------------------------------------------------------------------------
    cold = results["kerascheck cold, 1 job"]
    warm = results["kerascheck warm (cache primed)"]
    ratios = {
        "cold / bare parse (incl. import)": cold / results["bare parse (incl. interpreter + import)"],
        "warm / cold": (warm / cold) if warm is not None else None,
        "one-file / import libcst": results["kerascheck one file"] / results["python -c 'import libcst'"],
        "pylint / kerascheck cold (speed-up)": pylint_ratio,
    }

    print()
    print("## Machine")
    print()
    print(f"- CPUs: {os.cpu_count()} x {cpu_model()}")
    print(f"- Python: {platform.python_version()} ({py})")
    print(f"- libcst {_version('libcst')}, pylint {_version('pylint')} (in the benchmark's interpreter)")
    print(f"- date: {started:%Y-%m-%d %H:%M %Z}; niceness {os.nice(0)}")
    print(f"- load average (1/5/15 min): {load_start} at start, {load_end} at end")
    print(f"- corpus: {len(files)} files, {n_lines} lines: {', '.join(map(str, corpus))}")
    print(f"- cold command: `{' '.join(shlex.quote(a) for a in ['python', '-m', 'kerascheck', 'CORPUS'] + cold_flags)}`")
    print(f"- pylint command: `python -m pylint {' '.join(pylint_flags)} FILES`")
    print()
    print("## Times")
    print()
    print("| measure | time | notes |")
    print("|---|---:|---|")
    for name, t in results.items():
        print(f"| {name} | {fmt_s(t)} | {detail.get(name, '')} |")
    print()
    print("## Ratios against the targets")
    print()
    print("| ratio | measured | target | verdict |")
    print("|---|---:|---:|---|")
    for name, value in ratios.items():
        limit, direction = TARGETS[name]
        target = f"{'<=' if direction == 'max' else '>='} {limit:g}x"
        if value is None:
            print(f"| {name} | n/a | {target} | n/a |")
            continue
        ok = value <= limit if direction == "max" else value >= limit
        print(f"| {name} | {value:.2f}x | {target} | {'met' if ok else 'MISSED'} |")
    if len(colds) > 1 or args.repeat > 1:
        one_min = min(one_times["kerascheck one file"]) / min(one_times["python -c 'import libcst'"])
        print(f"\n(the same ratios from the fastest run of each, less sensitive to the load: "
              f"cold / bare parse {min(colds) / min(walls):.2f}x; "
              f"one-file / import libcst {one_min:.2f}x"
              + (f"; warm / cold {min(ws) / min(colds):.3f}x" if has_cache else "") + ")")
    if pylint_ceiling is not None:
        print(f"(pylint / bare libcst parse on the same files: {pylint_ceiling:.1f}x -- the speed-up a linter that "
              "only parsed would get, the ceiling for kerascheck)")
    parse_only = results["bare parse (parse loop only)"]
    print(f"\n(cold / parse loop only: {cold / parse_only:.2f}x; one-file / `python -c pass`: "
          f"{results['kerascheck one file'] / results['python -c pass']:.2f}x)")

    if breakdown:
        print()
        print("## In-process stage breakdown (no profiler)")
        print()
        rest = breakdown["whole"] - breakdown["parse"] - breakdown["facts"] - breakdown["ast"]
        print(f"- imports (libcst + kerascheck): {fmt_s(breakdown['import'])}")
        print(f"- Linter.lint_text over all files: {fmt_s(breakdown['whole'])} ({breakdown['marked']} files parsed); "
              "each stage below timed separately on the same files")
        w = breakdown["whole"] or 1
        print(f"  - libcst.parse_module: {fmt_s(breakdown['parse'])} ({100 * breakdown['parse'] / w:.0f}%)")
        print(f"  - facts (kerascheck.facts.interp.analyze): {fmt_s(breakdown['facts'])} ({100 * breakdown['facts'] / w:.0f}%)")
        print(f"    - of which the tree walk (`facts.walk.walk` with the syntax visitor): "
              f"{fmt_s(breakdown['walk'])} ({100 * breakdown['walk'] / w:.0f}%)")
        if "children" in breakdown:
            print(f"  - for comparison, not part of a run: a bare pre-order walk through libcst's `node.children` "
                  f"{fmt_s(breakdown['children'])} ({100 * breakdown['children'] / w:.0f}%)")
        print(f"  - CPython `ast.parse` (what the nesting-depth guard cost before it compiled to bytecode instead; Positions parses it for files with findings): {fmt_s(breakdown['ast'])} "
              f"({100 * breakdown['ast'] / w:.0f}%)")
        if "imported" in breakdown:
            print(f"  - reading imported project modules (parse of those not linted yet + running their top "
                  f"levels; inside `facts` of the run above): {fmt_s(breakdown['imported'])} "
                  f"({100 * breakdown['imported'] / w:.0f}%; {breakdown['top_levels']} top levels run)")
        if breakdown.get("failed"):
            print(f"  - {breakdown['failed']} files left out of the stage timings: a stage raised on them")
        if rest >= 0:
            print(f"  - the rest (rules, positions, noqa, findings): {fmt_s(rest)} ({100 * rest / w:.0f}%)")
        else:
            print(f"  - the rest (rules, positions, noqa, findings): below the noise (the stages add up to "
                  f"{fmt_s(-rest)} more than the whole; the load changed between the timings)")

    if profile_rows:
        print()
        print("## cProfile of one cold run (cumulative; the profiler inflates Python-heavy code)")
        print()
        for line in profile_rows:
            print(line)

    if notes:
        print()
        print("## Notes")
        print()
        for n in notes:
            print(f"- {n}")
    return 0


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def _package_of(filename: str, func: str) -> str:
    f = filename.replace("\\", "/")
    if f.startswith("~"):
        m = re.match(r"<(?:built-in )?method (?:'?)([\w.]+)", func)
        name = m.group(1) if m else ""
        return f"C built-ins ({name if name in ('builtins.exec', 'builtins.compile', 'marshal.loads') else 'other'})"
    if "/kerascheck/" in f:
        parts = f.split("/kerascheck/", 1)[1].split("/")
        return "kerascheck." + (parts[0] if len(parts) > 1 else parts[0].removesuffix(".py"))
    m = re.search(r"site-packages/([^/]+)", f)
    if m:
        return m.group(1).removesuffix(".py")
    return "stdlib / frozen"


def import_times(py: str, argv: list[str], env: dict, cwd: Path) -> list[str]:
    """`python -X importtime`: cumulative import cost of the top-level packages, and the worst modules."""
    _, proc = run([py, "-X", "importtime"] + argv, env, cwd)
    top: dict[str, int] = {}
    selfs: list[tuple[int, str]] = []
    for line in proc.stderr.decode(errors="replace").splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        self_us, cum_us, indent, mod = int(m.group(1)), int(m.group(2)), len(m.group(3)), m.group(4)
        selfs.append((self_us, mod))
        if indent <= 1:
            root = mod.split(".")[0]
            top[root] = top.get(root, 0) + cum_us
    rows = ["Cumulative import time by top-level package (`-X importtime`, includes what each pulls in first):", ""]
    for name, us in sorted(top.items(), key=lambda kv: kv[1], reverse=True)[:10]:
        rows.append(f"- {name}: {us / 1000:.0f} ms")
    rows += ["", "Worst modules by own import time:", ""]
    for us, mod in sorted(selfs, reverse=True)[:10]:
        rows.append(f"- {mod}: {us / 1000:.0f} ms")
    return rows


def profile_summary(path: Path, top: int) -> list[str]:
    st = pstats.Stats(str(path))
    total = max(st.total_tt, 1e-9)  # type: ignore[attr-defined]

    def cum(file_part: str, func: str) -> float:
        return sum(v[3] for (f, _, fn), v in st.stats.items()  # type: ignore[attr-defined]
                   if fn == func and file_part in f.replace("\\", "/"))

    groups = [
        ("libcst.parse_module", cum("libcst/_parser/entrypoints.py", "parse_module")),
        ("facts: kerascheck.facts.interp.analyze", cum("kerascheck/facts/interp.py", "analyze")),
        ("rules + facts: Linter._run_rules", cum("kerascheck/engine.py", "_run_rules")),
        ("positions: Positions.load (PositionProvider)", cum("kerascheck/positions.py", "load")),
        ("findings: Linter._finish (positions, noqa)", cum("kerascheck/engine.py", "_finish")),
        ("output", sum(v[3] for (f, _, fn), v in st.stats.items()  # type: ignore[attr-defined]
                       if "kerascheck/output/" in f and fn in ("render", "write", "emit", "format"))),
    ]
    rules_only = groups[2][1] - groups[1][1]
    rows = [f"- total profiled: {total:.2f} s"]
    for name, t in groups:
        rows.append(f"- {name}: {t:.2f} s ({100 * t / total:.0f}%)")
    rows.append(f"- rules alone (_run_rules - analyze): {rules_only:.2f} s ({100 * rules_only / total:.0f}%)")
    by_pkg: dict[str, float] = {}
    for (f, _, fn), v in st.stats.items():  # type: ignore[attr-defined]
        by_pkg[_package_of(f, fn)] = by_pkg.get(_package_of(f, fn), 0.0) + v[2]
    rows.append("")
    rows.append("Own time by package:")
    rows.append("")
    for name, t in sorted(by_pkg.items(), key=lambda kv: kv[1], reverse=True)[:10]:
        rows.append(f"- {name}: {t:.2f} s ({100 * t / total:.0f}%)")
    wrappers = ("click/", "<frozen runpy>", "kerascheck/__main__.py", "<string>")
    entries = [kv for kv in sorted(st.stats.items(), key=lambda kv: kv[1][3], reverse=True)  # type: ignore[attr-defined]
               if not kv[0][0].startswith("~") and not any(w in kv[0][0] for w in wrappers)]
    for title, rows_of in ((f"Top {top} by cumulative time (wrappers and C built-ins left out):", entries[:top]),
                           ("Top 15 by own time:",
                            sorted(st.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:15])):  # type: ignore[attr-defined]
        rows += ["", title, "", "```"]
        for (f, line, fn), (_, nc, tt, ct, _) in rows_of:
            short = re.sub(r".*/site-packages/", "", f.replace(str(ROOT) + "/", ""))
            short = re.sub(r".*/lib/python3\.\d+/", "", short)
            rows.append(f"{ct:8.2f}s cum {tt:7.2f}s own {nc:>9} calls  {short}:{line}({fn})")
        rows.append("```")
    return rows


if __name__ == "__main__":
    sys.exit(main())
