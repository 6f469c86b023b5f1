"""The project's other modules: what `from nets import build_classifier` brings into a linted file.

Real projects build the model in one module and compile or fit it in another (shared/real-bugs.md),
and pre-commit passes only the changed files. So when the linted file imports a module of its own
project (a sibling file, a package under the project root or its `src/` folder, a relative import),
the module is read from disk (or the editor's buffer) and parsed, never imported or executed, and
its top level is interpreted by the same abstract interpreter: its functions, classes and constants
become values, whose bodies run only when the linted file calls them.

Three lifetimes:
- `_PARSED` (per process): each module file parsed at most once, re-read only when it changes.
- `Scope` (per linted file): runs each module's top level at most once for that file (values are
  mutable: one file's `compile` must not leak into another's), records which files were read (the
  result cache checks them), and moves findings whose node lies in another module onto the line of
  the linted file that reached it.
- `Importer` (per interpreted module): resolves that module's import statements.

A module that is missing, unreadable, unparsable, larger than `max-file-size`, imported deeper than
MAX_IMPORT_DEPTH or part of an import cycle is unknown: its names keep their old, inert values.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import sys
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

import libcst as cst

from kerascheck.facts.names import import_bindings, module_name
from kerascheck.facts.values import ModuleRef

MAX_IMPORT_DEPTH = 3  # the linted file's imports are depth 1
# Top levels interpreted for one linted file: a file importing a whole framework's worth of modules
# costs a bounded amount; the rest are unknown.
MAX_MODULES = 48
# Installed libraries are not the project's modules (a root that holds a virtualenv, or linting a
# package inside site-packages), and reading them would cost more than the linted file.
_LIBRARY_DIRS = frozenset({"site-packages", "dist-packages"})
# Names the interpreter knows as libraries: a local file of that name must not hide them.
_LIBRARIES = frozenset({"keras", "tensorflow", "tf_keras", "numpy", "functools", "__future__"})
_MARKER = re.compile(r"keras|tensorflow|tf_keras")
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
_IMPORT_LINE = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*\(?([\w \t,]*)|import[ \t]+([\w.]+))",
                          re.M)


@dataclass(eq=False)
class Parsed:
    """One module file as read and parsed (module None: unparsable, undecodable or too large)."""

    path: str
    digest: str  # of the bytes read: the result cache compares it
    text: str
    module: Optional[cst.Module]
    imports: dict  # its top-level import table (local name -> qualified name)
    mentions_keras: bool
    _ids: Optional[set] = None
    _positions: Any = None

    def holds(self, node: cst.CSTNode) -> bool:
        if self.module is None:
            return False
        if self._ids is None:
            from kerascheck.facts.walk import children

            ids, stack = set(), [self.module]
            while stack:
                n = stack.pop()
                ids.add(id(n))
                stack.extend(children(n))
            self._ids = ids
        return id(node) in self._ids

    def enclosing(self, node: cst.CSTNode) -> list:
        """The functions and classes that hold `node`, outermost first."""
        from kerascheck.facts.walk import children

        assert self.module is not None
        stack: list = [(self.module, ())]
        while stack:
            n, chain = stack.pop()
            if n is node:
                return list(chain)
            if isinstance(n, (cst.FunctionDef, cst.ClassDef)):
                chain = chain + (n,)
            stack.extend((c, chain) for c in children(n))
        return []

    def span(self, node: cst.CSTNode) -> Optional[tuple[int, int, int, int]]:
        from kerascheck.positions import Positions

        assert self.module is not None
        if self._positions is None:
            try:
                tree: Optional[ast.Module] = ast.parse(self.text)
            except Exception:
                tree = None
            self._positions = Positions(self.module, self.text, tree)
        return self._positions.span(node)


# Bounded: libcst trees are large, and a long run (or the editor server) meets many modules.
_PARSED: "OrderedDict[str, tuple[tuple, Optional[Parsed]]]" = OrderedDict()  # path -> (stamp, module)
_PARSED_SIZE = 128
# The trees of the last files the engine linted: a file linted and then imported is not parsed twice.
_LINTED: "OrderedDict[str, tuple[str, cst.Module]]" = OrderedDict()  # path -> (text, tree)
_LINTED_SIZE = 16
_MENTIONS: dict[str, tuple[tuple, tuple]] = {}  # path -> (stamp, _summary)
# The digest recorded for a module file that did not exist when a file's analysis looked for it: if
# it appears later (`nets.py` written after `train.py` was linted), the cached result is stale.
ABSENT = ""


def _stamp(path: str, overlay: dict) -> Optional[tuple]:
    text = overlay.get(path)
    if text is not None:
        return ("buffer", text)
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _read(path: str, overlay: dict, max_size: int) -> Optional[tuple[bytes, str]]:
    """(bytes, text) of a module; text "" when it is too large or cannot be decoded."""
    from kerascheck.files import ReadError, decode

    if path in overlay:
        text = overlay[path]
        return text.encode("utf-8", "surrogatepass"), text
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_size + 1)
    except OSError:
        return None
    if len(data) > max_size:
        return data, ""
    try:
        return data, decode(data)[0]
    except ReadError:
        return data, ""


def load(path: str, overlay: dict, max_size: int) -> Optional[Parsed]:
    """The parsed module at `path`, from the process-wide cache while the file is unchanged."""
    stamp = _stamp(path, overlay)
    if stamp is None:
        return None
    hit = _PARSED.get(path)
    if hit is not None and hit[0] == stamp:
        _PARSED.move_to_end(path)
        return hit[1]
    parsed = _parse(path, overlay, max_size)
    _PARSED[path] = (stamp, parsed)
    _PARSED.move_to_end(path)
    while len(_PARSED) > _PARSED_SIZE:
        _PARSED.popitem(last=False)
    return parsed


def _parse(path: str, overlay: dict, max_size: int) -> Optional[Parsed]:
    read = _read(path, overlay, max_size)
    if read is None:
        return None
    data, text = read
    digest = hashlib.sha256(data).hexdigest()
    module = None
    linted = _LINTED.get(path)
    if text and linted is not None and linted[0] == text:
        module = linted[1]
    elif text:
        try:
            # CPython's parser first: libcst's crashes the process on code nested too deeply (engine.py)
            ast.parse(text)
            module = cst.parse_module(text)
        except Exception:  # SyntaxError, libcst's errors, RecursionError, ValueError (NUL bytes)
            module = None
        except MemoryError:
            module = None
    imports: dict[str, str] = {}
    if module is not None:
        for stmt in module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)):
                        for local, full in import_bindings(small):
                            imports.setdefault(local, full)
    return Parsed(path, digest, text, module, imports, bool(_MARKER.search(text)))


def _summary(path: str, overlay: dict, max_size: int) -> tuple[bool, list[str], str]:
    """(whether the module's text names Keras or TensorFlow, the modules its import lines name, the
    digest of its bytes), read with regular expressions, not parsed."""
    stamp = _stamp(path, overlay)
    if stamp is None:
        return False, [], ABSENT
    hit = _MENTIONS.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    read = _read(path, overlay, max_size)
    text = read[1] if read else ""
    digest = hashlib.sha256(read[0]).hexdigest() if read else ABSENT
    summary = (bool(_MARKER.search(text)), _imported_names(text), digest)
    _MENTIONS[path] = (stamp, summary)
    return summary


def _imported_names(text: str) -> list[str]:
    """The modules import lines may read: `m` of `import m`, and `m` and `m.a` of `from m import a`."""
    out = []
    for m in _IMPORT_LINE.finditer(text):
        if m.group(3) is not None:
            out.append(m.group(3))
            continue
        base = m.group(1)
        out.append(base)
        sep = "" if base.endswith(".") else "."
        out.extend(base + sep + name.strip() for name in m.group(2).split(",") if name.strip().isidentifier())
    return out


_DIGESTS: dict[str, tuple[tuple, str]] = {}  # path -> (stamp, digest): a warm run hashes each module once


def changed(deps: dict, overlay: Optional[dict] = None) -> bool:
    """True when a module a result read no longer has the bytes it had then, or a module it looked
    for and did not find exists now. `overlay`: path -> text of the editor's open buffers."""
    overlay = overlay or {}
    for path, digest in deps.items():
        if path in overlay:
            if digest == ABSENT or hashlib.sha256(overlay[path].encode("utf-8", "surrogatepass")).hexdigest() != digest:
                return True
            continue
        stamp = _stamp(path, {})
        if stamp is None or digest == ABSENT:
            if (stamp is None) != (digest == ABSENT):
                return True
            continue
        known = _DIGESTS.get(path)
        if known is None or known[0] != stamp:
            try:
                with open(path, "rb") as fh:
                    known = (stamp, hashlib.sha256(fh.read()).hexdigest())
            except OSError:
                return True
            _DIGESTS[path] = known
        if known[1] != digest:
            return True
    return False


