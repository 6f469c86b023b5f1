"""Run the child (child.py) in the target interpreter, with a time limit, and read its events."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from kerascheck.runtime.sandbox import LAYERS

CHILD = Path(__file__).with_name("child.py")
SANDBOX = Path(__file__).with_name("sandbox.py")
EXIT_NO_TF = 3
LOG_TAIL = 32 * 1024
INSTALL_HINT = "runtime mode needs TensorFlow: pip install 'kerascheck[runtime]'"


class RuntimeUnavailable(Exception):
    """The target interpreter cannot run the runtime checks (no TensorFlow, not found, ...)."""


@dataclass
class ChildRun:
    events: list[dict[str, Any]] = field(default_factory=list)
    returncode: Optional[int] = None
    timed_out: bool = False
    seconds: float = 0.0
    log: str = ""  # the tail of the child's stdout+stderr (user prints, faulthandler dumps)

    def first(self, ev: str) -> Optional[dict[str, Any]]:
        return next((e for e in self.events if e.get("ev") == ev), None)

    def all(self, ev: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("ev") == ev]

    @property
    def sandbox(self) -> dict[str, Any]:
        """The sandbox the child ran under: {"mode": .., "layers": {name: {"ok": .., "why": ..}}}."""
        return (self.first("start") or {}).get("sandbox") or {}

    @property
    def device(self) -> dict[str, str]:
        return (self.first("start") or {}).get("device") or {"name": "cpu", "note": ""}

    @property
    def finished(self) -> bool:
        return self.first("done") is not None


class SandboxRefused(RuntimeUnavailable):
    """--runtime-sandbox require, and the system lacks a required layer."""


def seccomp_module() -> str:
    """Where pyseccomp (pure Python over the system's libseccomp) is installed for this interpreter:
    the child loads it from there, since the user's interpreter may not have it. "" when missing."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("pyseccomp")
    except (ImportError, ValueError):
        return ""
    return spec.origin if spec is not None and spec.origin else ""


def probe_sandbox(python: str) -> dict[str, dict[str, Any]]:
    """The sandbox layers this system offers, tried for real in a throwaway process of `python`
    (sandbox.py --probe): {"network": {"ok": .., "why": ..}, "landlock": {..., "abi": n}, "seccomp": {...}}."""
    try:
        out = subprocess.run([python, str(SANDBOX), "--probe", seccomp_module()], stdin=subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=30, env=child_env(tempfile.gettempdir()))
        return json.loads(out.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        why = f"the probe failed: {exc}"
        return {key: {"ok": False, "why": why} for key in LAYERS}


def layer_summary(layers: dict[str, dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(the active layers, the missing ones with why) in words, from a probe or a child's report."""
    active, missing = [], []
    for key, name in LAYERS.items():
        layer = layers.get(key)
        if layer is None:
            continue
        if layer.get("ok"):
            active.append(name + (f" (ABI {layer['abi']})" if layer.get("abi") else ""))
        else:
            missing.append(f"{name}: {layer.get('why') or 'unavailable'}")
    return active, missing


def refusal(lacking: list[tuple[str, str]]) -> str:
    """--runtime-sandbox require's one line: the required layers (name, why) this system lacks."""
    what = "; ".join(f"{LAYERS.get(key, key)} ({why or 'unavailable'})" for key, why in lacking)
    return f"--runtime-sandbox require: this system offers no {what}; runtime mode will not run code without it"


def child_env(tmp: str, device: str = "cpu") -> dict[str, str]:
    env = dict(os.environ)
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = "-1"  # no device memory grabbing, and RLIMIT_AS stays sane
    env.update({
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "KERAS_BACKEND": "tensorflow",
        "TMPDIR": tmp,  # autograph writes its converted code here; the child allows writes only here
        "TEMP": tmp,
        "TMP": tmp,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "MPLBACKEND": "Agg",
    })
    for key in ("PYTHONSTARTUP", "PYTHONINSPECT"):
        env.pop(key, None)
    return env


def run_child(python: str, path: Path, source: str, job: dict[str, Any], timeout: float,
              memory_mb: int, sandbox: str = "auto", device: str = "cpu") -> ChildRun:
    run = ChildRun()
    with tempfile.TemporaryDirectory(prefix="kerascheck-runtime-") as tmp:
        events = os.path.join(tmp, "events.jsonl")
        job = dict(job, path=str(path), source=source, events=events, tmp=tmp, memory_mb=memory_mb,
                   sandbox=sandbox, seccomp=seccomp_module() if sandbox != "off" else "", device=device)
        job_path = os.path.join(tmp, "job.json")
        with open(job_path, "w", encoding="utf-8") as fh:
            json.dump(job, fh)
        log_path = os.path.join(tmp, "log.txt")
        cwd = str(path.parent) if path.parent.is_dir() else os.getcwd()
        start = time.monotonic()
        with open(log_path, "wb") as log:
            try:
                proc = subprocess.Popen([python, str(CHILD), job_path], stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=log, cwd=cwd, env=child_env(tmp, device),
                                        start_new_session=(os.name == "posix"))
            except OSError as exc:
                raise RuntimeUnavailable(f"runtime mode cannot start {python}: {exc.strerror or exc}") from None
            try:
                run.returncode = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                run.timed_out = True
                _stop(proc)
                run.returncode = proc.returncode
            finally:
                _kill_group(proc)
        run.seconds = time.monotonic() - start
        run.events = _read_events(events)
        run.log = _tail(log_path)
    if run.first("no-tf") is not None:
        detail = run.first("no-tf").get("error", "")
        where = "" if os.path.realpath(python) == os.path.realpath(sys.executable) else f" (in {python})"
        raise RuntimeUnavailable(f"{INSTALL_HINT}{where}" + (f" [{detail}]" if "No module named" not in detail else ""))
    refused = run.first("refused")
    if refused is not None:
        raise SandboxRefused(refusal([tuple(m) for m in refused.get("missing") or []]))
    if run.first("start") is None and not run.timed_out:
        last = run.log.strip().splitlines()[-1:] or [f"exit status {run.returncode}"]
        raise RuntimeUnavailable(f"runtime mode could not run {python}: {last[0]}")
    return run


def _stop(proc: subprocess.Popen) -> None:
    """Ask faulthandler for a traceback (SIGUSR1, see child.py), then kill the whole group."""
    if os.name == "posix":
        try:
            os.kill(proc.pid, signal.SIGUSR1)
            proc.wait(timeout=1.0)
        except (subprocess.TimeoutExpired, ProcessLookupError, PermissionError):
            pass
    _kill_group(proc)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _kill_group(proc: subprocess.Popen) -> None:
    """The child runs in its own session: end it and anything it started, never anything else."""
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        elif proc.poll() is None:
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _read_events(path: str) -> list[dict[str, Any]]:
    out = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass  # a line cut short by a crash
    except OSError:
        pass
    return out


def _tail(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - LOG_TAIL))
            return fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def tensorflow_importable(python: str, timeout: float = 30.0) -> bool:
    """Whether `python` can find TensorFlow, without importing it (fast)."""
    code = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('tensorflow') else 3)"
    try:
        return subprocess.run([python, "-c", code], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=timeout).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
