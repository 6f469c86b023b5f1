"""`concise`: one `path:line:col: CODE message` line per finding (flake8 / ruff concise style).

The message is the finding's first sentence; the why and the fix are in `full`, the JSON formats
and `kerascheck rule CODE`. In runtime mode the verdict follows as ` [runtime: confirmed]`."""

from __future__ import annotations

import re

from kerascheck.output import Report
from kerascheck.terminal import paint
from kerascheck.text import LINE_BREAK

# A sentence ends at . ! or ? followed by a space and a capital, a backtick or a quote...
# (The full stop may sit inside the closing backtick or quote of a quoted error, or be left out
# after a quoted error: "... fit raises `TypeError: ...` Cast y_true first".)
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][`\"')])|(?<=`))\s+(?=[A-Z`\"'(])")
# ...unless the full stop closes one of these.
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.", "approx.")


def first_sentence(message: str) -> str:
    """The message up to the end of its first sentence (not inside `code`, not after e.g.)."""
    for m in _SENTENCE_END.finditer(message):
        head = message[:m.start()]
        if head.count("`") % 2 or head.lower().endswith(_ABBREVIATIONS):
            continue
        if head.endswith("`") and not message[m.end()].isupper():
            continue  # `a` `b`: two spans of code, not the end of a sentence
        if head.endswith("`") and message[m.end():].split(" ", 1)[0].rstrip(":,.").isupper():
            continue  # `y_true` IS: an acronym or a constant, not a new sentence
        return head
    return message


def render(report: Report) -> str:
    lines = []
    for f in report.findings:
        # One finding per line is the contract (grep, editors' error parsers): fold any line breaks.
        message = first_sentence(LINE_BREAK.sub(" ", f.message))
        verdict = f" [runtime: {f.runtime['status']}]" if f.runtime and f.runtime.get("status") else ""
        lines.append(f"{paint(f.location(), 'path', report.color)}: {paint(f.code, 'code', report.color)} "
                     f"{message}{verdict}")
    return "".join(line + "\n" for line in lines)
