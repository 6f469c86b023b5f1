"""Would a custom loss or metric compute the same if its y_true were a float tensor with the same
values? The answer KC401's fix needs before it casts integer labels to y_pred's dtype: arithmetic with
y_pred, reductions, shapes, casts and comparisons with y_pred or a number compute the same; indices
(one_hot, gather, subscripts), comparisons with integer tensors and anything unknown may not.

A flow-insensitive pass over the function body: names assigned from y_true (in any order) are
followed to every place they are used; nested scopes make the answer "no".
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from kerascheck.facts import functions as F
from kerascheck.facts.functions import FunctionFacts, Resolver


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


def bound_names(func: cst.FunctionDef) -> set:
    """Every name the function binds in its own scope (parameters, assignments, nested defs)."""
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


def _op(resolve: Resolver, call: cst.Call) -> Optional[str]:
    name = resolve(call.func)
    return None if name is None else F.op_suffix(str(name))


def float_labels_are_fine(resolve: Resolver, ff: FunctionFacts) -> bool:
    """True when every use of y_true (and of names computed from it) in the function is one where
    a float tensor with the same values computes the same: arithmetic with y_pred, reductions,
    shapes, casts, comparisons with y_pred or a number. Indices (one_hot, gather, subscripts),
    comparisons with integer tensors and anything unknown make it False."""
    scope = _Scope(ff.node)
    ff.node.visit(scope)
    if scope.nested or not all(_float_operand(resolve, ff, v) for v in _assigned_to(scope, ff.y_pred)):
        return False
    tainted = {ff.y_true}
    changed = True
    while changed:  # names assigned from y_true (in any order: over-approximates, which is safe)
        changed = False
        for assign in scope.assigns:
            if _mentions(assign.value, tainted) and not _cast_or_shape(resolve, assign.value):
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
        if not _fine_use(resolve, ff, scope, name):
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


def _cast_or_shape(resolve: Resolver, value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Call):
        return _op(resolve, value) in _LEAVES_NUMBERS
    return isinstance(value, cst.Attribute) and value.attr.value in ("shape", "dtype", "ndim")


def _fine_use(resolve: Resolver, ff: FunctionFacts, scope: _Scope, node: cst.CSTNode) -> bool:
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
            return all(o is node or _float_operand(resolve, ff, o) for o in others)
        elif isinstance(parent, cst.Arg) and parent.value is node and not parent.star:
            call = scope.parent.get(id(parent))
            if not isinstance(call, cst.Call) or parent not in call.args:
                return False
            op = _op(resolve, call)
            if op in _LEAVES_NUMBERS:
                return True
            if op in _COMPARE:
                return all(a is parent or _float_operand(resolve, ff, a.value) for a in call.args)
            if op not in _SAME_ON_FLOAT:
                return False
            node = call
        else:
            return False


def _float_operand(resolve: Resolver, ff: FunctionFacts, node: cst.BaseExpression) -> bool:
    """A number literal, or an expression of y_pred that stays float (no argmax, no cast)."""
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    if not _mentions(node, {ff.y_pred}) or _mentions(node, {ff.y_true}):
        return False
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, cst.Call) and (_op(resolve, n) in _INT_RESULTS | F.CAST_OPS or _op(resolve, n) is None):
            return False
        stack.extend(n.children)
    return True
