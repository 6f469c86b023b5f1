"""The slice of a script that runtime mode executes, decided with libcst in the parent.

Kept: top-level imports, function and class definitions, and the top-level statements that build
or compile a model, with the statements they need (found through libcst's scope analysis, so a
local `x` inside `build_model()` is not the global `x_train`). Never kept: `fit`/`evaluate`/
`predict`, file and network I/O, loops, `if __name__ == "__main__":` bodies, prints. A model whose
construction needs a dropped statement is not built, and says why.

The child executes the kept statements with their original line numbers (it filters the module's
`ast` by the kept line spans), so tracebacks and Keras's own messages point at the user's lines.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

import libcst as cst
from libcst.metadata import GlobalScope, MetadataWrapper, ScopeProvider

from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.names import is_main_guard
from kerascheck.facts.values import Array, DictV, Func, Model, Pipeline, Seq

if TYPE_CHECKING:
    from libcst.metadata import CodeRange

Span = tuple[int, int]

# Method names whose call means training, evaluation or I/O, whatever the receiver.
_TRAIN_METHODS = {"fit", "fit_generator", "evaluate", "evaluate_generator", "predict", "predict_generator",
                  "predict_on_batch", "train_on_batch", "test_on_batch", "predict_classes", "predict_proba"}
_IO_METHODS = {"save", "save_weights", "load_weights", "export", "savefig", "show", "to_csv", "to_pickle",
               "to_parquet", "to_excel", "read", "write", "read_text", "write_text", "read_bytes",
               "write_bytes", "flow_from_directory", "flow_from_dataframe", "from_pretrained", "download",
               "urlopen", "get_file", "mkdir", "makedirs", "unlink", "touch", "open", "load", "loads_file",
               "imread", "imwrite", "listdir", "glob", "rglob", "iterdir", "walk", "system", "popen",
               "sleep", "exit", "_exit", "abort", "kill", "connect", "request", "retrieve"}
_IO_PREFIXES = ("load_", "read_", "save_", "write_", "download")
_IO_SUFFIXES = ("_from_directory", "_from_dataframe")
# Canonical dotted prefixes of calls that do I/O, load data or leave the process.
_IO_MODULES = ("os.", "shutil.", "subprocess.", "socket.", "requests.", "urllib.", "http.", "ftplib.",
               "glob.", "pickle.", "joblib.", "h5py.", "zipfile.", "tarfile.", "PIL.", "cv2.", "imageio.",
               "wandb.", "mlflow.", "gdown.", "kagglehub.", "tensorflow_datasets.", "tfds.",
               "tensorflow_hub.", "transformers.", "datasets.", "sys.exit", "time.sleep", "tf.data.",
               "tf.io.", "tf.saved_model.", "tf.summary.", "keras.datasets.", "keras.saving.",
               "keras.models.load_model", "keras.utils.get_file", "pandas.read_", "webbrowser.",
               "np.load", "np.save", "np.fromfile", "np.genfromtxt", "np.memmap", "np.loadtxt",
               "matplotlib.", "seaborn.", "IPython.", "google.colab.")
_SAFE_MODULES = ("os.path.", "os.environ", "os.getenv", "os.sep", "os.cpu_count")
_IO_BUILTINS = {"open", "input", "exit", "quit", "breakpoint", "exec", "eval", "__import__", "compile"}
# Top-level expression statements worth running: they change the model or Keras's global state.
_MODEL_METHODS = {"compile", "add", "build", "pop"}
_CONFIG_PREFIXES = ("keras.", "tf.random.", "tf.keras.", "tf.config.", "keras.mixed_precision.",
                    "keras.utils.set_random_seed", "tf.experimental.numpy")


@dataclass
class StaticModel:
    """One model the facts layer found, as runtime mode sees it."""

    id: int
    model: Model
    spans: list[Span]  # the construction call (or the class, for a never-instantiated subclass)
    compile_spans: list[Span]
    region: list[Span]  # every node tied to the model: layers, outputs, compile, loss functions, fit
    x: Optional[dict] = None  # input spec from the data the script feeds fit (JSON form)
    y: Optional[dict] = None
    reason: Optional[str] = None  # why the slice does not build it
    # the fit/evaluate/predict calls on the model whose data the trace does not use (another call's is)
    untraced_feeds: list = field(default_factory=list)


@dataclass
class Plan:
    keep: list[Span]
    dropped: dict[int, str]  # first line of a dropped top-level statement -> why
    models: list[StaticModel]
    call_builders: list[str] = field(default_factory=list)
    weights_none: list[tuple[int, int]] = field(default_factory=list)  # keras.applications calls
    path: str = ""  # the script's path as the child sees it
    probes: list = field(default_factory=list)  # probes.Probe: names looked up on what the slice built

    def job(self) -> dict[str, Any]:
        return {
            "keep": [list(s) for s in self.keep],
            "models": [{"id": m.id, "spans": m.spans, "compile_spans": m.compile_spans, "x": m.x, "y": m.y}
                       for m in self.models if m.reason is None],
            "call_builders": self.call_builders,
            "weights_none": [list(p) for p in self.weights_none],
            "probes": [p.job() for p in self.probes],
        }


# --- the forbidden calls --------------------------------------------------------------------------
def _call_reason(call: cst.Call, facts: ModuleFacts, local_defs: dict[str, Optional[str]]) -> Optional[str]:
    func = call.func
    name = facts.resolve(func)
    if name is not None:
        full = str(name)
        if full.startswith(_SAFE_MODULES):
            return None
        if full.startswith(_IO_MODULES) or full.rsplit(".", 1)[-1].endswith(_IO_SUFFIXES):
            return f"calls {full}() (I/O or data loading)"
    if isinstance(func, cst.Name):
        if func.value in _IO_BUILTINS:
            return f"calls {func.value}()"
        if func.value in local_defs and local_defs[func.value]:
            return f"calls {func.value}(), which {local_defs[func.value]}"
        return None
    if isinstance(func, cst.Attribute):
        attr = func.attr.value
        if name is not None and str(name).startswith(("keras.", "tf.")) and attr[:1].isupper():
            return None  # a Keras class (Dense, Model, ...), whatever it is called
        if attr in _TRAIN_METHODS:
            return f"calls .{attr}() (training or inference)"
        if attr in _IO_METHODS or attr.startswith(_IO_PREFIXES) or attr.endswith(_IO_SUFFIXES):
            return f"calls .{attr}() (I/O or data loading)"
    return None


class _Calls(cst.CSTVisitor):
    """Calls a statement makes when it runs (lambda bodies and nested defs run later)."""

    def __init__(self, skip_bodies: bool) -> None:
        self.calls: list[cst.Call] = []
        self.skip = skip_bodies
        self.loops = False

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return not self.skip

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return not self.skip

    def visit_For(self, node: cst.For) -> None:
        self.loops = True

    def visit_While(self, node: cst.While) -> None:
        self.loops = True


def _calls(node: cst.CSTNode, skip_bodies: bool) -> _Calls:
    v = _Calls(skip_bodies)
    node.visit(v)
    return v


# --- statements -------------------------------------------------------------------------------------
def _small_ok(small: cst.BaseSmallStatement, facts: ModuleFacts) -> Optional[str]:
    """None when a small statement may run; else why not."""
    if isinstance(small, (cst.Import, cst.ImportFrom, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Pass)):
        return None
    if isinstance(small, cst.Expr):
        value = small.value
        if isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis)):
            return None
        if isinstance(value, cst.Call):
            if isinstance(value.func, cst.Attribute) and value.func.attr.value in _MODEL_METHODS:
                return None
            name = facts.resolve(value.func)
            if name is not None and str(name).startswith(_CONFIG_PREFIXES):
                return None
        return "an expression statement that does not build a model"
    return f"a `{type(small).__name__.lower()}` statement"


def _is_import(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


def _compound_ok(stmt: cst.BaseCompoundStatement, facts: ModuleFacts) -> Optional[str]:
    """An `if`/`try`/`with` block runs when every statement in it may run (the try/except import
    fallback, `with strategy.scope():`)."""
    bad: list[str] = []

    class V(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
            for small in node.body:
                why = _small_ok(small, facts)
                if why and not isinstance(small, cst.Raise):
                    bad.append(why)
            return False

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

        def visit_For(self, node: cst.For) -> bool:
            bad.append("a loop")
            return False

        def visit_While(self, node: cst.While) -> bool:
            bad.append("a loop")
            return False

    stmt.visit(V())
    return bad[0] if bad else None


class _Slicer:
    def __init__(self, module: cst.Module, facts: ModuleFacts, pos: Mapping[cst.CSTNode, CodeRange]) -> None:
        self.module = module
        self.facts = facts
        self.pos = pos
        scopes = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
        self.stmts = list(module.body)
        self.spans: list[Span] = [self.span(s) for s in self.stmts]
        self.starts = [s[0] for s in self.spans]
        n = len(self.stmts)
        self.reads: list[set[str]] = [set() for _ in range(n)]
        self.writes: list[set[str]] = [set() for _ in range(n)]
        self.binders: dict[str, list[int]] = {}
        scope = scopes.get(module)
        if isinstance(scope, GlobalScope):
            for assignment in scope.assignments:
                node = getattr(assignment, "node", None)
                if node is None or node not in self.pos:
                    continue
                i = self.stmt_of(self.pos[node].start.line)
                if i is None:
                    continue
                self.writes[i].add(assignment.name)
                self.binders.setdefault(assignment.name, []).append(i)
                for access in assignment.references:
                    if access.node in self.pos:
                        j = self.stmt_of(self.pos[access.node].start.line)
                        if j is not None:
                            self.reads[j].add(assignment.name)
        for name in self.binders:
            self.binders[name] = sorted(set(self.binders[name]))
        self.defs = {s.name.value: i for i, s in enumerate(self.stmts) if isinstance(s, cst.FunctionDef)}

    def span(self, node: cst.CSTNode) -> Span:
        p = self.pos[node]
        return p.start.line, p.end.line

    def stmt_of(self, line: int) -> Optional[int]:
        i = bisect.bisect_right(self.starts, line) - 1
        if i >= 0 and self.spans[i][0] <= line <= self.spans[i][1]:
            return i
        return None

    # -- what each statement is ------------------------------------------------------------------
    def def_reasons(self) -> dict[str, Optional[str]]:
        """For each top-level def: why calling it is not allowed (it trains, loads data...), or None."""
        reasons: dict[str, Optional[str]] = {name: None for name in self.defs}
        direct: dict[str, Optional[str]] = {}
        for name, i in self.defs.items():
            why = None
            for call in _calls(self.stmts[i].body, skip_bodies=False).calls:
                why = _call_reason(call, self.facts, {})
                if why:
                    break
            direct[name] = why
        reasons.update(direct)
        changed = True
        while changed:  # a def that calls a forbidden def is forbidden
            changed = False
            for name, i in self.defs.items():
                if reasons[name]:
                    continue
                for callee in self.reads[i] & set(self.defs):
                    if callee != name and reasons.get(callee):
                        reasons[name] = f"calls {callee}(), which {reasons[callee]}"
                        changed = True
                        break
        return reasons

    def classify(self, def_reasons: dict[str, Optional[str]]) -> list[tuple[str, Optional[str]]]:
        """(kind, why it may not run) for every top-level statement."""
        out = []
        for stmt in self.stmts:
            if _is_import(stmt):
                out.append(("import", None))
            elif isinstance(stmt, cst.FunctionDef):
                out.append(("def", None))
            elif isinstance(stmt, cst.ClassDef):
                out.append(("class", None))
            elif isinstance(stmt, cst.If) and is_main_guard(stmt.test):
                out.append(("main", 'the `if __name__ == "__main__":` block never runs in runtime mode'))
            elif isinstance(stmt, (cst.For, cst.While)):
                out.append(("loop", "loops never run in runtime mode"))
            else:
                why = None
                if isinstance(stmt, cst.SimpleStatementLine):
                    for small in stmt.body:
                        why = why or _small_ok(small, self.facts)
                else:
                    why = _compound_ok(stmt, self.facts)
                if why is None:
                    for call in _calls(stmt, skip_bodies=True).calls:
                        why = _call_reason(call, self.facts, def_reasons)
                        if why:
                            break
                out.append(("stmt", why))
        return out


def _model_nodes(model: Model) -> list[cst.CSTNode]:
    """Every CST node tied to a model, for mapping findings to it."""
    out: list[cst.CSTNode] = []
    seen: set[int] = set()

    def walk(v: Any, depth: int) -> None:
        if depth > 8 or v is None or id(v) in seen:
            return
        seen.add(id(v))
        if isinstance(v, cst.CSTNode):
            out.append(v)
            return
        if isinstance(v, Func):
            out.append(v.node)
            return
        if isinstance(v, (list, tuple)):
            for item in v:
                walk(item, depth + 1)
            return
        if isinstance(v, dict):
            for item in v.values():
                walk(item, depth + 1)
            return
        if hasattr(v, "__dataclass_fields__"):
            for name in v.__dataclass_fields__:
                if name in ("closure", "bound_self"):
                    continue
                walk(getattr(v, name, None), depth + 1)

    walk(model, 0)
    return out


# --- specs -------------------------------------------------------------------------------------------
_DTYPES = {"float": "float32", "int": "int64", "bool": "bool"}


def spec_of(value: Any) -> Optional[dict]:
    """The JSON spec of statically known data: shapes with the sample axis, Keras's dtypes."""
    if isinstance(value, Array):
        if value.shape is None or len(value.shape) < 1 or value.dtype not in _DTYPES:
            return None
        shape = [None] + [d if isinstance(d, int) and d >= 0 else None for d in value.shape[1:]]
        spec: dict[str, Any] = {"t": "tensor", "shape": shape, "dtype": _DTYPES[value.dtype]}
        if value.int_high is not None:
            spec["high"] = value.int_high
        if value.one_hot:
            spec["one_hot"] = True
        return spec
    if isinstance(value, Seq):
        items = [spec_of(v) for v in value.items]
        if not items or any(i is None for i in items):
            return None
        return {"t": "list", "items": items}
    if isinstance(value, DictV):
        keys = value.const_keys()
        if keys is None or not all(isinstance(k, str) for k in keys):
            return None
        items = {k: spec_of(v) for k, (_, v) in zip(keys, value.items)}
        if any(v is None for v in items.values()):
            return None
        return {"t": "dict", "items": items}
    return None


