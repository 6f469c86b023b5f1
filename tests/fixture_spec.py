"""Reads the `# kc-...:` header of an end-to-end fixture (see tests/fixtures/README.md). A header
line it cannot read, or a missing claim for a Keras major the fixture runs on, is an error: a typo
must fail the suite, never silently skip a check."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_HEADER = re.compile(r"^#\s*kc-(expect|keras|k3|k2|trace-k3|trace-k2):\s*(.*?)\s*$")
_ANY_HEADER = re.compile(r"^#\s*kc-", re.IGNORECASE)
CLAIM_KINDS = ("raises", "silent", "trains")


class FixtureHeaderError(ValueError):
    pass


@dataclass
class Fixture:
    path: Path
    expect: list[tuple[str, int]] = field(default_factory=list)
    keras: Optional[str] = None
    claims: dict[str, tuple[str, str]] = field(default_factory=dict)  # "3" -> (kind, text)
    # "3" -> the texts runtime mode raises where they differ from fit's (the trace sees batch size
    # None where fit sees 16; a second finding's error, which fit never reaches past the first)
    trace: dict[str, list[str]] = field(default_factory=dict)

    @property
    def bad(self) -> bool:
        return self.path.name.startswith("bad_")

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"

    def texts(self, major: str) -> list[str]:
        """The claimed texts for one Keras major: `raises A || B` when Keras's graph executor runs
        independent ops in no fixed order, so either of two ops may be the one that fails first."""
        return [t.strip() for t in self.claims[major][1].split("||") if t.strip()]

    @property
    def majors(self) -> list[str]:
        return [self.keras] if self.keras else ["2", "3"]


def parse(path: Path) -> Fixture:
    fx = Fixture(path)
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()[:20], 1):
        m = _HEADER.match(line)
        if not m:
            if _ANY_HEADER.match(line):
                raise FixtureHeaderError(f"{path}:{n}: unreadable header {line!r}")
            continue
        key, value = m.groups()
        if key == "expect":
            for item in value.split(","):
                code, _, ln = item.strip().partition("@")
                fx.expect.append((code.strip(), int(ln)))
        elif key == "keras":
            if value not in ("2", "3"):
                raise FixtureHeaderError(f"{path}:{n}: kc-keras must be 2 or 3")
            fx.keras = value
        elif key.startswith("trace-"):
            fx.trace.setdefault(key[-1], []).append(value)
        else:
            kind, _, text = value.partition(" ")
            if kind not in CLAIM_KINDS or (kind != "trains" and not text.strip()):
                raise FixtureHeaderError(f"{path}:{n}: a claim is `raises <text>`, `silent <text>` or `trains`")
            fx.claims[key[1]] = (kind, text.strip())
    missing = [m for m in fx.majors if m not in fx.claims]
    if missing:
        raise FixtureHeaderError(f"{path}: no kc-k{missing[0]} claim (what Keras {missing[0]} does with it)")
    extra = [m for m in list(fx.claims) + list(fx.trace) if m not in fx.majors]
    if extra:
        raise FixtureHeaderError(f"{path}: a claim for Keras {extra[0]}, which the fixture does not run on")
    for m in fx.trace:
        if fx.claims[m][0] != "raises":
            raise FixtureHeaderError(f"{path}: kc-trace-k{m} needs a `kc-k{m}: raises` claim")
    return fx


def all_fixtures() -> list[Fixture]:
    return [parse(p) for p in sorted(FIXTURES.glob("KC*/*.py"))]
