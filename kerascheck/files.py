"""Finding the files to lint and reading them (PEP 263 / UTF-8), without ever raising on bad input."""

from __future__ import annotations

import fnmatch
import io
import os
import subprocess
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

SKIP_DIRS = {
    ".git", ".hg", ".svn", ".bzr", "__pycache__", "build", "dist", ".venv", "venv", ".env", "env",
    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".kerascheck_cache",
    "node_modules", "site-packages", "__pypackages__", ".eggs", ".ipynb_checkpoints",
}
SOURCE_SUFFIXES = (".py", ".pyi")


@dataclass
class SourceFile:
    path: Path
    display: str  # the path as shown to users (relative to the working directory when possible)


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def matches_any(rel: str, patterns: Iterable[str]) -> bool:
    parts = rel.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, pattern + "/*"):
            return True
        if "/" not in pattern and any(fnmatch.fnmatch(part, pattern) for part in parts):
            return True
    return False


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def _git_ignored(paths: list[Path], cwd: Path) -> set[Path]:
    """The subset of paths that git ignores (.gitignore, info/exclude, global excludes)."""
    if not paths:
        return set()
    try:
        proc = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"],
            input="\0".join(str(p) for p in paths) + "\0",
            capture_output=True, text=True, cwd=cwd, timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if proc.returncode not in (0, 1):  # 128: not a git repository
        return set()
    return {Path(p) for p in proc.stdout.split("\0") if p}


def discover(paths: list[Path], excludes: list[str], cwd: Path, force_exclude: bool,
             respect_gitignore: bool = True) -> tuple[list[SourceFile], list[str]]:
    """Files to lint, and problems with the given paths (missing paths)."""
    files: dict[Path, SourceFile] = {}
    walked: list[Path] = []
    problems: list[str] = []
    for given in paths:
        if not given.exists() and not given.is_symlink():
            problems.append(f"{given}: no such file or directory")
            continue
        if given.is_file() or (given.is_symlink() and not given.is_dir()):
            rel = display_path(given, cwd)
            if force_exclude and matches_any(rel, excludes):
                continue
            files.setdefault(given.resolve() if given.exists() else given, SourceFile(given, rel))
            continue
        seen_dirs: set[tuple[int, int]] = set()
        for root, dirnames, filenames in os.walk(given, followlinks=False):
            root_path = Path(root)
            try:
                st = root_path.stat()
                key = (st.st_dev, st.st_ino)
            except OSError:
                continue
            if key in seen_dirs:
                dirnames[:] = []
                continue
            seen_dirs.add(key)
            keep = []
            for d in sorted(dirnames):
                sub = root_path / d
                rel = display_path(sub, cwd)
                if d in SKIP_DIRS or d.endswith(".egg-info") or matches_any(rel, excludes) or _is_virtualenv(sub):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for name in sorted(filenames):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                path = root_path / name
                rel = display_path(path, cwd)
                if matches_any(rel, excludes):
                    continue
                resolved = path.resolve() if path.exists() else path
                if resolved not in files:
                    files[resolved] = SourceFile(path, rel)
                    walked.append(path)
    if respect_gitignore and walked:
        ignored = _git_ignored(walked, cwd)
        if ignored:
            files = {k: v for k, v in files.items() if v.path not in ignored}
    return sorted(files.values(), key=lambda f: f.display), problems


class ReadError(Exception):
    def __init__(self, kind: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.kind = kind  # "decode" | "binary" | "io" | "too-large"
        self.line = line
        self.column = column


def read_bytes(path: Path, max_size: int) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(max_size + 1)
    except FileNotFoundError:
        raise ReadError("io", "file disappeared before it could be read") from None
    except IsADirectoryError:
        raise ReadError("io", "is a directory") from None
    except OSError as exc:
        raise ReadError("io", f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > max_size:
        raise ReadError("too-large", f"file is larger than max-file-size ({max_size} bytes); skipped")
    return data


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) per PEP 263 (BOM, coding cookie) defaulting to UTF-8."""
    if b"\0" in data[:8192]:
        raise ReadError("binary", "binary file (contains NUL bytes); not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise ReadError("decode", f"cannot decode file: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line, column = 1, 1
        if isinstance(exc, UnicodeDecodeError):
            before = data[: exc.start]
            line = before.count(b"\n") + 1
            column = exc.start - (before.rfind(b"\n") + 1) + 1
            reason = f"byte 0x{data[exc.start]:02x} is not valid {encoding}"
        else:
            reason = f"unknown encoding {encoding!r}"
        raise ReadError("decode", f"cannot decode file as {encoding}: {reason}", line, column) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def read_source(path: Path, max_size: int) -> tuple[str, str]:
    return decode(read_bytes(path, max_size))


