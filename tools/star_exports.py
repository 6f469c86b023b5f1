"""Regenerate kerascheck/facts/star_exports.py: the names `from <keras module> import *` binds.

A name is listed only when Keras 3 and Keras 2 both export it from that module (a module that exists
in one major only, such as `keras.ops`, lists that major's names): a name exported by one major only
binds something else, or nothing, on the other, and the facts layer does not know the major yet.

    python tools/star_exports.py dump > k3.json           # in an environment with Keras 3
    python tools/star_exports.py dump > k2.json           # in an environment with Keras 2
    python tools/star_exports.py write k3.json k2.json    # writes kerascheck/facts/star_exports.py

`tests/test_star_exports.py` (slow) checks the table against the Keras installed where it runs.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

MODULES = [
    *(f"{root}{sub}" for root in ("keras", "tensorflow.keras") for sub in (
        "", ".layers", ".models", ".losses", ".metrics", ".optimizers", ".callbacks", ".activations", ".utils",
        ".backend", ".regularizers", ".initializers", ".constraints", ".preprocessing")),
    "keras.ops",
]
TARGET = Path(__file__).resolve().parent.parent / "kerascheck" / "facts" / "star_exports.py"


def star_names(module: str) -> list[str] | None:
    """The names `from module import *` binds in this interpreter (None: the module does not import)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.simplefilter("ignore")
    namespace: dict = {}
    try:
        exec(f"from {module} import *", namespace)  # exactly what Python does, __all__ or not
    except Exception:
        return None
    return sorted(k for k in namespace if k != "__builtins__")


def table(k3: dict, k2: dict) -> dict[str, list[str]]:
    out = {}
    for module in MODULES:
        a, b = k3.get(module), k2.get(module)
        names = sorted(set(a) & set(b)) if a is not None and b is not None else (a or b)
        if names:
            out[module] = names
    return out


def render(data: dict[str, list[str]]) -> str:
    lines = ['"""The names `from <keras module> import *` binds, in both Keras 3.15 and Keras 2.15 (generated',
             'by tools/star_exports.py; do not edit by hand)."""', "", "from __future__ import annotations", "",
             "_NAMES = {"]
    seen: dict[tuple, str] = {}
    aliases: dict[str, tuple[str, list[str]]] = {}  # module -> (a module it exports all of, the rest)
    for module, names in data.items():
        # tensorflow.keras.X exports what keras.X does (sometimes a few more): say so, not twice
        base = next((m for m, other in data.items() if m in seen.values() and set(other) <= set(names)
                     and len(set(names) - set(other)) * 4 < len(names)), None)
        if base is not None:
            aliases[module] = (base, sorted(set(names) - set(data[base])))
            continue
        seen[tuple(names)] = module
        lines.append(f"    {module!r}: (")
        chunk: list[str] = []
        for name in names:
            if sum(len(n) + 1 for n in chunk) + len(name) > 88:
                lines.append(f'        "{" ".join(chunk)} "')
                chunk = []
            chunk.append(name)
        lines.append(f'        "{" ".join(chunk)}"')
        lines.append("    ),")
    lines += ["}", "# modules that export all another one does, and these names besides", "_SAME_AS = {"]
    lines += [f"    {module!r}: ({target!r}, {' '.join(extra)!r})," for module, (target, extra) in aliases.items()]
    lines += ["}", "", "",
              "def star_exports(module: str) -> tuple[str, ...]:",
              '    """The names `from module import *` binds on every Keras major, or () when unknown."""',
              '    base, extra = _SAME_AS.get(module, (module, ""))',
              '    return tuple(_NAMES.get(base, "").split() + extra.split())', ""]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["dump"]:
        json.dump({m: star_names(m) for m in MODULES}, sys.stdout)
    elif sys.argv[1:2] == ["write"] and len(sys.argv) == 4:
        k3, k2 = (json.loads(Path(p).read_text()) for p in sys.argv[2:4])
        TARGET.write_text(render(table(k3, k2)), encoding="utf-8")
    else:
        sys.exit(__doc__)
