"""The result cache: `.kerascheck_cache/`, keyed by kerascheck version, settings and file content.

One small JSON file per entry; a missing, corrupt or foreign entry is a miss and is rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Optional

from kerascheck import __version__
from kerascheck.finding import Edit, Finding, Fix

CACHEDIR_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by kerascheck.\n"
                "# For information about cache directory tags see https://bford.info/cachedir/\n")


def default_dir(root: Path) -> Path:
    env = os.environ.get("KERASCHECK_CACHE_DIR")
    return Path(env) if env else root / ".kerascheck_cache"


def _finding_from_dict(d: dict) -> Finding:
    fix = d.get("fix")
    return Finding(d["path"], d["line"], d["column"], d["end_line"], d["end_column"], d["code"], d["name"],
                   d["severity"], d["message"],
                   Fix(fix["message"], fix["applicability"], tuple(Edit(**e) for e in fix["edits"])) if fix else None,
                   d.get("runtime"), cell=d.get("cell"), extra=d.get("extra") or {})


class Cache:
    def __init__(self, directory: Path, fingerprint: str) -> None:
        self.directory = directory
        self.fingerprint = fingerprint
        self._ready = False

    def key(self, display: str, data: bytes, context: str = "") -> str:
        """`context`: what else decides this file's findings (the Keras its project declares)."""
        h = hashlib.sha256()
        for part in (__version__, self.fingerprint, display, context):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\0")
        h.update(data)
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / __version__ / key[:2] / f"{key}.json"

    def get(self, key: str) -> Optional[tuple[list[Finding], bool, Optional[dict]]]:
        """(findings, skipped, the Keras choice as KerasChoice.to_dict() or None); None when missing,
        unreadable, or when a module of the project that the file imports (and the analysis read)
        has changed since."""
        from kerascheck.facts.project import changed

        try:
            raw = json.loads(self._path(key).read_text(encoding="utf-8"))
            if changed(raw.get("deps") or {}):
                return None
            keras = raw.get("keras")
            return ([_finding_from_dict(d) for d in raw["findings"]], bool(raw.get("skipped", False)),
                    keras if isinstance(keras, dict) else None)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, key: str, findings: list[Finding], skipped: bool, keras: Optional[dict] = None,
            deps: Optional[dict] = None) -> None:
        """`deps`: path -> digest of the project modules the analysis read (facts/project.py)."""
        try:
            self._prepare()
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            # `extra` (related locations) is not part of the JSON output contract, but the cache keeps it
            payload = json.dumps({"findings": [dict(f.to_dict(), extra=f.extra) if f.extra else f.to_dict()
                                               for f in findings],
                                  "skipped": skipped, "keras": keras, "deps": deps or {}})
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only or full disk only costs speed

    def _prepare(self) -> None:
        if self._ready:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        tag = self.directory / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(CACHEDIR_TAG, encoding="utf-8")
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")
        self._ready = True
