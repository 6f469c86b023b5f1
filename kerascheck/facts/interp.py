"""A small abstract interpreter over one module: it follows the script's statements in order and
records the models it builds, their compile and fit calls, the data they see, and custom loss and
metric functions. It never guesses: a value it cannot follow is UNKNOWN, and rules stay silent.
"""

from __future__ import annotations

from typing import Any, Optional

import libcst as cst

from kerascheck.facts import data as D
from kerascheck.facts import keras_api as K
from kerascheck.facts import evaluation as EV
from kerascheck.facts import loaders, pipelines, saving
from kerascheck.facts import rescaling as RS
from kerascheck.facts import training_mode as TM
from kerascheck.facts.model import CallSite, FnUse, ImportSite, LambdaV, Method, ModuleFacts, resolve_dotted
from kerascheck.facts.names import Canonical, canonical, dotted, import_bindings, is_main_guard, module_name
from kerascheck.facts.tensors import apply_layer, const, input_tensor, int_const, make_layer, shape_tuple
from kerascheck.facts.values import (UNKNOWN, Array, Augmenter, CallbackV, ClassRef, CompileFact, Const, DictV,
                                     Feed, FitFact, Func, Instance, Layer, LibInstance, LossSpec, MetricItem,
                                     MetricSpec, Model, ModuleRef, Partial, Pipeline, QName, Seq, Tensor)
from kerascheck.facts.version_evidence import note_version_evidence
from kerascheck.facts.walk import walk

MAX_DEPTH = 8
_ORDERINGS = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual, cst.Equal, cst.NotEqual)
MAX_CALLS = 400
# Constant folding stops past these sizes (a value that doubles on every line must not exhaust the
# machine): integers of more bits, strings and lists of more items, are UNKNOWN.
MAX_INT_BITS = 4096
MAX_ITEMS = 100_000


