"""The facts layer's tree walk reads node fields directly (facts.walk.children) instead of libcst's
slow `node.children`, and skips whitespace-only nodes. It must see exactly what libcst sees."""

import inspect
import typing
from pathlib import Path

import libcst as cst
import pytest

from kerascheck.facts import walk as walk_module
from kerascheck.facts.interp import _Syntax
from kerascheck.facts.model import ModuleFacts
from kerascheck.facts.walk import TRIVIA, children, walk

FIXTURES = sorted((Path(__file__).parent / "fixtures").rglob("*.py"))

HAIRY = {
    "decorators": """
import functools, keras
@functools.lru_cache(maxsize=None)
@keras.saving.register_keras_serializable(package="p")
@staticmethod
def f(a, /, b: int = 1, *args: str, c, d=2, **kw) -> "keras.Model":
    return a
class C(keras.Model, metaclass=type):
    @property
    def x(self): return self._x
    @x.setter
    def x(self, v): self._x = v
""",
    "fstrings": '''
name, width, x = "a", 10, 3.14159
a = f"{x}"
b = f"{x!r:>{width}.{2}f} {name=} {name!s:^10} {{literal}} {f'{x:.2f}'}"
c = rf"\\d{x}" f"{x:{'>' if width else '<'}10}" 'plain'
d = f"""multi
{x
 + 1:.3}
line"""
e = f"{x!a}" + f"{x = }" + f"{x=:>10}"
''',
    "match": """
match command.split():
    case [action]:
        pass
    case [action, obj, *rest] if obj:
        pass
    case {"x": 1, "y": y, **others}:
        pass
    case Point(x=0, y=0) | Point(1, 2) as p:
        pass
    case (1 | 2) | None | True | -1 | 1 + 2j | "s" | b"b":
        pass
    case keras.layers.Dense():
        pass
    case _:
        pass
""",
    "walrus_lambda_comprehensions": """
import keras
if (n := len(data)) > 10 and (m := n * 2):
    pass
f = lambda x, *a, y=1, **k: (lambda: x + y)()
g = lambda: (yield)
squares = [x * x for x in range(10) if x % 2 if x > 3]
pairs = {k: v for k, v in zip(a, b)}
s = {y for x in xs for y in x}
gen = (keras.layers.Dense(u)(t) for u, t in items)
async def h():
    return [await z async for z in aiter() if await ok(z)]
nested = [[c for c in row] for row in grid]
""",
    "annotations": """
from typing import Callable, Generic, TypeVar
T = TypeVar("T")
x: int
y: list[dict[str, int | None]] = []
z: "Callable[[int], str]" = lambda i: str(i)
def f(a: tuple[int, ...], *, b: Callable[..., T] | None = None) -> dict[str, list[T]]: ...
class G(Generic[T]):
    attr: T
    def m(self) -> "G[T]": ...
type Alias[K, *Ts, **P] = dict[K, tuple[*Ts]]
def generic[U: int, V = str](u: U) -> V: ...
""",
    "statements": """
from . import (a as b, c,)
from ..pkg.mod import *
import os.path as osp, sys
global g; nonlocal_ = 1; del a[1:2:3], b.c
assert x, "msg"
try:
    pass
except* (ValueError, TypeError) as eg:
    raise RuntimeError("x") from eg
else:
    pass
finally:
    pass
with (open(p) as fh, lock):
    for i, (j, k) in enumerate(pairs):
        while True:
            break
        else:
            continue
    else:
        pass
async def agen():
    async with ctx() as c:
        async for v in c:
            yield v
    yield from other()
x = a if b else c; y = not -~+x ** 2 // 3 @ m
z = a[1:, ::2, ..., None, *idx]
print(*args, **kwargs, sep="")
if a: pass
elif b: pass
else: pass
w = (1,) + (2, 3) + [4, *rest] + {**d, "k": 1} + {5, 6}
v = a < b <= c != d is not e not in f in g
def outer():
    x = 1
    def inner():
        nonlocal x
        x += 1
    return inner
""",
    "whitespace_and_comments": (
        "# header comment\n\n"
        "import keras  # trailing\n"
        "model = keras.Sequential([  # open\n"
        "    keras.layers.Dense(1) ,  # one\n"
        "    # a line of its own\n"
        "] \\\n"
        "    )\n"
        "x = (  # paren comment\n"
        "    1\n"
        "    + 2\n"
        ")\n"
        "# footer\n"
    ),
    "tabs_crlf_semicolons": "if x:\r\n\ty = 1; z = 2;\r\n\tif y:\r\n\t\tpass\r\n",
    "deep_nesting": "x = " + "(" * 40 + "1" + ")" * 40 + "\n" + "y = " + " + ".join(["a"] * 120) + "\n",
}


def _parse(source: str):
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError:
        return None


