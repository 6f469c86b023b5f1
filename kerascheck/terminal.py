"""What a person at a terminal sees besides the findings: colour, and progress on long runs.

Colour follows the conventions ruff, git and pip follow: `--color always|never` wins; with `auto`
(the default) a non-empty NO_COLOR turns it off, a non-empty FORCE_COLOR turns it on, and otherwise
it is on only when the output goes to a terminal (never into a file or a pipe).
"""

from __future__ import annotations

import os
import sys
import time
from typing import IO, Optional

# role -> ANSI SGR parameters; one table, so every format paints the same thing the same way.
# (Plain escape codes, not click.style: the output formats are also used by the editor server and
# import nothing heavy.)
_STYLES = {
    "path": "1",  # bold
    "code": "1;31",  # bold red
    "error": "1;31",
    "warning": "1;33",  # bold yellow
    "info": "1;36",  # bold cyan
    "gutter": "1;34",  # bold blue
    "caret": "1;31",
    "note": "1;36",
    "good": "1;32",  # bold green
    "bad": "1;31",
    "fixable": "36",
    "dim": "2",
}


def use_color(choice: str, stream: Optional[IO] = None, to_file: bool = False) -> bool:
    """Whether to colour output written to `stream` (default stdout); `to_file`: -o was given."""
    if choice == "always":
        return True
    if choice == "never" or to_file:
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream if stream is not None else sys.stdout
    try:
        return bool(stream.isatty()) and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


def paint(text: str, role: str, on: bool) -> str:
    """`text` in the style of `role` when colour is on; unchanged otherwise."""
    if not on or not text:
        return text
    return f"\x1b[{_STYLES[role]}m{text}\x1b[0m"


class Progress:
    """`files done / total` on stderr, only on a terminal and only once a run has taken `delay`
    seconds (short runs print nothing); the line is erased when the run ends."""

    def __init__(self, total: int, enabled: bool, delay: float = 1.0, stream: Optional[IO] = None) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and total > 0
        self.delay = delay
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    @staticmethod
    def wanted(output_format: str, stream: Optional[IO] = None) -> bool:
        """Progress only for the human formats, and only when stderr is a terminal."""
        stream = stream if stream is not None else sys.stderr
        try:
            tty = bool(stream.isatty())
        except (AttributeError, ValueError):
            tty = False
        return tty and output_format in ("full", "concise")

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < self.delay or (now - self.last < 0.1 and done < self.total):
            return
        self.last = now
        self.shown = True
        self.stream.write(f"\r\x1b[Kkerascheck: {done}/{self.total} files checked")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
