"""Wording shared by the monitor rules (KC601, KC602): what each Keras does with a monitor."""

from __future__ import annotations

from kerascheck.facts.logs import MonitorUse

KERAS3_RAISES = ("Keras 3 raises `ValueError` after the first epoch (`{cls} callback received monitor={monitor}, "
                 "but Keras isn't able to automatically determine whether that metric should be maximized or "
                 "minimized`)")


def per_major(parts: dict, versions: frozenset) -> str:
    """Join per-major texts, Keras 3 first, skipping majors the file does not run on and repeats."""
    chosen: list = []
    for major in ("3", "2"):
        text = parts.get(major)
        if major in versions and text and text not in chosen:
            chosen.append(text)
    return "; ".join(chosen)


def keras3_raises(use: MonitorUse) -> str:
    return KERAS3_RAISES.format(cls=use.callback.cls, monitor=use.monitor)
