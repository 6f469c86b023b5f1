"""Shared test helpers."""

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".git", "__pycache__", ".pytest_cache", ".kerascheck_cache", "build", "dist", ".venv", ".tox"}


def env_with_checkout(**extra: str) -> dict:
    """The environment for `python -m kerascheck` subprocesses: this checkout first on the path."""
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def copy_working_tree(dest: Path) -> Path:
    """The checkout as it is on disk, uncommitted files included, without git's ignored files."""
    if (ROOT / ".git").exists():
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.split("\0")
        for rel in filter(None, listed):
            src = ROOT / rel
            if src.is_file():  # tracked files deleted in the working tree are gone
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / rel)
    else:
        shutil.copytree(ROOT, dest, ignore=lambda d, names: [n for n in names if n in SKIP or n.endswith(".egg-info")],
                        dirs_exist_ok=True)
    return dest
