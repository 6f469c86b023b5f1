"""Shared test helpers."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def env_with_checkout(**extra: str) -> dict:
    """The environment for `python -m kerascheck` subprocesses: this checkout first on the path."""
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env
