"""Which Keras a project declares: its dependency files, read (never executed) from a file's folder
up to the project root, and the Keras major they rule out.

A declaration decides only when it rules a major out: `keras>=3` or `tensorflow>=2.16` leave only
Keras 3 (TensorFlow 2.16 was the first to depend on Keras 3); `keras<3` or `tensorflow==2.15.*`
leave only Keras 2; a bare `tensorflow` or `tensorflow>=2.10` decides nothing. The nearest folder
whose declarations decide wins (a sub-project may pin another Keras than the repository). A file that
cannot be read or parsed is skipped with one warning line.

Public API: `ProjectVersions(stop).for_path(path) -> Declared`, and `read_pins(path)` for one file.
"""

from __future__ import annotations

import ast
import configparser
import functools
import json
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

# Packages whose version decides the Keras major, normalised as PEP 503 does.
TENSORFLOW = frozenset({"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos", "tensorflow-intel",
                        "tensorflow-aarch64", "tensorflow-rocm", "tf-nightly", "tf-nightly-cpu"})
KERAS = "keras"
TF_KERAS = "tf-keras"
# Version ranges of each kind of package that give each Keras major. The lower bounds are the first
# pre-releases, so that `tensorflow>=2.16.0rc0` counts as Keras 3.
_MAJORS = {"keras": {"2": ("0", "3.0.0.dev0"), "3": ("3.0.0.dev0", None)},
           "tensorflow": {"2": ("0", "2.16.0.dev0"), "3": ("2.16.0.dev0", None)}}
MAX_SIZE = 8 * 1024 * 1024  # a bigger "requirements" file is not one


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Pin:
    """One declared requirement on a package that matters: `spec` a PEP 440 specifier set ("" for
    any version); `alternative` when it is one of several mutually exclusive ones (an environment
    marker, a lock file's forks, Poetry's `||`)."""

    package: str  # "keras", "tensorflow" (any TensorFlow distribution) or "tf-keras"
    spec: str
    where: str  # the file it came from, for messages
    text: str  # as written
    alternative: bool = False

    def majors(self) -> frozenset:
        """The Keras majors this requirement allows."""
        return _majors(self.package, self.spec)


@functools.lru_cache(maxsize=1024)
def _majors(package: str, specifiers: str) -> frozenset:
    if package == TF_KERAS:
        return frozenset({"2", "3"})
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        spec = SpecifierSet(specifiers)
    except InvalidSpecifier:
        return frozenset({"2", "3"})
    ranges = _MAJORS["keras" if package == KERAS else "tensorflow"]
    return frozenset(m for m, (lo, hi) in ranges.items() if _admits(spec, lo, hi))


def _admits(spec: Any, lo: str, hi: Optional[str]) -> bool:
    """Whether the specifier set admits some version in [lo, hi). The admitted set is a union of
    intervals whose ends are the specifiers' own versions, so trying the range's low end and each of
    those versions and its nearest successors finds one when there is one (short of pathological
    sets such as `>2.15,<2.15.0.1`)."""
    from packaging.version import InvalidVersion, Version

    low, high = Version(lo), Version(hi) if hi else None
    candidates = {low, Version(low.base_version)}
    for item in spec:
        try:
            v = Version(item.version.rstrip(".*").rstrip("."))
        except InvalidVersion:
            continue
        r = v.release
        candidates.add(v)
        candidates.add(Version(".".join(map(str, r + (1,)))))
        for i in range(len(r)):
            candidates.add(Version(".".join(map(str, r[:i] + (r[i] + 1,)))))
    return any(low <= c and (high is None or c < high) and spec.contains(c, prereleases=True) for c in candidates)


