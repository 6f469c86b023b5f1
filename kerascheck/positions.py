"""Where a node is: the 1-based spans findings and fixes point at, exactly as libcst's
PositionProvider gives them, computed only for the top-level statements that need them."""

from __future__ import annotations

import ast
import bisect
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterable, Mapping, Optional

import libcst as cst

from kerascheck.text import line_starts

if TYPE_CHECKING:
    from libcst.metadata import CodeRange



class Positions:
    """The positions of the nodes findings point at, exactly as libcst's PositionProvider gives them.

    PositionProvider regenerates the code of the whole module, which costs more than the parse, and
    recurses once per nesting level (a 600-branch elif chain exhausts the recursion limit). Inside
    a top-level statement, positions depend only on the line the statement's code starts on, so only
    the statements that hold findings are regenerated, each from its first line: CPython's ast
    (parsed anyway by the engine) gives the line of each statement's first token, and libcst's
    own `leading_lines` say how many blank and comment lines come before it. The regenerated code
    must equal the source text from that line on and end where the next statement starts; when it
    does not (the two parsers disagree, or there is no ast), the whole-module provider answers."""

    def __init__(self, module: cst.Module, text: str, tree: Optional[ast.Module],
                 nodes: Iterable[cst.CSTNode] = (), lazy_tree: bool = False) -> None:
        """`lazy_tree`: no ast given; parse one with CPython's parser the first time positions are
        asked for (most files have no finding: they never pay for it)."""
        self.module = module
        self.text = text
        self._map: dict[cst.CSTNode, CodeRange] = {}
        self._full = False  # _map holds every node (the whole-module provider ran)
        self._tree = tree
        self._lazy = lazy_tree and tree is None
        self._region_list: Optional[list[int]] = None if self._lazy else _region_starts(module, tree)
        self._done: dict[int, dict[cst.CSTNode, CodeRange]] = {}  # statement index -> its positions
        self._line_starts: Optional[list[int]] = None
        self._starts: dict[Optional[int], dict[int, int]] = {}
        self.load(nodes)

    @property
    def _regions(self) -> Optional[list[int]]:
        """The first line of each top-level statement's code (None: the two parsers disagree)."""
        if self._lazy:
            self._lazy = False
            self._tree = cpython_tree(self.text)
            self._region_list = _region_starts(self.module, self._tree)
        return self._region_list

    def load(self, nodes: Iterable[cst.CSTNode]) -> None:
        """Compute the positions of `nodes` (and of everything in the statements that hold them)."""
        if self._full:
            return
        wanted = {id(n) for n in nodes if n not in self._map}
        if not wanted:
            return
        if self._regions is None:
            self._load_all()
            return
        from kerascheck.facts.walk import children

        # No parent links in libcst: find the top-level statements that hold the nodes with one
        # (iterative) walk, which costs a fraction of regenerating their code.
        for k, stmt in enumerate(self.module.body):
            if not wanted:
                break
            if k in self._done:
                continue
            stack: list[cst.CSTNode] = [stmt]
            found = False
            while stack:
                node = stack.pop()
                if id(node) in wanted:
                    wanted.discard(id(node))
                    found = True
                stack.extend(children(node))
            if found and not self._load_statement(k):
                self._load_all()
                return
        if wanted:  # not inside a statement (the module itself, a comment in its header): rare
            self._load_all()

    def _load_statement(self, k: int) -> bool:
        """Positions of top-level statement k, False when its code is not where the ast says."""
        from libcst.metadata import PositionProvider
        from libcst.metadata.position_provider import PositionProvidingCodegenState

        assert self._regions is not None
        first = self._regions[k]
        provider = PositionProvider()
        state = PositionProvidingCodegenState(default_indent=self.module.default_indent,
                                              default_newline=self.module.default_newline,
                                              provider=provider, line=first)
        with recursion_is_recursion():
            self.module.body[k]._codegen(state)
        last = k == len(self.module.body) - 1
        if last and not self.module.has_trailing_newline:
            state.pop_trailing_newline()  # as Module._codegen_impl does
        elif not last and state.line != self._regions[k + 1]:
            return False
        if self._line_starts is None:
            # libcst counts lines at the same breaks (position_provider.NEWLINE_RE)
            self._line_starts = line_starts(self.text)
        if not 1 <= first <= len(self._line_starts):
            return False
        code = "".join(state.tokens)
        offset = self._line_starts[first - 1]
        if self.text[offset:offset + len(code)] != code:
            return False
        self._done[k] = provider._computed
        self._map.update(provider._computed)
        return True

    def _load_all(self) -> None:
        from libcst.metadata import MetadataWrapper, PositionProvider

        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        with recursion_is_recursion():
            try:
                # wrapper.resolve() also walks the whole tree once more with an empty batch of
                # visitors (libcst 1.x), a third of the cost on big files; run the provider alone.
                self._map = dict(PositionProvider()._gen(wrapper))
            except (AttributeError, TypeError):  # a libcst without that private method
                self._map = dict(wrapper.resolve(PositionProvider))
        self._full = True

    def all(self) -> Mapping[cst.CSTNode, "CodeRange"]:
        """Every node's range (PositionProvider's mapping), for analyses that need the whole module
        (runtime mode's slicer and probes): computed once, shared with the findings' spans."""
        if not self._full:
            self._load_all()
        return self._map

    def span(self, node: cst.CSTNode) -> Optional[tuple[int, int, int, int]]:
        self.load([node])
        pos = self._map.get(node)
        if pos is None:
            return None
        return pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1

    def statement_start(self, line: int) -> Optional[int]:
        """First line of the simple statement that spans `line` (for multi-line statements)."""
        key: Optional[int] = None  # the top-level statement whose positions are searched; None: all
        if not self._full and self._regions is not None:
            # Statements' code is line-disjoint: only the top-level statement whose code holds `line`
            # can hold a statement that spans it.
            key = bisect.bisect_right(self._regions, line) - 1
            if key < 0:
                return None
            if key not in self._done and not self._load_statement(key):
                key = None
        if key is None and not self._full:
            self._load_all()
        starts = self._starts.get(key)
        if starts is None:
            starts = self._starts[key] = {}
            for node, pos in (self._map if key is None else self._done[key]).items():
                if isinstance(node, cst.SimpleStatementLine) and pos.end.line > pos.start.line:
                    for ln in range(pos.start.line, pos.end.line + 1):
                        prev = starts.get(ln)
                        if prev is None or pos.start.line > prev:
                            starts[ln] = pos.start.line
        return starts.get(line)


