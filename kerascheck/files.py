"""Finding the files to lint and reading them (PEP 263 / UTF-8), without ever raising on bad input."""

from __future__ import annotations

import fnmatch
import io
import os
import stat
import subprocess
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

# Not "env": it is a common package name in reinforcement-learning code, and a virtualenv of that
# name is recognised by its pyvenv.cfg anyway (_is_virtualenv).
SKIP_DIRS = {
    ".git", ".hg", ".svn", ".bzr", "__pycache__", "build", "dist", ".venv", "venv", ".env",
    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".kerascheck_cache",
    "node_modules", "site-packages", "__pypackages__", ".eggs", ".ipynb_checkpoints",
}
SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


@dataclass
class SourceFile:
    path: Path
    display: str  # the path as shown to users (relative to the working directory when possible)


def display_path(path: Path, cwd: Path) -> str:
    """The path relative to cwd when it is below it, else as given. Symlinks are kept as walked
    (a linked file shows under its link's name), and resolved only to relate paths that reach cwd
    through a symlinked folder."""
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(cwd)).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
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


def excluded(path: Path, excludes: list[str], bases: Iterable[Path]) -> bool:
    """Whether an exclude pattern matches the path relative to any of `bases` (the working directory
    and the project root: `kerascheck .` run from a sub-folder must honour the config's patterns)."""
    return bool(excludes) and any(matches_any(display_path(path, base), excludes) for base in bases)


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file() or (directory / "conda-meta").is_dir()


def _in_skipped_dir(rel: str) -> bool:
    """An explicit path below a folder that directory walks skip (build/, .venv/...), for --force-exclude."""
    parts = rel.split("/")[:-1]
    return not Path(rel).is_absolute() and any(p in SKIP_DIRS or p.endswith(".egg-info") for p in parts)


def _git_ignored(paths: list[Path], directory: Path) -> set[Path]:
    """The subset of paths (found by walking `directory`) that git ignores (.gitignore, info/exclude,
    global excludes). git runs inside `directory`, so it finds that folder's repository even when the
    working directory is elsewhere or in no repository at all."""
    if not paths:
        return set()
    try:
        # The folder may come from someone else, .git/config included: core.fsmonitor there names a
        # program that git runs on reading the index, as check-ignore does. Empty turns it off in
        # every git version ("false" is a boolean only since git 2.36; before, a program name).
        # No other setting runs a program for check-ignore: no hooks, no pager without a terminal.
        proc = subprocess.run(
            ["git", "-c", "core.fsmonitor=", "check-ignore", "--stdin", "-z"],
            input="\0".join(str(p.relative_to(directory)) for p in paths) + "\0",
            capture_output=True, text=True, cwd=directory, timeout=30,
        )
    except (OSError, ValueError, subprocess.SubprocessError):
        return set()
    if proc.returncode not in (0, 1):  # 128: not a git repository
        return set()
    return {directory / p for p in proc.stdout.split("\0") if p}


def discover(paths: list[Path], excludes: list[str], cwd: Path, force_exclude: bool,
             respect_gitignore: bool = True, root: Optional[Path] = None) -> tuple[list[SourceFile], list[str]]:
    """Files to lint, and problems with the given paths (missing paths). Exclude patterns match paths
    relative to the working directory or to the project root (the config file's folder)."""
    files: dict[Path, SourceFile] = {}
    problems: list[str] = []
    bases = [cwd] if root is None or root.resolve() == cwd.resolve() else [cwd, root]
    for given in paths:
        if not given.exists() and not given.is_symlink():
            problems.append(f"{given}: no such file or directory")
            continue
        if not given.is_dir():  # a file, or something to report as unreadable (a FIFO, a looping link)
            rel = display_path(given, cwd)
            # Explicit paths are linted even when excluded, unless --force-exclude (pre-commit
            # passes every staged file, including those the config excludes).
            if force_exclude and (excluded(given, excludes, bases) or _in_skipped_dir(rel)):
                continue
            files.setdefault(given.resolve() if given.exists() else given, SourceFile(given, rel))
            continue
        walked: list[Path] = []
        seen_dirs: set[tuple[int, int]] = set()
        for folder, dirnames, filenames in os.walk(given, followlinks=False):
            folder_path = Path(folder)
            try:
                st = folder_path.stat()
                key = (st.st_dev, st.st_ino)
            except OSError:
                continue
            if key in seen_dirs:
                dirnames[:] = []
                continue
            seen_dirs.add(key)
            keep = []
            for d in sorted(dirnames):
                sub = folder_path / d
                if d in SKIP_DIRS or d.endswith(".egg-info") or excluded(sub, excludes, bases) or _is_virtualenv(sub):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for name in sorted(filenames):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                path = folder_path / name
                if not _is_regular(path) or excluded(path, excludes, bases):
                    continue
                resolved = path.resolve()
                if resolved not in files:
                    files[resolved] = SourceFile(path, display_path(path, cwd))
                    walked.append(path)
        if respect_gitignore and walked:
            ignored = _git_ignored(walked, given)
            if ignored:
                files = {k: v for k, v in files.items() if v.path not in ignored}
    return sorted(files.values(), key=lambda f: f.display), problems


class ReadError(Exception):
    def __init__(self, kind: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.kind = kind  # "decode" | "binary" | "io" | "too-large"
        self.line = line
        self.column = column


def _is_regular(path: Path) -> bool:
    """Whether a walk should lint this path: not a dangling or looping symlink, and not a FIFO,
    socket or device (opening a FIFO blocks until someone writes to it)."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


_SPECIAL = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


def read_bytes(path: Path, max_size: int) -> bytes:
    try:
        # O_NONBLOCK: opening a FIFO without a writer returns at once instead of blocking, so that
        # fstat can refuse it; it changes nothing for regular files.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if not stat.S_ISREG(mode):
                kind = next((name for test, name in _SPECIAL if test(mode)), "a special file")
                raise ReadError("io", f"{kind}, not a regular file; to lint a stream, pipe it to `kerascheck -`")
            data = fh.read(max_size + 1)
    except FileNotFoundError:
        gone = "a symbolic link to a missing file" if path.is_symlink() else "file disappeared before it could be read"
        raise ReadError("io", gone) from None
    except IsADirectoryError:
        raise ReadError("io", "is a directory") from None
    except OSError as exc:
        raise ReadError("io", exc.strerror or str(exc)) from None  # KC902 says "Cannot read file: "
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
        if not str(exc.msg).startswith("invalid or missing encoding declaration"):
            raise ReadError("decode", f"cannot decode file: {exc.msg if hasattr(exc, 'msg') else exc}") from None
        # A byte of the first two lines (as split at b"\n") is not UTF-8 and no coding cookie
        # came before it: decoding as UTF-8 below names the byte and its position.
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line, column = 1, 1
        if isinstance(exc, UnicodeDecodeError):
            before = exc.object[: exc.start]  # utf-8-sig reports offsets after the BOM it strips
            # Python's line breaks: \r\n, \n and a lone \r (old Mac files).
            line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
            column = exc.start - (max(before.rfind(b"\n"), before.rfind(b"\r")) + 1) + 1
            reason = f"byte 0x{exc.object[exc.start]:02x} is not valid {encoding}"
        else:
            reason = f"unknown encoding {encoding!r}"
        raise ReadError("decode", f"cannot decode file as {encoding}: {reason}", line, column) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def read_source(path: Path, max_size: int) -> tuple[str, str]:
    return decode(read_bytes(path, max_size))


