"""Message pieces the IoU rules (KC302, KC303, KC305) share."""

from __future__ import annotations

import libcst as cst

from kerascheck.facts.metrics import IOU_LENGTH_ERRORS, IoUConfig


def length_error(versions: frozenset) -> str:
    """What Keras raises when y_true and y_pred flatten to different lengths, for the user's Keras."""
    if len(versions) == 1:
        return f"`{IOU_LENGTH_ERRORS[next(iter(versions))]}`"
    return f"`{IOU_LENGTH_ERRORS['3']}` (Keras 2: `{IOU_LENGTH_ERRORS['2']}`)"


def one_hot_variant(cfg: IoUConfig, n: object, module: cst.Module) -> str:
    """`OneHotMeanIoU(num_classes=4)` / `OneHotIoU(num_classes=3, target_class_ids=[1, 2])`."""
    if cfg.cls == "MeanIoU":
        return f"OneHotMeanIoU(num_classes={n})"
    return f"OneHotIoU(num_classes={n}, target_class_ids={_ids(cfg, module)})"


def sparse_variant(cfg: IoUConfig, n: object, module: cst.Module) -> str:
    """`MeanIoU(num_classes=4, sparse_y_pred=False)` / `IoU(num_classes=3, target_class_ids=[1, 2], ...)`."""
    if cfg.cls == "OneHotMeanIoU":
        return f"MeanIoU(num_classes={n}, sparse_y_pred=False)"
    return f"IoU(num_classes={n}, target_class_ids={_ids(cfg, module)}, sparse_y_pred=False)"


def _ids(cfg: IoUConfig, module: cst.Module) -> str:
    node = cfg.target_class_ids_node
    return module.code_for_node(node) if node is not None else "..."
