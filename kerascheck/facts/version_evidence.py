"""What a module's own code says about the Keras major it runs under, beyond tf_keras and keras.ops.

Each marker was checked on real Keras (TF 2.21 / Keras 3.15 and TF 2.15.1 / Keras 2.15):
- `keras_core` is the Keras 3 preview: `keras_core.backend` has no `sum`, its metrics no
  `reset_states` (the Keras 3 API) whichever TensorFlow is installed beside it.
- `tensorflow_addons` (last release 0.23) cannot be imported under Keras 3: `import
  tensorflow_addons` raises `ModuleNotFoundError: No module named 'keras.src.engine'` on TF 2.21,
  and works on TF 2.15. Its metadata requires TensorFlow < 2.16.
- `os.environ["TF_USE_LEGACY_KERAS"] = "1"` before TensorFlow is imported makes `tf.keras` Keras 2
  (tf_keras) on TF >= 2.16, and TF < 2.16 is Keras 2 anyway. It does not change `import keras`
  (still Keras 3 on TF 2.21), so it is evidence only for code that reaches Keras through TensorFlow.
  TensorFlow reads the variable once, when it is imported, and accepts only "1", "true" and "True".
An import inside `try: ... except ImportError` is optional, so it is no evidence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Optional

import libcst as cst

from kerascheck.facts.names import dotted

if TYPE_CHECKING:
    from kerascheck.facts.model import ModuleFacts

LEGACY_VAR = "TF_USE_LEGACY_KERAS"
_LEGACY_ON = ("1", "true", "True")  # tensorflow/__init__.py's own test
_KERAS_3_ONLY = ("keras_core",)
_KERAS_2_ONLY = ("tensorflow_addons",)
_TF_OR_KERAS = ("tensorflow", "keras", "tf_keras")


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == r or path.startswith(r + ".") for r in roots)


def note_version_evidence(facts: "ModuleFacts", module: cst.Module) -> None:
    """Add to `facts.keras_evidence` the majors these markers imply; set `facts.legacy_keras_env` when
    the module switches tf.keras to Keras 2 before importing TensorFlow."""
    paths = [site.path for site in facts.import_sites if not site.guarded]
    if any(_under(p, _KERAS_3_ONLY) for p in paths):
        facts.keras_evidence.add("3")
    if any(_under(p, _KERAS_2_ONLY) for p in paths):
        facts.keras_evidence.add("2")
    if _sets_legacy_before_import(module, facts.imports):
        facts.legacy_keras_env = True
        if not any(_under(p, ("keras",)) for p in paths) and any(_under(p, ("tensorflow",)) for p in paths):
            facts.keras_evidence.add("2")


def _top_level(statements) -> Iterator[cst.BaseSmallStatement]:
    """The small statements the module runs on import, in source order (if/elif/else, try and with
    blocks included; function and class bodies not: they run later, if at all)."""
    for stmt in statements:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body
        elif isinstance(stmt, cst.If):
            yield from _suite(stmt.body)
            if isinstance(stmt.orelse, cst.If):  # elif
                yield from _top_level([stmt.orelse])
            elif stmt.orelse is not None:
                yield from _suite(stmt.orelse.body)
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            yield from _suite(stmt.body)
            for handler in stmt.handlers:
                yield from _suite(handler.body)
            for extra in (stmt.orelse, stmt.finalbody):
                if extra is not None:
                    yield from _suite(extra.body)
        elif isinstance(stmt, cst.With):
            yield from _suite(stmt.body)


def _suite(suite: cst.BaseSuite) -> Iterator[cst.BaseSmallStatement]:
    if isinstance(suite, cst.SimpleStatementSuite):  # `if x: a = 1` on one line
        yield from suite.body
    else:
        yield from _top_level(suite.body)


def _sets_legacy_before_import(module: cst.Module, imports: dict[str, str]) -> bool:
    for small in _top_level(module.body):
        if isinstance(small, (cst.Import, cst.ImportFrom)) and _imports_tf(small):
            return False
        if _sets_legacy(small, imports):
            return True
    return False


def _imports_tf(node: cst.Import | cst.ImportFrom) -> bool:
    if isinstance(node, cst.Import):
        return any(_under(dotted(a.name) or "", _TF_OR_KERAS) for a in node.names)
    return node.module is not None and not node.relative and _under(dotted(node.module) or "", _TF_OR_KERAS)


def _is_environ(expr: cst.BaseExpression, imports: dict[str, str]) -> bool:
    name = dotted(expr)
    if name is None:
        return False
    head, _, rest = name.partition(".")
    return imports.get(head, head) + ("." + rest if rest else "") == "os.environ"


def _string(expr: Optional[cst.BaseExpression]) -> Optional[str]:
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _sets_legacy(small: cst.BaseSmallStatement, imports: dict[str, str]) -> bool:
    """`os.environ["TF_USE_LEGACY_KERAS"] = "1"`, `os.environ.setdefault(...)` or
    `os.environ.update({...})` with a value TensorFlow takes as on."""
    if isinstance(small, cst.Assign):
        return _string(small.value) in _LEGACY_ON and any(
            isinstance(t.target, cst.Subscript) and _is_environ(t.target.value, imports)
            and len(t.target.slice) == 1 and isinstance(t.target.slice[0].slice, cst.Index)
            and _string(t.target.slice[0].slice.value) == LEGACY_VAR for t in small.targets)
    if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
        return False
    call = small.value
    if not (isinstance(call.func, cst.Attribute) and _is_environ(call.func.value, imports)):
        return False
    args = [a.value for a in call.args if a.keyword is None and not a.star]
    if call.func.attr.value == "setdefault" and len(args) == 2:
        return _string(args[0]) == LEGACY_VAR and _string(args[1]) in _LEGACY_ON
    if call.func.attr.value == "update" and len(args) == 1 and isinstance(args[0], cst.Dict):
        return any(isinstance(e, cst.DictElement) and _string(e.key) == LEGACY_VAR and _string(e.value) in _LEGACY_ON
                   for e in args[0].elements)
    if call.func.attr.value == "update":
        return any(a.keyword is not None and a.keyword.value == LEGACY_VAR and _string(a.value) in _LEGACY_ON
                   for a in call.args)
    return False