def _data_specs(model: Model, line_of, predicts: list = ()) -> tuple[Optional[dict], Optional[dict],
                                                                     Optional[cst.CSTNode]]:
    """Specs from the data fed to the model after its last compile: the runtime model carries that
    compile, and a script that recompiles with another loss also feeds other targets. With no such
    fit/evaluate, the inputs of a `predict` (x only). The third item is the call whose data they are."""
    last = max((line_of(c.node) or 0 for c in model.compiles), default=0)
    fits = [f for f in model.fits if (line_of(f.node) or 0) > last] + list(predicts)
    for fit in sorted(fits, key=lambda f: f.method != "fit"):
        x, y = spec_of(fit.x), spec_of(getattr(fit, "y", None))
        if isinstance(fit.x, Pipeline):  # `fit(dataset)`: the inputs and targets its elements carry
            if fit.x.features is not None:
                x = spec_of(fit.x.features)
            if y is None and fit.x.labels is not None:
                y = spec_of(fit.x.labels)
        if x is not None or y is not None:
            return x, y, fit.node
    return None, None, None


# --- the plan --------------------------------------------------------------------------------------
def build_plan(module: cst.Module, facts: ModuleFacts, pos: Mapping[cst.CSTNode, CodeRange],
               keep_names: tuple = (), anchor: Optional[Callable[[cst.CSTNode], Optional[cst.CSTNode]]] = None) -> Plan:
    """`pos`: every node's range (the analysis's positions). `keep_names`: module-level names to build
    too when they can run (the receivers of probes). `anchor`: for a node of another module of the
    project (a model `nets.build()` constructs), the node of this file that reached it (the call):
    the child, which imports that module, sees the model created on that call's line."""
    s = _Slicer(module, facts, pos)

    def here(nd: cst.CSTNode) -> Optional[cst.CSTNode]:
        if nd in s.pos:
            return nd
        moved = anchor(nd) if anchor is not None else None
        return moved if moved is not None and moved in s.pos else None

    def_reasons = s.def_reasons()
    kinds = s.classify(def_reasons)
    n = len(s.stmts)

    # Static models and the statements that build them.
    models: list[StaticModel] = []
    model_stmt: dict[int, int] = {}
    building_defs: set[str] = set()
    root_stmts: set[int] = set()
    for mid, model in enumerate(facts.models):
        built = here(model.node) if not isinstance(model.node, cst.ClassDef) else model.node
        compiled = [c for c in (here(c.node) for c in model.compiles) if c is not None]
        spans = [s.span(built)] if built is not None and built in s.pos else []
        cspans = [s.span(c) for c in compiled]
        predicts = [f for f in facts.feeds if f.model is model and f.method == "predict"]
        region = [s.span(nd) for nd in (here(n) for n in _model_nodes(model) + [f.node for f in predicts])
                  if nd is not None]
        x, y, fed = _data_specs(model, lambda nd: s.pos[nd].start.line if nd in s.pos else None, predicts)
        sm = StaticModel(mid, model, spans, cspans, sorted(set(region)), x, y)
        fed_at = here(fed) if fed is not None else None
        traced = s.span(fed_at) if fed_at is not None else None
        feeds = {here(f.node) for f in model.fits} | {here(f.node) for f in facts.feeds if f.model is model}
        sm.untraced_feeds = sorted({s.span(nd) for nd in feeds if nd is not None} - {traced})
        models.append(sm)
        for nd in [built] + compiled:
            if nd is None or nd not in s.pos or isinstance(nd, cst.ClassDef):
                continue
            i = s.stmt_of(s.pos[nd].start.line)
            if i is None:
                continue
            if nd is built:
                model_stmt[mid] = i
            if isinstance(s.stmts[i], cst.FunctionDef):
                building_defs.add(s.stmts[i].name.value)
            elif kinds[i][0] == "stmt":
                root_stmts.add(i)
    changed = True
    while changed:  # defs calling model-building defs build models too
        changed = False
        for name, i in s.defs.items():
            if name not in building_defs and s.reads[i] & building_defs:
                building_defs.add(name)
                changed = True
    for i in range(n):
        if kinds[i][0] == "stmt" and s.reads[i] & building_defs:
            root_stmts.add(i)
        stmt = s.stmts[i]
        if kinds[i] == ("stmt", None) and isinstance(stmt, cst.SimpleStatementLine) and \
                len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr):
            root_stmts.add(i)  # compile/add/build calls and Keras config calls (seeds, dtype policy)
    # Backward slice from the roots.
    status: dict[int, Optional[str]] = {}  # index -> None (may run) or why it cannot
    last_root = max(root_stmts) if root_stmts else n

    def resolve(i: int, stack: frozenset) -> Optional[str]:
        if i in status:
            return status[i]
        kind, why = kinds[i]
        if kind == "import" or why is not None:
            status[i] = why
            return why
        if i in stack:
            return None
        limit = last_root + 1 if kind in ("def", "class") else i
        for name in sorted(s.reads[i]):
            binders = [b for b in s.binders.get(name, []) if b < limit and b != i]
            results = [(b, resolve(b, stack | {i})) for b in binders]
            if results and all(r is not None for _, r in results):
                b, r = results[-1]
                status[i] = r if r.startswith("it needs") else \
                    f"it needs `{name}` from line {s.spans[b][0]}, which does not run: {r}"
                return status[i]
        status[i] = None
        return None

    needed: set[int] = set()

    def need(i: int) -> None:
        if i in needed or resolve(i, frozenset()) is not None:
            return
        needed.add(i)
        limit = last_root + 1 if kinds[i][0] in ("def", "class") else i
        for name in s.reads[i]:
            for b in s.binders.get(name, []):
                if b != i and b < limit:
                    need(b)

    for r in sorted(root_stmts):
        need(r)
    for name in keep_names:
        for b in s.binders.get(name, []):
            if kinds[b][0] == "stmt":
                need(b)
    # Statements that change what the slice built: `base.trainable = False`, `model.layers[0]...`.
    for i in range(n):
        stmt = s.stmts[i]
        if i in needed or kinds[i] != ("stmt", None) or not isinstance(stmt, cst.SimpleStatementLine):
            continue
        built = set().union(*(s.writes[j] for j in needed if j < i and kinds[j][0] == "stmt"))
        if s.reads[i] & built and all(
                isinstance(sm, cst.Assign) and all(isinstance(t.target, (cst.Attribute, cst.Subscript))
                                                   for t in sm.targets) for sm in stmt.body):
            need(i)
    keep_idx = sorted(i for i in range(n) if kinds[i][0] in ("import", "def", "class") or i in needed)
    dropped = {s.spans[i][0]: (status.get(i) or kinds[i][1] or "not needed to build a model")
               for i in range(n) if i not in keep_idx}

    # Model-building defs that nothing kept calls: call them when they take no arguments and do no I/O.
    called = set().union(*(s.reads[i] for i in needed if kinds[i][0] == "stmt")) if needed else set()
    changed = True
    while changed:
        changed = False
        for name, i in s.defs.items():
            if name in called and not s.reads[i] <= called:
                called |= s.reads[i]
                changed = True
    builders = []
    for name, i in s.defs.items():
        fn = s.stmts[i]
        if name not in building_defs or name in called or def_reasons.get(name) or resolve(i, frozenset()):
            continue
        params = fn.params
        required = [p for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
                    if p.default is None]
        if not required:
            builders.append(name)

    # Why a model is not built.
    for sm in models:
        node = sm.model.node
        if isinstance(node, cst.ClassDef):
            sm.reason = f"the class `{node.name.value}` is never instantiated"
            continue
        i = model_stmt.get(sm.id)
        if i is None:
            sm.reason = "its construction could not be located"
            continue
        if kinds[i][0] == "def":
            name = s.stmts[i].name.value
            if name in builders or name in called:
                continue
            callers = [j for j in range(n) if kinds[j][0] == "stmt" and name in s.reads[j]]
            if def_reasons.get(name):
                sm.reason = f"it is built inside `{name}()`, which {def_reasons[name]}"
            elif resolve(i, frozenset()):
                sm.reason = f"it is built inside `{name}()`, which {resolve(i, frozenset())}"
            elif callers:
                j = callers[0]
                sm.reason = f"it is built by the call at line {s.spans[j][0]}, which does not run: " \
                    f"{status.get(j) or kinds[j][1]}"
            else:
                sm.reason = f"it is built inside `{name}()`, which needs arguments and is not called at module level"
            continue
        if i not in needed:
            sm.reason = f"its statement at line {s.spans[i][0]} does not run: {status.get(i) or kinds[i][1] or 'not needed'}"

    weights = []
    for site in facts.calls:
        if str(site.name).startswith("keras.applications.") and str(site.name).rsplit(".", 1)[-1][:1].isupper():
            if site.node in s.pos:
                p = s.pos[site.node].start
                weights.append((p.line, p.column))
    return Plan([s.spans[i] for i in keep_idx], dropped, models, builders, weights)
