"""What one custom loss or metric function does with its arguments (the KC4xx facts).

Keras calls a custom loss or metric as `fn(y_true, y_pred)`: the first two positional parameters
are the labels and the predictions, whatever their names. `analyse()` follows the function body in
statement order with a small dataflow over local names. Every value carries a `Flow`: does it come
from y_true / y_pred, does a gradient reach it from y_pred, which dtype it has (y_true keeps the
labels' own dtype until it is cast), whether it is still y_pred itself (for log), and which one_hot
calls it came from. Anything the dataflow cannot follow (a helper function, an unknown library call)
makes the value `unknown`, and the rules stay silent about it.

Keras semantics backed by real runs (../shared/keras-truth*.md rows a1, a2, d1, d2, e1-e3, m and
the fixtures under tests/fixtures/KC40x/):
- y_true arriving with integer (or bool) dtype meets float y_pred in a raw TensorFlow op (a Python
  operator, tf.multiply, tf.maximum, ...) → `TypeError: Input 'y' of 'Mul' Op has type float32 that
  does not match type int64 of argument 'x'`; keras.ops functions promote dtypes and work. Keras 3
  casts y_true to y_pred's dtype for losses (not metrics), Keras 2 for metrics (not losses).
- round / rint / floor / ceil / argmax / argmin / comparisons / casts to int or bool / tf.where
  conditions / one_hot indices / stop_gradient have no gradient: a loss that reaches y_pred only
  through them makes fit raise `ValueError: No gradients provided for any variable.`; tf.sign has a
  zero gradient: fit trains, nothing changes. Added to a differentiable term, such a term is ignored.
- log(y_pred) without clip/epsilon is NaN from the first batch when the output can be <= 0
  (linear, relu, tanh, elu, selu, leaky_relu, gelu, swish, relu6); softmax/sigmoid/softplus/
  exponential/hard_sigmoid outputs stayed finite.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional

import libcst as cst

from kerascheck.facts.values import Array, Const, LossSpec, Tensor

# --- op tables (short names inside tf., tf.math., tf.nn., keras.ops., keras.backend.) -----------
SHAPE_OPS = {"reshape", "squeeze", "expand_dims", "flatten", "batch_flatten", "ravel", "transpose",
             "identity", "permute_dimensions"}
UNARY_OPS = {"abs", "absolute", "square", "sqrt", "exp", "expm1", "log1p", "negative", "neg",
             "reciprocal", "sigmoid", "softmax", "log_softmax", "tanh", "relu", "elu", "softplus",
             "softsign", "sin", "cos", "rsqrt", "erf", "l2_normalize", "normalize", "cumsum",
             "cumprod", "log_sigmoid"}
LOG_OPS = {"log", "log2", "log10"}
REDUCE_OPS = {"reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
              "reduce_logsumexp", "reduce_std", "reduce_variance", "reduce_euclidean_norm", "sum",
              "mean", "max", "min", "prod", "std", "var", "logsumexp", "norm", "amax", "amin"}
# Elementwise binary arithmetic. On raw TensorFlow ops (tf.*, keras.backend.* of tf.keras) both
# operands must share a dtype; keras.ops promotes.
BINARY_OPS = {"add", "subtract", "multiply", "divide", "truediv", "realdiv", "div_no_nan",
              "multiply_no_nan", "maximum", "minimum", "pow", "power", "squared_difference"}
MATMUL_OPS = {"matmul", "dot", "tensordot", "batch_dot"}
CLIP_OPS = {"clip_by_value", "clip"}
CAST_OPS = {"cast", "saturate_cast"}
# No registered gradient: a loss that reaches y_pred only through these makes fit raise.
NO_GRAD_OPS = {"round", "rint", "floor", "ceil", "argmax", "argmin", "stop_gradient"}
COMPARE_OPS = {"equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
               "logical_and", "logical_or", "logical_not", "logical_xor"}
ZERO_GRAD_OPS = {"sign"}  # a registered gradient of 0: fit trains, the weights never move
WHERE_OPS = {"where", "switch"}
ONE_HOT_OPS = {"one_hot", "to_categorical"}
NOT_DERIVED_OPS = {"zeros_like", "ones_like", "shape", "size", "rank", "int_shape", "ndim",
                   "epsilon", "floatx", "constant", "zeros", "ones", "convert_to_tensor_v2"}
_NAMESPACES = ("tf.math.", "tf.nn.", "tf.dtypes.", "tf.", "keras.ops.numpy.", "keras.ops.nn.",
               "keras.ops.math.", "keras.ops.", "keras.backend.")
# TensorFlow ops with a parameter that accepts only integers: (parameter, position, allowed dtypes as
# TensorFlow's TypeError lists them). Measured on Keras 3.15 / 2.15 with y_true passed uncast (KC407).
INTEGER_ONLY_OPS = {
    "sparse_softmax_cross_entropy_with_logits": ("labels", 0, "int32, int64"),
    "gather": ("indices", 1, "int16, int32, int64"),
}
# Keras op names in TensorFlow's error message (`Input 'y' of 'Mul' Op has type ...`).
TF_OP_NAMES = {"Add": "AddV2", "Subtract": "Sub", "Multiply": "Mul", "Divide": "RealDiv",
               "add": "AddV2", "subtract": "Sub", "multiply": "Mul", "maximum": "Maximum",
               "minimum": "Minimum", "pow": "Pow", "squared_difference": "SquaredDifference",
               "equal": "Equal", "not_equal": "NotEqual", "greater": "Greater", "less": "Less",
               "greater_equal": "GreaterEqual", "less_equal": "LessEqual", "matmul": "MatMul",
               "dot": "MatMul", "Power": "Pow"}
# Output activations whose values can be <= 0: log(y_pred) is NaN from the first batch (row m,
# measured on Keras 3.15 and 2.15 for each of these).
LOG_NAN_ACTIVATIONS = {"linear", "relu", "tanh", "elu", "selu", "leaky_relu", "gelu", "swish",
                       "silu", "relu6"}


@dataclass(frozen=True)
class OneHot:
    node: cst.Call
    depth: Optional[int]
    depth_node: Optional[cst.CSTNode]
    source: Optional[str]  # "true" | "pred" | None: what the indices come from
    # KC406: the indices are y_true as Keras passed it (up to reshapes/squeezes/subscripts: no cast,
    # no arithmetic), so they keep the dtype the wrapper gave y_true; `op` is the resolved callee
    raw_labels: bool = False
    op: Optional[str] = None


@dataclass(frozen=True)
class Flow:
    true: bool = False  # derived from y_true
    pred: bool = False  # derived from y_pred
    grad: bool = False  # a gradient reaches it from y_pred
    zgrad: bool = False  # y_pred reaches it through a zero-gradient op (tf.sign)
    dtype: Optional[str] = None  # "label" (y_true's own dtype) | "float" | "int" | "bool" | None
    unknown: bool = False  # an op we cannot follow touched a y_true / y_pred path
    raw_pred: bool = False  # y_pred itself, up to reshapes, slices and float casts
    raw_true: bool = False  # y_true itself, up to reshapes, squeezes and subscripts (no cast)
    whole_pred: bool = False  # elementwise in y_pred: every element of y_pred is still there
    blockers: tuple = ()  # ((node, op name, "none" | "zero"), ...) on the y_pred path
    dead: tuple = ()  # ((term node, blockers), ...) additive terms without gradient
    onehots: tuple = ()  # OneHot calls this value is elementwise derived from
    const: Any = None  # a Python int/float/str literal value

    @property
    def derived(self) -> bool:
        return self.true or self.pred


NONE = Flow()


def _join(*flows: Flow, dtype: Any = "auto") -> Flow:
    derived = [f for f in flows if f.derived]
    if not derived:
        return Flow(dtype=None if dtype == "auto" else dtype)
    if dtype == "auto":
        kinds = {f.dtype for f in derived}
        dtype = kinds.pop() if len(kinds) == 1 else None
    return Flow(
        true=any(f.true for f in derived), pred=any(f.pred for f in derived),
        grad=any(f.grad for f in derived), zgrad=any(f.zgrad for f in derived), dtype=dtype,
        unknown=any(f.unknown for f in derived), raw_pred=False,
        whole_pred=any(f.whole_pred for f in derived),
        blockers=_union(*(f.blockers for f in derived)), dead=_union(*(f.dead for f in derived)),
        onehots=_union(*(f.onehots for f in derived)))


def _union(*tuples: tuple) -> tuple:
    out: list = []
    for t in tuples:
        for item in t:
            if item not in out:
                out.append(item)
    return tuple(out)


def _merge(a: Flow, b: Flow) -> Flow:
    """The value of a name after two control-flow paths."""
    if a == b:
        return a
    out = _join(a, b)
    if not (a.derived and b.derived):
        out = replace(out, dtype=None)
    return replace(out, raw_pred=a.raw_pred and b.raw_pred, whole_pred=a.whole_pred and b.whole_pred)


def _unknown(*flows: Flow) -> Flow:
    out = _join(*flows)
    if not out.derived:
        return NONE
    # `unknown` matters on y_pred paths (gradients); an unknown y_true path just loses its dtype
    return replace(out, unknown=out.pred, dtype=None, whole_pred=False, onehots=())


@dataclass(frozen=True)
class DtypeRef:
    """`y_pred.dtype` and friends: a dtype, for cast targets."""

    kind: Optional[str]


@dataclass
class LabelArith:
    """y_true (still in the labels' own dtype) meets float y_pred in arithmetic."""

    node: cst.CSTNode
    op: str  # TensorFlow op name for the message ("Mul"), or the function's name
    promotes: bool  # keras.ops: dtypes are promoted, no error
    label_first: bool = True  # y_true is the op's first operand ('x')


@dataclass
class LogUse:
    node: cst.Call
    arg: cst.CSTNode
    raw: bool  # the argument is y_pred itself: no clip, no epsilon


@dataclass
class OneHotUse:
    onehot: OneHot
    meets_pred: bool = False  # multiplied/added elementwise with y_pred (shapes must match)


@dataclass
class IntegerOnlyUse:
    """KC407: a TensorFlow op that takes only integers (`labels` of
    `tf.nn.sparse_softmax_cross_entropy_with_logits`, `indices` of `tf.gather`) given y_true as Keras
    passed it (up to reshapes, squeezes and subscripts: no cast)."""

    node: cst.Call
    op: str  # the callee as resolved (`tf.nn.sparse_softmax_cross_entropy_with_logits`)
    param: str  # the integer-only parameter
    arg: cst.CSTNode  # what was passed for it
    allowed: str  # TensorFlow's list of accepted dtypes, as its error words it


@dataclass
class ClassCount:
    """A literal class count written in the function: one_hot depth or `num_classes=`."""

    node: cst.CSTNode  # the literal (or the name bound to it)
    value: int
    kind: str  # "one_hot" | "num_classes"
    onehot: Optional[OneHotUse] = None


@dataclass
class FunctionFacts:
    node: cst.FunctionDef
    y_true: str
    y_pred: str
    result: Flow = NONE  # all return values joined
    returns: list = field(default_factory=list)  # [(Return node, Flow)]
    label_arith: list = field(default_factory=list)  # [LabelArith]
    logs: list = field(default_factory=list)  # [LogUse]
    onehots: list = field(default_factory=list)  # [OneHotUse]
    class_counts: list = field(default_factory=list)  # [ClassCount]
    integer_ops: list = field(default_factory=list)  # [IntegerOnlyUse]

    @property
    def name(self) -> str:
        return self.node.name.value

    def crashing_label_arith(self) -> Optional[LabelArith]:
        """The first raw-op arithmetic between uncast y_true and y_pred (raises on int labels)."""
        return next((a for a in self.label_arith if not a.promotes), None)

    def no_gradient(self) -> Optional[tuple]:
        """(node, op) of the op that cuts every gradient path from y_pred to the returned value,
        when the function would make fit raise `No gradients provided for any variable.`"""
        r = self.result
        if not self.returns or not r.pred or r.grad or r.zgrad or r.unknown:
            return None
        blockers = [b for b in r.blockers if b[2] == "none"]
        return (blockers[0][0], blockers[0][1]) if blockers else None

    def zero_gradient(self) -> Optional[tuple]:
        """(node, op) when y_pred reaches the result only through zero-gradient ops (tf.sign)."""
        r = self.result
        if not self.returns or not r.pred or r.grad or not r.zgrad or r.unknown:
            return None
        blockers = [b for b in r.blockers if b[2] == "zero"]
        return (blockers[0][0], blockers[0][1]) if blockers else None

    def ignored_terms(self) -> list:
        """[(term node, blocker node, op)]: additive terms whose y_pred dependence has no
        gradient, next to a differentiable term (the term is silently ignored by training)."""
        r = self.result
        if not self.returns or not r.grad or r.unknown:
            return []
        out = []
        for term, blockers in r.dead:
            if blockers:
                out.append((term, blockers[0][0], blockers[0][1]))
        return out


# --- the analysis -----------------------------------------------------------------------------
Resolver = Callable[[cst.BaseExpression], Optional[str]]
Lookup = Callable[[str], Any]


def params_of(node: cst.FunctionDef, bound_self: bool = False) -> Optional[tuple[str, str]]:
    positional = list(node.params.posonly_params) + list(node.params.params)
    if bound_self:
        positional = positional[1:]
    if len(positional) < 2:
        return None
    return positional[0].name.value, positional[1].name.value


def analyse(node: cst.FunctionDef, resolve: Resolver, lookup: Optional[Lookup] = None,
            bound_self: bool = False) -> Optional[FunctionFacts]:
    """Facts of `node` used as `fn(y_true, y_pred)`; None when it does not take two arguments."""
    names = params_of(node, bound_self)
    if names is None:
        return None
    y_true, y_pred = names
    ff = FunctionFacts(node, y_true, y_pred)
    flow = _Dataflow(ff, resolve, lookup or (lambda name: None))
    env: dict[str, Flow] = {}
    params = node.params
    for p in list(params.posonly_params) + list(params.params) + list(params.kwonly_params):
        env[p.name.value] = NONE
    for p in (params.star_arg, params.star_kwarg):
        if isinstance(p, cst.Param):
            env[p.name.value] = NONE
    env[y_true] = Flow(true=True, dtype="label", raw_true=True)
    env[y_pred] = Flow(pred=True, grad=True, dtype="float", raw_pred=True, whole_pred=True)
    try:
        flow.block(node.body, env)
    except RecursionError:
        return None
    ff.result = _join(*(f for _, f in ff.returns)) if ff.returns else NONE
    return ff


def function_facts(facts: Any, func: Any) -> Optional[FunctionFacts]:
    """The FunctionFacts of a `Func` (facts.fn_uses[i].func), cached on the ModuleFacts."""
    cache = facts.__dict__.setdefault("_function_facts", {})
    key = (id(func.node), id(func.closure))
    if key not in cache:
        closure = func.closure

        def lookup(name: str) -> Any:
            return closure.lookup(name) if closure is not None and hasattr(closure, "lookup") else None

        try:
            # a function of another module of the project resolves names by that module's imports
            home = closure.home() if closure is not None and hasattr(closure, "home") else None
            resolve = getattr(home, "resolve", None) or facts.resolve
            cache[key] = analyse(func.node, resolve, lookup, func.bound_self is not None)
        except Exception:  # the analysis of one odd function must not stop the rules
            cache[key] = None
    return cache[key]


def labels_kind(use: Any) -> Optional[str]:
    """'int' when the labels a custom function sees are integers (or bools), 'float' when they
    are floats, None when unknown. Known from the fit/evaluate data; with unknown data, a compile
    whose loss is sparse_categorical_crossentropy means class ids (int)."""
    kinds = set()
    unknown = False
    for fit in use.model.fits:
        y = fit.y
        if isinstance(y, Array) and y.dtype in ("int", "bool", "float"):
            kinds.add("int" if y.dtype in ("int", "bool") else "float")
        else:
            unknown = True
    if "int" in kinds:
        return "int"
    if kinds and not unknown:
        return "float"
    if not kinds and use.role == "metric":
        loss = use.compile.loss
        if isinstance(loss, LossSpec) and loss.name == "sparse_categorical_crossentropy":
            return "int"
    return None


def output_of(use: Any) -> Any:
    """The model's only output Tensor, or None when it has several or is unknown."""
    outs = use.model.output_list()
    if outs and len(outs) == 1 and isinstance(outs[0][1], Tensor):  # `Model(x, [unknown_call(x)])`
        return outs[0][1]
    return None


class _Dataflow:
    def __init__(self, ff: FunctionFacts, resolve: Resolver, lookup: Lookup) -> None:
        self.ff = ff
        self.resolve = resolve
        self.lookup = lookup

    # --- statements ---------------------------------------------------------------------------
    def block(self, body: Any, env: dict) -> bool:
        """Run statements in order; True when every path returned."""
        if isinstance(body, cst.BaseSuite):
            body = body.body
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if self.small(small, env):
                        return True
            elif isinstance(stmt, cst.BaseSmallStatement):
                if self.small(stmt, env):
                    return True
            elif self.compound(stmt, env):
                return True
        return False

    def small(self, node: cst.BaseSmallStatement, env: dict) -> bool:
        if isinstance(node, cst.Assign):
            value = self.expr(node.value, env)
            for target in node.targets:
                self.bind(target.target, value, node.value, env)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.bind(node.target, self.expr(node.value, env), node.value, env)
        elif isinstance(node, cst.AugAssign):
            left = self.expr(node.target, env)
            right = self.expr(node.value, env)
            op = type(node.operator).__name__.replace("Assign", "")
            self.bind(node.target, self.arith(op, left, right, node, node.target, node.value, raw=True),
                      None, env)
        elif isinstance(node, cst.Expr):
            self.expr(node.value, env)
        elif isinstance(node, cst.Return):
            value = self.expr(node.value, env) if node.value is not None else NONE
            self.ff.returns.append((node, value))
            return True
        elif isinstance(node, cst.Raise):
            return True
        return False

    def compound(self, node: cst.BaseCompoundStatement, env: dict) -> bool:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            env[node.name.value] = Flow(unknown=True)
            return False
        if isinstance(node, cst.If):
            self.expr(node.test, env)
            return self.branches(env, [node.body, node.orelse], node.orelse is not None)
        if isinstance(node, cst.Else):
            return self.block(node.body, env)
        if isinstance(node, (cst.For, cst.While)):
            if isinstance(node, cst.For):
                it = self.expr(node.iter, env)
                self.bind(node.target, _unknown(it) if it.derived else NONE, None, env)
            else:
                self.expr(node.test, env)
            before = dict(env)
            self.block(node.body, env)
            self._merge_into(env, before)
            if node.orelse is not None:
                self.block(node.orelse.body, env)
            return False
        if isinstance(node, cst.With):
            for item in node.items:
                self.expr(item.item, env)
                if item.asname is not None:
                    self.bind(item.asname.name, NONE, None, env)
            return self.block(node.body, env)
        if isinstance(node, cst.Try):
            returned = self.block(node.body, env)
            if node.handlers:
                self.branches(env, [h.body for h in node.handlers], False)
                returned = False
            if node.orelse is not None and not returned:
                returned = self.block(node.orelse.body, env)
            if node.finalbody is not None:
                returned = self.block(node.finalbody.body, env) or returned
            return returned
        return False

    def branches(self, env: dict, bodies: list, has_else: bool) -> bool:
        saved = dict(env)
        outs: list = []
        all_returned = True
        for body in bodies:
            if body is None:
                continue
            local = dict(saved)
            if isinstance(body, cst.If):
                returned = self.compound(body, local)
            elif isinstance(body, cst.Else):
                returned = self.block(body.body, local)
            else:
                returned = self.block(body, local)
            if not returned:
                outs.append(local)
            all_returned = all_returned and returned
        if not has_else:
            outs.append(saved)
            all_returned = False
        if outs:
            merged = outs[0]
            for other in outs[1:]:
                merged = {k: _merge(merged.get(k, NONE), other.get(k, NONE)) for k in merged.keys() | other.keys()}
            env.clear()
            env.update(merged)
        return all_returned

    @staticmethod
    def _merge_into(env: dict, before: dict) -> None:
        for key in set(env) | set(before):
            env[key] = _merge(before.get(key, NONE), env.get(key, NONE))

    def bind(self, target: cst.BaseExpression, value: Any, value_node: Optional[cst.CSTNode], env: dict) -> None:
        if isinstance(target, cst.Name):
            env[target.value] = value if isinstance(value, Flow) else NONE
        elif isinstance(target, (cst.Tuple, cst.List)):
            items = None
            if isinstance(value_node, (cst.Tuple, cst.List)) and len(value_node.elements) == len(target.elements):
                items = [self.expr(el.value, env) for el in value_node.elements]
            for i, el in enumerate(target.elements):
                v = items[i] if items is not None else (_unknown(value) if isinstance(value, Flow) else NONE)
                self.bind(el.value, v, None, env)

    # --- expressions --------------------------------------------------------------------------
    def expr(self, node: Optional[cst.BaseExpression], env: dict) -> Flow:
        v = self.value(node, env)
        return v if isinstance(v, Flow) else NONE

    def value(self, node: Any, env: dict) -> Any:
        v = self._value(node, env)
        if isinstance(v, Flow) and v.raw_true and not self._keeps_raw_true(node):
            v = replace(v, raw_true=False)
        return v

    def _keeps_raw_true(self, node: Any) -> bool:
        """Expressions that pass y_true on in the dtype Keras gave it: names, subscripts, shape ops."""
        if isinstance(node, (cst.Name, cst.Subscript)):
            return True
        if isinstance(node, cst.Call):
            name = self.resolve(node.func)
            return name is not None and _short(str(name))[0] in SHAPE_OPS
        return False

    def _value(self, node: Any, env: dict) -> Any:
        if node is None:
            return NONE
        if isinstance(node, cst.Name):
            if node.value in env:
                return env[node.value]
            outer = self.lookup(node.value)
            if isinstance(outer, Const) and isinstance(outer.value, (int, float, str)):
                return Flow(const=outer.value)
            return NONE
        if isinstance(node, cst.Integer):
            try:
                value = int(node.value.replace("_", ""), 0)
            except ValueError:
                return NONE
            return Flow(const=value) if value.bit_length() <= 4096 else NONE  # str() fails past 4,300 digits
        if isinstance(node, cst.Float):
            return Flow(const=float(node.value.replace("_", "")))
        if isinstance(node, cst.SimpleString):
            try:
                return Flow(const=node.evaluated_value)
            except Exception:
                return NONE
        if isinstance(node, (cst.Tuple, cst.List)):
            return _join(*(self.expr(el.value, env) for el in node.elements))
        if isinstance(node, cst.BinaryOperation):
            op = type(node.operator).__name__
            left, right = self.expr(node.left, env), self.expr(node.right, env)
            return self.arith(op, left, right, node, node.left, node.right, raw=True)
        if isinstance(node, cst.UnaryOperation):
            v = self.expr(node.expression, env)
            if isinstance(node.operator, cst.Minus):
                if v.const is not None and isinstance(v.const, (int, float)):
                    return Flow(const=-v.const)
                return replace(v, raw_pred=False, const=None)
            if isinstance(node.operator, cst.Plus):
                return v
            return self.block_grad(v, node, "not", dtype="bool")
        if isinstance(node, cst.Comparison):
            flows = [self.expr(node.left, env)] + [self.expr(c.comparator, env) for c in node.comparisons]
            for (a, b), comp in zip(zip(flows, flows[1:]), node.comparisons):
                op = _COMPARISON_OPS.get(type(comp.operator).__name__)
                if op is not None:
                    self.label_meets_pred(a, b, node, op, promotes=False)
            return self.block_grad(_join(*flows), node, "comparison", dtype="bool")
        if isinstance(node, cst.BooleanOperation):
            return _unknown(self.expr(node.left, env), self.expr(node.right, env))
        if isinstance(node, cst.IfExp):
            self.expr(node.test, env)
            return _merge(self.expr(node.body, env), self.expr(node.orelse, env))
        if isinstance(node, cst.Subscript):
            base = self.expr(node.value, env)
            index = [self.expr(el.slice.value, env) for el in node.slice if isinstance(el.slice, cst.Index)]
            for el in node.slice:
                if isinstance(el.slice, cst.Slice):
                    for part in (el.slice.lower, el.slice.upper, el.slice.step):
                        self.expr(part, env)
            extra = _join(*index)
            out = replace(base, whole_pred=False, onehots=())
            if extra.derived:
                out = replace(out, true=out.true or extra.true, pred=out.pred or extra.pred,
                              unknown=out.unknown or extra.unknown, raw_pred=False)
            return out
        if isinstance(node, cst.Attribute):
            base = self.value(node.value, env)
            if isinstance(base, Flow) and base.derived:
                if node.attr.value == "dtype":
                    return DtypeRef(base.dtype if base.dtype in ("float", "int", "bool") else None)
                if node.attr.value in ("shape", "ndim"):
                    return NONE
                if node.attr.value == "T":
                    return replace(base, whole_pred=False)
                return _unknown(base)
            return NONE
        if isinstance(node, cst.Call):
            return self.call(node, env)
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            local = dict(env)
            comp: Any = node.for_in
            while comp is not None:
                it = self.expr(comp.iter, local)
                self.bind(comp.target, _unknown(it) if it.derived else NONE, None, local)
                comp = comp.inner_for_in
            return replace(self.expr(node.elt, local), whole_pred=False, raw_pred=False, onehots=())
        if isinstance(node, (cst.Lambda, cst.DictComp, cst.Dict, cst.Await, cst.Yield)):
            return Flow(true=True, pred=True, unknown=True) if self._mentions_args(node) else NONE
        return NONE

    def _mentions_args(self, node: cst.CSTNode) -> bool:
        names = {self.ff.y_true, self.ff.y_pred}
        found = []

        class V(cst.CSTVisitor):
            def visit_Name(self, n: cst.Name) -> None:
                if n.value in names:
                    found.append(n)

        node.visit(V())
        return bool(found)

    def block_grad(self, v: Flow, node: cst.CSTNode, op: str, dtype: Any = "keep", kind: str = "none") -> Flow:
        """The value after an op that lets no gradient (kind "none") or a zero gradient ("zero")
        through to y_pred."""
        new_dtype = v.dtype if dtype == "keep" else dtype
        if not v.derived:
            return Flow(dtype=None)
        if not v.pred:
            return replace(v, dtype=new_dtype, raw_pred=False, whole_pred=False, onehots=(), const=None)
        blockers = v.blockers
        if v.grad or v.zgrad or not blockers:
            blockers = _union(blockers, ((node, op, kind),))
        zgrad = kind == "zero" and (v.grad or v.zgrad)
        return replace(v, grad=False, zgrad=zgrad, dtype=new_dtype, raw_pred=False, whole_pred=False,
                       onehots=(), blockers=blockers, dead=v.dead, const=None)

    def label_meets_pred(self, a: Flow, b: Flow, node: cst.CSTNode, op: str, promotes: bool) -> None:
        """Record y_true (labels' own dtype) meeting float y_pred in one TensorFlow op."""
        if not (a.derived and b.derived) or {a.dtype, b.dtype} != {"label", "float"}:
            return
        label_side, float_side = (a, b) if a.dtype == "label" else (b, a)
        if float_side.pred and not label_side.unknown and not float_side.unknown:
            self.ff.label_arith.append(LabelArith(node, op, promotes, label_first=a is label_side))

    def arith(self, op: str, a: Flow, b: Flow, node: cst.CSTNode, a_node: Optional[cst.CSTNode],
              b_node: Optional[cst.CSTNode], raw: bool, name: Optional[str] = None) -> Flow:
        """a <op> b for elementwise arithmetic (Python operators, tf.multiply, keras.ops.add, ...)."""
        if not (a.derived or b.derived):
            if a.const is not None and b.const is not None and isinstance(a.const, (int, float)) \
                    and isinstance(b.const, (int, float)) and op in ("Add", "Subtract", "Multiply"):
                if any(isinstance(v, int) and v.bit_length() > 4096 for v in (a.const, b.const)):
                    return NONE  # `a = a * a` on every line: exponential time, and never a shape
                value = {"Add": a.const + b.const, "Subtract": a.const - b.const,
                         "Multiply": a.const * b.const}[op]
                return Flow(const=value)
            return NONE
        if op in ("FloorDivide", "Modulo", "BitAnd", "BitOr", "BitXor", "LeftShift", "RightShift"):
            return _unknown(a, b)
        # dtypes: y_true in its own dtype against float y_pred
        dtype: Optional[str]
        if a.derived and b.derived:
            kinds = {a.dtype, b.dtype}
            if kinds == {"label", "float"}:
                self.label_meets_pred(a, b, node, TF_OP_NAMES.get(name or op, name or op), promotes=not raw)
                dtype = "float"
            elif len(kinds) == 1:
                dtype = a.dtype
            else:
                dtype = None
        else:
            dtype = a.dtype if a.derived else b.dtype
        out = _join(a, b, dtype=dtype)
        # one_hot(y_true, depth) meets y_pred elementwise: the depth must equal y_pred's last axis
        if op in ("Add", "Subtract", "Multiply", "Divide", "Power", "MatrixMultiply") or name in BINARY_OPS:
            for x, y in ((a, b), (b, a)):
                if x.onehots and y.whole_pred and not y.onehots:
                    for oh in x.onehots:
                        for use in self.ff.onehots:
                            if use.onehot is oh:
                                use.meets_pred = True
        # an additive term with no gradient next to a differentiable one is ignored by training
        dead = out.dead
        if op in ("Add", "Subtract"):
            for x, x_node, y in ((a, a_node, b), (b, b_node, a)):
                if x.pred and not x.grad and not x.zgrad and not x.unknown and x.blockers and y.grad:
                    dead = _union(dead, ((x_node or node, x.blockers),))
        return replace(out, dead=dead, raw_pred=False)

    # --- calls --------------------------------------------------------------------------------
    def call(self, node: cst.Call, env: dict) -> Any:
        func = node.func
        pos: list = []
        kws: dict = {}
        for arg in node.args:
            if arg.keyword is not None:
                kws[arg.keyword.value] = arg.value
            elif arg.star == "":
                pos.append(arg.value)
            else:
                pos.append(None)
        args = [self.value(a, env) if a is not None else Flow(pred=True, unknown=True) for a in pos]
        kwargs = {k: self.value(v, env) for k, v in kws.items()}
        flows = [a for a in args if isinstance(a, Flow)] + [v for v in kwargs.values() if isinstance(v, Flow)]

        def arg(i: int, name: str) -> Any:
            if name in kwargs:
                return kwargs[name]
            return args[i] if i < len(args) else None

        def arg_node(i: int, name: str) -> Optional[cst.CSTNode]:
            if name in kws:
                return kws[name]
            return pos[i] if i < len(pos) else None

        # a literal class count passed to any call: MeanIoU(num_classes=4), helper(..., num_classes=4)
        if isinstance(func, cst.Name) and func.value in env:
            # a local def/lambda/variable may close over y_true and y_pred: not followed
            return _unknown(Flow(true=True, pred=True), *flows)
        name = self.resolve(func)
        nc = kwargs.get("num_classes")
        if isinstance(nc, Flow) and isinstance(nc.const, int) and not isinstance(nc.const, bool) \
                and (name is None or str(name).rsplit(".", 1)[-1] not in ONE_HOT_OPS):
            self.ff.class_counts.append(ClassCount(kws["num_classes"], nc.const, "num_classes"))
        # a method on a value of the function: y_true.astype("float32")
        if name is None and isinstance(func, cst.Attribute):
            base = self.expr(func.value, env)
            if func.attr.value == "astype" and args and base.derived:
                return self.cast(base, args[0], node)
            return _unknown(base, *flows)
        if name is None:
            if isinstance(func, cst.Name) and func.value == "abs" and args:
                return replace(self._flow(args[0]), raw_pred=False)
            if isinstance(func, cst.Name) and func.value in ("len", "range", "print", "isinstance"):
                return NONE
            return _unknown(*flows)
        name = str(name)
        if name.startswith("keras.losses.") and name.rsplit(".", 1)[-1][:1].islower():
            out = _join(*flows, dtype="float")
            return replace(out, whole_pred=False, onehots=())
        if name in ("keras.utils.to_categorical",):
            short, family = "to_categorical", "tf"
        else:
            short, family = _short(name)
        if short is None:
            return _unknown(*flows)
        first = self._flow(arg(0, "x"))
        promotes = family == "ops"
        if short in INTEGER_ONLY_OPS and family == "tf":
            param, index, allowed = INTEGER_ONLY_OPS[short]
            given, where = arg(index, param), arg_node(index, param)
            if isinstance(given, Flow) and given.raw_true and not given.unknown and where is not None:
                self.ff.integer_ops.append(IntegerOnlyUse(node, name, param, where, allowed))
        if short in NOT_DERIVED_OPS:
            if short == "floatx":
                return DtypeRef("float")
            return NONE
        if short in SHAPE_OPS:
            src = self._flow(arg(0, "tensor") if "tensor" in kwargs else arg(0, "x"))
            for f in flows:
                if f is not src and f.derived:
                    return _unknown(*flows)
            return src
        if short in CAST_OPS or short == "convert_to_tensor":
            if short == "convert_to_tensor" and "dtype" not in kwargs:
                return self._flow(arg(0, "value"))
            return self.cast(self._flow(arg(0, "x")), arg(1, "dtype"), node)
        if short in LOG_OPS:
            a0 = pos[0] if pos else kws.get("x")
            if first.pred and a0 is not None:
                self.ff.logs.append(LogUse(node, a0, raw=first.raw_pred and not first.unknown))
            return replace(first, raw_pred=False, const=None)
        if short in UNARY_OPS:
            out = replace(first, raw_pred=False, const=None)
            return out if not any(f.derived and f is not first for f in flows) else _join(*flows)
        if short in REDUCE_OPS:
            out = _join(*flows) if any(f.derived and f is not first for f in flows) else first
            return replace(out, raw_pred=False, whole_pred=False, onehots=(), const=None)
        if short in CLIP_OPS:
            return replace(first, raw_pred=False, const=None)
        if short in BINARY_OPS or short in MATMUL_OPS:
            a = self._flow(arg(0, "x") if "x" in kwargs or args else arg(0, "x1"))
            b = self._flow(arg(1, "y") if "y" in kwargs or len(args) > 1 else arg(1, "x2"))
            op = {"add": "Add", "subtract": "Subtract", "multiply": "Multiply", "divide": "Divide",
                  "truediv": "Divide", "realdiv": "Divide"}.get(short, "Call")
            out = self.arith(op, a, b, node, arg_node(0, "x"), arg_node(1, "y"), raw=not promotes, name=short)
            if short in MATMUL_OPS:
                out = replace(out, whole_pred=False, onehots=())
            return out
        if short in ONE_HOT_OPS:
            return self.one_hot(node, short, family, args, kwargs, pos, kws, first)
        if short in WHERE_OPS:
            cond = self._flow(arg(0, "condition"))
            values = [self._flow(arg(1, "x")), self._flow(arg(2, "y"))]
            if len(args) + len(kwargs) < 3:
                return self.block_grad(cond, node, short, dtype="int")
            cond_part = self.block_grad(cond, node, short, dtype="bool") if cond.derived else NONE
            out = _join(*values)
            if cond_part.derived:
                out = _join(out, cond_part, dtype=out.dtype if out.derived else None)
                out = replace(out, grad=any(v.grad for v in values), zgrad=any(v.zgrad for v in values))
            return out
        if short in NO_GRAD_OPS:
            dtype = "int" if short in ("argmax", "argmin") else "keep"
            return self.block_grad(_join(*flows) if len(flows) > 1 else first, node, short, dtype=dtype)
        if short in COMPARE_OPS:
            self.label_meets_pred(first, self._flow(arg(1, "y")), node, TF_OP_NAMES.get(short, short), promotes)
            return self.block_grad(_join(*flows), node, short, dtype="bool")
        if short in ZERO_GRAD_OPS:
            return self.block_grad(first, node, short, kind="zero")
        return _unknown(*flows)

    @staticmethod
    def _flow(v: Any) -> Flow:
        return v if isinstance(v, Flow) else NONE

    def cast(self, src: Flow, dtype_value: Any, node: cst.Call) -> Flow:
        kind = self.dtype_kind(dtype_value, node)
        if not src.derived:
            return NONE
        if kind == "float":
            return replace(src, dtype="float", const=None, onehots=src.onehots)
        if kind in ("int", "bool"):
            return self.block_grad(src, node, "cast", dtype="label" if src.dtype == "label" else kind)
        if src.pred and not (src.grad or src.zgrad):
            # already without gradient: a cast to any dtype keeps it so
            return replace(src, dtype=None, raw_pred=False, whole_pred=False, onehots=(), const=None)
        return _unknown(src)

    def dtype_kind(self, value: Any, call: cst.Call) -> Optional[str]:
        if isinstance(value, DtypeRef):
            return value.kind
        if isinstance(value, Flow) and isinstance(value.const, str):
            return _dtype_text(value.const)
        node = None
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "dtype":
                node = arg.value
        if node is None:
            positional = [a for a in call.args if a.keyword is None]
            if isinstance(call.func, cst.Attribute) and call.func.attr.value == "astype" and positional:
                node = positional[0].value
            elif len(positional) > 1:
                node = positional[1].value
        if node is None:
            return None
        name = self.resolve(node)
        if name is not None:
            return _dtype_text(str(name).rsplit(".", 1)[-1])
        return None

    def one_hot(self, node: cst.Call, short: str, family: str, args: list, kwargs: dict, pos: list,
                kws: dict, first: Flow) -> Flow:
        depth_key = "depth" if family == "tf" and short == "one_hot" else "num_classes"
        depth_node = kws.get(depth_key) or kws.get("depth") or kws.get("num_classes")
        if depth_node is None and len(pos) > 1:
            depth_node = pos[1]
        depth_value = kwargs.get(depth_key, kwargs.get("depth", kwargs.get("num_classes",
                                 args[1] if len(args) > 1 else None)))
        depth = None
        if isinstance(depth_value, Flow) and isinstance(depth_value.const, int) \
                and not isinstance(depth_value.const, bool):
            depth = depth_value.const
        source = "pred" if first.pred else ("true" if first.true else None)
        indices = self._flow(kwargs["indices"]) if "indices" in kwargs else first
        oh = OneHot(node, depth, depth_node, source, raw_labels=indices.raw_true and not indices.unknown,
                    op=self.resolve(node.func))
        use = OneHotUse(oh)
        self.ff.onehots.append(use)
        if depth is not None and depth_node is not None:
            self.ff.class_counts.append(ClassCount(depth_node, depth, "one_hot", use))
        if not first.derived:
            return NONE
        out = self.block_grad(first, node, short, dtype="float") if first.pred else \
            replace(first, dtype="float", raw_pred=False, whole_pred=False, const=None)
        return replace(out, onehots=(oh,), whole_pred=False)


_COMPARISON_OPS = {"Equal": "Equal", "NotEqual": "NotEqual", "GreaterThan": "Greater",
                   "GreaterThanEqual": "GreaterEqual", "LessThan": "Less", "LessThanEqual": "LessEqual"}


def _short(name: str) -> tuple[Optional[str], Optional[str]]:
    """("multiply", "tf" | "ops" | "backend") for a canonical op name."""
    for prefix in _NAMESPACES:
        if name.startswith(prefix):
            rest = name[len(prefix):]
            if "." in rest:
                return None, None
            family = "ops" if prefix.startswith("keras.ops") else ("backend" if prefix == "keras.backend." else "tf")
            return rest, family
    return None, None


def op_suffix(name: str) -> Optional[str]:
    """The part of a canonical callee name after its op namespace (`tf.math.`, `keras.ops.`, ...), as
    written (`multiply`, or `random.uniform` for tf.random.uniform); None outside those namespaces."""
    for prefix in _NAMESPACES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return None


def _dtype_text(text: str) -> Optional[str]:
    t = text.lower()
    if t in ("bool", "bool_"):
        return "bool"
    if t.startswith(("int", "uint")) or t in ("long", "short", "byte"):
        return "int"
    if t.startswith(("float", "half", "double", "bfloat")) or t == "floatx":
        return "float"
    return None


def label_dtype_error(arith: LabelArith, label_dtype: str = "int64") -> str:
    """TensorFlow's words for integer y_true meeting float32 y_pred in `arith` (rows a1, a2)."""
    x, y = (label_dtype, "float32") if arith.label_first else ("float32", label_dtype)
    if arith.op == "RealDiv":
        return f"TypeError: `x` and `y` must have the same dtype, got tf.{x} != tf.{y}."
    return f"TypeError: Input 'y' of '{arith.op}' Op has type {y} that does not match type {x} of argument 'x'."


def class_count_effect(ff: FunctionFacts, count: ClassCount, units: int) -> str:
    """What Keras does with a class count that differs from the model's output units (rows d1, d2)."""
    use = count.onehot
    if use is not None and use.meets_pred:
        return (f"fit raises `ValueError: Dimensions must be equal` ({count.value} vs {units} classes) "
                f"where the one-hot labels meet y_pred")
    sources = {u.onehot.source for u in ff.onehots if u.onehot.depth == count.value}
    if use is not None and {"true", "pred"} <= sources:
        # both sides one-hot encoded with the same wrong depth: nothing raises (row d2)
        if count.value > units:
            extra = count.value - units
            classes = "an always-empty class enters" if extra == 1 else f"{extra} always-empty classes enter"
            return f"the value is silently wrong: {classes} the mean over classes"
        return f"the value is silently wrong: class ids >= {count.value} are dropped"
    return ("Keras raises where the class axes meet (`Dimensions must be equal`), or the value is "
            "silently wrong")


def snippet(module: cst.Module, node: cst.CSTNode, limit: int = 60) -> str:
    """The source of `node` on one line, shortened for a message."""
    text = " ".join(module.code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# KC406: the Keras major whose wrapper hands a custom function y_true converted to y_pred's float
# dtype, by role (measured with tf.one_hot on Keras 3.15 and 2.15: K3 converts for losses, K2's
# MeanMetricWrapper for metrics; the other role gets the labels' own dtype).
Y_TRUE_AS_FLOAT = {"loss": "3", "metric": "2"}
# KC401: the Keras major whose wrapper does NOT cast y_true for each role (keras-truth rows a1, a2): the
# other major's, so integer labels reach the function as they are.
Y_TRUE_UNCAST = {"metric": "3", "loss": "2"}
# How to spell a cast to y_pred's dtype on each Keras major: (module the file imports, spelling with its
# local name). keras.ops does not exist in Keras 2.15, and Keras 3's own keras.backend has no cast
# (TensorFlow's tf.keras.backend shim does, on Keras 2 and 3).
CAST_SPELLINGS = {
    "3": (("keras.ops", "{}.cast"), ("keras", "{}.ops.cast"), ("tensorflow", "{}.cast"),
          ("tensorflow.keras.backend", "{}.cast")),
    "2": (("tensorflow", "{}.cast"), ("tensorflow.keras.backend", "{}.cast"), ("keras.backend", "{}.cast")),
}
ONE_HOT_INDICES_ERROR = ("TypeError: Value passed to parameter 'indices' has DataType float32 not in list of "
                         "allowed values: uint8, int8, int32, int64")


def float_labels_majors(use: Any) -> set:
    """The Keras majors on which a custom function (`use`) receives y_true as floats: Keras 3 converts
    it for a loss, Keras 2 for a metric; float labels in the fit data are floats on both."""
    majors = {Y_TRUE_AS_FLOAT[use.role]} if use.role in Y_TRUE_AS_FLOAT else set()
    if labels_kind(use) == "float":
        majors |= {"2", "3"}
    return majors


def float_indices_majors(use: Any, onehot: OneHot) -> set:
    """The Keras majors on which `onehot` (tf.one_hot / tf.keras.backend.one_hot on y_true as Keras
    passed it) gets float indices and raises; keras.ops.one_hot casts its indices and never does.
    Float labels in the fit data are float on every major; Keras 3's own keras.backend has no
    one_hot at all (an AttributeError, KC501), so it is not counted for "3"."""
    if not onehot.raw_labels or onehot.op is None:
        return set()
    short, family = _short(str(onehot.op))
    if short != "one_hot" or family not in ("tf", "backend"):
        return set()
    majors = float_labels_majors(use)
    if family == "backend" and getattr(onehot.op, "flavor", None) == "keras":
        majors.discard("3")
    return majors