@dataclass(frozen=True)
class Declared:
    """What a file's project declares: `major` "2"/"3" when its declarations rule the other out,
    `detail` which requirement did (for messages and --show-settings), `tf_keras` whether tf-keras is
    declared (TF_USE_LEGACY_KERAS then makes tf.keras Keras 2 whatever TensorFlow says)."""

    major: Optional[str] = None
    detail: str = ""
    tf_keras: bool = False
    files: tuple[str, ...] = ()  # the declaration files read, nearest first

    def key(self) -> str:
        """What the cache key needs: everything here that changes a finding or its message."""
        return json.dumps([self.major, self.detail, self.tf_keras])


def decide(pins: Iterable[Pin]) -> tuple[Optional[str], str]:
    """(the one Keras major the pins leave, the requirement that ruled the other out) or (None, "")."""
    pins = [p for p in pins if p.package != TF_KERAS]
    groups: dict[str, list[Pin]] = {}
    for p in pins:
        groups.setdefault(KERAS if p.package == KERAS else "tensorflow", []).append(p)
    left = frozenset({"2", "3"})
    for group in groups.values():
        for p in group:
            if not p.alternative:
                left &= p.majors()
        alternatives = [p for p in group if p.alternative]
        if alternatives:
            left &= frozenset().union(*(p.majors() for p in alternatives))
    if len(left) != 1:
        return None, ""
    major = next(iter(left))
    why = next((p for p in pins if p.majors() == left), None)
    if why is None:  # only alternatives together rule it out
        why = next(p for p in pins if major in p.majors())
    return major, f"{why.text} ({why.where})"


# ------------------------------------------------------------------------------------------------
# Reading declaration files
# ------------------------------------------------------------------------------------------------
class Malformed(Exception):
    """A declaration file that cannot be read as its format: skipped, with this one-line reason."""


def _relevant(name: str) -> Optional[str]:
    n = normalize(name)
    if n == KERAS or n == TF_KERAS:
        return n
    return "tensorflow" if n in TENSORFLOW else None


