"""`full` (default): ruff-like header, code frame with a caret line, then why / help / fix notes.

    model.py:12:5: KC101 [warning] `tf.squeeze` on the model output ...
       |
    10 | inputs = keras.Input(shape=(3,))
    11 | outputs = layers.Dense(1)(inputs)
    12 | y = tf.squeeze(model(x))
       |     ^^^^^^^^^^^^^^^^^^^^
    13 | ...
       |
      = why: ...
      = help: ...
      = fix (safe): ...

Never raises on odd input: a missing source, a line past the end of the file, columns outside the
line, tabs, wide characters and control characters all degrade to a smaller frame or none.
"""

from __future__ import annotations

import unicodedata
from typing import Optional

from kerascheck.finding import Finding
from kerascheck.output import Report
from kerascheck.terminal import paint
from kerascheck.text import source_lines

CONTEXT = 2  # lines of source shown before and after the reported line
TAB_WIDTH = 4


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


def _display(text: str) -> tuple[str, list[int]]:
    """The line as printed (tabs expanded, control characters blanked) and, for each code point
    of the original, the display column where it starts (plus one entry for the end of line)."""
    shown: list[str] = []
    starts: list[int] = []
    col = 0
    for ch in text:
        starts.append(col)
        if ch == "\t":
            n = TAB_WIDTH - col % TAB_WIDTH
            shown.append(" " * n)
            col += n
            continue
        if unicodedata.category(ch) == "Cc":
            ch = " "
        shown.append(ch)
        col += _char_width(ch)
    starts.append(col)
    return "".join(shown), starts


def _display_col(starts: list[int], index: int) -> int:
    """Display column of 0-based code-point `index`; past the end, one column per code point."""
    if index < len(starts):
        return starts[index]
    return starts[-1] + (index - (len(starts) - 1))


def _frame(f: Finding, source: Optional[str], color: bool = False) -> list[str]:
    if source is None:
        return []
    lines = source_lines(source)
    if not 1 <= f.line <= len(lines):
        return []
    first = max(1, f.line - CONTEXT)
    last = min(len(lines), f.line + CONTEXT)
    width = len(str(last))
    blank = paint(" " * width + " |", "gutter", color)
    out = [blank]
    for number in range(first, last + 1):
        shown, starts = _display(lines[number - 1])
        out.append(f"{paint(f'{number:>{width}} |', 'gutter', color)} {shown}".rstrip())
        if number == f.line:
            start = max(f.column, 1) - 1
            if f.end_line == f.line and f.end_column > f.column:
                end = f.end_column - 1
            elif f.end_line > f.line:
                end = len(lines[number - 1])  # multi-line span: underline to the end of this line
            else:
                end = start + 1
            left = _display_col(starts, start)
            carets = max(1, _display_col(starts, end) - left)
            out.append(f"{blank} {' ' * left}{paint('^' * carets, 'caret', color)}")
    out.append(blank)
    return out


def _notes(f: Finding, report: Report) -> list[str]:
    def note(label: str, text: str) -> str:
        return f"  {paint('= ' + label + ':', 'note', report.color)} {text}"

    out = []
    meta = report.catalogue.get(f.code)
    if meta is not None:
        if meta.summary:
            out.append(note("why", meta.summary))
        if meta.hint:
            out.append(note("help", meta.hint))
    if f.fix is not None and f.fix.message:
        # Which flag applies it: safe fixes with --fix, the others only with --unsafe-fixes too.
        out.append(note(f"fix ({f.fix.applicability})", f.fix.message))
    if f.runtime:
        status = f.runtime.get("status", "")
        detail = f.runtime.get("detail", "")
        out.append(note("runtime", status + (f": {detail}" if detail else "")))
    return out


def render_finding(f: Finding, report: Report) -> str:
    color = report.color
    head = (f"{paint(f.location(), 'path', color)}: {paint(f.code, 'code', color)} "
            f"{paint('[' + f.severity + ']', f.severity if f.severity in ('error', 'warning', 'info') else 'dim', color)} "
            f"{f.message}")
    lines = [head]
    try:
        lines += _frame(f, report.sources.get(f.source_key), color)
    except Exception:  # a code frame is a nicety; never lose the finding over it
        pass
    lines += _notes(f, report)
    return "\n".join(lines) + "\n"


def render(report: Report) -> str:
    return "\n".join(render_finding(f, report) for f in report.findings)
