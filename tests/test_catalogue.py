"""Generated from the catalogue: every rule's valid examples stay silent and every invalid example
fires at its line, under each Keras version the example applies to."""

import pytest

from kerascheck.catalogue import load_catalogue
from kerascheck.checks import META_CODES, load_rules

CATALOGUE = load_catalogue()


def _versions(meta, example):
    if example.keras:
        return [example.keras]
    return list(meta.keras)


INVALID = [(m.code, i, ex, v) for m in CATALOGUE.values() for i, ex in enumerate(m.invalid) for v in _versions(m, ex)]
VALID = [(m.code, i, ex, v) for m in CATALOGUE.values() for i, ex in enumerate(m.valid)
         for v in ([ex.keras] if ex.keras else ["2", "3"])]


def test_every_entry_has_exactly_one_implementation():
    rules = load_rules()
    implemented = set(rules) | META_CODES
    assert set(CATALOGUE) == implemented, (set(CATALOGUE) ^ implemented)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_rule_has_examples_and_docs(code):
    meta = CATALOGUE[code]
    for section in ("what", "why", "example", "use_instead"):
        assert meta.docs.get(section), f"{code} lacks docs.{section}"
    if meta.examples_exempt:
        return
    assert meta.invalid, f"{code} needs at least one invalid example"
    assert meta.valid, f"{code} needs at least one valid example"


@pytest.mark.parametrize("code,index,example,keras", INVALID,
                         ids=[f"{c}-invalid{i}-k{v}" for c, i, _, v in INVALID])
def test_invalid_example_fires_at_its_line(lint, code, index, example, keras):
    findings = lint(example.code, keras=keras)
    lines = sorted(f.line for f in findings if f.code == code)
    assert example.line in lines, f"{code} expected at line {example.line}, got {lines}: {findings}"


@pytest.mark.parametrize("code,index,example,keras", VALID,
                         ids=[f"{c}-valid{i}-k{v}" for c, i, _, v in VALID])
def test_valid_example_is_silent(lint, code, index, example, keras):
    findings = [f for f in lint(example.code, keras=keras) if f.code == code]
    assert findings == [], findings


FIXED = [(m.code, i, ex, v) for m in CATALOGUE.values() for i, ex in enumerate(m.invalid) if ex.fixed
         for v in _versions(m, ex)]


@pytest.mark.parametrize("code,index,example,keras", FIXED, ids=[f"{c}-fixed{i}-k{v}" for c, i, _, v in FIXED])
def test_fix_turns_the_invalid_example_into_its_fixed_text(code, index, example, keras):
    """The rule's own fix (safe and unsafe) gives exactly `fixed:`, which no longer triggers the
    rule, and fixing the fixed text changes nothing (idempotence)."""
    from kerascheck.config import Settings
    from kerascheck.engine import Linter
    from kerascheck.fix import fix_source

    linter = Linter(Settings(keras_version=keras))

    def lint(text):
        return linter.lint_text(text, "example.py").findings

    mine = [f for f in lint(example.code) if f.code == code]
    assert mine and all(f.fix is not None for f in mine), f"{code} offers no fix: {mine}"
    out = fix_source(lint, example.code, [f for f in lint(example.code) if f.code == code], unsafe=True)
    assert out.problem is None
    assert out.text == example.fixed
    assert not [f for f in lint(out.text) if f.code == code]
    again = fix_source(lint, out.text, lint(out.text), unsafe=True)
    assert again.text == out.text


def test_rules_declaring_a_fix_have_a_fixed_example():
    for meta in CATALOGUE.values():
        if any(ex.fixed for ex in meta.invalid):
            assert meta.fix in ("safe", "unsafe"), f"{meta.code} has fixed examples but fix: {meta.fix}"
