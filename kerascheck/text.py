"""Lines and columns of a text: where lines break, and code-point columns as UTF-8/16/32 code units.

Findings are 1-based (line, column) with columns in code points; LSP (the editor server and the `lsp`
output format) counts 0-based columns in code units of a negotiated encoding.
"""

from __future__ import annotations

import bisect
import re
from typing import Optional

# The line breaks Python's tokenizer (and libcst's positions) and LSP recognise. Never
# str.splitlines(): it also splits at \f, \x1c-\x1e, \x85 and U+2028/9 and shifts every later line.
LINE_BREAK = re.compile(r"\r\n|\r|\n")

# LSP's PositionEncodingKind values.
UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their breaks; a text ending in a break ends with an empty line."""
    return LINE_BREAK.split(text)


def source_lines(text: str) -> list[str]:
    """The lines of a source file: the empty text after a final line break is not a line."""
    lines = LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def split_keepends(text: str) -> list[str]:
    """The lines of `text` with their line breaks (the last one may have none); "" has no lines."""
    starts = line_starts(text)
    lines = [text[a:b] for a, b in zip(starts, starts[1:])]
    if starts[-1] < len(text):
        lines.append(text[starts[-1]:])
    return lines


def line_starts(text: str) -> list[int]:
    """The offset where each line starts (one more line than there are breaks)."""
    return [0] + [m.end() for m in LINE_BREAK.finditer(text)]


def _units_of(char: str, encoding: str) -> int:
    cp = ord(char)
    if encoding == UTF16:
        return 2 if cp > 0xFFFF else 1
    if encoding == UTF32:
        return 1
    return 1 if cp < 0x80 else 2 if cp < 0x800 else 3 if cp < 0x10000 else 4


def to_units(line: Optional[str], index: int, encoding: str) -> int:
    """Code units (in `encoding`) before the 0-based code-point `index` of `line`. Past the end of the
    line (or without the line) each code point counts one unit."""
    if line is None or encoding == UTF32:
        return index
    head = line[:index]
    if encoding == UTF16:
        size = len(head.encode("utf-16-le", "surrogatepass")) // 2
    else:
        size = len(head.encode("utf-8", "surrogatepass"))
    return size + (index - len(head))


def from_units(line: str, units: int, encoding: str) -> int:
    """The 0-based code-point index of the code-unit offset `units`; past the end means the end (LSP)."""
    if encoding == UTF32:
        return min(units, len(line))
    count = 0
    for i, char in enumerate(line):
        if count >= units:
            return i
        count += _units_of(char, encoding)
    return len(line)


class LineIndex:
    """The lines of a text, split at LINE_BREAK, with their offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.ends: list[int] = []
        for m in LINE_BREAK.finditer(text):
            self.ends.append(m.start())
            self.starts.append(m.end())
        self.ends.append(len(text))

    def __len__(self) -> int:
        return len(self.starts)

    def line(self, index: int) -> str:
        """The 0-based line `index`, without its break."""
        return self.text[self.starts[index]:self.ends[index]]

    @property
    def lines(self) -> list[str]:
        return [self.line(i) for i in range(len(self))]

    def offset_1based(self, line: int, column: int) -> int:
        """Offset of a 1-based (line, code-point column), clamped to the line and the text."""
        if line > len(self):
            return len(self.text)
        i = max(line - 1, 0)
        return min(self.starts[i] + max(column - 1, 0), self.ends[i])

    def line_of(self, offset: int) -> int:
        """The 0-based line holding `offset`."""
        return max(bisect.bisect_right(self.starts, offset) - 1, 0)
