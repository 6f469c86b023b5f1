"""`--runtime` through the CLI: findings carry Keras's own verdict; a missing TensorFlow is one line."""

import importlib.util
import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from helpers import ROOT, env_with_checkout

HAVE_TF = importlib.util.find_spec("tensorflow") is not None


def _kc(*args, cwd):
    return subprocess.run([sys.executable, "-m", "kerascheck", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env_with_checkout(), timeout=600)


def test_runtime_without_tensorflow_is_one_line_and_exit_2(tmp_path):
    bare = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False).create(bare)
    python = bare / "bin" / "python"
    out = _kc("--runtime", "--python", python, ROOT / "examples" / "segmentation.py", cwd=tmp_path)
    assert out.returncode == 2
    assert "runtime mode needs TensorFlow" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_static_mode_never_reports_runtime(tmp_path):
    out = _kc(ROOT / "examples" / "segmentation.py", "--output-format", "json", "--no-cache", cwd=tmp_path)
    assert all(f["runtime"] is None for f in json.loads(out.stdout))


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_TF, reason="TensorFlow is not installed")
def test_runtime_confirms_the_segmentation_example_with_keras_text(tmp_path):
    out = _kc("--runtime", ROOT / "examples" / "segmentation.py", "--output-format", "json", "--no-cache",
              "--keras-version", "3", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    by_code = {f["code"]: f for f in json.loads(out.stdout)}
    kc207 = by_code["KC207"]["runtime"]
    assert kc207["status"] == "confirmed"
    assert "same rank" in kc207["detail"]


def test_server_subcommand_answers_initialize(tmp_path):
    """`kerascheck server` (the documented entry point) speaks LSP over stdio."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"processId": None, "rootUri": None, "capabilities": {}}})
    exit_ = json.dumps({"jsonrpc": "2.0", "method": "exit"})
    msg = "".join(f"Content-Length: {len(b)}\r\n\r\n{b}" for b in (body, exit_))
    out = subprocess.run([sys.executable, "-m", "kerascheck", "server"], input=msg, capture_output=True,
                         text=True, cwd=tmp_path, env=env_with_checkout(), timeout=60)
    assert '"id": 1' in out.stdout or '"id":1' in out.stdout, out.stderr
    assert "capabilities" in out.stdout
