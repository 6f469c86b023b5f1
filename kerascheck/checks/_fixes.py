"""Helpers for the rules' fixes. A fix replaces the exact source span of nodes (see rule.py), so
the replacement text must look right where the node sits: these helpers render a (changed) node
with the indentation of its place in the file, insert statements, drop call arguments, and find the
name under which the module already imports something (`ops` for `from keras import ops`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional

import libcst as cst

if TYPE_CHECKING:
    from kerascheck.facts.model import ModuleFacts


_last: list = [None]  # the last module asked about: {module, code, indentation around each node}


def _module_info(module: cst.Module) -> dict:
    info = _last[0]
    if info is None or info["module"] is not module:
        indents: dict[int, tuple] = {}
        stack: list[tuple[cst.CSTNode, tuple]] = [(module, ())]
        while stack:
            node, tokens = stack.pop()
            indents[id(node)] = tokens
            if isinstance(node, cst.IndentedBlock):
                tokens = tokens + (module.default_indent if node.indent is None else node.indent,)
            stack.extend((child, tokens) for child in node.children)
        info = {"module": module, "indents": indents, "code": None}
        _last[0] = info
    return info


def indent_tokens(module: cst.Module, target: cst.CSTNode) -> Optional[list[str]]:
    """The indentation of every indented block around `target` (outermost first), None when the
    node is not in the module."""
    tokens = _module_info(module)["indents"].get(id(target))
    return None if tokens is None else list(tokens)


def _code(module: cst.Module) -> str:
    info = _module_info(module)
    if info["code"] is None:
        info["code"] = module.code
    return info["code"]


def render(module: cst.Module, node: cst.CSTNode, tokens: list[str]) -> str:
    """The code of `node` as it reads inside blocks indented by `tokens` (continuation lines of a
    parenthesised expression keep the indentation of the enclosing blocks)."""
    try:
        from libcst._nodes.internal import CodegenState

        state = CodegenState(default_indent=module.default_indent, default_newline=module.default_newline,
                             indent_tokens=list(tokens))
    except (ImportError, TypeError):  # pragma: no cover - a libcst that changed this private class:
        return module.code_for_node(node)  # replacement() then only accepts what renders back exactly
    node._codegen(state)
    return "".join(state.tokens)


def replacement(module: cst.Module, original: cst.CSTNode, changed: cst.CSTNode) -> Optional[str]:
    """The text to put in `original`'s span so that it reads as `changed`; None when the original
    cannot be rendered back exactly (then the fix is not offered)."""
    tokens = indent_tokens(module, original)
    if tokens is None:
        return None
    before = render(module, original, tokens)
    if before not in _code(module):
        return None
    return render(module, changed, tokens)


def without_args(module: cst.Module, call: cst.Call, drop: Iterable[cst.Arg]) -> Optional[str]:
    """The text for `call`'s span without the arguments `drop`, commas and line breaks kept tidy."""
    drop_ids = {id(a) for a in drop}
    args = list(call.args)
    kept = [a for a in args if id(a) not in drop_ids]
    if len(kept) == len(args):
        return None
    if not kept:
        changed = call.with_changes(args=(), whitespace_before_args=cst.SimpleWhitespace(""))
    else:
        if id(args[-1]) in drop_ids:
            # the last kept argument takes over the comma (and line break) of the old last one
            kept[-1] = kept[-1].with_changes(comma=args[-1].comma)
        changed = call.with_changes(args=kept)
    return replacement(module, call, changed)


def imported_as(facts: "ModuleFacts", *qualified: str) -> Optional[str]:
    """The local name a top-level import binds to one of `qualified` (tried in order): `ops` for
    "keras.ops" after `from keras import ops`, `keras` for "keras" after `import keras`; None when
    there is none. Imports inside functions, branches or `try:` blocks do not count (the name may
    not exist everywhere), nor a name some other import rebinds."""
    from kerascheck.facts.names import import_bindings

    top: dict[str, set] = {}
    for stmt in facts.module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    for local, full in import_bindings(small):
                        top.setdefault(local, set()).add(full)
    everywhere: dict[str, set] = {}
    for site in facts.import_sites:
        for local, full in import_bindings(site.stmt):
            everywhere.setdefault(local, set()).add(full)
    for want in qualified:
        for local, fulls in top.items():
            if fulls == {want} and everywhere.get(local) == {want}:
                return local
    return None


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr)
            and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def insert_at_start(module: cst.Module, func: cst.FunctionDef, line: str) -> Optional[tuple]:
    """An edit (node, text) that makes `line` the first statement of `func` (after its docstring);
    None when the body is not an indented block starting with simple statements."""
    body = func.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    stmts = list(body.body)
    newline = module.default_newline
    if _is_docstring(stmts[0]):
        target = stmts[0].body[0]
        tokens = indent_tokens(module, target)
        text = replacement(module, target, target)
        return None if tokens is None or text is None else (target, text + newline + "".join(tokens) + line)
    if not isinstance(stmts[0], cst.SimpleStatementLine):
        return None
    target = stmts[0].body[0]
    tokens = indent_tokens(module, target)
    text = replacement(module, target, target)
    return None if tokens is None or text is None else (target, line + newline + "".join(tokens) + text)


def with_keywords(module: cst.Module, call: cst.Call, params: tuple, values: dict) -> Optional[str]:
    """The text for `call`'s span with the arguments named in `values` set to the given source
    texts: replaced where written (by keyword, or by position per `params`), else added as keywords."""
    if any(a.star for a in call.args):
        return None
    args = list(call.args)
    positional = [a for a in args if a.keyword is None]
    todo = dict(values)
    for i, arg in enumerate(args):
        name = arg.keyword.value if arg.keyword is not None else (
            params[positional.index(arg)] if positional.index(arg) < len(params) else None)
        if name in todo:
            args[i] = arg.with_changes(value=cst.parse_expression(todo.pop(name)))
    for name, text in todo.items():
        new = cst.Arg(keyword=cst.Name(name), value=cst.parse_expression(text),
                      equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                            whitespace_after=cst.SimpleWhitespace("")))
        if args and isinstance(args[-1].comma, cst.Comma):
            # a trailing comma (often before a line break): the new argument takes it over, and the
            # old last one gets the comma its predecessor has (the same line layout)
            new = new.with_changes(comma=args[-1].comma)
            between = args[-2].comma if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) else \
                cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            args[-1] = args[-1].with_changes(comma=between)
        args.append(new)
    return replacement(module, call, call.with_changes(args=args))
