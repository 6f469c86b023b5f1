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
# Where installed packages live: code an editor opens there (go to definition) is not the user's.
LIBRARY_DIRS = {"site-packages", "dist-packages"}


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


def _within(path: Path, folder: Path) -> Optional[Path]:
    """`path` relative to `folder` (both as absolute paths, symlinks kept), or None when outside it."""
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(folder))
    except ValueError:
        return None


@dataclass
class FilePolicy:
    """Which files kerascheck lints: the one decision behind the CLI's discovery (and `--show-files`)
    and the editor server's choice of the buffers it publishes diagnostics for.

    A folder walk skips folders named in SKIP_DIRS, `*.egg-info`, virtualenvs (a `pyvenv.cfg` or
    `conda-meta` inside) and excluded folders; it skips excluded files and, with `respect_gitignore`,
    the files git ignores. What a file is (a Python source, a regular file) is the caller's concern:
    discovery looks at the name on disk, the editor at the buffer's language."""

    excludes: list[str]
    bases: list[Path]  # exclude patterns match paths relative to any of these (cwd and project root)
    respect_gitignore: bool = True

    @classmethod
    def create(cls, excludes: list[str], cwd: Path, root: Optional[Path] = None,
               respect_gitignore: bool = True) -> "FilePolicy":
        """Exclude patterns match paths relative to the working directory or the project root (the
        config file's folder): `kerascheck .` run from a sub-folder honours the config's patterns."""
        bases = [cwd] if root is None or root.resolve() == cwd.resolve() else [cwd, root]
        return cls(list(excludes), bases, respect_gitignore)

    def skip_folder(self, folder: Path) -> Optional[str]:
        """Why a walk does not enter `folder` (None: it does)."""
        name = folder.name
        if name in SKIP_DIRS:
            return f"{name}/ is never linted"
        if name.endswith(".egg-info"):
            return f"{name}/ is packaging metadata"
        if excluded(folder, self.excludes, self.bases):
            return f"{name}/ is excluded"
        if _is_virtualenv(folder):
            return f"{name}/ is a virtualenv"
        return None

    def skip_file(self, path: Path) -> Optional[str]:
        """Why a walk does not lint the file `path` found in a folder it entered (None: it does)."""
        return "excluded" if excluded(path, self.excludes, self.bases) else None

    def skip_given(self, path: Path, display: str) -> Optional[str]:
        """With --force-exclude, why a file named on the command line is not linted (None: it is)."""
        if excluded(path, self.excludes, self.bases):
            return "excluded"
        if _in_skipped_dir(display):
            return "in a folder that is never linted"
        return None

    def git_ignored(self, paths: list[Path], start: Path) -> set[Path]:
        """The subset of `paths` (below the folder `start`) that git ignores, unless gitignore is off."""
        return _git_ignored(paths, start) if self.respect_gitignore else set()

    def skip(self, path: Path, start: Path) -> Optional[str]:
        """Why `path` is not linted when a walk from the folder `start` reaches it (None: it is linted):
        a folder on the way the walk skips, the file's own exclusion, or git ignoring it."""
        rel = _within(path, start)
        if rel is None:
            return f"outside {start}"
        base = folder = Path(os.path.abspath(start))
        for part in rel.parts[:-1]:
            folder = folder / part
            reason = self.skip_folder(folder)
            if reason is not None:
                return reason
        reason = self.skip_file(path)
        if reason is not None:
            return reason
        if self.git_ignored([base / rel], base):
            return "ignored by git"
        return None


def library_code(path: Path) -> bool:
    """Whether `path` lies in installed packages (site-packages, dist-packages)."""
    return any(part in LIBRARY_DIRS for part in Path(os.path.abspath(path)).parts)


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
    policy = FilePolicy.create(excludes, cwd, root, respect_gitignore)
    for given in paths:
        if not given.exists() and not given.is_symlink():
            problems.append(f"{given}: no such file or directory")
            continue
        if not given.is_dir():  # a file, or something to report as unreadable (a FIFO, a looping link)
            rel = display_path(given, cwd)
            # Explicit paths are linted even when excluded, unless --force-exclude (pre-commit
            # passes every staged file, including those the config excludes).
            if force_exclude and policy.skip_given(given, rel) is not None:
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
                if policy.skip_folder(sub) is not None:
                    continue
                keep.append(d)
            dirnames[:] = keep
            for name in sorted(filenames):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                path = folder_path / name
                if not _is_regular(path) or policy.skip_file(path) is not None:
                    continue
                resolved = path.resolve()
                if resolved not in files:
                    files[resolved] = SourceFile(path, display_path(path, cwd))
                    walked.append(path)
        if walked:
            ignored = policy.git_ignored(walked, given)
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
    check_size(len(data), max_size)
    return data


def check_size(size: int, max_size: int) -> None:
    """Files (and editor buffers) over max-file-size are not linted: raise ReadError("too-large")."""
    if size > max_size:
        raise ReadError("too-large", f"file is larger than max-file-size ({max_size} bytes); skipped")


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


