"""`# noqa: KC101` on a line, `# kerascheck: noqa` for a file: reading them, and (for the editor's
"Ignore KC101 with `# noqa`" action and hover) where to write one and which code is under the cursor."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Optional

from kerascheck.text import LineIndex, split_lines

_CODE = r"[A-Za-z]+[0-9]+"
_CODE_RE = re.compile(_CODE)
_CODES = _CODE + r"(?:[\s,]+" + _CODE + r")*"
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


def _token_lines(text: str) -> tuple[Optional[set[int]], dict[int, int]]:
    """(lines whose end lies inside a multi-line token such as a triple-quoted string, or None when the
    text does not tokenize; the first line of the logical line for each continuation line)."""
    unsafe: set[int] = set()
    starts: dict[int, int] = {}
    skip = {tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER, tokenize.COMMENT}
    logical: Optional[int] = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text, newline=None).readline):
            if tok.type not in skip and tok.start[0] < tok.end[0]:
                unsafe.update(range(tok.start[0], tok.end[0]))
            if tok.type == tokenize.NEWLINE:
                if logical is not None:
                    for ln in range(logical + 1, tok.end[0] + 1):
                        starts[ln] = logical
                logical = None
            elif tok.type not in skip and logical is None:
                logical = tok.start[0]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None, {}
    return unsafe, starts


def placement(text: str, index: LineIndex, line: int, code: str) -> Optional[tuple[int, int, int, str]]:
    """Where to write `# noqa: CODE` for a finding on 1-based `line`: (1-based line, 0-based start, end
    code points, replacement), on that line or the first line of its statement; None when neither is
    safe (inside a multi-line string, after a backslash, or already covered)."""
    unsafe, starts = _token_lines(text)
    candidates = [line]
    if starts.get(line, line) != line:
        candidates.append(starts[line])
    for ln in candidates:
        if not 1 <= ln <= len(index):
            continue
        content = index.line(ln - 1)
        if unsafe is not None and ln in unsafe:
            continue
        if content.rstrip().endswith("\\") or not content.strip():
            continue
        m = LINE_RE.search(content)
        if m is not None and not FILE_RE.search(content):
            codes = _codes(m.group("codes"))
            if codes is None:
                continue  # a bare `# noqa` already covers every code
            if code in codes:
                continue
            end = m.end("codes")
            return ln, end, end, f", {code}"
        stripped = len(content.rstrip())
        return ln, stripped, len(content), f"  # noqa: {code}"
    return None


def code_at(line: str, column: int) -> Optional[tuple[str, int, int]]:
    """The code (and its code-point span) under 0-based `column` in a `# noqa: …` or
    `# kerascheck: noqa: …` comment of `line`."""
    for regex in (FILE_RE, LINE_RE):
        for m in regex.finditer(line):
            if m.group("codes") is None:
                continue
            base = m.start("codes")
            for cm in _CODE_RE.finditer(m.group("codes")):
                if base + cm.start() <= column <= base + cm.end():
                    return cm.group().upper(), base + cm.start(), base + cm.end()
    return None
