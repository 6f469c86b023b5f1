"""Reading a file from stdin with a size cap (a `/dev/zero` pipe must not exhaust memory)."""

from __future__ import annotations

import sys

from kerascheck.config import ConfigError


def read_stdin(max_size: int) -> bytes:
    stream = getattr(sys.stdin, "buffer", None)
    data = stream.read(max_size + 1) if stream is not None else sys.stdin.read(max_size + 1).encode()
    if len(data) > max_size:
        raise ConfigError(f"stdin is larger than max-file-size ({max_size} bytes)")
    return data