class _Syntax(cst.CSTVisitor):
    """The one full traversal: imports, calls and function definitions."""

    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        self.raw_calls: list[cst.Call] = []
        self.guarded: set[int] = set()  # id() of imports inside `try: ... except ImportError:`

    def visit_Import(self, node: cst.Import) -> bool:
        for local, full in import_bindings(node):
            self.facts.imports.setdefault(local, full)
        self._import_nodes(node)
        return False  # only names inside

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        for local, full in import_bindings(node):
            self.facts.imports.setdefault(local, full)
        self._import_nodes(node)
        return False

    def _import_nodes(self, node: cst.Import | cst.ImportFrom) -> None:
        aliases = node.names if not isinstance(node.names, cst.ImportStar) else []
        for alias, (local, _) in zip(aliases, import_bindings(node)):
            full = module_name(alias.name)
            if isinstance(node, cst.ImportFrom):
                full = f"{module_name(node.module)}.{full}"
            self.facts.import_sites.append(ImportSite(alias, node, local, full, id(node) in self.guarded))

    def visit_Yield(self, node: cst.Yield) -> None:
        self.facts.yields = True

    def visit_Try(self, node: cst.Try) -> None:
        if any(_catches_import_error(h) for h in node.handlers):
            for stmt in node.body.body:
                if isinstance(stmt, cst.SimpleStatementLine):
                    self.guarded.update(id(s) for s in stmt.body if isinstance(s, (cst.Import, cst.ImportFrom)))

    def visit_Attribute(self, node: cst.Attribute) -> Optional[bool]:
        name = dotted(node)
        if name is None:
            return True
        self.facts.dotted_names.append((node, name))
        return False  # a plain dotted chain holds nothing else to visit

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if isinstance(node.target, cst.Attribute):
            self.facts.stores.add(id(node.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Attribute):
            self.facts.stores.add(id(node.target))

    def visit_Call(self, node: cst.Call) -> None:
        self.raw_calls.append(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.facts.functions.setdefault(node.name.value, node)


def _catches_import_error(handler: cst.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
    for t in types:
        expr = t.value if isinstance(t, cst.Element) else t
        if (dotted(expr) or "").rsplit(".", 1)[-1] in ("ImportError", "ModuleNotFoundError", "Exception",
                                                          "BaseException"):
            return True
    return False


def _requalify(name: Canonical) -> str:
    if name == "tf" or name.startswith("tf."):
        return "tensorflow" + name[2:]
    if name == "np" or name.startswith("np."):
        return "numpy" + name[2:]
    if name.flavor == "tf.keras" and (name == "keras" or name.startswith("keras.")):
        return "tensorflow." + name
    if name.flavor == "tf_keras" and (name == "keras" or name.startswith("keras.")):
        return "tf_keras" + name[5:]
    return str(name)


def join(base: Canonical, attr: str) -> Canonical:
    return canonical(_requalify(base) + "." + attr)


class _Frame:
    def __init__(self, parent: Optional["_Frame"], depth: int) -> None:
        self.env: dict[str, Any] = {}
        self.parent = parent
        self.depth = depth
        self.returns: list = []
        self.branch = 0  # >0 while inside a branch or loop
        self.importer: Any = None  # module frames: binds imports of the project's modules (project.py)
        self.resolve: Any = None  # module frames: the module's dotted-name resolver (ModuleFacts.resolve)
        self.in_method = False  # running a method of a class (a layer's or model's `call`, `build`...)

    def home(self) -> "_Frame":
        """The frame of the module this frame's code belongs to."""
        frame = self
        while frame.parent is not None:
            frame = frame.parent
        return frame

    def lookup(self, name: str) -> Any:
        frame: Optional[_Frame] = self
        while frame is not None:
            if name in frame.env:
                return frame.env[name]
            frame = frame.parent
        return None


def _merge(a: Optional[dict], b: Optional[dict]) -> dict:
    if a is None:
        return b if b is not None else {}
    if b is None:
        return a
    out = {}
    for key in a.keys() | b.keys():
        va, vb = a.get(key, UNKNOWN), b.get(key, UNKNOWN)
        out[key] = va if va is vb else UNKNOWN
    return out


def _kw(call: cst.Call) -> tuple[list[cst.Arg], dict[str, cst.Arg]]:
    pos, kws = [], {}
    for arg in call.args:
        if arg.keyword is not None:
            kws[arg.keyword.value] = arg
        elif arg.star == "":
            pos.append(arg)
        else:
            pos.append(None)  # *args / **kwargs: positions after this are unknown
    return pos, kws


class Interpreter:
    def __init__(self, facts: ModuleFacts) -> None:
        self.facts = facts
        self.calls_made = 0
        self.called: set[int] = set()  # id() of FunctionDef / ClassDef nodes interpreted
        self.class_models: dict[int, Model] = {}
        self.anchor: Optional[cst.CSTNode] = None  # the call of this module that runs another module's code
        self.tapes: tuple = ()  # the GradientTapes recording while the current statement runs, innermost last

    # --- statements ------------------------------------------------------------------------------
    def run_module(self, module: cst.Module, importer: Any = None, follow: bool = True) -> None:
        """`importer`: resolves imports of the project's own modules (project.py). `follow`: also run
        the functions and model classes the module defines but never calls (not for an imported
        module, whose functions run when the linted file calls them)."""
        frame = _Frame(None, 0)
        frame.importer = importer
        frame.resolve = self.facts.resolve  # names in this module's functions resolve by its imports
        for local, full in self.facts.imports.items():
            frame.env[local] = QName(canonical(full))
        self.globals = frame
        self.exec_block(module.body, frame)
        if not follow:
            return
        # Functions and model classes the module defines but never calls: follow them with the
        # defaults they declare, so `def train(): ...` scripts are checked too. Those it imported
        # from another module are that module's to follow.
        for value in list(frame.env.values()):
            if isinstance(value, Func) and id(value.node) not in self.called and \
                    (value.closure is None or value.closure.home() is frame):
                self.call_func(value, [], {}, frame, value.node)
            elif isinstance(value, ClassRef) and value.is_model and id(value.node) not in self.called and \
                    (value.closure is None or value.closure.home() is frame):
                self.instantiate(value, [], {}, value.node, frame)

    def _enter_other_module(self, closure: Optional[_Frame], node: cst.CSTNode, definition: cst.CSTNode) -> bool:
        """Before running a function or class body: remember which call of the linted module reached
        code of another module (findings there are reported at that call). True when this call is
        that call (the caller resets the anchor afterwards)."""
        importer = self.globals.importer
        if importer is None or not importer.is_root:
            return False
        entered = False
        if self.anchor is None and closure is not None and closure.home() is not self.globals:
            self.anchor, entered = node, True
        if self.anchor is not None:
            importer.scope.note_call(definition, self.anchor)
        return entered

    def exec_block(self, body: Any, frame: _Frame) -> bool:
        """Run statements in order; True when the block returned."""
        if isinstance(body, cst.BaseSuite):
            body = body.body
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if self.exec_small(small, frame):
                        return True
            elif isinstance(stmt, cst.BaseSmallStatement):
                if self.exec_small(stmt, frame):
                    return True
            elif self.exec_compound(stmt, frame):
                return True
        return False

    def exec_small(self, node: cst.BaseSmallStatement, frame: _Frame) -> bool:
        if isinstance(node, cst.Assign):
            value = self.eval(node.value, frame)
            for target in node.targets:
                self.bind(target.target, value, frame)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.bind(node.target, self.eval(node.value, frame), frame)
        elif isinstance(node, cst.AugAssign):
            self.eval(node.value, frame)
            self.bind(node.target, UNKNOWN, frame)
        elif isinstance(node, cst.Expr):
            if not isinstance(node.value, (cst.SimpleString, cst.ConcatenatedString)):  # docstrings: no effect
                self.eval(node.value, frame)
        elif isinstance(node, cst.Return):
            frame.returns.append(self.eval(node.value, frame) if node.value is not None else Const(None))
            return True
        elif isinstance(node, (cst.Import, cst.ImportFrom)):
            for local, full in import_bindings(node):
                frame.env[local] = QName(canonical(full))
            importer = frame.home().importer
            if importer is not None:
                frame.env.update(importer.bind(node))
        elif isinstance(node, (cst.Raise,)):
            return True
        return False

    def exec_compound(self, node: cst.BaseCompoundStatement, frame: _Frame) -> bool:
        if isinstance(node, cst.FunctionDef):
            frame.env[node.name.value] = Func(node, closure=frame)
            return False
        if isinstance(node, cst.ClassDef):
            # each base evaluated once (a call's side effects are recorded once)
            bases = [self.eval(base.value, frame) for base in node.bases]
            cls = ClassRef(node, _subclasses(bases, _MODEL_BASES, "is_model"), closure=frame)
            cls.is_loss = not cls.is_model and _subclasses(bases, _LOSS_BASES, "is_loss")
            cls.is_pipeline = not cls.is_model and any(pipelines.is_sequence_base(b) for b in bases)
            frame.env[node.name.value] = cls
            return False
        if isinstance(node, cst.If):
            if is_main_guard(node.test):
                if frame.importer is not None and frame.importer.imported:
                    return False  # an imported module's `__main__` block does not run
                return self.exec_block(node.body, frame)
            self.eval(node.test, frame)
            # An `elif` chain as one flat set of branches: one recursion per `elif` would exceed
            # Python's recursion limit on a chain of 500 (generated dispatch code has those).
            bodies: list = [node.body]
            orelse = node.orelse
            while isinstance(orelse, cst.If) and not is_main_guard(orelse.test):
                frame.branch += 1
                self.eval(orelse.test, frame)
                frame.branch -= 1
                bodies.append(orelse.body)
                orelse = orelse.orelse
            bodies.append(orelse)
            return self._branches(frame, bodies, has_else=orelse is not None)
        if isinstance(node, cst.Else):
            return self.exec_block(node.body, frame)
        if isinstance(node, (cst.For, cst.While)):
            if isinstance(node, cst.For):
                iterable = self.eval(node.iter, frame)
                saved = frame.env
                frame.env = dict(saved)
                self.bind(node.target, _element(iterable), frame)
                inner = frame.env
                frame.env = saved
                frame.branch += 1
                env_before = dict(saved)
                frame.env = inner
                self.exec_block(node.body, frame)
                frame.branch -= 1
                frame.env = _merge(env_before, frame.env)
            else:
                self._branches(frame, [node.body], has_else=False)
            if node.orelse is not None:
                self.exec_block(node.orelse.body, frame)
            return False
        if isinstance(node, cst.With):
            outer = self.tapes
            for item in node.items:
                value = self.eval(item.item, frame)
                if isinstance(value, TM.Tape):
                    self.tapes = self.tapes + (value,)
                if item.asname is not None:
                    self.bind(item.asname.name, value if isinstance(value, TM.Tape) else UNKNOWN, frame)
            try:
                return self.exec_block(node.body, frame)
            finally:
                self.tapes = outer
        if isinstance(node, cst.Try):
            returned = self.exec_block(node.body, frame)
            if node.handlers:
                self._branches(frame, [h.body for h in node.handlers], has_else=False)
            if node.orelse is not None and not returned:
                returned = self.exec_block(node.orelse.body, frame)
            if node.finalbody is not None:
                returned = self.exec_block(node.finalbody.body, frame) or returned
            return returned
        return False

    def _branches(self, frame: _Frame, bodies: list, has_else: bool) -> bool:
        saved = frame.env
        results: list[Optional[dict]] = []
        all_returned = True
        frame.branch += 1
        for body in bodies:
            if body is None:
                continue
            frame.env = dict(saved)
            if isinstance(body, cst.If):
                returned = self.exec_compound(body, frame)
            elif isinstance(body, cst.Else):
                returned = self.exec_block(body.body, frame)
            else:
                returned = self.exec_block(body, frame)
            results.append(None if returned else frame.env)
            all_returned = all_returned and returned
        frame.branch -= 1
        if not has_else:
            results.append(saved)
            all_returned = False
        merged: Optional[dict] = None
        first = True
        for env in results:
            if env is None:
                continue
            merged = env if first else _merge(merged, env)
            first = False
        frame.env = merged if merged is not None else dict(saved)
        return all_returned

    def bind(self, target: cst.BaseExpression, value: Any, frame: _Frame) -> None:
        if isinstance(target, cst.Name):
            frame.env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            items = value.items if isinstance(value, Seq) and len(value.items) == len(elements) else None
            for i, el in enumerate(elements):
                if isinstance(el, cst.StarredElement):
                    self.bind(el.value, UNKNOWN, frame)
                else:
                    self.bind(el.value, items[i] if items is not None else UNKNOWN, frame)
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value, frame)
            if isinstance(owner, Instance):
                owner.attrs[target.attr.value] = value
        elif isinstance(target, cst.Subscript):
            owner = self.eval(target.value, frame)
            if isinstance(owner, (Seq, DictV)):
                owner.unsure = True  # `outs[i] = ...` / `losses["b"] = ...`

    # --- expressions -----------------------------------------------------------------------------
    def eval(self, node: Optional[cst.BaseExpression], frame: _Frame) -> Any:
        try:
            return self._eval(node, frame)
        except RecursionError:
            return UNKNOWN

    def _eval(self, node: Any, frame: _Frame) -> Any:
        if node is None:
            return UNKNOWN
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return Const({"True": True, "False": False, "None": None}[node.value])
            value = frame.lookup(node.value)
            return UNKNOWN if value is None else value
        if isinstance(node, cst.Integer):
            try:
                value = int(node.value.replace("_", ""), 0)
            except ValueError:  # more than 4,300 decimal digits
                return UNKNOWN
            # a hex literal has no digit limit, and str() of a 5,000-digit int raises in messages
            return Const(value) if value.bit_length() <= MAX_INT_BITS else UNKNOWN
        if isinstance(node, cst.Float):
            try:
                return Const(float(node.value.replace("_", "")))
            except ValueError:
                return UNKNOWN
        if isinstance(node, cst.SimpleString):
            try:
                return Const(node.evaluated_value)
            except Exception:
                return UNKNOWN
        if isinstance(node, (cst.Tuple, cst.List)):
            items = []
            for el in node.elements:
                if isinstance(el, cst.StarredElement):
                    return UNKNOWN
                items.append(self.eval(el.value, frame))
            return Seq(items, "tuple" if isinstance(node, cst.Tuple) else "list", node)
        if isinstance(node, cst.Dict):
            items = []
            for el in node.elements:
                if not isinstance(el, cst.DictElement):
                    return UNKNOWN
                items.append((self.eval(el.key, frame), self.eval(el.value, frame)))
            return DictV(items, node)
        if isinstance(node, cst.Attribute):
            return self.attribute(self.eval(node.value, frame), node.attr.value, node)
        if isinstance(node, cst.Call):
            return self.call(node, frame)
        if isinstance(node, cst.Subscript):
            return self.subscript(node, frame)
        if isinstance(node, cst.UnaryOperation):
            v = self.eval(node.expression, frame)
            if isinstance(node.operator, cst.Minus) and isinstance(v, Const) and isinstance(v.value, (int, float)):
                return Const(-v.value)
            return UNKNOWN
        if isinstance(node, cst.BinaryOperation):
            return self.binop(node, frame)
        if isinstance(node, cst.Comparison) and len(node.comparisons) == 1 and \
                isinstance(node.comparisons[0].operator, _ORDERINGS):
            left, right = self.eval(node.left, frame), self.eval(node.comparisons[0].comparator, frame)
            if isinstance(node.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
                self._note_mismatch(node, [left, right])
            elif isinstance(left, EV.Predictions):
                return left  # `probs > 0.5`: the predicted classes, in the same order
            return D.compare(left, right, node)
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)) and isinstance(node.for_in.iter, cst.Name):
            labels = EV.labels_in_comprehension(node, self.eval(node.for_in.iter, frame))
            return labels if labels is not None else UNKNOWN
        if isinstance(node, cst.Lambda):
            return LambdaV(node, _lambda_squeeze(node, self.facts.imports))
        if isinstance(node, cst.IfExp):
            a, b = self.eval(node.body, frame), self.eval(node.orelse, frame)
            return a if a is b else UNKNOWN
        return UNKNOWN

    def _note_mismatch(self, node: cst.CSTNode, values: list) -> None:
        found = EV.mismatch(node, values)
        if found is not None:
            self.facts.eval_mismatches.append(found)

    def binop(self, node: cst.BinaryOperation, frame: _Frame) -> Any:
        a, b = self.eval(node.left, frame), self.eval(node.right, frame)
        if isinstance(a, Const) and isinstance(b, Const):
            x, y = a.value, b.value
            if isinstance(x, (int, float)) and isinstance(y, (int, float)) and not isinstance(x, bool):
                if any(isinstance(v, int) and v.bit_length() > MAX_INT_BITS for v in (x, y)):
                    return UNKNOWN  # a hex literal of a million digits
                op = type(node.operator).__name__
                try:
                    result = {
                        "Add": lambda: x + y, "Subtract": lambda: x - y, "Multiply": lambda: x * y,
                        "Divide": lambda: x / y, "FloorDivide": lambda: x // y, "Modulo": lambda: x % y,
                        "Power": lambda: x ** y if abs(y) < 64 else None,
                    }.get(op, lambda: None)()
                except (ArithmeticError, ValueError, OverflowError):
                    result = None
                if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
                    result = None  # `x = x * x` twenty times: exponential time, no shape is that big
                return Const(result) if result is not None else UNKNOWN
            if isinstance(node.operator, cst.Add) and isinstance(x, str) and isinstance(y, str):
                return Const(x + y) if len(x) + len(y) <= MAX_ITEMS else UNKNOWN
        if isinstance(a, Seq) and isinstance(b, Seq) and isinstance(node.operator, cst.Add):
            if len(a.items) + len(b.items) > MAX_ITEMS:
                return UNKNOWN  # `s = s + s` thirty times would need gigabytes
            return Seq(a.items + b.items, a.kind, node)
        if isinstance(node.operator, cst.MatrixMultiply):
            return D.matmul(a, b, node)
        for arr, other in ((a, b), (b, a)):
            if isinstance(arr, Array) and (isinstance(other, Const) or
                                           (isinstance(other, Array) and other.shape == arr.shape)):
                kind = arr.dtype
                if isinstance(node.operator, cst.Divide) or (isinstance(other, Const) and isinstance(other.value, float)):
                    kind = "float"
                elif isinstance(other, Array) and other.dtype != arr.dtype:
                    kind = None
                real = (arr.continuous or (isinstance(other, Array) and other.continuous)) and \
                    isinstance(node.operator, (cst.Add, cst.Subtract, cst.Multiply, cst.Divide))
                divided = RS.divisor_of(node.operator, other, arr is a) if arr.divided is None else \
                    arr.divided if RS.keeps_divisor(node.operator, other) else None
                ids = divided if arr.dtype == "int" and divided is not None and divided > 1 and arr.divided is None \
                    else None
                return Array(arr.shape, kind, node, False, None, continuous=real and kind == "float", divided=divided,
                             ids_divided=ids)
        if a is UNKNOWN or b is UNKNOWN:
            divisor = RS.divisor_of(node.operator, b, True) if a is UNKNOWN else RS.divisor_of(node.operator, a, False)
            if divisor is not None and RS.pixel_divisor(divisor):
                return RS.ScaledData(divisor, node)  # `x_train / 255.0` of data loaded elsewhere
        if isinstance(a, RS.ScaledData) and RS.keeps_divisor(node.operator, b):
            return a
        for t in (a, b):
            if isinstance(t, Tensor):
                return Tensor(rank=t.rank, units=t.units, shape=t.shape, node=node,
                              mode_layers=TM.chain(a) + TM.chain(b))
        return UNKNOWN

    def attribute(self, base: Any, attr: str, node: cst.Attribute) -> Any:
        if isinstance(base, QName):
            return QName(join(base.name, attr))
        if isinstance(base, ModuleRef):
            return base.attr(attr)
        if isinstance(base, Instance):
            if attr in base.attrs:
                return base.attrs[attr]
            method = base.cls.method(attr)
            if method is not None:
                return Func(method, closure=base.cls.closure, bound_self=base)
            return UNKNOWN
        if isinstance(base, Model):
            if attr == "output":
                out = base.output_value()
                return out if isinstance(out, Tensor) else UNKNOWN
            if attr in ("outputs",):
                lst = base.output_list()
                return Seq([t for _, t in lst]) if lst else UNKNOWN
            return Method(base, attr)
        if isinstance(base, RS.GeneratorFlow) and attr in EV.LABEL_ATTRS:
            return EV.SourceLabels(base, node)  # `gen.classes`: the files' order
        if isinstance(base, (MetricSpec, MetricItem, Pipeline, Augmenter, LibInstance, TM.Tape, RS.ScaledData,
                             EV.Predictions, EV.SourceLabels)):
            return Method(base, attr)
        if isinstance(base, DictV):
            return Method(base, attr)  # so `d.update(...)` marks the dict unsure
        if isinstance(base, (Array, Seq, Layer, Tensor)):
            if isinstance(base, Array) and attr == "values":  # a DataFrame held as an Array
                return base
            if isinstance(base, (Array, Tensor)) and attr == "shape":
                shape = base.shape
                return Seq([Const(d) if d is not None else UNKNOWN for d in shape], "tuple") if shape else UNKNOWN
            return Method(base, attr)
        return UNKNOWN

    def subscript(self, node: cst.Subscript, frame: _Frame) -> Any:
        base = self.eval(node.value, frame)
        if isinstance(base, Array) and base.one_hot and len(node.slice) == 1 and \
                isinstance(node.slice[0].slice, cst.Index):
            key = self.eval(node.slice[0].slice.value, frame)
            if isinstance(key, Array):
                return D.eye_rows(base, key, node)  # np.eye(C)[labels]
        if isinstance(base, Array):
            index: list = []
            for el in node.slice:
                s = el.slice
                if isinstance(s, cst.Index):
                    v = s.value
                    if isinstance(v, cst.Ellipsis):
                        index.append("...")
                    elif (isinstance(v, cst.Name) and v.value == "None") or \
                            (dotted(v) or "").endswith("newaxis"):
                        index.append("newaxis")
                    else:
                        k = int_const(self.eval(v, frame))
                        if k is None:
                            return UNKNOWN  # an array index (fancy indexing) or an unknown position
                        index.append(("int", k))
                elif isinstance(s, cst.Slice):
                    bounds = []
                    for b in (s.lower, s.upper, s.step):
                        v = None if b is None else self.eval(b, frame)
                        bounds.append(None if b is None or (isinstance(v, Const) and v.value is None)
                                      else int_const(v) if int_const(v) is not None else "?")
                    index.append(("slice", *bounds))
            return D.index(base, index, node)
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            key = self.eval(node.slice[0].slice.value, frame)
            if isinstance(base, Seq) and isinstance(key, Const) and isinstance(key.value, int):
                try:
                    return base.items[key.value]
                except IndexError:
                    return UNKNOWN
            if isinstance(base, DictV) and isinstance(key, Const):
                for k, v in base.items:
                    if isinstance(k, Const) and k.value == key.value:
                        return v
            if isinstance(base, Array) or (isinstance(base, Const) and False):
                return UNKNOWN
            if isinstance(base, Tensor):
                return Tensor(node=node)
        return UNKNOWN

    # --- calls -----------------------------------------------------------------------------------
    def call(self, node: cst.Call, frame: _Frame) -> Any:
        func = self.eval(node.func, frame)
        pos_nodes, kw_nodes = _kw(node)
        args = [self.eval(a.value, frame) if a is not None else UNKNOWN for a in pos_nodes]
        if any(a is None for a in pos_nodes):
            args = [a for a in args[: pos_nodes.index(None)]]
        kwargs = {k: self.eval(a.value, frame) for k, a in kw_nodes.items()}
        arg_nodes = {k: a.value for k, a in kw_nodes.items()}
        for i, a in enumerate(pos_nodes):
            if a is None:
                break  # `*args`: the positions after it are not known
            arg_nodes[i] = a.value
        if EV.compares(node.func):
            self._note_mismatch(node, args + list(kwargs.values()))  # `confusion_matrix(gen.classes, y_pred)`

        if isinstance(func, QName):
            return self.call_qname(func.name, node, args, kwargs, arg_nodes, frame)
        if isinstance(func, Func):
            result = self.call_func(func, args, kwargs, frame, node)
            # the module's one walk saw every `yield`: a file without one walks no function body
            here = func.closure is None or func.closure.home() is self.globals
            if (self.facts.yields is not False or not here) and pipelines.is_generator_function(func.node):
                return Pipeline("generator", node)  # calling a generator function runs none of its body
            return result
        if isinstance(func, ClassRef):
            return self.instantiate(func, args, kwargs, node, frame)
        if isinstance(func, Layer):
            if not args:
                return UNKNOWN
            if func.cls == "Concatenate" and isinstance(args[0], Seq):
                return _concat(args[0], node)
            return apply_layer(func, args[0], TM.follows_caller(node, kwargs))
        if isinstance(func, Model):
            follows = TM.follows_caller(node, kwargs)
            if self.tapes:
                flag = kwargs.get("training", UNKNOWN if len(node.args) > 1 or any(a.star for a in node.args) else None)
                self.facts.tape_calls.append(TM.TapeCall(node, func, self.tapes, flag))
            out = func.output_value()
            if not isinstance(out, Tensor):
                return UNKNOWN
            # a KerasTensor only when called on one (not a model called on data in a training loop)
            symbolic = bool(args) and _holds_keras_tensor(args[:1])
            if follows:
                return out.derive(node=node, chain=None, symbolic=symbolic)
            return out.derive(node=node, mode_layers=(), chain=None, symbolic=symbolic)
        if isinstance(func, Method):
            self.facts.receivers.append((node, func.obj, func.name))
            if func.name in ("save", "save_weights") and isinstance(func.obj, Model):
                self._note_save(node, "model" if func.name == "save" else "weights", args, kwargs, arg_nodes, 0)
            return self.call_method(func, node, args, kwargs, arg_nodes, frame)
        if isinstance(func, Partial):
            return UNKNOWN
        if func is UNKNOWN and isinstance(node.func, cst.Attribute) and node.func.attr.value in EV.PREDICT_METHODS \
                and args and isinstance(args[0], (RS.GeneratorFlow, EV.ImageDataset)):
            return EV.Predictions(args[0], node)  # a loaded model's `predict(test_gen)`
        if func is UNKNOWN and isinstance(node.func, cst.Attribute) and node.func.attr.value == "map" and args:
            scaled = RS.map_divisor(args[0], lambda expr: self.eval(expr, frame))
            if scaled is not None and RS.pixel_divisor(scaled[0]):
                return RS.ScaledData(*scaled)  # `ds.map(lambda x, y: (x / 255, y))`
        return UNKNOWN

    def _note_save(self, node: cst.Call, kind: Optional[str], args: list, kwargs: dict, arg_nodes: dict,
                   index: int) -> None:
        """Record where a model or its weights are written (facts/saving.py)."""
        if kind is None:
            return
        value = kwargs.get("filepath", args[index] if len(args) > index else None)
        save = saving.save_call(node, kind, value, arg_nodes.get("filepath", arg_nodes.get(index)))
        if save is not None:
            self.facts.saves.append(save)

    def call_qname(self, name: Canonical, node: cst.Call, args: list, kwargs: dict, arg_nodes: dict,
                   frame: _Frame) -> Any:
        short = name.rsplit(".", 1)[-1]
        if name.startswith("tf.") and not frame.in_method and name not in K.SQUEEZE_FUNCS and \
                _holds_keras_tensor(list(args) + list(kwargs.values())):
            self.facts.tf_on_keras_tensors.append((node, name))  # tf.squeeze on an output: KC101's
        if name.flavor in ("keras", "tf.keras"):
            if name in saving.SAVE_FUNCTIONS:
                self._note_save(node, "model", args, kwargs, arg_nodes, 1)
            elif name == saving.CHECKPOINT:
                self._note_save(node, saving.checkpoint_kind(kwargs), args, kwargs, arg_nodes, 0)
        if name == TM.GRADIENT_TAPE:
            return TM.Tape(node)
        if name == RS.IMAGE_DATA_GENERATOR:  # an Augmenter (pipelines.py) that knows its rescale=
            return RS.image_generator(node, kwargs, arg_nodes)
        made = pipelines.construct(name, args, kwargs, node)
        if name in EV.IMAGE_DATASETS and isinstance(made, Pipeline):  # a Pipeline whose order is followed
            return EV.ImageDataset(kind=made.kind, node=node, batched=made.batched, labels=made.labels,
                                   features=made.features, kwargs=kwargs)
        if made is not None:
            return made
        if name in EV.KEEPS_ORDER_FUNCS and args and isinstance(args[0], (EV.Predictions, EV.SourceLabels)):
            return args[0]
        if name.startswith("keras.callbacks.") and short[:1].isupper() and name.count(".") == 2:
            return CallbackV(short, node, args, kwargs, arg_nodes, any(a.star for a in node.args))
        if name in ("keras.Sequential", "keras.models.Sequential"):
            layers = kwargs.get("layers", args[0] if args else None)
            model = Model("sequential", node)
            if isinstance(layers, Seq):
                model.layers = list(layers.items)
            elif layers is not None and not (isinstance(layers, Const) and layers.value is None):
                model.uncertain = True
            self.facts.models.append(model)
            return model
        if name in ("keras.Model", "keras.models.Model"):
            inputs = kwargs.get("inputs", args[0] if args else UNKNOWN)
            outputs = kwargs.get("outputs", args[1] if len(args) > 1 else UNKNOWN)
            model = Model("functional", node, inputs=inputs, outputs=outputs)
            self.facts.models.append(model)
            return model
        if name in ("keras.Input", "keras.layers.Input"):
            shape = shape_tuple(kwargs.get("shape", args[0] if args else None))
            nm = const(kwargs.get("name"))
            return input_tensor(shape, node, nm if isinstance(nm, str) else None)
        if name.startswith("keras.layers.") and short[:1].isupper():
            layer = make_layer(name, node, args, kwargs, arg_nodes)
            self.facts.layers_built.append(layer)
            if layer.cls == "Lambda":
                fn = layer.arg("function", 0)
                if isinstance(fn, QName) and fn.name in K.SQUEEZE_FUNCS:
                    layer.kwargs["function"] = LambdaV(None, node)  # type: ignore[arg-type]
            return layer
        if name == "keras.layers.concatenate" and args and isinstance(args[0], Seq):
            return _concat(args[0], node)
        if name.startswith("keras.losses."):
            canon = K.loss_name(short)
            if short[:1].isupper():
                pos = K.FROM_LOGITS_POSITION.get(canon or "")
                if "from_logits" in kwargs:
                    fl = kwargs["from_logits"]
                elif pos is not None and pos < len(args):
                    fl = args[pos]
                elif any(a.star for a in node.args):
                    fl = UNKNOWN  # *args / **kwargs may carry from_logits
                else:
                    fl = Const(False)
                from_logits = const(fl) if isinstance(fl, Const) and isinstance(fl.value, bool) else None
                return LossSpec(canon, node, from_logits, None, kwargs)
            return UNKNOWN
        if name.startswith("keras.metrics.") and short[:1].isupper():
            return MetricSpec(short, node, kwargs, args=args, source="class")
        if name.startswith("keras.datasets.") and short == "load_data" and name.count(".") == 3:
            return loaders.load_data(name.split(".")[2], kwargs, node)
        if name == "sklearn.model_selection.train_test_split":
            return loaders.train_test_split(args, kwargs, node)
        if name in loaders.ENCODERS:
            return LibInstance(name, node)
        if name == "pandas.get_dummies":
            return loaders.get_dummies(args, kwargs, arg_nodes, node)
        if name in ("keras.utils.to_categorical", "keras.utils.np_utils.to_categorical"):
            n = int_const(kwargs.get("num_classes", args[1] if len(args) > 1 else None))
            return D.one_hot(args[0] if args else None, n, node)
        if name == "tf.one_hot" and args and isinstance(args[0], Array):
            return D.one_hot(args[0], int_const(kwargs.get("depth", args[1] if len(args) > 1 else None)), node)
        if name.startswith("np."):
            return D.numpy_call(name, args, kwargs, node)
        if name == "functools.partial" and args:
            return Partial(args[0], args[1:], kwargs)
        if name in K.SQUEEZE_FUNCS:
            src = args[0] if args else None
            if isinstance(src, Tensor):
                axis = kwargs.get("axis", args[1] if len(args) > 1 else None)
                if axis is None or (isinstance(axis, Const) and axis.value is None):
                    return src.derive(squeeze=node, squeeze_units=src.units, rank=None, units=None, shape=None,
                                      node=node)
                return src.derive(rank=src.rank - 1 if src.rank else None, units=None, shape=None, node=node)
            if isinstance(src, Array):
                return UNKNOWN
            return UNKNOWN
        if name in K.CONCAT_FUNCS and args and isinstance(args[0], Seq):
            return _concat(args[0], node)
        if name in K.ACTIVATION_FUNCS:
            src = args[0] if args else None
            if isinstance(src, Tensor):
                return src.derive(activation=K.ACTIVATION_FUNCS[name], activation_node=node, node=node)
            return UNKNOWN
        if name.startswith("keras.activations.") and args and isinstance(args[0], Tensor):
            act = K.activation_of(name)
            return args[0].derive(activation=act, activation_node=node, node=node)
        if name.startswith(("tf.", "keras.ops.", "keras.backend.")):
            for a in args:
                if isinstance(a, Tensor):
                    return Tensor(node=node)
        return UNKNOWN

    def call_method(self, m: Method, node: cst.Call, args: list, kwargs: dict, arg_nodes: dict,
                    frame: _Frame) -> Any:
        obj, name = m.obj, m.name
        if isinstance(obj, Model):
            if name == "add" and args:
                if frame.branch:
                    obj.uncertain = True
                obj.layers.append(args[0])
                return Const(None)
            if name == "compile":
                self.record_compile(obj, node, args, kwargs, arg_nodes)
                return Const(None)
            if name in ("fit", "evaluate", "predict"):
                self.facts.feeds.append(Feed(node, name, obj, kwargs.get("x", args[0] if args else UNKNOWN),
                                             kwargs, arg_nodes))
            if name in ("fit", "evaluate", "train_on_batch", "test_on_batch"):
                x = kwargs.get("x", args[0] if args else UNKNOWN)
                y = kwargs.get("y", args[1] if len(args) > 1 else UNKNOWN)
                obj.fits.append(FitFact(node, name, x, y, obj.last_compile(), args, kwargs,
                                        any(a.star for a in node.args), arg_nodes))
                return UNKNOWN
            if name in EV.PREDICT_METHODS:
                source = kwargs.get("x", kwargs.get("generator", args[0] if args else UNKNOWN))
                if isinstance(source, (RS.GeneratorFlow, EV.ImageDataset)):
                    return EV.Predictions(source, node)
            return UNKNOWN
        if isinstance(obj, (EV.Predictions, EV.SourceLabels)):
            return obj if name in EV.KEEPS_ORDER_METHODS else UNKNOWN
        if isinstance(obj, Pipeline) and name == "map" and args:
            scaled = RS.map_divisor(args[0], lambda expr: self.eval(expr, frame))
            if scaled is not None and RS.pixel_divisor(scaled[0]):
                return RS.ScaledData(*scaled)  # `ds.map(lambda x, y: (x / 255, y))`
        if isinstance(obj, EV.ImageDataset):
            if name == "map":  # the same files in the same order; the targets may be re-encoded
                return EV.ImageDataset(kind=obj.kind, node=node, batched=obj.batched, kwargs=obj.kwargs,
                                       origin=obj.root)
            if name in EV.DATASET_KEEPS_ORDER:
                return obj
        if isinstance(obj, RS.ImageGenerator):
            if name not in RS.GENERATOR_FLOWS:
                return UNKNOWN
            return RS.GeneratorFlow(kind="iterator", node=node, labels=loaders.flow_labels(name, kwargs, node),
                                    features=loaders.flow_images(name, kwargs, node), gen=obj, method=name,
                                    kwargs=kwargs)
        if isinstance(obj, (Pipeline, Augmenter)):
            return pipelines.method(obj, name, node, kwargs)
        if isinstance(obj, Array):
            if name == "reshape":
                return D.reshape(obj, args, node)
            if name == "astype" and args:
                kind = D.dtype_kind(args[0])
                first = node.args[0].value if node.args and node.args[0].keyword is None else None
                if kind is None and args[0] is UNKNOWN and isinstance(first, cst.Name) and \
                        first.value in ("int", "float", "bool"):
                    kind = first.value  # the builtin type (the name is bound to nothing in the script)
                return Array(obj.shape, kind, node, obj.one_hot, obj.int_high,
                             continuous=obj.continuous and kind == "float")
            return D.array_method(obj, name, args, kwargs, node)
        if isinstance(obj, LibInstance):
            return loaders.encoder_output(obj.cls, name, args[0] if args else None, node)
        if isinstance(obj, RS.ScaledData):
            if name in RS.KEEPS_VALUES or (name == "astype" and args and D.dtype_kind(args[0]) == "float"):
                return obj
            return UNKNOWN
        if isinstance(obj, TM.Tape):
            if name == "gradient":
                obj.sources.append(kwargs.get("sources", args[1] if len(args) > 1 else UNKNOWN))
            return UNKNOWN
        if isinstance(obj, (Seq, DictV)) and (name in _MUTATORS or (name == "append" and frame.branch)):
            obj.unsure = True  # its length/keys are no longer known for sure
        if isinstance(obj, Seq) and name == "append" and args:
            obj.items.append(args[0])
            return Const(None)
        return UNKNOWN

    def record_compile(self, model: Model, node: cst.Call, args: list, kwargs: dict, arg_nodes: dict) -> None:
        loss_v = kwargs.get("loss", args[1] if len(args) > 1 else None)
        loss_node = arg_nodes.get("loss", arg_nodes.get(1))
        loss = None if loss_v is None else _loss_spec(loss_v, loss_node)
        metrics_v = kwargs.get("metrics")
        metrics = None if metrics_v is None else _metric_spec(metrics_v, arg_nodes.get("metrics"))
        fact = CompileFact(node, loss, loss_node, metrics)
        model.compiles.append(fact)
        for spec, role in _specs_with_funcs(loss, "loss") + _specs_with_funcs(metrics, "metric"):
            self.facts.fn_uses.append(FnUse(spec.func, role, fact, model, spec.node))
            # a loss or metric of another module: its findings go where this module passes it
            if spec.node is not None and self._enter_other_module(spec.func.closure, spec.node, spec.func.node):
                self.anchor = None

    def call_func(self, func: Func, args: list, kwargs: dict, frame: _Frame, node: cst.CSTNode) -> Any:
        self.called.add(id(func.node))
        if frame.depth >= MAX_DEPTH or self.calls_made >= MAX_CALLS:
            return UNKNOWN
        self.calls_made += 1
        closure = func.closure if func.closure is not None else self.globals
        entered = self._enter_other_module(closure, node, func.node)
        inner = _Frame(closure, frame.depth + 1)
        inner.in_method = frame.in_method or func.bound_self is not None
        try:
            self.bind_params(func.node.params, args, kwargs, inner, closure, func.bound_self)
            self.exec_block(func.node.body, inner)
        finally:
            if entered:
                self.anchor = None
        values = inner.returns
        if not values:
            return Const(None)
        first = values[0]
        return first if all(v is first for v in values) else UNKNOWN

    def bind_params(self, params: cst.Parameters, args: list, kwargs: dict, frame: _Frame,
                    defaults_frame: _Frame, bound_self: Any) -> None:
        positional = list(params.posonly_params) + list(params.params)
        if bound_self is not None:
            args = [bound_self] + list(args)
        for i, p in enumerate(positional):
            name = p.name.value
            if i < len(args):
                frame.env[name] = args[i]
            elif name in kwargs:
                frame.env[name] = kwargs[name]
            elif p.default is not None:
                frame.env[name] = self.eval(p.default, defaults_frame)
            else:
                frame.env[name] = UNKNOWN
        for p in params.kwonly_params:
            name = p.name.value
            if name in kwargs:
                frame.env[name] = kwargs[name]
            elif p.default is not None:
                frame.env[name] = self.eval(p.default, defaults_frame)
            else:
                frame.env[name] = UNKNOWN
        for p in (params.star_arg, params.star_kwarg):
            if isinstance(p, cst.Param):
                frame.env[p.name.value] = UNKNOWN

    def instantiate(self, cls: ClassRef, args: list, kwargs: dict, node: cst.CSTNode, frame: _Frame) -> Any:
        self.called.add(id(cls.node))
        if cls.is_loss:
            return self._loss_instance(cls, args, kwargs, node, frame)
        if not cls.is_model:
            return Pipeline("sequence", node) if cls.is_pipeline else UNKNOWN
        entered = self._enter_other_module(cls.closure, node, cls.node)
        try:
            return self._instantiate(cls, args, kwargs, node, frame)
        finally:
            if entered:
                self.anchor = None

    def _loss_instance(self, cls: ClassRef, args: list, kwargs: dict, node: cst.CSTNode, frame: _Frame) -> Any:
        """`MyLoss(...)` of a `keras.losses.Loss` subclass: its `call(y_true, y_pred)`, bound to the
        instance its `__init__` set up, which compile() then treats as a custom loss function."""
        call = cls.method("call")
        if call is None:
            return UNKNOWN
        inst = Instance(cls)
        init = cls.method("__init__")
        if init is not None:
            self.call_func(Func(init, cls.closure, inst), args, kwargs, frame, node)
        return Func(call, cls.closure, inst)

    def _instantiate(self, cls: ClassRef, args: list, kwargs: dict, node: cst.CSTNode, frame: _Frame) -> Model:
        inst = Instance(cls)
        init = cls.method("__init__")
        if init is not None:
            self.call_func(Func(init, cls.closure, inst), args, kwargs, frame, node)
        model = Model("subclass", node, cls=cls)
        call = cls.method("call")
        if call is not None:
            inputs = Tensor(node=call)
            model.inputs = inputs
            # a `training` parameter receives the caller's flag: layers it is passed on to follow it
            flag = {"training": TM.TrainingFlag()} if _has_param(call, "training") else {}
            model.outputs = self.call_func(Func(call, cls.closure, inst), [inputs], flag, frame, call)
        self.facts.models.append(model)
        return model

    def run_subclass_without_instance(self) -> None:  # pragma: no cover - kept for clarity
        pass


_MODEL_BASES = ("keras.Model", "keras.models.Model")
_LOSS_BASES = ("keras.losses.Loss",)


def _subclasses(bases: list, names: tuple, inherited: str) -> bool:
    """A class whose bases (evaluated) include one of the Keras classes `names`, or a class of the
    module that does (its ClassRef's `inherited` flag)."""
    return any((isinstance(b, QName) and b.name in names) or (isinstance(b, ClassRef) and getattr(b, inherited))
               for b in bases)


def _has_param(func: cst.FunctionDef, name: str) -> bool:
    params = func.params
    return any(p.name.value == name for p in (*params.posonly_params, *params.params, *params.kwonly_params))


def _element(iterable: Any) -> Any:
    """What a `for` loop over a value binds: the metric objects of `model.metrics`, else UNKNOWN."""
    if isinstance(iterable, Method) and isinstance(iterable.obj, Model) and iterable.name == "metrics":
        return MetricItem(iterable.obj)
    return UNKNOWN


# Methods that change a list's or dict's length or keys in ways the interpreter does not follow.
_MUTATORS = {"extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem", "__setitem__",
             "__delitem__"}


def _concat(heads: Seq, node: cst.Call) -> Tensor:
    tensors = [t for t in heads.items if isinstance(t, Tensor)]
    units = None
    if len(tensors) == len(heads.items) and all(t.units is not None for t in tensors):
        units = sum(t.units for t in tensors)
    rank = tensors[0].rank if tensors else None
    return Tensor(units=units, rank=rank, node=node, concat_of=list(heads.items), concat_node=node,
                  symbolic=_holds_keras_tensor(tensors), mode_layers=TM.chain(heads))


def _lambda_squeeze(node: cst.Lambda, imports: dict[str, str]) -> Optional[cst.Call]:
    body = node.body
    if isinstance(body, cst.Call):
        name = resolve_dotted(body.func, imports)
        if name in K.SQUEEZE_FUNCS:
            has_axis = any(a.keyword is not None and a.keyword.value == "axis" for a in body.args) or \
                len([a for a in body.args if a.keyword is None]) > 1
            if not has_axis:
                return body
    return None


def _loss_spec(value: Any, node: Optional[cst.CSTNode]) -> Any:
    if isinstance(value, LossSpec):
        return value
    if isinstance(value, Const) and isinstance(value.value, str):
        return LossSpec(K.loss_name(value.value), node)
    if isinstance(value, QName) and value.name.startswith("keras.losses."):
        return LossSpec(K.loss_name(value.name.rsplit(".", 1)[-1]), node)
    if isinstance(value, Func):
        return LossSpec(None, node, False, value)
    if isinstance(value, Partial) and isinstance(value.func, Func):
        return LossSpec(None, node, False, value.func)
    if isinstance(value, Seq):
        return Seq([_loss_spec(v, getattr(v, "node", None) or node) for v in value.items], value.kind, value.node,
                   value.unsure)
    if isinstance(value, DictV):
        return DictV([(k, _loss_spec(v, node)) for k, v in value.items], value.node, value.unsure)
    return UNKNOWN


def _metric_spec(value: Any, node: Optional[cst.CSTNode]) -> Any:
    if isinstance(value, MetricSpec):
        return value
    if isinstance(value, Const) and isinstance(value.value, str):
        return MetricSpec(value.value, node, source="string")
    if isinstance(value, QName) and value.name.startswith("keras.metrics."):
        return MetricSpec(value.name.rsplit(".", 1)[-1], node, source="function")
    if isinstance(value, Func):
        return MetricSpec(None, node, {}, value, source="func")
    if isinstance(value, Partial) and isinstance(value.func, Func):
        return MetricSpec(None, node, {}, value.func)
    nodes = _item_nodes(value)  # each string metric reports at its own element, not at the list
    if isinstance(value, Seq):
        return Seq([_metric_spec(v, nodes[i] if nodes else node) for i, v in enumerate(value.items)],
                   value.kind, value.node, value.unsure)
    if isinstance(value, DictV):
        return DictV([(k, _metric_spec(v, nodes[i] if nodes else node)) for i, (k, v) in enumerate(value.items)],
                     value.node, value.unsure)
    return UNKNOWN


def _item_nodes(value: Any) -> Optional[list]:
    """The element nodes of a literal list/tuple/dict value, when they still match its items."""
    node = getattr(value, "node", None)
    if isinstance(value, Seq) and isinstance(node, (cst.List, cst.Tuple)):
        elements = [el.value for el in node.elements]
    elif isinstance(value, DictV) and isinstance(node, cst.Dict):
        elements = [el.value for el in node.elements if isinstance(el, cst.DictElement)]
    else:
        return None
    return elements if len(elements) == len(value.items) else None


def _specs_with_funcs(spec: Any, role: str) -> list:
    if isinstance(spec, (LossSpec, MetricSpec)):
        return [(spec, role)] if spec.func is not None else []
    if isinstance(spec, Seq):
        return [x for item in spec.items for x in _specs_with_funcs(item, role)]
    if isinstance(spec, DictV):
        return [x for _, item in spec.items for x in _specs_with_funcs(item, role)]
    return []


_KERAS_MARKERS = ("keras", "tensorflow", "tf_keras")


def analyze(module: cst.Module, importer: Any = None) -> ModuleFacts:
    """`importer`: reads the project's other modules the file imports (project.py); None: the file
    alone."""
    facts = ModuleFacts(module)
    syntax = _Syntax(facts)
    facts.yields = False  # until the walk meets one
    walk(module, syntax)
    for full in facts.imports.values():
        c = canonical(full)
        if full.split(".")[0] in _KERAS_MARKERS:
            facts.mentions_keras = True
        # tf_keras is Keras 2 packaged for TF >= 2.16; tensorflow.python.keras is the Keras 2 copy
        # frozen inside TensorFlow (still shipped with TF 2.21), whatever Keras is installed.
        if c.flavor == "tf_keras" or full == "tensorflow.python.keras" or full.startswith("tensorflow.python.keras."):
            facts.keras_evidence.add("2")
        if c == "keras.ops" or c.startswith("keras.ops."):
            facts.keras_evidence.add("3")
    note_version_evidence(facts, module)
    for node, name in facts.dotted_names:
        head, _, rest = name.partition(".")
        if head in facts.imports:
            facts.references.append((node, facts.imports[head] + "." + rest))
    for call in syntax.raw_calls:
        name = facts.resolve(call.func)
        if name is not None:
            facts.calls.append(CallSite(call, name))
            if name.startswith("keras.ops."):
                facts.keras_evidence.add("3")
        elif isinstance(call.func, cst.Attribute):
            facts.method_calls.append((call, call.func.attr.value))
    if not facts.mentions_keras and importer is not None and importer.reaches_keras(module):
        facts.mentions_keras = True  # `from nets import build` where nets.py builds a Keras model
    if facts.mentions_keras:
        Interpreter(facts).run_module(module, importer)
        for model in facts.models:
            if model.kind == "sequential":
                model.output_value()  # applies its layers once: each Reshape/Dense/Flatten learns its inputs
        if importer is not None:
            importer.scope.adopt(facts)
    return facts


def _holds_keras_tensor(values: list, depth: int = 0) -> bool:
    """Whether a KerasTensor is among the values (or in a list/tuple of them: `tf.concat([a, b])`)."""
    for v in values:
        if isinstance(v, Tensor) and v.symbolic:
            return True
        if isinstance(v, Seq) and depth < 2 and _holds_keras_tensor(v.items, depth + 1):
            return True
    return False
