"""Module boundaries, checked on the source: no module reaches into another module's private
(`_name`) names, Keras semantics stay in kerascheck/facts/, and rules read facts rather than each
other or the interpreter."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator

import kerascheck

ROOT = Path(kerascheck.__file__).parent

# (importing module, defining module, name) pairs allowed for now.
ALLOWED: set[tuple[str, str, str]] = set()  # (importer, owner, name): none needed today


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _all_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _all_names(modules: dict[str, Path]) -> set[str]:
    """Every importable kerascheck module name, namespace packages (kerascheck/facts/ has no
    __init__.py) included."""
    names = set(modules)
    for name in modules:
        parts = name.split(".")
        names.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return names


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _private_module_reachable(importer: str, target: str) -> bool:
    """A private module (`pkg._helper`, or anything below a `_private` package) may be imported from
    inside the package that holds it (siblings and their subpackages), and from nowhere else."""
    parts = target.split(".")
    for i, part in enumerate(parts):
        if _private(part):
            owner = ".".join(parts[:i])
            if not (importer == owner or importer.startswith(owner + ".")):
                return False
    return True


def _package_of(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = _package_of(module, is_package).split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def private_uses(module: str, source: str, modules: set[str], is_package: bool = False) -> list[str]:
    """Every use in `source` (the text of kerascheck module `module`) of a private name defined in
    another kerascheck module, or of a private module from outside its package, as
    "importer -> defining.module._name"."""
    tree = ast.parse(source)
    found: list[str] = []
    bindings: dict[str, str] = {}  # local name -> the kerascheck module it denotes

    def use_module(target: str) -> None:
        if not _private_module_reachable(module, target):
            found.append(f"{module} -> {target}")

    def use_name(owner: str, name: str) -> None:
        if owner != module and _private(name) and (module, owner, name) not in ALLOWED:
            found.append(f"{module} -> {owner}.{name}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    use_module(alias.name)
                    if alias.asname:
                        bindings[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        bindings[head] = head
        elif isinstance(node, ast.ImportFrom):
            source_module = _absolute(node, module, is_package)
            if source_module not in modules:
                continue
            use_module(source_module)
            for alias in node.names:
                submodule = f"{source_module}.{alias.name}"
                if submodule in modules:
                    use_module(submodule)
                    bindings[alias.asname or alias.name] = submodule
                else:
                    use_name(source_module, alias.name)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue  # an inner `a.b` of `a.b.c` is walked again on its own: the set below dedups
        chain: list[str] = []
        expr: ast.AST = node
        while isinstance(expr, ast.Attribute):
            chain.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name) or expr.id not in bindings:
            continue
        owner = bindings[expr.id]
        for attr in reversed(chain):
            if f"{owner}.{attr}" in modules:
                owner = f"{owner}.{attr}"
                use_module(owner)
                continue
            use_name(owner, attr)
            break
    return sorted(set(found))


def _is_rule_module(name: str) -> bool:
    parts = name.split(".")
    return len(parts) == 4 and parts[:2] == ["kerascheck", "checks"] and not _private(parts[2]) \
        and not _private(parts[3]) and parts[3] != "__init__"


def _kerascheck_imports(source: str, module: str, modules: set[str]) -> Iterator[str]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, False)
            for alias in node.names:
                target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                if target in modules:
                    yield target


# --- the project ----------------------------------------------------------------------------------
def test_no_module_uses_another_modules_private_names():
    modules = _all_modules()
    names = _all_names(modules)
    problems = [p for name, path in modules.items()
                for p in private_uses(name, path.read_text(encoding="utf-8"), names, path.name == "__init__.py")]
    assert problems == []


def test_no_rule_imports_another_rule_or_the_interpreter():
    modules = _all_modules()
    names = _all_names(modules)
    problems = []
    for name, path in modules.items():
        if not name.startswith("kerascheck.checks."):
            continue
        for target in _kerascheck_imports(path.read_text(encoding="utf-8"), name, names):
            if _is_rule_module(target) and target != name:
                problems.append(f"{name} imports the rule {target}: share it through kerascheck.facts")
            if target == "kerascheck.facts.interp":
                problems.append(f"{name} imports the interpreter: read kerascheck.facts.model")
    assert problems == []


def test_the_allowed_exceptions_are_still_needed():
    """Drop an ALLOWED entry as soon as the code no longer needs it."""
    modules = _all_modules()
    for importer, owner, name in ALLOWED:
        source = modules[importer].read_text(encoding="utf-8")
        assert name in source, (importer, owner, name)


# --- the checker itself ---------------------------------------------------------------------------
FAKE = {"kerascheck", "kerascheck.facts", "kerascheck.facts.interp", "kerascheck.facts.functions",
        "kerascheck.checks", "kerascheck.checks.metrics", "kerascheck.checks.metrics._iou_text",
        "kerascheck.checks.metrics.iou_rule", "kerascheck.checks._fixes", "kerascheck.checks.pairing.rule",
        "kerascheck.checks.pairing"}


def _uses(source: str, module: str = "kerascheck.checks.metrics.iou_rule", is_package: bool = False) -> list[str]:
    return private_uses(module, source, FAKE, is_package)


def test_checker_flags_a_private_name_imported_from_another_module():
    assert _uses("from kerascheck.facts.interp import ModuleFacts, _find_method\n") == \
        ["kerascheck.checks.metrics.iou_rule -> kerascheck.facts.interp._find_method"]


def test_checker_flags_a_private_attribute_of_an_imported_module():
    assert _uses("from kerascheck.facts import functions as F\nx = F._NAMESPACES\n") == \
        ["kerascheck.checks.metrics.iou_rule -> kerascheck.facts.functions._NAMESPACES"]
    assert _uses("import kerascheck.facts.interp\nkerascheck.facts.interp._walk(m, v)\n") == \
        ["kerascheck.checks.metrics.iou_rule -> kerascheck.facts.interp._walk"]
    assert _uses("import kerascheck.facts.interp as I\nI._walk(m, v)\n") == \
        ["kerascheck.checks.metrics.iou_rule -> kerascheck.facts.interp._walk"]


def test_checker_flags_private_names_of_a_package_private_module():
    assert _uses("from kerascheck.checks.metrics._iou_text import _helper\n") == \
        ["kerascheck.checks.metrics.iou_rule -> kerascheck.checks.metrics._iou_text._helper"]
    assert _uses("from ._iou_text import _helper\n") == \
        ["kerascheck.checks.metrics.iou_rule -> kerascheck.checks.metrics._iou_text._helper"]


def test_checker_flags_a_private_module_used_outside_its_package():
    assert _uses("from kerascheck.checks.metrics._iou_text import length_error\n",
                 module="kerascheck.checks.pairing.rule") == \
        ["kerascheck.checks.pairing.rule -> kerascheck.checks.metrics._iou_text"]
    assert _uses("from kerascheck.checks.metrics import _iou_text\n", module="kerascheck.facts.interp") == \
        ["kerascheck.facts.interp -> kerascheck.checks.metrics._iou_text"]


def test_checker_allows_public_names_dunders_own_names_and_package_private_modules():
    assert _uses("from kerascheck.checks.metrics._iou_text import length_error\n"
                 "from kerascheck.checks._fixes import replacement\n"  # a subpackage of the helper's package
                 "from kerascheck.checks.metrics import _iou_text\n"
                 "from kerascheck import __version__\n"
                 "from kerascheck.facts import functions as F\n"
                 "x = F.op_suffix, F.__name__, self._cache, os._exit, _local()\n"
                 "from libcst._nodes.internal import CodegenState\n") == []
    assert _uses("from kerascheck.facts.interp import _Frame\n", module="kerascheck.facts.interp") == []


def test_the_server_imports_no_private_name_of_the_lsp_output_any_more():
    # The two names the server used to borrow (wt-server made them public in kerascheck.text / output.lsp).
    source = "from kerascheck.output.lsp import _LINE_BREAK, _diagnostic\n"
    fake = FAKE | {"kerascheck.output", "kerascheck.output.lsp", "kerascheck.server"}
    assert private_uses("kerascheck.server", source, fake) == [
        "kerascheck.server -> kerascheck.output.lsp._LINE_BREAK", "kerascheck.server -> kerascheck.output.lsp._diagnostic"]


def test_namespace_packages_are_modules():
    names = _all_names({"kerascheck.facts.interp": ROOT / "facts" / "interp.py"})
    assert names == {"kerascheck", "kerascheck.facts", "kerascheck.facts.interp"}
    fake = FAKE | {"kerascheck.facts.keras_api"}
    assert private_uses("kerascheck.checks.api.rule", "from kerascheck.facts import keras_api as K\nK._X\n", fake) == \
        ["kerascheck.checks.api.rule -> kerascheck.facts.keras_api._X"]


def test_rule_import_checker_recognises_rules():
    modules = FAKE | {"kerascheck.checks.pairing"}
    src = "from kerascheck.checks.pairing.rule import helper\nfrom kerascheck.checks.metrics._iou_text import x\n"
    assert list(_kerascheck_imports(src, "kerascheck.checks.metrics.iou_rule", modules)) == \
        ["kerascheck.checks.pairing.rule", "kerascheck.checks.metrics._iou_text"]
    assert _is_rule_module("kerascheck.checks.pairing.rule")
    assert not _is_rule_module("kerascheck.checks.metrics._iou_text")
    assert not _is_rule_module("kerascheck.checks._fixes")
    assert not _is_rule_module("kerascheck.facts.interp")