def _sources():
    for path in FIXTURES:
        yield str(path.relative_to(Path(__file__).parent)), path.read_text(encoding="utf-8")
    yield from HAIRY.items()


SOURCES = list(_sources())


def _all_nodes(module):
    stack = [module]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def _assert_same_children(module) -> int:
    count = 0
    for node in _all_nodes(module):
        expected = list(node.children)
        got = children(node)
        assert [type(n).__name__ for n in got] == [type(n).__name__ for n in expected], type(node).__name__
        assert all(a is b for a, b in zip(got, expected)), type(node).__name__
        count += 1
    return count


def test_every_hairy_source_parses():
    # A source that silently failed to parse would test nothing.
    for name, source in HAIRY.items():
        assert _parse(source) is not None, name


@pytest.mark.parametrize("name,source", SOURCES, ids=[n for n, _ in SOURCES])
def test_children_match_libcst(name, source, monkeypatch):
    module = _parse(source)
    if module is None:
        pytest.skip("not valid Python")
    monkeypatch.setattr(walk_module, "_FIELD_ORDER", {})  # learn every class from this source alone
    count = _assert_same_children(module)
    assert count > 10
    count_cached = _assert_same_children(module)  # the second pass reads only the learnt orders
    assert count_cached == count


def test_optional_child_learnt_while_absent_is_still_found(monkeypatch):
    # libcst does not visit an f-string's format_spec while it is None: the first f-string seen has
    # none, so its learnt order lacks that field; later ones that have one must keep their children.
    monkeypatch.setattr(walk_module, "_FIELD_ORDER", {})
    module = cst.parse_module('a = f"{x}"\nb = f"{y:>{w}}"\nc = f"{z!r}"\nd = f"{x}"\n')
    _assert_same_children(module)
    spec = [n for n in _all_nodes(module) if isinstance(n, cst.FormattedStringExpression) and n.format_spec]
    assert spec and any(isinstance(c, cst.FormattedStringText) for c in children(spec[0]))


class _Recorder(cst.CSTVisitor):
    """Records, in visit order, every node whose class it has a visit_ hook for."""

    def __init__(self, kinds, prune=()):
        self.seen = []
        self.prune = tuple(prune)
        for kind in kinds:
            setattr(self, f"visit_{kind.__name__}", self._record)

    def _record(self, node):
        self.seen.append(node)
        return not isinstance(node, self.prune)


def _node_kinds():
    out, todo = set(), [cst.CSTNode]
    while todo:
        kind = todo.pop()
        todo.extend(kind.__subclasses__())
        if not inspect.isabstract(kind) and getattr(cst, kind.__name__, None) is kind:
            out.add(kind)
    return out


CODE_KINDS = _node_kinds() - TRIVIA


@pytest.mark.parametrize("name,source", SOURCES, ids=[n for n, _ in SOURCES])
def test_walk_visits_like_libcst(name, source):
    module = _parse(source)
    if module is None:
        pytest.skip("not valid Python")
    for kinds, prune in ((CODE_KINDS, ()), (CODE_KINDS, (cst.Call, cst.Attribute)),
                         ({cst.Call, cst.Comma, cst.Name}, ())):  # a trivia hook: nothing is skipped
        ours, theirs = _Recorder(kinds, prune), _Recorder(kinds, prune)
        walk(module, ours)
        module.visit(theirs)
        assert len(ours.seen) == len(theirs.seen)
        assert all(a is b for a, b in zip(ours.seen, theirs.seen))
    facts_ours, facts_theirs = ModuleFacts(module), ModuleFacts(module)
    syntax_ours, syntax_theirs = _Syntax(facts_ours), _Syntax(facts_theirs)
    walk(module, syntax_ours)
    module.visit(syntax_theirs)
    assert syntax_ours.raw_calls == syntax_theirs.raw_calls
    assert facts_ours.dotted_names == facts_theirs.dotted_names
    assert facts_ours.import_sites == facts_theirs.import_sites
    assert facts_ours.functions == facts_theirs.functions


def _node_classes(annotation):
    if isinstance(annotation, type):
        return [annotation] if issubclass(annotation, cst.CSTNode) else []
    return [k for arg in typing.get_args(annotation) for k in _node_classes(arg)]


def test_trivia_holds_only_trivia():
    # The walk skips TRIVIA nodes whole: that is only safe if nothing but trivia can sit inside them.
    kinds = _node_kinds()
    for kind in TRIVIA:
        for field in kind.__dataclass_fields__.values():
            for annotated in _node_classes(field.type):
                concrete = {k for k in kinds if issubclass(k, annotated)}
                assert concrete and concrete <= TRIVIA, (kind.__name__, field.name, concrete - TRIVIA)
    for _, source in SOURCES:
        module = _parse(source)
        for node in _all_nodes(module) if module is not None else ():
            if type(node) in TRIVIA:
                assert all(type(n) in TRIVIA for n in _all_nodes(node)), type(node).__name__
