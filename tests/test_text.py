"""kerascheck.text: the one place that splits lines and converts columns between code points and
UTF-8/16/32 code units (the editor server, the `lsp`/`full`/`concise` formats, noqa, fixes, notebooks)."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from kerascheck.text import (LINE_BREAK, UTF8, UTF16, UTF32, LineIndex, from_units, line_starts,
                             source_lines, split_keepends, split_lines, to_units)

PROPERTY = settings(derandomize=not os.environ.get("KERASCHECK_FUZZ"), max_examples=200, deadline=None)
# Line breaks Python knows, the characters str.splitlines also splits at, and characters of every width.
TEXT = st.text(alphabet=st.sampled_from(list("ab \t\r\n\x0c\x1c\x85\u2028é€😀")), max_size=40)


def test_only_python_line_breaks_split_lines():
    text = "a\x0cb\r\nc\rd\ne\u2028f\x85g\n"
    assert split_lines(text) == ["a\x0cb", "c", "d", "e\u2028f\x85g", ""]
    assert source_lines(text) == ["a\x0cb", "c", "d", "e\u2028f\x85g"]
    assert split_keepends(text) == ["a\x0cb\r\n", "c\r", "d\n", "e\u2028f\x85g\n"]
    assert split_keepends("x\ny") == ["x\n", "y"] and split_keepends("") == []
    assert line_starts(text) == [0, 5, 7, 9, 15]
    assert LINE_BREAK.sub(" ", "a\r\nb\rc") == "a b c"


def test_code_units_per_encoding():
    line = "a😀é"
    assert [to_units(line, i, UTF16) for i in range(4)] == [0, 1, 3, 4]
    assert [to_units(line, i, UTF8) for i in range(4)] == [0, 1, 5, 7]
    assert [to_units(line, i, UTF32) for i in range(4)] == [0, 1, 2, 3]
    assert to_units("ab", 9, UTF16) == 9 and to_units(None, 4, UTF8) == 4  # past the end: one unit per column
    assert from_units(line, 2, UTF16) == 2  # inside a surrogate pair: the character after it
    assert from_units(line, 99, UTF8) == 3 and from_units(line, 99, UTF32) == 3


def test_line_index():
    index = LineIndex("one\r\ntwo\rthree\n")
    assert index.lines == ["one", "two", "three", ""] and len(index) == 4
    assert index.offset_1based(2, 3) == 7 and index.offset_1based(2, 99) == 8  # clamped to the line
    assert index.offset_1based(9, 1) == len(index.text)
    assert [index.line_of(o) for o in (0, 4, 5, 9, 15)] == [0, 0, 1, 2, 3]


@PROPERTY
@given(TEXT)
def test_splitting_loses_nothing(text):
    assert "".join(split_keepends(text)) == text
    assert len(split_lines(text)) == len(line_starts(text)) == len(LineIndex(text))
    for start, line in zip(line_starts(text), split_lines(text)):
        assert text[start:start + len(line)] == line


@PROPERTY
@given(TEXT, st.sampled_from([UTF8, UTF16, UTF32]))
def test_units_round_trip(line, encoding):
    line = LINE_BREAK.sub("", line)
    codec = {UTF8: "utf-8", UTF16: "utf-16-le", UTF32: "utf-32-le"}[encoding]
    width = {UTF8: 1, UTF16: 2, UTF32: 4}[encoding]
    for i in range(len(line) + 1):
        units = to_units(line, i, encoding)
        assert units == len(line[:i].encode(codec)) // width
        assert from_units(line, units, encoding) == i
