"""The wheel, installed (not editable) into a fresh virtualenv, works on its own: the rule catalogue
ships inside it and the `kerascheck` console script runs without this checkout on the path.

Needs pip to reach a package index for libcst, click and pyyaml.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import copy_working_tree

from kerascheck.catalogue import load_catalogue

ROOT = Path(__file__).resolve().parent.parent
BIN = "Scripts" if sys.platform == "win32" else "bin"


BAD = 'import keras\nmodel = keras.Sequential([keras.layers.Dense(1, activation="softmax")])\n'

pytestmark = pytest.mark.slow


def clean_env() -> dict:
    """No PYTHONPATH (so nothing can come from the checkout) and no inherited virtualenv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(cmd, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, env=clean_env(),
                          timeout=900, **kwargs)


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("installed")
    source = copy_working_tree(tmp / "src")
    wheels = tmp / "wheels"
    p = run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, source], tmp)
    assert p.returncode == 0, p.stderr
    (wheel,) = wheels.glob("kerascheck-*.whl")
    env_dir = tmp / "venv"
    p = run([sys.executable, "-m", "venv", env_dir], tmp)
    assert p.returncode == 0, p.stderr
    p = run([env_dir / BIN / "python", "-m", "pip", "install", "--quiet", wheel], tmp)
    assert p.returncode == 0, p.stderr
    return env_dir


@pytest.fixture
def workdir(tmp_path) -> Path:
    (tmp_path / "train.py").write_text(BAD, encoding="utf-8")
    return tmp_path


def test_installed_from_the_wheel_not_the_checkout(venv, workdir):
    p = run([venv / BIN / "python", "-c", "import kerascheck; print(kerascheck.__file__)"], workdir)
    assert p.returncode == 0, p.stderr
    installed = Path(p.stdout.strip()).resolve()
    assert venv.resolve() in installed.parents and ROOT not in installed.parents


def test_rule_docs_come_from_the_packaged_catalogue(venv, workdir):
    p = run([venv / BIN / "kerascheck", "rule", "KC201"], workdir)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("# softmax-on-single-unit (KC201)") and "## Why is this bad?" in p.stdout


def test_every_rule_is_packaged(venv, workdir):
    p = run([venv / BIN / "kerascheck", "rules"], workdir)
    assert p.returncode == 0, p.stderr
    assert [line.split()[0] for line in p.stdout.splitlines()] == list(load_catalogue())


def test_console_script_finds_the_bug(venv, workdir):
    p = run([venv / BIN / "kerascheck", "train.py", "--output-format", "concise"], workdir)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "train.py:2:60: KC201" in p.stdout


def test_module_entry_point_and_version(venv, workdir):
    from kerascheck import __version__

    p = run([venv / BIN / "python", "-m", "kerascheck", "--version"], workdir)
    assert (p.returncode, p.stdout.strip()) == (0, f"kerascheck {__version__}"), p.stderr
    (workdir / "train.py").write_text(BAD.replace("softmax", "sigmoid"), encoding="utf-8")
    p = run([venv / BIN / "kerascheck", "train.py", "--select", "KC201,KC9"], workdir)
    assert p.returncode == 0, (p.stdout, p.stderr)
