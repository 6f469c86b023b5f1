"""The pre-commit hook (.pre-commit-hooks.yaml), run the way users run it: `pre-commit try-repo`.

try-repo installs the hook from a git repository's HEAD, so the working tree (uncommitted files
included) is copied to a temporary folder and committed there. Needs pip to reach a package index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import copy_working_tree

ROOT = Path(__file__).resolve().parent.parent


BAD = 'import keras\nmodel = keras.Sequential([keras.layers.Dense(1, activation="softmax")])\n'
CLEAN = BAD.replace("softmax", "sigmoid")
KERAS_3_ONLY = "import keras\nimport keras.backend as K\n\ndef dice(t, p):\n    return K.sum(t * p)\n"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")]


def git_env(pre_commit_home: Path) -> dict:
    """No GIT_* from a calling hook (pre-commit running these tests), a fixed identity, and a private
    pre-commit cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(GIT_AUTHOR_NAME="kerascheck tests", GIT_AUTHOR_EMAIL="tests@example.invalid",
               GIT_COMMITTER_NAME="kerascheck tests", GIT_COMMITTER_EMAIL="tests@example.invalid",
               PRE_COMMIT_HOME=str(pre_commit_home))
    return env


def git(cwd: Path, env: dict, *args: str) -> None:
    subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", *args], cwd=cwd, env=env,
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """(hook repository, user repository, env): one pre-commit home, so the hook installs once."""
    tmp = tmp_path_factory.mktemp("precommit")
    env = git_env(tmp / "pre-commit-home")
    hook_repo = copy_working_tree(tmp / "kerascheck")
    git(hook_repo, env, "init", "-q")
    git(hook_repo, env, "add", "-A")
    git(hook_repo, env, "commit", "-q", "-m", "working tree")
    user = tmp / "user"
    (user / "build").mkdir(parents=True)
    (user / "bad.py").write_text(BAD, encoding="utf-8")
    (user / "clean.py").write_text(CLEAN, encoding="utf-8")
    (user / "build" / "generated.py").write_text(BAD, encoding="utf-8")
    (user / "k3.py").write_text(KERAS_3_ONLY, encoding="utf-8")
    (user / "legacy").mkdir()
    (user / "legacy" / "k3.py").write_text(KERAS_3_ONLY, encoding="utf-8")
    (user / "legacy" / "requirements.txt").write_text("tensorflow==2.15.1\n", encoding="utf-8")
    git(user, env, "init", "-q")
    git(user, env, "add", "-A")
    return hook_repo, user, env


def try_repo(setup, *files: str) -> subprocess.CompletedProcess:
    hook_repo, user, env = setup
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "kerascheck", "--files",
                           *files], cwd=user, env=env, capture_output=True, text=True, timeout=900)


def test_hook_definition_follows_the_conventions():
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "kerascheck" and hook["language"] == "python"
    assert hook["entry"] == "kerascheck check --force-exclude" and hook["require_serial"] is True
    assert set(hook["types_or"]) == {"python", "pyi", "jupyter"}


def test_buggy_file_fails_the_hook(setup):
    p = try_repo(setup, "bad.py")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "Failed" in p.stdout and "bad.py:2:60: KC201" in p.stdout
    assert "Traceback" not in p.stdout + p.stderr


def test_clean_file_passes(setup):
    p = try_repo(setup, "clean.py")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "Passed" in p.stdout


def test_force_exclude_skips_build_folders_passed_by_pre_commit(setup):
    p = try_repo(setup, "build/generated.py", "clean.py")
    assert p.returncode == 0, p.stdout + p.stderr


def test_keras_versions_in_the_hooks_keras_less_environment(setup):
    """The hook's environment has no Keras: a project that declares nothing gets Keras 3, said so;
    one whose requirements pin TensorFlow 2.15 gets Keras 2 (no Keras-3-only finding)."""
    p = try_repo(setup, "k3.py")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "k3.py:5:12: KC501" in p.stdout and "assuming Keras 3" in p.stdout
    assert "Keras 3 assumed for 1 file" in p.stdout
    p = try_repo(setup, "legacy/k3.py")
    assert p.returncode == 0, p.stdout + p.stderr


NETS = """\
from tensorflow import keras


def build_classifier(num_classes=4):
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(num_classes)])
"""
TRAIN = """\
from nets import build_classifier

model = build_classifier()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
"""


def test_model_from_an_unstaged_module(setup):
    """pre-commit passes only the staged train.py; the model comes from nets.py, never staged."""
    hook_repo, _, env = setup
    user = hook_repo.parent / "user-modules"
    user.mkdir()
    (user / "nets.py").write_text(NETS, encoding="utf-8")
    (user / "train.py").write_text(TRAIN, encoding="utf-8")
    git(user, env, "init", "-q")
    git(user, env, "add", "train.py")
    p = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "kerascheck", "--verbose"],
                       cwd=user, env=env, capture_output=True, text=True, timeout=900)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "train.py:4:38: KC205" in p.stdout and "(in nets.py:5)" in p.stdout  # the head's line, named
    assert not any(line.startswith("nets.py:") for line in p.stdout.splitlines())  # nets.py was not linted
    assert "Traceback" not in p.stdout + p.stderr
