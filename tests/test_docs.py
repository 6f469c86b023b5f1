"""The README's rules table and docs/rules/*.md are generated from the catalogue and must be current."""

from kerascheck import docs


def test_readme_rules_table_and_rule_pages_are_current(capsys):
    assert docs.main(["--check"]) == 0, capsys.readouterr().out


def test_every_rule_page_has_ruff_sections():
    for name, text in docs.pages().items():
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
            assert heading in text, f"{name} lacks {heading}"