def _requirement(text: str, where: str, alternative: bool = False) -> tuple[Optional[Pin], bool]:
    """(the Pin of one PEP 508 requirement when its package matters, whether the text parsed)."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None, False
    package = _relevant(req.name)
    if package is None:
        return None, True
    return Pin(package, str(req.specifier), where, text.strip(), alternative or req.marker is not None), True


def _requirement_lines(path: Path, where: str, seen: set[Path], out: list[Pin], bad: list[str]) -> None:
    """A pip requirements (or constraints) file, following `-r`/`-c` includes."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return
    if resolved in seen:
        return
    seen.add(resolved)
    text = _read(path)
    joined = re.sub(r"\\\r?\n", " ", text)
    for n, raw in enumerate(joined.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        include = re.match(r"^(?:-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)", line)
        if include:
            target = path.parent / include.group(1)
            if target.is_file():
                _requirement_lines(target, target.name, seen, out, bad)
            continue
        if line.startswith("-") or "://" in line.split("@")[0] or line.startswith((".", "/", "file:")):
            continue  # options, editable installs, URLs and local paths
        line = re.split(r"\s+--?[a-z]", line)[0]  # per-requirement options: --hash=...
        if "${" in line:
            continue  # an environment variable pip substitutes
        pin, ok = _requirement(line, where)
        if pin is not None:
            out.append(pin)
        elif not ok:
            bad.append(f"{path}:{n}: {raw.strip()[:60]!r} is not a requirement")


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_SIZE:
            raise Malformed(f"{path.name} is larger than {MAX_SIZE // 1024 // 1024} MB")
        return path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise Malformed(f"cannot read it: {exc.strerror or exc}") from None


def _toml(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError as exc:
        raise Malformed(f"invalid TOML: {exc}") from None


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _pep508_list(items: Iterable[str], path: Path, out: list[Pin], bad: list[str]) -> None:
    for item in items:
        pin, ok = _requirement(item, path.name)
        if pin is not None:
            out.append(pin)
        elif not ok:
            bad.append(f"{path}: {item[:60]!r} is not a requirement")


def _pyproject(path: Path, out: list[Pin], bad: list[str]) -> None:
    data = _toml(path)
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    _pep508_list(_strings(project.get("dependencies")), path, out, bad)
    optional = project.get("optional-dependencies")
    for group in (optional.values() if isinstance(optional, dict) else ()):
        _pep508_list(_strings(group), path, out, bad)
    groups = data.get("dependency-groups")
    for group in (groups.values() if isinstance(groups, dict) else ()):
        _pep508_list(_strings(group), path, out, bad)  # {include-group = ...} tables are not strings
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    uv = tool.get("uv") if isinstance(tool.get("uv"), dict) else {}
    for key in ("dev-dependencies", "constraint-dependencies", "override-dependencies"):
        _pep508_list(_strings(uv.get(key)), path, out, bad)
    poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    poetry_groups = poetry.get("group")
    for group in (poetry_groups.values() if isinstance(poetry_groups, dict) else ()):
        if isinstance(group, dict):
            tables.append(group.get("dependencies"))
    for table in tables:
        if isinstance(table, dict):
            _poetry_table(table, path, out, bad)


def _poetry_table(table: dict, path: Path, out: list[Pin], bad: list[str]) -> None:
    where = path.name
    for name, value in table.items():
        package = _relevant(name)
        if package is None:
            continue
        entries = value if isinstance(value, list) else [value]
        several = len(entries) > 1
        for entry in entries:
            constraint = entry.get("version", "*") if isinstance(entry, dict) else entry
            if not isinstance(constraint, str):
                continue
            alternatives = poetry_specifiers(constraint)
            if alternatives is None:
                bad.append(f"{path}: {name} = {constraint[:40]!r} is not a version constraint")
                continue
            for spec in alternatives:
                out.append(Pin(package, spec, where, f"{name} {constraint}".strip(),
                               several or len(alternatives) > 1 or (isinstance(entry, dict) and "markers" in entry)))


_POETRY_OPS = re.compile(r"^(\^|~=|~|>=|<=|==|!=|>|<|=)?\s*([0-9][0-9A-Za-z.*+!-]*)$")


def poetry_specifiers(constraint: str) -> Optional[list[str]]:
    """Poetry's constraint syntax (`^2.15`, `~2.15.0`, `>=2.16,<3`, `2.15.*`, `*`, `a || b`) as PEP 440
    specifier sets, one per `||` alternative; None when it is not one."""
    out = []
    for alternative in constraint.split("||"):
        parts = []
        for token in re.split(r"\s*,\s*|\s+(?=[<>=!^~])", alternative.strip()):
            if token in ("", "*"):
                continue
            m = _POETRY_OPS.match(token.replace(" ", ""))
            if m is None:
                return None
            op, version = m.group(1) or "", m.group(2)
            release = [int(x) for x in re.findall(r"\d+", version.split("*")[0])[:3]]
            if op == "^" and release:
                first = next((i for i, x in enumerate(release) if x != 0), len(release) - 1)
                upper = release[:first] + [release[first] + 1]
                parts += [f">={version}", f"<{'.'.join(map(str, upper))}"]
            elif op == "~" and release:
                upper = [release[0] + 1] if len(release) == 1 else [release[0], release[1] + 1]
                parts += [f">={version}", f"<{'.'.join(map(str, upper))}"]
            elif op in ("", "="):
                parts.append(f"=={version}")
            else:
                parts.append(f"{op}{version}")
        out.append(",".join(parts))
    return out


def _setup_cfg(path: Path, out: list[Pin], bad: list[str]) -> None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(_read(path))
    except configparser.Error as exc:
        raise Malformed(f"invalid setup.cfg: {' '.join(str(exc).split())[:100]}") from None
    lines = []
    if parser.has_option("options", "install_requires"):
        lines += parser.get("options", "install_requires").splitlines()
    if parser.has_section("options.extras_require"):
        for _, value in parser.items("options.extras_require"):
            lines += value.splitlines()
    _pep508_list([ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")], path, out, bad)


def _setup_py(path: Path, out: list[Pin], bad: list[str]) -> None:
    """`setup(install_requires=[...], extras_require={...})` when they are literals (or names bound
    to literals at the top of the module). Read with `ast`, never run."""
    try:
        tree = ast.parse(_read(path))
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise Malformed(f"cannot parse setup.py: {type(exc).__name__}") from None
    literals: dict[str, Any] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            try:
                literals[stmt.targets[0].id] = ast.literal_eval(stmt.value)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                pass
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if not ((isinstance(func, ast.Name) and func.id == "setup") or
                (isinstance(func, ast.Attribute) and func.attr == "setup")):
            continue
        for kw in node.keywords:
            if kw.arg not in ("install_requires", "extras_require"):
                continue
            if isinstance(kw.value, ast.Name):
                value = literals.get(kw.value.id)
            else:
                try:
                    value = ast.literal_eval(kw.value)
                except (ValueError, TypeError, SyntaxError, RecursionError):
                    continue  # computed: nothing we may know without running it
            groups = value.values() if isinstance(value, dict) else [value]
            for group in groups:
                items = [group] if isinstance(group, str) else list(group) if isinstance(group, (list, tuple)) else []
                _pep508_list([i for i in items if isinstance(i, str)], path, out, bad)


def _pipfile(path: Path, out: list[Pin], bad: list[str]) -> None:
    data = _toml(path)
    for section in ("packages", "dev-packages"):
        table = data.get(section)
        for name, value in (table.items() if isinstance(table, dict) else ()):
            package = _relevant(name)
            spec = value.get("version", "*") if isinstance(value, dict) else value
            if package is None or not isinstance(spec, str):
                continue
            pin, ok = _requirement(name + ("" if spec.strip() == "*" else spec), path.name)
            if pin is not None:
                out.append(pin)
            elif not ok:
                bad.append(f"{path}: {name} = {spec[:40]!r} is not a version specifier")


_CONDA = re.compile(r"^\s*(?:[\w.-]+::)?([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$")


def conda_specifier(rest: str) -> Optional[str]:
    """A conda match spec's version part (`=2.15`, `==2.15.1`, `>=2.16,<3`, ` 2.15.*`, `=2.15=build`)
    as a PEP 440 specifier set; None when it is not one. conda's `=2.15` and a bare `2.15` are
    prefixes (2.15.*)."""
    rest = rest.strip()
    if not rest:
        return ""
    rest = rest.split()[0]  # a build string may follow after a space
    if rest.startswith("=="):
        rest = "==" + rest[2:].split("=")[0]
    elif rest.startswith("="):
        rest = rest[1:].split("=")[0]  # `=2.15=py311_0`: version, then build
    if "|" in rest:
        return None  # alternatives: rare, and they decide nothing we could not miss safely
    parts = []
    for token in rest.split(","):
        token = token.strip()
        m = re.match(r"^(>=|<=|==|!=|>|<|~=)?\s*([0-9][0-9A-Za-z.*+!-]*)$", token)
        if m is None:
            return None
        op, version = m.group(1), m.group(2)
        if op is None:
            version = version.rstrip("*").rstrip(".")
            parts.append(f"=={version}.*" if version else "")
        else:
            parts.append(f"{op}{version}")
    return ",".join(p for p in parts if p)


def _environment_yml(path: Path, out: list[Pin], bad: list[str]) -> None:
    import yaml

    try:
        data = yaml.safe_load(_read(path))
    except yaml.YAMLError as exc:
        raise Malformed(f"invalid YAML: {' '.join(str(exc).split())[:100]}") from None
    deps = data.get("dependencies") if isinstance(data, dict) else None
    if not isinstance(deps, list):
        return
    for dep in deps:
        if isinstance(dep, dict) and isinstance(dep.get("pip"), list):
            for item in _strings(dep["pip"]):
                include = re.match(r"^(?:-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)", item.strip())
                if include:
                    target = path.parent / include.group(1)
                    if target.is_file():
                        _requirement_lines(target, target.name, set(), out, bad)
                elif not item.strip().startswith("-"):
                    _pep508_list([item], path, out, bad)
        elif isinstance(dep, str):
            m = _CONDA.match(dep.split("#")[0])
            package = _relevant(m.group(1)) if m else None
            if package is None:
                continue
            spec = conda_specifier(m.group(2))
            if spec is None:
                bad.append(f"{path}: {dep[:60]!r} is not a conda package spec")
                continue
            out.append(Pin(package, spec, path.name, dep.strip()))


def _lock_toml(path: Path, out: list[Pin], bad: list[str]) -> None:
    """uv.lock, poetry.lock, pdm.lock: `[[package]] name = ..., version = ...`. A package locked at
    several versions (uv's forks per platform or Python) counts as alternatives."""
    data = _toml(path)
    versions: dict[str, list[tuple[str, str]]] = {}
    for entry in data.get("package", []) if isinstance(data.get("package"), list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        package = _relevant(entry["name"])
        if package is not None and isinstance(entry.get("version"), str):
            versions.setdefault(package, []).append((entry["name"], entry["version"]))
    _locked(versions, path.name, out)


def _pipfile_lock(path: Path, out: list[Pin], bad: list[str]) -> None:
    try:
        data = json.loads(_read(path))
    except ValueError as exc:
        raise Malformed(f"invalid JSON: {exc}") from None
    versions: dict[str, list[tuple[str, str]]] = {}
    for section in ("default", "develop"):
        table = data.get(section) if isinstance(data, dict) else None
        for name, entry in (table.items() if isinstance(table, dict) else ()):
            package = _relevant(name)
            version = entry.get("version") if isinstance(entry, dict) else None
            if package is not None and isinstance(version, str):
                versions.setdefault(package, []).append((name, version.lstrip("=")))
    _locked(versions, path.name, out)


def _locked(versions: dict[str, list[tuple[str, str]]], where: str, out: list[Pin]) -> None:
    for package, found in versions.items():
        several = len({v for _, v in found}) > 1
        for name, version in found:
            out.append(Pin(package, f"=={version}", where, f"{name}=={version}", several))


def _requirements_file(path: Path, out: list[Pin], bad: list[str]) -> None:
    _requirement_lines(path, path.name, set(), out, bad)


_READERS: list[tuple[Callable[[str], bool], Callable[[Path, list, list], None]]] = [
    (lambda n: n == "pyproject.toml", _pyproject),
    (lambda n: n == "setup.cfg", _setup_cfg),
    (lambda n: n == "setup.py", _setup_py),
    (lambda n: n == "Pipfile", _pipfile),
    (lambda n: n == "Pipfile.lock", _pipfile_lock),
    (lambda n: n in ("uv.lock", "poetry.lock", "pdm.lock"), _lock_toml),
    (lambda n: n in ("environment.yml", "environment.yaml"), _environment_yml),
    (lambda n: (n.startswith(("requirements", "constraints")) and n.endswith((".txt", ".in"))), _requirements_file),
]


def _reader(name: str) -> Optional[Callable[[Path, list, list], None]]:
    return next((read for matches, read in _READERS if matches(name)), None)


def read_pins(path: Path) -> tuple[list[Pin], Optional[str]]:
    """The pins one declaration file holds, and a one-line warning when (part of) it could not be
    read: a malformed file yields no pins, a malformed line only loses that line."""
    read = _reader(path.name)
    if read is None and path.parent.name == "requirements" and path.name.endswith((".txt", ".in")):
        read = _requirements_file
    if read is None:
        return [], None
    out: list[Pin] = []
    bad: list[str] = []
    try:
        read(path, out, bad)
    except Malformed as exc:
        return [], f"{path}: skipped: {exc}"
    except (RecursionError, MemoryError, UnicodeError) as exc:
        return [], f"{path}: skipped: {type(exc).__name__}"
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        return out, f"{bad[0]}, skipped{more}"
    return out, None


def declaration_files(folder: Path) -> list[Path]:
    """The folder's declaration files, and the `.txt` files of its `requirements/` folder (the
    layout with requirements/base.txt, requirements/prod.txt)."""
    try:
        names = sorted(e.name for e in folder.iterdir() if _reader(e.name) is not None)
        nested = folder / "requirements"
        if nested.is_dir():
            names += sorted(f"requirements/{e.name}" for e in nested.iterdir() if e.name.endswith((".txt", ".in")))
    except OSError:
        return []
    return [folder / n for n in names if (folder / n).is_file()]


# ------------------------------------------------------------------------------------------------
# Per project
# ------------------------------------------------------------------------------------------------
@dataclass
class _Folder:
    stamp: tuple
    pins: list[Pin]
    files: list[str]
    decision: tuple[Optional[str], str] = (None, "")


@dataclass
class ProjectVersions:
    """Declarations per folder, read once per folder. `stop`: the project root (the settings' root)
    when known; otherwise the walk up stops at the first folder holding a pyproject.toml or .git.
    `recheck`: re-read a folder whose declaration files changed (the editor server, which lives
    long); the command line reads each folder once."""

    stop: Optional[Path] = None
    recheck: bool = False
    warnings: list[str] = field(default_factory=list)
    _folders: dict[Path, _Folder] = field(default_factory=dict)
    _answers: dict[Path, Declared] = field(default_factory=dict)  # per folder; only without recheck
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def for_path(self, path: Path) -> Declared:
        """What the project of the file at `path` declares."""
        try:
            unresolved = path if path.is_dir() else path.parent
            if not self.recheck:  # the files of one folder share the answer: resolve and walk up once
                with self._lock:
                    hit = self._answers.get(unresolved)
                if hit is not None:
                    return hit
            folder = unresolved.resolve()
        except (OSError, RuntimeError):
            return Declared()
        answer = self._walk_up(folder)
        if not self.recheck:
            with self._lock:
                self._answers[unresolved] = answer
        return answer

    def _walk_up(self, folder: Path) -> Declared:
        stop = self.stop.resolve() if self.stop is not None else None
        if stop is not None and stop != folder and stop not in folder.parents:
            stop = None  # a file outside the settings' root: its own project's root
        tf_keras = False
        files: list[str] = []
        for directory in (folder, *folder.parents):
            entry = self._folder(directory)
            files += entry.files
            tf_keras = tf_keras or any(p.package == TF_KERAS for p in entry.pins)
            major, detail = entry.decision
            if major is not None:
                return Declared(major, detail, tf_keras, tuple(files))
            if directory == stop or (stop is None and _is_project_root(directory)):
                break
        return Declared(None, "", tf_keras, tuple(files))

    def _folder(self, directory: Path) -> _Folder:
        with self._lock:
            entry = self._folders.get(directory)
        if entry is not None and not self.recheck:
            return entry
        paths = declaration_files(directory)
        stamp = tuple(_stat(p) for p in paths)
        if entry is not None and entry.stamp == stamp:
            return entry
        pins: list[Pin] = []
        for p in paths:
            found, warning = read_pins(p)
            pins += found
            if warning:
                with self._lock:
                    if warning not in self.warnings:
                        self.warnings.append(warning)
        entry = _Folder(stamp, pins, [str(p) for p in paths], decide(pins))
        with self._lock:
            self._folders[directory] = entry
        return entry


def _stat(path: Path) -> tuple:
    try:
        st = path.stat()
        return (path.name, st.st_mtime_ns, st.st_size)
    except OSError:
        return (path.name, None, None)


def _is_project_root(directory: Path) -> bool:
    """A folder with a pyproject.toml or .git; the home folder too, so that a loose script does not
    take the declarations of whatever lies above it."""
    try:
        home = Path.home().resolve()
    except (OSError, RuntimeError):
        home = None
    return directory == home or (directory / ".git").exists() or (directory / "pyproject.toml").is_file()