def absent_candidates(bases: Iterable[Path], dotted: str) -> list[str]:
    """The paths that would be module `dotted` under `bases`, none of which exists now (recorded so
    that one appearing later invalidates the result). Standard-library names are left out: a local
    `os.py` is not worth a stat per file on every warm run."""
    parts = dotted.split(".") if dotted else []
    if not parts or any(not p.isidentifier() for p in parts) or parts[0] in _STDLIB:
        return []
    out = []
    for base in bases:
        p = os.path.join(str(base), *parts)
        if not any(part in _LIBRARY_DIRS for part in p.split(os.sep)):
            out += [p + ".py", p, os.path.join(p, "__init__.py")]  # p: a package without __init__
    return out


class Project:
    """Where a linter's files find their modules: the project root (and its `src/`) plus each
    file's own folder. `overlay`: path -> text of modules open in the editor."""

    def __init__(self, root: Path, max_size: int) -> None:
        self.root = Path(os.path.abspath(root))
        self.max_size = max_size
        self.overlay: dict[str, str] = {}
        self._bases: dict[Path, list[Path]] = {}  # folder -> where its absolute imports are searched
        self._paths: dict[str, Optional[Path]] = {}  # display path -> file

    def path_of(self, display: str) -> Optional[Path]:
        """The file a display path names (relative to the working directory, or to the root in the
        editor), None for stdin without a name."""
        if not display or display == "-":
            return None
        known = self._paths.get(display)
        if known is None:
            known = self._paths[display] = self._find(display)
        return known

    def _find(self, display: str) -> Path:
        p = Path(display)
        if p.is_absolute():
            return p
        for base in (Path.cwd(), self.root):
            candidate = base / p
            if candidate.exists():
                return Path(os.path.abspath(candidate))
        return Path(os.path.abspath(p))

    def parse(self, display: str, text: str) -> cst.Module:
        """The linted file's tree: the one parsed when another file imported it, if the text is the
        same; else parsed here, and kept a while for the files that import it next."""
        path = self.path_of(display)
        key = str(path) if path is not None else None
        if key is not None:
            hit = _PARSED.get(key)
            if hit is not None and hit[1] is not None and hit[1].module is not None and hit[1].text == text:
                return hit[1].module
        module = cst.parse_module(text)
        # a file of an installed library is never imported as a project module: keeping its tree
        # alive would only cost memory and garbage-collector time
        if key is not None and not any(part in _LIBRARY_DIRS for part in key.split(os.sep)):
            _LINTED[key] = (text, module)
            _LINTED.move_to_end(key)
            while len(_LINTED) > _LINTED_SIZE:
                _LINTED.popitem(last=False)
        return module

    def bases(self, folder: Path) -> list[Path]:
        known = self._bases.get(folder)
        if known is None:
            known = self._bases[folder] = []
            for base in (folder, self.root, self.root / "src"):
                if base not in known and base.is_dir():
                    known.append(base)
        return known

    def scope(self, display: str) -> "Scope":
        return Scope(self, self.path_of(display))

    def may_reach_keras(self, text: str, display: str, deps: Optional[dict] = None) -> bool:
        """Whether a file that never names Keras imports (up to MAX_IMPORT_DEPTH) a module of the
        project that does, judged from import lines before parsing anything: the fast path of files
        without Keras stays fast. `deps` gets path -> digest of each module file read or looked for
        (the result cache checks them)."""
        deps = {} if deps is None else deps
        path = self.path_of(display)
        todo = [(path.parent if path is not None else self.root, _imported_names(text), 1)]
        seen: set[str] = set()
        while todo:
            folder, names, depth = todo.pop()
            for name in names:
                found = self._locate_text(folder, name, deps)
                if found is None or found in seen:
                    continue
                seen.add(found)
                mentions, inner, digest = _summary(found, self.overlay, self.max_size)
                deps[found] = digest
                if mentions:
                    return True
                if depth < MAX_IMPORT_DEPTH:
                    todo.append((Path(found).parent, inner, depth + 1))
        return False

    def _locate_text(self, folder: Path, name: str, deps: dict) -> Optional[str]:
        dots = len(name) - len(name.lstrip("."))
        dotted = name[dots:]
        if dots:
            base = folder
            for _ in range(dots - 1):
                base = base.parent
            bases = [base]
        elif dotted.split(".")[0] in _LIBRARIES:
            return None
        else:
            bases = self.bases(folder)
        found = _locate(bases, dotted)
        if found is None:
            deps.update(dict.fromkeys(absent_candidates(bases, dotted), ABSENT))
        return str(found[1]) if found is not None and found[0] == "file" else None


