"""README.md's `console` examples are real: each `$ kerascheck ...` command is run from the checkout
and its output compared with the block (no cache, no colour; nothing else is normalised)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import pytest

from helpers import ROOT, env_with_checkout

_BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)


def _examples() -> list[tuple[str, str]]:
    out = []
    for block in _BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        command, _, expected = block.partition("\n")
        assert command.startswith("$ kerascheck "), f"a console block must start with `$ kerascheck`: {command}"
        out.append((command[2:], expected))
    return out


EXAMPLES = _examples()


def test_the_readme_has_console_examples():
    assert len(EXAMPLES) >= 3


# The README shows a run where Keras 3 is installed (as after its set-up): without any Keras the
# summary adds "Keras 3 assumed ...", which the README does not show.
@pytest.mark.skipif(importlib.util.find_spec("keras") is None, reason="the README's output is with Keras installed")
@pytest.mark.parametrize("command,expected", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_console_example(command, expected, tmp_path):
    env = env_with_checkout(KERASCHECK_CACHE_DIR=str(tmp_path / "cache"), NO_COLOR="1")
    env.pop("FORCE_COLOR", None)
    args = command.split()[1:]
    r = subprocess.run([sys.executable, "-m", "kerascheck", *args], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.stdout == expected, f"README's `{command}` is stale; the real output is:\n{r.stdout}"
