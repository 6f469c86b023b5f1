"""Parse a buffer again after an edit by re-parsing only the top-level statements around the edit.

The language server lints the whole buffer after each pause in typing, and libcst's parse of a
1,000-line script is the largest single cost of that lint. An edit changes one or two top-level
statements; the others are kept from the previous parse.

Why splicing gives the tree a full parse would: the text before the first re-parsed statement is
unchanged and ends where a top-level statement ended, so the tokenizer reaches it in the same state
(no open bracket or string, no indentation) either way. If the re-parsed span parses on its own, it
ends in that state too, and the unchanged rest begins with what was a top-level statement (never an
`else:` or `except:` that could join the statement before it). One unchanged statement on each side
is re-parsed along with the edited ones, because comment lines between statements go to the block
before or the statement after depending on both. tests/test_reparse.py compares spliced trees with
full parses over many random edits.
"""

from __future__ import annotations

import bisect
from typing import Optional

import libcst as cst


class Reparser:
    """The previous parse of one buffer; `parse(text)` returns the tree of the new text."""

    def __init__(self) -> None:
        self.text: Optional[str] = None
        self.module: Optional[cst.Module] = None
        # Where each top-level statement's code (its leading comment lines included) starts in
        # self.text, and where the last one ends; None when the buffer cannot be spliced.
        self.bounds: Optional[list[int]] = None
        self.spliced = 0  # how many parses were splices (for tests and benchmarks)

    def parse(self, text: str) -> cst.Module:
        """cst.parse_module(text), raising what it raises."""
        if self.module is not None and text == self.text:
            return self.module
        try:
            found = self._splice(text)
        except Exception:  # splicing only saves time: whatever goes wrong, the full parse answers
            found = None
        if found is None:
            module = cst.parse_module(text)
            bounds = _bounds(module, text)
        else:
            module, bounds = found
            self.spliced += 1
        self.text, self.module, self.bounds = text, module, bounds
        return module

    def _splice(self, text: str) -> Optional[tuple[cst.Module, list[int]]]:
        old, module, bounds = self.text, self.module, self.bounds
        if old is None or module is None or bounds is None:
            return None
        body = module.body
        start_changed = _common_prefix(old, text)
        end_changed = len(old) - _common_suffix(old, text, min(len(old), len(text)) - start_changed)
        # The statements holding the first and last changed character, and one more on each side.
        first = bisect.bisect_right(bounds, start_changed) - 2
        stop = bisect.bisect_right(bounds, end_changed) + 1
        # The first and last statements stay out of splices: the module's header (comments before the
        # first statement), its line break and indentation style, and its end stay as they were.
        if first < 1 or stop > len(body) - 1:
            return None
        delta = len(text) - len(old)
        start, end = bounds[first], bounds[stop] + delta
        fragment = text[start:end]
        try:
            part = cst.parse_module(fragment)
        except Exception:  # a syntax error, or nesting too deep: the full parse says what it is
            return None
        if (not part.body or part.footer or not part.has_trailing_newline
                or part.default_indent != module.default_indent or part.default_newline != module.default_newline):
            return None
        new_body = list(part.body)
        if part.header:  # comment lines before the span's first statement are its leading lines
            new_body[0] = new_body[0].with_changes(leading_lines=(*part.header, *new_body[0].leading_lines))
        offsets = [start]
        try:
            for stmt in new_body:
                offsets.append(offsets[-1] + len(part.code_for_node(stmt)))
        except RecursionError:
            return None
        if offsets[-1] != end:
            return None
        spliced = module.with_changes(body=(*body[:first], *new_body, *body[stop:]))
        return spliced, bounds[:first] + offsets[:-1] + [b + delta for b in bounds[stop:]]


def _bounds(module: cst.Module, text: str) -> Optional[list[int]]:
    """Start of each top-level statement's code in `text`, and the end of the last one."""
    if not module.body or not module.has_trailing_newline:
        return None
    try:
        parts = [module.code_for_node(node) for node in (*module.header, *module.body, *module.footer)]
    except RecursionError:
        return None
    if "".join(parts) != text:
        return None
    out = [sum(len(p) for p in parts[:len(module.header)])]
    for part in parts[len(module.header):len(module.header) + len(module.body)]:
        out.append(out[-1] + len(part))
    return out


def _common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix, by bisection on slices (C comparisons, not a loop)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the longest common suffix, at most `limit` (so that it does not overlap the prefix)."""
    lo, hi = 0, max(limit, 0)
    la, lb = len(a), len(b)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid:la - lo] == b[lb - mid:lb - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo
