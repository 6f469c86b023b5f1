from typing import Iterator, Optional

import libcst as cst

from kerascheck.checks._fixes import imported_as, insert_at_start
from kerascheck.facts import functions as F
from kerascheck.facts.functions import function_facts, label_dtype_error, labels_kind, snippet
from kerascheck.facts.model import ModuleFacts
from kerascheck.rule import Hit, Rule

# The Keras major whose wrapper does NOT cast y_true for each role (keras-truth rows a1, a2).
_NO_CAST = {"metric": "3", "loss": "2"}

# How to spell the cast, by the Keras that raises (the one the fixed code must run on): the first
# module the file imports at top level wins. keras.ops does not exist in Keras 2.15, and Keras 3's
# own keras.backend has no cast (TensorFlow's tf.keras.backend shim does, on Keras 2 and 3).
_CASTS = {
    "3": (("keras.ops", "{}.cast"), ("keras", "{}.ops.cast"), ("tensorflow", "{}.cast"),
          ("tensorflow.keras.backend", "{}.cast")),
    "2": (("tensorflow", "{}.cast"), ("tensorflow.keras.backend", "{}.cast"), ("keras.backend", "{}.cast")),
}


class UncastLabelsInCustomFunction(Rule):
    """KC401: integer y_true meets float y_pred in a raw TensorFlow op of a custom loss/metric."""

    code = "KC401"

    def check(self, facts: ModuleFacts) -> Iterator[Hit]:
        for use in facts.fn_uses:
            crashes_on = _NO_CAST[use.role]
            if not facts.keras_versions <= {crashes_on}:
                continue  # the other Keras casts y_true for this role: no error there
            ff = function_facts(facts, use.func)
            arith = ff.crashing_label_arith() if ff else None
            if arith is None or labels_kind(use) != "int":
                continue
            hit = self.hit(arith.node, fn=ff.name, role=use.role, keras=crashes_on,
                           expr=snippet(facts.module, arith.node), error=label_dtype_error(arith))
            edit = _cast_edit(facts, ff, crashes_on)
            if edit is not None:
                # safe: the labels Keras feeds are integers, and every use of y_true in the function
                # is one where a float of the same value computes the same (arithmetic, reductions)
                hit = self.fixed(hit, [edit], f"Cast `{ff.y_true}` to `{ff.y_pred}.dtype` first", "safe")
            yield hit


def _cast_edit(facts: ModuleFacts, ff: F.FunctionFacts, keras: str) -> Optional[tuple]:
    names = _bound_names(ff.node)
    for module, spelling in _CASTS[keras]:
        local = imported_as(facts, module)
        if local is not None and local not in names:
            cast = spelling.format(local)
            break
    else:
        return None
    if not _float_labels_are_fine(facts, ff):
        return None
    return insert_at_start(facts.module, ff.node, f"{ff.y_true} = {cast}({ff.y_true}, {ff.y_pred}.dtype)")


class _Scope(cst.CSTVisitor):
    """Parents, bound names and assignments of one function body (nested scopes are opaque)."""

    def __init__(self, root: cst.CSTNode) -> None:
        self.root = root
        self.parent: dict[int, cst.CSTNode] = {}
        self.bound: set[str] = set()
        self.assigns: list[cst.Assign] = []
        self.names: list[cst.Name] = []
        self.nested = False
        self._stack: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self.parent[id(node)] = self._stack[-1]
        if node is not self.root and isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.ListComp,
                                                       cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            self.nested = True
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                self.bound.add(node.name.value)
            return False
        if isinstance(node, cst.Name):
            self.names.append(node)
        elif isinstance(node, cst.Param):
            self.bound.add(node.name.value)
        elif isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For, cst.AsName, cst.NamedExpr)):
            target = getattr(node, "target", None) or getattr(node, "name", None)
            for n in _target_names(target):
                self.bound.add(n)
        if isinstance(node, cst.Assign):
            self.assigns.append(node)
        self._stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if self._stack and self._stack[-1] is original_node:
            self._stack.pop()


def _target_names(target: Optional[cst.CSTNode]) -> list:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in _target_names(el.value)]
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


def _bound_names(func: cst.FunctionDef) -> set:
    scope = _Scope(func)
    func.visit(scope)
    return scope.bound


# Calls that compute the same with float labels as with integer ones, and keep them numbers.
_SAME_ON_FLOAT = (F.BINARY_OPS | F.REDUCE_OPS | F.UNARY_OPS | F.LOG_OPS | F.SHAPE_OPS | F.CLIP_OPS | F.MATMUL_OPS
                  | {"zeros_like", "ones_like"})
