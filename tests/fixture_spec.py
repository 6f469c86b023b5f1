"""Reads the `# kc-...:` header of an end-to-end fixture (see tests/fixtures/README.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_HEADER = re.compile(r"^#\s*kc-(expect|keras|k3|k2):\s*(.*?)\s*$")


@dataclass
class Fixture:
    path: Path
    expect: list[tuple[str, int]] = field(default_factory=list)
    keras: Optional[str] = None
    claims: dict[str, tuple[str, str]] = field(default_factory=dict)  # "3" -> (kind, text)

    @property
    def bad(self) -> bool:
        return self.path.name.startswith("bad_")

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"


def parse(path: Path) -> Fixture:
    fx = Fixture(path)
    for line in path.read_text(encoding="utf-8").splitlines()[:20]:
        m = _HEADER.match(line)
        if not m:
            continue
        key, value = m.groups()
        if key == "expect":
            for item in value.split(","):
                code, _, ln = item.strip().partition("@")
                fx.expect.append((code.strip(), int(ln)))
        elif key == "keras":
            fx.keras = value
        else:
            kind, _, text = value.partition(" ")
            fx.claims[key[1]] = (kind, text.strip())
    return fx


def all_fixtures() -> list[Fixture]:
    return [parse(p) for p in sorted(FIXTURES.glob("KC*/*.py"))]
