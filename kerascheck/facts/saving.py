"""Where a script saves its model: `model.save`, `save_model`, `save_weights`, `ModelCheckpoint`.

Keras 3 decides the file format from the path's extension and refuses the rest (checked on Keras
3.15; Keras 2.15 accepts every one of these, writing a SavedModel folder or a TF checkpoint):

- `model.save(p)`, `keras.models.save_model(m, p)`: p must end in `.keras`, `.h5` or `.hdf5`
  ("Invalid filepath extension for saving ..."), raised after training, when the save runs;
- `model.save_weights(p)`: p must end in `.weights.h5` ("The filename must end in `.weights.h5`");
- `ModelCheckpoint(p, save_weights_only=True)`: p must end in `.weights.h5`, and
  `ModelCheckpoint(p)`: p must end in `.keras` or `.h5` — both raised when the callback is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst

from kerascheck.facts.values import Const

# kind -> (the endings Keras 3 accepts, the start of its error message)
KERAS3_ENDINGS = {
    "model": ((".keras", ".h5", ".hdf5"), "ValueError: Invalid filepath extension for saving. Please add either a "
                                          "`.keras` extension for the native Keras format (recommended) or a `.h5` "
                                          "extension."),
    "weights": ((".weights.h5",), "ValueError: The filename must end in `.weights.h5`."),
    "checkpoint-weights": ((".weights.h5",), "ValueError: When using `save_weights_only=True` in `ModelCheckpoint`, "
                                             "the filepath provided must end in `.weights.h5` (Keras weights format)."),
    "checkpoint-model": ((".keras", ".h5"), "ValueError: The filepath provided must end in `.keras` (Keras model "
                                            "format)."),
}
SAVE_FUNCTIONS = {"keras.models.save_model", "keras.saving.save_model"}
CHECKPOINT = "keras.callbacks.ModelCheckpoint"


@dataclass
class SaveCall:
    """One place the script writes a model or its weights to a path it spells out."""

    node: cst.Call
    kind: str  # a key of KERAS3_ENDINGS
    path: str  # the path's text as far as it is known: its end (an f-string's last literal part)
    path_node: cst.CSTNode
    complete: bool  # `path` is the whole path, not only its end


def path_text(value: Any, node: Optional[cst.CSTNode]) -> Optional[tuple[str, bool]]:
    """(the path's known text, whether that is all of it) for a string constant, an f-string that
    ends in literal text, or an `os.path.join(...)` / `Path(...) / "..."` whose last part is one."""
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value, True
    if isinstance(node, cst.FormattedString) and node.parts:
        last = node.parts[-1]
        if isinstance(last, cst.FormattedStringText):
            return last.value, False
        return None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
        return _literal_end(node.right)
    if isinstance(node, cst.Call) and node.args and _dotted_end(node.func) == "join":
        return _literal_end(node.args[-1].value)
    return None


def _literal_end(node: cst.CSTNode) -> Optional[tuple[str, bool]]:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return (value, False) if isinstance(value, str) else None
    if isinstance(node, cst.FormattedString):
        return path_text(None, node)
    return None


def _dotted_end(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ""


def save_call(node: cst.Call, kind: str, value: Any, path_node: Optional[cst.CSTNode]) -> Optional[SaveCall]:
    """The SaveCall for a save whose path argument evaluated to `value` (None when unknown)."""
    if path_node is None:
        return None
    found = path_text(value, path_node)
    if found is None:
        return None
    text, complete = found
    return SaveCall(node, kind, text, path_node, complete)


def keras3_rejects(save: SaveCall) -> bool:
    """Keras 3 raises on this path (an unknown start never matters: only the ending decides)."""
    endings, _ = KERAS3_ENDINGS[save.kind]
    path = save.path.rstrip()
    if not save.complete and not path:
        return False
    return not path.endswith(endings)


def checkpoint_kind(kwargs: dict) -> Optional[str]:
    """`checkpoint-weights`, `checkpoint-model`, or None when `save_weights_only` is not a constant."""
    flag = kwargs.get("save_weights_only")
    if flag is None:
        return "checkpoint-model"
    if isinstance(flag, Const) and isinstance(flag.value, bool):
        return "checkpoint-weights" if flag.value else "checkpoint-model"
    return None
