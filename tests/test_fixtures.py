"""Every end-to-end fixture gets exactly the findings its header announces (good ones: none)."""

import re

import pytest

from fixture_spec import all_fixtures

FIXTURES = all_fixtures()


def test_every_rule_with_examples_has_fixtures():
    from kerascheck.catalogue import load_catalogue

    have = {fx.path.parent.name for fx in FIXTURES if fx.bad} & {fx.path.parent.name for fx in FIXTURES if not fx.bad}
    missing = [c for c, m in load_catalogue().items() if not c.startswith("KC9") and c not in have]
    assert not missing, f"rules without a bad and a good end-to-end fixture: {missing}"


@pytest.mark.parametrize("fx", FIXTURES, ids=[f.id for f in FIXTURES])
def test_fixture_findings(lint, fx):
    text = fx.path.read_text(encoding="utf-8")
    versions = [fx.keras] if fx.keras else ["2", "3"]
    for keras in versions:
        got = sorted((f.code, f.line) for f in lint(text, keras=keras, path=fx.id) if not f.code.startswith("KC9"))
        want = sorted(fx.expect) if fx.bad else []
        assert got == want, f"Keras {keras}: {fx.id}"
    if fx.bad:
        assert fx.expect, f"{fx.id}: a bad fixture needs a kc-expect header"


@pytest.mark.parametrize("header,complaint", [
    ("# kc-expect: KC201@3\n# kc-k3: raises boom\n", "no kc-k2 claim"),
    ("# kc-expect: KC201@3\n# kc-K3: raises boom\n# kc-k2: trains\n", "unreadable header"),
    ("# kc-keras: 3\n# kc-k3 raises boom\n", "unreadable header"),
    ("# kc-keras: 3\n# kc-k3: explodes boom\n", "a claim is"),
    ("# kc-keras: 3\n# kc-k3: trains\n# kc-k2: trains\n", "does not run on"),
    ("# kc-keras: 3\n# kc-k3: silent SYMPTOM\n# kc-trace-k3: boom\n", "needs a `kc-k3: raises` claim"),
])
def test_a_fixture_header_typo_or_missing_claim_fails(tmp_path, header, complaint):
    from fixture_spec import FixtureHeaderError, parse

    path = tmp_path / "bad_x.py"
    path.write_text(header + "import keras\n", encoding="utf-8")
    with pytest.raises(FixtureHeaderError, match=re.escape(complaint)):
        parse(path)