def cpython_tree(text: str) -> Optional[ast.Module]:
    """CPython's ast of the text, None when its parser refuses it (the engine's guard already made
    sure the text is not nested too deeply for it)."""
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _region_starts(module: cst.Module, tree: Optional[ast.Module]) -> Optional[list[int]]:
    """The line each top-level statement's code (its leading blank and comment lines included)
    starts on, from the ast's statement lines; None when the two trees do not pair up."""
    if tree is None:
        return None
    flat = tree.body
    out: list[int] = []
    i = 0
    for stmt in module.body:
        if i >= len(flat):
            return None
        first = flat[i]
        line = first.lineno
        lead = len(stmt.leading_lines)
        decorators = getattr(stmt, "decorators", ())
        if decorators:
            # The ast places a decorated def on its `def` line; its code starts with the decorators.
            listed = getattr(first, "decorator_list", None)
            if not listed:
                return None
            line = listed[0].lineno
            lead += len(decorators[0].leading_lines)
        start = line - lead
        if start < 1 or (out and start <= out[-1]):
            return None
        out.append(start)
        # `a = 1; b = 2` is one libcst statement line but two ast statements.
        i += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
    return out if i == len(flat) else None


@contextmanager
def recursion_is_recursion():
    """libcst's position recording runs code in `finally:` that reads the position of a child: after
    a RecursionError in that child it raises KeyError (chained ~1,000 deep) instead. Say what it is."""
    try:
        yield
    except RecursionError:
        raise
    except Exception as exc:
        seen = 0
        cause: Optional[BaseException] = exc
        while cause is not None and seen < 100_000:
            if isinstance(cause, RecursionError):
                raise RecursionError("nested too deeply to compute positions") from None
            cause, seen = cause.__context__, seen + 1
        raise
