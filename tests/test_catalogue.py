"""Generated from the catalogue: every rule's valid examples stay silent and every invalid example
fires at its line, under each Keras version the example applies to."""

import re

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
    # exactly this rule's findings, at `line` (and `also`): nothing more, whatever the rule
    findings = lint(example.code, keras=keras)
    got = sorted((f.code, f.line) for f in findings)
    want = [(code, ln) for ln in example.lines]
    assert got == want, f"{code} expected at {want}, got {got}: {findings}"


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


def test_every_rule_declares_what_runtime_mode_can_observe():
    from kerascheck.catalogue import SYMPTOM_NAMES
    from kerascheck.runtime.verdict import SYMPTOMS

    assert set(SYMPTOM_NAMES) == set(SYMPTOMS) | {"warning"}
    for code, meta in CATALOGUE.items():
        assert (meta.runtime is None) == code.startswith("KC9"), code
        if meta.runtime is not None and meta.runtime.kind in ("trace", "runtime"):
            # a bug that raises names its error on at least one Keras the rule applies to
            assert any(meta.runtime.expected(v) for v in meta.keras), code


def _entry(**runtime):
    base = {"code": "KC999", "name": "x", "summary": "s", "message": "m", "severity": "error", "fix": "none",
            "keras": ["3"], "docs": {"what": "w", "why": "y", "example": "e", "use_instead": "u"}}
    return dict(base, runtime=runtime)


@pytest.mark.parametrize("runtime,complaint", [
    ({"kind": "trace"}, "must declare the error it expects"),
    ({"kind": "trace", "raises": {"3": {"type": "ValueError", "text": "x"}}, "patterns": ["x"]}, "unknown keys"),
    ({"kind": "trace", "raises": {"4": {"type": "ValueError", "text": "x"}}}, "is not a Keras major"),
    ({"kind": "trace", "raises": {"3": {"type": "ValueError"}}}, "needs exactly 'type' and 'text'"),
    ({"kind": "trace", "raises": {"3": {"type": "ValueError", "text": "("}}}, "not a valid regular expression"),
    ({"kind": "silent", "always_raises": ["3"], "raises": {"3": {"type": "E", "text": "x"}}}, "kind 'trace' only"),
    ({"kind": "trace", "always_raises": ["2"], "raises": {"3": {"type": "E", "text": "x"}}}, "without its expected"),
    ({"kind": "symptom"}, "symptom is required"),
    ({"kind": "symptom", "symptom": "loss_sad"}, "symptom must be one of"),
    ({"kind": "symptom", "symptom": "warning"}, "warns is required"),
    ({"kind": "unreached", "probe": "poke"}, "probe must be one of"),
    ({"kind": "sometimes"}, "kind must be one of"),
])
def test_a_bad_runtime_entry_is_a_clear_error(runtime, complaint):
    from kerascheck.catalogue import CatalogueError, parse_entry

    with pytest.raises(CatalogueError, match=re.escape(complaint)):
        parse_entry(_entry(**runtime), "KC999.yaml")


def test_a_declared_error_matches_type_and_text_on_its_keras_only():
    from kerascheck.catalogue import parse_entry

    spec = parse_entry(_entry(kind="trace", raises={"3": [{"type": "ValueError|TypeError", "text": "same rank"}]}),
                       "KC999.yaml").runtime
    assert spec.matches(3, "ValueError", "must have the same rank (ndim)")
    assert spec.matches("3", "TypeError", "the same rank")
    assert not spec.matches(3, "KeyError", "must have the same rank")  # the type counts, in full
    assert not spec.matches(3, "ValueErrorX", "must have the same rank")
    assert not spec.matches(3, "ValueError", "Dimensions must be equal")
    assert not spec.matches(2, "ValueError", "must have the same rank")  # declared for Keras 3 only
    assert spec.majors == (3,)