def _locate(bases: Iterable[Path], dotted: str) -> Optional[tuple[str, Path]]:
    """("file", path) of module `dotted` under the first base that has it, ("dir", folder) for a
    package without `__init__.py`, None when no base has it."""
    parts = dotted.split(".") if dotted else []
    if any(not p.isidentifier() for p in parts):
        return None
    for base in bases:
        p = os.path.join(str(base), *parts)
        if any(part in _LIBRARY_DIRS for part in p.split(os.sep)):
            continue
        if parts and os.path.isfile(p + ".py"):
            return "file", Path(p + ".py")
        init = os.path.join(p, "__init__.py")
        if os.path.isfile(init):
            return "file", Path(init)
        if parts and os.path.isdir(p):
            return "dir", Path(p)
    return None


class _Shared:
    """A module's top level as run, with every module it read, for other linted files of the process
    (its values are shared only when none of them can be changed by the file that imports them)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.parsed: list[Parsed] = []
        self.envs: dict[str, dict] = {}
        self.importers: list[Importer] = []
        self.complete = True  # no cycle, no limit cut it short, nothing failed
        self.state: list = []  # _state of its values when shared

    def add(self, parsed: Parsed, env: Optional[dict], importer: "Importer") -> None:
        self.parsed.append(parsed)
        self.importers.append(importer)
        if env is None:
            self.complete = False
        else:
            self.envs[parsed.path] = env

    def merge(self, inner: "_Shared") -> None:
        self.parsed.extend(inner.parsed)
        self.importers.extend(inner.importers)
        self.envs.update(inner.envs)
        self.complete = self.complete and inner.complete


def _shareable(value: Any, depth: int = 0) -> bool:
    """Values an importing file cannot change, or whose changes `_state` sees: constants, library
    names, functions and classes (their bodies run afresh on each call), and lists and dicts of
    those. Models, instances and module references (whose top level may run later) are per file."""
    from kerascheck.facts.values import UNKNOWN, ClassRef, Const, DictV, Func, QName, Seq

    if value is UNKNOWN or isinstance(value, (Const, QName, ClassRef)):
        return True
    if isinstance(value, Func):
        return value.bound_self is None
    if isinstance(value, Seq) and depth < 4:
        return all(_shareable(v, depth + 1) for v in value.items)
    if isinstance(value, DictV) and depth < 4:
        return all(_shareable(k, depth + 1) and _shareable(v, depth + 1) for k, v in value.items)
    return False


def _state(values: Iterable[Any]) -> list:
    """The length and `unsure` flag of every list and dict among `values`: the only ways the
    interpreter changes them (append, item assignment, mutating methods)."""
    from kerascheck.facts.values import DictV, Seq

    out: list = []
    stack = list(values)
    while stack:
        v = stack.pop()
        if isinstance(v, Seq):
            out.append((id(v), len(v.items), v.unsure))
            stack.extend(v.items)
        elif isinstance(v, DictV):
            out.append((id(v), len(v.items), v.unsure))
            stack.extend(x for kv in v.items for x in kv)
    return out


# (path, depth) -> a module's shareable top level (it keeps the trees it holds alive: bounded)
_SHARED: dict[tuple[str, int], _Shared] = {}
_SHARED_SIZE = 256

_RUNNING = object()  # a module whose top level is being interpreted: importing it again is a cycle
_FAILED = object()


class Scope:
    """The modules one linted file reaches (see the module docstring)."""

    def __init__(self, project: Project, path: Optional[Path]) -> None:
        self.project = project
        self.path = str(path) if path is not None else None
        self.folder = path.parent if path is not None else project.root
        self.deps: dict[str, str] = {}  # path -> digest of every module read
        self.loaded: list[Parsed] = []
        self._envs: dict[str, Any] = {}  # path -> its top-level values | _RUNNING | _FAILED
        self._foreign: list[tuple[Any, dict]] = []  # (module facts, {id(model): (compiles, fits)})
        self.anchors: dict[int, cst.CSTNode] = {}  # id(def/class node) -> call in the linted file
        self.via: dict[str, cst.CSTNode] = {}  # module path -> the linted file's import that reached it
        self._records: list[_Shared] = []  # the modules being run, innermost last

    def importer(self) -> "Importer":
        return Importer(self, self.folder, 0, None)

    def note_call(self, definition: cst.CSTNode, anchor: cst.CSTNode) -> None:
        self.anchors.setdefault(id(definition), anchor)

    # -- running a module's top level -------------------------------------------------------------
    def run(self, path: str, depth: int, via: Optional[cst.CSTNode]) -> Optional[dict]:
        if depth > MAX_IMPORT_DEPTH:
            return None
        if path == self.path:  # the linted file itself, imported back: unknown, and only for this file
            for record in self._records:
                record.complete = False
            return None
        if via is not None:
            self.via.setdefault(path, via)
        env = self._envs.get(path)
        if env is not None:
            if env is _RUNNING:
                for record in self._records:
                    record.complete = False  # a cycle: what runs now sees part of a module
            return None if env is _RUNNING or env is _FAILED else env
        if len(self._envs) >= MAX_MODULES:
            for record in self._records:
                record.complete = False
            return None
        shared = self._reuse(path, depth, via)
        if shared is not None:
            return shared
        parsed = load(path, self.project.overlay, self.project.max_size)
        if parsed is None:
            self._envs[path] = _FAILED
            return None
        self.deps[path] = parsed.digest
        if parsed.module is None:
            self._envs[path] = _FAILED
            return None
        self.loaded.append(parsed)
        self._envs[path] = _RUNNING
        importer = Importer(self, Path(path).parent, depth, via)
        record = _Shared(path)
        self._records.append(record)
        try:
            env = self._execute(parsed, importer)
        except Exception:  # a module we cannot follow is unknown, not a crash of the linted file
            env = None
        finally:
            self._records.pop()
        self._envs[path] = env if env is not None else _FAILED
        record.add(parsed, env, importer)
        for outer in self._records:
            outer.merge(record)
        if env is not None and record.complete and \
                all(_shareable(v) for e in record.envs.values() for v in e.values()):
            record.state = _state(v for e in record.envs.values() for v in e.values())
            _SHARED[(path, depth)] = record
            while len(_SHARED) > _SHARED_SIZE:
                _SHARED.pop(next(iter(_SHARED)))
        return env

    def _reuse(self, path: str, depth: int, via: Optional[cst.CSTNode]) -> Optional[dict]:
        """The top level of `path` as another linted file of this process ran it, when it and the
        modules it imported are unchanged and hold only values no linted file can change."""
        record = _SHARED.get((path, depth))
        if record is None:
            return None
        overlay, size = self.project.overlay, self.project.max_size
        if any(load(p.path, overlay, size) is not p for p in record.parsed) or \
                _state(v for e in record.envs.values() for v in e.values()) != record.state:
            del _SHARED[(path, depth)]  # a module changed, or a file that imported it changed a list
            return None
        for p in record.parsed:
            if p.path in self._envs and self._envs[p.path] is not record.envs.get(p.path):
                return None  # this file already ran part of it otherwise: keep one set of values
        for p in record.parsed:
            if p.path in self._envs:
                continue
            self.deps[p.path] = p.digest
            self.loaded.append(p)
            if via is not None:
                self.via.setdefault(p.path, via)
            self._envs[p.path] = record.envs[p.path]
        for importer in record.importers:  # functions of those modules import through this scope now
            importer.scope, importer.via = self, via
        for outer in self._records:
            outer.merge(record)
        return record.envs[path]

    def _execute(self, parsed: Parsed, importer: "Importer") -> dict:
        from kerascheck.facts.interp import Interpreter
        from kerascheck.facts.model import ModuleFacts

        assert parsed.module is not None
        facts = ModuleFacts(parsed.module)
        facts.imports = dict(parsed.imports)
        facts.mentions_keras = parsed.mentions_keras
        interp = Interpreter(facts)
        interp.run_module(parsed.module, importer=importer, follow=False)
        self._foreign.append((facts, {id(m): (len(m.compiles), len(m.fits)) for m in facts.models}))
        return interp.globals.env

    def adopt(self, facts: Any) -> None:
        """Models another module builds at its top level (`from nets import model`) that the linted
        file compiles or fits: the linted file's facts get them, with only its own compile and fit
        calls (the module's own calls are that module's findings, not this file's)."""
        from dataclasses import replace

        for foreign, before in self._foreign:
            for model in foreign.models:
                n_compiles, n_fits = before.get(id(model), (0, 0))
                if len(model.compiles) > n_compiles or len(model.fits) > n_fits:
                    facts.models.append(replace(model, compiles=model.compiles[n_compiles:],
                                                fits=model.fits[n_fits:]))

    # -- findings ---------------------------------------------------------------------------------
    def relocate(self, hits: Iterable[Any]) -> Iterator[Any]:
        """Hits whose node lies in another module, moved to the linted file's line that reached that
        code (the call of the function, else the import), naming the other location."""
        from kerascheck.files import display_path
        from kerascheck.rule import Hit

        for hit in hits:
            owner = self._owner(hit.node) if self.loaded else None
            if owner is None:
                if hit.fix_edits and self.loaded and any(self._owner(n) for n, _ in hit.fix_edits):
                    hit.fix_edits = None  # a fix never edits another file
                cause = self._owner(hit.cause) if hit.cause is not None and self.loaded else None
                span = cause.span(hit.cause) if cause is not None else None
                if cause is not None and span is not None:  # the bug meets here, its cause is there
                    where = display_path(Path(cause.path), Path.cwd())
                    hit.message = f"{hit.message} (in {where}:{span[0]})"
                    hit.related = [_related(cause.path, span)]
                yield hit
                continue
            anchor = self._anchor(owner, hit.node)
            span = owner.span(hit.node)
            if anchor is None or span is None:
                continue
            where = display_path(Path(owner.path), Path.cwd())
            yield Hit(anchor, f"{hit.message} (in {where}:{span[0]})", related=[_related(owner.path, span)])

    def anchor(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """For a node of another module (a model its function builds): the linted file's node that
        reached it (the call of that function, else the import); None for the file's own nodes."""
        owner = self._owner(node) if self.loaded else None
        return self._anchor(owner, node) if owner is not None else None

    def _anchor(self, owner: Parsed, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return next((self.anchors[id(d)] for d in reversed(owner.enclosing(node)) if id(d) in self.anchors),
                    None) or self.via.get(owner.path)

    def _owner(self, node: cst.CSTNode) -> Optional[Parsed]:
        return next((p for p in self.loaded if p.holds(node)), None)


def _related(path: str, span: tuple[int, int, int, int]) -> dict:
    return {"path": path, "line": span[0], "column": span[1], "end_line": span[2], "end_column": span[3],
            "message": "the cause, in an imported module"}


class Importer:
    """Binds the import statements of one interpreted module to the values of the project modules
    they name; names of other modules (libraries) are left to the interpreter."""

    def __init__(self, scope: Scope, folder: Path, depth: int, via: Optional[cst.CSTNode]) -> None:
        self.scope = scope
        self.folder = folder
        self.depth = depth
        self.via = via

    @property
    def is_root(self) -> bool:
        return self.depth == 0

    @property
    def imported(self) -> bool:
        """The module runs as an import: its `if __name__ == "__main__":` block does not."""
        return self.depth > 0

    def bind(self, node: cst.Import | cst.ImportFrom) -> dict[str, Any]:
        via = self.via if self.via is not None else node
        out: dict[str, Any] = {}
        if isinstance(node, cst.Import):
            bases = self.scope.project.bases(self.folder)
            for alias in node.names:
                full = module_name(alias.name)
                if not full or full.split(".")[0] in _LIBRARIES:
                    continue
                if alias.asname is not None:
                    local = module_name(alias.asname.name)
                    ref = self._module(bases, full, via, lazy=True)
                else:  # `import pkg.sub` binds `pkg`; `pkg.sub` is then an attribute
                    local = full.split(".")[0]
                    ref = self._module(bases, local, via, lazy=True)
                if ref is not None and local:
                    out[local] = ref
            return out
        if node.relative:
            base = self.folder
            for _ in range(len(node.relative) - 1):
                base = base.parent
            bases = [base]
            dotted = module_name(node.module) if node.module is not None else ""
        else:
            dotted = module_name(node.module) if node.module is not None else ""
            if not dotted or dotted.split(".")[0] in _LIBRARIES:
                return out
            bases = self.scope.project.bases(self.folder)
        ref = self._module(bases, dotted, via)
        if ref is None:
            return out
        if isinstance(node.names, cst.ImportStar):
            for name in _public_names(ref):
                out[name] = ref.attr(name)
            return out
        for alias in node.names:
            name = module_name(alias.name)
            local = module_name(alias.asname.name) if alias.asname is not None else name
            value = ref.lookup(name)
            if value is not None:
                out[local] = value
        return out

    def reaches_keras(self, module: cst.Module) -> bool:
        """Whether the top-level imports of `module` read a project module that names Keras."""
        for stmt in module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Import, cst.ImportFrom)):
                        for value in self.bind(small).values():
                            if isinstance(value, ModuleRef):
                                value.lookup("")  # `import nets`: whether nets names Keras
        return any(p.mentions_keras for p in self.scope.loaded)

    def _module(self, bases: list[Path], dotted: str, via: cst.CSTNode, lazy: bool = False) -> Optional[ModuleRef]:
        """The module `dotted` as a value. `lazy` (`import m`): its top level runs when an attribute
        is first read, so the many modules imported and never used cost only a lookup."""
        found = _locate(bases, dotted)
        if found is None:
            for path in absent_candidates(bases, dotted):
                self.scope.deps.setdefault(path, ABSENT)
            return None
        kind, where = found
        folder: Optional[Path] = where if kind == "dir" else None
        if kind == "dir":
            return _ref(self, dotted, lambda: {}, folder, via)
        if where.name == "__init__.py":
            folder = where.parent

        def run() -> dict:
            return self.scope.run(str(where), self.depth + 1, via) or {}

        if lazy:
            return _ref(self, dotted, run, folder, via)
        env = self.scope.run(str(where), self.depth + 1, via)
        if env is None and folder is None:
            return None
        return _ref(self, dotted, lambda: env or {}, folder, via)


def _ref(importer: Importer, dotted: str, run: Any, folder: Optional[Path], via: cst.CSTNode) -> ModuleRef:
    names: dict = {}
    state: list = []  # [True] once the top level has run

    def lookup(name: str) -> Any:
        if not state:
            state.append(True)
            names.update(run())
        if not name:  # only run it
            return None
        if name in names:
            return names[name]
        if folder is not None:  # a submodule of the package
            return importer._module([folder], name, via)
        return None

    return ModuleRef(dotted, lookup, names)


def _public_names(ref: ModuleRef) -> list[str]:
    """What `from m import *` binds: `__all__` when it is a literal list of strings, else every name
    without a leading underscore."""
    from kerascheck.facts.values import Const, Seq

    ref.lookup("")  # runs the module's top level
    env = ref.names
    listed = env.get("__all__")
    if isinstance(listed, Seq) and not listed.unsure and all(isinstance(v, Const) and isinstance(v.value, str)
                                                             for v in listed.items):
        return [v.value for v in listed.items if v.value in env]
    return [name for name in env if not name.startswith("_")]
