"""Settings: `[tool.kerascheck]` in the nearest pyproject.toml (or `--config FILE`), then CLI flags."""

from __future__ import annotations

import fnmatch
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

SELECTOR_RE = re.compile(r"^(ALL|KC[0-9]{0,3})$")
KERAS_VERSION_CHOICES = ("auto", "2", "3")
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024


class ConfigError(Exception):
    """A problem in the user's configuration or flags: exit code 2, one line, no traceback."""


@dataclass
class Settings:
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    keras_version: str = "auto"
    keras_version_from: Optional[str] = None  # where keras-version was set: a config file or the flag
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    root: Path = field(default_factory=Path.cwd)
    config_file: Optional[Path] = None
    cache_dir: Optional[Path] = None
    # Runtime mode executes (a slice of) user code: only --runtime/--python on the command line set
    # these two, never a config file (see _apply_runtime).
    runtime: bool = False
    runtime_python: Optional[str] = None
    runtime_timeout: float = 60.0
    runtime_memory_mb: int = 8192
    runtime_sandbox: str = "auto"  # command line only: a checkout's config must not switch it off
    runtime_device: str = "cpu"
    warnings: list[str] = field(default_factory=list)  # one line each, for the command line to print

    # -- rule selection --------------------------------------------------------------------------
    def validate_selectors(self, known: Iterable[str]) -> None:
        known = sorted(known)
        groups = [("select", self.select), ("ignore", self.ignore), ("extend-select", self.extend_select)]
        groups += [(f"per-file-ignores[{k!r}]", v) for k, v in self.per_file_ignores.items()]
        for key, selectors in groups:
            for sel in selectors:
                if not SELECTOR_RE.match(sel):
                    raise ConfigError(f"{key}: {sel!r} is not a rule code or prefix (expected e.g. KC101, KC1, ALL)")
                if sel != "ALL" and not any(code.startswith(sel) for code in known):
                    raise ConfigError(f"{key}: unknown rule code {sel!r} (see `kerascheck rules`)")

    def enabled(self, known: Iterable[str]) -> set[str]:
        def matches(code: str, sels: list[str]) -> bool:
            return any(s == "ALL" or code.startswith(s) for s in sels)

        return {c for c in known
                if (matches(c, self.select) or matches(c, self.extend_select)) and not matches(c, self.ignore)}

    def ignored_for(self, rel_path: str) -> set[str]:
        """Selectors that per-file-ignores switches off for this path (relative to the working
        directory). Patterns match it, its file name, or the path relative to the project root, so
        that `tests/*` in pyproject.toml still applies when kerascheck runs from a sub-folder."""
        out: set[str] = set()
        if not self.per_file_ignores:
            return out
        candidates = {rel_path, rel_path.rsplit("/", 1)[-1]}
        try:
            candidates.add(Path(rel_path).resolve().relative_to(self.root.resolve()).as_posix())
        except (ValueError, OSError, RuntimeError):
            pass  # outside the project root, or a symlink loop (RuntimeError before Python 3.13)
        for pattern, codes in self.per_file_ignores.items():
            if any(fnmatch.fnmatch(c, pattern) for c in candidates):
                out.update(codes)
        return out

    def excludes(self) -> list[str]:
        return list(self.exclude) + list(self.extend_exclude)

    def as_dict(self) -> dict[str, Any]:
        return {
            "config-file": str(self.config_file) if self.config_file else None,
            "root": str(self.root),
            "select": self.select,
            "extend-select": self.extend_select,
            "ignore": self.ignore,
            "per-file-ignores": self.per_file_ignores,
            "exclude": self.exclude,
            "extend-exclude": self.extend_exclude,
            "keras-version": self.keras_version,
            "max-file-size": self.max_file_size,
            "cache-dir": str(self.cache_dir) if self.cache_dir else None,
            "runtime": {"enabled": self.runtime, "python": self.runtime_python,
                        "timeout": self.runtime_timeout, "memory-mb": self.runtime_memory_mb,
                        "sandbox": self.runtime_sandbox, "device": self.runtime_device},
        }


_LIST_KEYS = {"select", "ignore", "extend-select", "exclude", "extend-exclude"}
_KEYS = _LIST_KEYS | {"per-file-ignores", "keras-version", "max-file-size", "cache-dir", "runtime"}
_RUNTIME_KEYS = {"enabled", "python", "timeout", "memory-mb"}


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def find_pyproject(start: Path) -> Optional[Path]:
    """The nearest pyproject.toml with a [tool.kerascheck] table, from start upwards."""
    for directory in [start, *start.parents]:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            # A cheap text test first; "kerascheck" not "tool.kerascheck": `[tool]\nkerascheck = {...}`
            # is the same table.
            if "kerascheck" in text and "kerascheck" in _load_toml(candidate).get("tool", {}):
                return candidate
    return None


