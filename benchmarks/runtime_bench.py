"""Runtime mode: what it costs, and what it says about the end-to-end fixtures.

    python benchmarks/runtime_bench.py [--python PATH] [--keras 3] [--repeat 3] [--fixtures] [--verbose]
                                       [--sandbox]

Measures (in the target interpreter) the bare interpreter start, `import tensorflow`, and the
whole per-file check (`kerascheck.runtime.check_file`: slice, child process, TF import, trace,
verdicts) on a few representative files. With --fixtures, runs runtime mode over every
tests/fixtures/KC*/ script and prints the confirmed / refuted / not-checked counts per rule; a
`refuted` means a rule or the trace is wrong, and is printed in full. With --sandbox, the cost of
the kernel sandbox (kerascheck/runtime/sandbox.py): each file checked with `--runtime-sandbox off`
and `auto` in alternation (medians, and what applying the layers took inside the child), and the
once-per-run probe.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from kerascheck.config import Settings  # noqa: E402
from kerascheck.engine import Linter  # noqa: E402
from kerascheck.runtime import check_file  # noqa: E402

FILES = [
    ROOT / "tests/runtime_cases/correct_regression.py",
    ROOT / "tests/runtime_cases/seg_int_mask_cce.py",
    ROOT / "tests/fixtures/KC201/bad_softmax_single_unit.py",
]


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   env={"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "-1", "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - start


def lint(path: Path, keras: str = "3"):
    """The file's analysis, which runtime mode works from."""
    return Linter(Settings(keras_version=keras)).lint_text(path.read_text(encoding="utf-8"), str(path))


def check(path: Path, python: str, keras: str = "3", sandbox: str = "auto"):
    analysis = lint(path, keras)
    start = time.perf_counter()
    out = check_file(path, analysis, python=python, timeout=120, memory_mb=8192, keras_versions=[keras],
                     sandbox=sandbox)
    return time.perf_counter() - start, out


def sandbox_overhead(python: str, repeat: int) -> None:
    from kerascheck.runtime import runner

    probe = []
    for _ in range(repeat):
        start = time.perf_counter()
        layers = runner.probe_sandbox(python)
        probe.append(time.perf_counter() - start)
    active, missing = runner.layer_summary(layers)
    print(f"sandbox layers: {', '.join(active) or 'none'}" + (f"; missing: {'; '.join(missing)}" if missing else ""))
    print(f"probe (once per run)    median {statistics.median(probe):6.3f} s")
    real_run = runner.run_child
    inside: list[float] = []

    def recording(*args, **kwargs):
        run = real_run(*args, **kwargs)
        inside.append(run.sandbox.get("seconds", 0.0))
        return run

    runner_module = sys.modules["kerascheck.runtime"]
    runner_module.run_child = recording
    try:
        for path in FILES:
            times: dict[str, list[float]] = {"off": [], "auto": []}
            for _ in range(repeat):
                for mode in ("off", "auto"):
                    times[mode].append(check(path, python, sandbox=mode)[0])
            off, auto = statistics.median(times["off"]), statistics.median(times["auto"])
            print(f"check_file {path.name:32s} off {off:6.2f} s  auto {auto:6.2f} s  difference {auto - off:+.3f} s")
    finally:
        runner_module.run_child = real_run
    applied = [t for t in inside if t]
    if applied:
        print(f"applying the layers inside the child: median {statistics.median(applied) * 1000:.1f} ms "
              f"(max {max(applied) * 1000:.1f} ms, {len(applied)} runs)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fixtures", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--keras", default="3", help="the Keras major of --python: fixtures for the other are left out")
    ap.add_argument("--sandbox", action="store_true", help="measure the kernel sandbox's cost per file")
    args = ap.parse_args()
    if args.sandbox:
        sandbox_overhead(args.python, args.repeat)
        return

    print(f"interpreter: {args.python}")
    bare = [timed([args.python, "-c", "pass"]) for _ in range(args.repeat)]
    tf = [timed([args.python, "-c", "import tensorflow"]) for _ in range(args.repeat)]
    print(f"python -c pass          median {statistics.median(bare):6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in bare)})")
    print(f"import tensorflow       median {statistics.median(tf):6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in tf)})")
    for path in FILES:
        runs = [check(path, args.python)[0] for _ in range(args.repeat)]
        print(f"check_file {path.name:32s} median {statistics.median(runs):6.2f} s  "
              f"(runs: {', '.join(f'{t:.2f}' for t in runs)})")

    if not args.fixtures:
        return
    from fixture_spec import all_fixtures

    counts: dict[str, Counter] = defaultdict(Counter)
    total: Counter = Counter()
    refuted = []
    seconds = []
    for fx in all_fixtures():
        keras = fx.keras or args.keras
        if keras != args.keras:
            continue  # a fixture for the other Keras: its findings could only be not-checked
        took, out = check(fx.path, args.python, keras)
        seconds.append(took)
        for f in out:
            status = (f.runtime or {}).get("status", "none")
            counts[f.code][status] += 1
            total[status] += 1
            if status == "refuted":
                refuted.append((fx.id, f))
            if args.verbose or status == "refuted":
                print(f"  {fx.id}: {f.code}@{f.line} {status}: {(f.runtime or {}).get('detail', '')[:300]}")
        if args.verbose and not out:
            print(f"  {fx.id}: no findings")
    print(f"\nfixtures: {len(seconds)} files, check_file median {statistics.median(seconds):.2f} s, "
          f"max {max(seconds):.2f} s, total {sum(seconds):.1f} s")
    for code in sorted(counts):
        c = counts[code]
        print(f"  {code}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    print("total: " + ", ".join(f"{k} {v}" for k, v in sorted(total.items())))
    if refuted:
        print(f"\n{len(refuted)} refuted finding(s): a rule or the trace is wrong")


if __name__ == "__main__":
    main()
