"""`--watch`: lint again whenever a watched file changes, until Ctrl-C.

Plain polling of the files' modification times and sizes, twice a second: no new dependency, the
same on every OS, network drive and container mount (where inotify-style events are unreliable),
and cheap at the size of a training project (a `stat` per file; the cache makes the re-run itself
cost only the changed files). The set of files is taken again on each poll, so new files count.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import click

INTERVAL = 0.5


def _stamp(paths: list[Path]) -> dict[str, tuple[int, int]]:
    out = {}
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        out[str(path)] = (st.st_mtime_ns, st.st_size)
    return out


def watch(run: Callable[[], int], files: Callable[[], list[Path]], interval: float = INTERVAL) -> int:
    """Run `run()` now and again after each change of `files()`; Ctrl-C ends it with exit code 0."""
    try:
        click.echo(f"[{time.strftime('%H:%M:%S')}] Starting linter in watch mode...", err=True)
        _run(run)
        last = _stamp(files())
        while True:
            time.sleep(interval)
            now = _stamp(files())
            if now != last:
                last = now
                click.echo(f"\n[{time.strftime('%H:%M:%S')}] File change detected...", err=True)
                _run(run)
    except KeyboardInterrupt:
        click.echo("", err=True)
        return 0


def _run(run: Callable[[], int]) -> None:
    try:
        run()
    except click.ClickException as exc:  # a broken config while watching: say it, keep watching
        exc.show()