def _string_list(key: str, value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return list(value)


def apply_table(settings: Settings, table: dict[str, Any], where: str) -> None:
    if not isinstance(table, dict):  # e.g. `tool.kerascheck = "strict"`
        raise ConfigError(f"{where}: [tool.kerascheck] must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} in [tool.kerascheck] "
                          f"(known: {', '.join(sorted(_KEYS))})")
    for key in _LIST_KEYS & set(table):
        setattr(settings, key.replace("-", "_"), _string_list(key, table[key], where))
    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError(f"{where}: 'per-file-ignores' must be a table of glob = [codes]")
        settings.per_file_ignores = {k: _string_list(f"per-file-ignores.{k}", v, where) for k, v in pfi.items()}
    if "keras-version" in table:
        kv = str(table["keras-version"])
        if kv not in KERAS_VERSION_CHOICES:
            raise ConfigError(f"{where}: 'keras-version' must be one of \"2\", \"3\", \"auto\" (got {table['keras-version']!r})")
        settings.keras_version = kv
        settings.keras_version_from = where
    if "max-file-size" in table:
        size = table["max-file-size"]
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise ConfigError(f"{where}: 'max-file-size' must be a positive number of bytes")
        settings.max_file_size = size
    if "cache-dir" in table:
        if not isinstance(table["cache-dir"], str) or not table["cache-dir"]:
            raise ConfigError(f"{where}: 'cache-dir' must be a path")
        settings.cache_dir = Path(table["cache-dir"])
    if "runtime" in table:
        _apply_runtime(settings, table["runtime"], where)


def _apply_runtime(settings: Settings, value: Any, where: str) -> None:
    """`[tool.kerascheck.runtime] timeout/memory-mb`. A config file cannot switch runtime mode on or
    name its interpreter: the file comes with the checkout being linted (an untrusted pull request
    in CI, a pre-commit hook), and either setting would make a plain `kerascheck` run execute that
    checkout's code or any program it names. `runtime = true`, `enabled = true` and `python` (keys
    of earlier releases) are ignored with a warning rather than refused, so that static linting of
    such a project goes on unchanged, with the project's own rule selection."""
    if isinstance(value, bool):
        value = {"enabled": value}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: 'runtime' must be a table ([tool.kerascheck.runtime])")
    unknown = sorted(set(value) - _RUNTIME_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} in [tool.kerascheck.runtime] "
                          f"(known: {', '.join(sorted(_RUNTIME_KEYS))})")
    if "enabled" in value and not isinstance(value["enabled"], bool):
        raise ConfigError(f"{where}: 'runtime.enabled' must be true or false")
    ignored = [k for k in ("enabled", "python") if k in value and value[k] is not False]
    if ignored:
        settings.warnings.append(
            f"{where}: ignoring runtime {' and '.join(ignored)} from the config file: runtime mode runs "
            "code, so only --runtime and --python on the command line turn it on (see SECURITY.md)")
    if "timeout" in value:
        t = value["timeout"]
        if isinstance(t, bool) or not isinstance(t, (int, float)) or t <= 0:
            raise ConfigError(f"{where}: 'runtime.timeout' must be a positive number of seconds")
        settings.runtime_timeout = float(t)
    if "memory-mb" in value:
        m = value["memory-mb"]
        if isinstance(m, bool) or not isinstance(m, int) or m <= 0:
            raise ConfigError(f"{where}: 'runtime.memory-mb' must be a positive number of MiB")
        settings.runtime_memory_mb = m


def load_settings(config: Optional[Path] = None, start: Optional[Path] = None) -> Settings:
    settings = Settings()
    if config is not None:
        if not config.is_file():
            raise ConfigError(f"config file not found: {config}")
        data = _load_toml(config)
        table = data.get("tool", {}).get("kerascheck", data if config.name != "pyproject.toml" else {})
        apply_table(settings, table, str(config))
        settings.config_file = config.resolve()
        settings.root = config.resolve().parent
        return settings
    found = find_pyproject((start or Path.cwd()).resolve())
    if found is not None:
        apply_table(settings, _load_toml(found)["tool"]["kerascheck"], str(found))
        settings.config_file = found
        settings.root = found.parent
    return settings


def parse_per_file_ignores(values: Iterable[str]) -> dict[str, list[str]]:
    """CLI form: `PATTERN:CODE[,CODE]`."""
    out: dict[str, list[str]] = {}
    for value in values:
        pattern, sep, codes = value.rpartition(":")
        if not sep or not pattern:
            raise ConfigError(f"--per-file-ignores expects PATTERN:CODES, got {value!r}")
        out.setdefault(pattern, []).extend(c.strip() for c in codes.split(",") if c.strip())
    return out


