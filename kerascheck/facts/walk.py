"""A generic, iterative walk over a libcst tree: the same nodes, in the same order, as libcst's own
traversal, but without rebuilding nodes and without recursion (see docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import Any

import libcst as cst


class _FieldOrder(cst.CSTVisitor):
    """Runs on one node only: records the names of its fields in the order libcst visits them (the
    lexical order) and collects its children, without descending."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.children: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.children.append(node)
        return False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        pass

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.names.append(attribute)  # only the probed node's own fields: the visitor never descends

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


# node class -> (a getter of the fields that hold its children, in lexical order; the fields to
# re-check). libcst's `node.children` runs `_visit_and_replace_children` with a collecting visitor,
# which rebuilds and revalidates the node on every call: a walk through it cost as much as the parse
# (docs/benchmarks.md). Reading the fields directly, in an order learnt once per class from that
# same method, is about 5x faster.
_FIELD_ORDER: dict[type, tuple[Any, tuple[str, ...]]] = {}
_NO_SENTINEL = cst.MaybeSentinel.DEFAULT
_NODE_KINDS: set[type] = set()


def _getter(names: list[str]) -> Any:
    """A function from a node to the tuple of its `names` fields."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda node: (one(node),)
    return lambda node: ()


def _learn(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`node.children`, learning the field order of node's class on the way."""
    if not hasattr(node, "_visit_and_replace_children"):  # a libcst without the private hook
        return list(node.children)
    probe = _FieldOrder()
    node._visit_and_replace_children(probe)
    # libcst skips some optional fields while they are None (an f-string's `format_spec`), so every
    # field the probe left out while it was None may be a child slot: a node of the same class with
    # that field set is probed again instead of trusting this order.
    unseen = tuple(f.name for f in fields(node) if f.name not in probe.names and getattr(node, f.name) is None)
    _FIELD_ORDER.setdefault(type(node), (_getter(probe.names), unseen))
    return probe.children


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The same nodes, in the same order, as libcst's `node.children`, without rebuilding the node."""
    known = _FIELD_ORDER.get(type(node))
    if known is None:
        return _learn(node)
    get, unseen = known
    for name in unseen:
        if getattr(node, name) is not None:
            return _learn(node)
    out: list[cst.CSTNode] = []
    for value in get(node):
        # A visited field holds a node, a sequence of nodes, None or MaybeSentinel.DEFAULT.
        if value is None or value is _NO_SENTINEL:
            continue
        kind = type(value)
        if kind is tuple or kind is list:
            out.extend(value)
        elif kind in _NODE_KINDS:
            out.append(value)
        elif isinstance(value, cst.CSTNode):  # an ABC: isinstance is slow, so remember the answer
            _NODE_KINDS.add(kind)
            out.append(value)
        else:  # some other sequence, in a tree built by hand rather than parsed
            out.extend(value)
    return out


# Whitespace, comments and punctuation: nodes that hold nothing but whitespace (over half the nodes
# of a module). A walk whose visitor hooks none of them does not enter them.
TRIVIA = frozenset({cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.TrailingWhitespace, cst.EmptyLine,
                    cst.Newline, cst.Comment, cst.Comma, cst.Dot, cst.AssignEqual, cst.LeftParen, cst.RightParen,
                    cst.LeftSquareBracket, cst.RightSquareBracket})


def _hook(visitor: cst.CSTVisitor, kind: type) -> Any:
    """The visitor's visit_ hook for a node class, None when it keeps CSTVisitor's no-op one."""
    name = f"visit_{kind.__name__}"
    hook = getattr(visitor, name, None)
    if hook is None or getattr(hook, "__func__", None) is getattr(cst.CSTVisitor, name, None):
        return None
    return hook


def walk(module: cst.Module, visitor: cst.CSTVisitor) -> None:
    """`module.visit(visitor)` for a visitor with only visit_<Node> hooks (no on_visit, no leave_),
    in the same (pre-)order, but with a stack instead of recursion: libcst's recursive visit exceeds
    Python's recursion limit at about 330 levels of nesting (a sum of 400 terms, a 400-branch elif
    chain), which valid code reaches."""
    hooks: dict[type, Any] = {}  # node class -> its visit_ hook or None
    skip = TRIVIA if all(_hook(visitor, kind) is None for kind in TRIVIA) else frozenset()
    stack: list[cst.CSTNode] = [module]
    pop, extend = stack.pop, stack.extend
    while stack:
        node = pop()
        kind = type(node)
        if kind in skip:
            continue
        try:
            hook = hooks[kind]
        except KeyError:
            hook = hooks[kind] = _hook(visitor, kind)
        if hook is None or hook(node) is not False:
            extend(reversed(children(node)))

