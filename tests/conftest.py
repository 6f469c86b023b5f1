import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def lint():
    """lint(source, keras="3", select=None) -> list of findings for one in-memory file."""
    from kerascheck.config import Settings
    from kerascheck.engine import Linter

    def run(source: str, keras: str = "3", select=None, path: str = "example.py"):
        settings = Settings(keras_version=keras)
        if select:
            settings.select = list(select)
        return Linter(settings).lint_bytes(source.encode("utf-8"), path).findings

    return run