_DISTS = ("keras", "tensorflow", "tensorflow-cpu", "tf-keras")
# Run by another interpreter (runtime mode's --python): its distributions' versions, as JSON.
_PROBE = ("import json\nfrom importlib import metadata\nout = {}\nfor d in %r:\n    try:\n"
          "        out[d] = metadata.version(d)\n    except Exception:\n        pass\nprint(json.dumps(out))\n"
          % (_DISTS,))


def detect_keras_version(python: Optional[str] = None) -> Optional[str]:
    """The installed Keras major version, read from package metadata (never imports TensorFlow):
    where kerascheck runs, or in the environment of the interpreter `python`."""
    import os

    # Not realpath: two virtualenvs share one interpreter binary but not their site-packages.
    if python and os.path.abspath(python) != os.path.abspath(sys.executable):
        versions = _versions_in(python)
    else:
        from importlib import metadata

        versions = {}
        for dist in _DISTS:
            try:
                versions[dist] = metadata.version(dist)
            except Exception:  # PackageNotFoundError, or broken metadata
                pass
    # TensorFlow's own test (tensorflow/__init__.py): exactly these three spellings switch it.
    if os.environ.get("TF_USE_LEGACY_KERAS", "") in ("1", "true", "True") and versions.get("tf-keras"):
        return "2"
    keras = versions.get("keras")
    if keras:
        return keras.split(".")[0] if keras.split(".")[0] in ("2", "3") else None
    tf = versions.get("tensorflow") or versions.get("tensorflow-cpu")
    if tf:
        parts = tf.split(".")
        try:
            return "3" if (int(parts[0]), int(parts[1])) >= (2, 16) else "2"
        except (ValueError, IndexError):
            return None
    return None


def _versions_in(python: str) -> dict[str, str]:
    import json
    import subprocess

    try:
        probe = subprocess.run([python, "-c", _PROBE], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=30)
        found = json.loads(probe.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, str)}


@dataclass(frozen=True)
class KerasChoice:
    """The Keras majors a file is checked for, and what decided it (for messages and --show-settings).
    `decided_by`: "code", "config", "declared", "installed" or "assumed"."""

    versions: frozenset
    decided_by: str
    detail: str = ""

    @property
    def assumed(self) -> bool:
        return self.decided_by == "assumed"

    def describe(self) -> str:
        return f"{self.decided_by}: {self.detail}" if self.detail else self.decided_by

    def to_dict(self) -> dict[str, Any]:
        return {"keras-version": "/".join(sorted(self.versions)), "decided-by": self.decided_by,
                "detail": self.detail}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "KerasChoice":
        return cls(frozenset(str(d["keras-version"]).split("/")), str(d["decided-by"]), str(d.get("detail", "")))


CURRENT_MAJOR = "3"  # what `pip install tensorflow` or `pip install keras` has given since 2024
ASSUMED_NOTE = "nothing says which Keras; set keras-version"


def keras_versions(settings: Settings, evidence: set[str], detected: Optional[str], declared: Any = None,
                   legacy_env: bool = False, installed_where: str = "where kerascheck runs") -> KerasChoice:
    """Which Keras majors a file is checked for; the first of these that decides:
    1. the code's own evidence (tf_keras, keras.ops, keras_core, tensorflow_addons, TF_USE_LEGACY_KERAS);
    2. `keras-version` in the configuration or on the command line;
    3. the project's dependency declarations (`declared`: a project_versions.Declared), unless the
       code switches tf.keras to the tf-keras package the project also declares;
    4. the Keras installed (`detected`);
    5. otherwise the current major, Keras 3, which the caller tells the user it assumed."""
    if len(evidence) == 1:
        major = next(iter(evidence))
        return KerasChoice(frozenset(evidence), "code", f"the file uses an API only Keras {major} has")
    if settings.keras_version in ("2", "3"):
        where = f" ({settings.keras_version_from})" if settings.keras_version_from else ""
        return KerasChoice(frozenset({settings.keras_version}), "config",
                           f"keras-version = {settings.keras_version}{where}")
    major = getattr(declared, "major", None)
    if major in ("2", "3") and not (major == "3" and legacy_env and getattr(declared, "tf_keras", False)):
        return KerasChoice(frozenset({major}), "declared", declared.detail)
    if detected in ("2", "3"):
        return KerasChoice(frozenset({detected}), "installed", f"Keras {detected} is installed {installed_where}")
    return KerasChoice(frozenset({CURRENT_MAJOR}), "assumed", ASSUMED_NOTE)
