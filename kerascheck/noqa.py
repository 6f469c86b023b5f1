"""`# noqa: KC101` on a line, `# kerascheck: noqa` for a file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from kerascheck.text import split_lines

_CODES = r"[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*"
LINE_RE = re.compile(r"#\s*noqa(?::\s*(?P<codes>" + _CODES + r"))?", re.IGNORECASE)
FILE_RE = re.compile(r"#\s*kerascheck\s*:\s*noqa(?::\s*(?P<codes>" + _CODES + r"))?", re.IGNORECASE)


def _codes(text: Optional[str]) -> Optional[list[str]]:
    if not text:
        return None
    return [c.upper() for c in re.split(r"[\s,]+", text.strip()) if c]


@dataclass
class Directive:
    line: int  # 1-based
    column: int  # 1-based column of the '#'
    end_column: int
    codes: Optional[list[str]]  # None: every code
    used: set[str] = field(default_factory=set)


@dataclass
class Suppressions:
    lines: dict[int, Directive]
    file_codes: Optional[list[str]]  # None: no file-level directive
    file_all: bool

    def file_suppresses(self, code: str) -> bool:
        return self.file_all or (self.file_codes is not None and code in self.file_codes)

    def line_suppresses(self, line: int, code: str) -> Optional[Directive]:
        d = self.lines.get(line)
        if d is not None and (d.codes is None or code in d.codes):
            return d
        return None


def scan(text: str) -> Suppressions:
    lines: dict[int, Directive] = {}
    file_codes: Optional[list[str]] = None
    file_all = False
    if "noqa" not in text and "NOQA" not in text.upper():
        return Suppressions(lines, None, False)
    for number, line in enumerate(split_lines(text), start=1):
        if "#" not in line:
            continue
        low = line.lower()
        if "noqa" not in low:
            continue
        fm = FILE_RE.search(line)
        if fm:
            codes = _codes(fm.group("codes"))
            if codes is None:
                file_all = True
            else:
                file_codes = (file_codes or []) + codes
            continue
        m = LINE_RE.search(line)
        if m:
            lines[number] = Directive(number, m.start() + 1, m.end() + 1, _codes(m.group("codes")))
    return Suppressions(lines, file_codes, file_all)
