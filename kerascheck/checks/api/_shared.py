"""Syntax helpers the KC5xx rules share for their messages and fixes."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from kerascheck.facts.names import dotted


def receiver_text(call: cst.Call) -> str:
    """How the user wrote the receiver of a method call: `model`, `self.net`, or `model` as fallback."""
    func = call.func
    if isinstance(func, cst.Attribute):
        text = dotted(func.value)
        if text:
            return text
    return "model"


def keyword(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None