_LEAVES_NUMBERS = F.CAST_OPS | {"shape", "int_shape", "ndim", "rank", "size"}  # cast, or not the values
_COMPARE = {"equal", "not_equal", "greater", "greater_equal", "less", "less_equal"}
_ARITH = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.Power)
_INT_RESULTS = {"argmax", "argmin"}


def _op(facts: ModuleFacts, call: cst.Call) -> Optional[str]:
    name = facts.resolve(call.func)
    if name is None:
        return None
    for ns in F._NAMESPACES:
        if name.startswith(ns):
            return name[len(ns):]
    return None


def _float_labels_are_fine(facts: ModuleFacts, ff: F.FunctionFacts) -> bool:
    """True when every use of y_true (and of names computed from it) in the function is one where
    a float tensor with the same values computes the same: arithmetic with y_pred, reductions,
    shapes, casts, comparisons with y_pred or a number. Indices (one_hot, gather, subscripts),
    comparisons with integer tensors and anything unknown make it False."""
    scope = _Scope(ff.node)
    ff.node.visit(scope)
    if scope.nested or not all(_float_operand(facts, ff, v) for v in _assigned_to(scope, ff.y_pred)):
        return False
    tainted = {ff.y_true}
    changed = True
    while changed:  # names assigned from y_true (in any order: over-approximates, which is safe)
        changed = False
        for assign in scope.assigns:
            if _mentions(assign.value, tainted) and not _cast_or_shape(facts, assign.value):
                for t in assign.targets:
                    for n in _target_names(t.target):
                        if n not in tainted:
                            tainted.add(n)
                            changed = True
    for name in scope.names:
        if name.value not in tainted:
            continue
        parent = scope.parent.get(id(name))
        if isinstance(parent, (cst.Param, cst.AssignTarget)) or (isinstance(parent, cst.Attribute)
                                                                 and parent.attr is name):
            continue
        if not _fine_use(facts, ff, scope, name):
            return False
    return True


def _assigned_to(scope: _Scope, name: str) -> list:
    """The values assigned to `name` in the function."""
    return [a.value for a in scope.assigns for t in a.targets if name in _target_names(t.target)]


def _mentions(node: cst.CSTNode, names: set) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, cst.Name) and n.value in names:
            return True
        stack.extend(n.children)
    return False


def _cast_or_shape(facts: ModuleFacts, value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Call):
        return _op(facts, value) in _LEAVES_NUMBERS
    return isinstance(value, cst.Attribute) and value.attr.value in ("shape", "dtype", "ndim")


def _fine_use(facts: ModuleFacts, ff: F.FunctionFacts, scope: _Scope, node: cst.CSTNode) -> bool:
    """Follow a y_true value up through the expressions that keep it a float-safe number."""
    while True:
        parent = scope.parent.get(id(node))
        if parent is None:
            return False
        if isinstance(parent, (cst.Return, cst.Expr)) or (isinstance(parent, cst.Assign) and parent.value is node):
            return True
        if isinstance(parent, cst.AugAssign) and isinstance(parent.operator, (cst.AddAssign, cst.SubtractAssign,
                                                                              cst.MultiplyAssign, cst.DivideAssign)):
            return True
        if isinstance(parent, cst.Attribute):
            return parent.attr.value in ("shape", "dtype", "ndim")
        if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, _ARITH):
            node = parent
        elif isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, (cst.Minus, cst.Plus)):
            node = parent
        elif isinstance(parent, (cst.Subscript,)) and parent.value is node:
            node = parent
        elif isinstance(parent, cst.Comparison):
            others = [parent.left] + [c.comparator for c in parent.comparisons]
            return all(o is node or _float_operand(facts, ff, o) for o in others)
        elif isinstance(parent, cst.Arg) and parent.value is node and not parent.star:
            call = scope.parent.get(id(parent))
            if not isinstance(call, cst.Call) or parent not in call.args:
                return False
            op = _op(facts, call)
            if op in _LEAVES_NUMBERS:
                return True
            if op in _COMPARE:
                return all(a is parent or _float_operand(facts, ff, a.value) for a in call.args)
            if op not in _SAME_ON_FLOAT:
                return False
            node = call
        else:
            return False


def _float_operand(facts: ModuleFacts, ff: F.FunctionFacts, node: cst.BaseExpression) -> bool:
    """A number literal, or an expression of y_pred that stays float (no argmax, no cast)."""
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    if not _mentions(node, {ff.y_pred}) or _mentions(node, {ff.y_true}):
        return False
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, cst.Call) and (_op(facts, n) in _INT_RESULTS | F.CAST_OPS or _op(facts, n) is None):
            return False
        stack.extend(n.children)
    return True
